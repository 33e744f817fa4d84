//! Start-up benchmark of the release app in a real window, beside a bare Tauri app of the same
//! Tauri version (`benches/bare-app`: one window, a static page) as the floor. For each: the time
//! from process start to the first painted page (the page calls `ui_ready` after its first paint,
//! and the app writes a line), the memory resident a few seconds after start in the app process,
//! and the proportional memory of the whole process tree (WebKitGTK runs the page in child
//! processes). Both apps run the same way, interleaved; it prints medians, ranges and ratios.
//!
//! Run with `cargo bench --bench startup` (after `npm --prefix ui run build`); it builds the bare
//! app itself (`cargo build --release -p bare-app`), and without a display it re-runs itself
//! under `xvfb-run`. Settings and logs go to a temporary folder.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

const RUNS: usize = 7;
/// When resident memory is read, counted from process start.
const SETTLE: Duration = Duration::from_secs(4);
/// The line both apps write when the page reports its first paint.
const PAINTED: &str = "first page painted";

struct Run {
    first_paint: Duration,
    app_rss_kib: u64,
    tree_pss_kib: u64,
}

fn main() {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        let me = std::env::current_exe().expect("own path");
        let status = Command::new("xvfb-run")
            .arg("-a")
            .arg(me)
            .args(std::env::args_os().skip(1))
            .status()
            .expect("xvfb-run is needed without a display (apt-get install xvfb xauth)");
        std::process::exit(status.code().unwrap_or(1));
    }
    let app = PathBuf::from(env!("CARGO_BIN_EXE_spconnect"));
    let bare = build_bare_app();
    for (name, program) in [("spconnect", &app), ("bare Tauri app", &bare)] {
        let warm_up = measure(program);
        eprintln!("warm-up run of {name}: first paint {} ms", warm_up.first_paint.as_millis());
    }
    let (mut ours, mut floor) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        ours.push(measure(&app));
        floor.push(measure(&bare));
    }

    let mut out = format!(
        "startup: {RUNS} runs of each, interleaved; median (min-max); ratio = spconnect / bare Tauri app\n\
         {:<34} {:>22} {:>22} {:>7}\n",
        "", "spconnect", "bare Tauri app", "ratio"
    );
    let rows: [(&str, &str, Figure); 3] = [
        ("startup/first_paint_ms", "ms", |r| r.first_paint.as_millis() as f64),
        ("startup/app_rss_mib", "MiB", |r| r.app_rss_kib as f64 / 1024.0),
        ("startup/tree_pss_mib", "MiB", |r| r.tree_pss_kib as f64 / 1024.0),
    ];
    for (name, unit, key) in rows {
        let (a, b) = (summary(&ours, key), summary(&floor, key));
        let cell = |s: (f64, f64, f64)| format!("{:.0} {unit} ({:.0}-{:.0})", s.0, s.1, s.2);
        out += &format!("{name:<34} {:>22} {:>22} {:>6.2}x\n", cell(a), cell(b), a.0 / b.0);
    }
    out += &format!(
        "(first paint: from process start; memory: {} s after start; PSS: the app and its WebKit \
         child processes)\n",
        SETTLE.as_secs()
    );
    std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes()).expect("stdout");
}

/// One figure read from a run.
type Figure = fn(&Run) -> f64;

/// Median, minimum and maximum of `key` over `runs`.
fn summary(runs: &[Run], key: Figure) -> (f64, f64, f64) {
    let mut values: Vec<f64> = runs.iter().map(key).collect();
    values.sort_by(f64::total_cmp);
    (values[values.len() / 2], values[0], values[values.len() - 1])
}

/// Builds the bare app in release mode into the same target folder, and returns its path.
fn build_bare_app() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--quiet", "-p", "bare-app"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the bare app builds");
    // This benchmark runs from <target>/release/deps/; the bare app lands in <target>/release/.
    let me = std::env::current_exe().expect("own path");
    let release = me.parent().and_then(Path::parent).expect("<target>/release");
    release.join(format!("bare-app{}", std::env::consts::EXE_SUFFIX))
}

fn measure(app: &Path) -> Run {
    let folders = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let mut child = Command::new(app)
        .env("XDG_CONFIG_HOME", folders.path().join("config"))
        .env("XDG_DATA_HOME", folders.path().join("data"))
        .env("XDG_CACHE_HOME", folders.path().join("cache"))
        .env("RUST_LOG", "spconnect_app=info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the release app starts");
    let stderr = child.stderr.take().expect("piped");
    let (painted_tx, painted_rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains(PAINTED) {
                let _ = painted_tx.send(Instant::now());
            }
        }
    });
    let painted = painted_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the page reports its first paint within a minute");
    thread::sleep(SETTLE.saturating_sub(started.elapsed()));
    let pid = child.id();
    let app_rss_kib = status_field(pid, "VmRSS:").unwrap_or(0);
    let tree_pss_kib = process_tree(pid).into_iter().filter_map(pss_kib).sum();
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let _ = child.wait();
    Run { first_paint: painted - started, app_rss_kib, tree_pss_kib }
}

fn status_field(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn pss_kib(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let line = rollup.lines().find(|line| line.starts_with("Pss:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `root` and all its descendants, from the parent ids in `/proc/*/stat`.
fn process_tree(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The command name is in parentheses and may contain spaces: parse after the last ')'.
            let after = &stat[stat.rfind(')')? + 2..];
            let parent = after.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, parent))
        })
        .collect();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let current = tree[i];
        tree.extend(parents.iter().filter(|(_, parent)| *parent == current).map(|(pid, _)| *pid));
        i += 1;
    }
    tree
}

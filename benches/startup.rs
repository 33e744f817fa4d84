//! Start-up benchmark of the release app in a real window: time from process start to the first
//! painted page (the page calls `ui_ready` after its first paint, and the app logs it), and the
//! memory resident a few seconds after start, for the app process and for the whole process tree
//! (WebKitGTK runs the page in child processes). Prints the median of several runs.
//!
//! Run with `cargo bench --bench startup` (after `npm --prefix ui run build`); without a display
//! it re-runs itself under `xvfb-run`. Settings and logs go to a temporary folder.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

const RUNS: usize = 7;
/// When resident memory is read, counted from process start.
const SETTLE: Duration = Duration::from_secs(4);
/// The log line the app writes when the page reports its first paint.
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
    let app = env!("CARGO_BIN_EXE_spconnect");
    let warm_up = measure(app);
    eprintln!("warm-up run: first paint {} ms", warm_up.first_paint.as_millis());
    let mut runs: Vec<Run> = (0..RUNS).map(|_| measure(app)).collect();

    let median = |runs: &mut Vec<Run>, key: fn(&Run) -> u64| {
        runs.sort_by_key(key);
        key(&runs[runs.len() / 2])
    };
    let paint_ms = median(&mut runs, |r| r.first_paint.as_millis() as u64);
    let all: Vec<String> = runs.iter().map(|r| format!("{}", r.first_paint.as_millis())).collect();
    let app_rss = median(&mut runs, |r| r.app_rss_kib);
    let tree_pss = median(&mut runs, |r| r.tree_pss_kib);
    let out = format!(
        "startup/first_paint_ms   median {paint_ms} ms over {RUNS} runs (all, ms: {})\n\
         startup/app_rss_mib      median {:.1} MiB (the app process, {} s after start)\n\
         startup/tree_pss_mib     median {:.1} MiB (app + WebKit child processes, proportional set size)\n",
        all.join(", "),
        app_rss as f64 / 1024.0,
        SETTLE.as_secs(),
        tree_pss as f64 / 1024.0,
    );
    std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes()).expect("stdout");
}

fn measure(app: &str) -> Run {
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

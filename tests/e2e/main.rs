//! End to end: the built app in a real window (WebKitGTK under Xvfb), driven through WebDriver by
//! `tauri-driver` and Debian's `WebKitWebDriver`. The app runs with its own XDG folders in a
//! temporary directory, so it never touches a person's settings, logs or keychain.
//!
//! These tests need a display, `tauri-driver` and `WebKitWebDriver`, so they are ignored in a plain
//! `cargo test`; `scripts/test` runs them under `xvfb-run` with `--ignored`.

mod tenant;
mod webdriver;

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use webdriver::Session;

/// A running `tauri-driver`, stopped with SIGTERM on drop, also when a test panics (SIGKILL
/// would leave its `WebKitWebDriver` child behind).
struct Driver {
    child: Child,
    /// tauri-driver, which creates sessions (it starts the app through WebKitWebDriver).
    url: String,
    /// WebKitWebDriver itself, which every later command goes to: tauri-driver's reused
    /// connection to it was reset now and then, and the command came back unanswered.
    native_url: String,
}

impl Driver {
    /// Starts tauri-driver on two ports outside the kernel's ephemeral range, so no process
    /// binding port 0 can be handed them between our choice and its bind; if one is taken all the
    /// same, tauri-driver exits at once and another pair is tried.
    fn start(xdg_root: &Path, env: &[(&str, String)]) -> Self {
        let program = find_tauri_driver();
        for attempt in 0..8 {
            let (port, native_port) = port_pair(attempt);
            let mut child = Command::new(&program)
                .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
                .env("XDG_CONFIG_HOME", xdg_root.join("config"))
                .env("XDG_DATA_HOME", xdg_root.join("data"))
                .env("XDG_CACHE_HOME", xdg_root.join("cache"))
                .env("XDG_STATE_HOME", xdg_root.join("state"))
                .env("RUST_LOG", "info")
                .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
                .stdin(Stdio::null())
                .spawn()
                .unwrap_or_else(|error| panic!("cannot start {}: {error}", program.display()));
            if listening(port, &mut child) {
                return Self {
                    child,
                    url: format!("http://127.0.0.1:{port}"),
                    native_url: format!("http://127.0.0.1:{native_port}"),
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("tauri-driver did not start on any of 8 port pairs");
    }
}

/// Two ports below the ephemeral range (32768–60999 on Linux), different for each process, each
/// driver it starts and each attempt.
fn port_pair(attempt: u16) -> (u16, u16) {
    static STARTED: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);
    let started = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let base = 20_000 + ((std::process::id() as u16).wrapping_mul(7) % 3_000) * 2;
    let port = base + (started % 32) * 64 + attempt * 2;
    (port, port + 1)
}

/// Whether the driver accepts connections on `port` within ten seconds (false once it exited).
fn listening(port: u16, child: &mut Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_tauri_driver() -> PathBuf {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .map(|home| home.join("bin").join("tauri-driver"));
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("tauri-driver"))
        .chain(cargo_bin)
        .find(|candidate| candidate.is_file())
        .expect("tauri-driver is not installed: run scripts/test, which installs it")
}

/// Runs axe-core in the real window (where layout exists, so colour contrast is judged too) and
/// returns its serious and critical violations as readable lines. axe's source comes from the
/// UI's npm packages; it is loaded into the page for the test only.
fn accessibility_violations(session: &Session) -> Vec<String> {
    let axe = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&axe)
        .unwrap_or_else(|error| panic!("{}: {error} (scripts/test installs it)", axe.display()));
    let loaded =
        session.execute(&format!("{source}\nreturn typeof window.axe;")).expect("axe loads");
    assert_eq!(loaded, serde_json::json!("object"), "axe-core is in the page");
    let found = session
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             window.axe.run(document, {resultTypes: ['violations']}).then(\
               (r) => done(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')\
                 .map((v) => v.id + ': ' + v.help + ' at ' + v.nodes.map((n) => n.target.join(' ')).join(', '))),\
               (e) => done(['axe failed: ' + e]));",
        )
        .expect("axe runs");
    serde_json::from_value(found).expect("a list of lines")
}

fn screenshot_path(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir.join(name)
}

/// Starts the built app with `args` in its own XDG folders, driven by a fresh `tauri-driver`.
fn launch(args: &[&str]) -> (tempfile::TempDir, Driver, Session) {
    launch_with(args, &[])
}

/// The same with more environment variables for the app.
fn launch_with(args: &[&str], env: &[(&str, String)]) -> (tempfile::TempDir, Driver, Session) {
    assert!(
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some(),
        "no display: run under xvfb-run (scripts/test does)"
    );
    let xdg = tempfile::tempdir().expect("temp dir");
    let driver = Driver::start(xdg.path(), env);
    let app = env!("CARGO_BIN_EXE_spconnect");
    let session = Session::start(&driver.url, &driver.native_url, app, args)
        .expect("a WebDriver session on the app");
    (xdg, driver, session)
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver: scripts/test runs it under xvfb-run"]
fn on_the_demo_tenant_the_window_says_so_and_the_tenant_answers() {
    let (_xdg, _driver, session) = launch(&["--demo"]);
    let badge = session
        .wait_for_text("#demo-badge", |text| text.to_lowercase().contains("demo tenant"))
        .expect("the demo badge");
    assert!(badge.contains("Contoso (contoso.onmicrosoft.com), not to Microsoft"), "{badge}");
    assert_eq!(accessibility_violations(&session), Vec::<String>::new(), "the demo banner");
    let base = demo_base_url(&session);
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let discovery = agent
        .get(format!("{base}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"))
        .call()
        .expect("the demo tenant started with the app answers");
    assert_eq!(discovery.status(), 200);
    let shot = screenshot_path("demo-tenant.png");
    std::fs::write(&shot, session.screenshot().expect("a screenshot")).expect("saved");
    session.end().expect("the session ends");
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver: scripts/test runs it under xvfb-run"]
fn first_screen_wizard_and_settings_in_the_real_window() {
    let (xdg, _driver, session) = launch(&[]);

    // The first screen: the footer shows the version that the Rust command app_info returned.
    let version = session
        .wait_for_text("#app-version", |text| text.contains(env!("CARGO_PKG_VERSION")))
        .expect("the version from app_info");
    assert_eq!(version, format!("spconnect {}", env!("CARGO_PKG_VERSION")));
    let shot = screenshot_path("first-screen.png");
    std::fs::write(&shot, session.screenshot().expect("a screenshot")).expect("saved");

    // The page runs with the security baseline: no global Tauri object, frozen prototypes.
    let baseline = session
        .execute("return [typeof window.__TAURI__, Object.isFrozen(Object.prototype)];")
        .expect("a script runs");
    assert_eq!(baseline, serde_json::json!(["undefined", true]));
    assert_eq!(accessibility_violations(&session), Vec::<String>::new(), "the first screen");

    // The wizard opens on Account; with nobody signed in, Next waits for a sign-in.
    session.find("#new-connection").and_then(|b| b.click()).expect("New connection");
    session
        .wait_for_text("#wizard-step-title", |text| text == "Sign in")
        .expect("the wizard opens on Account");
    session
        .find(r#"li[data-step="account"][aria-current="step"]"#)
        .expect("the step indicator marks Account as current");
    session
        .wait_for_text("#wizard-no-accounts", |text| text.contains("Nobody is signed in"))
        .expect("nobody is signed in on a fresh machine");
    let next_disabled =
        session.execute("return document.getElementById('wizard-next').disabled;").expect("runs");
    assert_eq!(next_disabled, serde_json::json!(true), "Next waits for someone to act as");
    assert_eq!(accessibility_violations(&session), Vec::<String>::new(), "the wizard");

    // Settings: choose GCC High and save; the endpoints shown are what save_settings returned.
    session.find("#nav-settings").and_then(|b| b.click()).expect("Settings");
    session
        .wait_for_text("#endpoint-graph", |text| text.contains("https://graph.microsoft.com"))
        .expect("the default cloud is Global");
    assert_eq!(accessibility_violations(&session), Vec::<String>::new(), "Settings");

    // Custom endpoints with plain http to a public host: Rust refuses it, the message appears
    // next to the Graph host field, and what was typed stays.
    session.find(r#"input[name="cloud"][value="custom"]"#).and_then(|r| r.click()).expect("Custom");
    session.find("#custom-authority").and_then(|i| i.send_keys("login.example.com")).expect("type");
    session
        .find("#custom-graph")
        .and_then(|i| i.send_keys("http://graph.example.com"))
        .expect("type");
    session.find("#save-settings").and_then(|b| b.click()).expect("Save");
    let field_error = session
        .wait_for_text("#custom-graph-error", |text| text.contains("https"))
        .expect("the refusal from save_settings, next to the field");
    assert!(field_error.contains("http://graph.example.com"), "{field_error}");
    let typed = session
        .execute("return document.getElementById('custom-graph').value;")
        .expect("a script runs");
    assert_eq!(typed, "http://graph.example.com", "nothing typed is lost");

    // Replacing the text (as a person does: select all, delete, type) reaches the form, so what
    // is saved is what the field shows, not a stale value. WebDriver's own element clear fires
    // no `input` event, which is why `replace_text` types the keys instead.
    session
        .find("#custom-authority")
        .and_then(|i| i.replace_text("https://login.example.com"))
        .expect("retype");
    session
        .find("#custom-graph")
        .and_then(|i| i.replace_text("https://graph.example.com"))
        .expect("retype");
    session.find("#save-settings").and_then(|b| b.click()).expect("Save");
    let custom_graph = session
        .wait_for_text("#endpoint-graph", |text| text.contains("example.com"))
        .expect("the custom endpoints saved");
    assert_eq!(custom_graph, "https://graph.example.com", "the replaced text was saved");

    session
        .find(r#"input[name="cloud"][value="usGovGccHigh"]"#)
        .and_then(|radio| radio.click())
        .expect("GCC High");
    session.find("#save-settings").and_then(|b| b.click()).expect("Save");
    session.wait_for_text("#settings-status", |text| text.contains("Saved")).expect("saved");
    let graph = session
        .wait_for_text("#endpoint-graph", |text| text.contains("microsoft.us"))
        .expect("the endpoints from Rust");
    assert_eq!(graph, "https://graph.microsoft.us");
    assert_eq!(
        session.find("#endpoint-authority").and_then(|e| e.text()).expect("authority"),
        "https://login.microsoftonline.us"
    );

    let shot = screenshot_path("settings-saved.png");
    std::fs::write(&shot, session.screenshot().expect("a screenshot")).expect("saved");
    eprintln!("screenshot: {}", shot.display());
    session.end().expect("the session ends");

    // The choice reached the app's own config folder under the test's XDG root, nowhere else.
    let settings = xdg.path().join("config").join("dev.spconnect.desktop").join("settings.json");
    let saved = std::fs::read_to_string(&settings).expect("settings.json in the test's folder");
    assert!(saved.contains("usGovGccHigh"), "{saved}");
    // One daily file, or two when the test ran across midnight UTC.
    let logs = xdg.path().join("data").join("dev.spconnect.desktop").join("logs");
    let log_files: Vec<_> = std::fs::read_dir(&logs).expect("log folder").collect();
    assert!((1..=2).contains(&log_files.len()), "daily log files in {}", logs.display());
}

/// Every file under `dir`, except the demo tenant's own state (the stand-in for Microsoft's side).
fn files_written(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.ends_with("demo-tenant") {
            continue;
        }
        if path.is_dir() {
            found.extend(files_written(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            found.push((path, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    found
}

/// Microsoft Graph Command Line Tools, the first-party client "Register spconnect" signs in with.
const GRAPH_COMMAND_LINE_TOOLS: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// Where the demo tenant inside the app answers, as Settings shows it.
fn demo_base_url(session: &Session) -> String {
    session.find("#nav-settings").and_then(|b| b.click()).expect("Settings");
    let text = session
        .wait_for_text("#demo-endpoints", |text| text.contains("http://127.0.0.1:"))
        .expect("where the demo tenant answers");
    text.split_whitespace()
        .find(|word| word.starts_with("http://127.0.0.1:"))
        .map(|word| word.trim_end_matches(['.', ',']))
        .expect("a loopback URL")
        .to_owned()
}

/// Clicks the tree node whose text contains `name`.
fn click_node(session: &Session, name: &str) {
    let script = format!(
        "const b = [...document.querySelectorAll('.tree button')].find(b => b.textContent.includes({name:?})); if (b) b.click(); return !!b;"
    );
    assert_eq!(session.execute(&script).expect("runs"), serde_json::json!(true), "{name}");
}

/// The Browse step in the real window: every site, a site opened, a list's columns, content types
/// and items, a list ticked; the window keeps painting meanwhile (the longest gap between frames
/// is printed).
fn browse_the_demo_tenant(session: &Session) {
    session
        .execute(
            "window.__gap = 0; let last = performance.now(); \
             const tick = (t) => { window.__gap = Math.max(window.__gap, t - last); last = t; requestAnimationFrame(tick); }; \
             requestAnimationFrame(tick); return true;",
        )
        .expect("the frame watch starts");
    session.find("#wizard-next").and_then(|b| b.click()).expect("Next");
    session
        .wait_for_text("#browse-status", |t| t.contains("Every site you can find"))
        .expect("the sites are listed");
    let entering =
        session.execute("const g = window.__gap; window.__gap = 0; return g;").expect("the gap");
    eprintln!("longest gap between painted frames while the Browse step opened: {entering} ms");
    click_node(session, "Human Resources");
    session.wait_for_text(".tree", |t| t.contains("Employees")).expect("the site opens");
    click_node(session, "Employees");
    let details = session
        .wait_for_text(".details", |t| t.contains("First items") && t.contains("Choices:"))
        .expect("the list's details");
    assert!(details.contains("Content types"), "{details}");
    session
        .execute(
            "document.querySelector('input[aria-label=\"Use Employees\"]').click(); return true;",
        )
        .expect("ticked");
    session.wait_for_text("#browse-status", |t| t.contains("1 list ticked")).expect("ticked");
    // Read before the accessibility check, which runs axe-core in the page.
    let gap = session.execute("return window.__gap;").expect("the longest gap");
    eprintln!(
        "longest gap between painted frames while browsing (open a site, a list, tick): {gap} ms"
    );
    assert_eq!(accessibility_violations(session), Vec::<String>::new(), "Browse");
    let shot = screenshot_path("browse.png");
    std::fs::write(&shot, session.screenshot().expect("a screenshot")).expect("saved");
    session.find("#wizard-back").and_then(|b| b.click()).expect("Back");
}

/// The system browser played by `play-browser.py`, signing in as the demo administrator.
fn admin_browser() -> [(&'static str, String); 3] {
    let player = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/play-browser.py");
    [
        ("BROWSER", player.display().to_string()),
        ("SPCONNECT_E2E_LOGIN", "admin@contoso.onmicrosoft.com".to_owned()),
        ("SPCONNECT_E2E_PASSWORD", "Demo-Admin-2026!".to_owned()),
    ]
}

/// Signs the administrator in with the browser, starts the wizard, and opens Human Resources in
/// the Browse step.
fn sign_in_and_open_human_resources(session: &Session) {
    session.find("#nav-accounts").and_then(|b| b.click()).expect("Accounts");
    session.find("#accounts-sign-in-browser").and_then(|b| b.click()).expect("Sign in");
    session.wait_for_text("#accounts-status", |t| t.contains("is signed in")).expect("signed in");
    session.find("#nav-wizard").and_then(|b| b.click()).expect("New connection");
    session
        .wait_for_text(r#"input[name="wizard-account"]:checked + .choice-text"#, |t| {
            t.contains("admin@")
        })
        .expect("the person is picked");
    session.find("#wizard-next").and_then(|b| b.click()).expect("Next");
    session.wait_for_text("#browse-status", |t| t.contains("sites")).expect("the sites");
    click_node(session, "Human Resources");
}

/// The object id of the first account listed (its element id is `account-{objectId}-{clientId}`).
fn admin_object_id(session: &Session) -> String {
    let id = session
        .execute("return document.querySelector('li.account').id;")
        .expect("runs")
        .as_str()
        .expect("an id")
        .to_owned();
    id.trim_start_matches("account-")[..36].to_owned()
}

#[test]
#[ignore = "needs a display, tauri-driver, WebKitWebDriver and a Secret Service: scripts/test runs it under xvfb-run in a private keychain session"]
fn sign_in_with_the_system_browser_on_the_demo_tenant() {
    let work = tempfile::tempdir().expect("temp dir");
    let browser_log = work.path().join("browser.log");
    let player = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/play-browser.py");
    let password = "Demo-Admin-2026!";
    let env = [
        ("BROWSER", player.display().to_string()),
        ("SPCONNECT_E2E_LOGIN", "admin@contoso.onmicrosoft.com".to_owned()),
        ("SPCONNECT_E2E_PASSWORD", password.to_owned()),
        ("SPCONNECT_E2E_BROWSER_LOG", browser_log.display().to_string()),
    ];
    let (xdg, _driver, session) = launch_with(&["--demo"], &env);
    session.wait_for_text("#demo-badge", |t| t.contains("Contoso")).expect("the demo tenant");

    session.find("#nav-accounts").and_then(|b| b.click()).expect("Accounts");
    session.wait_for_text("#no-accounts", |t| t.contains("Nobody")).expect("nobody yet");
    session.find("#accounts-sign-in-browser").and_then(|b| b.click()).expect("Sign in");
    let signed_in = session
        .wait_for_text("#accounts-status", |t| t.contains("is signed in"))
        .unwrap_or_else(|error| {
            let seen = std::fs::read_to_string(&browser_log).unwrap_or_default();
            panic!("{error}; the browser saw: {seen}")
        });
    assert!(signed_in.contains("admin@contoso.onmicrosoft.com"), "{signed_in}");
    let listed = session.find(".accounts").and_then(|e| e.text()).expect("the list");
    assert!(listed.contains("Global Administrator"), "{listed}");
    assert!(listed.contains("Grant Microsoft Graph application permissions: yes"), "{listed}");
    assert_eq!(accessibility_violations(&session), Vec::<String>::new(), "Accounts");
    let shot = screenshot_path("accounts-signed-in.png");
    std::fs::write(&shot, session.screenshot().expect("a screenshot")).expect("saved");
    eprintln!("screenshot: {}", shot.display());

    // The wizard picks the person who just signed in.
    session.find("#nav-wizard").and_then(|b| b.click()).expect("New connection");
    session
        .wait_for_text(r#"input[name="wizard-account"]:checked + .choice-text"#, |t| {
            t.contains("admin@contoso.onmicrosoft.com")
        })
        .expect("the signed-in person is picked");
    let next_disabled =
        session.execute("return document.getElementById('wizard-next').disabled;").expect("runs");
    assert_eq!(next_disabled, serde_json::json!(false));
    browse_the_demo_tenant(&session);

    // Register spconnect in the tenant (signing in with Microsoft Graph Command Line Tools), then
    // sign in again: with the application just registered, whose id is now the tenant's profile.
    session.find("#nav-accounts").and_then(|b| b.click()).expect("Accounts");
    session.find("#register-spconnect").and_then(|b| b.click()).expect("Register");
    let registered = session
        .wait_for_text("#register-status", |t| t.contains("client id"))
        .unwrap_or_else(|error| {
            let seen = std::fs::read_to_string(&browser_log).unwrap_or_default();
            let shown = session.find("#register-error").and_then(|e| e.text()).unwrap_or_default();
            panic!("{error}; shown: {shown}; the browser saw: {seen}")
        });
    let client_id = registered
        .split("client id ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("the new client id")
        .to_owned();
    session.find("#accounts-sign-in-browser").and_then(|b| b.click()).expect("Sign in again");
    // Tokens are kept per person and client application: the same person is listed twice now.
    session
        .wait_for_text(".accounts", |t| t.matches("admin@contoso.onmicrosoft.com").count() == 2)
        .unwrap_or_else(|error| {
            let seen = std::fs::read_to_string(&browser_log).unwrap_or_default();
            panic!("{error}; the browser saw: {seen}")
        });
    // That application was given nothing yet: browsing's permission is asked for on its own, in
    // the browser, with the reason shown first.
    let access = format!("access-{}-{client_id}", admin_object_id(&session));
    let browse = session
        .wait_for_text(&format!("#{access}-browse"), |t| t.contains("not allowed yet"))
        .expect("browsing is not allowed yet with the new application");
    assert!(browse.contains("Sites.Read.All"), "{browse}");
    session.find(&format!("#{access}-browse-allow")).and_then(|b| b.click()).expect("Allow");
    session
        .wait_for_text(&format!("#{access}-browse"), |t| t.contains("Browse SharePoint: allowed"))
        .unwrap_or_else(|error| {
            let seen = std::fs::read_to_string(&browser_log).unwrap_or_default();
            panic!("{error}; the browser saw: {seen}")
        });
    assert_eq!(accessibility_violations(&session), Vec::<String>::new(), "Accounts with access");
    let shot = screenshot_path("accounts-access-granted.png");
    std::fs::write(&shot, session.screenshot().expect("a screenshot")).expect("saved");
    session.end().expect("the session ends");
    let settings = xdg.path().join("config").join("dev.spconnect.desktop").join("settings.json");
    let saved = std::fs::read_to_string(&settings).expect("settings.json");
    assert!(saved.contains(&client_id), "the tenant profile is kept: {saved}");
    let accounts = xdg.path().join("config").join("dev.spconnect.desktop").join("accounts.json");
    let accounts = std::fs::read_to_string(&accounts).expect("accounts.json");
    assert!(accounts.contains(&client_id), "the second sign-in used it: {accounts}");
    assert!(!accounts.contains(GRAPH_COMMAND_LINE_TOOLS), "the bootstrap sign-in is not kept");

    // What the browser saw (the authorization code) and the password are in no file the app
    // wrote: settings, accounts, logs.
    let seen = std::fs::read_to_string(&browser_log).expect("the browser's log");
    let code = seen
        .lines()
        .find_map(|line| line.strip_prefix("redirect "))
        .and_then(|query| query.split('&').find_map(|p| p.strip_prefix("code=")))
        .expect("the browser followed the redirect with a code")
        .to_owned();
    assert!(code.len() > 16, "{code}");
    let written = files_written(xdg.path());
    assert!(written.iter().any(|(p, _)| p.ends_with("accounts.json")), "the account is listed");
    assert!(written.iter().any(|(p, _)| p.to_string_lossy().contains("logs")), "logs written");
    for (path, text) in &written {
        assert!(!text.contains(&code), "the authorization code in {}", path.display());
        assert!(!text.contains(password), "the password in {}", path.display());
        assert!(!text.contains("eyJ"), "something like a JWT in {}", path.display());
    }
}

#[test]
#[ignore = "needs a display, tauri-driver, WebKitWebDriver and a Secret Service: scripts/test runs it under xvfb-run in a private keychain session"]
fn markup_and_script_from_the_tenant_are_shown_as_inert_text() {
    let (_xdg, _driver, session) = launch_with(&["--demo"], &admin_browser());
    let base = demo_base_url(&session);
    // An administrator adds content the seed does not hold.
    let token = tenant::token(
        &base,
        ("admin@contoso.onmicrosoft.com", "Demo-Admin-2026!"),
        "https://graph.microsoft.com/Sites.Manage.All offline_access",
    );
    tenant::add_list_with_markup(&base, &token);

    sign_in_and_open_human_resources(&session);
    let tree = session
        .wait_for_text(".tree", |t| t.contains("Inbox"))
        .expect("the new list is in the tree");
    assert!(tree.contains("<img src=x onerror=alert(1)>Inbox"), "the title as text: {tree}");
    click_node(&session, "Inbox");
    let details = session
        .wait_for_text(".details", |t| t.contains("First items") && t.contains("alert(3)"))
        .expect("the list's details");
    assert!(
        details.contains("<script>alert(2)</script>Note"),
        "the column's name as text: {details}"
    );
    assert!(
        details.contains("<b>bold</b><script>alert(3)</script>"),
        "the value as text: {details}"
    );
    assert!(details.contains("<img src=y onerror=alert(4)>"), "{details}");
    let elements = session
        .execute(
            "return document.querySelectorAll('.browse img, .browse script, .browse b').length;",
        )
        .expect("runs");
    assert_eq!(elements, serde_json::json!(0), "nothing from the tenant became an element");
    let shot = screenshot_path("browse-markup-as-text.png");
    std::fs::write(&shot, session.screenshot().expect("a screenshot")).expect("saved");
    session.end().expect("the session ends");
}

#[test]
#[ignore = "needs a display, tauri-driver, WebKitWebDriver and a Secret Service: scripts/test runs it under xvfb-run in a private keychain session"]
fn create_a_connection_in_the_window() {
    let (xdg, _driver, session) = launch_with(&["--demo"], &admin_browser());
    sign_in_and_open_human_resources(&session);
    session.wait_for_text(".tree", |t| t.contains("Employees")).expect("the site opens");
    session
        .execute(
            "document.querySelector('input[aria-label=\"Use Employees\"]').click(); return true;",
        )
        .expect("ticked");
    session.wait_for_text("#browse-status", |t| t.contains("1 list ticked")).expect("ticked");
    session.find("#wizard-next").and_then(|b| b.click()).expect("Next");

    // Permissions, certificate, plan.
    session.find("#connection-name").and_then(|e| e.send_keys("HR sync")).expect("named");
    session.find("#api-sharepoint").and_then(|b| b.click()).expect("SharePoint REST too");
    session.find("#plan-connection").and_then(|b| b.click()).expect("Review the plan");
    let plan =
        session.wait_for_text("#plan", |t| t.contains("uniqueName")).expect("the plan is shown");
    assert!(plan.contains("POST /sites/"), "{plan}");
    assert!(plan.contains("appRoleAssignedTo"), "{plan}");
    assert_eq!(accessibility_violations(&session), Vec::<String>::new(), "the plan");
    let shot = screenshot_path("connection-plan.png");
    std::fs::write(&shot, session.screenshot().expect("a screenshot")).expect("saved");

    // Apply: each step's progress, then done.
    session.find("#apply-connection").and_then(|b| b.click()).expect("Apply");
    session.wait_for_text("#apply-progress", |t| t.contains("created and checked")).unwrap_or_else(
        |error| {
            let shown = session.find("#plan").and_then(|e| e.text()).unwrap_or_default();
            panic!("{error}; shown: {shown}")
        },
    );
    let states = session
        .execute(
            "return [...document.querySelectorAll('#plan li[data-kind]')].map(li => li.dataset.state);",
        )
        .expect("the states");
    assert!(
        states.as_array().expect("states").iter().all(|s| s == "done" || s == "skipped"),
        "{states}"
    );
    let shot = screenshot_path("connection-applied.png");
    std::fs::write(&shot, session.screenshot().expect("a screenshot")).expect("saved");

    // Test: each check passed, with its latency.
    session.find("#wizard-next").and_then(|b| b.click()).expect("Next");
    let results =
        session.wait_for_text("#test-results", |t| t.contains("Passed")).expect("the checks");
    assert!(results.contains("through SharePoint"), "{results}");
    assert!(!results.contains("Failed"), "{results}");
    assert_eq!(accessibility_violations(&session), Vec::<String>::new(), "the test step");
    let shot = screenshot_path("connection-tested.png");
    std::fs::write(&shot, session.screenshot().expect("a screenshot")).expect("saved");

    // Home lists it.
    session.find("#nav-connections").and_then(|b| b.click()).expect("Connections");
    let listed = session
        .wait_for_text("#connections-table", |t| t.contains("HR sync"))
        .expect("the connection is listed");
    assert!(listed.contains("Sites.Selected on 1 site"), "{listed}");
    assert!(listed.contains("days left"), "{listed}");
    let shot = screenshot_path("connections.png");
    std::fs::write(&shot, session.screenshot().expect("a screenshot")).expect("saved");
    session.end().expect("the session ends");

    // The private key is in no file in plain text.
    for (path, text) in files_written(xdg.path()) {
        assert!(!text.contains("PRIVATE KEY"), "{}", path.display());
        assert!(!text.contains("eyJ"), "something like a JWT in {}", path.display());
    }
}

//! App-level tests: the real command set and capability files on Tauri's mock runtime. Each test
//! calls commands over IPC the way the web UI does, through the ACL, so a command the capability
//! does not grant is refused here exactly as in the real window.

use serde_json::{Value, json};
use spconnect_app::{AppDirs, DemoTenant, Launch, build_app};
#[cfg(feature = "demo")]
use spconnect_app::{AppState, DemoServer};
use tauri::{
    App, Manager, WebviewWindow, WebviewWindowBuilder,
    ipc::{CallbackFn, InvokeBody},
    test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder},
    webview::InvokeRequest,
};

/// The origin of the app's own pages on Linux.
const APP_ORIGIN: &str = "tauri://localhost";

#[cfg(feature = "demo")]
#[path = "app/accounts.rs"]
mod accounts;
#[cfg(feature = "demo")]
#[path = "app/browse.rs"]
mod browse;
#[cfg(feature = "demo")]
#[path = "app/connections.rs"]
mod connections;

struct TestApp {
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    dirs: tempfile::TempDir,
}

impl TestApp {
    fn start() -> Self {
        Self::start_with(None)
    }

    fn start_with(demo: Option<DemoTenant>) -> Self {
        Self::start_with_secrets(demo, std::sync::Arc::new(spconnect_vault::MemoryStore::new()))
    }

    /// The app with its secrets in `secrets` (an in-memory store: the real keychain is used by the
    /// vault's own tests and by the end-to-end test).
    fn start_with_secrets(
        demo: Option<DemoTenant>,
        secrets: std::sync::Arc<dyn spconnect_vault::SecretStore>,
    ) -> Self {
        Self::start_with_secrets_in(demo, secrets, tempfile::tempdir().expect("temp dir"))
    }

    /// The same on the folders `dirs` (a restart of the app).
    fn start_with_secrets_in(
        demo: Option<DemoTenant>,
        secrets: std::sync::Arc<dyn spconnect_vault::SecretStore>,
        dirs: tempfile::TempDir,
    ) -> Self {
        let launch = Launch {
            dirs: Some(AppDirs {
                config_dir: dirs.path().join("config"),
                log_dir: dirs.path().join("logs"),
            }),
            demo,
            secrets: Some(secrets),
        };
        let app = build_app(mock_builder(), launch).expect("the app builds on the mock runtime");
        let window = match app.get_webview_window("main") {
            Some(window) => window,
            None => WebviewWindowBuilder::new(&app, "main", Default::default())
                .build()
                .expect("main window"),
        };
        Self { _app: app, window, dirs }
    }

    /// Invokes `cmd` with `args` from `origin`; `Ok` holds the command's JSON result, `Err` the
    /// JSON error (a refused command gives a string).
    fn invoke_from(&self, origin: &str, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: origin.parse().expect("origin is a URL"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.window, request)
            .map(|body| body.deserialize::<Value>().expect("JSON response"))
    }

    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.invoke_from(APP_ORIGIN, cmd, args)
    }
}

#[test]
fn app_info_reports_the_version_and_the_folders_in_use() {
    let app = TestApp::start();
    let info = app.invoke("app_info", json!({})).expect("granted");
    assert_eq!(info["productName"], "spconnect");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    let config_dir = info["configDir"].as_str().expect("a string");
    assert!(config_dir.starts_with(&app.dirs.path().display().to_string()), "{config_dir}");
    assert_eq!(info["demo"], Value::Null, "not on the demo tenant unless asked");
}

#[cfg(feature = "demo")]
#[test]
fn on_the_demo_tenant_app_info_says_so() {
    let app = TestApp::start_with(Some(DemoTenant {
        base_url: "http://127.0.0.1:4000".into(),
        organization: "Contoso".into(),
        domain: "contoso.onmicrosoft.com".into(),
        state_dir: None,
        tenant_id: "tenant".into(),
        client_id: "client".into(),
    }));
    let info = app.invoke("app_info", json!({})).expect("granted");
    assert_eq!(
        info["demo"],
        json!({"organization": "Contoso", "domain": "contoso.onmicrosoft.com", "baseUrl": "http://127.0.0.1:4000", "stateDir": null, "notices": []})
    );
}

/// The demo tenant's clock offset, read over its control API.
#[cfg(feature = "demo")]
fn demo_clock_offset(base_url: &str) -> i64 {
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut reply = agent.get(format!("{base_url}/_emulator/clock")).call().expect("reachable");
    let clock: Value = reply.body_mut().read_json().expect("JSON");
    clock["offsetSeconds"].as_i64().expect("offset")
}

/// Changes the demo tenant's state (its clock, which is saved like its objects).
#[cfg(feature = "demo")]
fn change_demo_state(base_url: &str) {
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let reply = agent
        .put(format!("{base_url}/_emulator/clock"))
        .send_json(json!({"advanceSeconds": 3600}))
        .expect("reachable");
    assert_eq!(reply.status(), 200);
}

#[cfg(feature = "demo")]
#[test]
fn the_demo_tenant_keeps_its_state_in_the_data_folder_across_restarts() {
    let dirs = tempfile::tempdir().expect("temp dir");
    let state_dir = dirs.path().join("data").join("demo-tenant");
    let first = DemoServer::start_with_control_api(state_dir.clone()).expect("starts");
    change_demo_state(first.base_url());
    drop(first);
    let again = DemoServer::start_with_control_api(state_dir.clone()).expect("starts again");
    assert_eq!(demo_clock_offset(again.base_url()), 3600, "what was done before is still there");
    assert!(state_dir.join("tenants").is_dir());
}

#[cfg(feature = "demo")]
#[test]
fn resetting_the_demo_tenant_starts_it_from_the_seed_on_the_same_address() {
    let app = TestApp::start();
    let state_dir = app.dirs.path().join("data").join("demo-tenant");
    let server = DemoServer::start_with_control_api(state_dir.clone()).expect("starts");
    let base_url = server.base_url().to_owned();
    assert!(app._app.state::<AppState>().serve_demo(server));
    let info = app.invoke("app_info", json!({})).expect("granted");
    assert_eq!(info["demo"]["baseUrl"], base_url.as_str());
    assert_eq!(info["demo"]["stateDir"], state_dir.display().to_string());

    change_demo_state(&base_url);
    assert_eq!(demo_clock_offset(&base_url), 3600);
    let view = app.invoke("reset_demo_tenant", json!({})).expect("reset");
    assert_eq!(view["baseUrl"], base_url.as_str(), "the same address after the reset");
    assert_eq!(demo_clock_offset(&base_url), 0, "back to the seed");
    assert!(state_dir.join("tenants").is_dir(), "its state is kept again");
}

#[test]
fn resetting_is_refused_when_the_app_does_not_run_the_demo_tenant() {
    let app = TestApp::start();
    let error = app.invoke("reset_demo_tenant", json!({})).expect_err("no demo tenant");
    assert_eq!(error["code"], "internal");
    let refused = app
        .invoke_from("https://evil.example", "reset_demo_tenant", json!({}))
        .expect_err("remote pages cannot reset it");
    assert!(refused.to_string().contains("not allowed"), "{refused}");
}

/// GETs `url`, whatever the status.
#[cfg(feature = "demo")]
fn status_of(url: &str) -> u16 {
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).build().into();
    agent.get(url).call().expect("the emulator answers").status().as_u16()
}

#[cfg(feature = "demo")]
#[test]
fn the_demo_tenant_in_the_app_has_no_control_api() {
    let dirs = tempfile::tempdir().expect("temp dir");
    let server =
        DemoServer::start(dirs.path().join("demo-tenant")).expect("the demo tenant starts");
    let base = server.base_url();
    assert_eq!(status_of(&format!("{base}/_emulator")), 404, "no control API in the app");
    assert_eq!(status_of(&format!("{base}/_emulator/requests")), 404, "no request log in the app");
    let discovery = format!("{base}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration");
    assert_eq!(status_of(&discovery), 200, "the tenant itself answers");

    // The same paths on the emulator as the program and the tests run it: the control API is there.
    let program = spconnect_emulator::Emulator::start(spconnect_emulator::Config::default())
        .expect("the emulator starts");
    assert_eq!(status_of(&format!("{}/_emulator/requests", program.base_url())), 200);
}

#[test]
fn the_cloud_list_has_the_five_choices() {
    let app = TestApp::start();
    let clouds = app.invoke("list_clouds", json!({})).expect("granted");
    let ids: Vec<&str> =
        clouds.as_array().expect("a list").iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, ["global", "usGovGccHigh", "usGovDod", "china", "custom"]);
    assert_eq!(clouds[2]["graphHost"], "https://dod-graph.microsoft.us");
    assert_eq!(clouds[4]["authorityHost"], Value::Null);
}

#[test]
fn settings_start_global_and_a_saved_cloud_persists_on_disk() {
    let app = TestApp::start();
    let initial = app.invoke("get_settings", json!({})).expect("granted");
    assert_eq!(initial["settings"]["cloud"]["kind"], "global");
    assert_eq!(initial["endpoints"]["graphHost"], "https://graph.microsoft.com");
    assert_eq!(initial["notice"], Value::Null);

    let saved = app
        .invoke("save_settings", json!({"settings": {"cloud": {"kind": "china"}}}))
        .expect("saves");
    assert_eq!(saved["endpoints"]["authorityHost"], "https://login.partner.microsoftonline.cn");

    let file = app.dirs.path().join("config").join("settings.json");
    let on_disk: Value =
        serde_json::from_str(&std::fs::read_to_string(file).expect("written")).expect("JSON");
    assert_eq!(on_disk, json!({"cloud": {"kind": "china"}, "tenantProfiles": []}));
    let reread = app.invoke("get_settings", json!({})).expect("granted");
    assert_eq!(reread["settings"]["cloud"]["kind"], "china");
}

#[test]
fn bad_custom_endpoints_get_an_invalid_input_error_naming_the_field() {
    let app = TestApp::start();
    let cloud = json!({"kind": "custom", "authorityHost": "login.example.com", "graphHost": "http://graph.example.com"});
    let error = app
        .invoke("save_settings", json!({"settings": {"cloud": cloud}}))
        .expect_err("plain http to a public host is refused");
    assert_eq!(error["code"], "invalidInput");
    assert_eq!(error["field"], "graphHost");
    let message = error["message"].as_str().expect("a sentence");
    assert!(message.contains("https"), "{message}");
    assert!(!app.dirs.path().join("config").join("settings.json").exists(), "nothing written");
}

#[test]
fn malformed_arguments_are_the_one_wire_error_naming_the_value() {
    let app = TestApp::start();
    for (args, field) in [
        (json!({"settings": {"cloud": {"kind": "mars"}}}), "settings.cloud"),
        (json!({"settings": {"cloud": {"kind": "custom", "authorityHost": 7}}}), "settings.cloud"),
        (json!({"settings": {"cloud": {"kind": "global"}, "extra": true}}), "settings"),
        (json!({}), "."),
    ] {
        let error = app.invoke("save_settings", args.clone()).expect_err("refused");
        assert_eq!(error["code"], "invalidInput", "{args}: {error}");
        let message = error["message"].as_str().expect("a sentence");
        assert!(
            message.starts_with("The request to save_settings was not understood"),
            "{message}"
        );
        let named = error["field"].as_str().unwrap_or(".");
        assert!(named.starts_with(field), "{args}: field {named}, expected {field}");
    }
    assert!(!app.dirs.path().join("config").join("settings.json").exists());
}

/// The TypeScript side of the contract is generated from the Rust types; the checked-in file must
/// be what the types say today (`UPDATE_BINDINGS=1 cargo test --test app` rewrites it).
#[test]
fn the_checked_in_typescript_contract_is_current() {
    let (typescript, _) = spconnect_app::ipc_contract();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/ipc/bindings.ts");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &typescript).expect("write the bindings");
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == typescript,
        "ui/src/ipc/bindings.ts is stale: run `UPDATE_BINDINGS=1 cargo test --test app` and commit it"
    );
}

/// Every command of the contract is granted to the window, and nothing else of ours.
#[test]
fn the_contract_names_exactly_the_commands_the_capability_grants() {
    let (_, commands) = spconnect_app::ipc_contract();
    let capability: Value =
        serde_json::from_str(include_str!("../src-tauri/capabilities/main.json"))
            .expect("capability JSON");
    let mut granted: Vec<String> = capability["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(|c| c.replace('-', "_")))
        .collect();
    granted.sort();
    let mut named: Vec<String> = commands.iter().map(|c| (*c).to_owned()).collect();
    named.sort();
    assert_eq!(granted, named);
}

#[test]
fn ui_ready_is_accepted_more_than_once() {
    let app = TestApp::start();
    assert_eq!(app.invoke("ui_ready", json!({})), Ok(Value::Null));
    assert_eq!(app.invoke("ui_ready", json!({})), Ok(Value::Null));
}

#[test]
fn core_commands_the_capability_does_not_grant_are_refused() {
    let app = TestApp::start();
    for (cmd, args) in [
        ("plugin:app|version", json!({})),
        ("plugin:path|resolve_directory", json!({"directory": 8})),
        ("plugin:window|close", json!({"label": "main"})),
        ("plugin:event|emit", json!({"event": "x", "payload": null})),
    ] {
        let error = app.invoke(cmd, args).expect_err(cmd);
        let text = error.to_string();
        assert!(text.contains("not allowed"), "{cmd} refused for another reason: {text}");
    }
}

#[test]
fn our_own_commands_are_refused_to_a_remote_origin() {
    let app = TestApp::start();
    assert!(app.invoke("app_info", json!({})).is_ok());
    let error = app
        .invoke_from("https://evil.example", "app_info", json!({}))
        .expect_err("remote pages get nothing");
    assert!(error.to_string().contains("not allowed"), "{error}");
    let error = app
        .invoke_from(
            "https://evil.example",
            "save_settings",
            json!({"settings": {"cloud": {"kind": "china"}}}),
        )
        .expect_err("remote pages cannot change settings");
    assert!(error.to_string().contains("not allowed"), "{error}");
    assert!(!app.dirs.path().join("config").join("settings.json").exists());
}

#[test]
fn an_unknown_command_is_refused() {
    let app = TestApp::start();
    let error = app.invoke("read_private_key", json!({})).expect_err("no such command");
    assert!(!error.to_string().is_empty());
}

//! The desktop shell of spconnect: the only code that knows Tauri. It creates the window, registers
//! the IPC commands, turns the library crates' results into wire DTOs and errors, and installs the
//! tracing subscriber. Decisions (what a setting means, how a connection is made) belong to the
//! crates under `crates/`; the shell only adapts them to the web UI.

mod accounts;
mod browsing;
mod commands;
#[cfg(feature = "demo")]
mod demo;
mod ipc;
mod logging;
mod state;
#[cfg(target_os = "linux")]
mod webview;

use std::time::Instant;

use tauri::{App, Builder, Manager, Runtime};

#[cfg(feature = "demo")]
pub use demo::{DemoError, DemoServer};

/// The IPC contract as TypeScript (what `ui/src/ipc/bindings.ts` must hold), and the commands in
/// it; tests compare both with the checked-in file and the capability.
pub fn ipc_contract() -> (String, Vec<&'static str>) {
    (ipc::contract::typescript(), ipc::contract::command_names())
}
pub use state::{AppDirs, AppState, DemoTenant};

/// How the app is started.
#[derive(Clone, Debug, Default)]
pub struct Launch {
    /// Where settings and logs go; `None` uses the app's own folders (tests pass temporary ones).
    pub dirs: Option<AppDirs>,
    /// The demo tenant to connect to instead of Microsoft.
    pub demo: Option<DemoTenant>,
    /// Where secrets are kept; `None` is the OS keychain (tests pass a throwaway one).
    pub secrets: Option<std::sync::Arc<dyn spconnect_vault::SecretStore>>,
}

/// Where the app keeps its files, unless [`AppDirs`] are given: resolved from Tauri's path API
/// (on Linux `$XDG_CONFIG_HOME/<identifier>` and `$XDG_DATA_HOME/<identifier>/logs`).
fn resolve_dirs<R: Runtime>(app: &App<R>) -> tauri::Result<AppDirs> {
    Ok(AppDirs { config_dir: app.path().app_config_dir()?, log_dir: app.path().app_log_dir()? })
}

/// Builds the app on any runtime, so tests can use Tauri's mock runtime.
pub fn build_app<R: Runtime>(builder: Builder<R>, launch: Launch) -> tauri::Result<App<R>> {
    let started = Instant::now();
    let app = builder
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::app::ui_ready,
            commands::settings::list_clouds,
            commands::settings::get_settings,
            commands::settings::save_settings,
            commands::demo::reset_demo_tenant,
            commands::accounts::list_accounts,
            commands::accounts::sign_in_with_browser,
            commands::accounts::start_device_code,
            commands::accounts::finish_device_code,
            commands::accounts::cancel_sign_in,
            commands::accounts::sign_out,
            commands::accounts::refresh_account,
            commands::accounts::register_in_tenant,
            commands::accounts::check_connection,
            commands::accounts::check_access,
            commands::accounts::grant_access,
            commands::browse::browse_sites,
            commands::browse::browse_site,
            commands::browse::browse_list,
            commands::browse::browse_load_all,
            commands::browse::cancel_browse_load,
            commands::integrations::save_integration,
            commands::connections::plan_connection,
            commands::connections::apply_connection,
            commands::connections::resume_connection,
            commands::connections::cancel_apply,
            commands::connections::rollback_connection,
            commands::connections::test_connection,
            commands::connections::list_connections,
            commands::connections::export_certificate,
        ])
        .build(tauri::generate_context!())?;
    // Managed before the event loop runs, so before the page can send its first command.
    let dirs = match launch.dirs {
        Some(dirs) => dirs,
        None => resolve_dirs(&app)?,
    };
    let secrets = launch
        .secrets
        .unwrap_or_else(|| std::sync::Arc::new(spconnect_vault::KeychainStore::new()));
    app.manage(AppState::new(dirs, launch.demo, secrets, started));
    Ok(app)
}

/// The command line.
#[cfg(feature = "demo")]
const USAGE: &str = "usage: spconnect [--demo]\n  --demo  connect to the built-in demo tenant (Contoso), not to Microsoft";
/// The command line (this build has no demo mode).
#[cfg(not(feature = "demo"))]
const USAGE: &str = "usage: spconnect";

/// Reads the command line: whether `--demo` was given. Prints the usage and exits for `--help`,
/// an unknown argument, or `--demo` in a build without demo mode.
fn demo_requested() -> bool {
    let mut demo = false;
    for argument in std::env::args().skip(1) {
        match argument.as_str() {
            "--demo" if cfg!(feature = "demo") => demo = true,
            "--demo" => {
                eprintln!(
                    "spconnect: demo mode is not in this build (built without the `demo` feature)"
                );
                std::process::exit(2);
            }
            "--help" | "-h" => {
                eprintln!("{USAGE}");
                std::process::exit(0);
            }
            other => {
                eprintln!("spconnect: unknown argument '{other}'\n{USAGE}");
                std::process::exit(2);
            }
        }
    }
    demo
}

/// Starts the desktop app: logging, the demo tenant if asked for, then the window.
pub fn run() {
    // First, while this is the only thread: it sets a variable of the process's environment.
    #[cfg(target_os = "linux")]
    webview::rasterise_on_the_cpu();
    let demo_requested = demo_requested();
    let app = match build_app(tauri::Builder::default(), Launch::default()) {
        Ok(app) => app,
        Err(error) => {
            eprintln!("spconnect could not start: {error}");
            std::process::exit(1);
        }
    };
    let log_dir = app.state::<AppState>().dirs().log_dir.clone();
    if let Err(error) = logging::install(&log_dir) {
        eprintln!("spconnect: logging to {} is off: {error}", log_dir.display());
    }
    // The demo tenant keeps its state in the app's data folder; it lives as long as the app's
    // state (the run loop ends by exiting, and the state is saved after every change).
    #[cfg(feature = "demo")]
    if demo_requested {
        let started =
            app.path().app_data_dir().map_err(|error| error.to_string()).and_then(|data| {
                DemoServer::start(data.join("demo-tenant")).map_err(|e| e.to_string())
            });
        match started {
            Ok(server) => {
                app.state::<AppState>().serve_demo(server);
            }
            Err(error) => {
                eprintln!("spconnect: the demo tenant could not start: {error}");
                std::process::exit(1);
            }
        }
    }
    tracing::info!(version = env!("CARGO_PKG_VERSION"), demo = demo_requested, "spconnect started");
    app.run(|_, _| {});
}

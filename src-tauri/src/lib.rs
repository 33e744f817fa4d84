//! The desktop shell of spconnect: the only code that knows Tauri. It creates the window, registers
//! the IPC commands, turns the library crates' results into wire DTOs and errors, and installs the
//! tracing subscriber. Decisions (what a setting means, how a connection is made) belong to the
//! crates under `crates/`; the shell only adapts them to the web UI.

mod commands;
mod ipc;
mod logging;
mod state;

use std::{path::PathBuf, time::Instant};

use tauri::{App, Builder, Manager, Runtime};

pub use state::{AppDirs, AppState};

/// Where the app keeps its files, unless [`AppDirs`] are given: resolved from Tauri's path API
/// (on Linux `$XDG_CONFIG_HOME/<identifier>` and `$XDG_DATA_HOME/<identifier>/logs`).
fn resolve_dirs<R: Runtime>(app: &App<R>) -> tauri::Result<AppDirs> {
    Ok(AppDirs { config_dir: app.path().app_config_dir()?, log_dir: app.path().app_log_dir()? })
}

/// Builds the app on any runtime, so tests can use Tauri's mock runtime. `dirs` overrides where
/// settings and logs go (tests pass a temporary folder); `None` uses the app's own folders.
pub fn build_app<R: Runtime>(builder: Builder<R>, dirs: Option<AppDirs>) -> tauri::Result<App<R>> {
    let started = Instant::now();
    let app = builder
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::app::ui_ready,
            commands::settings::list_clouds,
            commands::settings::get_settings,
            commands::settings::save_settings,
        ])
        .build(tauri::generate_context!())?;
    // Managed before the event loop runs, so before the page can send its first command.
    let dirs = match dirs {
        Some(dirs) => dirs,
        None => resolve_dirs(&app)?,
    };
    app.manage(AppState::new(dirs, started));
    Ok(app)
}

/// Starts the desktop app: logging first, then the window.
pub fn run() {
    let app = match build_app(tauri::Builder::default(), None) {
        Ok(app) => app,
        Err(error) => {
            eprintln!("spconnect could not start: {error}");
            std::process::exit(1);
        }
    };
    let log_dir: PathBuf = app.state::<AppState>().dirs().log_dir.clone();
    if let Err(error) = logging::install(&log_dir) {
        eprintln!("spconnect: logging to {} is off: {error}", log_dir.display());
    }
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "spconnect started");
    app.run(|_, _| {});
}

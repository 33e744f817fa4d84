//! Commands about the app itself.

use tauri::{Runtime, State};

use crate::{
    AppState,
    ipc::{AppInfo, DemoView, WireError},
};

/// The product name, version and the folders the app uses.
#[tauri::command]
pub fn app_info<R: Runtime>(app: tauri::AppHandle<R>, state: State<'_, AppState>) -> AppInfo {
    let package = app.package_info();
    AppInfo {
        product_name: package.name.clone(),
        version: package.version.to_string(),
        config_dir: state.dirs().config_dir.display().to_string(),
        log_dir: state.dirs().log_dir.display().to_string(),
        demo: demo_view(&state),
    }
}

/// The demo tenant as the UI shows it, when the app runs on it.
pub fn demo_view(state: &AppState) -> Option<DemoView> {
    #[cfg(feature = "demo")]
    let notices = state.demo_server().map(|server| server.notices()).unwrap_or_default();
    #[cfg(not(feature = "demo"))]
    let notices = Vec::new();
    state.demo().map(|demo| DemoView {
        organization: demo.organization,
        domain: demo.domain,
        base_url: demo.base_url,
        state_dir: demo.state_dir.map(|dir| dir.display().to_string()),
        notices,
    })
}

/// Called by the page once it has painted; logs the time since start-up (the start-up benchmark
/// reads this line).
#[tauri::command]
pub fn ui_ready(state: State<'_, AppState>) -> Result<(), WireError> {
    if let Some(elapsed) = state.first_paint() {
        tracing::info!(elapsed_ms = elapsed.as_millis() as u64, "first page painted");
    }
    Ok(())
}

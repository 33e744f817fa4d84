//! Commands about the built-in demo tenant.

use tauri::{AppHandle, Runtime};

#[cfg(feature = "demo")]
use crate::DemoError;
use crate::ipc::{DemoView, WireError};

/// Resets the demo tenant: everything created in it is deleted and it starts again from the
/// seed, on the same address. The UI asks the person to confirm first.
#[cfg(feature = "demo")]
#[tauri::command]
pub async fn reset_demo_tenant<R: Runtime>(app: AppHandle<R>) -> Result<DemoView, WireError> {
    use tauri::Manager;

    use crate::AppState;
    let what = "Resetting the demo tenant";
    super::blocking(what, move || {
        let state = app.state::<AppState>();
        let Some(server) = state.demo_server() else {
            return Err(WireError::internal(what, "this session does not run the demo tenant"));
        };
        server.reset()?;
        super::app::demo_view(&state).ok_or_else(|| WireError::internal(what, "no demo tenant"))
    })
    .await
}

/// Refused: this build has no demo mode.
#[cfg(not(feature = "demo"))]
#[tauri::command]
pub async fn reset_demo_tenant<R: Runtime>(app: AppHandle<R>) -> Result<DemoView, WireError> {
    let _ = app;
    Err(WireError::internal("Resetting the demo tenant", "this build has no demo mode"))
}

#[cfg(feature = "demo")]
impl From<DemoError> for WireError {
    fn from(error: DemoError) -> Self {
        tracing::error!(%error, "the demo tenant could not be reset");
        let code = match error {
            DemoError::Remove { .. } => crate::ipc::ErrorCode::Storage,
            DemoError::Start(_) => crate::ipc::ErrorCode::Internal,
        };
        Self { code, message: format!("The demo tenant was not reset: {error}."), field: None }
    }
}

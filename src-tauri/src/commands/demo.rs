//! Commands about the built-in demo tenant.

use tauri::{AppHandle, Manager, Runtime};

use super::blocking;
use crate::{
    AppState, DemoError,
    ipc::{DemoView, ErrorCode, WireError},
};

/// Resets the demo tenant: everything created in it is deleted and it starts again from the
/// seed, on the same address. The UI asks the person to confirm first.
#[tauri::command]
pub async fn reset_demo_tenant<R: Runtime>(app: AppHandle<R>) -> Result<DemoView, WireError> {
    let what = "Resetting the demo tenant";
    blocking(what, move || {
        let state = app.state::<AppState>();
        let Some(server) = state.demo_server() else {
            return Err(WireError::internal(what, "this session does not run the demo tenant"));
        };
        server.reset()?;
        super::app::demo_view(&state).ok_or_else(|| WireError::internal(what, "no demo tenant"))
    })
    .await
}

impl From<DemoError> for WireError {
    fn from(error: DemoError) -> Self {
        tracing::error!(%error, "the demo tenant could not be reset");
        let code = match error {
            DemoError::Remove { .. } => ErrorCode::Storage,
            DemoError::Start(_) => ErrorCode::Internal,
        };
        Self { code, message: format!("The demo tenant was not reset: {error}."), field: None }
    }
}

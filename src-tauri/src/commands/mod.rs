//! The IPC commands, thin: each parses its input, calls a crate, and returns a view or a
//! [`WireError`](crate::ipc::WireError). One file per area of the UI.

pub mod accounts;
pub mod app;
pub mod browse;
pub mod connections;
pub mod demo;
pub mod integrations;
pub mod settings;

/// Runs blocking work (file or keychain I/O) off the async runtime's workers.
async fn blocking<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> Result<T, crate::ipc::WireError> + Send + 'static,
) -> Result<T, crate::ipc::WireError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|error| crate::ipc::WireError::internal(what, error))?
}

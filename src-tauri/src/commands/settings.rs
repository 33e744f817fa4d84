//! Commands of the Settings screen: the cloud choice.

use spconnect_settings::CloudOption;
use tauri::State;

use super::blocking;
use crate::{
    AppState,
    ipc::{
        SettingsView, WireError,
        contract::{SaveSettingsArgs, arguments},
    },
};

/// The clouds to choose from, with their endpoints.
#[tauri::command]
pub fn list_clouds() -> Vec<CloudOption> {
    CloudOption::all()
}

/// The settings in force.
#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> Result<SettingsView, WireError> {
    let store = state.settings().clone();
    let loaded = blocking("Reading the settings", move || Ok(store.load()?)).await?;
    SettingsView::new(loaded.settings, loaded.notice)
}

/// Validates and saves the settings; bad input is refused and the saved file is left as it was.
#[tauri::command]
pub async fn save_settings(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<SettingsView, WireError> {
    let SaveSettingsArgs { settings } = arguments("save_settings", &request)?;
    let store = state.settings().clone();
    let saved = blocking("Saving the settings", move || Ok(store.save(&settings)?)).await?;
    SettingsView::new(saved, None)
}

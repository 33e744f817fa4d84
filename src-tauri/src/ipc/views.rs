use serde::Serialize;
use spconnect_settings::{Endpoints, Settings};
use ts_rs::TS;

/// About the app, for the footer and Settings.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The product name.
    pub product_name: String,
    /// The app's version.
    pub version: String,
    /// Where settings are kept.
    pub config_dir: String,
    /// Where the log files are.
    pub log_dir: String,
    /// The demo tenant, when the app runs on it.
    pub demo: Option<DemoView>,
}

/// The built-in demo tenant the app is connected to.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DemoView {
    /// The organisation's name.
    pub organization: String,
    /// Its domain.
    pub domain: String,
    /// Where the demo tenant answers (a loopback address).
    pub base_url: String,
    /// The folder its state is kept in, when it runs inside the app.
    pub state_dir: Option<String>,
    /// What it reported about its saved state, e.g. a file it could not read and set aside.
    pub notices: Vec<String>,
}

/// The settings with the endpoints they resolve to.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// The settings as stored.
    pub settings: Settings,
    /// The endpoints in force.
    pub endpoints: Endpoints,
    /// Something the person should know, e.g. that an unreadable file was kept aside.
    pub notice: Option<String>,
}

impl SettingsView {
    /// The view of stored (already validated) settings.
    pub fn new(settings: Settings, notice: Option<String>) -> Result<Self, super::WireError> {
        let endpoints = settings.cloud.endpoints()?;
        Ok(Self { settings, endpoints, notice })
    }
}

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

/// A person signed in on this computer, as the Accounts view shows them. Holds no secret.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    /// Their home tenant id.
    pub tenant_id: String,
    /// Their object id.
    pub object_id: String,
    /// The client application they signed in with.
    pub client_id: String,
    /// Display name.
    pub name: String,
    /// Sign-in name (UPN).
    pub username: String,
    /// The directory roles that matter here, by name.
    pub roles: Vec<String>,
    /// What those roles let them do in spconnect.
    pub capabilities: Vec<CapabilityView>,
    /// When they last signed in (seconds since the Unix epoch).
    #[ts(type = "number")]
    pub signed_in_at: u64,
    /// Why they must sign in again, when they must.
    pub sign_in_again: Option<String>,
}

/// One thing a person may or may not do in spconnect, and why.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityView {
    /// What, e.g. "Grant Microsoft Graph application permissions".
    pub what: String,
    /// Whether their roles allow it.
    pub allowed: bool,
    /// Why ("as Global Administrator", "needs …").
    pub why: String,
}

/// Everyone signed in on this computer.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountsView {
    /// Most recently signed in first.
    pub accounts: Vec<AccountView>,
    /// Something the person should know (an unreadable list kept aside, roles not readable).
    pub notice: Option<String>,
}

/// A device code sign-in waiting for the person: what to type where.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeviceCodeView {
    /// The code to type.
    pub user_code: String,
    /// Where to type it.
    pub verification_uri: String,
    /// Microsoft's instructions.
    pub message: String,
    /// How long the code lasts.
    pub expires_in_seconds: u32,
}

/// The result of a sign-in.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignedInView {
    /// Who signed in.
    pub account: AccountView,
    /// Something the person should know (e.g. their roles could not be read).
    pub notice: Option<String>,
}

/// spconnect's own client application, registered in a tenant.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredView {
    /// The tenant it was registered in (as the profile names it).
    pub tenant: String,
    /// Its application (client) id, now the tenant's profile.
    pub client_id: String,
}

/// Whether Microsoft's sign-in service can be reached, in plain words.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionCheckView {
    /// Whether it answered as it should.
    pub reachable: bool,
    /// What was found, and what to do when something is in the way.
    pub message: String,
}

/// Whether an account may do what a step needs, and why the step needs it.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccessView {
    /// The step.
    pub need: super::contract::AccessNeed,
    /// Whether the account's kept sign-in already covers it (consented).
    pub granted: bool,
    /// The permissions, as Microsoft's consent screen names them (`Sites.Read.All`).
    pub permissions: Vec<String>,
    /// Why the step needs them, in one sentence.
    pub why: String,
}

//! The IPC contract as TypeScript, generated from the Rust types: every command's arguments,
//! result and error. `ui/src/ipc/bindings.ts` is this output, checked in; a test in `tests/app.rs`
//! fails when it is stale (`UPDATE_BINDINGS=1 cargo test --test app` rewrites it). Commands that
//! take arguments read them as one object of their `…Args` type, so a value that does not fit
//! reaches the UI as the one wire error naming the path of the value.

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use spconnect_graph::access::Need;
use spconnect_settings::{CloudOption, Settings};
use ts_rs::TS;

use super::browse::{
    ColumnView, ContentTypeView, FieldView, FindSitesArgs, IntegrationView, ItemView, ListArgs,
    ListDetailsView, ListView, LoadAllArgs, LoadProgressView, LoadedSiteView, LoadedView,
    PickedListArgs, SaveIntegrationArgs, SiteArgs, SiteContentsView, SiteView, SitesView,
};
use super::connections::{
    ApplyArgs, CertificateFormat, ConnectionActionArgs, ConnectionIdArgs, ConnectionView,
    ConnectionsView, DraftArgs, ExportArgs, ExportView, PendingView, PlanView,
};
use super::{
    AccessView, AccountView, AccountsView, AppInfo, CapabilityView, ConnectionCheckView, DemoView,
    DeviceCodeView, ErrorCode, RegisteredView, SettingsView, SignedInView, WireError,
};
use spconnect_connections::{
    apply::{Progress, RollbackReport, StepState},
    model::{
        Api, CertificateChoice, Check, PermissionModel, SiteChoice, SiteRole, TenantWide,
        TestReport,
    },
    plan::{Plan, PlannedStep, StepKind},
};

/// The arguments of `save_settings`.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SaveSettingsArgs {
    /// The settings to validate and save.
    pub settings: Settings,
}

/// The arguments of the sign-in commands (`sign_in_with_browser`, `start_device_code`,
/// `register_in_tenant`).
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignInArgs {
    /// The tenant (a domain or tenant id); not needed on the demo tenant.
    #[serde(default)]
    #[ts(optional)]
    pub tenant: Option<String>,
    /// A step whose permissions to ask for with the sign-in (incremental consent); none asks
    /// only for reading the person and their roles.
    #[serde(default)]
    #[ts(optional)]
    pub need: Option<AccessNeed>,
}

/// What a step of spconnect must be allowed to do on the signed-in person's behalf.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum AccessNeed {
    /// Browsing SharePoint (`Sites.Read.All`).
    Browse,
    /// Creating a connection (`Application.ReadWrite.All`, `AppRoleAssignment.ReadWrite.All`).
    CreateConnection,
    /// Granting a connection `Sites.Selected` on chosen sites (`Sites.FullControl.All`).
    GrantSitesSelected,
}

impl From<AccessNeed> for Need {
    fn from(need: AccessNeed) -> Self {
        match need {
            AccessNeed::Browse => Need::Browse,
            AccessNeed::CreateConnection => Need::CreateConnection,
            AccessNeed::GrantSitesSelected => Need::GrantSitesSelected,
        }
    }
}

/// Which account, and which step's permissions (`check_access`, `grant_access`).
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessArgs {
    /// Their home tenant id.
    pub tenant_id: String,
    /// Their object id.
    pub object_id: String,
    /// The client application they signed in with.
    pub client_id: String,
    /// The step.
    pub need: AccessNeed,
}

/// Which account a command is about (the key its tokens are kept under; no secret).
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountArgs {
    /// Their home tenant id.
    pub tenant_id: String,
    /// Their object id.
    pub object_id: String,
    /// The client application they signed in with.
    pub client_id: String,
}

/// No arguments.
#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// Reads a command's arguments object as `T`, or the wire error naming the wrong value.
pub fn arguments<T: DeserializeOwned>(
    command: &str,
    request: &tauri::ipc::Request<'_>,
) -> Result<T, WireError> {
    let value = match request.body() {
        tauri::ipc::InvokeBody::Json(value) => value.clone(),
        tauri::ipc::InvokeBody::Raw(_) => serde_json::Value::Null,
    };
    serde_path_to_error::deserialize(value)
        .map_err(|error| WireError::invalid_arguments(command, &error))
}

/// One command: its name, and the TypeScript names of its arguments and result.
struct Command {
    name: &'static str,
    args: String,
    result: String,
}

fn command<A: TS, R: TS>(name: &'static str) -> Command {
    let cfg = ts_rs::Config::new();
    Command { name, args: A::name(&cfg), result: R::name(&cfg) }
}

/// Every command the UI may call (the capability grants exactly these).
fn commands() -> Vec<Command> {
    vec![
        command::<NoArgs, AppInfo>("app_info"),
        command::<NoArgs, ()>("ui_ready"),
        command::<NoArgs, Vec<CloudOption>>("list_clouds"),
        command::<NoArgs, SettingsView>("get_settings"),
        command::<SaveSettingsArgs, SettingsView>("save_settings"),
        command::<NoArgs, DemoView>("reset_demo_tenant"),
        command::<NoArgs, AccountsView>("list_accounts"),
        command::<SignInArgs, SignedInView>("sign_in_with_browser"),
        command::<SignInArgs, DeviceCodeView>("start_device_code"),
        command::<NoArgs, SignedInView>("finish_device_code"),
        command::<NoArgs, bool>("cancel_sign_in"),
        command::<AccountArgs, AccountsView>("sign_out"),
        command::<AccountArgs, AccountView>("refresh_account"),
        command::<SignInArgs, RegisteredView>("register_in_tenant"),
        command::<NoArgs, ConnectionCheckView>("check_connection"),
        command::<AccessArgs, AccessView>("check_access"),
        command::<AccessArgs, AccessView>("grant_access"),
        command::<FindSitesArgs, SitesView>("browse_sites"),
        command::<SiteArgs, SiteContentsView>("browse_site"),
        command::<ListArgs, ListDetailsView>("browse_list"),
        command::<LoadAllArgs, LoadedView>("browse_load_all"),
        command::<NoArgs, bool>("cancel_browse_load"),
        command::<SaveIntegrationArgs, IntegrationView>("save_integration"),
        command::<DraftArgs, PlanView>("plan_connection"),
        command::<ApplyArgs, ConnectionView>("apply_connection"),
        command::<ConnectionActionArgs, ConnectionView>("resume_connection"),
        command::<ConnectionIdArgs, bool>("cancel_apply"),
        command::<ConnectionActionArgs, RollbackReport>("rollback_connection"),
        command::<ConnectionActionArgs, TestReport>("test_connection"),
        command::<NoArgs, ConnectionsView>("list_connections"),
        command::<ExportArgs, ExportView>("export_certificate"),
    ]
}

/// The names of the commands in the contract.
pub fn command_names() -> Vec<&'static str> {
    commands().iter().map(|c| c.name).collect()
}

/// The whole contract as one TypeScript module.
pub fn typescript() -> String {
    let cfg = ts_rs::Config::new();
    let declarations = [
        spconnect_settings::CloudId::decl(&cfg),
        spconnect_settings::CloudSetting::decl(&cfg),
        Settings::decl(&cfg),
        spconnect_settings::TenantProfile::decl(&cfg),
        spconnect_settings::Endpoints::decl(&cfg),
        CloudOption::decl(&cfg),
        DemoView::decl(&cfg),
        AppInfo::decl(&cfg),
        SettingsView::decl(&cfg),
        CapabilityView::decl(&cfg),
        AccountView::decl(&cfg),
        AccountsView::decl(&cfg),
        DeviceCodeView::decl(&cfg),
        SignedInView::decl(&cfg),
        RegisteredView::decl(&cfg),
        ConnectionCheckView::decl(&cfg),
        AccessNeed::decl(&cfg),
        AccessView::decl(&cfg),
        ErrorCode::decl(&cfg),
        WireError::decl(&cfg),
        NoArgs::decl(&cfg),
        SaveSettingsArgs::decl(&cfg),
        SignInArgs::decl(&cfg),
        AccountArgs::decl(&cfg),
        AccessArgs::decl(&cfg),
        SiteView::decl(&cfg),
        SitesView::decl(&cfg),
        ColumnView::decl(&cfg),
        ListView::decl(&cfg),
        SiteContentsView::decl(&cfg),
        ContentTypeView::decl(&cfg),
        FieldView::decl(&cfg),
        ItemView::decl(&cfg),
        ListDetailsView::decl(&cfg),
        FindSitesArgs::decl(&cfg),
        SiteArgs::decl(&cfg),
        ListArgs::decl(&cfg),
        LoadAllArgs::decl(&cfg),
        LoadProgressView::decl(&cfg),
        LoadedSiteView::decl(&cfg),
        LoadedView::decl(&cfg),
        PickedListArgs::decl(&cfg),
        SaveIntegrationArgs::decl(&cfg),
        IntegrationView::decl(&cfg),
        SiteRole::decl(&cfg),
        TenantWide::decl(&cfg),
        PermissionModel::decl(&cfg),
        Api::decl(&cfg),
        SiteChoice::decl(&cfg),
        CertificateChoice::decl(&cfg),
        DraftArgs::decl(&cfg),
        StepKind::decl(&cfg),
        PlannedStep::decl(&cfg),
        Plan::decl(&cfg),
        PlanView::decl(&cfg),
        StepState::decl(&cfg),
        Progress::decl(&cfg),
        ApplyArgs::decl(&cfg),
        ConnectionActionArgs::decl(&cfg),
        ConnectionIdArgs::decl(&cfg),
        CertificateFormat::decl(&cfg),
        ExportArgs::decl(&cfg),
        Check::decl(&cfg),
        TestReport::decl(&cfg),
        spconnect_connections::model::CertificateRecord::decl(&cfg),
        ConnectionView::decl(&cfg),
        PendingView::decl(&cfg),
        ConnectionsView::decl(&cfg),
        ExportView::decl(&cfg),
        RollbackReport::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/ipc/contract.rs: do not edit.\n\
         // Regenerate with `UPDATE_BINDINGS=1 cargo test --test app`.\n\n\
         import type { Channel } from \"@tauri-apps/api/core\";\n\n",
    );
    for declaration in declarations {
        out.push_str("export ");
        out.push_str(declaration.trim());
        out.push_str("\n\n");
    }
    out.push_str("/** Every command: the arguments it takes and the result it answers with. */\n");
    out.push_str("export type Commands = {\n");
    for command in commands() {
        out.push_str(&format!(
            "  {}: {{ args: {}; result: {} }};\n",
            command.name, command.args, command.result
        ));
    }
    out.push_str(
        "};\n\n/** What every command rejects with. */\nexport type CommandError = WireError;\n",
    );
    out
}

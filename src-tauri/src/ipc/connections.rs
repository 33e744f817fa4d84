//! The wire types of the connection commands: the wizard's draft, the plan, apply progress, the
//! connections list, and [`ConnectionError`] as the one wire error.

use serde::{Deserialize, Serialize};
use spconnect_connections::{
    ConnectionError,
    model::{
        Api, CertificateChoice, CertificateRecord, ConnectionRecord, PermissionModel, SiteChoice,
        TestReport,
    },
    plan::Plan,
};
use ts_rs::TS;

use super::{ErrorCode, WireError};

/// What the wizard gathered (`plan_connection`), with the account that creates it.
#[derive(Clone, Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DraftArgs {
    /// The creating person's home tenant id.
    pub tenant_id: String,
    /// Their object id.
    pub object_id: String,
    /// The client application they signed in with.
    pub client_id: String,
    /// The connection's id from an earlier plan; none for a new one.
    #[serde(default)]
    #[ts(optional)]
    pub id: Option<String>,
    /// Its name.
    pub name: String,
    /// The permission model.
    pub model: PermissionModel,
    /// The APIs it calls.
    pub apis: Vec<Api>,
    /// The sites (with `Sites.Selected`, each with its role).
    pub sites: Vec<SiteChoice>,
    /// The certificate to make.
    pub certificate: CertificateChoice,
    /// The integration definition saved in Browse (its path, as `save_integration` answered).
    #[serde(default)]
    #[ts(optional)]
    pub definition_path: Option<String>,
}

/// `apply_connection`: the draft as planned, and the channel progress goes to.
#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplyArgs {
    /// The draft (its `id` is the plan's).
    pub draft: DraftArgs,
    /// Where each step's progress is sent.
    #[ts(type = "Channel<Progress>")]
    pub on_progress: tauri::ipc::JavaScriptChannelId,
}

/// `resume_connection`, `rollback_connection`, `test_connection`: a connection or unfinished
/// apply, the account acting on it, and the progress channel.
#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionActionArgs {
    /// The acting person's home tenant id.
    pub tenant_id: String,
    /// Their object id.
    pub object_id: String,
    /// The client application they signed in with.
    pub client_id: String,
    /// The connection.
    pub id: String,
    /// Where progress is sent.
    #[ts(type = "Channel<Progress>")]
    pub on_progress: tauri::ipc::JavaScriptChannelId,
}

/// `cancel_apply`: the connection whose apply to stop.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionIdArgs {
    /// The connection.
    pub id: String,
}

/// `export_certificate`: which connection, and which format.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportArgs {
    /// The connection.
    pub id: String,
    /// `pem` or `cer` (DER).
    pub format: CertificateFormat,
}

/// A certificate file format (the public part only: the private key is never exported).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum CertificateFormat {
    /// Base64 between `-----BEGIN CERTIFICATE-----` lines.
    Pem,
    /// DER, as Windows' `.cer`.
    Cer,
}

/// A plan, before anything is created.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlanView {
    /// The connection's id (send it back with the draft to apply).
    pub id: String,
    /// The application's `uniqueName`.
    pub unique_name: String,
    /// Exactly what will be created and called.
    pub plan: Plan,
    /// Why the signed-in person cannot apply it, with the fix; none when they can.
    pub refusal: Option<String>,
}

/// A connection as the Connections view lists it.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionView {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The tenant.
    pub tenant_id: String,
    /// The application (client) id programs authenticate as.
    pub client_id: String,
    /// The application object's id.
    pub application_object_id: String,
    /// The service principal's id.
    pub service_principal_id: String,
    /// "Sites.Selected on 3 sites" or "Sites.ReadWrite.All".
    pub permissions: String,
    /// The permission model.
    pub model: PermissionModel,
    /// The APIs.
    pub apis: Vec<Api>,
    /// The sites and roles.
    pub sites: Vec<SiteChoice>,
    /// The certificate (its public part: thumbprints, validity, DER to export).
    pub certificate: CertificateRecord,
    /// Who created it.
    pub created_by: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// The lists of its integration definition, in words.
    pub lists: Vec<String>,
    /// The last test.
    pub last_test: Option<TestReport>,
}

impl From<&ConnectionRecord> for ConnectionView {
    fn from(r: &ConnectionRecord) -> Self {
        Self {
            id: r.request.id.to_string(),
            name: r.request.name.clone(),
            tenant_id: r.request.tenant_id.clone(),
            client_id: r.client_id.clone(),
            application_object_id: r.application_object_id.clone(),
            service_principal_id: r.service_principal_id.clone(),
            permissions: r.request.model.describe(r.request.sites.len()),
            model: r.request.model,
            apis: r.request.apis.clone(),
            sites: r.request.sites.clone(),
            certificate: r.certificate.clone(),
            created_by: r.request.creator.username.clone(),
            created_at: r.created_at.clone(),
            lists: r
                .request
                .definition
                .as_ref()
                .map(|d| {
                    d.lists.iter().map(|l| format!("{} ({})", l.list_name, l.site_name)).collect()
                })
                .unwrap_or_default(),
            last_test: r.last_test.clone(),
        }
    }
}

/// An apply that did not finish (the app was closed, it failed or was cancelled).
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PendingView {
    /// The connection's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The tenant.
    pub tenant_id: String,
    /// Who started it.
    pub created_by: String,
    /// When (RFC 3339).
    pub started_at: String,
    /// `applying` (interrupted), `failed` or `cancelled`.
    pub state: String,
    /// Why it stopped, when it failed.
    pub message: Option<String>,
    /// The steps finished.
    pub done: Vec<spconnect_connections::plan::StepKind>,
    /// The last verification, when there was one.
    pub report: Option<TestReport>,
    /// Whether it is running now.
    pub running: bool,
}

/// The Connections view.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionsView {
    /// The connections, by name.
    pub connections: Vec<ConnectionView>,
    /// Unfinished applies, offered for resumption or rollback.
    pub pending: Vec<PendingView>,
    /// Records that could not be read (left as they are), each in words with the fix.
    pub problems: Vec<String>,
}

/// A certificate exported.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportView {
    /// Where it was written.
    pub path: String,
    /// The PEM text, to copy.
    pub pem: String,
}

impl From<ConnectionError> for WireError {
    fn from(error: ConnectionError) -> Self {
        use ConnectionError as E;
        let (code, field) = match &error {
            E::InvalidInput { field, .. } => (ErrorCode::InvalidInput, Some((*field).to_owned())),
            E::NameTaken { .. } => (ErrorCode::InvalidInput, Some("name".to_owned())),
            E::MissingRole { .. } | E::Identity(_) | E::Unverified { .. } => {
                (ErrorCode::Refused, None)
            }
            E::ConsentNeeded { .. } => (ErrorCode::ConsentRequired, None),
            E::SignInExpired { .. } => (ErrorCode::SignInAgain, None),
            E::Throttled { .. } | E::ReplicationSlow { .. } => (ErrorCode::Unavailable, None),
            E::Graph { source, .. } => (super::error::graph_code(source), None),
            E::Vault(_) => (ErrorCode::Keychain, None),
            E::CorruptStore { .. } => (ErrorCode::Storage, None),
            E::NotFound(_) => (ErrorCode::InvalidInput, Some("id".to_owned())),
            E::Cancelled => (ErrorCode::Cancelled, None),
            E::Certificate(_) | E::Internal(_) => (ErrorCode::Internal, None),
        };
        let message = message_of(&error);
        tracing::info!(%error, ?code, "connection step failed");
        Self { code, message, field }
    }
}

/// What went wrong, in words, with what would fix it.
pub fn message_of(error: &ConnectionError) -> String {
    match error.fix() {
        Some(fix) => format!("{error} {fix}"),
        None => error.to_string(),
    }
}

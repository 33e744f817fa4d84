//! What a connection is asked to be ([`ConnectionRequest`]) and what was made
//! ([`ConnectionRecord`]): the permission model, the sites and their roles, the certificate.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{definition::IntegrationDefinition, error::ConnectionError};

/// A connection's id: 32 lower-case hex digits, random. Its application's `uniqueName` is
/// derived from it ([`ConnectionId::unique_name`]), so the application can be found again.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConnectionId(String);

impl ConnectionId {
    /// A new random id.
    pub fn generate() -> Result<Self, ConnectionError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)
            .map_err(|e| ConnectionError::Internal(format!("no randomness for an id ({e})")))?;
        Ok(Self(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// An id read back (from the store or the window).
    pub fn parse(text: &str) -> Result<Self, ConnectionError> {
        let text = text.trim();
        if text.len() == 32
            && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Self(text.to_owned()))
        } else {
            Err(ConnectionError::InvalidInput {
                field: "id",
                message: "A connection id is 32 hexadecimal digits.".into(),
            })
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The application's `uniqueName`: `spconnect-{id}`.
    pub fn unique_name(&self) -> String {
        format!("spconnect-{}", self.0)
    }

    /// The tag on the application naming this connection: `spconnect:{id}`.
    pub fn tag(&self) -> String {
        format!("{TAG}:{}", self.0)
    }
}

impl std::fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The tag on every application spconnect creates.
pub const TAG: &str = "spconnect";

/// A site role of `Sites.Selected` (docs/microsoft §2.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SiteRole {
    /// Read items and files.
    Read,
    /// Read and write items and files.
    Write,
    /// Also manage lists and libraries.
    Manage,
    /// Everything, including the site's permissions.
    FullControl,
}

impl SiteRole {
    /// The role as Graph names it in a site permission.
    pub fn graph_name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Manage => "manage",
            Self::FullControl => "fullcontrol",
        }
    }

    /// The role a grant is created with: creating accepts only `read` and `write`, higher roles
    /// are set by changing the grant afterwards (docs/microsoft §2.9).
    pub fn create_as(self) -> SiteRole {
        match self {
            Self::Read => Self::Read,
            _ => Self::Write,
        }
    }

    /// Whether a granted role (Graph's name) gives at least this one.
    pub fn satisfied_by(self, granted: &str) -> bool {
        let rank = |name: &str| match name.to_ascii_lowercase().as_str() {
            "read" => 1,
            "write" => 2,
            "manage" | "owner" => 3,
            "fullcontrol" => 4,
            _ => 0,
        };
        rank(granted) >= rank(self.graph_name())
    }
}

/// A tenant-wide application permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum TenantWide {
    /// `Sites.Read.All`.
    ReadAll,
    /// `Sites.ReadWrite.All`.
    ReadWriteAll,
    /// `Sites.FullControl.All`.
    FullControlAll,
}

impl TenantWide {
    /// The app role's value.
    pub fn value(self) -> &'static str {
        match self {
            Self::ReadAll => "Sites.Read.All",
            Self::ReadWriteAll => "Sites.ReadWrite.All",
            Self::FullControlAll => "Sites.FullControl.All",
        }
    }

    /// What it exposes, in one sentence for the warning.
    pub fn exposes(self) -> &'static str {
        match self {
            Self::ReadAll => {
                "It can read every site, list, library and file in the whole tenant, \
                 including sites created later, without anyone signed in."
            }
            Self::ReadWriteAll => {
                "It can read, change and delete every item and file on every site of the \
                 whole tenant, including sites created later, without anyone signed in."
            }
            Self::FullControlAll => {
                "It can do anything on every site of the tenant, including changing who has \
                 access and deleting lists and libraries, without anyone signed in."
            }
        }
    }
}

/// How a connection is allowed into SharePoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum PermissionModel {
    /// `Sites.Selected`: only the chosen sites, each with its role (least privilege).
    SitesSelected,
    /// A tenant-wide permission.
    TenantWide {
        /// Which one.
        permission: TenantWide,
    },
}

impl PermissionModel {
    /// The app role value granted on each resource.
    pub fn app_role(self) -> &'static str {
        match self {
            Self::SitesSelected => "Sites.Selected",
            Self::TenantWide { permission } => permission.value(),
        }
    }

    /// In words, for lists: "Sites.Selected on 3 sites", "Sites.ReadWrite.All".
    pub fn describe(self, sites: usize) -> String {
        match self {
            Self::SitesSelected => {
                format!("Sites.Selected on {sites} site{}", if sites == 1 { "" } else { "s" })
            }
            Self::TenantWide { permission } => permission.value().to_owned(),
        }
    }
}

/// Which APIs the connection calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Api {
    /// Microsoft Graph.
    Graph,
    /// SharePoint REST (`/_api`).
    SharePoint,
}

impl Api {
    /// The resource application id whose app roles are granted.
    pub fn resource_app_id(self) -> &'static str {
        match self {
            Self::Graph => spconnect_graph::applications::MICROSOFT_GRAPH_APP_ID,
            Self::SharePoint => spconnect_graph::provisioning::SHAREPOINT_APP_ID,
        }
    }

    /// The name shown.
    pub fn name(self) -> &'static str {
        match self {
            Self::Graph => "Microsoft Graph",
            Self::SharePoint => "SharePoint",
        }
    }
}

/// A site the connection gets (`Sites.Selected`) or is checked against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SiteChoice {
    /// Graph's site id (`{hostname},{site collection id},{web id}`).
    pub site_id: String,
    /// Its address (`https://contoso.sharepoint.com/sites/hr`).
    pub web_url: String,
    /// Its title.
    pub name: String,
    /// The role granted (with `Sites.Selected`).
    pub role: SiteRole,
}

/// The certificate to make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CertificateChoice {
    /// 2048 or 3072.
    pub key_bits: u32,
    /// How many days it is valid (1 to 365; a year by default, the longest Graph accepts
    /// for `keyCredentials` by default).
    pub validity_days: u32,
    /// The subject's common name.
    pub subject: String,
}

/// The longest validity offered, in days.
pub const MAX_VALIDITY_DAYS: u32 = 365;

/// Who asked for the connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Creator {
    /// Their user name.
    pub username: String,
    /// Their object id.
    pub object_id: String,
}

/// Everything the wizard gathered: what to create.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionRequest {
    /// The connection's id.
    pub id: ConnectionId,
    /// Its name (the application's display name).
    pub name: String,
    /// The tenant's id.
    pub tenant_id: String,
    /// The permission model.
    pub model: PermissionModel,
    /// The APIs it calls (at least one).
    pub apis: Vec<Api>,
    /// The sites: granted with `Sites.Selected`, read by the verification in both models.
    pub sites: Vec<SiteChoice>,
    /// The certificate.
    pub certificate: CertificateChoice,
    /// Who creates it.
    pub creator: Creator,
    /// What the integration uses, from Browse.
    pub definition: Option<IntegrationDefinition>,
}

/// The longest connection name.
pub const MAX_NAME: usize = 120;

impl ConnectionRequest {
    /// Checks what a person typed and picked; the first problem, naming its field.
    pub fn validate(&self) -> Result<(), ConnectionError> {
        let invalid = |field: &'static str, message: &str| {
            Err(ConnectionError::InvalidInput { field, message: message.to_owned() })
        };
        let name = self.name.trim();
        if name.is_empty() {
            return invalid("name", "Give the connection a name.");
        }
        if name.chars().count() > MAX_NAME {
            return invalid("name", "The name is longer than 120 characters.");
        }
        if name.chars().any(char::is_control) {
            return invalid("name", "The name cannot contain control characters.");
        }
        if self.apis.is_empty() {
            return invalid("apis", "Choose Microsoft Graph, SharePoint, or both.");
        }
        if self.model == PermissionModel::SitesSelected && self.sites.is_empty() {
            return invalid(
                "sites",
                "Sites.Selected needs at least one site: tick a list in Browse.",
            );
        }
        let mut seen = std::collections::HashSet::new();
        for site in &self.sites {
            if !seen.insert(site.site_id.as_str()) {
                return invalid("sites", &format!("{} is chosen twice.", site.name));
            }
            if !site.web_url.starts_with("https://") {
                return invalid("sites", &format!("{} has no https address.", site.name));
            }
        }
        let c = &self.certificate;
        if !matches!(c.key_bits, 2048 | 3072) {
            return invalid("certificate.keyBits", "The key size is 2048 or 3072 bits.");
        }
        if c.validity_days == 0 || c.validity_days > MAX_VALIDITY_DAYS {
            return invalid("certificate.validityDays", "The validity is 1 to 365 days.");
        }
        let subject = c.subject.trim();
        if subject.is_empty() || subject.chars().count() > 64 {
            return invalid("certificate.subject", "The subject is 1 to 64 characters.");
        }
        Ok(())
    }

    /// The app roles to grant: (API, role value).
    pub fn app_roles(&self) -> Vec<(Api, &'static str)> {
        self.apis.iter().map(|api| (*api, self.model.app_role())).collect()
    }
}

/// The certificate of a connection as recorded (its public part only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CertificateRecord {
    /// The SHA-1 thumbprint, hex (as Entra shows it).
    pub thumbprint: String,
    /// `x5t#S256`.
    pub x5t_s256: String,
    /// `CN=…`.
    pub subject: String,
    /// Start of validity (RFC 3339).
    pub not_before: String,
    /// End of validity (RFC 3339).
    pub not_after: String,
    /// Key size in bits.
    pub key_bits: u32,
    /// The certificate, base64 DER.
    pub der_base64: String,
}

/// One check of a connection's test.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// What was checked, e.g. "Read HR through Microsoft Graph".
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// How long it took, in milliseconds.
    #[ts(type = "number")]
    pub latency_ms: u64,
    /// What was seen (a failure's reason).
    pub detail: String,
    /// For a failure: what to do.
    pub fix: Option<String>,
}

/// A test of a connection: every check, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TestReport {
    /// When (RFC 3339).
    pub at: String,
    /// The checks.
    pub checks: Vec<Check>,
}

impl TestReport {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }
}

/// A connection as it exists: what was asked and what was made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionRecord {
    /// What was asked (name, tenant, model, sites and roles, definition, creator).
    pub request: ConnectionRequest,
    /// The application (client) id.
    pub client_id: String,
    /// The application object's id.
    pub application_object_id: String,
    /// The service principal's object id.
    pub service_principal_id: String,
    /// The certificate.
    pub certificate: CertificateRecord,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// The last test.
    pub last_test: Option<TestReport>,
}

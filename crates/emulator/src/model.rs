//! The directory and SharePoint content of one emulated tenant.

use std::{borrow::Cow, sync::Arc};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, value::RawValue};
use time::OffsetDateTime;
use uuid::Uuid;

/// A directory role that matters to spconnect, with the role template id Entra ID uses everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::enum_variant_names)] // the names Entra ID gives them
pub enum DirectoryRole {
    /// Can do everything, including granting Microsoft Graph application permissions.
    GlobalAdministrator,
    /// Can grant application permissions of any API except Microsoft Graph.
    CloudApplicationAdministrator,
    /// Manages SharePoint, including `Sites.Selected` site grants.
    SharePointAdministrator,
}

impl DirectoryRole {
    /// The role template id (constant across tenants).
    pub fn template_id(self) -> &'static str {
        match self {
            Self::GlobalAdministrator => "62e90394-69f5-4237-9190-012177145e10",
            Self::CloudApplicationAdministrator => "158c047a-c907-4556-b7ef-446551a6b5f7",
            Self::SharePointAdministrator => "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        }
    }

    /// The display name.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::GlobalAdministrator => "Global Administrator",
            Self::CloudApplicationAdministrator => "Cloud Application Administrator",
            Self::SharePointAdministrator => "SharePoint Administrator",
        }
    }
}

/// A person who can sign in.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct User {
    /// Object id.
    pub id: Uuid,
    /// User principal name, e.g. `admin@contoso.onmicrosoft.com`.
    pub upn: String,
    /// Display name.
    pub display_name: String,
    /// Given name.
    pub given_name: String,
    /// Surname.
    pub surname: String,
    /// Job title.
    pub job_title: String,
    /// The documented demo password (emulator only).
    pub password: String,
    /// Directory roles held.
    pub roles: Vec<DirectoryRole>,
}

impl User {
    /// Whether the user may consent on behalf of the organisation (admin consent).
    pub fn can_admin_consent(&self) -> bool {
        self.roles.iter().any(|role| {
            matches!(
                role,
                DirectoryRole::GlobalAdministrator | DirectoryRole::CloudApplicationAdministrator
            )
        })
    }
}

/// A permission a resource exposes: an app role (application permission) or an OAuth2 scope
/// (delegated permission).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Permission {
    /// The permission id.
    pub id: Cow<'static, str>,
    /// The value, e.g. `Sites.Read.All`.
    pub value: Cow<'static, str>,
    /// Whether only an administrator can consent (delegated scopes only).
    pub admin_consent_required: bool,
}

/// A certificate or secret registered on an application.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KeyCredential {
    /// The credential id.
    pub key_id: Uuid,
    /// Display name.
    pub display_name: Option<String>,
    /// The DER certificate (public part).
    #[serde(with = "base64_bytes")]
    pub der: Vec<u8>,
    /// `customKeyIdentifier`, base64 as Graph returns it.
    pub custom_key_identifier: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    /// Validity start.
    pub start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    /// Validity end.
    pub end: OffsetDateTime,
    /// `AsymmetricX509Cert`.
    pub key_type: String,
    /// `Verify`.
    pub usage: String,
}

/// A client secret registered on an application.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PasswordCredential {
    /// The credential id.
    pub key_id: Uuid,
    /// The secret text (emulator only; never logged).
    pub secret: String,
    /// Display name.
    pub display_name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    /// Validity start.
    pub start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    /// Validity end.
    pub end: OffsetDateTime,
}

/// An application object (app registration).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Application {
    /// Object id.
    pub id: Uuid,
    /// Client id.
    pub app_id: Uuid,
    /// Display name.
    pub display_name: String,
    /// The alternate key used by upserts.
    pub unique_name: Option<String>,
    /// `AzureADMyOrg`, `AzureADMultipleOrgs`, …
    pub sign_in_audience: String,
    /// Redirect URIs of the desktop/mobile platform.
    pub public_client_redirect_uris: Vec<String>,
    /// Redirect URIs of the web platform.
    pub web_redirect_uris: Vec<String>,
    /// Allow public client flows (device code).
    pub is_fallback_public_client: bool,
    /// Certificates.
    pub key_credentials: Vec<KeyCredential>,
    /// Secrets.
    pub password_credentials: Vec<PasswordCredential>,
    /// The raw `requiredResourceAccess` JSON.
    pub required_resource_access: Value,
    /// Other properties a client set, kept and returned as given.
    pub extra: Map<String, Value>,
    #[serde(with = "time::serde::rfc3339")]
    /// Creation time.
    pub created: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    /// Deletion time, when in the deleted-items container.
    pub deleted: Option<OffsetDateTime>,
    /// The tenant that owns the registration.
    pub owner_tenant: Uuid,
    /// Its owners: the users or service principals that created it.
    pub owners: Vec<Uuid>,
}

/// A service principal (enterprise application) in this tenant.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServicePrincipal {
    /// Object id (differs per tenant).
    pub id: Uuid,
    /// The application's client id.
    pub app_id: Uuid,
    /// Display name.
    pub display_name: String,
    /// The tenant that owns the application.
    pub app_owner_tenant: Uuid,
    /// Application permissions this resource exposes.
    pub app_roles: Vec<Permission>,
    /// Delegated permissions this resource exposes.
    pub scopes: Vec<Permission>,
    /// Identifier URIs / service principal names.
    pub names: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    /// Creation time.
    pub created: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    /// Deletion time.
    pub deleted: Option<OffsetDateTime>,
}

/// An app role granted to a service principal (application permission, admin-consented).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AppRoleAssignment {
    /// The assignment id (base64url, not a GUID).
    pub id: String,
    /// The client service principal.
    pub principal_id: Uuid,
    /// The resource service principal.
    pub resource_id: Uuid,
    /// The app role.
    pub app_role_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    /// Creation time.
    pub created: OffsetDateTime,
}

/// Delegated permissions consented for a client on a resource (an `oauth2PermissionGrant`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DelegatedGrant {
    /// The client service principal.
    pub client_id: Uuid,
    /// The resource service principal.
    pub resource_id: Uuid,
    /// `None` for all users (admin consent), or one user.
    pub principal: Option<Uuid>,
    /// Scope values.
    pub scopes: Vec<String>,
}

/// A site grant for `Sites.Selected`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SitePermission {
    /// The permission id within the site.
    pub id: String,
    /// `read`, `write`, `owner` or `fullcontrol`.
    pub roles: Vec<String>,
    /// The client id granted.
    pub app_id: Uuid,
    /// The display name given with the grant.
    pub app_display_name: String,
    #[serde(with = "time::serde::rfc3339")]
    /// When it was granted (grants replicate like other directory changes).
    pub created: OffsetDateTime,
}

/// A SharePoint web (a site collection's root web or a subsite).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Web {
    /// The site collection id.
    pub site_id: Uuid,
    /// The web id.
    pub web_id: Uuid,
    /// Server-relative URL, `/` for the tenant root, `/sites/hr/benefits` for a subsite.
    pub path: String,
    /// The URL name (last path segment, or `root`).
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Description.
    pub description: String,
    /// The parent web (for subsites).
    pub parent: Option<Uuid>,
    /// Lists and libraries (for webs of a generated large tenant: the lists written to or
    /// created, which take the place of generated ones; see [`Web::lists`]).
    pub lists: Vec<List>,
    /// For a large tenant: the shape its lists are generated from, on demand.
    pub generated: Option<Generated>,
    /// Site grants (`Sites.Selected`), on site collections.
    pub permissions: Vec<SitePermission>,
    #[serde(with = "time::serde::rfc3339")]
    /// Creation time.
    pub created: OffsetDateTime,
}

/// The shape of a generated web: its position among the generated sites, and how many lists and
/// columns per list it has. Lists are built when a request needs them, so a tenant of 10,000 sites
/// × 20 lists × 30 columns takes megabytes, not gigabytes.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Generated {
    /// The web's number among the generated sites (0-based).
    pub index: u32,
    /// Lists per web.
    pub lists: u32,
    /// Custom columns per list.
    pub columns: u32,
}

impl Web {
    /// One list by id, URL name or display name; for a generated web only that list is built.
    pub fn find_list(&self, reference: &str) -> Option<std::borrow::Cow<'_, List>> {
        let matches = |l: &List| {
            l.id.to_string().eq_ignore_ascii_case(reference)
                || l.name.eq_ignore_ascii_case(reference)
                || l.display_name.eq_ignore_ascii_case(reference)
        };
        if let Some(stored) = self.lists.iter().find(|l| matches(l)) {
            return Some(std::borrow::Cow::Borrowed(stored));
        }
        match self.generated {
            None => None,
            Some(shape) => {
                let index = crate::seed::generated_list_index(shape, reference)?;
                let list = crate::seed::generated_list(shape, index);
                matches(&list).then_some(std::borrow::Cow::Owned(list))
            }
        }
    }

    /// The web's lists in order, without building any: stored ones, or for a large tenant each
    /// generated list (its stored copy once written to), followed by lists created since.
    pub fn list_slots(&self) -> Vec<ListSlot<'_>> {
        let Some(shape) = self.generated else {
            return self.lists.iter().map(ListSlot::Stored).collect();
        };
        let mut slots: Vec<ListSlot<'_>> = (0..shape.lists).map(ListSlot::Generated).collect();
        for stored in &self.lists {
            match crate::seed::decode_generated_list(stored.id) {
                Some((web, n)) if web == shape.index && n < shape.lists => {
                    slots[n as usize] = ListSlot::Stored(stored);
                }
                _ => slots.push(ListSlot::Stored(stored)),
            }
        }
        slots
    }

    /// The web's lists, in the order of [`Web::list_slots`] (a large tenant's built on demand).
    pub fn lists(&self) -> std::borrow::Cow<'_, [List]> {
        let Some(shape) = self.generated else {
            return std::borrow::Cow::Borrowed(&self.lists);
        };
        let lists = self.list_slots().into_iter().map(|slot| match slot {
            ListSlot::Generated(n) => crate::seed::generated_list(shape, n),
            ListSlot::Stored(list) => list.clone(),
        });
        std::borrow::Cow::Owned(lists.collect())
    }
}

/// One list of a web, as [`Web::list_slots`] gives it.
#[derive(Clone, Copy, Debug)]
pub enum ListSlot<'a> {
    /// Generated list `n` of a large tenant's web, as generated.
    Generated(u32),
    /// A list as stored: created, or a generated one written to.
    Stored(&'a List),
}

/// A list or document library.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct List {
    /// List id.
    pub id: Uuid,
    /// URL name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Description.
    pub description: String,
    /// `genericList`, `documentLibrary`, …
    pub template: String,
    /// Hidden list.
    pub hidden: bool,
    /// A system list (omitted unless `system` is selected).
    pub system: bool,
    /// Columns.
    pub columns: Vec<Column>,
    /// Content types.
    pub content_types: Vec<ContentType>,
    /// Items.
    pub items: Vec<Item>,
    /// The drive id of a document library.
    pub drive_id: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    /// Creation time.
    pub created: OffsetDateTime,
    /// The highest item id ever deleted from the list (SharePoint never reuses item ids).
    pub last_deleted_id: u32,
}

impl List {
    /// The id the next new item gets: one above every id the list has used.
    pub fn next_item_id(&self) -> u32 {
        self.items.iter().map(|i| i.id).chain([self.last_deleted_id]).max().unwrap_or(0) + 1
    }
}

/// A column definition; `facet` is the one type facet, e.g. `("text", {...})`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Column {
    /// Column id.
    pub id: Uuid,
    /// Internal name, used in `fields`.
    pub name: Arc<str>,
    /// Display name.
    pub display_name: Arc<str>,
    /// Description.
    pub description: Arc<str>,
    /// Group.
    pub column_group: Arc<str>,
    /// Hidden column.
    pub hidden: bool,
    /// Indexed.
    pub indexed: bool,
    /// Read only.
    pub read_only: bool,
    /// Required.
    pub required: bool,
    /// Unique values enforced.
    pub enforce_unique_values: bool,
    /// The type facet name and value.
    pub facet: (Cow<'static, str>, Arc<FacetValue>),
}

/// A column's type facet value (`{"maxLength": 255, …}`) with its JSON written once: columns are
/// read far more often than written, and a browse of a large tenant reads over a million.
#[derive(Debug)]
pub struct FacetValue {
    value: Value,
    json: Box<RawValue>,
}

impl FacetValue {
    /// A facet value, shared.
    pub fn new(value: Value) -> Arc<Self> {
        // A tree of values always serialises (its keys are strings).
        let json = serde_json::value::to_raw_value(&value)
            .unwrap_or_else(|_| RawValue::from_string("{}".into()).expect("valid JSON"));
        Arc::new(Self { value, json })
    }

    /// Its JSON, as written.
    pub fn json(&self) -> &RawValue {
        &self.json
    }
}

impl std::ops::Deref for FacetValue {
    type Target = Value;

    fn deref(&self) -> &Value {
        &self.value
    }
}

impl Serialize for FacetValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for FacetValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let json = serde_json::value::to_raw_value(&value).map_err(serde::de::Error::custom)?;
        Ok(Self { value, json })
    }
}

/// A content type.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ContentType {
    /// Id, e.g. `0x0100…`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Group.
    pub group: String,
    /// Hidden.
    pub hidden: bool,
}

/// A list item.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Item {
    /// Item id (1, 2, …).
    pub id: u32,
    /// Field values by internal name.
    pub fields: Map<String, Value>,
    #[serde(with = "time::serde::rfc3339")]
    /// Creation time.
    pub created: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    /// Last modification time.
    pub modified: OffsetDateTime,
    /// Who created it (display name).
    pub created_by: String,
    /// Who changed it last (display name).
    pub modified_by: String,
    /// The version SharePoint counts up on every change (the number in the item's eTag).
    pub version: u32,
}

/// One tenant: its directory and its SharePoint content.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tenant {
    /// Tenant id.
    pub id: Uuid,
    /// The initial domain, e.g. `contoso.onmicrosoft.com`.
    pub domain: String,
    /// The organisation's name.
    pub display_name: String,
    /// The SharePoint host, e.g. `contoso.sharepoint.com`.
    pub sharepoint_host: String,
    /// Users.
    pub users: Vec<User>,
    /// Application objects registered in this tenant.
    pub applications: Vec<Application>,
    /// Service principals in this tenant.
    pub service_principals: Vec<ServicePrincipal>,
    /// Application permission grants.
    pub app_role_assignments: Vec<AppRoleAssignment>,
    /// Delegated permission grants.
    pub delegated_grants: Vec<DelegatedGrant>,
    /// SharePoint webs.
    pub webs: Vec<Web>,
}

impl Tenant {
    /// The tenant's `sharepoint.com` resource identifier, e.g. `https://contoso.sharepoint.com`.
    pub fn sharepoint_resource(&self) -> String {
        format!("https://{}", self.sharepoint_host)
    }

    /// Finds a user by UPN (case-insensitive).
    pub fn user_by_upn(&self, upn: &str) -> Option<&User> {
        self.users.iter().find(|user| user.upn.eq_ignore_ascii_case(upn))
    }

    /// Finds a user by object id.
    pub fn user(&self, id: Uuid) -> Option<&User> {
        self.users.iter().find(|user| user.id == id)
    }

    /// A live (not deleted) service principal by client id.
    pub fn service_principal_by_app_id(&self, app_id: Uuid) -> Option<&ServicePrincipal> {
        self.service_principals.iter().find(|sp| sp.app_id == app_id && sp.deleted.is_none())
    }
}

/// Bytes as standard base64 text in the state files (a certificate is easier to read that way).
mod base64_bytes {
    use base64::{Engine, engine::general_purpose::STANDARD};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

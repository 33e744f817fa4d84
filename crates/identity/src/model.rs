//! The values the API speaks in: the authority, an account and its key, scopes and an access
//! token. Identifiers are parsed here, at the edge.

use std::{collections::BTreeSet, time::SystemTime};

use serde::{Deserialize, Serialize};
use spconnect_secret::Secret;
use url::Url;

use crate::error::IdentityError;

/// The OpenID Connect scopes asked for on every sign-in (docs/microsoft §1.2, §1.4).
pub(crate) const OIDC_SCOPES: [&str; 3] = ["openid", "profile", "offline_access"];

/// Where people sign in: the authority host of the chosen cloud (e.g.
/// `https://login.microsoftonline.com`, from the settings' endpoints) and a tenant (`organizations`,
/// a tenant id or a verified domain).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authority {
    host: Url,
    tenant: String,
}

impl Authority {
    /// Checks the host (an `https` origin, or `http` on a loopback address for a local tenant
    /// emulator) and the tenant (letters, digits, `.` and `-`).
    pub fn new(host: &str, tenant: &str) -> Result<Self, IdentityError> {
        let invalid = |message: &str| IdentityError::InvalidInput {
            field: "authority host",
            message: message.to_owned(),
        };
        let url = Url::parse(host.trim()).map_err(|_| invalid("it is not a URL"))?;
        let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
            return Err(invalid("it must start with https://"));
        }
        if url.path() != "/" || url.query().is_some() || !url.username().is_empty() {
            return Err(invalid("it must be an origin such as https://login.microsoftonline.com"));
        }
        let tenant = tenant.trim();
        if tenant.is_empty()
            || !tenant.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            return Err(IdentityError::InvalidInput {
                field: "tenant",
                message:
                    "use a tenant id, a domain such as contoso.onmicrosoft.com, or organizations"
                        .into(),
            });
        }
        Ok(Self { host: url, tenant: tenant.to_owned() })
    }

    /// The same host with another tenant.
    pub fn with_tenant(&self, tenant: &str) -> Result<Self, IdentityError> {
        Self::new(self.origin().as_str(), tenant)
    }

    /// The host as an origin without a trailing slash.
    pub fn origin(&self) -> String {
        self.host.as_str().trim_end_matches('/').to_owned()
    }

    /// The host name (for messages and the connectivity check).
    pub fn host_name(&self) -> String {
        self.host.host_str().unwrap_or_default().to_owned()
    }

    /// The tenant segment.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// `{host}/{tenant}/{path}`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/{}/{path}", self.origin(), self.tenant)
    }

    /// Whether the host is a loopback address (a local tenant emulator): no proxy is used for it.
    pub(crate) fn is_loopback(&self) -> bool {
        matches!(self.host.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
    }
}

/// Identifies a signed-in person for one client application: the key refresh tokens are kept
/// under and the one access tokens are cached by. One person's tokens are never used for another.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountKey {
    /// The person's home tenant id (`tid`).
    pub tenant_id: String,
    /// The person's object id (`oid`).
    pub object_id: String,
    /// The client application id that signed them in.
    pub client_id: String,
}

impl AccountKey {
    /// The key a store keeps the refresh token under: `{tenant id}.{object id}.{client id}`.
    pub fn storage_key(&self) -> String {
        format!("{}.{}.{}", self.tenant_id, self.object_id, self.client_id)
    }
}

/// A signed-in person, as the id token names them. Holds no secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The key of their tokens.
    pub key: AccountKey,
    /// The sign-in name (`preferred_username`, usually the UPN).
    pub username: String,
    /// The display name (`name`).
    pub name: String,
}

/// An access token for one resource, held in memory only.
#[derive(Clone, Debug)]
pub struct AccessToken {
    /// The bearer token.
    pub token: Secret<String>,
    /// When it expires.
    pub expires_at: SystemTime,
    /// The scopes Microsoft granted (as the answer's `scope` lists them).
    pub scopes: Vec<String>,
}

/// The resource a scope belongs to: `https://graph.microsoft.com/Sites.Read.All` →
/// `https://graph.microsoft.com`; a bare scope such as `User.Read` belongs to Microsoft Graph;
/// the OpenID scopes to none.
pub(crate) fn resource_of(scope: &str) -> Option<String> {
    if OIDC_SCOPES.contains(&scope) || scope == "email" {
        return None;
    }
    match scope.rfind('/') {
        Some(i) if scope.contains("://") && i > scope.find("://").unwrap_or(0) + 2 => {
            Some(scope[..i].to_ascii_lowercase())
        }
        _ => Some("https://graph.microsoft.com".to_owned()),
    }
}

/// The one resource `scopes` name; an error when they name none or several (the token endpoint
/// takes one resource per request, docs/microsoft §1.4).
pub(crate) fn single_resource(scopes: &[String]) -> Result<String, IdentityError> {
    let resources: BTreeSet<String> = scopes.iter().filter_map(|s| resource_of(s)).collect();
    let mut iter = resources.into_iter();
    match (iter.next(), iter.next()) {
        (Some(one), None) => Ok(one),
        (None, _) => Err(IdentityError::InvalidInput {
            field: "scopes",
            message: "name at least one permission of a resource, e.g. https://graph.microsoft.com/User.Read".into(),
        }),
        (Some(_), Some(_)) => Err(IdentityError::InvalidInput {
            field: "scopes",
            message: "a token is for one resource; ask for each resource separately".into(),
        }),
    }
}

/// `scopes` plus the OpenID scopes, without duplicates, in a stable order.
pub(crate) fn with_oidc(scopes: &[String]) -> String {
    let mut all: Vec<&str> = scopes.iter().map(String::as_str).collect();
    for extra in OIDC_SCOPES {
        if !all.contains(&extra) {
            all.push(extra);
        }
    }
    all.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_name_their_resource() {
        assert_eq!(
            resource_of("https://graph.microsoft.com/Sites.Read.All").as_deref(),
            Some("https://graph.microsoft.com")
        );
        assert_eq!(
            resource_of("https://contoso.sharepoint.com/.default").as_deref(),
            Some("https://contoso.sharepoint.com")
        );
        assert_eq!(resource_of("User.Read").as_deref(), Some("https://graph.microsoft.com"));
        assert_eq!(resource_of("offline_access"), None);
        let two = ["User.Read".to_owned(), "https://contoso.sharepoint.com/.default".to_owned()];
        assert!(single_resource(&two).is_err());
        assert!(single_resource(&["openid".to_owned()]).is_err());
    }

    #[test]
    fn authority_hosts_must_be_https_origins_except_on_loopback() {
        assert!(Authority::new("https://login.microsoftonline.com", "organizations").is_ok());
        assert!(Authority::new("http://127.0.0.1:4000", "contoso.onmicrosoft.com").is_ok());
        assert!(Authority::new("http://login.example.com", "organizations").is_err());
        assert!(Authority::new("https://login.example.com/path", "organizations").is_err());
        assert!(Authority::new("https://login.example.com", "a/b").is_err());
        let a = Authority::new("https://login.microsoftonline.us/", "common").expect("valid");
        assert_eq!(
            a.url("oauth2/v2.0/token"),
            "https://login.microsoftonline.us/common/oauth2/v2.0/token"
        );
    }

    #[test]
    fn the_storage_key_joins_tenant_object_and_client() {
        let key =
            AccountKey { tenant_id: "t".into(), object_id: "o".into(), client_id: "c".into() };
        assert_eq!(key.storage_key(), "t.o.c");
    }
}

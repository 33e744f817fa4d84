//! Scope strings: which resource they name and which permissions (docs/microsoft §1.4, §1.6).

use crate::{
    model::Tenant,
    resources::{GRAPH_APP_ID, GRAPH_RESOURCE, OIDC_SCOPES, SHAREPOINT_APP_ID},
};

/// A resource a token can be for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// The resource's client id (`00000003-…`).
    pub app_id: &'static str,
    /// The audience of its tokens.
    pub audience: String,
}

/// A parsed `scope` parameter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeRequest {
    /// OIDC scopes (`openid`, `profile`, `email`, `offline_access`).
    pub oidc: Vec<String>,
    /// Each named resource in order, with the permissions asked of it (`.default` kept as is).
    pub resources: Vec<(String, Vec<String>)>,
}

impl ScopeRequest {
    /// Parses a space-separated scope string. Bare permission names mean Microsoft Graph.
    pub fn parse(scope: &str) -> Self {
        let mut request = Self::default();
        for item in scope.split_whitespace() {
            if OIDC_SCOPES.iter().any(|s| s.eq_ignore_ascii_case(item)) {
                request.oidc.push(item.to_ascii_lowercase());
                continue;
            }
            let (resource, permission) = match item.rfind('/') {
                Some(slash) if item.contains("://") || item[..slash].len() == 36 => {
                    (item[..slash].trim_end_matches('/').to_owned(), item[slash + 1..].to_owned())
                }
                _ => (GRAPH_RESOURCE.to_owned(), item.to_owned()),
            };
            match request.resources.iter_mut().find(|(r, _)| r.eq_ignore_ascii_case(&resource)) {
                Some((_, permissions)) => permissions.push(permission),
                None => request.resources.push((resource, vec![permission])),
            }
        }
        request
    }

    /// Whether `offline_access` was asked for.
    pub fn offline_access(&self) -> bool {
        self.oidc.iter().any(|s| s == "offline_access")
    }

    /// Whether `openid` was asked for.
    pub fn openid(&self) -> bool {
        self.oidc.iter().any(|s| s == "openid")
    }
}

/// Resolves a resource identifier (URI or app id) to Graph or the tenant's SharePoint.
pub fn resolve_resource(tenant: &Tenant, identifier: &str) -> Option<Resource> {
    let id = identifier.trim_end_matches('/');
    if id.eq_ignore_ascii_case(GRAPH_RESOURCE) || id.eq_ignore_ascii_case(GRAPH_APP_ID) {
        return Some(Resource { app_id: GRAPH_APP_ID, audience: GRAPH_RESOURCE.into() });
    }
    let sharepoint = tenant.sharepoint_resource();
    if id.eq_ignore_ascii_case(&sharepoint) || id.eq_ignore_ascii_case(SHAREPOINT_APP_ID) {
        return Some(Resource { app_id: SHAREPOINT_APP_ID, audience: sharepoint });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_split_into_oidc_and_resources() {
        let request = ScopeRequest::parse(
            "openid profile offline_access https://graph.microsoft.com/Sites.Read.All User.Read \
             https://contoso.sharepoint.com/.default",
        );
        assert_eq!(request.oidc, ["openid", "profile", "offline_access"]);
        assert_eq!(
            request.resources,
            [
                (
                    "https://graph.microsoft.com".to_owned(),
                    vec!["Sites.Read.All".to_owned(), "User.Read".to_owned()]
                ),
                ("https://contoso.sharepoint.com".to_owned(), vec![".default".to_owned()]),
            ]
        );
        assert!(request.offline_access() && request.openid());
    }

    #[test]
    fn an_app_id_resource_is_recognised() {
        let request = ScopeRequest::parse("00000003-0000-0000-c000-000000000000/.default");
        assert_eq!(request.resources[0].0, GRAPH_APP_ID);
    }
}

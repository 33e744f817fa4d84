//! The v1.0 endpoints beside the v2.0 ones: the v1.0 OpenID Connect metadata
//! (`/{tenant}/.well-known/openid-configuration`, issuer `https://sts.windows.net/{tid}/`, the
//! issuer of the v1.0 access tokens the emulator issues), and `/oauth2/authorize`, `/oauth2/token`,
//! `/oauth2/devicecode` and `/oauth2/logout`, which take `resource=` where v2.0 takes `scope=`.
//! Each maps its request onto the v2.0 logic; the token endpoint answers in the v1.0 shape
//! (<https://learn.microsoft.com/previous-versions/azure/active-directory/azuread-dev/v1-oauth2-client-creds-grant-flow>).

use std::{collections::HashMap, sync::Arc};

use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::{
    origin::Origin,
    state::{Shared, now},
};

/// The v2.0 scope that stands for a v1.0 `resource`: its `.default`.
pub fn default_scope(resource: &str) -> String {
    format!("{}/.default", resource.trim_end_matches('/'))
}

/// Turns a v2.0 token response into the v1.0 shape: lifetimes as strings, `expires_on` and
/// `not_before` as Unix times, the `resource` echoed, and `scope` as bare permission names.
pub fn reshape(body: &mut Value, resource: &str) {
    let issued = now().unix_timestamp();
    let expires_in = body["expires_in"].as_i64().unwrap_or_default();
    body["expires_in"] = json!(expires_in.to_string());
    body["ext_expires_in"] = json!(expires_in.to_string());
    body["expires_on"] = json!((issued + expires_in).to_string());
    body["not_before"] = json!(issued.to_string());
    body["resource"] = json!(resource);
    if let Some(scope) = body.get("scope").and_then(Value::as_str) {
        let names: Vec<&str> = scope
            .split_whitespace()
            .filter_map(|s| s.rsplit_once('/').map(|(_, name)| name))
            .collect();
        body["scope"] = json!(names.join(" "));
    }
}

/// `/{tenant}/.well-known/openid-configuration`: the v1.0 document, for tenants, `common` and
/// `organizations` (the issuer is then the `{tenantid}` template).
pub async fn openid_configuration(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Response {
    let origin = Origin::of(&headers, shared.tls);
    let authority = origin.login();
    let (segment, tid, region) =
        match super::discovery::document_tenant(&shared, &tenant, &authority) {
            Ok(found) => found,
            Err(error) => return error.into_response(),
        };
    let base = format!("{authority}/{segment}");
    super::discovery::cached(json!({
        "token_endpoint": format!("{base}/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{authority}/common/discovery/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
        "scopes_supported": ["openid"],
        "issuer": format!("https://sts.windows.net/{tid}/"),
        "microsoft_multi_refresh_token": true,
        "authorization_endpoint": format!("{base}/oauth2/authorize"),
        "device_authorization_endpoint": format!("{base}/oauth2/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/oauth2/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name", "family_name", "nickname"],
        "check_session_iframe": format!("{base}/oauth2/checksession"),
        "userinfo_endpoint": format!("{base}/openid/userinfo"),
        "kerberos_endpoint": format!("{base}/kerberos"),
        "tenant_region_scope": region,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": origin.graph_host(),
        "rbac_url": "https://pas.windows.net",
    }))
}

/// The v2.0 `scope` of a v1.0 request: its OpenID scopes plus the `.default` of `resource`.
fn scope_of(parameters: &HashMap<String, String>) -> Option<String> {
    let resource = parameters.get("resource").filter(|r| !r.trim().is_empty())?;
    let oidc = parameters.get("scope").map(String::as_str).unwrap_or_default();
    Some(format!("{oidc} {}", default_scope(resource)).trim().to_owned())
}

/// `GET /{tenant}/oauth2/authorize`: the v2.0 authorization with `resource` as its scope.
pub async fn authorize(
    state: State<Arc<Shared>>,
    path: Path<String>,
    Query(mut query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    // Without a resource, the OpenID scopes alone go on (an id token, tokens for the default).
    if let Some(scope) = scope_of(&query) {
        query.insert("scope".into(), scope);
    }
    super::authorize::authorize(state, path, Query(query), headers).await
}

/// `POST /{tenant}/oauth2/devicecode`: the v2.0 device code request with `resource` as its scope.
pub async fn device_code(
    state: State<Arc<Shared>>,
    path: Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut form: HashMap<String, String> =
        url::form_urlencoded::parse(&body).into_owned().collect();
    if let Some(scope) = scope_of(&form) {
        form.insert("scope".into(), scope);
    }
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&form).finish();
    super::device::device_code(state, path, headers, Bytes::from(body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_v2_response_becomes_a_v1_response() {
        let mut body = json!({
            "token_type": "Bearer",
            "scope": "https://graph.microsoft.com/User.Read https://graph.microsoft.com/Sites.Read.All",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": "x",
        });
        reshape(&mut body, "https://graph.microsoft.com/");
        assert_eq!(body["expires_in"], "3599");
        assert_eq!(body["ext_expires_in"], "3599");
        assert_eq!(body["scope"], "User.Read Sites.Read.All");
        assert_eq!(body["resource"], "https://graph.microsoft.com/");
        let on: i64 = body["expires_on"].as_str().and_then(|s| s.parse().ok()).expect("number");
        let before: i64 = body["not_before"].as_str().and_then(|s| s.parse().ok()).expect("number");
        assert_eq!(on - before, 3599);
    }

    #[test]
    fn a_resource_becomes_its_default_scope() {
        assert_eq!(
            default_scope("https://graph.microsoft.com/"),
            "https://graph.microsoft.com/.default"
        );
        let query: HashMap<String, String> =
            [("resource", "00000003-0000-0000-c000-000000000000"), ("scope", "openid")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .into();
        assert_eq!(
            scope_of(&query).as_deref(),
            Some("openid 00000003-0000-0000-c000-000000000000/.default")
        );
    }
}

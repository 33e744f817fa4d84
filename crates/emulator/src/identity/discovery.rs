//! OpenID discovery, JWKS and instance discovery (docs/microsoft §1.9, §1.10).

use std::sync::Arc;

use axum::{
    Json,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::error::AadError;
use crate::{origin::Origin, state::Shared};

/// A discovery answer with the caching and CORS headers Entra ID sends.
pub(super) fn cached(body: Value) -> Response {
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=86400, private"));
    response
        .headers_mut()
        .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

/// The tenant a discovery document describes: (the segment its endpoints use, the tenant id its
/// issuer names, `tenant_region_scope`). For `common` and `organizations` the endpoints keep that
/// segment; only the issuer is the `{tenantid}` template clients fill from the token's `tid`
/// (docs/microsoft §1.9).
pub(super) fn document_tenant(
    shared: &Shared,
    tenant: &str,
    authority: &str,
) -> Result<(String, String, Value), AadError> {
    match tenant.to_ascii_lowercase().as_str() {
        multi @ ("common" | "organizations") => {
            Ok((multi.to_owned(), "{tenantid}".to_owned(), Value::Null))
        }
        _ => match shared.world().tenant(tenant) {
            Some(t) => Ok((t.id.to_string(), t.id.to_string(), json!("NA"))),
            None => Err(tenant_not_found(tenant, authority)),
        },
    }
}

/// `/{tenant}/v2.0/.well-known/openid-configuration`.
pub async fn openid_configuration(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Response {
    let origin = Origin::of(&headers, shared.tls);
    let authority = origin.login();
    let (segment, tid, region) = match document_tenant(&shared, &tenant, &authority) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let graph_host = origin.graph_host();
    let base = format!("{authority}/{segment}");
    cached(json!({
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{authority}/{tid}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{}/oidc/userinfo", origin.graph()),
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{base}/kerberos"),
        "tenant_region_scope": region,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": graph_host,
        "rbac_url": "https://pas.windows.net",
    }))
}

/// `/{tenant}/discovery/v2.0/keys`.
pub async fn keys(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Response {
    let authority = Origin::of(&headers, shared.tls).login();
    let issuer_tenant = match shared.world().tenant(&tenant) {
        Some(t) => t.id.to_string(),
        None => "{tenantid}".to_owned(),
    };
    let issuer = format!("{authority}/{issuer_tenant}/v2.0");
    cached(json!({ "keys": [shared.key.jwk(&issuer)] }))
}

/// `/common/discovery/instance`: the alias sets MSAL asks for first.
pub async fn instance(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let origin = Origin::of(&headers, shared.tls);
    let host = origin.host().to_owned();
    let authority = origin.login();
    let mut metadata = vec![
        json!({"preferred_network": "login.microsoftonline.com", "preferred_cache": "login.windows.net", "aliases": ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"]}),
        json!({"preferred_network": "login.partner.microsoftonline.cn", "preferred_cache": "login.partner.microsoftonline.cn", "aliases": ["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"]}),
        json!({"preferred_network": "login.microsoftonline.de", "preferred_cache": "login.microsoftonline.de", "aliases": ["login.microsoftonline.de"]}),
        json!({"preferred_network": "login.microsoftonline.us", "preferred_cache": "login.microsoftonline.us", "aliases": ["login.microsoftonline.us", "login.usgovcloudapi.net"]}),
        json!({"preferred_network": "login-us.microsoftonline.com", "preferred_cache": "login-us.microsoftonline.com", "aliases": ["login-us.microsoftonline.com"]}),
    ];
    if !metadata
        .iter()
        .any(|m| m["aliases"].as_array().is_some_and(|a| a.iter().any(|h| h == host.as_str())))
    {
        metadata.insert(
            0,
            json!({"preferred_network": host, "preferred_cache": host, "aliases": [host]}),
        );
    }
    let tenant_template = query
        .get("authorization_endpoint")
        .and_then(|endpoint| url::Url::parse(endpoint).ok())
        .and_then(|url| url.path_segments()?.next().map(str::to_owned))
        .unwrap_or_else(|| "{tenant}".into());
    cached(json!({
        "tenant_discovery_endpoint": format!("{authority}/{tenant_template}/v2.0/.well-known/openid-configuration"),
        "api-version": "1.1",
        "metadata": metadata,
    }))
}

/// AADSTS90002: the tenant does not exist (often: the wrong cloud).
pub fn tenant_not_found(tenant: &str, authority: &str) -> AadError {
    AadError::new(
        "invalid_request",
        90002,
        format!(
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are \
             signing into the correct cloud."
        ),
    )
    .at(authority)
}

//! Issuing tokens: access tokens (v1.0, as Microsoft Graph and SharePoint receive them), id tokens
//! (v2.0) and refresh tokens (docs/microsoft §1.4–§1.6).

use serde_json::{Value, json};
use uuid::Uuid;

use super::{error::AadError, scopes::Resource};
use crate::{
    model::{Tenant, User},
    state::{RefreshGrant, Shared, now, random_token},
};

/// Who a token is for.
pub enum Subject<'a> {
    /// A signed-in user, with the delegated permissions in `scp`.
    User {
        /// The user.
        user: &'a User,
        /// Delegated permissions.
        scopes: Vec<String>,
    },
    /// An application acting as itself, with the app roles granted to its service principal.
    App {
        /// The client's service principal object id in the tenant.
        service_principal: Uuid,
        /// Granted app role values.
        roles: Vec<String>,
    },
}

/// How the client authenticated (`appidacr`): 0 public, 1 secret, 2 certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// No credential (public client).
    Public = 0,
    /// A client secret.
    Secret = 1,
    /// A certificate assertion.
    Certificate = 2,
}

/// The client application a token is issued to.
pub struct Client<'a> {
    /// Its client id (`appid`).
    pub app_id: Uuid,
    /// Its display name (`app_displayname`).
    pub display_name: &'a str,
    /// How it authenticated (`appidacr`).
    pub auth: ClientAuth,
}

/// The role template id Entra ID puts in the `wids` of every member user, next to the templates
/// of the directory roles they hold (observed in real tokens).
const MEMBER_USER_TEMPLATE: &str = "b79fbf4d-3ef9-4689-8143-76b194e85509";

/// A signed v1.0 access token and its lifetime in seconds. Claims follow Microsoft's access token
/// claims reference (<https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference>):
/// a claim is present only when a value exists for it.
pub fn access_token(
    shared: &Shared,
    tenant: &Tenant,
    resource: &Resource,
    subject: &Subject<'_>,
    client: &Client<'_>,
) -> Result<(String, i64), AadError> {
    let issued = now().unix_timestamp();
    let lifetime = match subject {
        Subject::App { .. } => 3599,
        // Delegated tokens live 60 to 90 minutes, randomised, as Entra ID issues them.
        Subject::User { .. } => 3600 + i64::from(Uuid::new_v4().as_bytes()[0]) * 1800 / 256,
    };
    let sts = format!("https://sts.windows.net/{}/", tenant.id);
    let mut claims = json!({
        "aud": resource.audience,
        "iss": sts,
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime,
        // Opaque claims Entra ID uses internally (token reuse, revalidation).
        "aio": random_token(48),
        "app_displayname": client.display_name,
        "appid": client.app_id,
        "appidacr": (client.auth as u8).to_string(),
        "rh": format!("0.A{}.", random_token(40)),
        "tid": tenant.id,
        "uti": random_token(16),
        "ver": "1.0",
    });
    match subject {
        Subject::User { user, scopes } => {
            // Password sign-in meets the authentication context class 1 (ISO/IEC 29115).
            claims["acr"] = json!("1");
            claims["amr"] = json!(["pwd"]);
            if !user.surname.is_empty() {
                claims["family_name"] = json!(user.surname);
            }
            if !user.given_name.is_empty() {
                claims["given_name"] = json!(user.given_name);
            }
            // Microsoft Graph asks for `idtyp` in user tokens too (`include_user_token`).
            if resource.app_id == crate::resources::GRAPH_APP_ID {
                claims["idtyp"] = json!("user");
            }
            // The emulator listens on 127.0.0.1 only, so every sign-in comes from there.
            claims["ipaddr"] = json!("127.0.0.1");
            claims["name"] = json!(user.display_name);
            claims["oid"] = json!(user.id);
            claims["scp"] = json!(scopes.join(" "));
            claims["sub"] = json!(pairwise_subject(user.id, client.app_id));
            claims["unique_name"] = json!(user.upn);
            claims["upn"] = json!(user.upn);
            claims["wids"] = json!(
                user.roles
                    .iter()
                    .map(|r| r.template_id())
                    .chain(std::iter::once(MEMBER_USER_TEMPLATE))
                    .collect::<Vec<_>>()
            );
        }
        Subject::App { service_principal, roles } => {
            claims["idp"] = json!(sts);
            claims["idtyp"] = json!("app");
            claims["oid"] = json!(service_principal);
            claims["sub"] = json!(service_principal);
            if !roles.is_empty() {
                claims["roles"] = json!(roles);
            }
        }
    }
    let token = sign(shared, &claims)?;
    Ok((token, lifetime))
}

/// Signs claims; a failure is AADSTS50000 (status 500), never an empty token.
fn sign(shared: &Shared, claims: &Value) -> Result<String, AadError> {
    shared.key.sign(claims).map_err(|error| {
        tracing::error!("token signing failed: {error}");
        AadError::token_issuance()
    })
}

/// The claims v1.0 and v2.0 id tokens share.
fn id_claims(
    issuer: String,
    version: &str,
    tenant: &Tenant,
    user: &User,
    client_id: Uuid,
    nonce: Option<&str>,
) -> Value {
    let issued = now().unix_timestamp();
    let mut claims = json!({
        "aud": client_id,
        "iss": issuer,
        "iat": issued,
        "nbf": issued,
        "exp": issued + 3600,
        "name": user.display_name,
        "oid": user.id,
        "sub": pairwise_subject(user.id, client_id),
        "tid": tenant.id,
        "ver": version,
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    claims
}

/// A v2.0 id token for `user`, for the client.
pub fn id_token(
    shared: &Shared,
    authority: &str,
    tenant: &Tenant,
    user: &User,
    client_id: Uuid,
    nonce: Option<&str>,
) -> Result<String, AadError> {
    let issuer = format!("{authority}/{}/v2.0", tenant.id);
    let mut claims = id_claims(issuer, "2.0", tenant, user, client_id, nonce);
    claims["preferred_username"] = json!(user.upn);
    sign(shared, &claims)
}

/// A v1.0 id token for `user`, as the v1.0 token endpoint returns it (issuer `sts.windows.net`).
pub fn id_token_v1(
    shared: &Shared,
    tenant: &Tenant,
    user: &User,
    client_id: Uuid,
    nonce: Option<&str>,
) -> Result<String, AadError> {
    let issuer = format!("https://sts.windows.net/{}/", tenant.id);
    let mut claims = id_claims(issuer, "1.0", tenant, user, client_id, nonce);
    claims["amr"] = json!(["pwd"]);
    claims["ipaddr"] = json!("127.0.0.1");
    claims["unique_name"] = json!(user.upn);
    claims["upn"] = json!(user.upn);
    if !user.surname.is_empty() {
        claims["family_name"] = json!(user.surname);
    }
    if !user.given_name.is_empty() {
        claims["given_name"] = json!(user.given_name);
    }
    sign(shared, &claims)
}

/// A new refresh token for (user, client) in the tenant.
pub fn refresh_token(
    shared: &Shared,
    tenant_id: Uuid,
    client_id: Uuid,
    user_id: Uuid,
    public_client: bool,
) -> String {
    let token = format!("1.A{}", random_token(96));
    shared.sessions().refresh_tokens.insert(
        crate::state::refresh_token_key(&token),
        RefreshGrant { tenant_id, client_id, user_id, public_client, issued: now() },
    );
    token
}

/// The token response body.
pub fn token_response(
    access_token: String,
    expires_in: i64,
    scope: String,
    refresh_token: Option<String>,
    id_token: Option<String>,
) -> Value {
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scope,
        "expires_in": expires_in,
        "ext_expires_in": expires_in,
        "access_token": access_token,
    });
    if let Some(refresh_token) = refresh_token {
        body["refresh_token"] = json!(refresh_token);
    }
    if let Some(id_token) = id_token {
        body["id_token"] = json!(id_token);
    }
    body
}

/// The pairwise `sub`: stable per (user, client), different across clients.
fn pairwise_subject(user: Uuid, client: Uuid) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{user}:{client}"));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..32])
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::{keys::SigningKey, state::World};

    #[test]
    fn a_signing_failure_is_a_server_error_with_an_aadsts_code() {
        let world = World {
            tenants: vec![crate::seed::demo_tenant()],
            external_apps: Vec::new(),
            replication_delay: Duration::ZERO,
        };
        let key = SigningKey::generate().expect("a key").unusable_for_signing();
        let shared = Shared::new(world, key, Duration::ZERO, false);
        let tenant = &shared.world().tenants[0];
        let resource = Resource {
            app_id: crate::resources::GRAPH_APP_ID,
            audience: crate::resources::GRAPH_RESOURCE.into(),
        };
        let client = Client { app_id: Uuid::new_v4(), display_name: "x", auth: ClientAuth::Secret };
        let subject = Subject::App { service_principal: Uuid::new_v4(), roles: Vec::new() };
        let error = access_token(&shared, tenant, &resource, &subject, &client)
            .expect_err("no token without a signature");
        assert_eq!(error.status, axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!((error.error, error.code), ("server_error", 50000));
        let user = &tenant.users[0];
        assert!(id_token(&shared, "http://x", tenant, user, client.app_id, None).is_err());
        assert!(id_token_v1(&shared, tenant, user, client.app_id, None).is_err());
    }
}

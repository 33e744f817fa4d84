//! Issuing tokens: access tokens (v1.0, as Microsoft Graph and SharePoint receive them), id tokens
//! (v2.0) and refresh tokens (reference §1.4–§1.6).

use serde_json::{Value, json};
use uuid::Uuid;

use super::scopes::Resource;
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

/// A signed access token and its lifetime in seconds.
pub fn access_token(
    shared: &Shared,
    tenant: &Tenant,
    resource: &Resource,
    subject: &Subject<'_>,
    client_id: Uuid,
    auth: ClientAuth,
) -> (String, i64) {
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
        "appid": client_id,
        "appidacr": (auth as u8).to_string(),
        "idp": sts,
        "tid": tenant.id,
        "uti": crate::state::random_token(16),
        "ver": "1.0",
    });
    match subject {
        Subject::User { user, scopes } => {
            claims["oid"] = json!(user.id);
            claims["sub"] = json!(pairwise_subject(user.id, client_id));
            claims["upn"] = json!(user.upn);
            claims["unique_name"] = json!(user.upn);
            claims["name"] = json!(user.display_name);
            claims["given_name"] = json!(user.given_name);
            claims["family_name"] = json!(user.surname);
            claims["amr"] = json!(["pwd"]);
            claims["scp"] = json!(scopes.join(" "));
            claims["wids"] = json!(user.roles.iter().map(|r| r.template_id()).collect::<Vec<_>>());
        }
        Subject::App { service_principal, roles } => {
            claims["oid"] = json!(service_principal);
            claims["sub"] = json!(service_principal);
            claims["idtyp"] = json!("app");
            if !roles.is_empty() {
                claims["roles"] = json!(roles);
            }
        }
    }
    (shared.key.sign(&claims), lifetime)
}

/// A v2.0 id token for `user`, for the client.
pub fn id_token(
    shared: &Shared,
    authority: &str,
    tenant: &Tenant,
    user: &User,
    client_id: Uuid,
    nonce: Option<&str>,
) -> String {
    let issued = now().unix_timestamp();
    let mut claims = json!({
        "aud": client_id,
        "iss": format!("{authority}/{}/v2.0", tenant.id),
        "iat": issued,
        "nbf": issued,
        "exp": issued + 3600,
        "name": user.display_name,
        "oid": user.id,
        "preferred_username": user.upn,
        "sub": pairwise_subject(user.id, client_id),
        "tid": tenant.id,
        "ver": "2.0",
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    shared.key.sign(&claims)
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
        token.clone(),
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

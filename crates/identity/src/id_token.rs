//! Checks an id token (OpenID Connect Core §3.1.3.7): its RS256 signature against a key of the
//! tenant's JWKS (found through the OpenID discovery document, docs/microsoft §1.9), the issuer
//! (the metadata's template with the token's `tid`, and the key's own `issuer` when given), the
//! audience (our client id), the expiry and, for browser sign-ins, the `nonce`.
//!
//! Access tokens are never parsed: they belong to the resource (docs/microsoft §1.9).

use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::JwkSet};
use serde::Deserialize;
use serde_json::Value;

use crate::{
    client::Http,
    error::IdentityError,
    model::{Account, AccountKey, Authority},
};

/// The claims of an id token this crate reads.
#[derive(Deserialize)]
struct Claims {
    iss: String,
    tid: String,
    oid: String,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

fn invalid(why: &str) -> IdentityError {
    IdentityError::Protocol(format!("the id token is not valid: {why}"))
}

/// Verifies `id_token` and gives the account it names.
pub(crate) async fn verify(
    http: &Http,
    authority: &Authority,
    client_id: &str,
    expected_nonce: Option<&str>,
    id_token: &str,
) -> Result<Account, IdentityError> {
    let metadata = http.get_json(&authority.url("v2.0/.well-known/openid-configuration")).await?;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let issuer_template =
        text(&metadata, "issuer").ok_or_else(|| invalid("the metadata has no issuer"))?;
    let jwks_uri =
        text(&metadata, "jwks_uri").ok_or_else(|| invalid("the metadata has no jwks_uri"))?;
    let keys_json = http.get_json(&jwks_uri).await?;
    let keys: JwkSet = serde_json::from_value(keys_json.clone())
        .map_err(|_| invalid("the keys are not a JWKS"))?;

    let header = jsonwebtoken::decode_header(id_token).map_err(|_| invalid("it is not a JWT"))?;
    if header.alg != Algorithm::RS256 {
        return Err(invalid("it is not signed with RS256"));
    }
    let kid = header.kid.ok_or_else(|| invalid("it names no signing key"))?;
    let jwk = keys
        .find(&kid)
        .ok_or_else(|| invalid("it is signed by a key the tenant does not publish"))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| invalid("the tenant's key cannot be read"))?;

    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["exp", "aud", "iss"]);
    validation.leeway = 300;
    let claims = jsonwebtoken::decode::<Claims>(id_token, &key, &validation)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => invalid("it has expired"),
            jsonwebtoken::errors::ErrorKind::InvalidAudience => {
                invalid("it was issued to another application")
            }
            jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                invalid("its signature does not match")
            }
            _ => invalid("its claims cannot be read"),
        })?
        .claims;

    let expected_issuer = issuer_template.replace("{tenantid}", &claims.tid);
    if claims.iss != expected_issuer {
        return Err(invalid("it was issued by another tenant or authority"));
    }
    let key_issuer = keys_json
        .get("keys")
        .and_then(Value::as_array)
        .and_then(|all| {
            all.iter().find(|k| k.get("kid").and_then(Value::as_str) == Some(kid.as_str()))
        })
        .and_then(|k| k.get("issuer"))
        .and_then(Value::as_str)
        .map(|i| i.replace("{tenantid}", &claims.tid));
    if key_issuer.is_some_and(|i| i != claims.iss) {
        return Err(invalid("its signing key belongs to another issuer"));
    }
    if let Some(expected) = expected_nonce
        && claims.nonce.as_deref() != Some(expected)
    {
        return Err(invalid("its nonce is not the one this sign-in sent"));
    }
    Ok(Account {
        key: AccountKey {
            tenant_id: claims.tid,
            object_id: claims.oid,
            client_id: client_id.to_owned(),
        },
        username: claims.preferred_username.unwrap_or_default(),
        name: claims.name.unwrap_or_default(),
    })
}

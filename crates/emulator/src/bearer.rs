//! Who is calling a resource (Graph or SharePoint): the `Authorization: Bearer` token, checked as
//! those services check it (signature against the emulator's signing key, lifetime, audience), and
//! what it allows (`scp` for delegated calls, `roles` for app-only calls). Each service turns an
//! [`InvalidToken`] into its own error shape.

use axum::http::{HeaderMap, header};
use jsonwebtoken::{Algorithm, Validation};
use serde_json::Value;
use uuid::Uuid;

use crate::state::Shared;

/// Why a bearer token was refused; the text is what Graph says in `error.message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidToken(pub &'static str);

/// The caller of a Graph or SharePoint request.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The tenant of the token.
    pub tenant_id: Uuid,
    /// The client id.
    pub app_id: Uuid,
    /// The signed-in user, for delegated tokens.
    pub user_id: Option<Uuid>,
    /// Delegated scopes or application roles.
    pub permissions: Vec<String>,
    /// How the client authenticated (`appidacr`).
    pub appidacr: String,
}

impl Caller {
    /// Whether the token is app-only.
    pub fn is_app(&self) -> bool {
        self.user_id.is_none()
    }

    /// Whether any of `permissions` is held.
    pub fn has_any(&self, permissions: &[&str]) -> bool {
        self.permissions.iter().any(|p| permissions.iter().any(|w| w.eq_ignore_ascii_case(p)))
    }
}

/// Validates the `Authorization: Bearer` token for `audiences`.
pub fn authenticate(
    shared: &Shared,
    headers: &HeaderMap,
    audiences: &[String],
) -> Result<Caller, InvalidToken> {
    let value =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .unwrap_or_default()
        .trim();
    if token.is_empty() {
        return Err(InvalidToken("Access token is empty."));
    }
    // The lifetime is checked below against the emulator's clock, not the system's.
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.required_spec_claims =
        ["exp", "nbf", "aud"].iter().map(|s| (*s).to_owned()).collect();
    let claims = match jsonwebtoken::decode::<Value>(token, shared.key.decoding_key(), &validation)
    {
        Ok(data) => data.claims,
        Err(_) => {
            return Err(InvalidToken(if token.contains('.') {
                "Access token validation failure. Invalid signature."
            } else {
                "IDX14100: JWT is not well formed, there are no dots (.)."
            }));
        }
    };
    if !within_lifetime(&claims) {
        return Err(InvalidToken("Access token has expired or is not yet valid."));
    }
    let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    let aud = text("aud");
    if !audiences.iter().any(|a| a.eq_ignore_ascii_case(aud.trim_end_matches('/'))) {
        return Err(InvalidToken("Access token validation failure. Invalid audience."));
    }
    let uuid = |name: &str| Uuid::parse_str(&text(name)).ok();
    let app_only = text("idtyp") == "app";
    let permissions: Vec<String> = if app_only {
        claims
            .get("roles")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    } else {
        text("scp").split_whitespace().map(str::to_owned).collect()
    };
    Ok(Caller {
        tenant_id: uuid("tid").ok_or(InvalidToken("Access token has no tenant."))?,
        app_id: uuid("appid").unwrap_or_default(),
        user_id: if app_only { None } else { uuid("oid") },
        permissions,
        appidacr: text("appidacr"),
    })
}

/// Whether `nbf <= now < exp` on the emulator's clock (RFC 7519 §4.1.4-§4.1.5, no leeway).
fn within_lifetime(claims: &Value) -> bool {
    let number = |name: &str| claims.get(name).and_then(Value::as_f64).map(|n| n.floor() as i64);
    let current = crate::state::now().unix_timestamp();
    match (number("nbf"), number("exp")) {
        (Some(nbf), Some(exp)) => nbf <= current && current < exp,
        _ => false,
    }
}

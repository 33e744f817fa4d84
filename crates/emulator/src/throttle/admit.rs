//! The throttling model at the HTTP edge: the middleware charges each Graph or SharePoint request
//! to its caller before it runs and answers 429 past the budget; `$batch` charges its requests one
//! by one through [`charge_in_batch`]. The RU charged (those of a batch's requests included) go to
//! the request log.

use std::cell::Cell;

use axum::{
    Json,
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use sha2::Digest;
use uuid::Uuid;

use super::{Key, RateLimit, Throttled, cost};
use crate::{
    origin::HostKind,
    state::{Fault, FaultKind, Shared, now},
};

tokio::task_local! {
    /// RU charged by `$batch` requests inside the request being served.
    static CHARGED_INSIDE: Cell<u32>;
}

/// Charges the request to its caller and runs it, or answers 429. Returns the response and the RU
/// charged. With the model off, only runs it.
pub async fn admit(
    shared: &Shared,
    kind: Option<HostKind>,
    request: Request,
    next: Next,
) -> (Response, u32) {
    if !shared.throttle.enabled() {
        return (next.run(request).await, 0);
    }
    let cost = cost::of(kind, request.method(), request.uri().path(), request.uri().query());
    let key = if cost > 0 { caller(shared, request.headers()) } else { None };
    let charged = if key.is_some() { cost } else { 0 };
    let rate = match key.map(|key| shared.throttle.charge(&key, cost)) {
        Some(Err(throttled)) => return (refusal(&throttled, kind, request.headers()), charged),
        Some(Ok(rate)) => rate,
        None => None,
    };
    let (mut response, inside) = CHARGED_INSIDE
        .scope(Cell::new(0), async {
            let response = next.run(request).await;
            (response, CHARGED_INSIDE.with(Cell::get))
        })
        .await;
    add_rate_limit(response.headers_mut(), rate.as_ref());
    (response, charged + inside)
}

/// Charges one request of a `$batch` (`path` starts with `/v1.0/`).
pub fn charge_in_batch(
    shared: &Shared,
    key: Key,
    method: &Method,
    path: &str,
    query: Option<&str>,
) -> Result<Option<RateLimit>, Throttled> {
    let cost = cost::graph(method, path, query);
    if cost > 0 && shared.throttle.enabled() {
        let _ = CHARGED_INSIDE.try_with(|charged| charged.set(charged.get() + cost));
    }
    shared.throttle.charge(&key, cost)
}

impl Throttled {
    /// The status, headers and body of a throttled request inside a `$batch`.
    pub fn batch_reply(&self) -> (u16, Value, Option<Value>) {
        let id = Uuid::new_v4().to_string();
        let mut headers = json!({"Retry-After": self.retry_after.to_string(), "Content-Type": "application/json"});
        for (name, value) in self.rate_limit.iter().flat_map(RateLimit::headers) {
            headers[name] = json!(value);
        }
        (429, headers, Some(graph_body(&id, &id)))
    }
}

/// The `RateLimit-*` headers of a batch request that was charged.
pub fn rate_limit_json(headers: &mut Value, rate: Option<&RateLimit>) {
    for (name, value) in rate.iter().flat_map(|r| r.headers()) {
        headers[name] = json!(value);
    }
}

fn add_rate_limit(headers: &mut HeaderMap, rate: Option<&RateLimit>) {
    for (name, value) in rate.iter().flat_map(|r| r.headers()) {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

/// The body SharePoint-backed Graph calls answer when an application's resource-unit quota is
/// spent, as observed (docs/microsoft §3.8): `activityLimitReached`, inner code
/// `throttledRequest`, innermost `quota`.
fn graph_body(request_id: &str, client_request_id: &str) -> Value {
    let error = crate::graph::error::GraphError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "activityLimitReached",
        "The request has been throttled",
    );
    let mut body = error.envelope(request_id, client_request_id);
    body["error"]["innerError"]["innerError"] = json!({"code": "quota"});
    body
}

/// The 429 for a request refused by the model: Graph's body for Graph, SharePoint's for REST.
fn refusal(throttled: &Throttled, kind: Option<HostKind>, headers: &HeaderMap) -> Response {
    let retry_after = u32::try_from(throttled.retry_after).unwrap_or(u32::MAX);
    let mut response = if kind == Some(HostKind::SharePoint) {
        let fault = Fault::new(FaultKind::Throttle, retry_after);
        let mut response = crate::control::fault_response(&fault, kind);
        for name in ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] {
            response.headers_mut().remove(name);
        }
        response
    } else {
        let request_id = Uuid::new_v4().to_string();
        let client_request_id = headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .map_or_else(|| request_id.clone(), str::to_owned);
        let mut response =
            (StatusCode::TOO_MANY_REQUESTS, Json(graph_body(&request_id, &client_request_id)))
                .into_response();
        for (name, value) in [("request-id", request_id), ("client-request-id", client_request_id)]
        {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    };
    if let Ok(value) = HeaderValue::from_str(&throttled.retry_after.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    add_rate_limit(response.headers_mut(), throttled.rate_limit.as_ref());
    response
}

/// The caller of a request with a valid bearer token (signature and lifetime checked; the audience
/// is left to the service). `None` without one: such requests are not charged. A token's caller is
/// remembered by the token's SHA-256 until it expires, so a token is verified once.
fn caller(shared: &Shared, headers: &HeaderMap) -> Option<Key> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?.trim();
    let digest: [u8; 32] = sha2::Sha256::digest(token.as_bytes()).into();
    let now = now().unix_timestamp();
    if let Some(key) = shared.throttle.known_caller(&digest, now) {
        return Some(key);
    }
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_aud = false;
    validation.leeway = 0;
    let claims =
        jsonwebtoken::decode::<Value>(token, shared.key.decoding_key(), &validation).ok()?.claims;
    let uuid = |name: &str| claims.get(name)?.as_str().and_then(|s| Uuid::parse_str(s).ok());
    let app_only = claims.get("idtyp").and_then(Value::as_str) == Some("app");
    let key = Key {
        tenant: uuid("tid")?,
        app: uuid("appid").or_else(|| uuid("azp"))?,
        user: if app_only { None } else { uuid("oid") },
    };
    let expires = claims.get("exp").and_then(Value::as_i64).unwrap_or(now);
    shared.throttle.remember_caller(digest, key, expires);
    Some(key)
}

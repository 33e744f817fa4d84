//! The control API under `/_emulator/` (only on the emulator's own address, never on a Microsoft
//! host): inject faults and latency, delay replication, revoke a user's refresh tokens, require
//! MFA, move the clock forward, and read the request log and the objects clients created.
//! Documented at `GET /_emulator`.

use std::{sync::Arc, time::Duration};

use axum::{
    Json, Router,
    body::Body,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use serde_json::{Value, json};

use crate::{
    identity::error::AadError,
    origin::HostKind,
    state::{Fault, FaultKind, Shared, now},
};

/// The control routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator", get(describe))
        .route("/_emulator/faults", post(add_fault).get(list_faults).delete(clear_faults))
        .route("/_emulator/latency", put(set_latency))
        .route("/_emulator/replication-delay", put(set_replication_delay))
        .route("/_emulator/users/{upn}/revoke-sessions", post(revoke_sessions))
        .route("/_emulator/users/{upn}/mfa", put(require_mfa))
        .route("/_emulator/requests", get(requests).delete(clear_requests))
        .route("/_emulator/objects", get(objects))
        .route("/_emulator/clock", get(clock).put(set_clock))
        .route("/_emulator/throttling", put(set_throttling).get(throttling))
}

async fn describe() -> Json<Value> {
    Json(json!({
        "description": "Control API of the spconnect tenant emulator. Not part of any Microsoft API.",
        "endpoints": [
            {"method": "POST", "path": "/_emulator/faults", "body": {"kind": "throttle | unavailable | drop", "pathPrefix": "/v1.0/sites (optional)", "count": 1, "retryAfter": 1, "fraction": "0.3 (optional, instead of count)", "seed": 42}, "does": "the next `count` requests whose path starts with pathPrefix get 429 or 503 with Retry-After, or a dropped connection; with `fraction`, that share of them, picked by a sequence seeded with `seed` (repeatable), until the faults are cleared"},
            {"method": "GET | DELETE", "path": "/_emulator/faults", "does": "list or clear pending faults"},
            {"method": "PUT", "path": "/_emulator/latency", "body": {"ms": 250}, "does": "latency added to every response"},
            {"method": "PUT", "path": "/_emulator/replication-delay", "body": {"seconds": 30}, "does": "new applications, service principals and grants stay invisible this long: the token endpoint answers AADSTS700016, Graph 404 Request_ResourceNotFound"},
            {"method": "POST", "path": "/_emulator/users/{upn}/revoke-sessions", "does": "refresh tokens issued so far fail with AADSTS50173"},
            {"method": "PUT", "path": "/_emulator/users/{upn}/mfa", "body": {"required": true}, "does": "refresh-token grants fail with interaction_required (AADSTS50076)"},
            {"method": "GET | DELETE", "path": "/_emulator/requests", "does": "the request log: time, method, host, path, status and the resource units charged (`ru`); no bodies, queries or headers"},
            {"method": "PUT", "path": "/_emulator/throttling", "body": {"enabled": true, "windows": {"minute": 60, "day": 86400, "user": 300}, "tenants": [{"tenant": "contoso.onmicrosoft.com", "licenses": 3000, "perMinute": "(optional override)", "perDay": "(optional override)", "userRequests": "(optional override)"}], "resetUsage": false}, "does": "SharePoint's throttling model: resource units per app per tenant per minute and per day by licence band (1,250/1,200,000 up to 1,000 licences … 6,250/6,000,000 above 50,000), requests per user per 5 minutes (3,000); costs 1 RU single-item read, 2 RU multi-item read or write, 5 RU permissions; RateLimit-* headers from 80% of the minute budget, then 429 with Retry-After; `$batch` requests charged one by one. Off unless switched on here or with --throttle"},
            {"method": "GET", "path": "/_emulator/throttling", "does": "the throttling settings and the use per app and per user"},
            {"method": "GET", "path": "/_emulator/objects", "does": "applications, service principals, app role assignments and site grants per tenant"},
            {"method": "GET", "path": "/_emulator/clock", "does": "the emulator's time (`now`, RFC 3339) and how far it is ahead of real time (`offsetSeconds`)"},
            {"method": "PUT", "path": "/_emulator/clock", "body": {"advanceSeconds": 3600, "now": "2030-01-01T00:00:00Z (instead of advanceSeconds)"}, "does": "moves the emulator's time forward (never back): tokens, codes, sign-ins, device codes and credential validity (endDateTime; an expired certificate gives AADSTS700027) follow it; client assertions are checked against it too, so date them on the emulator's clock"},
        ],
    }))
}

/// The answer a fault gives instead of the real one.
pub fn fault_response(fault: &Fault, kind: Option<HostKind>) -> Response {
    let retry_after = fault.retry_after.to_string();
    let mut response = match fault.kind {
        FaultKind::Drop => {
            let failing = futures_util::stream::once(async {
                Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "dropped by the emulator"))
            });
            return Response::new(Body::from_stream(failing));
        }
        _ if kind == Some(HostKind::Login) => {
            let mut error = AadError::new(
                "temporarily_unavailable",
                50196,
                "The server is temporarily unable to handle the request. Retry after the time in Retry-After.",
            );
            error.status = status(fault.kind);
            error.into_response()
        }
        _ if kind == Some(HostKind::SharePoint) => (
            status(fault.kind),
            Json(json!({"odata.error": {"code": "-2147024860, Microsoft.SharePoint.SPQueryThrottledException", "message": {"lang": "en-US", "value": "The request has been throttled. Retry after the time in Retry-After."}}})),
        )
            .into_response(),
        kind => {
            let (status, code, message) = graph_fault_parts(kind);
            graph_fault(status, code, message)
        }
    };
    if let Ok(value) = HeaderValue::from_str(&retry_after) {
        response.headers_mut().insert(header::RETRY_AFTER, value.clone());
        if kind == Some(HostKind::SharePoint) || fault.kind == FaultKind::Throttle {
            response.headers_mut().insert("RateLimit-Reset", value);
            response.headers_mut().insert("RateLimit-Limit", HeaderValue::from_static("1200"));
            response.headers_mut().insert("RateLimit-Remaining", HeaderValue::from_static("0"));
        }
    }
    response
}

/// The status, Graph error code and message of a throttling or unavailability fault: 429
/// `activityLimitReached` (what SharePoint-backed Graph calls answer when throttled), or 503
/// `serviceNotAvailable`.
pub fn graph_fault_parts(kind: FaultKind) -> (StatusCode, &'static str, &'static str) {
    if kind == FaultKind::Throttle {
        (StatusCode::TOO_MANY_REQUESTS, "activityLimitReached", "The request has been throttled")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "serviceNotAvailable",
            "The service is temporarily unavailable. Retry after the time in Retry-After.",
        )
    }
}

fn status(kind: FaultKind) -> StatusCode {
    if kind == FaultKind::Throttle {
        StatusCode::TOO_MANY_REQUESTS
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

/// Graph's error envelope for a fault, with the ids Graph puts in every error.
fn graph_fault(status: StatusCode, code: &'static str, message: &str) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let error = crate::graph::error::GraphError::new(status, code, message);
    let mut response = (status, Json(error.envelope(&request_id, &request_id))).into_response();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("request-id", value);
    }
    response
}

async fn add_fault(State(shared): State<Arc<Shared>>, Json(fault): Json<Fault>) -> Response {
    let problem = match fault.fraction {
        Some(f) if !(f > 0.0 && f <= 1.0) => Some("fraction must be above 0 and at most 1"),
        None if fault.count == 0 => Some("count must be at least 1"),
        _ => None,
    };
    if let Some(problem) = problem {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": problem}))).into_response();
    }
    let body = json!(fault);
    shared.faults.lock().unwrap_or_else(|p| p.into_inner()).push(fault);
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn list_faults(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({"value": *shared.faults.lock().unwrap_or_else(|p| p.into_inner())}))
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.faults.lock().unwrap_or_else(|p| p.into_inner()).clear();
    StatusCode::NO_CONTENT
}

#[derive(serde::Deserialize)]
struct Milliseconds {
    ms: u64,
}

async fn set_latency(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<Milliseconds>,
) -> StatusCode {
    shared.set_latency(Duration::from_millis(body.ms));
    StatusCode::NO_CONTENT
}

#[derive(serde::Deserialize)]
struct Seconds {
    seconds: u64,
}

async fn set_replication_delay(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<Seconds>,
) -> StatusCode {
    shared.world_mut().replication_delay = Duration::from_secs(body.seconds);
    StatusCode::NO_CONTENT
}

fn user_id(shared: &Shared, upn: &str) -> Option<uuid::Uuid> {
    shared.world().tenant_of_upn(upn).and_then(|t| t.user_by_upn(upn)).map(|u| u.id)
}

async fn revoke_sessions(State(shared): State<Arc<Shared>>, Path(upn): Path<String>) -> StatusCode {
    let Some(id) = user_id(&shared, &upn) else { return StatusCode::NOT_FOUND };
    let mut sessions = shared.sessions();
    sessions.revoked_before.insert(id, now());
    sessions.sign_out_everywhere(id);
    StatusCode::NO_CONTENT
}

#[derive(serde::Deserialize)]
struct Required {
    required: bool,
}

async fn require_mfa(
    State(shared): State<Arc<Shared>>,
    Path(upn): Path<String>,
    Json(body): Json<Required>,
) -> StatusCode {
    let Some(id) = user_id(&shared, &upn) else { return StatusCode::NOT_FOUND };
    let mut sessions = shared.sessions();
    sessions.mfa_required.retain(|u| *u != id);
    if body.required {
        sessions.mfa_required.push(id);
    }
    StatusCode::NO_CONTENT
}

async fn requests(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({"value": *shared.log.lock().unwrap_or_else(|p| p.into_inner())}))
}

async fn clear_requests(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.log.lock().unwrap_or_else(|p| p.into_inner()).clear();
    StatusCode::NO_CONTENT
}

async fn set_throttling(
    State(shared): State<Arc<Shared>>,
    Json(settings): Json<crate::throttle::Settings>,
) -> Response {
    let changed =
        shared.throttle.configure(&settings, |name| shared.world().tenant(name).map(|t| t.id));
    match changed {
        Ok(()) => (StatusCode::OK, Json(shared.throttle.snapshot())).into_response(),
        Err(name) => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": format!("no tenant '{name}' in the emulator")})),
        )
            .into_response(),
    }
}

async fn throttling(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(shared.throttle.snapshot())
}

async fn objects(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let world = shared.world();
    let tenants: Vec<Value> = world
        .tenants
        .iter()
        .map(|tenant| {
            json!({
                "tenantId": tenant.id,
                "domain": tenant.domain,
                "applications": tenant.applications.iter().map(|a| json!({"id": a.id, "appId": a.app_id, "displayName": a.display_name, "uniqueName": a.unique_name, "deleted": a.deleted.is_some(), "keyCredentials": a.key_credentials.len()})).collect::<Vec<_>>(),
                "servicePrincipals": tenant.service_principals.iter().filter(|sp| sp.app_owner_tenant == tenant.id).map(|sp| json!({"id": sp.id, "appId": sp.app_id, "displayName": sp.display_name, "deleted": sp.deleted.is_some()})).collect::<Vec<_>>(),
                "appRoleAssignments": tenant.app_role_assignments.iter().map(|a| json!({"id": a.id, "principalId": a.principal_id, "resourceId": a.resource_id, "appRoleId": a.app_role_id})).collect::<Vec<_>>(),
                "siteGrants": tenant.webs.iter().flat_map(|w| w.permissions.iter().map(move |p| json!({"siteId": w.site_id, "path": w.path, "appId": p.app_id, "roles": p.roles}))).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(json!({"value": tenants}))
}

fn clock_json(shared: &Shared) -> Value {
    let now = shared.clock.now();
    json!({
        "now": crate::state::time_text(now),
        "offsetSeconds": shared.clock.offset().whole_seconds(),
    })
}

async fn clock(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(clock_json(&shared))
}

/// `{"advanceSeconds": n}` or `{"now": "RFC 3339"}`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockChange {
    advance_seconds: Option<i64>,
    now: Option<String>,
}

async fn set_clock(State(shared): State<Arc<Shared>>, Json(body): Json<ClockChange>) -> Response {
    let refuse = |message: String| {
        (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response()
    };
    let moved = match (body.advance_seconds, body.now) {
        (Some(seconds), None) => shared.clock.advance(time::Duration::seconds(seconds)),
        (None, Some(text)) => {
            match time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
            {
                Ok(to) => shared.clock.advance_to(to),
                Err(error) => return refuse(format!("now is not an RFC 3339 time: {error}")),
            }
        }
        _ => return refuse("give either advanceSeconds or now".into()),
    };
    match moved {
        Ok(_) => Json(clock_json(&shared)).into_response(),
        Err(error) => refuse(error.to_string()),
    }
}

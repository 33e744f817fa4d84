//! The router: each service's routes, and the layer that refuses a path the Host header's service
//! does not serve, applies injected faults and latency, and logs the request.

use std::sync::Arc;

use axum::{
    Router,
    extract::{Request, State},
    http::StatusCode,
    middleware::{self, Next},
    response::{IntoResponse, Response},
};

use crate::{
    origin::{HostKind, Origin, is_loopback},
    state::Shared,
};

/// Which service a path belongs to on the emulator's own origin (`None`: the control API, only
/// on the emulator's own address).
fn path_kind(path: &str) -> Option<HostKind> {
    if path == "/_emulator" || path.starts_with("/_emulator/") {
        return None;
    }
    Some(if path.starts_with("/v1.0/") || path == "/v1.0" || path.starts_with("/beta/") {
        HostKind::Graph
    } else if path.starts_with("/_api/")
        || path.starts_with("/_layouts/")
        || (path.starts_with("/sites/") && (path.contains("/_api/") || path.contains("/_layouts/")))
    {
        HostKind::SharePoint
    } else {
        HostKind::Login
    })
}

/// Refuses a request whose path does not belong to the Microsoft host it was sent to, applies
/// injected faults and latency, and logs the request (method, host, path and status only).
async fn route_by_host(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let origin = Origin::of(request.headers(), shared.tls);
    let path = request.uri().path().to_owned();
    let method = request.method().to_string();
    let kind = path_kind(&path);
    let mut charged = 0;
    let response = if kind.is_none() {
        if is_loopback(origin.host()) {
            next.run(request).await
        } else {
            (StatusCode::NOT_FOUND, "This host does not serve that path.").into_response()
        }
    } else if origin.kind() != HostKind::Any && Some(origin.kind()) != kind {
        (StatusCode::NOT_FOUND, "This host does not serve that path.").into_response()
    } else {
        let latency = shared.latency();
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        match shared.take_fault(&path) {
            Some(fault) => crate::control::fault_response(&fault, kind),
            None => {
                let (response, ru) = crate::throttle::admit(&shared, kind, request, next).await;
                charged = ru;
                response
            }
        }
    };
    if kind.is_some() {
        shared.record(crate::state::LoggedRequest {
            time: crate::state::now()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            method,
            host: origin.host().to_owned(),
            path,
            status: response.status().as_u16(),
            ru: charged,
        });
    }
    response
}

/// The whole emulator as one router; the control API only when `control_api` is set.
pub fn router(shared: Arc<Shared>, control_api: bool) -> Router {
    let services = Router::new()
        .merge(crate::identity::routes())
        .route("/v1.0/{*path}", axum::routing::any(crate::graph::handle))
        .route("/_api/{*path}", axum::routing::any(crate::sharepoint::handle))
        .route("/sites/{*path}", axum::routing::any(crate::sharepoint::handle))
        .route("/_layouts/{*path}", axum::routing::any(crate::sharepoint::handle));
    let routes = if control_api { services.merge(crate::control::routes()) } else { services };
    routes
        .layer(middleware::from_fn_with_state(shared.clone(), route_by_host))
        .layer(middleware::from_fn_with_state(shared.clone(), crate::store::save_after))
        .layer(middleware::from_fn_with_state(shared.clone(), crate::clock::scope))
        .with_state(shared)
}

//! Microsoft Graph v1.0: the directory operations spconnect uses (`/me`, `/organization`,
//! applications, service principals, app role assignments, deleted items) and SharePoint through
//! Graph (sites, lists, columns, content types, items, drives, site permissions), with Graph's
//! authorization rules, OData options, paging and error envelope (reference §2, §3).

mod applications;
pub mod auth;
mod batch;
mod directory;
pub mod error;
pub mod odata;
mod sites;

use std::sync::Arc;

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde_json::Value;
use uuid::Uuid;

use self::{auth::Caller, error::GraphError, odata::Query};
use crate::{
    http::Origin,
    resources::{GRAPH_APP_ID, GRAPH_RESOURCE},
    state::Shared,
};

/// A successful Graph answer.
pub struct Reply {
    status: StatusCode,
    body: Option<Value>,
    /// The `Location` of a redirect (file downloads).
    location: Option<String>,
}

impl Reply {
    /// 200 with a body.
    pub fn ok(body: Value) -> Self {
        Self { status: StatusCode::OK, body: Some(body), location: None }
    }

    /// 201 with the created object.
    pub fn created(body: Value) -> Self {
        Self { status: StatusCode::CREATED, body: Some(body), location: None }
    }

    /// 204.
    pub fn no_content() -> Self {
        Self { status: StatusCode::NO_CONTENT, body: None, location: None }
    }

    /// 302 to `location` (a file's pre-authenticated download URL).
    pub fn found(location: String) -> Self {
        Self { status: StatusCode::FOUND, body: None, location: Some(location) }
    }
}

/// One Graph request, parsed.
pub struct Request<'a> {
    /// Shared state.
    pub shared: &'a Shared,
    /// Who calls.
    pub caller: Caller,
    /// The method.
    pub method: Method,
    /// Path segments after `/v1.0`, percent-decoded.
    pub segments: Vec<String>,
    /// Query options.
    pub query: Query,
    /// Request headers.
    pub headers: &'a HeaderMap,
    /// The JSON body, if any.
    pub body: Option<Value>,
    /// `https://graph.microsoft.com/v1.0` or the emulator's equivalent.
    pub base: String,
    /// The request URL without query.
    pub url: String,
}

impl Request<'_> {
    /// `@odata.context` for `fragment` (e.g. `applications/$entity`).
    pub fn context(&self, fragment: &str) -> String {
        format!("{}/$metadata#{fragment}", self.base)
    }

    /// The request body as an object, or 400.
    pub fn body_object(&self) -> Result<&serde_json::Map<String, Value>, GraphError> {
        self.body.as_ref().and_then(Value::as_object).ok_or_else(|| {
            GraphError::new(StatusCode::BAD_REQUEST, "BadRequest", "Write requests (excluding DELETE) must contain the Content-Type header declaration.")
        })
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Every `/v1.0/…` request.
pub async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = Uuid::new_v4().to_string();
    let client_request_id = headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| Uuid::new_v4().to_string(), str::to_owned);
    let mut response = match dispatch(&shared, method, &uri, &headers, &body) {
        Ok(reply) => match (reply.body, reply.location) {
            (Some(body), _) => (reply.status, Json(body)).into_response(),
            (None, Some(location)) => {
                (reply.status, [(axum::http::header::LOCATION, location)]).into_response()
            }
            (None, None) => reply.status.into_response(),
        },
        Err(error) => error.into_response_with_ids(&request_id, &client_request_id),
    };
    let h = response.headers_mut();
    for (name, value) in [("request-id", &request_id), ("client-request-id", &client_request_id)] {
        if let Ok(value) = HeaderValue::from_str(value) {
            h.insert(name, value);
        }
    }
    if response.status() == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            axum::http::header::WWW_AUTHENTICATE,
            HeaderValue::from_static(
                "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
            ),
        );
    }
    let h = response.headers_mut();
    h.insert("x-ms-ags-diagnostic", HeaderValue::from_static(r#"{"ServerInfo":{"DataCenter":"Emulator","Slice":"E","Ring":"1","ScaleUnit":"000","RoleInstance":"EMU"}}"#));
    response
}

fn dispatch(
    shared: &Shared,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Reply, GraphError> {
    let origin = Origin::of(headers, shared.tls);
    let base = format!("{}/v1.0", origin.url());
    let path = uri.path().strip_prefix("/v1.0").unwrap_or(uri.path());
    let segments: Vec<String> =
        path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
    let caller =
        auth::authenticate(shared, headers, &[GRAPH_RESOURCE.to_owned(), GRAPH_APP_ID.to_owned()])?;
    let body = if body.is_empty() {
        None
    } else {
        Some(serde_json::from_slice(body).map_err(|e| {
            GraphError::new(StatusCode::BAD_REQUEST, "BadRequest", format!("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format. ({e})"))
        })?)
    };
    let request = Request {
        shared,
        caller,
        method,
        segments,
        query: Query::parse(uri.query())?,
        headers,
        body,
        url: format!("{}{}", origin.url(), uri.path()),
        base,
    };
    route(&request)
}

/// Routes a parsed request to its operation.
fn route(request: &Request<'_>) -> Result<Reply, GraphError> {
    let first = request.segments.first().map(String::as_str).unwrap_or_default();
    let resource = first.split('(').next().unwrap_or_default();
    match resource {
        "me" | "organization" | "users" => directory::route(request),
        "applications" | "servicePrincipals" | "directory" => applications::route(request),
        "sites" | "drives" => sites::route(request),
        "$batch" if request.method == Method::POST && request.segments.len() == 1 => {
            batch::batch(request)
        }
        _ => Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("Resource not found for the segment '{first}'."),
        )),
    }
}

/// Percent-decodes a path segment.
fn percent_decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| segment.to_owned())
}

impl GraphError {
    fn into_response_with_ids(self, request_id: &str, client_request_id: &str) -> Response {
        let date = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let body = serde_json::json!({"error": {
            "code": self.code,
            "message": self.message,
            "innerError": {"date": &date[..19.min(date.len())], "request-id": request_id, "client-request-id": client_request_id},
        }});
        (self.status, Json(body)).into_response()
    }
}

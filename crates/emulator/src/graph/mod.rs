//! Microsoft Graph v1.0: the directory operations spconnect uses (`/me`, `/organization`,
//! applications, service principals, app role assignments, deleted items) and SharePoint through
//! Graph (sites, lists, columns, content types, items, drives, site permissions), with Graph's
//! authorization rules, OData options, paging and error envelope (docs/microsoft §2, §3).
//!
//! A request goes: bearer token ([`crate::bearer`]) → path normalised ([`path`]) → the operation
//! found in the route table ([`routes`]), whose permissions are checked before the operation runs
//! under one guard of the directory (read or write, never both, never twice).

mod applications;
mod assignments;
mod batch;
mod deleted_items;
mod directory;
mod directory_query;
mod drives;
pub mod error;
pub mod odata;
mod path;
mod routes;
mod service_principals;
mod site_permissions;
mod sites;

use std::sync::Arc;

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use self::{error::GraphError, odata::Query, routes::Handler};
use crate::{
    bearer::{self, Caller},
    model::Tenant,
    origin::Origin,
    resources::{GRAPH_APP_ID, GRAPH_RESOURCE},
    state::{Shared, World},
};

/// A successful Graph answer.
pub struct Reply {
    status: StatusCode,
    body: Option<Body>,
    /// The `Location` of a redirect (file downloads).
    location: Option<String>,
}

impl Reply {
    /// 200 with a body.
    pub fn ok(body: Value) -> Self {
        Self { status: StatusCode::OK, body: Some(Body::Tree(body)), location: None }
    }

    /// 200 with a body written straight from the model ([`Body::Text`]).
    pub fn ok_serialized(body: &impl Serialize) -> Result<Self, GraphError> {
        let text = serde_json::to_string(body).map_err(|e| {
            GraphError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "generalException",
                format!("The answer could not be written: {e}"),
            )
        })?;
        Ok(Self::ok_text(text))
    }

    /// 200 with JSON text this crate wrote ([`Body::Text`]).
    fn ok_text(text: String) -> Self {
        Self { status: StatusCode::OK, body: Some(Body::Text(text)), location: None }
    }

    /// 201 with the created object.
    pub fn created(body: Value) -> Self {
        Self { status: StatusCode::CREATED, body: Some(Body::Tree(body)), location: None }
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

/// A reply's JSON: a tree most operations build, or text already written, which large
/// collections (lists with their columns) produce straight from the model without building a
/// tree of values first: a tree per column costs more than everything else a browse asks for.
pub enum Body {
    /// A tree of values.
    Tree(Value),
    /// JSON text written by this crate (always valid JSON), embedded as it is in a `$batch`
    /// answer.
    Text(String),
}

impl Body {
    /// The tree, parsing written text back (only for the rare answers that change after they
    /// are written, such as `odata.metadata=none`).
    fn into_tree(self) -> Value {
        match self {
            Body::Tree(tree) => tree,
            Body::Text(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    /// Appends the JSON to `out`.
    fn write_to(&self, out: &mut String) {
        match self {
            Body::Tree(tree) => out.push_str(&tree.to_string()),
            Body::Text(text) => out.push_str(text),
        }
    }
}

/// One Graph request, parsed and matched to its operation.
pub struct Request<'a> {
    /// Shared state.
    pub shared: &'a Shared,
    /// Who calls.
    pub caller: Caller,
    /// The method.
    pub method: Method,
    /// Path segments after `/v1.0`, decoded and normalised (see [`path::normalise`]).
    pub segments: Vec<String>,
    /// The values of the route's `{name}` placeholders.
    pub params: Vec<(&'static str, String)>,
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

    /// The value of the route placeholder `{name}` (empty when the route has none).
    pub fn param(&self, name: &str) -> &str {
        self.params.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v.as_str())
    }

    /// The index of the caller's tenant (the token's `tid`): the one lookup every operation uses.
    pub fn tenant_index(&self, world: &World) -> Result<usize, GraphError> {
        world.tenant_index_by_id(self.caller.tenant_id).ok_or_else(|| {
            GraphError::unauthenticated("The tenant of the access token does not exist.")
        })
    }

    /// The caller's tenant.
    pub fn tenant<'w>(&self, world: &'w World) -> Result<&'w Tenant, GraphError> {
        Ok(&world.tenants[self.tenant_index(world)?])
    }

    /// The caller's tenant, to change.
    pub fn tenant_mut<'w>(&self, world: &'w mut World) -> Result<&'w mut Tenant, GraphError> {
        let index = self.tenant_index(world)?;
        Ok(&mut world.tenants[index])
    }

    /// Whether the client asked for no OData control information
    /// (`Accept: application/json;odata.metadata=none`).
    fn wants_no_metadata(&self) -> bool {
        self.header("accept").is_some_and(no_metadata)
    }
}

/// Whether an `Accept` value asks for `odata.metadata=none`.
fn no_metadata(accept: &str) -> bool {
    accept.to_ascii_lowercase().replace(' ', "").contains("odata.metadata=none")
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
            (Some(Body::Tree(body)), _) => (reply.status, Json(body)).into_response(),
            (Some(Body::Text(text)), _) => {
                (reply.status, [(axum::http::header::CONTENT_TYPE, "application/json")], text)
                    .into_response()
            }
            (None, Some(location)) => {
                (reply.status, [(axum::http::header::LOCATION, location)]).into_response()
            }
            (None, None) => reply.status.into_response(),
        },
        Err(error) => {
            (error.status, Json(error.envelope(&request_id, &client_request_id))).into_response()
        }
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
    let caller = bearer::authenticate(
        shared,
        headers,
        &[GRAPH_RESOURCE.to_owned(), GRAPH_APP_ID.to_owned()],
    )
    .map_err(|invalid| GraphError::unauthenticated(invalid.0))?;
    let body = if body.is_empty() {
        None
    } else {
        Some(serde_json::from_slice(body).map_err(|e| {
            GraphError::new(StatusCode::BAD_REQUEST, "BadRequest", format!("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format. ({e})"))
        })?)
    };
    let path = uri.path().strip_prefix("/v1.0").unwrap_or(uri.path());
    let request = Request {
        shared,
        caller,
        method,
        segments: path::normalise(path),
        params: Vec::new(),
        query: Query::parse(uri.query())?,
        headers,
        body,
        url: format!("{}{}", origin.url(), uri.path()),
        base,
    };
    run(request)
}

/// Finds the operation for a parsed request, checks its permissions and runs it under one guard
/// of the directory; the reply loses its OData control information when the client asked so.
fn run(mut request: Request<'_>) -> Result<Reply, GraphError> {
    let (route, params) = routes::find(&request.method, &request.segments)?;
    request.params = params;
    route.allow.check(&request.caller, route.family())?;
    let without_metadata = request.wants_no_metadata();
    let mut reply = match route.handler {
        Handler::Read(operation) => operation(&request, &request.shared.world()),
        Handler::Write(operation) => operation(&request, &mut request.shared.world_mut()),
        Handler::Batch => batch::batch(&request),
    }?;
    if without_metadata && let Some(body) = reply.body.take() {
        let mut tree = body.into_tree();
        odata::strip_control_information(&mut tree);
        reply.body = Some(Body::Tree(tree));
    }
    Ok(reply)
}

//! Graph's error envelope (docs/microsoft §3.9): `{"error": {"code", "message", "innerError": {"date",
//! "request-id", "client-request-id"}}}`. Built by [`GraphError::envelope`]
//! and nowhere else.

use axum::http::StatusCode;
use serde_json::{Value, json};

/// A Graph error.
#[derive(Debug, Clone)]
pub struct GraphError {
    /// HTTP status.
    pub status: StatusCode,
    /// `error.code`.
    pub code: &'static str,
    /// `error.message`.
    pub message: String,
}

impl GraphError {
    /// An error with the given status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    /// 400 `BadRequest`/`invalidRequest`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalidRequest", message)
    }

    /// 404 `itemNotFound` (SharePoint-backed resources).
    pub fn item_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "itemNotFound", "The resource could not be found.")
    }

    /// 404 `Request_ResourceNotFound` (directory objects).
    pub fn resource_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!(
                "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
            ),
        )
    }

    /// 403 `Authorization_RequestDenied` (directory objects).
    pub fn directory_denied() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }

    /// 403 `accessDenied` (SharePoint-backed resources).
    pub fn access_denied() -> Self {
        Self::new(StatusCode::FORBIDDEN, "accessDenied", "Access denied")
    }

    /// 401 `InvalidAuthenticationToken`.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", message)
    }
}

impl GraphError {
    /// Graph's error envelope, the one place it is built: `{"error": {"code", "message",
    /// "innerError": {"date", "request-id", "client-request-id"}}}` (throttling adds the inner
    /// code `throttledRequest`, as Graph does).
    pub fn envelope(&self, request_id: &str, client_request_id: &str) -> Value {
        let date = crate::state::now()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let mut inner = json!({
            "date": &date[..19.min(date.len())],
            "request-id": request_id,
            "client-request-id": client_request_id,
        });
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            inner["code"] = json!("throttledRequest");
        }
        json!({"error": {"code": self.code, "message": self.message, "innerError": inner}})
    }
}

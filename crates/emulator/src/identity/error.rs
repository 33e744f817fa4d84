//! Token-endpoint errors in Microsoft's JSON shape (docs/microsoft §1.8).

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// An AADSTS error as the token and device-code endpoints return it.
#[derive(Debug, Clone)]
pub struct AadError {
    /// HTTP status (400, or 401 for `invalid_client`).
    pub status: StatusCode,
    /// The OAuth `error` value.
    pub error: &'static str,
    /// The AADSTS number.
    pub code: u32,
    /// The message after `AADSTSnnnn: `.
    pub message: String,
    /// `suberror`, for interaction-required failures.
    pub suberror: Option<&'static str>,
    /// The authority origin, for `error_uri`.
    pub authority: String,
}

impl AadError {
    /// An error with status 400.
    pub fn new(error: &'static str, code: u32, message: impl Into<String>) -> Self {
        let status = if error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        Self {
            status,
            error,
            code,
            message: message.into(),
            suberror: None,
            authority: "https://login.microsoftonline.com".into(),
        }
    }

    /// AADSTS50000, status 500: the service failed to issue a token (a fault on our side, such as
    /// a signing failure), never a token that is empty or malformed.
    pub fn token_issuance() -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            ..Self::new(
                "server_error",
                50000,
                "There was an error issuing a token or an issue with our sign-in service.",
            )
        }
    }

    /// Adds a `suberror`.
    pub fn with_suberror(mut self, suberror: &'static str) -> Self {
        self.suberror = Some(suberror);
        self
    }

    /// Sets the authority used in `error_uri`.
    pub fn at(mut self, authority: &str) -> Self {
        authority.clone_into(&mut self.authority);
        self
    }

    /// The `error_description`: `AADSTSnnnn: message` plus trace, correlation and time lines.
    pub fn description(&self, trace_id: Uuid, correlation_id: Uuid, timestamp: &str) -> String {
        format!(
            "AADSTS{}: {} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}",
            self.code, self.message
        )
        .replacen(" Trace ID:", "\r\nTrace ID:", 1)
        .replacen(" Correlation ID:", "\r\nCorrelation ID:", 1)
        .replacen(" Timestamp:", "\r\nTimestamp:", 1)
    }
}

/// `2016-01-09 02:02:12Z`, the timestamp format of AADSTS errors.
pub fn aad_timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    let text = now.format(&Rfc3339).unwrap_or_default();
    format!("{} {}Z", &text[..10], &text[11..19])
}

impl IntoResponse for AadError {
    fn into_response(self) -> Response {
        let trace_id = Uuid::new_v4();
        let correlation_id = Uuid::new_v4();
        let timestamp = aad_timestamp();
        let mut body = json!({
            "error": self.error,
            "error_description": self.description(trace_id, correlation_id, &timestamp),
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": format!("{}/error?code={}", self.authority, self.code),
        });
        if let Some(suberror) = self.suberror {
            body["suberror"] = json!(suberror);
        }
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, no-cache"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        if let Ok(value) = HeaderValue::from_str(&trace_id.to_string()) {
            headers.insert("x-ms-request-id", value);
        }
        response
    }
}

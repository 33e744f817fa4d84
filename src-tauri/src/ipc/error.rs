use serde::Serialize;
use spconnect_settings::{EndpointField, SettingsError};

/// The small set of error kinds the UI branches on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// The person's input was refused; `field` says which input.
    InvalidInput,
    /// A file or folder of the app could not be read or written.
    Storage,
    /// Something that should not happen; the details are in the log.
    Internal,
}

/// The one error every command returns: a code for the UI and a sentence a person can act on.
/// It never carries a secret: messages come from error types whose secrets are redacted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WireError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// What happened and what to do.
    pub message: String,
    /// The input the error is about, for invalid input.
    pub field: Option<EndpointField>,
}

impl WireError {
    /// An internal failure, logged with its detail.
    pub fn internal(what: &str, detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "{what} failed");
        Self {
            code: ErrorCode::Internal,
            message: format!("{what} failed unexpectedly. The log file has the details."),
            field: None,
        }
    }
}

impl From<SettingsError> for WireError {
    fn from(error: SettingsError) -> Self {
        let (code, field) = match &error {
            SettingsError::InvalidEndpoint { field, .. } => (ErrorCode::InvalidInput, Some(*field)),
            SettingsError::Read { .. } | SettingsError::Write { .. } => (ErrorCode::Storage, None),
        };
        if code == ErrorCode::Storage {
            tracing::warn!(%error, "settings storage failed");
        }
        Self { code, message: error.to_string(), field }
    }
}

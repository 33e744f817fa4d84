//! [`GraphError`]: everything a Graph call can fail with, keeping what Graph said.

use std::time::Duration;

use crate::token::TokenError;

/// A failed Graph call. Messages are sentences a person can act on and never contain a token.
#[derive(Clone, Debug, thiserror::Error)]
pub enum GraphError {
    /// Graph answered with an error (docs/microsoft §3.9): its status, `code`, innermost
    /// `innerError.code` when there is one, `message`, and the `request-id` to quote to Microsoft.
    #[error("{}", describe(*.status, .code, .message, .request_id))]
    Service {
        /// The HTTP status.
        status: u16,
        /// Graph's error code, e.g. `Authorization_RequestDenied`.
        code: String,
        /// The innermost inner error code, when Graph gave one.
        inner_code: Option<String>,
        /// Graph's message.
        message: String,
        /// The `request-id` header (or the error's `innerError.request-id`).
        request_id: Option<String>,
        /// How long Graph asked to wait (429 and 503).
        retry_after: Option<Duration>,
    },
    /// The request could not be sent or its answer not received.
    #[error("Could not reach {host}: {explanation}")]
    Network {
        /// The host that was called.
        host: String,
        /// What happened, in plain words.
        explanation: String,
        /// Whether it timed out.
        timed_out: bool,
    },
    /// No token could be had for the call.
    #[error("{0}")]
    Token(#[from] TokenError),
    /// The answer was not what Graph documents.
    #[error("Unexpected answer from Microsoft Graph: {0}")]
    Protocol(String),
    /// A value given to this crate is not usable.
    #[error("{0}")]
    InvalidInput(String),
}

fn describe(status: u16, code: &str, message: &str, request_id: &Option<String>) -> String {
    let what = match status {
        401 => "Microsoft Graph did not accept the sign-in",
        403 => "Microsoft Graph refused: the account lacks the permission or role this needs",
        404 => "Microsoft Graph did not find it",
        429 => "Microsoft Graph is limiting requests; try again later",
        500..=599 => "Microsoft Graph is unavailable; try again later",
        _ => "Microsoft Graph refused the request",
    };
    let mut text = format!("{what} ({code}: {})", message.trim_end_matches('.'));
    if let Some(id) = request_id {
        text.push_str(&format!("; request-id {id}"));
    }
    text.push('.');
    text
}

impl GraphError {
    /// Whether the same call may succeed later by itself.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Service { status, .. } => matches!(status, 429 | 500 | 502 | 503 | 504),
            Self::Network { timed_out, .. } => *timed_out,
            _ => false,
        }
    }

    /// Graph's error code, when Graph answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// How long Graph asked to wait (`Retry-After`), when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Service { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status, when Graph answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Service { status, .. } => Some(*status),
            _ => None,
        }
    }
}

use serde::Serialize;
use spconnect_graph::TokenErrorKind;
use spconnect_settings::SettingsError;
use ts_rs::TS;

/// The small set of error kinds the UI branches on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// The person's input was refused; `field` says which input.
    InvalidInput,
    /// A file or folder of the app could not be read or written.
    Storage,
    /// Something that should not happen; the details are in the log.
    Internal,
    /// The account must sign in again (expired, revoked, or MFA needed).
    SignInAgain,
    /// The step needs a permission the person has not consented to yet: ask them, with the
    /// step's reason, in the browser (the account stays signed in).
    ConsentRequired,
    /// The person cancelled, or the sign-in timed out.
    Cancelled,
    /// Microsoft refused (declined consent, a missing role or permission, an unknown code).
    Refused,
    /// Microsoft could not be reached or is busy; trying again later may work.
    Unavailable,
    /// The OS keychain could not be used.
    Keychain,
}

/// The one error every command returns: a code for the UI and a sentence a person can act on.
/// It never carries a secret: messages come from error types whose secrets are redacted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WireError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// What happened and what to do.
    pub message: String,
    /// The input the error is about, for invalid input: a path into the command's arguments
    /// (`settings.cloud.kind`) or the name of a form field (`graphHost`).
    pub field: Option<String>,
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

impl WireError {
    /// Arguments of `command` that do not match its contract: the path of the first wrong value
    /// and what is wrong with it.
    pub fn invalid_arguments(
        command: &str,
        error: &serde_path_to_error::Error<serde_json::Error>,
    ) -> Self {
        let path = error.path().to_string();
        let field = (path != ".").then_some(path);
        Self {
            code: ErrorCode::InvalidInput,
            message: format!(
                "The request to {command} was not understood{}: {}.",
                field.as_ref().map(|f| format!(" at {f}")).unwrap_or_default(),
                error.inner()
            ),
            field,
        }
    }
}

impl WireError {
    /// An error of `code` with `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), field: None }
    }
}

impl From<spconnect_identity::IdentityError> for WireError {
    fn from(error: spconnect_identity::IdentityError) -> Self {
        use spconnect_identity::IdentityError as E;
        let code = match &error {
            E::InvalidInput { .. } => ErrorCode::InvalidInput,
            E::SignInAgain { reason: spconnect_identity::SignInReason::ConsentRequired } => {
                ErrorCode::ConsentRequired
            }
            E::SignInAgain { .. } => ErrorCode::SignInAgain,
            E::Cancelled | E::TimedOut(_) => ErrorCode::Cancelled,
            E::SignInRefused { .. }
            | E::Rejected(_)
            | E::DeviceCodeExpired
            | E::DeviceCodeDeclined
            | E::DeviceCodeNotRecognised
            | E::Browser(_) => ErrorCode::Refused,
            E::Throttled { .. } | E::Unavailable { .. } | E::Network { .. } | E::Protocol(_) => {
                ErrorCode::Unavailable
            }
            E::Listener(_) => ErrorCode::Internal,
            E::Store(_) => ErrorCode::Keychain,
        };
        tracing::info!(%error, ?code, "sign-in step failed");
        Self::new(code, error.to_string())
    }
}

/// The wire code of a Graph failure.
pub fn graph_code(error: &spconnect_graph::GraphError) -> ErrorCode {
    use spconnect_graph::GraphError as E;
    match error {
        E::Token(token) => match token.kind {
            TokenErrorKind::SignInAgain => ErrorCode::SignInAgain,
            TokenErrorKind::ConsentRequired => ErrorCode::ConsentRequired,
            TokenErrorKind::Other => ErrorCode::Unavailable,
        },
        E::InvalidInput(_) => ErrorCode::InvalidInput,
        e if e.is_retryable() => ErrorCode::Unavailable,
        E::Network { .. } | E::Protocol(_) => ErrorCode::Unavailable,
        E::Service { .. } => ErrorCode::Refused,
    }
}

impl From<spconnect_graph::GraphError> for WireError {
    fn from(error: spconnect_graph::GraphError) -> Self {
        let code = graph_code(&error);
        tracing::info!(%error, ?code, "Graph call failed");
        Self::new(code, error.to_string())
    }
}

impl From<SettingsError> for WireError {
    fn from(error: SettingsError) -> Self {
        let (code, field) = match &error {
            SettingsError::InvalidEndpoint { field, .. } => (
                ErrorCode::InvalidInput,
                serde_json::to_value(field).ok().and_then(|v| v.as_str().map(str::to_owned)),
            ),
            SettingsError::InvalidProfile { field, .. } => {
                (ErrorCode::InvalidInput, Some((*field).to_owned()))
            }
            SettingsError::Read { .. } | SettingsError::Write { .. } => (ErrorCode::Storage, None),
        };
        if code == ErrorCode::Storage {
            tracing::warn!(%error, "settings storage failed");
        }
        Self { code, message: error.to_string(), field }
    }
}

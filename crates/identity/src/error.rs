//! The one error type of this crate, [`IdentityError`], and the reasons a person must sign in
//! again. Every message is a sentence a person can act on and never contains a token, code,
//! verifier or password: only what Microsoft's error answer names (its `error`, AADSTS number and
//! description) and what this crate knows about the request.

use std::time::Duration;

/// Why an account cannot get tokens until the person signs in again (interactively).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInReason {
    /// The refresh token expired or is no longer valid (`invalid_grant`, e.g. AADSTS700082).
    Expired,
    /// The grant was revoked (AADSTS50173): by an administrator, the person, or a password change.
    Revoked,
    /// Multi-factor authentication is required (`interaction_required`, AADSTS50076/50079).
    MfaRequired,
    /// The person (or an administrator) has not consented to what is asked (AADSTS65001).
    ConsentRequired,
    /// Microsoft asks for another interactive step (`interaction_required` of another kind).
    InteractionRequired,
    /// No refresh token is kept for this account on this computer.
    NotSignedIn,
}

impl SignInReason {
    /// The reason in plain words.
    pub fn explain(&self) -> &'static str {
        match self {
            Self::Expired => "the sign-in has expired",
            Self::Revoked => {
                "the sign-in was revoked (by an administrator, by you, or after a password change)"
            }
            Self::MfaRequired => "your organisation requires multi-factor authentication",
            Self::ConsentRequired => "spconnect needs your consent for the permissions it asks for",
            Self::InteractionRequired => "Microsoft needs you to complete a step in the browser",
            Self::NotSignedIn => "this account is not signed in on this computer",
        }
    }
}

impl std::fmt::Display for SignInReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.explain())
    }
}

/// An answer of the token or device code endpoint that is not a success, as Microsoft sends it
/// (docs/microsoft §1.8): only non-secret parts are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The OAuth `error`, e.g. `invalid_grant`.
    pub error: String,
    /// The first AADSTS number, when given.
    pub code: Option<u64>,
    /// Microsoft's description (first line only: no trace or correlation ids).
    pub description: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.description.is_empty() {
            write!(f, "{}", self.error)
        } else {
            write!(f, "{} ({})", self.description, self.error)
        }
    }
}

/// Everything that can go wrong while signing in or getting a token.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// A setting given to this crate is not usable.
    #[error("{field} is not valid: {message}")]
    InvalidInput {
        /// Which setting.
        field: &'static str,
        /// Why, in plain words.
        message: String,
    },
    /// The account must sign in again in the browser; retrying will not help.
    #[error("Please sign in again: {reason}.")]
    SignInAgain {
        /// Why.
        reason: SignInReason,
    },
    /// Microsoft's sign-in page redirected back with an error (e.g. `access_denied`).
    #[error("{}", explain_redirect_error(.error, .description))]
    SignInRefused {
        /// The OAuth `error`.
        error: String,
        /// Microsoft's description.
        description: String,
    },
    /// The token endpoint refused a request for a reason other than the ones above.
    #[error("Microsoft refused the request: {0}")]
    Rejected(Rejection),
    /// Microsoft asked to slow down (HTTP 429).
    #[error("Microsoft is limiting requests; try again{}.", after(.retry_after))]
    Throttled {
        /// How long Microsoft asked to wait.
        retry_after: Option<Duration>,
    },
    /// Microsoft answered with a server error (HTTP 5xx).
    #[error("The Microsoft sign-in service is unavailable (HTTP {status}); try again{}.", after(.retry_after))]
    Unavailable {
        /// The HTTP status.
        status: u16,
        /// How long Microsoft asked to wait.
        retry_after: Option<Duration>,
    },
    /// The request could not be sent or its answer not received.
    #[error("Could not reach {host}: {explanation}")]
    Network {
        /// The host that was called.
        host: String,
        /// What happened, in plain words.
        explanation: String,
        /// Whether it timed out (worth a retry).
        timed_out: bool,
    },
    /// The answer was not what the protocol says (an unexpected body, a bad id token).
    #[error("Unexpected answer from the sign-in service: {0}")]
    Protocol(String),
    /// The device code expired before the person finished signing in.
    #[error("The code expired before sign-in was finished. Start again to get a new code.")]
    DeviceCodeExpired,
    /// The person declined the device code sign-in.
    #[error("Sign-in was declined on the device code page, so you are not signed in.")]
    DeviceCodeDeclined,
    /// The device code is not known to Microsoft (mistyped, or already used).
    #[error(
        "Microsoft does not recognise this sign-in code (it may have been used already). Start again to get a new code."
    )]
    DeviceCodeNotRecognised,
    /// The sign-in was cancelled.
    #[error("Sign-in was cancelled.")]
    Cancelled,
    /// Nobody finished signing in within the time allowed.
    #[error("Sign-in took longer than {} minutes and was stopped. Start again when you are ready.", .0.as_secs().div_ceil(60))]
    TimedOut(Duration),
    /// No browser could be started.
    #[error(
        "Could not open a web browser: {0}. Set the BROWSER environment variable to your browser's command, or use the device code sign-in."
    )]
    Browser(String),
    /// The local address for the browser's answer could not be opened.
    #[error("Could not listen on 127.0.0.1 for the browser's answer: {0}")]
    Listener(String),
    /// The refresh token store failed.
    #[error("Could not use the keychain: {0}")]
    Store(#[from] crate::store::StoreError),
}

impl IdentityError {
    /// Whether trying the same thing again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Throttled { .. } | Self::Unavailable { .. } => true,
            Self::Network { timed_out, .. } => *timed_out,
            Self::Store(e) => e.is_retryable(),
            _ => false,
        }
    }

    /// How long the service asked to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Throttled { retry_after } | Self::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

fn after(retry_after: &Option<Duration>) -> String {
    retry_after.map(|d| format!(" in {} seconds", d.as_secs().max(1))).unwrap_or_default()
}

/// The plain-words text for an `error=` redirect from the authorize endpoint (docs/microsoft §1.2).
pub(crate) fn explain_redirect_error(error: &str, description: &str) -> String {
    let plain = match error {
        "access_denied" => {
            "You declined the permissions spconnect asked for, so you are not signed in."
        }
        "consent_required" => "Consent is needed before spconnect can sign you in.",
        "login_required" | "interaction_required" => {
            "Microsoft needs you to sign in interactively."
        }
        "invalid_scope" | "invalid_resource" => {
            "Microsoft did not accept the permissions spconnect asked for."
        }
        "unauthorized_client" | "invalid_request" | "unsupported_response_type" => {
            "Microsoft did not accept spconnect's sign-in request; check the client id of this tenant."
        }
        "temporarily_unavailable" | "server_error" => {
            "The Microsoft sign-in service had a problem; try again in a moment."
        }
        _ => "Microsoft did not complete the sign-in.",
    };
    let first_line = description.lines().next().unwrap_or_default().trim();
    if first_line.is_empty() {
        format!("{plain} ({error})")
    } else {
        format!("{plain} Microsoft said: {first_line}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_denied_is_explained_in_plain_words() {
        let text = IdentityError::SignInRefused {
            error: "access_denied".into(),
            description: "AADSTS65004: User declined to consent to access the app.\r\nTrace ID: x"
                .into(),
        }
        .to_string();
        assert!(text.starts_with("You declined the permissions"), "{text}");
        assert!(text.contains("AADSTS65004"), "{text}");
        assert!(!text.contains("Trace ID"), "{text}");
    }

    #[test]
    fn only_throttling_outages_and_timeouts_are_retryable() {
        assert!(IdentityError::Throttled { retry_after: None }.is_retryable());
        assert!(IdentityError::Unavailable { status: 503, retry_after: None }.is_retryable());
        assert!(!IdentityError::SignInAgain { reason: SignInReason::Revoked }.is_retryable());
        assert!(!IdentityError::Cancelled.is_retryable());
        let text = IdentityError::TimedOut(Duration::from_secs(300)).to_string();
        assert!(text.contains("5 minutes"), "{text}");
    }
}

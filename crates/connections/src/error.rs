//! The errors of this crate: [`DefinitionError`] (an integration definition that cannot be
//! used) and [`ConnectionError`] (creating, storing or testing a connection), each in words a
//! person can act on, with the fix where there is one. None contains a secret.

use std::time::Duration;

use spconnect_graph::{GraphError, TokenErrorKind};

/// An integration definition that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    /// The name is missing or unusable.
    #[error("{0}")]
    InvalidName(String),
    /// Nothing was ticked.
    #[error("Tick at least one list or library the integration uses.")]
    NoLists,
    /// A list has no column ticked.
    #[error("Tick at least one column of {list}.")]
    NoColumns {
        /// The list's title.
        list: String,
    },
    /// A list is there twice.
    #[error("{list} is in the definition twice.")]
    DuplicateList {
        /// The list's title.
        list: String,
    },
    /// A column name the list does not have.
    #[error("{list} has no column named {column}.")]
    UnknownColumn {
        /// The list's title.
        list: String,
        /// The name given.
        column: String,
    },
}

/// Creating, storing or testing a connection failed.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ConnectionError {
    /// Something typed or picked is not usable.
    #[error("{message}")]
    InvalidInput {
        /// Which field (`name`, `sites`, `certificate.validityDays`, …).
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The signed-in person's directory roles do not allow what was chosen.
    #[error("{what} needs {needed}; your account holds {held}.")]
    MissingRole {
        /// What they cannot do.
        what: String,
        /// The roles that would allow it.
        needed: String,
        /// The roles they hold.
        held: String,
    },
    /// The person has not yet consented to the delegated permissions this step needs.
    #[error("spconnect needs your consent for this step's permissions ({detail}).")]
    ConsentNeeded {
        /// Microsoft's words.
        detail: String,
    },
    /// The person's sign-in expired or was revoked half-way.
    #[error("Your sign-in has expired ({detail}).")]
    SignInExpired {
        /// Why.
        detail: String,
    },
    /// Microsoft is limiting requests.
    #[error("Microsoft is limiting requests{}.", after(.retry_after))]
    Throttled {
        /// How long it asked to wait.
        retry_after: Option<Duration>,
    },
    /// Entra ID has not shown a new object in time.
    #[error("{what} has not replicated in Microsoft Entra ID after {} seconds, longer than usual.", .waited.as_secs())]
    ReplicationSlow {
        /// What was waited for.
        what: String,
        /// How long.
        waited: Duration,
    },
    /// Another connection already has this name.
    #[error("A connection named \"{name}\" already exists in this tenant.")]
    NameTaken {
        /// The name.
        name: String,
    },
    /// Microsoft Graph refused or failed.
    #[error("{step}: {source}")]
    Graph {
        /// What was being done.
        step: String,
        /// What Graph said.
        source: Box<GraphError>,
    },
    /// The sign-in service refused an app-only token.
    #[error("{0}")]
    Identity(String),
    /// The certificate could not be made.
    #[error("{0}")]
    Certificate(String),
    /// The keychain or the encrypted store failed.
    #[error("{0}")]
    Vault(String),
    /// A stored record cannot be read (damaged or changed outside spconnect).
    #[error("The connection record {id} cannot be read: {reason} It was left as it is.")]
    CorruptStore {
        /// The record.
        id: String,
        /// Why.
        reason: String,
    },
    /// The connection was made but some checks of its test failed.
    #[error("{failed} of {total} checks of the new connection failed.")]
    Unverified {
        /// How many failed.
        failed: usize,
        /// How many there were.
        total: usize,
    },
    /// No such connection or apply.
    #[error("There is no connection {0} on this computer.")]
    NotFound(String),
    /// The person cancelled.
    #[error("Cancelled.")]
    Cancelled,
    /// Anything else.
    #[error("{0}")]
    Internal(String),
}

fn after(retry_after: &Option<Duration>) -> String {
    retry_after.map(|d| format!("; it asked to wait {} seconds", d.as_secs())).unwrap_or_default()
}

impl ConnectionError {
    /// A Graph failure during `step`, classified: missing roles, consent, sign-in, throttling.
    pub fn graph(step: &str, error: GraphError) -> Self {
        if let GraphError::Token(token) = &error {
            match token.kind {
                TokenErrorKind::SignInAgain => {
                    return Self::SignInExpired { detail: token.message.clone() };
                }
                TokenErrorKind::ConsentRequired => {
                    return Self::ConsentNeeded { detail: token.message.clone() };
                }
                TokenErrorKind::Other => {}
            }
        }
        if error.status() == Some(429) {
            return Self::Throttled { retry_after: error.retry_after() };
        }
        Self::Graph { step: step.to_owned(), source: Box::new(error) }
    }

    /// What to do about it, when there is something to do.
    pub fn fix(&self) -> Option<String> {
        Some(match self {
            Self::InvalidInput { .. } => "Correct the field and try again.".into(),
            Self::MissingRole { needed, .. } => format!(
                "Ask someone who holds {needed} to create the connection, or to give you that role \
                 (Microsoft Entra admin center, Roles and administrators), then read your roles again \
                 on the Accounts page."
            ),
            Self::ConsentNeeded { .. } => "Grant the permissions the Connection step asks for \
                 (Grant access), then resume: what was already created is kept and skipped."
                .into(),
            Self::SignInExpired { .. } => "Sign in again on the Accounts page, then resume: what \
                 was already created is kept and skipped."
                .into(),
            Self::Throttled { .. } => "Wait a minute, then resume: what was already created is \
                 kept and skipped."
                .into(),
            Self::ReplicationSlow { .. } => "Microsoft is slower than usual. Resume in a few \
                 minutes: nothing is lost, finished steps are skipped."
                .into(),
            Self::NameTaken { .. } => "Choose another name.".into(),
            Self::Graph { source, .. } => match source.status() {
                Some(403) => "Check on the Accounts page that your roles allow this step, then \
                     resume."
                    .into(),
                Some(500..=599) => "Microsoft Graph is unavailable; resume later.".into(),
                _ => "Resume to try again, or roll back what was created.".into(),
            },
            Self::Unverified { .. } => "See each failed check's fix, then resume to test \
                 again, or roll back."
                .into(),
            Self::Vault(_) => "Check that the system keychain is unlocked, then try again.".into(),
            Self::CorruptStore { .. } => "Restore the file from a backup, or delete the \
                 connection and create it again; spconnect will not overwrite it."
                .into(),
            _ => return None,
        })
    }

    /// Whether resuming later may succeed without changing anything.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Throttled { .. } | Self::ReplicationSlow { .. } | Self::SignInExpired { .. } => {
                true
            }
            Self::Graph { source, .. } => source.is_retryable(),
            _ => false,
        }
    }
}

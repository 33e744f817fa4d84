use std::{fmt, io, path::PathBuf};

use serde::Serialize;

/// Which endpoint of a custom cloud an input error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum EndpointField {
    /// The Microsoft Entra authority host, where people sign in and tokens are issued.
    AuthorityHost,
    /// The Microsoft Graph host.
    GraphHost,
}

impl fmt::Display for EndpointField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AuthorityHost => "authority host",
            Self::GraphHost => "Graph host",
        })
    }
}

/// What can go wrong with settings, named for the caller.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A custom endpoint typed by the person is not one we can use.
    #[error("The {field} \"{input}\" is not usable: {reason}.")]
    InvalidEndpoint {
        /// Which endpoint.
        field: EndpointField,
        /// What was typed, trimmed (endpoints are not secret).
        input: String,
        /// Why it was refused, as a sentence fragment a person can act on.
        reason: &'static str,
    },
    /// A tenant profile typed by the person is not usable.
    #[error("The {} \"{input}\" is not usable: {reason}.", if *.field == "tenant" { "tenant" } else { "client id" })]
    InvalidProfile {
        /// Which value, as the UI names it (`tenant` or `clientId`).
        field: &'static str,
        /// What was typed, trimmed (neither is secret).
        input: String,
        /// Why, as a sentence fragment a person can act on.
        reason: &'static str,
    },
    /// The settings file exists but could not be read.
    #[error("The settings file {path} could not be read: {source}.")]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The settings could not be written; the previous file is unchanged.
    #[error(
        "The settings could not be saved to {path}: {source}. The previous settings are unchanged."
    )]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
}

impl SettingsError {
    /// Whether trying the same thing again may work (a full disk may be freed; bad input will not fix
    /// itself).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Read { .. } | Self::Write { .. })
    }
}

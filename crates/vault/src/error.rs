//! The one error type of the vault, [`VaultError`], with variants named by what failed and a
//! sentence a person can act on. No variant carries a secret: keychain errors are reduced to the
//! platform's own message, which names the operation, never the value.

use std::{fmt, io, path::PathBuf};

/// Why the keychain could not be used at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unavailability {
    /// No Secret Service answers: no D-Bus session bus, or none of its services is a keychain.
    NotRunning,
    /// The keychain is running but locked, and was not unlocked.
    Locked,
    /// The keychain has no default collection to keep new secrets in.
    NoDefaultCollection,
    /// spconnect has no keychain backend for this operating system yet.
    UnsupportedSystem,
}

impl fmt::Display for Unavailability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotRunning => {
                "No keychain (Secret Service) is running: start gnome-keyring or KeePassXC's \
                 Secret Service, then try again."
            }
            Self::Locked => {
                "The keychain (Secret Service) is locked: unlock it (for example in Seahorse or \
                 KeePassXC), then try again."
            }
            Self::NoDefaultCollection => {
                "The keychain (Secret Service) has no default collection to keep secrets in: \
                 create one (for example \"Login\" in Seahorse) or enable one in KeePassXC's \
                 Secret Service settings, then try again."
            }
            Self::UnsupportedSystem => {
                "spconnect cannot use this system's keychain yet: only the Secret Service on \
                 Linux is supported in this build."
            }
        })
    }
}

/// What can go wrong in the vault, named for the caller.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The keychain cannot be reached or used; nothing was read or changed.
    #[error("{reason}")]
    KeychainUnavailable {
        /// Why, as a sentence a person can act on (its `Display`).
        reason: Unavailability,
        /// The platform's message, for the log.
        detail: String,
    },
    /// The keychain holds no secret under this name.
    #[error("The keychain holds no {what}.")]
    NotFound {
        /// What was looked for, e.g. "refresh token for … (tenant …)". Never a secret.
        what: String,
    },
    /// The keychain refused: its prompt was dismissed or access was denied.
    #[error(
        "The keychain refused access: its unlock prompt was dismissed or could not be shown. \
         Unlock the keychain (or allow spconnect when it asks), then try again."
    )]
    Denied {
        /// The platform's message, for the log.
        detail: String,
    },
    /// The keychain answered with an error we have no better name for.
    #[error("The keychain failed: {detail}.")]
    Keychain {
        /// The platform's message (never the secret).
        detail: String,
    },
    /// A name given to the vault (an id, a profile, a key part) is not one it accepts.
    #[error("The {field} \"{input}\" is not usable: {reason}.")]
    InvalidName {
        /// Which name.
        field: &'static str,
        /// What was given (names are not secret).
        input: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A record decrypted to nothing: it was changed after it was written, or it belongs to
    /// another id or another data key. Its content was not used.
    #[error(
        "The record \"{id}\" failed its integrity check: it was changed after it was written, or \
         it is not the record of that name. Its content was not used."
    )]
    Tampered {
        /// The record's id.
        id: String,
    },
    /// A record file is not in a format this version reads (truncated, or an unknown version).
    #[error("The record file {path} cannot be read: {reason}.")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Encrypted records exist, but the keychain no longer holds the data key that opens them.
    /// No new key was made, as that would make them unreadable for good.
    #[error(
        "The keychain no longer holds the data key of profile \"{profile}\", so the records in \
         {dir} cannot be opened. Restore the keychain, or move those files aside to start afresh."
    )]
    DataKeyMissing {
        /// The profile.
        profile: String,
        /// The folder of its records.
        dir: PathBuf,
    },
    /// A data key in the keychain is not a 256-bit key written by spconnect.
    #[error(
        "The data key of profile \"{profile}\" in the keychain is damaged, so its records cannot \
         be opened."
    )]
    DataKeyDamaged {
        /// The profile.
        profile: String,
    },
    /// A record could not be encrypted.
    #[error("The record could not be encrypted: {detail}.")]
    Encryption {
        /// Why.
        detail: &'static str,
    },
    /// The system's random source failed, so no key or nonce could be made.
    #[error("The system's random number source failed: {detail}.")]
    Random {
        /// The platform's message.
        detail: String,
    },
    /// A file or folder of the vault could not be read.
    #[error("{path} could not be read: {source}.")]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// A file of the vault could not be written or removed; the previous file is unchanged.
    #[error("{path} could not be written: {source}. The previous file is unchanged.")]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
}

impl VaultError {
    /// Whether trying the same thing again may work: a keychain that is started or unlocked, a
    /// prompt answered this time, a disk with space again. Missing, damaged or invalid things
    /// will not fix themselves.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::KeychainUnavailable { reason, .. } if *reason != Unavailability::UnsupportedSystem
        ) || matches!(
            self,
            Self::Denied { .. } | Self::Random { .. } | Self::Read { .. } | Self::Write { .. }
        )
    }

    pub(crate) fn unavailable(reason: Unavailability, detail: impl Into<String>) -> Self {
        Self::KeychainUnavailable { reason, detail: detail.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_running_keychain_says_what_to_do() {
        let error = VaultError::unavailable(
            Unavailability::NotRunning,
            "org.freedesktop.DBus.Error.NoServer",
        );
        assert_eq!(
            error.to_string(),
            "No keychain (Secret Service) is running: start gnome-keyring or KeePassXC's Secret \
             Service, then try again."
        );
        assert!(error.is_retryable());
    }

    #[test]
    fn only_what_may_change_is_retryable() {
        assert!(VaultError::Denied { detail: String::new() }.is_retryable());
        assert!(VaultError::unavailable(Unavailability::Locked, "").is_retryable());
        assert!(!VaultError::unavailable(Unavailability::UnsupportedSystem, "").is_retryable());
        assert!(!VaultError::NotFound { what: "x".into() }.is_retryable());
        assert!(!VaultError::Tampered { id: "x".into() }.is_retryable());
        assert!(!VaultError::DataKeyDamaged { profile: "p".into() }.is_retryable());
    }
}

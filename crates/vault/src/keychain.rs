//! The OS keychain behind our own trait: [`SecretStore`] (get, set, delete a small secret by
//! [`EntryKey`], and list the accounts of a service) and [`KeychainStore`], its implementation on
//! the real keychain through the `keyring-core` crate: on Linux the Secret Service (gnome-keyring,
//! KeePassXC, KWallet's bridge) over libdbus.
//!
//! **Every call blocks** (D-Bus round trips, and a keychain may show an unlock prompt and wait for
//! the person): async callers run them in `tokio::task::spawn_blocking`. The backend used here is
//! synchronous on purpose: the zbus backend with its tokio feature panics when called directly
//! from async code.
//!
//! Keep only small secrets here (Windows caps an entry at 2,560 bytes): refresh tokens and data
//! keys. Larger records are encrypted on disk with a data key from here (see `records`).

use std::{
    collections::HashMap,
    fmt,
    sync::{Arc, Mutex, PoisonError},
};

use keyring_core::{CredentialStore, Entry, Error as KeyringError};
use spconnect_secret::Secret;

use crate::{
    error::{Unavailability, VaultError},
    model::EntryKey,
};

/// A keychain: small secrets kept under a (service, account) key. Calls may block; see the
/// module documentation.
pub trait SecretStore: Send + Sync + fmt::Debug {
    /// The secret under `key`, or [`VaultError::NotFound`].
    fn get(&self, key: &EntryKey) -> Result<Secret<Vec<u8>>, VaultError>;

    /// Keeps `secret` under `key`, replacing what was there.
    fn set(&self, key: &EntryKey, secret: &Secret<Vec<u8>>) -> Result<(), VaultError>;

    /// Deletes the secret under `key`. Returns whether there was one: deleting twice is not an
    /// error, so signing out can always finish.
    fn delete(&self, key: &EntryKey) -> Result<bool, VaultError>;

    /// The accounts that have a secret under `service`, sorted, without their secrets.
    fn accounts(&self, service: &str) -> Result<Vec<String>, VaultError>;
}

impl<T: SecretStore + ?Sized> SecretStore for Arc<T> {
    fn get(&self, key: &EntryKey) -> Result<Secret<Vec<u8>>, VaultError> {
        (**self).get(key)
    }
    fn set(&self, key: &EntryKey, secret: &Secret<Vec<u8>>) -> Result<(), VaultError> {
        (**self).set(key, secret)
    }
    fn delete(&self, key: &EntryKey) -> Result<bool, VaultError> {
        (**self).delete(key)
    }
    fn accounts(&self, service: &str) -> Result<Vec<String>, VaultError> {
        (**self).accounts(service)
    }
}

/// The operating system's keychain. Making one touches nothing: the keychain is reached on the
/// first call, and again on the next call after a failure, so starting or unlocking the keychain
/// and trying again works without restarting the app.
#[derive(Default)]
pub struct KeychainStore {
    connection: Mutex<Option<Arc<CredentialStore>>>,
}

impl fmt::Debug for KeychainStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeychainStore")
    }
}

impl KeychainStore {
    /// The OS keychain (not yet contacted).
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached connection, or a new one and whether it is new.
    fn store(&self) -> Result<(Arc<CredentialStore>, bool), VaultError> {
        let mut connection = self.connection.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(store) = connection.as_ref() {
            return Ok((store.clone(), false));
        }
        let store = connect()?;
        *connection = Some(store.clone());
        Ok((store, true))
    }

    /// Runs `call` on the keychain. A failure other than "not found" or "denied" drops the
    /// connection: the keychain may have restarted, which ends its session with us. A call that
    /// failed on an older connection is tried once more on a new one (every call here may be
    /// repeated: set replaces, delete of nothing is fine).
    fn with_store<T>(
        &self,
        call: impl Fn(&CredentialStore) -> Result<T, KeyringError>,
        what: impl Fn() -> String,
    ) -> Result<T, VaultError> {
        loop {
            let (store, fresh) = self.store()?;
            match call(store.as_ref()).map_err(|error| classify(error, &what)) {
                Ok(value) => return Ok(value),
                Err(error @ (VaultError::NotFound { .. } | VaultError::Denied { .. })) => {
                    return Err(error);
                }
                Err(error) => {
                    *self.connection.lock().unwrap_or_else(PoisonError::into_inner) = None;
                    if fresh {
                        return Err(error);
                    }
                    tracing::info!(%error, "keychain call failed on an older connection; reconnecting");
                }
            }
        }
    }

    fn entry(store: &CredentialStore, key: &EntryKey) -> Result<Entry, KeyringError> {
        let label = format!("{}: {}", key.service(), key.account());
        let modifiers = HashMap::from([("label", label.as_str())]);
        store.build(key.service(), key.account(), Some(&modifiers))
    }
}

impl SecretStore for KeychainStore {
    #[tracing::instrument(skip_all, fields(key = %key))]
    fn get(&self, key: &EntryKey) -> Result<Secret<Vec<u8>>, VaultError> {
        self.with_store(
            |store| Self::entry(store, key)?.get_secret().map(Secret::new),
            || format!("secret for {key}"),
        )
    }

    #[tracing::instrument(skip_all, fields(key = %key))]
    fn set(&self, key: &EntryKey, secret: &Secret<Vec<u8>>) -> Result<(), VaultError> {
        self.with_store(
            |store| Self::entry(store, key)?.set_secret(secret.expose()),
            || format!("secret for {key}"),
        )
    }

    #[tracing::instrument(skip_all, fields(key = %key))]
    fn delete(&self, key: &EntryKey) -> Result<bool, VaultError> {
        match self.with_store(
            |store| Self::entry(store, key)?.delete_credential(),
            || format!("secret for {key}"),
        ) {
            Ok(()) => Ok(true),
            Err(VaultError::NotFound { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    #[tracing::instrument(skip_all, fields(service))]
    fn accounts(&self, service: &str) -> Result<Vec<String>, VaultError> {
        let entries = self.with_store(
            |store| store.search(&HashMap::from([("service", service)])),
            || format!("entries of {service}"),
        )?;
        let mut accounts: Vec<String> = entries
            .iter()
            .filter_map(Entry::get_specifiers)
            .filter(|(found_service, _)| found_service == service)
            .map(|(_, account)| account)
            .collect();
        accounts.sort();
        accounts.dedup();
        Ok(accounts)
    }
}

#[cfg(target_os = "linux")]
fn connect() -> Result<Arc<CredentialStore>, VaultError> {
    let store = dbus_secret_service_keyring_store::Store::new()
        .map_err(|error| classify(error, || "keychain".to_owned()))?;
    Ok(store)
}

#[cfg(not(target_os = "linux"))]
fn connect() -> Result<Arc<CredentialStore>, VaultError> {
    Err(VaultError::unavailable(Unavailability::UnsupportedSystem, std::env::consts::OS))
}

/// Names a `keyring-core` error for our caller. Never formats the error wholesale: some variants
/// (`BadEncoding`, `BadDataFormat`) carry the secret's bytes.
fn classify(error: KeyringError, what: impl Fn() -> String) -> VaultError {
    match error {
        KeyringError::NoEntry => VaultError::NotFound { what: what() },
        KeyringError::NoStorageAccess(inner) | KeyringError::PlatformFailure(inner) => {
            platform(inner.as_ref())
        }
        KeyringError::NoDefaultStore => {
            VaultError::unavailable(Unavailability::NotRunning, "no credential store")
        }
        KeyringError::Ambiguous(entries) => VaultError::Keychain {
            detail: format!("{} entries match {}; remove the extra ones", entries.len(), what()),
        },
        KeyringError::BadEncoding(_) | KeyringError::BadDataFormat(..) => {
            VaultError::Keychain { detail: format!("the {} is not in the expected format", what()) }
        }
        KeyringError::TooLong(field, limit) => VaultError::Keychain {
            detail: format!("the {field} is longer than the keychain's limit of {limit}"),
        },
        KeyringError::Invalid(field, reason) => {
            VaultError::Keychain { detail: format!("invalid {field}: {reason}") }
        }
        KeyringError::BadStoreFormat(detail) | KeyringError::NotSupportedByStore(detail) => {
            VaultError::Keychain { detail }
        }
        other => VaultError::Keychain { detail: format!("unexpected keychain error: {other}") },
    }
}

#[cfg(target_os = "linux")]
fn platform(inner: &(dyn std::error::Error + Send + Sync + 'static)) -> VaultError {
    use dbus_secret_service::Error as Ss;
    let detail = inner.to_string();
    match inner.downcast_ref::<Ss>() {
        Some(Ss::Locked) => VaultError::unavailable(Unavailability::Locked, detail),
        Some(Ss::Prompt) => VaultError::Denied { detail },
        Some(Ss::NoResult) => VaultError::unavailable(Unavailability::NoDefaultCollection, detail),
        Some(Ss::Unavailable) => VaultError::unavailable(Unavailability::NotRunning, detail),
        Some(Ss::Dbus(error)) => match error.name().unwrap_or_default() {
            name if bus_unreachable(name) => {
                VaultError::unavailable(Unavailability::NotRunning, detail)
            }
            "org.freedesktop.DBus.Error.AccessDenied" => VaultError::Denied { detail },
            _ => VaultError::Keychain { detail },
        },
        _ => VaultError::Keychain { detail },
    }
}

#[cfg(not(target_os = "linux"))]
fn platform(inner: &(dyn std::error::Error + Send + Sync + 'static)) -> VaultError {
    VaultError::Keychain { detail: inner.to_string() }
}

/// D-Bus errors that mean no Secret Service answers: no session bus (no address, a dead socket),
/// or a bus on which nothing owns (or can be started as) `org.freedesktop.secrets`.
#[cfg(target_os = "linux")]
fn bus_unreachable(name: &str) -> bool {
    const UNREACHABLE: [&str; 9] = [
        "org.freedesktop.DBus.Error.NoServer",
        "org.freedesktop.DBus.Error.FileNotFound",
        "org.freedesktop.DBus.Error.BadAddress",
        "org.freedesktop.DBus.Error.NotSupported",
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
        "org.freedesktop.DBus.Error.Disconnected",
        "org.freedesktop.DBus.Error.NoReply",
        "org.freedesktop.DBus.Error.TimedOut",
    ];
    UNREACHABLE.contains(&name) || name.starts_with("org.freedesktop.DBus.Error.Spawn")
}

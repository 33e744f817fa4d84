//! Where refresh tokens are kept between runs: the [`RefreshTokenStore`] trait this crate needs,
//! and [`MemoryStore`], an in-memory store for tests. The app implements the trait over the OS
//! keychain (the vault crate); this crate never touches the keychain or files itself.
//!
//! Calls may block (a keychain can prompt), so this crate makes them in `spawn_blocking`.

use std::{collections::HashMap, sync::Mutex};

use spconnect_secret::Secret;

use crate::model::AccountKey;

/// A failure of the store, in words a person can act on.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    message: String,
    retryable: bool,
}

impl StoreError {
    /// A failure that will not go away by itself (e.g. no keychain is running).
    pub fn permanent(message: impl Into<String>) -> Self {
        Self { message: message.into(), retryable: false }
    }

    /// A failure that may go away (e.g. the keychain is locked or busy).
    pub fn transient(message: impl Into<String>) -> Self {
        Self { message: message.into(), retryable: true }
    }

    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }
}

/// Keeps one refresh token per account (key: tenant id + object id + client id, see
/// [`AccountKey::storage_key`]). Implementations must keep only the newest token put.
pub trait RefreshTokenStore: Send + Sync {
    /// The token kept for `key`, if any.
    fn get(&self, key: &AccountKey) -> Result<Option<Secret<String>>, StoreError>;
    /// Keeps `token` for `key`, replacing the previous one.
    fn put(&self, key: &AccountKey, token: &Secret<String>) -> Result<(), StoreError>;
    /// Forgets the token for `key`; forgetting a missing token is not an error.
    fn delete(&self, key: &AccountKey) -> Result<(), StoreError>;
}

/// A store in memory only: for tests, never for the app.
#[derive(Default)]
pub struct MemoryStore {
    tokens: Mutex<HashMap<String, Secret<String>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, Secret<String>>> {
        self.tokens.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl RefreshTokenStore for MemoryStore {
    fn get(&self, key: &AccountKey) -> Result<Option<Secret<String>>, StoreError> {
        Ok(self.tokens().get(&key.storage_key()).cloned())
    }

    fn put(&self, key: &AccountKey, token: &Secret<String>) -> Result<(), StoreError> {
        self.tokens().insert(key.storage_key(), token.clone());
        Ok(())
    }

    fn delete(&self, key: &AccountKey) -> Result<(), StoreError> {
        self.tokens().remove(&key.storage_key());
        Ok(())
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").field("accounts", &self.tokens().len()).finish()
    }
}

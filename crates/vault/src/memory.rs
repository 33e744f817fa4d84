//! [`MemoryStore`]: a [`SecretStore`] in memory, **for tests only** (compiled for this crate's
//! tests and with the `test-store` feature, never in the app). It can play a keychain that is not
//! running, so callers can test what they do then.

use std::{
    collections::BTreeMap,
    sync::{Mutex, PoisonError},
};

use spconnect_secret::Secret;

use crate::{
    error::{Unavailability, VaultError},
    keychain::SecretStore,
    model::EntryKey,
};

/// Secrets in a map, for tests. Forgets everything when dropped.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    entries: BTreeMap<EntryKey, Secret<Vec<u8>>>,
    unavailable: bool,
}

impl MemoryStore {
    /// An empty, reachable store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every later call answer [`VaultError::KeychainUnavailable`] (`NotRunning`) while
    /// `unavailable` is true, as a real keychain does when its daemon is stopped. The secrets stay.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.lock().unavailable = unavailable;
    }

    /// How many secrets it holds.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether it holds no secret.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn reachable(&self) -> Result<std::sync::MutexGuard<'_, State>, VaultError> {
        let state = self.lock();
        if state.unavailable {
            return Err(VaultError::unavailable(
                Unavailability::NotRunning,
                "memory store switched off",
            ));
        }
        Ok(state)
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &EntryKey) -> Result<Secret<Vec<u8>>, VaultError> {
        self.reachable()?
            .entries
            .get(key)
            .cloned()
            .ok_or_else(|| VaultError::NotFound { what: format!("secret for {key}") })
    }

    fn set(&self, key: &EntryKey, secret: &Secret<Vec<u8>>) -> Result<(), VaultError> {
        self.reachable()?.entries.insert(key.clone(), secret.clone());
        Ok(())
    }

    fn delete(&self, key: &EntryKey) -> Result<bool, VaultError> {
        Ok(self.reachable()?.entries.remove(key).is_some())
    }

    fn accounts(&self, service: &str) -> Result<Vec<String>, VaultError> {
        Ok(self
            .reachable()?
            .entries
            .keys()
            .filter(|key| key.service() == service)
            .map(|key| key.account().to_owned())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SERVICE;

    #[test]
    fn keeps_gets_lists_and_deletes() {
        let store = MemoryStore::new();
        let key = EntryKey::new(SERVICE, "b").expect("key");
        let other = EntryKey::new("another-app", "a").expect("key");
        store.set(&key, &Secret::new(b"one".to_vec())).expect("set");
        store.set(&other, &Secret::new(b"two".to_vec())).expect("set");
        assert_eq!(store.get(&key).expect("get").expose(), b"one");
        assert_eq!(store.accounts(SERVICE).expect("list"), ["b"]);
        assert!(store.delete(&key).expect("delete"));
        assert!(!store.delete(&key).expect("second delete"));
        assert!(matches!(store.get(&key), Err(VaultError::NotFound { .. })));
    }

    #[test]
    fn switched_off_it_answers_unavailable_and_keeps_the_secrets() {
        let store = MemoryStore::new();
        let key = EntryKey::new(SERVICE, "a").expect("key");
        store.set(&key, &Secret::new(b"kept".to_vec())).expect("set");
        store.set_unavailable(true);
        let error = store.get(&key).expect_err("unavailable");
        assert!(
            error.to_string().starts_with("No keychain (Secret Service) is running"),
            "{error}"
        );
        assert!(error.is_retryable());
        store.set_unavailable(false);
        assert_eq!(store.get(&key).expect("back").expose(), b"kept");
    }

    #[test]
    fn debug_shows_no_secret() {
        let store = MemoryStore::new();
        let key = EntryKey::new(SERVICE, "a").expect("key");
        store.set(&key, &Secret::new(b"hunter2-secret".to_vec())).expect("set");
        assert!(!format!("{store:?}").contains("hunter2"));
    }
}

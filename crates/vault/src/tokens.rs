//! [`RefreshTokens`]: people's refresh tokens in the keychain, one entry per
//! [`RefreshTokenKey`] (tenant, person, client), under the service [`SERVICE`](crate::SERVICE).
//! Lists who is signed in by asking the keychain for the accounts of that service (Secret Service
//! searches by attribute), so no index file is kept. Signing a person out deletes every token of
//! theirs. Calls block (see `keychain`).

use std::sync::Arc;

use spconnect_secret::Secret;

use crate::{
    error::VaultError,
    keychain::SecretStore,
    model::{EntryKey, RefreshTokenKey, SERVICE},
};

/// Refresh tokens in a keychain.
#[derive(Clone, Debug)]
pub struct RefreshTokens {
    store: Arc<dyn SecretStore>,
    service: String,
}

impl RefreshTokens {
    /// The refresh tokens of spconnect in `store`.
    pub fn new(store: Arc<dyn SecretStore>) -> Self {
        Self { store, service: SERVICE.to_owned() }
    }

    /// The same under another keychain service name, so tests never meet the app's entries.
    pub fn with_service(store: Arc<dyn SecretStore>, service: &str) -> Result<Self, VaultError> {
        EntryKey::new(service, "check")?;
        Ok(Self { store, service: service.to_owned() })
    }

    fn entry(&self, key: &RefreshTokenKey) -> Result<EntryKey, VaultError> {
        EntryKey::new(&self.service, &key.account())
    }

    /// Keeps the newest refresh token of `key` (a token endpoint may rotate it on every use).
    pub fn save(&self, key: &RefreshTokenKey, token: &Secret<String>) -> Result<(), VaultError> {
        let bytes = Secret::new(token.expose().as_bytes().to_vec());
        self.store.set(&self.entry(key)?, &bytes)?;
        tracing::info!(%key, "refresh token saved");
        Ok(())
    }

    /// The refresh token of `key`, or [`VaultError::NotFound`] (the person must sign in).
    pub fn load(&self, key: &RefreshTokenKey) -> Result<Secret<String>, VaultError> {
        let bytes = self.store.get(&self.entry(key)?).map_err(|error| match error {
            VaultError::NotFound { .. } => {
                VaultError::NotFound { what: format!("refresh token for {key}") }
            }
            other => other,
        })?;
        match std::str::from_utf8(bytes.expose()) {
            Ok(text) => Ok(Secret::new(text.to_owned())),
            Err(_) => Err(VaultError::Keychain {
                detail: format!("the refresh token for {key} is not text"),
            }),
        }
    }

    /// Deletes the refresh token of `key`; returns whether there was one.
    pub fn remove(&self, key: &RefreshTokenKey) -> Result<bool, VaultError> {
        let removed = self.store.delete(&self.entry(key)?)?;
        tracing::info!(%key, removed, "refresh token removed");
        Ok(removed)
    }

    /// Whose refresh tokens are kept, sorted: who is signed in, with which client. Entries of the
    /// service that are not refresh tokens (data keys) are left out.
    pub fn signed_in(&self) -> Result<Vec<RefreshTokenKey>, VaultError> {
        let mut keys: Vec<RefreshTokenKey> = self
            .store
            .accounts(&self.service)?
            .iter()
            .filter_map(|account| RefreshTokenKey::from_account(account))
            .collect();
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    /// Signs the person `object_id` of tenant `tenant_id` out: deletes their refresh tokens for
    /// every client, and no one else's. Returns how many were deleted. When the keychain fails
    /// half way, the error is returned and calling again finishes the job.
    pub fn sign_out(&self, tenant_id: &str, object_id: &str) -> Result<usize, VaultError> {
        let mut removed = 0;
        for key in self.signed_in()?.iter().filter(|key| key.is_person(tenant_id, object_id)) {
            if self.remove(key)? {
                removed += 1;
            }
        }
        tracing::info!(tenant_id, object_id, removed, "signed out");
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;

    const TENANT: &str = "11111111-1111-1111-1111-111111111111";
    const OTHER_TENANT: &str = "22222222-2222-2222-2222-222222222222";
    const ADMIN: &str = "aaaaaaaa-0000-0000-0000-000000000001";
    const USER: &str = "aaaaaaaa-0000-0000-0000-000000000002";
    const CLIENT: &str = "cccccccc-0000-0000-0000-000000000001";
    const CLI_TOOLS: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

    fn key(tenant: &str, person: &str, client: &str) -> RefreshTokenKey {
        RefreshTokenKey::new(tenant, person, client).expect("valid key")
    }

    #[test]
    fn saves_loads_and_lists_without_the_secrets() {
        let store = Arc::new(MemoryStore::new());
        let tokens = RefreshTokens::new(store.clone());
        let admin = key(TENANT, ADMIN, CLIENT);
        tokens.save(&admin, &Secret::from("0.AAAA-admin-refresh")).expect("save");
        tokens.save(&admin, &Secret::from("0.AAAA-admin-rotated")).expect("save again");
        assert_eq!(tokens.load(&admin).expect("load").expose(), "0.AAAA-admin-rotated");
        assert_eq!(tokens.signed_in().expect("list"), std::slice::from_ref(&admin));
        assert_eq!(store.len(), 1);
        let printed = format!("{tokens:?} {:?}", tokens.signed_in());
        assert!(!printed.contains("0.AAAA"), "{printed}");
    }

    #[test]
    fn a_missing_token_is_not_found_and_says_whose() {
        let tokens = RefreshTokens::new(Arc::new(MemoryStore::new()));
        let error = tokens.load(&key(TENANT, ADMIN, CLIENT)).expect_err("none yet");
        assert!(matches!(error, VaultError::NotFound { .. }));
        assert!(error.to_string().contains(ADMIN), "{error}");
    }

    #[test]
    fn sign_out_deletes_one_persons_tokens_for_every_client_and_no_one_elses() {
        let store = Arc::new(MemoryStore::new());
        let tokens = RefreshTokens::new(store.clone());
        let keep = [key(TENANT, USER, CLIENT), key(OTHER_TENANT, ADMIN, CLIENT)];
        let gone = [key(TENANT, ADMIN, CLIENT), key(TENANT, ADMIN, CLI_TOOLS)];
        for k in keep.iter().chain(&gone) {
            tokens.save(k, &Secret::from(format!("token of {}", k.account()))).expect("save");
        }
        assert_eq!(tokens.sign_out(&TENANT.to_uppercase(), ADMIN).expect("sign out"), 2);
        let mut expected = keep.to_vec();
        expected.sort();
        assert_eq!(tokens.signed_in().expect("list"), expected);
        assert_eq!(tokens.sign_out(TENANT, ADMIN).expect("again"), 0);
        for k in &keep {
            assert_eq!(
                tokens.load(k).expect("kept").expose(),
                &format!("token of {}", k.account())
            );
        }
    }

    #[test]
    fn other_entries_of_the_service_are_not_people() {
        let store = Arc::new(MemoryStore::new());
        let data_key = EntryKey::new(SERVICE, "data-key/default").expect("key");
        store.set(&data_key, &Secret::new(vec![1; 32])).expect("set");
        assert!(RefreshTokens::new(store).signed_in().expect("list").is_empty());
    }

    #[test]
    fn an_unreachable_keychain_is_reported_and_nothing_is_lost() {
        let store = Arc::new(MemoryStore::new());
        let tokens = RefreshTokens::new(store.clone());
        let admin = key(TENANT, ADMIN, CLIENT);
        tokens.save(&admin, &Secret::from("kept")).expect("save");
        store.set_unavailable(true);
        for error in [
            tokens.load(&admin).map(|_| ()).expect_err("load"),
            tokens.sign_out(TENANT, ADMIN).map(|_| ()).expect_err("sign out"),
        ] {
            assert!(matches!(error, VaultError::KeychainUnavailable { .. }), "{error:?}");
        }
        store.set_unavailable(false);
        assert_eq!(tokens.load(&admin).expect("still there").expose(), "kept");
    }
}

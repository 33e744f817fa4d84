//! The in-memory token cache: access tokens per (account, resource), never written anywhere; the
//! per-account lock that makes refreshes single-flight; and the accounts that must sign in again
//! (so a failed refresh is not retried in a loop).

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant, SystemTime},
};

use spconnect_secret::Secret;

use crate::{
    client::TokenAnswer,
    error::SignInReason,
    model::{AccessToken, AccountKey, resource_of},
};

struct Cached {
    token: Secret<String>,
    expires: Instant,
    expires_at: SystemTime,
    /// What was asked for and what Microsoft said it granted, normalised.
    scopes: BTreeSet<String>,
    granted: Vec<String>,
}

type Slot = (AccountKey, String);

/// The cache; one per [`crate::Identity`].
#[derive(Default)]
pub(crate) struct TokenCache {
    entries: Mutex<HashMap<Slot, Cached>>,
    flights: Mutex<HashMap<AccountKey, Arc<tokio::sync::Mutex<()>>>>,
    blocked: Mutex<HashMap<AccountKey, SignInReason>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A scope in one spelling: `User.Read` → `https://graph.microsoft.com/user.read`.
pub(crate) fn normalise(scope: &str) -> String {
    if scope.contains("://") || resource_of(scope).is_none() {
        scope.to_ascii_lowercase()
    } else {
        format!("https://graph.microsoft.com/{}", scope.to_ascii_lowercase())
    }
}

impl TokenCache {
    /// A cached token for `resource` that covers `scopes` and lives longer than `ahead`.
    pub fn fresh(
        &self,
        key: &AccountKey,
        resource: &str,
        scopes: &[String],
        ahead: Duration,
    ) -> Option<AccessToken> {
        let entries = lock(&self.entries);
        let cached = entries.get(&(key.clone(), resource.to_owned()))?;
        let covers = scopes
            .iter()
            .filter(|s| resource_of(s).is_some())
            .all(|s| cached.scopes.contains(&normalise(s)));
        let lives =
            cached.expires.checked_duration_since(Instant::now()).is_some_and(|left| left > ahead);
        (covers && lives).then(|| AccessToken {
            token: cached.token.clone(),
            expires_at: cached.expires_at,
            scopes: cached.granted.clone(),
        })
    }

    /// The scopes already held for `resource` (to ask for them again with new ones: incremental
    /// consent must not lose what was granted).
    pub fn held(&self, key: &AccountKey, resource: &str) -> Vec<String> {
        lock(&self.entries)
            .get(&(key.clone(), resource.to_owned()))
            .map(|c| c.granted.iter().filter(|s| resource_of(s).is_some()).cloned().collect())
            .unwrap_or_default()
    }

    /// Keeps the access token of `answer`, asked with `asked`.
    pub fn insert(
        &self,
        key: &AccountKey,
        resource: &str,
        asked: &[String],
        answer: &TokenAnswer,
    ) -> AccessToken {
        let lifetime = Duration::from_secs(answer.expires_in);
        let granted: Vec<String> = answer.scope.split_whitespace().map(str::to_owned).collect();
        let scopes = asked.iter().chain(granted.iter()).map(|s| normalise(s)).collect();
        let cached = Cached {
            token: answer.access_token.clone(),
            expires: Instant::now() + lifetime,
            expires_at: SystemTime::now() + lifetime,
            scopes,
            granted: granted.clone(),
        };
        let token = AccessToken {
            token: cached.token.clone(),
            expires_at: cached.expires_at,
            scopes: granted,
        };
        lock(&self.entries).insert((key.clone(), resource.to_owned()), cached);
        token
    }

    /// The lock held while refreshing `key`'s tokens.
    pub fn flight(&self, key: &AccountKey) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.flights).entry(key.clone()).or_default().clone()
    }

    /// Why `key` must sign in again, if it must.
    pub fn blocked(&self, key: &AccountKey) -> Option<SignInReason> {
        lock(&self.blocked).get(key).cloned()
    }

    /// Marks `key` as needing an interactive sign-in.
    pub fn block(&self, key: &AccountKey, reason: SignInReason) {
        lock(&self.blocked).insert(key.clone(), reason);
    }

    /// After a successful interactive sign-in.
    pub fn unblock(&self, key: &AccountKey) {
        lock(&self.blocked).remove(key);
    }

    /// Forgets everything about `key` (sign-out).
    pub fn forget(&self, key: &AccountKey) {
        lock(&self.entries).retain(|(k, _), _| k != key);
        lock(&self.blocked).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> AccountKey {
        AccountKey { tenant_id: "t".into(), object_id: "o".into(), client_id: "c".into() }
    }

    fn answer(expires_in: u64, scope: &str) -> TokenAnswer {
        TokenAnswer {
            access_token: Secret::from("at"),
            refresh_token: None,
            id_token: None,
            expires_in,
            scope: scope.into(),
        }
    }

    #[test]
    fn a_token_is_fresh_until_it_is_within_the_refresh_margin() {
        let cache = TokenCache::default();
        let graph = "https://graph.microsoft.com";
        let asked = vec!["User.Read".to_owned()];
        cache.insert(&key(), graph, &asked, &answer(3600, "https://graph.microsoft.com/User.Read"));
        assert!(cache.fresh(&key(), graph, &asked, Duration::from_secs(300)).is_some());
        assert!(
            cache.fresh(&key(), graph, &asked, Duration::from_secs(3700)).is_none(),
            "inside the margin"
        );
        let more = vec!["https://graph.microsoft.com/Sites.Read.All".to_owned()];
        assert!(
            cache.fresh(&key(), graph, &more, Duration::ZERO).is_none(),
            "a new scope needs a new token"
        );
        assert_eq!(cache.held(&key(), graph), vec!["https://graph.microsoft.com/User.Read"]);
    }

    #[test]
    fn blocked_accounts_stay_blocked_until_signed_in_or_out() {
        let cache = TokenCache::default();
        cache.block(&key(), SignInReason::Revoked);
        assert_eq!(cache.blocked(&key()), Some(SignInReason::Revoked));
        cache.forget(&key());
        assert_eq!(cache.blocked(&key()), None);
    }
}

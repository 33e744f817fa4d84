//! Signs a person in to the Microsoft identity platform and keeps their tokens.
//!
//! This crate owns: the browser sign-in of a native app as RFC 8252 asks (system browser,
//! loopback redirect on `127.0.0.1`, PKCE S256, `state`, `nonce`, the id token verified against the
//! tenant's published keys), the device code sign-in, the token cache (access tokens in memory
//! only, refresh ahead of expiry, one refresh at a time per account, incremental scopes per
//! resource), the classification of failures (sign in again, retry later, or a plain-words
//! reason), and a connectivity check for corporate networks (proxies, blocked ports, TLS
//! interception). It talks to whichever authority host the caller gives (each cloud's, or a local
//! tenant emulator's); Microsoft's behaviour it follows is in `docs/microsoft` §1.
//!
//! It does not own: where refresh tokens are kept (it declares [`RefreshTokenStore`]; the app
//! implements it over the vault's keychain), which accounts exist in the app, making certificates (the certs crate: the app-only client
//! here is handed a certificate's thumbprints and private key), the choice of cloud
//! (the settings crate), Microsoft Graph calls (the graph crate, which does not depend on this
//! one), windows or IPC (the app). It never uses a client secret and knows nothing of Tauri.
//!
//! ```no_run
//! # async fn demo(store: std::sync::Arc<dyn spconnect_identity::RefreshTokenStore>) -> Result<(), spconnect_identity::IdentityError> {
//! use spconnect_identity::*;
//! let authority = Authority::new("https://login.microsoftonline.com", "organizations")?;
//! let identity = Identity::new(IdentityConfig::new(authority, "client-id"), store)?;
//! let sign_in = identity.start_browser_sign_in(SignInRequest::new(["https://graph.microsoft.com/User.Read"])).await?;
//! open_browser(sign_in.authorize_url())?;
//! let account = sign_in.finish().await?;
//! let token = identity.access_token(&account.key, &["https://graph.microsoft.com/Sites.Read.All"]).await?;
//! # let _ = token; Ok(()) }
//! ```

mod app_only;
mod browser;
mod cache;
mod cancel;
mod client;
mod connectivity;
mod device;
mod error;
#[cfg(test)]
mod flow_tests;
mod id_token;
mod interactive;
mod loopback;
mod model;
mod pkce;
mod store;

use std::{sync::Arc, time::Duration};

// Lets the shared test helpers (written for the integration tests) name this crate from inside.
#[cfg(test)]
extern crate self as spconnect_identity;

pub use app_only::{AppOnlyClient, AssertionAlgorithm, CertificateCredential};
pub use browser::open_browser;
pub use cancel::CancelHandle;
pub use client::{NetworkOptions, ProxyChoice};
pub use connectivity::{NetworkProblem, check_connectivity};
pub use device::DeviceCodeSignIn;
pub use error::{IdentityError, Rejection, SignInReason};
pub use interactive::{BrowserSignIn, Prompt, SignInRequest};
pub use loopback::LoopbackName;
pub use model::{AccessToken, Account, AccountKey, Authority};
pub use store::{MemoryStore, RefreshTokenStore, StoreError};

use crate::{
    cache::TokenCache,
    client::{Failure, Http, TokenAnswer, classify},
    model::{resource_of, single_resource},
};

/// How an [`Identity`] signs people in.
#[derive(Clone, Debug)]
pub struct IdentityConfig {
    /// Where people sign in.
    pub authority: Authority,
    /// The public client application id (never with a secret).
    pub client_id: String,
    /// Proxy, trust and timeouts.
    pub network: NetworkOptions,
    /// An access token this close to its expiry is refreshed before it is handed out.
    pub refresh_ahead: Duration,
    /// How long a browser sign-in waits for the redirect.
    pub sign_in_timeout: Duration,
}

impl IdentityConfig {
    /// The defaults: refresh 5 minutes ahead, a 5-minute browser sign-in, the environment's proxy.
    pub fn new(authority: Authority, client_id: &str) -> Self {
        Self {
            authority,
            client_id: client_id.trim().to_owned(),
            network: NetworkOptions::default(),
            refresh_ahead: Duration::from_secs(5 * 60),
            sign_in_timeout: Duration::from_secs(5 * 60),
        }
    }
}

/// Signs people in and hands out their tokens. Cheap to clone; clones share the cache.
#[derive(Clone)]
pub struct Identity {
    inner: Arc<Inner>,
}

struct Inner {
    config: IdentityConfig,
    http: Http,
    cache: TokenCache,
    store: Arc<dyn RefreshTokenStore>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

impl Identity {
    /// An identity client for one authority and client id, keeping refresh tokens in `store`.
    pub fn new(
        config: IdentityConfig,
        store: Arc<dyn RefreshTokenStore>,
    ) -> Result<Self, IdentityError> {
        if config.client_id.is_empty() {
            return Err(IdentityError::InvalidInput {
                field: "client id",
                message: "it is empty".into(),
            });
        }
        let http = Http::new(&config.authority, &config.network)?;
        Ok(Self { inner: Arc::new(Inner { config, http, cache: TokenCache::default(), store }) })
    }

    /// The configuration.
    pub fn config(&self) -> &IdentityConfig {
        &self.inner.config
    }

    /// An access token for `account` covering `scopes` (all of one resource), from memory when
    /// it lives longer than the refresh margin, else refreshed with the kept refresh token.
    /// Concurrent callers for one account share one refresh. Scopes held before for the resource
    /// are asked for again with the new ones. When only the person can help (expired, revoked,
    /// MFA, consent), the answer is [`IdentityError::SignInAgain`], and later calls give it at
    /// once without asking Microsoft, until the account signs in again.
    #[tracing::instrument(skip_all, fields(tenant = %account.tenant_id, object = %account.object_id))]
    pub async fn access_token(
        &self,
        account: &AccountKey,
        scopes: &[&str],
    ) -> Result<AccessToken, IdentityError> {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        let resource = single_resource(&scopes)?;
        let inner = &self.inner;
        let ahead = inner.config.refresh_ahead;
        if let Some(reason) = inner.cache.blocked(account) {
            return Err(IdentityError::SignInAgain { reason });
        }
        if let Some(token) = inner.cache.fresh(account, &resource, &scopes, ahead) {
            return Ok(token);
        }
        let flight = inner.cache.flight(account);
        let _one_at_a_time = flight.lock().await;
        // Another caller may have refreshed (or failed) while this one waited.
        if let Some(reason) = inner.cache.blocked(account) {
            return Err(IdentityError::SignInAgain { reason });
        }
        if let Some(token) = inner.cache.fresh(account, &resource, &scopes, ahead) {
            return Ok(token);
        }
        let key = account.clone();
        let Some(refresh_token) = self.stored(move |store| store.get(&key)).await? else {
            return Err(IdentityError::SignInAgain { reason: SignInReason::NotSignedIn });
        };
        let mut asked = inner.cache.held(account, &resource);
        for scope in &scopes {
            if !asked.iter().any(|held| cache::normalise(held) == cache::normalise(scope)) {
                asked.push(scope.clone());
            }
        }
        asked.push("offline_access".to_owned());
        let authority = inner.config.authority.with_tenant(&account.tenant_id)?;
        let scope = asked.join(" ");
        let form = [
            ("client_id", inner.config.client_id.as_str()),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose().as_str()),
            ("scope", scope.as_str()),
        ];
        let answer = match inner.http.token(&authority.url("oauth2/v2.0/token"), &form).await {
            Ok(answer) => answer,
            Err(Failure::Rejected(rejection)) => {
                let error = refresh_failure(rejection);
                // Missing consent concerns the new scopes only: the account stays usable.
                if let IdentityError::SignInAgain { reason } = &error
                    && *reason != SignInReason::ConsentRequired
                {
                    tracing::info!(reason = %reason, "account must sign in again");
                    inner.cache.block(account, reason.clone());
                }
                return Err(error);
            }
            Err(Failure::Other(error)) => return Err(error),
        };
        self.keep(account, &resource, &asked, &answer).await
    }

    /// Signs `account` out on this computer: forgets its access tokens and deletes its refresh
    /// token from the store.
    pub async fn sign_out(&self, account: &AccountKey) -> Result<(), IdentityError> {
        self.inner.cache.forget(account);
        let key = account.clone();
        self.stored(move |store| store.delete(&key)).await
    }

    /// Keeps what a token answer holds: the refresh token in the store, the access token in memory.
    async fn keep(
        &self,
        account: &AccountKey,
        resource: &str,
        asked: &[String],
        answer: &TokenAnswer,
    ) -> Result<AccessToken, IdentityError> {
        if let Some(refresh_token) = &answer.refresh_token {
            let (key, token) = (account.clone(), refresh_token.clone());
            self.stored(move |store| store.put(&key, &token)).await?;
        }
        Ok(self.inner.cache.insert(account, resource, asked, answer))
    }

    /// After an interactive sign-in: checks the id token and keeps the tokens.
    async fn complete_sign_in(
        &self,
        authority: &model::Authority,
        nonce: Option<&str>,
        asked: &[String],
        answer: TokenAnswer,
    ) -> Result<Account, IdentityError> {
        let inner = &self.inner;
        let id_token = answer
            .id_token
            .as_ref()
            .ok_or_else(|| IdentityError::Protocol("the answer has no id token".into()))?;
        let account = id_token::verify(
            &inner.http,
            authority,
            &inner.config.client_id,
            nonce,
            id_token.expose(),
        )
        .await?;
        let resource = asked.iter().find_map(|s| resource_of(s)).unwrap_or_default();
        self.keep(&account.key, &resource, asked, &answer).await?;
        inner.cache.unblock(&account.key);
        tracing::info!(tenant = %account.key.tenant_id, object = %account.key.object_id, "signed in");
        Ok(account)
    }

    /// Runs a store call where it may block.
    async fn stored<T: Send + 'static>(
        &self,
        call: impl FnOnce(&dyn RefreshTokenStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, IdentityError> {
        let store = self.inner.store.clone();
        tokio::task::spawn_blocking(move || call(store.as_ref()))
            .await
            .map_err(|_| StoreError::permanent("the keychain call stopped unexpectedly"))?
            .map_err(IdentityError::from)
    }
}

/// A refused refresh: `invalid_grant` means the refresh token is no longer good
/// (docs/microsoft §1.5), with AADSTS50173 naming a revocation.
fn refresh_failure(rejection: Rejection) -> IdentityError {
    let reason = match (rejection.error.as_str(), rejection.code) {
        (_, Some(50173)) => SignInReason::Revoked,
        ("invalid_grant", Some(50076 | 50079)) => SignInReason::MfaRequired,
        ("invalid_grant", Some(65001)) => SignInReason::ConsentRequired,
        ("invalid_grant", _) => SignInReason::Expired,
        _ => return classify(rejection),
    };
    IdentityError::SignInAgain { reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_refreshes_are_classified() {
        let reject = |error: &str, code| Rejection {
            error: error.into(),
            code: Some(code),
            description: String::new(),
        };
        let reason = |e: IdentityError| match e {
            IdentityError::SignInAgain { reason } => Some(reason),
            _ => None,
        };
        assert_eq!(
            reason(refresh_failure(reject("invalid_grant", 50173))),
            Some(SignInReason::Revoked)
        );
        assert_eq!(
            reason(refresh_failure(reject("invalid_grant", 700082))),
            Some(SignInReason::Expired)
        );
        assert_eq!(
            reason(refresh_failure(reject("interaction_required", 50079))),
            Some(SignInReason::MfaRequired)
        );
        assert_eq!(reason(refresh_failure(reject("invalid_scope", 70011))), None);
    }
}

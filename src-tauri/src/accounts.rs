//! Wires the sign-in crates together for the shell: the identity crate's refresh tokens kept in
//! the OS keychain through the vault, the Graph client fed by the identity crate's tokens, and the
//! list of who signed in on this computer (the settings crate's `accounts.json`). One
//! [`Identity`] per authority and client application; one sign-in in progress at a time.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::{SystemTime, UNIX_EPOCH},
};

use spconnect_graph::{
    GraphClient, GraphOptions, Pacer, TokenError, TokenErrorKind, TokenFuture, TokenSource,
    access::Need,
    roles::{self, AdminRole},
};
use spconnect_identity::{
    Account, AccountKey, Authority, CancelHandle, DeviceCodeSignIn, Identity, IdentityConfig,
    IdentityError, RefreshTokenStore, SignInReason, StoreError,
};
use spconnect_secret::Secret;
use spconnect_settings::{AccountsStore, KnownAccount};
use spconnect_vault::{RefreshTokenKey, RefreshTokens, SecretStore, VaultError};

/// The scopes of a sign-in: reading the person and their directory roles. Browsing and creating
/// connections ask for more when the person gets there.
pub const SIGN_IN_SCOPES: [&str; 1] = [roles::READ_OWN_ROLES];

/// Where and with which client application people sign in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    /// The authority origin.
    pub authority_host: String,
    /// The Graph origin.
    pub graph_host: String,
    /// The tenant segment (`organizations`, a tenant id or a domain).
    pub tenant: String,
    /// The public client application.
    pub client_id: String,
}

/// Refresh tokens in the OS keychain, through the vault, as the identity crate needs them.
struct KeychainTokens(RefreshTokens);

fn vault_key(key: &AccountKey) -> Result<RefreshTokenKey, StoreError> {
    RefreshTokenKey::new(&key.tenant_id, &key.object_id, &key.client_id)
        .map_err(|e| StoreError::permanent(e.to_string()))
}

fn store_error(error: VaultError) -> StoreError {
    if error.is_retryable() {
        StoreError::transient(error.to_string())
    } else {
        StoreError::permanent(error.to_string())
    }
}

impl RefreshTokenStore for KeychainTokens {
    fn get(&self, key: &AccountKey) -> Result<Option<Secret<String>>, StoreError> {
        match self.0.load(&vault_key(key)?) {
            Ok(token) => Ok(Some(token)),
            Err(VaultError::NotFound { .. }) => Ok(None),
            Err(error) => Err(store_error(error)),
        }
    }

    fn put(&self, key: &AccountKey, token: &Secret<String>) -> Result<(), StoreError> {
        self.0.save(&vault_key(key)?, token).map_err(store_error)
    }

    fn delete(&self, key: &AccountKey) -> Result<(), StoreError> {
        self.0.remove(&vault_key(key)?).map(|_| ()).map_err(store_error)
    }
}

/// One person's delegated tokens, as the Graph client asks for them.
struct PersonTokens {
    identity: Identity,
    key: AccountKey,
}

impl TokenSource for PersonTokens {
    fn token<'a>(&'a self, scopes: &'a [&'a str]) -> TokenFuture<'a> {
        Box::pin(async move {
            match self.identity.access_token(&self.key, scopes).await {
                Ok(token) => Ok(token.token),
                Err(error) => Err(TokenError {
                    kind: match &error {
                        IdentityError::SignInAgain { reason: SignInReason::ConsentRequired } => {
                            TokenErrorKind::ConsentRequired
                        }
                        IdentityError::SignInAgain { .. } => TokenErrorKind::SignInAgain,
                        _ => TokenErrorKind::Other,
                    },
                    message: error.to_string(),
                }),
            }
        })
    }
}

/// A device code sign-in waiting for the person.
pub struct PendingDeviceCode {
    sign_in: DeviceCodeSignIn,
    target: Target,
}

/// The sign-in service of the app.
pub struct Accounts {
    store: AccountsStore,
    tokens: Arc<dyn RefreshTokenStore>,
    identities: Mutex<HashMap<(String, String), Identity>>,
    cancel: Mutex<Option<CancelHandle>>,
    device: tokio::sync::Mutex<Option<PendingDeviceCode>>,
    /// Why an account must sign in again, learnt from a failed token request in this run.
    reasons: Mutex<HashMap<AccountKey, String>>,
    /// One pacer per tenant: Graph throttles per application per tenant, whoever signs in.
    pacers: Mutex<HashMap<String, Pacer>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Accounts {
    /// Accounts listed in `store`, their refresh tokens in `secrets` (the OS keychain in the app).
    pub fn new(store: AccountsStore, secrets: Arc<dyn SecretStore>) -> Self {
        Self {
            store,
            tokens: Arc::new(KeychainTokens(RefreshTokens::new(secrets))),
            identities: Mutex::default(),
            cancel: Mutex::default(),
            device: tokio::sync::Mutex::default(),
            reasons: Mutex::default(),
            pacers: Mutex::default(),
        }
    }

    /// Marks `account` "sign in again" with `reason` (plain words, no secret).
    pub fn note_reason(&self, account: &KnownAccount, reason: &str) {
        lock(&self.reasons).insert(key_of(account), reason.to_owned());
    }

    /// Clears the mark (after a sign-in or sign-out).
    pub fn forget_reason(&self, account: &KnownAccount) {
        lock(&self.reasons).remove(&key_of(account));
    }

    /// Why `key` must sign in again, if known.
    pub fn reason(&self, key: &AccountKey) -> Option<String> {
        lock(&self.reasons).get(key).cloned()
    }

    /// The list of accounts.
    pub fn store(&self) -> &AccountsStore {
        &self.store
    }

    /// The identity client for `target`'s authority and client application.
    pub fn identity(&self, target: &Target) -> Result<Identity, IdentityError> {
        let key = (target.authority_host.clone(), target.client_id.clone());
        if let Some(identity) = lock(&self.identities).get(&key) {
            return Ok(identity.clone());
        }
        let authority = Authority::new(&target.authority_host, &target.tenant)?;
        let identity =
            Identity::new(IdentityConfig::new(authority, &target.client_id), self.tokens.clone())?;
        lock(&self.identities).insert(key, identity.clone());
        Ok(identity)
    }

    /// A Graph client acting as `account`.
    pub fn graph_for(&self, account: &KnownAccount) -> Result<GraphClient, String> {
        let identity = self.identity(&target_of(account)).map_err(|e| e.to_string())?;
        let tokens = PersonTokens { identity, key: key_of(account) };
        let pacer = lock(&self.pacers).entry(account.tenant_id.clone()).or_default().clone();
        GraphClient::new(&account.graph_host, Arc::new(tokens), GraphOptions::default())
            .map(|graph| graph.with_pacer(pacer))
            .map_err(|e| e.to_string())
    }

    /// Remembers the handle that cancels the sign-in in progress (replacing, and cancelling, an
    /// earlier one: one sign-in at a time).
    pub fn begin(&self, handle: CancelHandle) {
        if let Some(previous) = lock(&self.cancel).replace(handle) {
            previous.cancel();
        }
    }

    /// Cancels the sign-in in progress, if any.
    pub fn cancel(&self) -> bool {
        match lock(&self.cancel).take() {
            Some(handle) => {
                handle.cancel();
                true
            }
            None => false,
        }
    }

    /// Keeps a device code sign-in until the person finishes it.
    pub async fn hold_device_code(&self, sign_in: DeviceCodeSignIn, target: Target) {
        self.begin(sign_in.cancel_handle());
        *self.device.lock().await = Some(PendingDeviceCode { sign_in, target });
    }

    /// The device code sign-in waiting, taken out.
    pub async fn take_device_code(&self) -> Option<(DeviceCodeSignIn, Target)> {
        self.device.lock().await.take().map(|p| (p.sign_in, p.target))
    }

    /// After a sign-in: reads the person's roles and lists them on this computer.
    pub async fn signed_in(
        &self,
        account: Account,
        target: &Target,
    ) -> Result<(KnownAccount, Option<String>), String> {
        let mut known = KnownAccount {
            tenant_id: account.key.tenant_id,
            object_id: account.key.object_id,
            client_id: account.key.client_id,
            username: account.username,
            name: account.name,
            authority_host: target.authority_host.clone(),
            graph_host: target.graph_host.clone(),
            role_template_ids: Vec::new(),
            signed_in_at: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        };
        let mut notice = None;
        match roles::my_roles(&self.graph_for(&known)?).await {
            Ok(roles) => {
                known.role_template_ids =
                    roles.iter().map(|r| r.template_id().to_owned()).collect();
            }
            Err(error) => {
                tracing::warn!(%error, "directory roles could not be read");
                notice = Some(format!("Your directory roles could not be read: {error}"));
            }
        }
        Ok((known, notice))
    }

    /// Signs `account` out on this computer: forgets its tokens, deletes its refresh token from
    /// the keychain, and takes it off the list.
    pub async fn sign_out(&self, account: &KnownAccount) -> Result<(), String> {
        let identity = self.identity(&target_of(account)).map_err(|e| e.to_string())?;
        identity.sign_out(&key_of(account)).await.map_err(|e| e.to_string())
    }

    /// Whether `account`'s kept sign-in covers `need` (a token for its scopes can be had without
    /// asking the person): `false` when consent is missing, an error when the account must sign
    /// in again or Microsoft cannot be reached.
    pub async fn has_access(
        &self,
        account: &KnownAccount,
        need: Need,
    ) -> Result<bool, IdentityError> {
        let identity = self.identity(&target_of(account))?;
        match identity.access_token(&key_of(account), need.scopes()).await {
            Ok(_) => Ok(true),
            Err(IdentityError::SignInAgain { reason: SignInReason::ConsentRequired }) => Ok(false),
            Err(error) => Err(error),
        }
    }
}

/// The scopes of a sign-in that also asks for `need`'s permissions.
pub fn sign_in_scopes(need: Option<Need>) -> Vec<&'static str> {
    let mut scopes = SIGN_IN_SCOPES.to_vec();
    scopes.extend(need.map(Need::scopes).unwrap_or_default());
    scopes
}

/// Where `account` signed in, with which client application.
pub fn target_of(account: &KnownAccount) -> Target {
    Target {
        authority_host: account.authority_host.clone(),
        graph_host: account.graph_host.clone(),
        tenant: account.tenant_id.clone(),
        client_id: account.client_id.clone(),
    }
}

/// The key the identity crate keeps `account`'s tokens under.
pub fn key_of(account: &KnownAccount) -> AccountKey {
    AccountKey {
        tenant_id: account.tenant_id.clone(),
        object_id: account.object_id.clone(),
        client_id: account.client_id.clone(),
    }
}

/// The admin roles of a listed account.
pub fn roles_of(account: &KnownAccount) -> Vec<AdminRole> {
    account.role_template_ids.iter().filter_map(|id| AdminRole::from_template_id(id)).collect()
}

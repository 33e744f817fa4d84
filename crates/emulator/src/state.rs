//! Everything the running emulator holds: the tenants, the signing key, the sign-in state
//! (pending authorizations, codes, refresh tokens, device codes, browser sessions).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard},
    time::Duration,
};

use time::OffsetDateTime;
use uuid::Uuid;

use crate::{
    clock::Clock,
    keys::SigningKey,
    model::{Application, Tenant},
    store::Store,
};

/// The directory data of all tenants.
pub struct World {
    /// The tenants.
    pub tenants: Vec<Tenant>,
    /// Multi-tenant applications owned outside the seeded tenants (spconnect's own client).
    pub external_apps: Vec<Application>,
    /// How long new applications, service principals and grants stay invisible to reads and to
    /// the token endpoint, as Entra ID's replication makes them (docs/microsoft §2.8).
    pub replication_delay: Duration,
}

impl World {
    /// Whether an object created at `created` has replicated (is visible) yet.
    pub fn replicated(&self, created: OffsetDateTime) -> bool {
        created + self.replication_delay <= now()
    }

    /// The index of the tenant with this id (the token's `tid`): the one tenant lookup of the
    /// resource services.
    pub fn tenant_index_by_id(&self, id: Uuid) -> Option<usize> {
        self.tenants.iter().position(|t| t.id == id)
    }

    /// A tenant by id, initial domain or (for `common`/`organizations`) `None`.
    pub fn tenant(&self, name: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| {
            t.id.to_string().eq_ignore_ascii_case(name) || t.domain.eq_ignore_ascii_case(name)
        })
    }

    /// The tenant whose users include `upn`'s domain.
    pub fn tenant_of_upn(&self, upn: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.user_by_upn(upn).is_some())
    }

    /// The tenant whose SharePoint host is `host`.
    pub fn tenant_by_sharepoint_host(&self, host: &str) -> Option<usize> {
        self.tenants.iter().position(|t| t.sharepoint_host.eq_ignore_ascii_case(host))
    }

    /// An application registration usable in `tenant`: owned by it, or a multi-tenant app with a
    /// service principal there.
    pub fn application_for<'a>(
        &'a self,
        tenant: &'a Tenant,
        app_id: Uuid,
    ) -> Option<&'a Application> {
        let owned = tenant
            .applications
            .iter()
            .find(|a| a.app_id == app_id && a.deleted.is_none() && self.replicated(a.created));
        owned.or_else(|| {
            let sp = tenant.service_principal_by_app_id(app_id)?;
            if !self.replicated(sp.created) {
                return None;
            }
            self.external_apps
                .iter()
                .chain(self.tenants.iter().flat_map(|t| t.applications.iter()))
                .find(|a| {
                    a.app_id == app_id
                        && a.deleted.is_none()
                        && a.sign_in_audience != "AzureADMyOrg"
                })
        })
    }
}

/// What the person asked for at /authorize, kept while they sign in.
#[derive(Clone, Debug)]
pub struct PendingAuthorization {
    /// The tenant segment of the URL (`common`, a domain or an id).
    pub tenant_segment: String,
    /// The client.
    pub client_id: Uuid,
    /// The redirect URI as sent.
    pub redirect_uri: String,
    /// Whether `redirect_uri` is a public-client (desktop) URI.
    pub public_client: bool,
    /// The scopes requested.
    pub scope: String,
    /// `state`, echoed back.
    pub state: Option<String>,
    /// `nonce`, put in the id token.
    pub nonce: Option<String>,
    /// PKCE challenge.
    pub code_challenge: Option<String>,
    /// `S256` or `plain`.
    pub code_challenge_method: String,
    /// `query`, `fragment` or `form_post`.
    pub response_mode: String,
    /// `prompt=consent` was given.
    pub force_consent: bool,
    /// The user who has signed in, once they have.
    pub user: Option<(Uuid, Uuid)>,
    /// A device code this sign-in approves, for the device code flow.
    pub device_code: Option<String>,
    /// This sign-in is for the admin consent endpoint (`/{tenant}/adminconsent`).
    pub admin_consent: bool,
    /// When it expires (on the emulator's clock).
    pub expires: OffsetDateTime,
}

impl PendingAuthorization {
    /// A sign-in for `client_id` answered at `redirect_uri`, with the defaults of a plain code
    /// request (no state, nonce or PKCE; query response mode).
    pub fn new(
        tenant_segment: String,
        client_id: Uuid,
        redirect_uri: String,
        public_client: bool,
        expires: OffsetDateTime,
    ) -> Self {
        Self {
            tenant_segment,
            client_id,
            redirect_uri,
            public_client,
            scope: String::new(),
            state: None,
            nonce: None,
            code_challenge: None,
            code_challenge_method: "plain".into(),
            response_mode: "query".into(),
            force_consent: false,
            user: None,
            device_code: None,
            admin_consent: false,
            expires,
        }
    }
}

/// An issued authorization code.
#[derive(Clone, Debug)]
pub struct AuthCode {
    /// The tenant.
    pub tenant_id: Uuid,
    /// The user.
    pub user_id: Uuid,
    /// The request it answers.
    pub request: PendingAuthorization,
    /// When it was issued (codes live 10 minutes on the emulator's clock).
    pub issued: OffsetDateTime,
    /// Redeemed already (single use).
    pub redeemed: bool,
}

/// An issued refresh token.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RefreshGrant {
    /// The tenant.
    pub tenant_id: Uuid,
    /// The client.
    pub client_id: Uuid,
    /// The user.
    pub user_id: Uuid,
    /// Whether it was issued to a public client.
    pub public_client: bool,
    /// When it was issued.
    #[serde(with = "time::serde::rfc3339")]
    pub issued: OffsetDateTime,
}

/// The state of a device code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceStatus {
    /// Waiting for the person.
    Pending,
    /// Approved by a user of a tenant.
    Approved {
        /// The tenant.
        tenant_id: Uuid,
        /// The user.
        user_id: Uuid,
    },
    /// The person declined.
    Declined,
    /// Tokens were issued already.
    Redeemed,
}

/// An issued device code.
#[derive(Clone, Debug)]
pub struct DeviceGrant {
    /// The code the person types.
    pub user_code: String,
    /// The tenant segment of the request.
    pub tenant_segment: String,
    /// The client.
    pub client_id: Uuid,
    /// Requested scopes.
    pub scope: String,
    /// Progress.
    pub status: DeviceStatus,
    /// Expiry (on the emulator's clock).
    pub expires: OffsetDateTime,
}

/// How long an authorization code can be redeemed.
pub const CODE_LIFETIME: time::Duration = time::Duration::minutes(10);
/// How long a refresh token lives (Entra ID's default: 90 days).
pub const REFRESH_TOKEN_LIFETIME: time::Duration = time::Duration::days(90);
/// How long an unused browser session is kept. `ESTSAUTH` is a session cookie, gone when the
/// browser closes; the emulator cannot see that, so it forgets sessions unused for a day.
pub const BROWSER_SESSION_IDLE: time::Duration = time::Duration::days(1);
/// How long expired codes, device codes and refresh tokens are still recognised, so that a
/// client presenting one gets Microsoft's "expired" answer (AADSTS70008, `expired_token`) rather
/// than "not valid"; after that they are dropped.
pub const RECOGNISED_AFTER_EXPIRY: time::Duration = time::Duration::days(1);
/// How often expired sign-in state is swept away.
const PRUNE_INTERVAL: time::Duration = time::Duration::minutes(1);

/// A browser's sign-in session (the `ESTSAUTH` cookie): every account signed in through it.
#[derive(Clone, Debug)]
pub struct BrowserSession {
    /// (tenant, user) of each signed-in account, in the order they signed in.
    pub accounts: Vec<(Uuid, Uuid)>,
    /// When it was last used (on the emulator's clock).
    pub last_used: OffsetDateTime,
}

/// Sign-in state that is not directory data.
#[derive(Default)]
pub struct Sessions {
    /// Pending authorizations by context id.
    pub pending: HashMap<String, PendingAuthorization>,
    /// Codes.
    pub codes: HashMap<String, AuthCode>,
    /// Refresh tokens, by their [`refresh_token_key`] (a digest: the tokens themselves are never
    /// kept, in memory or in `--state`).
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    /// Device codes.
    pub device_codes: HashMap<String, DeviceGrant>,
    /// Browser sessions by cookie value.
    pub browser: HashMap<String, BrowserSession>,
    /// Per user: refresh tokens issued before this instant are revoked.
    pub revoked_before: HashMap<Uuid, OffsetDateTime>,
    /// Users for whom the token endpoint demands MFA.
    pub mfa_required: Vec<Uuid>,
    /// When expired entries were last swept away.
    pruned: Option<OffsetDateTime>,
}

impl Sessions {
    /// Drops what has expired as of `time` (the emulator's clock): pending sign-ins and idle
    /// browser sessions at once; codes, device codes and refresh tokens once they have been
    /// expired for [`RECOGNISED_AFTER_EXPIRY`].
    pub fn prune(&mut self, time: OffsetDateTime) {
        let kept = |expiry: OffsetDateTime| expiry + RECOGNISED_AFTER_EXPIRY > time;
        self.pending.retain(|_, p| p.expires > time);
        self.codes.retain(|_, c| kept(c.issued + CODE_LIFETIME));
        self.device_codes.retain(|_, d| kept(d.expires));
        self.refresh_tokens.retain(|_, r| kept(r.issued + REFRESH_TOKEN_LIFETIME));
        self.browser.retain(|_, b| time - b.last_used <= BROWSER_SESSION_IDLE);
        self.pruned = Some(time);
    }

    /// Signs a user out of every browser session; sessions left without an account end.
    pub fn sign_out_everywhere(&mut self, user: Uuid) {
        for session in self.browser.values_mut() {
            session.accounts.retain(|(_, signed_in)| *signed_in != user);
        }
        self.browser.retain(|_, session| !session.accounts.is_empty());
    }

    /// Prunes when the last sweep is older than a minute, so the maps never grow with dead entries.
    fn prune_now_and_then(&mut self) {
        let time = now();
        if self.pruned.is_none_or(|last| time - last >= PRUNE_INTERVAL) {
            self.prune(time);
        }
    }
}

/// What an injected fault does to a matching request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FaultKind {
    /// 429 Too Many Requests with `Retry-After`.
    Throttle,
    /// 503 Service Unavailable with `Retry-After`.
    Unavailable,
    /// The connection is closed before a complete response.
    Drop,
}

/// A fault waiting for matching requests: the next `count` of them, or (with `fraction`) that
/// share of them, picked by a pseudo-random sequence from `seed` so a run can be repeated.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// What happens.
    pub kind: FaultKind,
    /// Requests whose path starts with this are hit (empty: every request except `/_emulator`).
    #[serde(default)]
    pub path_prefix: String,
    /// How many requests are hit before the fault is gone (not used with `fraction`).
    #[serde(default = "one")]
    pub count: u32,
    /// The `Retry-After` seconds for throttling and unavailability.
    #[serde(default = "one")]
    pub retry_after: u32,
    /// The share (0 to 1) of matching requests hit; such a fault stays until the faults are cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraction: Option<f64>,
    /// The seed of the sequence that picks the requests `fraction` hits.
    #[serde(default)]
    pub seed: u64,
    /// How many matching requests the sequence has decided on.
    #[serde(skip)]
    draws: u64,
}

impl Fault {
    /// A fault of `kind` for the next request, whatever its path.
    pub fn new(kind: FaultKind, retry_after: u32) -> Self {
        Self {
            kind,
            path_prefix: String::new(),
            count: 1,
            retry_after,
            fraction: None,
            seed: 0,
            draws: 0,
        }
    }

    /// Whether this matching request is hit: always for a count fault; for a fraction fault, the
    /// next number of the seeded sequence (SplitMix64) decides.
    fn hits(&mut self) -> bool {
        let Some(fraction) = self.fraction else { return true };
        self.draws += 1;
        let mut z = self.seed.wrapping_add(self.draws.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 / (1u64 << 53) as f64) < fraction
    }
}

fn one() -> u32 {
    1
}

/// One line of the request log: never a body, a query string or a header value.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    /// When it arrived (RFC 3339).
    pub time: String,
    /// The method.
    pub method: String,
    /// The Host header.
    pub host: String,
    /// The path, without the query.
    pub path: String,
    /// The status answered.
    pub status: u16,
    /// The resource units the throttling model charged (0 when it is off or the request is free).
    pub ru: u32,
}

/// How many requests the log keeps.
pub const LOG_CAPACITY: usize = 10_000;

/// The emulator's shared state.
pub struct Shared {
    world: RwLock<World>,
    sessions: Mutex<Sessions>,
    /// The token-signing key.
    pub key: SigningKey,
    latency: Mutex<Duration>,
    /// Faults waiting for requests.
    pub faults: Mutex<Vec<Fault>>,
    /// The latest requests.
    pub log: Mutex<std::collections::VecDeque<LoggedRequest>>,
    /// Whether the emulator serves HTTPS.
    pub tls: bool,
    /// The emulator's clock (see [`crate::clock`]).
    pub clock: Arc<Clock>,
    /// The state directory, when the state is kept across restarts (see [`crate::store`]).
    pub store: Option<Store>,
    world_changes: std::sync::atomic::AtomicU64,
    /// The throttling model (off unless switched on).
    pub throttle: crate::throttle::Throttle,
}

impl Shared {
    /// State over `world`.
    pub fn new(world: World, key: SigningKey, latency: Duration, tls: bool) -> Self {
        Self {
            world: RwLock::new(world),
            sessions: Mutex::default(),
            key,
            latency: Mutex::new(latency),
            faults: Mutex::default(),
            log: Mutex::default(),
            tls,
            clock: Arc::default(),
            store: None,
            world_changes: std::sync::atomic::AtomicU64::new(0),
            throttle: crate::throttle::Throttle::default(),
        }
    }

    /// The same state, kept in `store`.
    pub fn with_store(mut self, store: Store) -> Self {
        self.store = Some(store);
        self
    }

    /// The latency added to every response.
    pub fn latency(&self) -> Duration {
        *self.latency.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes the added latency.
    pub fn set_latency(&self, latency: Duration) {
        *self.latency.lock().unwrap_or_else(|p| p.into_inner()) = latency;
    }

    /// Takes one hit of the first fault matching `path` that hits this request, if any.
    pub fn take_fault(&self, path: &str) -> Option<Fault> {
        let mut faults = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        let index = faults.iter_mut().position(|f| path.starts_with(&f.path_prefix) && f.hits())?;
        let fault = faults[index].clone();
        if fault.fraction.is_none() {
            faults[index].count = faults[index].count.saturating_sub(1);
            if faults[index].count == 0 {
                faults.remove(index);
            }
        }
        Some(fault)
    }

    /// Adds a line to the request log.
    pub fn record(&self, entry: LoggedRequest) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if log.len() == LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(entry);
    }

    /// Reads the directory.
    pub fn world(&self) -> RwLockReadGuard<'_, World> {
        self.world.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Changes the directory.
    pub fn world_mut(&self) -> RwLockWriteGuard<'_, World> {
        let guard = self.world.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.world_changes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        guard
    }

    /// How many times the directory was opened for change: the state store skips writing the
    /// tenants when this has not moved since its last save.
    pub fn world_changes(&self) -> u64 {
        self.world_changes.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The sign-in state (expired entries are swept away now and then).
    pub fn sessions(&self) -> MutexGuard<'_, Sessions> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        sessions.prune_now_and_then();
        sessions
    }
}

/// A random URL-safe token of `bytes` random bytes.
pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    let mut raw = Vec::with_capacity(bytes);
    while raw.len() < bytes {
        raw.extend_from_slice(Uuid::new_v4().as_bytes());
    }
    raw.truncate(bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// A time as the services write it (RFC 3339), the one formatter of the crate.
pub fn time_text(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Now, in UTC, on the clock of the emulator serving the current request.
pub fn now() -> OffsetDateTime {
    crate::clock::now()
}

/// The key a refresh token is kept under: its SHA-256, base64url. Whoever reads the emulator's
/// state (the demo tenant's folder) finds no usable refresh token there.
pub fn refresh_token_key(token: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_sign_in_state_is_dropped_and_live_state_kept() {
        let mut sessions = Sessions::default();
        let start = now();
        let minutes = time::Duration::minutes;
        let (tenant, user, client) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let pending = |expires| {
            PendingAuthorization::new("common".into(), client, String::new(), true, expires)
        };
        sessions.pending.insert("old".into(), pending(start));
        sessions.pending.insert("live".into(), pending(start + minutes(120)));
        let code = |issued| AuthCode {
            tenant_id: tenant,
            user_id: user,
            request: pending(start),
            issued,
            redeemed: false,
        };
        sessions.codes.insert("old".into(), code(start));
        sessions.codes.insert("live".into(), code(start + time::Duration::hours(20)));
        let grant = |issued| RefreshGrant {
            tenant_id: tenant,
            client_id: client,
            user_id: user,
            public_client: true,
            issued,
        };
        sessions.refresh_tokens.insert("old".into(), grant(start - time::Duration::days(91)));
        sessions.refresh_tokens.insert("live".into(), grant(start - time::Duration::days(80)));
        let device = |expires| DeviceGrant {
            user_code: "ABC".into(),
            tenant_segment: "common".into(),
            client_id: client,
            scope: String::new(),
            status: DeviceStatus::Pending,
            expires,
        };
        sessions.device_codes.insert("old".into(), device(start));
        sessions.device_codes.insert("live".into(), device(start + time::Duration::days(2)));
        let browser = |last_used| BrowserSession { accounts: vec![(tenant, user)], last_used };
        sessions.browser.insert("old".into(), browser(start));
        sessions.browser.insert("live".into(), browser(start + minutes(60)));

        // An hour on: the old pending sign-in is gone; the old code and device code are expired
        // but still recognised (so their use is answered "expired"), as is the old refresh token.
        sessions.prune(start + minutes(61));
        assert_eq!(sessions.pending.keys().collect::<Vec<_>>(), ["live"]);
        assert_eq!(sessions.codes.len(), 2);
        assert_eq!(sessions.device_codes.len(), 2);
        // A day on, what expired a day ago is dropped.
        sessions.prune(start + RECOGNISED_AFTER_EXPIRY + minutes(11));
        for (name, keys) in [
            ("codes", sessions.codes.keys().collect::<Vec<_>>()),
            ("refresh tokens", sessions.refresh_tokens.keys().collect()),
            ("device codes", sessions.device_codes.keys().collect()),
        ] {
            assert_eq!(keys, ["live"], "{name}");
        }
        sessions.prune(start + BROWSER_SESSION_IDLE + minutes(1));
        assert_eq!(sessions.browser.keys().collect::<Vec<_>>(), ["live"]);
    }
}

//! Microsoft's throttling model for SharePoint, switchable (off by default; `--throttle` or
//! `PUT /_emulator/throttling`). Every application has a budget of resource units (RU) per tenant,
//! per minute and per day, scaled by the tenant's licence count; delegated calls are also counted
//! per user (requests per five minutes). Figures from "Avoid getting throttled or blocked in
//! SharePoint Online":
//! <https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online>.
//!
//! Windows are fixed, not sliding: a window opens at the first charge and its budget refills
//! whole when it ends, so `Retry-After` and `RateLimit-Reset` are the seconds until it ends.
//! Throttled requests are charged too, as Microsoft says they count towards the limits. From 80%
//! of the minute budget the answer carries `RateLimit-Limit`, `RateLimit-Remaining` and
//! `RateLimit-Reset`; when another limit (the day, the user) throttles, those headers are left out,
//! as SharePoint does. What a request costs is in [`cost`]; the HTTP side in [`admit`].

mod admit;
pub mod cost;

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use uuid::Uuid;

pub use admit::{admit, charge_in_batch, rate_limit_json};

/// The licence bands: (most licences in the band, RU per app per minute, RU per app per day).
pub const BANDS: [(u32, u64, u64); 5] = [
    (1_000, 1_250, 1_200_000),
    (5_000, 2_500, 2_400_000),
    (15_000, 3_750, 3_600_000),
    (50_000, 5_000, 4_800_000),
    (u32::MAX, 6_250, 6_000_000),
];

/// Requests a user may make (through any application) per user window.
pub const USER_REQUESTS: u64 = 3_000;

/// Who is charged: an application in a tenant, and the signed-in user for delegated calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    /// The tenant of the token.
    pub tenant: Uuid,
    /// The client id.
    pub app: Uuid,
    /// The user, for delegated calls.
    pub user: Option<Uuid>,
}

/// The `RateLimit-*` figures of the minute budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// `RateLimit-Limit`: the budget of the window.
    pub limit: u64,
    /// `RateLimit-Remaining`.
    pub remaining: u64,
    /// `RateLimit-Reset`: seconds until the budget refills.
    pub reset: u64,
}

impl RateLimit {
    /// The three headers, by name.
    pub fn headers(&self) -> [(&'static str, String); 3] {
        [
            ("RateLimit-Limit", self.limit.to_string()),
            ("RateLimit-Remaining", self.remaining.to_string()),
            ("RateLimit-Reset", self.reset.to_string()),
        ]
    }
}

/// A refused request: wait `retry_after` seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Throttled {
    /// `Retry-After` seconds.
    pub retry_after: u64,
    /// The minute budget's headers, when that budget alone is what throttles.
    pub rate_limit: Option<RateLimit>,
}

/// The limits of one tenant.
#[derive(Clone, Copy, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    /// The licence count the band was chosen by.
    pub licenses: u32,
    /// RU per app per minute window.
    pub per_minute: u64,
    /// RU per app per day window.
    pub per_day: u64,
    /// Requests per user per user window.
    pub user_requests: u64,
}

impl Limits {
    /// The band of `licenses`.
    pub fn for_licenses(licenses: u32) -> Self {
        let (_, per_minute, per_day) =
            BANDS.iter().copied().find(|(most, _, _)| licenses <= *most).unwrap_or(BANDS[4]);
        Self { licenses, per_minute, per_day, user_requests: USER_REQUESTS }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::for_licenses(0)
    }
}

/// The window lengths in seconds (60, 86,400 and 300 as Microsoft has them; tests shorten them).
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Windows {
    /// The per-minute budget's window.
    pub minute: u64,
    /// The per-day budget's window.
    pub day: u64,
    /// The per-user request window.
    pub user: u64,
}

impl Default for Windows {
    fn default() -> Self {
        Self { minute: 60, day: 86_400, user: 300 }
    }
}

/// A fixed window: when it started and what was used in it.
#[derive(Clone, Copy, Debug)]
struct Window {
    started: Instant,
    used: u64,
}

impl Window {
    fn new(now: Instant) -> Self {
        Self { started: now, used: 0 }
    }

    /// Adds `cost`, first starting a new window if this one is over; returns the use so far.
    fn charge(&mut self, now: Instant, length: Duration, cost: u64) -> u64 {
        if now >= self.started + length {
            *self = Self::new(now);
        }
        self.used += cost;
        self.used
    }

    /// Whole seconds until the window ends (at least 1).
    fn reset_in(&self, now: Instant, length: Duration) -> u64 {
        let left = (self.started + length).saturating_duration_since(now);
        left.as_millis().div_ceil(1000).max(1) as u64
    }

    /// The use, or 0 if the window is over.
    fn current(&self, now: Instant, length: Duration) -> u64 {
        if now >= self.started + length { 0 } else { self.used }
    }
}

#[derive(Default)]
struct Counters {
    windows: Windows,
    limits: HashMap<Uuid, Limits>,
    apps: HashMap<(Uuid, Uuid), (Window, Window)>,
    users: HashMap<(Uuid, Uuid), Window>,
}

/// The throttling state: switched on or off, limits per tenant, use per app and per user.
#[derive(Default)]
pub struct Throttle {
    enabled: AtomicBool,
    counters: Mutex<Counters>,
    /// Callers of tokens already verified: SHA-256 of the token → caller and expiry (Unix time).
    callers: Mutex<HashMap<[u8; 32], (Key, i64)>>,
}

/// How many verified tokens are remembered before the memory is cleared.
const REMEMBERED_TOKENS: usize = 4_096;

/// A change to the throttling settings (`PUT /_emulator/throttling`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// Switches the model on or off.
    pub enabled: Option<bool>,
    /// New window lengths.
    pub windows: Option<Windows>,
    /// Per tenant limits.
    #[serde(default)]
    pub tenants: Vec<TenantSettings>,
    /// Forget all use so far.
    #[serde(default)]
    pub reset_usage: bool,
}

/// The limits of one tenant: a licence count picks the band; explicit figures override it.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantSettings {
    /// The tenant id or initial domain.
    pub tenant: String,
    /// Licence count.
    pub licenses: Option<u32>,
    /// RU per app per minute window.
    pub per_minute: Option<u64>,
    /// RU per app per day window.
    pub per_day: Option<u64>,
    /// Requests per user per user window.
    pub user_requests: Option<u64>,
}

impl Throttle {
    /// Whether the model is on.
    pub fn enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Switches the model on or off.
    pub fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::Relaxed);
    }

    /// The caller of an already verified, unexpired token.
    pub fn known_caller(&self, digest: &[u8; 32], now: i64) -> Option<Key> {
        let callers = self.callers.lock().unwrap_or_else(|p| p.into_inner());
        callers.get(digest).filter(|(_, expires)| *expires > now).map(|(key, _)| *key)
    }

    /// Remembers the caller of a verified token until it `expires`.
    pub fn remember_caller(&self, digest: [u8; 32], key: Key, expires: i64) {
        let mut callers = self.callers.lock().unwrap_or_else(|p| p.into_inner());
        if callers.len() >= REMEMBERED_TOKENS {
            callers.clear();
        }
        callers.insert(digest, (key, expires));
    }

    fn counters(&self) -> std::sync::MutexGuard<'_, Counters> {
        self.counters.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies `settings`; `tenant_id` resolves a tenant name (`None`: unknown, and nothing is
    /// changed; the name is returned as the error).
    pub fn configure(
        &self,
        settings: &Settings,
        tenant_id: impl Fn(&str) -> Option<Uuid>,
    ) -> Result<(), String> {
        let mut resolved = Vec::new();
        for tenant in &settings.tenants {
            resolved
                .push((tenant_id(&tenant.tenant).ok_or_else(|| tenant.tenant.clone())?, tenant));
        }
        let mut counters = self.counters();
        if let Some(windows) = settings.windows {
            counters.windows = windows;
        }
        for (id, given) in resolved {
            let current = counters.limits.get(&id).copied().unwrap_or_default();
            let mut limits = given.licenses.map_or(current, Limits::for_licenses);
            limits.per_minute = given.per_minute.unwrap_or(limits.per_minute);
            limits.per_day = given.per_day.unwrap_or(limits.per_day);
            limits.user_requests = given.user_requests.unwrap_or(limits.user_requests);
            counters.limits.insert(id, limits);
        }
        if settings.reset_usage {
            counters.apps.clear();
            counters.users.clear();
        }
        drop(counters);
        if let Some(enabled) = settings.enabled {
            self.set_enabled(enabled);
        }
        Ok(())
    }

    /// Charges `cost` RU to `key`. `Ok` with the `RateLimit` figures once 80% of the minute
    /// budget is used; `Err` when a budget is exceeded. Free when the model is off or `cost` is 0.
    pub fn charge(&self, key: &Key, cost: u32) -> Result<Option<RateLimit>, Throttled> {
        if cost == 0 || !self.enabled() {
            return Ok(None);
        }
        let now = Instant::now();
        let mut counters = self.counters();
        let windows = counters.windows;
        let (minute_length, day_length, user_length) = (
            Duration::from_secs(windows.minute),
            Duration::from_secs(windows.day),
            Duration::from_secs(windows.user),
        );
        let limits = counters.limits.get(&key.tenant).copied().unwrap_or_default();
        let (minute, day) = counters
            .apps
            .entry((key.tenant, key.app))
            .or_insert_with(|| (Window::new(now), Window::new(now)));
        let used_minute = minute.charge(now, minute_length, u64::from(cost));
        let used_day = day.charge(now, day_length, u64::from(cost));
        let rate = RateLimit {
            limit: limits.per_minute,
            remaining: limits.per_minute.saturating_sub(used_minute),
            reset: minute.reset_in(now, minute_length),
        };
        let day_over = (used_day > limits.per_day).then(|| day.reset_in(now, day_length));
        let user_over = key.user.and_then(|user| {
            let window =
                counters.users.entry((key.tenant, user)).or_insert_with(|| Window::new(now));
            (window.charge(now, user_length, 1) > limits.user_requests)
                .then(|| window.reset_in(now, user_length))
        });
        let minute_over = used_minute > limits.per_minute;
        if minute_over || day_over.is_some() || user_over.is_some() {
            let others = day_over.into_iter().chain(user_over).max();
            return Err(Throttled {
                retry_after: others.unwrap_or(0).max(if minute_over { rate.reset } else { 0 }),
                rate_limit: others.is_none().then_some(rate),
            });
        }
        Ok((used_minute * 5 >= limits.per_minute * 4).then_some(rate))
    }

    /// The settings and the use so far, for `GET /_emulator/throttling`.
    pub fn snapshot(&self) -> Value {
        let now = Instant::now();
        let counters = self.counters();
        let windows = counters.windows;
        let (minute, day, user) = (
            Duration::from_secs(windows.minute),
            Duration::from_secs(windows.day),
            Duration::from_secs(windows.user),
        );
        let limits = |tenant: &Uuid| counters.limits.get(tenant).copied().unwrap_or_default();
        let apps: Vec<Value> = counters
            .apps
            .iter()
            .map(|((tenant, app), (m, d))| {
                json!({
                    "tenantId": tenant, "appId": app,
                    "minute": {"used": m.current(now, minute), "limit": limits(tenant).per_minute, "resetSeconds": m.reset_in(now, minute)},
                    "day": {"used": d.current(now, day), "limit": limits(tenant).per_day, "resetSeconds": d.reset_in(now, day)},
                })
            })
            .collect();
        let users: Vec<Value> = counters
            .users
            .iter()
            .map(|((tenant, id), w)| {
                json!({"tenantId": tenant, "userId": id, "requests": w.current(now, user), "limit": limits(tenant).user_requests, "resetSeconds": w.reset_in(now, user)})
            })
            .collect();
        let tenants: Vec<Value> = counters
            .limits
            .iter()
            .map(|(id, l)| {
                let mut value = json!(l);
                value["tenantId"] = json!(id);
                value
            })
            .collect();
        json!({
            "enabled": self.enabled(),
            "windows": windows,
            "defaults": Limits::default(),
            "tenants": tenants,
            "apps": apps,
            "users": users,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licence_counts_pick_microsofts_bands() {
        let band = |n| {
            let l = Limits::for_licenses(n);
            (l.per_minute, l.per_day)
        };
        assert_eq!(band(0), (1_250, 1_200_000));
        assert_eq!(band(1_000), (1_250, 1_200_000));
        assert_eq!(band(1_001), (2_500, 2_400_000));
        assert_eq!(band(15_000), (3_750, 3_600_000));
        assert_eq!(band(50_000), (5_000, 4_800_000));
        assert_eq!(band(50_001), (6_250, 6_000_000));
    }

    fn throttle(tenant: TenantSettings) -> Throttle {
        let throttle = Throttle::default();
        let settings =
            Settings { enabled: Some(true), tenants: vec![tenant], ..Settings::default() };
        throttle.configure(&settings, |_| Some(Uuid::nil())).expect("configured");
        throttle
    }

    fn limits(per_minute: u64, per_day: u64) -> TenantSettings {
        TenantSettings {
            tenant: "t".into(),
            licenses: None,
            per_minute: Some(per_minute),
            per_day: Some(per_day),
            user_requests: None,
        }
    }

    const APP: Key = Key { tenant: Uuid::nil(), app: Uuid::nil(), user: None };

    #[test]
    fn the_day_budget_throttles_without_rate_limit_headers() {
        let throttle = throttle(limits(100, 3));
        assert_eq!(throttle.charge(&APP, 2), Ok(None));
        let refused = throttle.charge(&APP, 2).expect_err("past the day budget");
        assert_eq!(refused.rate_limit, None, "only the minute budget is shown");
        assert!(refused.retry_after > 60, "until the day window ends: {}", refused.retry_after);
    }

    #[test]
    fn the_minute_budget_shows_its_figures_from_80_percent() {
        let throttle = throttle(limits(5, 1_000));
        assert_eq!(throttle.charge(&APP, 3), Ok(None));
        let shown = throttle.charge(&APP, 1).expect("within").expect("at 80%");
        assert_eq!((shown.limit, shown.remaining), (5, 1));
        assert!((1..=60).contains(&shown.reset));
        let refused = throttle.charge(&APP, 2).expect_err("past the minute budget");
        assert_eq!(refused.rate_limit.map(|r| r.remaining), Some(0));
        assert_eq!(refused.rate_limit.map(|r| r.reset), Some(refused.retry_after));
        throttle.set_enabled(false);
        assert_eq!(throttle.charge(&APP, 2), Ok(None), "free while off");
    }
}

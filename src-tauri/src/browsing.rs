//! What the Browse step keeps while the app runs: what each site held when last read, per
//! account (so one person's view is never shown to another), with when it was read, and the one
//! "load everything" in progress with its cancel flag. Memory only: a restart reads afresh.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    time::{SystemTime, UNIX_EPOCH},
};

use spconnect_identity::AccountKey;

use crate::ipc::browse::SiteContentsView;

/// Seconds since the Unix epoch, now.
pub fn now_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The Browse step's memory.
#[derive(Default)]
pub struct Browsing {
    sites: Mutex<HashMap<(AccountKey, String), SiteContentsView>>,
    loading: Mutex<Option<Arc<AtomicBool>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Browsing {
    /// What `site` held when `account` last read it.
    pub fn cached(&self, account: &AccountKey, site: &str) -> Option<SiteContentsView> {
        lock(&self.sites).get(&(account.clone(), site.to_owned())).cloned()
    }

    /// Keeps what `site` holds, as read by `account` (its `read_at` says when).
    pub fn keep(&self, account: &AccountKey, site: &str, contents: SiteContentsView) {
        lock(&self.sites).insert((account.clone(), site.to_owned()), contents);
    }

    /// Forgets everything `account` read (after they sign out).
    pub fn forget(&self, account: &AccountKey) {
        lock(&self.sites).retain(|(key, _), _| key != account);
    }

    /// Starts a load, cancelling the one before; its cancel flag.
    pub fn begin_load(&self) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        if let Some(previous) = lock(&self.loading).replace(flag.clone()) {
            previous.store(true, Ordering::Relaxed);
        }
        flag
    }

    /// The load of `flag` is over (finished, failed or cancelled).
    pub fn end_load(&self, flag: &Arc<AtomicBool>) {
        let mut loading = lock(&self.loading);
        if loading.as_ref().is_some_and(|current| Arc::ptr_eq(current, flag)) {
            *loading = None;
        }
    }

    /// Cancels the load in progress; `false` when none was.
    pub fn cancel_load(&self) -> bool {
        match lock(&self.loading).take() {
            Some(flag) => {
                flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }
}

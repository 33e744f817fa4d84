//! [`Pacer`]: one per tenant, shared by every Graph client acting there. It bounds how many
//! requests are in flight, holds every request back while Graph has asked to wait (a
//! `Retry-After` on any answer, or inside a `$batch`, pauses them all: throttling is counted per
//! application per tenant, docs/microsoft §3.8), and slows down *before* Graph throttles: once the
//! `RateLimit-*` headers say most of the minute's budget is spent, it spreads what remains over
//! the seconds left instead of spending it at once. Once a header has told it the budget, it also
//! keeps the resource units of the requests in flight within the fifth of the budget that is left
//! when the headers start (they come from 80% on): what is already sent cannot overshoot it; and
//! it sends no more than the last `RateLimit-Remaining` leaves once what was in flight then and
//! what was sent since are taken off, waiting for the window's end instead.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use tokio::{
    sync::{OwnedSemaphorePermit, Semaphore},
    time::Instant,
};

/// The resource units a full `$batch` of multi-item reads costs (20 parts of 2, docs/microsoft
/// §3.8): with less than this left in the window, the next batch would be refused in part.
const RESERVE: u64 = 2 * crate::batch::MAX_BATCH as u64;

/// How often a request waiting for units in flight to be freed looks again.
const FREED_POLL: Duration = Duration::from_millis(10);

/// How hard a pacer lets requests go.
#[derive(Clone, Copy, Debug)]
pub struct PacerOptions {
    /// Requests in flight at once.
    pub concurrency: usize,
}

impl Default for PacerOptions {
    fn default() -> Self {
        // Microsoft's guidance for SharePoint: a few parallel requests, not dozens.
        Self { concurrency: 4 }
    }
}

/// What the pacer has done so far (for progress and the benchmark).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacerStats {
    /// Requests let through (a `$batch` counts once).
    pub requests: u64,
    /// Answers, and parts of batches, that were 429.
    pub throttled: u64,
    /// Times the pacer slowed down on `RateLimit-*` headers.
    pub slowed: u64,
}

#[derive(Debug)]
struct State {
    /// No request starts before this.
    not_before: Instant,
    /// The gap kept between request starts while the budget is nearly spent.
    spacing: Duration,
    /// Until when that spacing holds (the budget's window ends).
    spacing_until: Instant,
    /// The budget per window, once a `RateLimit-Limit` told it.
    limit: Option<u64>,
    /// The resource units of the requests in flight (an estimate given by the callers).
    in_flight: u64,
    /// What the last `RateLimit-Remaining` leaves for requests not yet sent (less what was in
    /// flight when it came, less what was sent since), and when its window ends.
    left: Option<(u64, Instant)>,
    stats: PacerStats,
}

/// Paces the requests of one tenant. Cheap to clone; clones share everything.
#[derive(Clone, Debug)]
pub struct Pacer {
    permits: Arc<Semaphore>,
    state: Arc<Mutex<State>>,
}

/// The right to send one request; dropping it frees its place and its units.
#[derive(Debug)]
pub struct Turn {
    _permit: Option<OwnedSemaphorePermit>,
    state: Arc<Mutex<State>>,
    units: u64,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.in_flight = state.in_flight.saturating_sub(self.units);
    }
}

/// The resource units a request is counted as when its caller does not say: a multi-item read.
pub const DEFAULT_UNITS: u64 = 2;

impl Pacer {
    /// A pacer with `options`.
    pub fn new(options: PacerOptions) -> Self {
        let now = Instant::now();
        Self {
            permits: Arc::new(Semaphore::new(options.concurrency.max(1))),
            state: Arc::new(Mutex::new(State {
                not_before: now,
                spacing: Duration::ZERO,
                spacing_until: now,
                limit: None,
                in_flight: 0,
                left: None,
                stats: PacerStats::default(),
            })),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a free place and for the time the pacer lets the next request start.
    pub async fn turn(&self) -> Turn {
        self.turn_for(DEFAULT_UNITS).await
    }

    /// [`turn`](Self::turn) for a request that costs about `units` resource units (a `$batch`
    /// costs what its parts cost).
    pub async fn turn_for(&self, units: u64) -> Turn {
        // The semaphore is never closed, so a permit always comes.
        let permit = self.permits.clone().acquire_owned().await.ok();
        loop {
            let start = {
                let mut state = self.state();
                let now = Instant::now();
                // Within the budget's headroom, unless nothing else is in flight.
                let room = state.limit.is_none_or(|limit| {
                    state.in_flight == 0 || state.in_flight + units <= limit / 5
                });
                // What the headers said is left in the window, less what went since.
                let left = state.left.filter(|(_, end)| *end > now);
                if state.not_before > now {
                    Some(state.not_before)
                } else if let Some((_, end)) = left.filter(|(left, _)| *left < units) {
                    Some(end)
                } else if !room {
                    Some(now + FREED_POLL)
                } else {
                    if state.spacing_until > now {
                        state.not_before = now + state.spacing;
                    }
                    if let Some((left, end)) = left {
                        state.left = Some((left - units, end));
                    }
                    state.stats.requests += 1;
                    state.in_flight += units;
                    None
                }
            };
            match start {
                None => return Turn { _permit: permit, state: self.state.clone(), units },
                Some(at) => tokio::time::sleep_until(at).await,
            }
        }
    }

    /// Graph asked to wait `after` (a 429 or 503 with `Retry-After`, possibly inside a batch):
    /// nothing starts before then.
    pub fn wait(&self, after: Duration, throttled: u64) {
        let mut state = self.state();
        let until = Instant::now() + after;
        if until > state.not_before {
            state.not_before = until;
        }
        state.stats.throttled += throttled;
    }

    /// Reads the `RateLimit-Limit`, `-Remaining` and `-Reset` of an answer (given from 80% of the
    /// budget on): the remaining units are spread over the seconds until the reset.
    pub fn observe(&self, limit: Option<u64>, remaining: Option<u64>, reset: Option<u64>) {
        let (Some(limit), Some(remaining), Some(reset)) = (limit, remaining, reset) else {
            return;
        };
        if limit == 0 {
            return;
        }
        let window = Duration::from_secs(reset.max(1));
        let mut state = self.state();
        state.limit = Some(limit);
        let now = Instant::now();
        // What is in flight may not have been counted yet when this answer was written: it is
        // taken off what remains. A stale answer (one that says more remains than an earlier
        // one of the same window) changes nothing.
        let estimate = remaining.saturating_sub(state.in_flight);
        let left = match state.left {
            Some((left, end)) if end > now => left.min(estimate),
            _ => estimate,
        };
        state.left = Some((left, now + window));
        if remaining < RESERVE {
            // Spent, or too little left for a batch: nothing more until the window ends.
            state.not_before = state.not_before.max(now + window);
            state.stats.slowed += 1;
            return;
        }
        // Each request costs one to five units; spacing by the remaining count keeps within it.
        let spacing = window / u32::try_from(remaining).unwrap_or(u32::MAX);
        if spacing > state.spacing || state.spacing_until <= now {
            state.stats.slowed += 1;
        }
        state.spacing = spacing;
        state.spacing_until = now + window;
    }

    /// What the pacer has done so far.
    pub fn stats(&self) -> PacerStats {
        self.state().stats
    }
}

impl Default for Pacer {
    fn default() -> Self {
        Self::new(PacerOptions::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_retry_after_holds_every_request_back_until_it_ends() {
        let pacer = Pacer::new(PacerOptions { concurrency: 2 });
        let started = Instant::now();
        drop(pacer.turn().await);
        pacer.wait(Duration::from_secs(7), 1);
        drop(pacer.turn().await);
        assert!(started.elapsed() >= Duration::from_secs(7), "{:?}", started.elapsed());
        assert_eq!(pacer.stats().throttled, 1);
        assert_eq!(pacer.stats().requests, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_nearly_spent_budget_spreads_what_remains_over_the_window() {
        let pacer = Pacer::new(PacerOptions { concurrency: 8 });
        pacer.observe(Some(1200), Some(100), Some(20));
        let started = Instant::now();
        for _ in 0..5 {
            drop(pacer.turn().await);
        }
        // A fifth of a second apart (20 s / 100 remaining): the fifth starts 0.8 s in.
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_millis(800) && elapsed < Duration::from_millis(900),
            "{elapsed:?}"
        );
        assert_eq!(pacer.stats().slowed, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn once_the_budget_is_known_what_is_in_flight_stays_within_its_headroom() {
        let pacer = Pacer::new(PacerOptions { concurrency: 4 });
        // Before any header, four batches may be in flight.
        let early: Vec<Turn> =
            futures_util::future::join_all((0..4).map(|_| pacer.turn_for(40))).await;
        drop(early);
        // A budget of 300 leaves 60 units after the 80% mark: one batch of 40 at a time.
        pacer.observe(Some(300), Some(200), Some(10));
        let first = pacer.turn_for(40).await;
        let second = tokio::time::timeout(Duration::from_secs(1), pacer.turn_for(40)).await;
        assert!(second.is_err(), "a second batch waits for the first");
        drop(first);
        let second = tokio::time::timeout(Duration::from_secs(1), pacer.turn_for(40)).await;
        assert!(second.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_is_sent_than_the_last_header_leaves_less_what_was_in_flight() {
        let pacer = Pacer::new(PacerOptions { concurrency: 8 });
        let in_flight = pacer.turn_for(40).await;
        // 130 left, 40 of them perhaps taken by the batch in flight: two more batches fit.
        pacer.observe(Some(1200), Some(130), Some(10));
        drop(in_flight);
        let started = Instant::now();
        let sent: Vec<Turn> =
            futures_util::future::join_all((0..2).map(|_| pacer.turn_for(40))).await;
        assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
        drop(sent);
        // A stale answer that says more is left changes nothing: the third waits for the window.
        pacer.observe(Some(1200), Some(500), Some(10));
        drop(pacer.turn_for(40).await);
        assert!(started.elapsed() >= Duration::from_secs(10), "{:?}", started.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn less_left_than_a_batch_costs_waits_for_the_window_to_end() {
        let pacer = Pacer::default();
        pacer.observe(Some(1200), Some(RESERVE - 1), Some(12));
        let started = Instant::now();
        drop(pacer.turn().await);
        assert!(started.elapsed() >= Duration::from_secs(12), "{:?}", started.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn without_rate_limit_headers_requests_are_not_slowed() {
        let pacer = Pacer::default();
        pacer.observe(None, None, None);
        let started = Instant::now();
        for _ in 0..50 {
            drop(pacer.turn().await);
        }
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_than_the_concurrency_is_in_flight() {
        let pacer = Pacer::new(PacerOptions { concurrency: 2 });
        let first = pacer.turn().await;
        let _second = pacer.turn().await;
        let third = tokio::time::timeout(Duration::from_secs(1), pacer.turn()).await;
        assert!(third.is_err(), "a third request waited for a free place");
        drop(first);
        let third = tokio::time::timeout(Duration::from_secs(1), pacer.turn()).await;
        assert!(third.is_ok());
    }
}

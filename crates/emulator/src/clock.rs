//! The emulator's clock: real time plus an offset the control API moves forward
//! (`PUT /_emulator/clock`), so tokens, codes and credentials can be seen to expire without
//! waiting. Each emulator has its own clock; [`now`] reads the clock of the emulator serving the
//! current request (a task-local set by the [`scope`] middleware) and real time outside a request.

use std::{
    future::Future,
    sync::{Arc, Mutex},
};

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use time::OffsetDateTime;

use crate::state::Shared;

/// Real time plus a forward offset.
#[derive(Debug, Default)]
pub struct Clock {
    offset: Mutex<time::Duration>,
}

impl Clock {
    /// The clock's time.
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.offset()
    }

    /// How far the clock is ahead of real time.
    pub fn offset(&self) -> time::Duration {
        *self.offset.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves the clock forward by `by`; a negative amount is refused (time never goes back, so
    /// nothing that expired comes back to life).
    pub fn advance(&self, by: time::Duration) -> Result<OffsetDateTime, ClockError> {
        if by.is_negative() {
            return Err(ClockError::Backwards);
        }
        let mut offset = self.offset.lock().unwrap_or_else(|p| p.into_inner());
        *offset += by;
        Ok(OffsetDateTime::now_utc() + *offset)
    }

    /// Moves the clock forward to `to`; a time before the clock's current time is refused.
    pub fn advance_to(&self, to: OffsetDateTime) -> Result<OffsetDateTime, ClockError> {
        self.advance(to - self.now())
    }
}

/// Why the clock was not moved.
#[derive(Debug, thiserror::Error)]
pub enum ClockError {
    /// The request would move the clock back.
    #[error("the clock only moves forward")]
    Backwards,
}

tokio::task_local! {
    static CURRENT: Arc<Clock>;
}

/// Now, in UTC, on the clock of the emulator serving this request (real time outside one).
pub fn now() -> OffsetDateTime {
    CURRENT.try_with(|clock| clock.now()).unwrap_or_else(|_| OffsetDateTime::now_utc())
}

/// Runs `work` with `clock` as the clock [`now`] reads.
pub async fn with<F: Future>(clock: Arc<Clock>, work: F) -> F::Output {
    CURRENT.scope(clock, work).await
}

/// Middleware: the request is served on its emulator's clock.
pub async fn scope(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    with(shared.clock.clone(), next.run(request)).await
}

//! [`CancelHandle`]: stops a sign-in that is waiting (for the browser or for device code polling).

use std::sync::Arc;

use tokio::sync::watch;

/// Cancels the sign-in it was taken from; cloneable, usable from any task or thread.
#[derive(Clone, Debug)]
pub struct CancelHandle {
    sender: Arc<watch::Sender<bool>>,
}

impl CancelHandle {
    /// A handle and the receiver the waiting side watches.
    pub(crate) fn new() -> (Self, watch::Receiver<bool>) {
        let (sender, receiver) = watch::channel(false);
        (Self { sender: Arc::new(sender) }, receiver)
    }

    /// Stops the sign-in: its `finish` returns [`crate::IdentityError::Cancelled`] and the
    /// listener (if any) is released.
    pub fn cancel(&self) {
        self.sender.send_replace(true);
    }
}

/// Resolves when the handle is cancelled (never, if every handle is gone without cancelling).
pub(crate) async fn cancelled(mut receiver: watch::Receiver<bool>) {
    if receiver.wait_for(|c| *c).await.is_err() {
        std::future::pending::<()>().await;
    }
}

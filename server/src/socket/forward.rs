//! Broadcasts to one client: what is waiting goes out in one write, and
//! under load the connection lets the senders run a little before writing,
//! so several frames share a system call.

use std::time::Instant;

use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::broadcast::Receiver;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::outbox::Outbox;
use super::{Connection, End, Step, ROOM_GONE};
use crate::rooms::Broadcast;

/// Broadcast frames written before one flush, when many are waiting.
const BATCH: usize = 64;
/// A connection flushed this recently is under load: before its next
/// write it lets the other tasks run (the senders among them) up to
/// [`LINGER_YIELDS`] times to gather more frames into the same write.
/// An idle connection writes at once, so the latency floor stays.
const BUSY: std::time::Duration = std::time::Duration::from_millis(1);
const LINGER_YIELDS: u32 = 2;
impl Connection<'_> {
    /// Forwards broadcasts: `first` and whatever else is waiting, up to a
    /// batch, in one flush.
    pub(super) async fn forward(
        &mut self,
        out: &mut Outbox,
        rx: &mut Receiver<Broadcast>,
        first: Result<Broadcast, RecvError>,
    ) -> Step {
        let mut next = Some(first);
        let mut written = 0;
        let busy = self.last_flush.elapsed() < BUSY;
        let mut yields = 0;
        while let Some(received) = next.take() {
            match received {
                Ok(frame) => {
                    if frame.gone {
                        return Err(End::Close(CloseCode::from(ROOM_GONE), "room gone"));
                    }
                    if let Some(kick) = frame.kick.as_ref().filter(|k| k.hits(&self.me.user)) {
                        return Err(End::Close(CloseCode::from(kick.code), kick.reason()));
                    }
                    if self.wants(&frame) {
                        out.feed(frame.text).await?;
                        written += 1;
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::info!(missed, "slow reader reset");
                    let metrics = crate::metrics::metrics();
                    crate::metrics::Metrics::outcome(&metrics.slow_readers, "reset");
                    self.reset(out).await?;
                }
                Err(RecvError::Closed) => return Err(End::Gone),
            }
            if written < BATCH {
                next = waiting(rx);
                if next.is_none() && busy && yields < LINGER_YIELDS {
                    yields += 1;
                    tokio::task::yield_now().await;
                    next = waiting(rx);
                }
            }
        }
        out.flush().await?;
        self.last_flush = Instant::now();
        crate::metrics::metrics().deliveries.inc_by(written as u64);
        Ok(())
    }
}

/// The next broadcast already waiting, if any.
fn waiting(rx: &mut Receiver<Broadcast>) -> Option<Result<Broadcast, RecvError>> {
    match rx.try_recv() {
        Ok(frame) => Some(Ok(frame)),
        Err(TryRecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
        Err(TryRecvError::Empty | TryRecvError::Closed) => None,
    }
}

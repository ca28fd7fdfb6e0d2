//! Broadcasts to one client: what is waiting goes out in one write.
//!
//! Tried and measured, not kept (docs/BENCHMARKS.md, issue #16): letting
//! the senders run (two yields) before writing, when the connection had
//! flushed under a millisecond before; fan-out throughput and CPU per
//! delivery did not move.

use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::broadcast::Receiver;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::outbox::Outbox;
use super::{Connection, End, Step, ROOM_GONE};
use crate::rooms::Broadcast;

/// Broadcast frames written before one flush, when many are waiting.
const BATCH: usize = 64;

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
            }
        }
        out.flush().await?;
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

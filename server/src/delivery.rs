//! A live room's delivery: events into its channel in sequence order
//! (through its [`Sequencer`](crate::sequencer::Sequencer)), relays from
//! other nodes, and gaps read back from the database.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use app::protocol::{Event, RoomCode, ServerMsg};

use crate::cluster::{Relay, Relays};
use crate::rooms::{Broadcast, Hub, Room};

/// How long an event that arrived ahead of a gap waits for the missing
/// ones to be relayed before they are read from the database: relays from
/// two nodes committing at once can cross, a lost one never comes.
pub const GAP_WAIT: Duration = Duration::from_millis(50);
/// Events read back per query when filling a gap.
const FILL_BATCH: u32 = 500;

impl Room {
    /// A committed event: to this node's tabs in order, and to the others.
    pub(crate) fn deliver_and_relay(&self, event: Event) {
        let committed = std::time::Instant::now();
        self.deliver(event.clone());
        let metrics = crate::metrics::metrics();
        metrics.events_stored.inc();
        metrics
            .broadcast_seconds
            .observe(committed.elapsed().as_secs_f64());
        self.cluster.relay(&self.code, Relay::Event { event });
    }

    /// Hands `event` to the sequencer and sends what it lets out. Sent
    /// under its lock: channel order is sequence order.
    pub(crate) fn deliver(&self, event: Event) -> bool {
        let mut order = self.lock_order();
        for event in order.offer(event) {
            let _ = self.tx.send(Broadcast::new(&ServerMsg::Event { event }));
        }
        order.has_gap()
    }

    /// What another node relayed.
    pub(crate) fn relayed(self: &Arc<Self>, relay: Relay) {
        match relay {
            Relay::Event { event } => {
                if self.deliver(event) {
                    self.clone().fill_gap(GAP_WAIT);
                }
            }
            Relay::Frame { msg, skip } => self.frame_here(&msg, skip),
            Relay::Kick { kick } => {
                // Left or removed on another node: no "left" from here.
                if !kick.others {
                    self.forget(&kick.user);
                }
                self.kick_here(kick);
            }
            Relay::Presence => {
                let room = self.clone();
                self.tasks.spawn(async move { room.refresh_remote().await });
            }
            // Handled by the hub, which forgets the room.
            Relay::Closed { .. } => {}
        }
    }

    /// Reads what this node missed (after `wait`, in case it is still on
    /// its way) from the database; one reader at a time per room.
    pub(crate) fn fill_gap(self: Arc<Self>, wait: Duration) {
        if self.filling.swap(true, Ordering::AcqRel) {
            return;
        }
        let tasks = self.tasks.clone();
        tasks.spawn(async move {
            tokio::select! {
                () = self.shutdown.cancelled() => {}
                () = tokio::time::sleep(wait) => self.read_missing().await,
            }
            self.filling.store(false, Ordering::Release);
        });
    }

    /// Delivers every stored event after what this node delivered.
    async fn read_missing(&self) {
        loop {
            let after = self.lock_order().delivered();
            let events = match self.store.events_after(&self.code, after, FILL_BATCH).await {
                Ok(events) => events,
                Err(error) => {
                    tracing::warn!(%error, room = %self.code, "reading a gap back");
                    return;
                }
            };
            let full = events.len() == FILL_BATCH as usize;
            if events.is_empty() {
                return;
            }
            tracing::debug!(room = %self.code, after = after.0, n = events.len(), "gap filled");
            for event in events {
                self.deliver(event);
            }
            if !full {
                return;
            }
        }
    }

    /// Catches up with the database if it holds events this node's tabs
    /// were not given (a lost relay with nothing after it).
    pub(crate) async fn catch_up(self: &Arc<Self>) {
        if let Ok(latest) = self.store.latest_seq(&self.code).await {
            if latest > self.lock_order().delivered() {
                self.clone().fill_gap(Duration::ZERO);
            }
        }
    }

    pub(crate) fn lock_order(&self) -> std::sync::MutexGuard<'_, crate::sequencer::Sequencer> {
        self.order.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Relays for Hub {
    fn relayed(&self, room: RoomCode, relay: Relay) {
        match relay {
            Relay::Closed { reason } => self.close_here(&room, reason),
            // A room with no tabs here needs nothing: it reads the
            // database when it is next used.
            relay => {
                if let Some(room) = self.live(&room) {
                    room.relayed(relay);
                }
            }
        }
    }

    async fn resubscribed(&self) {
        self.catch_up_all().await;
    }
}

impl Hub {
    /// Every live room with tabs here catches up with the database: after
    /// Redis comes back, and periodically (see `lib.rs`).
    pub async fn catch_up_all(&self) {
        for room in self.live_rooms() {
            if room.tx.receiver_count() > 0 {
                room.catch_up().await;
            }
        }
    }
}

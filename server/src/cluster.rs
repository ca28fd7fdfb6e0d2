//! Several nodes serving the same rooms: what one node's tabs must see of
//! what happens on another, relayed over Redis pub/sub.
//!
//! The database is the record and the order: an event is committed (with
//! its number from the room's counter row) before it is published, once,
//! on its room's channel. Pub/sub is at-most-once, so a publish can be lost
//! (a dropped subscriber, a Redis restart); each node's sequencer holds
//! early events behind a gap, and [`Relay::Event`]s missing after a short
//! wait, or a room found behind the database by the periodic check, are
//! read back from the database. Typing, upload progress and closings are
//! not stored: they are relayed as they are, best effort.
//!
//! On one node (no `--redis-url`) nothing is relayed and nothing is polled.

use std::sync::Arc;
use std::time::Duration;

use app::protocol::{ClosingReason, Event, RoomCode, ServerMsg, UserId};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::broadcast::Kick;
use crate::roster::Roster;

/// Channels are `chatdrop:room:<code>`.
const CHANNEL_PREFIX: &str = "chatdrop:room:";
/// Relays waiting to be published; beyond this a burst drops relays,
/// which the gap filling recovers (for events) or nobody misses (typing).
const OUTBOX: usize = 65_536;
/// Waits between reconnecting attempts to Redis.
const RETRY: Duration = Duration::from_millis(500);

/// One relayed happening in a room.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "relay", rename_all = "snake_case")]
pub enum Relay {
    /// A committed event.
    Event { event: Event },
    /// A frame that is not stored (typing, upload progress), for everyone
    /// but `skip`.
    Frame {
        msg: ServerMsg,
        skip: Option<UserId>,
    },
    /// Tabs to close.
    Kick { kick: Kick },
    /// The room is gone.
    Closed { reason: ClosingReason },
    /// Someone came or went on the sending node: the roster in Redis
    /// changed (`presence.rs`).
    Presence,
}

/// What goes over the wire: who sent it (a node ignores its own), which
/// room, what.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    from: String,
    room: RoomCode,
    #[serde(flatten)]
    relay: Relay,
}

/// Where a node's relays from the others go (the hub, in `delivery.rs`).
pub trait Relays: Send + Sync + 'static {
    /// Another node relayed `relay` in `room`.
    fn relayed(&self, room: RoomCode, relay: Relay);
    /// Subscribed (again): relays may have been missed meanwhile.
    fn resubscribed(&self) -> impl std::future::Future<Output = ()> + Send;
}

/// This node's link to the others.
pub struct Cluster {
    /// A random id, so a node knows its own relays.
    node: String,
    outbox: Option<mpsc::Sender<(RoomCode, Relay)>>,
    roster: Option<Roster>,
}

impl Cluster {
    /// A node alone: nothing is relayed.
    pub fn single() -> Arc<Self> {
        Arc::new(Self {
            node: random_id(),
            outbox: None,
            roster: None,
        })
    }

    /// A node of a cluster over the Redis at `url`: publishing starts now
    /// (and keeps reconnecting); [`Self::listen`] starts the other half. A
    /// node that misses its heartbeats for `timeout` counts as dead.
    pub async fn connect(
        url: &str,
        timeout: Duration,
        tasks: &TaskTracker,
        shutdown: CancellationToken,
    ) -> anyhow::Result<(Arc<Self>, redis::Client)> {
        let client =
            redis::Client::open(url).map_err(|e| anyhow::anyhow!("reading --redis-url: {e}"))?;
        // Refuse to start against a Redis that isn't there: a typo would
        // otherwise split the cluster silently.
        let publisher = redis::aio::ConnectionManager::new(client.clone())
            .await
            .map_err(|e| anyhow::anyhow!("connecting to Redis at --redis-url: {e}"))?;
        let (tx, rx) = mpsc::channel(OUTBOX);
        let node = random_id();
        let cluster = Arc::new(Self {
            roster: Some(Roster::new(publisher.clone(), node.clone(), timeout)),
            node,
            outbox: Some(tx),
        });
        tasks.spawn(publish(publisher, rx, cluster.node.clone(), shutdown));
        Ok((cluster, client))
    }

    /// This node's random id.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The cluster's Redis, for commands, if this node is in a cluster.
    pub fn redis(&self) -> Option<redis::aio::ConnectionManager> {
        self.roster.as_ref().map(Roster::connection)
    }

    /// Who is online on which node, if this node is in a cluster.
    pub fn roster(&self) -> Option<&Roster> {
        self.roster.as_ref()
    }

    /// Whether this node does the cluster's periodic `job` this time: the
    /// first node to ask holds it for `term`. Alone, or while Redis is
    /// away, a node does it itself.
    pub async fn lead(&self, job: &str, term: Duration) -> bool {
        let Some(mut redis) = self.redis() else {
            return true;
        };
        // Released a little early, so the next round's first asker wins.
        let millis = term.saturating_sub(term / 10).as_millis().max(1) as u64;
        let won: redis::RedisResult<Option<String>> = redis::cmd("SET")
            .arg(format!("chatdrop:lead:{job}"))
            .arg(&self.node)
            .arg("NX")
            .arg("PX")
            .arg(millis)
            .query_async(&mut redis)
            .await;
        match won {
            Ok(answer) => answer.is_some(),
            Err(error) => {
                tracing::warn!(%error, job, "asking Redis who leads");
                true
            }
        }
    }

    /// Tells the other nodes about `relay` in `room` (never blocks).
    pub fn relay(&self, room: &RoomCode, relay: Relay) {
        if let Some(outbox) = &self.outbox {
            if outbox.try_send((room.clone(), relay)).is_err() {
                tracing::warn!(%room, "relay dropped: the Redis outbox is full");
            }
        }
    }

    /// Delivers other nodes' relays to this node's rooms until `shutdown`,
    /// resubscribing after Redis goes away; after each (re)subscription
    /// every live room catches up from the database, since relays sent
    /// while unsubscribed are lost.
    pub async fn listen<H: Relays>(
        self: Arc<Self>,
        client: redis::Client,
        hub: Arc<H>,
        shutdown: CancellationToken,
    ) {
        loop {
            let subscribed = async {
                let mut pubsub = client.get_async_pubsub().await?;
                pubsub.psubscribe(format!("{CHANNEL_PREFIX}*")).await?;
                Ok::<_, redis::RedisError>(pubsub)
            };
            let pubsub = tokio::select! {
                () = shutdown.cancelled() => return,
                pubsub = subscribed => pubsub,
            };
            match pubsub {
                Ok(pubsub) => {
                    tracing::info!("subscribed to the other nodes' relays");
                    hub.resubscribed().await;
                    let mut messages = pubsub.into_on_message();
                    loop {
                        let message = tokio::select! {
                            () = shutdown.cancelled() => return,
                            message = messages.next() => message,
                        };
                        let Some(message) = message else { break };
                        self.receive(&hub, message.get_payload_bytes());
                    }
                    tracing::warn!("Redis subscription lost; resubscribing");
                }
                Err(error) => tracing::warn!(%error, "subscribing to Redis"),
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(RETRY) => {}
            }
        }
    }

    fn receive<H: Relays>(&self, hub: &Arc<H>, payload: &[u8]) {
        let envelope: Envelope = match serde_json::from_slice(payload) {
            Ok(envelope) => envelope,
            Err(error) => {
                tracing::warn!(%error, "unreadable relay");
                return;
            }
        };
        if envelope.from == self.node {
            return;
        }
        hub.relayed(envelope.room, envelope.relay);
    }
}

/// Publishes relays in the order they were made, one `PUBLISH` each;
/// one that fails (Redis away) is dropped, as pub/sub would have.
async fn publish(
    mut conn: redis::aio::ConnectionManager,
    mut rx: mpsc::Receiver<(RoomCode, Relay)>,
    node: String,
    shutdown: CancellationToken,
) {
    loop {
        let next = tokio::select! {
            () = shutdown.cancelled() => return,
            next = rx.recv() => next,
        };
        let Some((room, relay)) = next else { return };
        let channel = format!("{CHANNEL_PREFIX}{}", room.as_str());
        let envelope = Envelope {
            from: node.clone(),
            room,
            relay,
        };
        let Ok(payload) = serde_json::to_vec(&envelope) else {
            continue;
        };
        let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(&channel)
            .arg(payload)
            .query_async(&mut conn)
            .await;
        if let Err(error) = sent {
            tracing::warn!(%error, "publishing to Redis");
        }
    }
}

fn random_id() -> String {
    use rand::Rng;
    format!("{:016x}", rand::rng().random::<u64>())
}

//! Live rooms: each owns a broadcast channel, the next sequence number, and
//! who is online (its behaviour in `presence.rs`). Rooms are activated on first use and
//! evicted from memory once nobody uses them ([`Hub::evict_idle`]).
//!
//! Every event is committed to the database (its number from the room's
//! counter row) before it is delivered; the room's sequencer
//! (`delivery.rs`) puts events into the channel strictly in sequence
//! order, from this node or, relayed, from others, so all receivers see
//! them with no gaps. A broadcast is serialized once; receivers share the
//! bytes.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::protocol::{
    ClientMsgId, ClosingReason, EventKind, Member, RoomCode, Seq, ServerMsg, SharedFile, UserId,
};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use crate::broadcast::{encode, Broadcast, Kick};
use crate::cluster::{Cluster, Relay};
use crate::history::Appended;
use crate::sequencer::Sequencer;
use crate::store::Store;

/// Frames a room's channel holds for its slowest reader; a reader further
/// behind is reset from the database instead.
const CHANNEL_CAPACITY: usize = 1024;

/// All live rooms.
pub struct Hub {
    store: Store,
    cluster: Arc<Cluster>,
    grace: Duration,
    tasks: TaskTracker,
    pub(crate) shutdown: CancellationToken,
    // Held only to look up or insert a room, never across an `.await`.
    rooms: Mutex<HashMap<RoomCode, Arc<Room>>>,
}

/// One live room.
pub struct Room {
    /// Its code.
    pub code: RoomCode,
    pub(crate) store: Store,
    pub(crate) grace: Duration,
    pub(crate) tasks: TaskTracker,
    pub(crate) shutdown: CancellationToken,
    pub(crate) tx: broadcast::Sender<Broadcast>,
    /// Serializes this node's appends to the room (other nodes wait on
    /// the counter row instead).
    pub(crate) writer: tokio::sync::Mutex<()>,
    /// What went into `tx`, and what waits behind a gap.
    pub(crate) order: Mutex<Sequencer>,
    /// Whether a task is reading a gap back from the database.
    pub(crate) filling: AtomicBool,
    pub(crate) cluster: Arc<Cluster>,
    // Updated without awaiting while held.
    online: Mutex<OnlineHere>,
    /// Who the other nodes list here, by user id (`presence.rs`).
    remote: Mutex<Vec<Member>>,
}

impl Hub {
    /// A hub over `store`. A user whose last tab closes is announced as gone
    /// after `grace`, so a reload makes no leave/join pair. Timers run on
    /// `tasks` and stop when `shutdown` is cancelled.
    pub fn new(
        store: Store,
        cluster: Arc<Cluster>,
        grace: Duration,
        tasks: TaskTracker,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            store,
            cluster,
            grace,
            tasks,
            shutdown,
            rooms: Mutex::default(),
        }
    }

    /// The live room for `code`, activating it from the database.
    pub async fn room(&self, code: &RoomCode) -> Result<Arc<Room>, sqlx::Error> {
        if let Some(room) = self.lock().get(code) {
            return Ok(room.clone());
        }
        let latest = self.store.latest_seq(code).await?;
        let present = self.store.present_members(code).await?;
        let room = Arc::new(Room {
            code: code.clone(),
            store: self.store.clone(),
            grace: self.grace,
            tasks: self.tasks.clone(),
            shutdown: self.shutdown.clone(),
            tx: broadcast::channel(CHANNEL_CAPACITY).0,
            writer: tokio::sync::Mutex::new(()),
            order: Mutex::new(Sequencer::new(latest)),
            filling: AtomicBool::new(false),
            cluster: self.cluster.clone(),
            online: Mutex::default(),
            remote: Mutex::default(),
        });
        {
            let mut rooms = self.lock();
            if let Some(room) = rooms.get(code) {
                return Ok(room.clone());
            }
            rooms.insert(code.clone(), room.clone());
        }
        room.refresh_remote().await;
        // People the history still shows as present (the server stopped
        // while they were here) get the grace period to reconnect quietly.
        room.adopt(present).await;
        Ok(room)
    }

    /// The room if it is live, without touching the database.
    pub fn live(&self, code: &RoomCode) -> Option<Arc<Room>> {
        self.lock().get(code).cloned()
    }

    /// Drops rooms nobody uses: no tab connected, nobody in their grace
    /// period, and no task holding the room. They come back from the
    /// database on next use. Returns how many were dropped.
    pub fn evict_idle(&self) -> usize {
        let mut rooms = self.lock();
        let before = rooms.len();
        // Only the map holds an idle room: sockets, grace timers and posts
        // in progress all hold a clone, and new clones are made under this
        // lock.
        rooms.retain(|_, room| {
            Arc::strong_count(room) > 1
                || room.tx.receiver_count() > 0
                || !room.lock_online().is_empty()
        });
        before - rooms.len()
    }

    /// Closes every tab of room `code`, on every node (it is gone, for
    /// `reason`), and forgets it.
    pub fn close(&self, code: &RoomCode, reason: ClosingReason) {
        self.cluster.relay(code, Relay::Closed { reason });
        self.close_here(code, reason);
    }

    /// [`Self::close`], for this node's tabs only.
    pub(crate) fn close_here(&self, code: &RoomCode, reason: ClosingReason) {
        if let Some(room) = self.lock().remove(code) {
            let _ = room.tx.send(Broadcast::new(&ServerMsg::Closing { reason }));
            let mut frame = Broadcast::new(&ServerMsg::Presence {
                members: Vec::new(),
            });
            frame.gone = true;
            let _ = room.tx.send(frame);
        }
    }

    /// How many rooms are in memory.
    pub fn live_count(&self) -> usize {
        self.lock().len()
    }

    /// The rooms in memory.
    pub(crate) fn live_rooms(&self) -> Vec<Arc<Room>> {
        self.lock().values().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RoomCode, Arc<Room>>> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Room {
    /// A receiver for everything broadcast from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Broadcast> {
        self.tx.subscribe()
    }

    /// The newest event this node's tabs were given.
    pub fn latest(&self) -> Seq {
        self.lock_order().delivered()
    }

    /// Stores a message and broadcasts it; a resend of a stored client id
    /// returns the original's sequence number without a second copy.
    pub async fn post(
        &self,
        who: &Member,
        id: ClientMsgId,
        text: String,
        reply_to: Option<Seq>,
    ) -> Result<Seq, sqlx::Error> {
        self.append(
            who,
            EventKind::Message {
                text,
                client_id: id,
                reply_to,
                edited: false,
                reactions: Vec::new(),
            },
        )
        .await
    }

    /// Stores a shared file's event and broadcasts it.
    pub async fn share(&self, who: &Member, file: SharedFile) -> Result<Seq, sqlx::Error> {
        self.append(who, EventKind::File { file }).await
    }

    /// Sends a frame that is not stored (a file's progress) to everyone.
    pub fn notify(&self, msg: &ServerMsg) {
        self.frame(msg.clone(), None);
    }

    /// Sends a frame that is not stored (typing) to everyone but `from`.
    pub fn typing(&self, who: &Member) {
        self.frame(
            ServerMsg::Typing { who: who.clone() },
            Some(who.user.clone()),
        );
    }

    /// A frame that is not stored, to every node's tabs but `skip`'s.
    fn frame(&self, msg: ServerMsg, skip: Option<UserId>) {
        self.frame_here(&msg, skip.clone());
        self.cluster.relay(&self.code, Relay::Frame { msg, skip });
    }

    /// A frame that is not stored, to this node's tabs but `skip`'s.
    pub(crate) fn frame_here(&self, msg: &ServerMsg, skip: Option<UserId>) {
        let mut frame = Broadcast::new(msg);
        frame.skip = skip;
        let _ = self.tx.send(frame);
    }

    pub(crate) async fn append(&self, who: &Member, kind: EventKind) -> Result<Seq, sqlx::Error> {
        let _writing = self.writer.lock().await;
        match self.store.append(&self.code, who, kind).await? {
            Appended::New(event) => {
                let seq = event.seq;
                self.deliver_and_relay(event);
                Ok(seq)
            }
            Appended::Duplicate(seq) => Ok(seq),
        }
    }

    pub(crate) fn lock_online(&self) -> std::sync::MutexGuard<'_, OnlineHere> {
        self.online.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn lock_remote(&self) -> std::sync::MutexGuard<'_, Vec<Member>> {
        self.remote.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One person with tabs (or a grace period) on this node.
#[derive(Debug, Clone)]
pub(crate) struct Online {
    pub(crate) member: Member,
    pub(crate) tabs: usize,
    /// Bumped on every connect and disconnect; a pending leave only fires if
    /// nothing happened since it was scheduled.
    pub(crate) epoch: u64,
}

/// This node's people, by user.
pub(crate) type OnlineHere = HashMap<UserId, Online>;

/// One connected tab of a member; dropping it disconnects the tab.
pub struct Presence {
    pub(crate) room: Arc<Room>,
    pub(crate) who: Member,
}

impl Drop for Presence {
    fn drop(&mut self) {
        self.room.clone().disconnect(&self.who);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::protocol::UserName;

    async fn hub() -> (tempfile::TempDir, Store, Hub) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let hub = Hub::new(
            store.clone(),
            Cluster::single(),
            Duration::from_millis(20),
            TaskTracker::new(),
            CancellationToken::new(),
        );
        (dir, store, hub)
    }

    fn alice() -> Member {
        Member {
            user: UserId("a".into()),
            name: UserName::parse("Alice").unwrap(),
        }
    }

    #[tokio::test]
    async fn a_room_nobody_uses_is_evicted_and_comes_back_from_the_database() {
        let (_dir, store, hub) = hub().await;
        let code = store
            .create_room(&UserId("a".into()), None, None)
            .await
            .unwrap();
        let room = hub.room(&code).await.unwrap();
        let presence = room.connect(&alice()).await.unwrap();
        room.post(&alice(), ClientMsgId("m1".into()), "hi".into(), None)
            .await
            .unwrap();
        assert_eq!(hub.evict_idle(), 0, "a connected room stays");
        drop(presence);
        drop(room);
        assert_eq!(
            hub.evict_idle(),
            0,
            "a room in someone's grace period stays"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(hub.evict_idle(), 1);
        assert_eq!(hub.live_count(), 0);
        let again = hub.room(&code).await.unwrap();
        // Joined, the message, left: the next event continues the numbering.
        assert_eq!(again.latest(), Seq(3));
        assert!(again.members().is_empty());
    }

    #[tokio::test]
    async fn dropping_a_presence_announces_one_leave_after_the_grace() {
        let (_dir, store, hub) = hub().await;
        let code = store
            .create_room(&UserId("a".into()), None, None)
            .await
            .unwrap();
        let room = hub.room(&code).await.unwrap();
        let mut rx = room.subscribe();
        let first = room.connect(&alice()).await.unwrap();
        let second = room.connect(&alice()).await.unwrap();
        drop(first);
        drop(second);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut kinds = Vec::new();
        while let Ok(frame) = rx.try_recv() {
            if frame.seq.is_some() {
                kinds.push(frame.text.to_string());
            }
        }
        assert_eq!(kinds.len(), 2, "{kinds:?}");
        assert!(kinds[0].contains(r#""kind":"joined""#));
        assert!(kinds[1].contains(r#""kind":"left""#));
        assert!(room.members().is_empty());
    }
}

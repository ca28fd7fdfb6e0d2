//! How far each upload in flight on this node has got, for downloads that
//! start before it ends: every stored chunk moves its tail forward, and its
//! end (complete, cancelled, failed) is the last word.

use std::collections::HashMap;
use std::sync::Mutex;

use app::protocol::{FileStatus, UploadId};
use tokio::sync::watch;

/// Where an upload stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tail {
    /// Bytes written to its partial file, readable from it.
    pub committed: u64,
    pub status: FileStatus,
}

/// The tails of this node's uploads in flight.
#[derive(Default)]
pub struct Tails {
    // Held only to look up, insert or remove, never across an `.await`.
    live: Mutex<HashMap<UploadId, watch::Sender<Tail>>>,
}

impl Tails {
    /// Moves `id`'s tail; an upload's end is sent, then forgotten.
    pub fn publish(&self, id: &UploadId, committed: u64, status: FileStatus) {
        let tail = Tail { committed, status };
        let mut live = self.lock();
        match live.get(id) {
            Some(sender) => {
                sender.send_replace(tail);
            }
            None if status == FileStatus::Uploading => {
                live.insert(id.clone(), watch::Sender::new(tail));
            }
            None => {}
        }
        if status != FileStatus::Uploading {
            live.remove(id);
        }
    }

    /// Follows `id`'s tail, if it is in flight on this node.
    pub fn follow(&self, id: &UploadId) -> Option<watch::Receiver<Tail>> {
        self.lock().get(id).map(watch::Sender::subscribe)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UploadId, watch::Sender<Tail>>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn followers_see_progress_then_the_end() {
        let tails = Tails::default();
        let id = UploadId("0".repeat(32));
        assert!(tails.follow(&id).is_none());
        tails.publish(&id, 10, FileStatus::Uploading);
        let mut follower = tails.follow(&id).unwrap();
        assert_eq!(follower.borrow().committed, 10);
        tails.publish(&id, 20, FileStatus::Uploading);
        follower.changed().await.unwrap();
        assert_eq!(follower.borrow_and_update().committed, 20);
        tails.publish(&id, 30, FileStatus::Complete);
        follower.changed().await.unwrap();
        assert_eq!(
            *follower.borrow(),
            Tail {
                committed: 30,
                status: FileStatus::Complete
            }
        );
        assert!(tails.follow(&id).is_none(), "forgotten once ended");
    }
}

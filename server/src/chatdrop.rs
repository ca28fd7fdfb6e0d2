//! The server's shared state, [`Chatdrop`]: storage, live rooms, uploads,
//! sessions and throttles, with what deletes rooms. What logging in and the
//! other [`app::backend::Backend`] calls do is `backend.rs`.

use std::sync::Arc;

use app::error::AppError;
use app::protocol::{ClosingReason, RoomCode};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{Hooks, Timings};
use crate::deletion::Gone;
use crate::files::FileStore;
use crate::rooms::Hub;
use crate::sessions::Sessions;
use crate::store::Store;
use crate::throttle::Throttle;
use crate::transfers::Transfers;

/// Events per page of history: what the room page shows first and what
/// each "Load earlier messages" adds.
pub const HISTORY_PAGE: u32 = 50;

/// Storage, sessions, live rooms and throttles, shared by every request.
pub struct Chatdrop {
    /// The database.
    pub store: Store,
    /// Shared files' bytes.
    pub files: FileStore,
    /// Live rooms.
    pub hub: Arc<Hub>,
    /// Uploads in flight.
    pub transfers: Arc<Transfers>,
    /// WebSocket timings.
    pub timings: Timings,
    /// Cancelled when the server shuts down: sockets close with 1001,
    /// timers and sweepers stop.
    pub shutdown: CancellationToken,
    /// Every background task (sockets, grace timers, sweepers), so shutdown
    /// waits for them before the database closes.
    pub tasks: TaskTracker,
    /// Faults tests inject.
    pub hooks: Hooks,
    /// The "Delete room after" choices.
    pub lifetimes: app::model::Lifetimes,
    /// Cookie signing.
    pub sessions: Sessions,
    /// Budgets for wrong room codes.
    pub wrong_codes: Throttle,
    /// Budgets for creating rooms.
    pub new_rooms: Throttle,
    /// Downloads in flight, cut when their file is deleted.
    pub downloads: Arc<crate::revoke::Revocations>,
    /// This node's place on a shared database, held while it runs.
    pub sharing: crate::sharing::Sharing,
    /// Free disk below which `/readyz` says the node is not ready.
    pub min_free_disk: u64,
}

impl Chatdrop {
    /// Deletes room `code` for good (see `deletion.rs`): its tabs close,
    /// its uploads stop, and its address answers `410 Gone`.
    pub async fn delete_room(&self, code: &RoomCode, why: Gone) -> Result<(), AppError> {
        let uploads = crate::deletion::delete_room(&self.store, &self.files, code, why)
            .await
            .map_err(internal)?;
        for upload in uploads {
            self.downloads.revoke(&upload);
        }
        self.transfers.drop_room(code).await;
        let reason = match why {
            Gone::Expired => ClosingReason::Expired,
            Gone::Deleted => ClosingReason::Deleted,
        };
        self.hub.close(code, reason);
        Ok(())
    }

    /// Deletes every room whose lifetime has ended; returns how many.
    pub async fn sweep_expired(&self) -> Result<usize, AppError> {
        let due = self
            .store
            .expired_rooms(crate::store::unix_millis())
            .await
            .map_err(internal)?;
        for code in &due {
            self.delete_room(code, Gone::Expired).await?;
        }
        Ok(due.len())
    }

    /// When a room created now with the "Delete room after" field `field`
    /// (seconds; empty for the default) is deleted; `None` for never.
    pub(crate) fn expiry(&self, field: &str) -> Result<Option<i64>, AppError> {
        let seconds = match field.trim() {
            "" => self.lifetimes.default,
            text => text.parse().map_err(|_| AppError::BadLifetime)?,
        };
        if !self.lifetimes.choices.contains(&seconds) {
            return Err(AppError::BadLifetime);
        }
        let millis = i64::try_from(seconds).map_err(|_| AppError::BadLifetime)? * 1000;
        Ok((seconds > 0).then(|| crate::store::unix_millis() + millis))
    }
}

/// Logs a storage failure and gives the user the generic message.
pub fn internal(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "storage failure");
    crate::metrics::metrics().database_errors.inc();
    AppError::Internal
}

//! How uploads end: complete (sealed into the object store and announced),
//! or ended for good (cancelled, failed, abandoned) with their bytes deleted;
//! and the progress the room hears meanwhile; uploads stopped because their
//! file or room is being deleted.

use std::time::Instant;

use app::error::AppError;
use app::protocol::{FileStatus, RoomCode, ServerMsg, UploadId};

use super::pipeline::blocking;
use super::{storage, Active, Shared, Transfers, PROGRESS_EVERY, SAVE_EVERY};
use crate::metrics::{metrics, Metrics};
use crate::uploads::UploadRow;

impl Transfers {
    /// Finishes an upload whose last byte arrived.
    pub(super) async fn complete(&self, state: &mut Active) -> Result<(), AppError> {
        let id = state.row.file.id.clone();
        let Some(writer) = state.writer.take() else {
            return Err(AppError::UnknownUpload(id));
        };
        let path = self.partial(&id)?;
        let image = state.row.file.is_previewable_image();
        let sealed = match writer.seal(path, self.files.clone(), image).await {
            Ok(sealed) => sealed,
            Err(error) => {
                tracing::error!(%error, upload = %id.0, "storing a finished upload");
                self.end(state, FileStatus::Failed).await;
                return Err(AppError::UploadFailed(id));
            }
        };
        self.store
            .finish_upload(&id, &sealed.sha256, sealed.dimensions)
            .await
            .map_err(storage)?;
        self.lock().remove(&id);
        self.tails
            .publish(&id, state.received, FileStatus::Complete);
        state.row.file.status = FileStatus::Complete;
        tracing::info!(upload = %id.0, size = state.received, sha256 = %sealed.sha256, "upload complete");
        state.row.file.dimensions = sealed.dimensions;
        self.broadcast(&state.row, state.received, FileStatus::Complete);
        Metrics::outcome(&metrics().uploads, "complete");
        Ok(())
    }

    /// Tells the room about progress, a few times a second.
    pub(super) async fn report(&self, state: &mut Active) {
        let id = state.row.file.id.clone();
        if state.progress_at.elapsed() >= PROGRESS_EVERY {
            state.progress_at = Instant::now();
            self.broadcast(&state.row, state.received, FileStatus::Uploading);
        }
        if state.saved_at.elapsed() >= SAVE_EVERY {
            state.saved_at = Instant::now();
            if let Err(error) = self.store.set_received(&id, state.received).await {
                tracing::warn!(%error, "saving upload progress");
            }
        }
    }

    /// Ends an unfinished upload for good: its bytes are deleted and the
    /// room told.
    pub(super) async fn end(&self, state: &mut Active, status: FileStatus) {
        let id = state.row.file.id.clone();
        state.writer = None;
        self.lock().remove(&id);
        self.tails.publish(&id, state.received, status);
        if let Ok(path) = self.partial(&id) {
            let _ = blocking(move || std::fs::remove_file(path)).await;
        }
        match self.store.end_upload(&id, status).await {
            Ok(true) => {
                self.broadcast(&state.row, state.received, status);
                let outcome = if status == FileStatus::Cancelled {
                    "cancelled"
                } else {
                    "failed"
                };
                Metrics::outcome(&metrics().uploads, outcome);
            }
            Ok(false) => {}
            Err(error) => tracing::error!(%error, upload = %id.0, "ending an upload"),
        }
    }

    /// Stops every upload in flight in `room`, which is being deleted: their
    /// open files close and no more chunks are written.
    pub async fn drop_room(&self, room: &RoomCode) {
        self.drop_where(|row| &row.room == room).await;
    }

    /// Stops upload `id` if it is in flight (its file is being deleted).
    pub async fn drop_upload(&self, id: &UploadId) {
        self.drop_where(|row| &row.file.id == id).await;
    }

    async fn drop_where(&self, doomed: impl Fn(&UploadRow) -> bool) {
        let active: Vec<Shared> = self.lock().values().cloned().collect();
        for upload in active {
            let mut state = upload.lock().await;
            if doomed(&state.row) {
                state.writer = None;
                let id = state.row.file.id.clone();
                self.lock().remove(&id);
                self.tails.publish(&id, state.received, FileStatus::Failed);
            }
        }
    }

    fn broadcast(&self, row: &UploadRow, received: u64, status: FileStatus) {
        if let Some(room) = self.hub.live(&row.room) {
            room.notify(&ServerMsg::Progress {
                upload: row.file.id.clone(),
                received,
                status,
                dimensions: row.file.dimensions,
            });
        }
    }
}

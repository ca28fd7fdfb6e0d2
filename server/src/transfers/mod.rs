//! Uploads in flight: offers, chunks, resumes and cancels. Abandoned ones
//! are swept (`sweep.rs`); the disk and hash work runs on blocking threads
//! (`pipeline.rs`).
//!
//! An upload's bytes are appended to `uploads/partial/<id>` and hashed as
//! they arrive, so memory stays flat whatever the file size. Only a chunk
//! that starts exactly where the stored bytes end is written; anything else
//! is refused with the offset the client should use. When the last byte
//! arrives the file is fsynced and renamed into the content-addressed store.
//! After a restart, the first resume re-reads the partial file to recover
//! the hash state, and the upload continues where the disk says it stopped.

mod finish;
mod lease;
mod mime;
mod pipeline;
mod sweep;
mod tail;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::error::AppError;
use app::protocol::{
    Chunk, ClientMsgId, FileStatus, Member, RoomCode, UploadId, FILE_NAME_MAX_BYTES, MIME_MAX_BYTES,
};
use axum::body::Bytes;

pub use self::mime::clean_mime;
use self::pipeline::{blocking, Writer};
pub use self::tail::Tail;
use crate::files::FileStore;
use crate::rooms::Hub;
use crate::store::Store;
use crate::uploads::{NewUpload, UploadRow};

/// How often the room hears about an upload's progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// How often an upload's byte count is saved, for pages rendered meanwhile.
const SAVE_EVERY: Duration = Duration::from_secs(1);

/// Upload limits and test hooks.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Bytes per second one connection may upload (`None`: unlimited).
    pub bytes_per_second: Option<u64>,
    /// Test hook: writes fail as if the disk were full once this many bytes
    /// of one upload are stored.
    pub disk_full_after: Option<u64>,
}

/// The offer a client made.
#[derive(Debug, Clone)]
pub struct Offer {
    /// The client's id for it.
    pub id: ClientMsgId,
    /// The file's name.
    pub name: String,
    /// Its size.
    pub size: u64,
    /// Its declared type.
    pub mime: String,
    /// Its hash, if the client knows it.
    pub sha256: Option<String>,
}

/// An upload receiving bytes, shared by the tasks that touch it.
type Shared = Arc<tokio::sync::Mutex<Active>>;

/// Every upload in flight.
pub struct Transfers {
    store: Store,
    files: FileStore,
    hub: Arc<Hub>,
    limits: Limits,
    /// This node's id when several share the files (`lease.rs`).
    node: Option<String>,
    // Held only to look up, insert or remove, never across an `.await`.
    active: Mutex<HashMap<UploadId, Shared>>,
    /// How far each one got, for downloads that start before it ends.
    /// Apart from `active`: a download must not wait on an upload's lock,
    /// which each chunk's write holds.
    tails: tail::Tails,
}

/// An upload receiving bytes.
struct Active {
    row: UploadRow,
    /// The open partial file and the hash of what it holds; `None` once the
    /// upload ended (another task may still hold this entry).
    writer: Option<Writer>,
    received: u64,
    progress_at: Instant,
    saved_at: Instant,
    /// When this node's lease on the upload runs out (unix ms), on a
    /// cluster; `None` there means it must claim the upload again.
    lease_until: Option<i64>,
}

impl Transfers {
    /// The upload engine over these stores; `node` is this node's id if
    /// other nodes write to the same files.
    pub fn new(
        store: Store,
        files: FileStore,
        hub: Arc<Hub>,
        limits: Limits,
        node: Option<String>,
    ) -> Self {
        Self {
            store,
            files,
            hub,
            limits,
            node,
            active: Mutex::default(),
            tails: tail::Tails::default(),
        }
    }

    /// Handles an offer from `me` in `room`: returns the upload and the
    /// offset its bytes should start from (its size when nothing is needed).
    pub async fn offer(
        &self,
        room: &RoomCode,
        me: &Member,
        offer: Offer,
    ) -> Result<(UploadId, u64), AppError> {
        offer.id.validate()?;
        if offer.size > self.limits.max_file_bytes {
            return Err(AppError::FileTooLarge {
                max: self.limits.max_file_bytes,
                size: offer.size,
            });
        }
        if offer.name.len() > FILE_NAME_MAX_BYTES {
            return Err(AppError::FileNameTooLong);
        }
        if offer.mime.len() > MIME_MAX_BYTES {
            return Err(AppError::FileTypeTooLong);
        }
        let mime = clean_mime(&offer.mime);
        let known = self.known_content(room, me, &offer, &mime).await?;
        let (sha256, dimensions) = known.map_or((None, None), |(sha, dims)| (Some(sha), dims));
        let (row, fresh) = self
            .store
            .insert_upload(NewUpload {
                room,
                uploader: &me.user,
                client_id: Some(&offer.id.0),
                name: &offer.name,
                mime: &mime,
                size: offer.size,
                sha256: sha256.as_deref(),
                dimensions,
            })
            .await
            .map_err(storage)?;
        let id = row.file.id.clone();
        if fresh {
            if sha256.is_none() {
                let path = self.partial(&id)?;
                blocking(move || std::fs::File::create(path).map(drop))
                    .await
                    .map_err(storage)?;
            }
            let live = self.hub.room(room).await.map_err(storage)?;
            live.share(me, row.file.clone()).await.map_err(storage)?;
            tracing::info!(upload = %id.0, size = offer.size, reused = sha256.is_some(), "file offered");
        }
        match row.file.status {
            FileStatus::Complete => Ok((id, row.file.size)),
            FileStatus::Uploading => {
                self.activate(row).await?;
                let offset = self.held(room, me, &id).await?.received;
                Ok((id, offset))
            }
            FileStatus::Cancelled | FileStatus::Failed => Err(AppError::UnknownUpload(id)),
        }
    }

    /// The stored object an offer needs no bytes for (content this room or
    /// this person shared before, or the empty file), with its pixel size
    /// if it is an image, so a re-shared photo reserves its box as the
    /// first one did.
    async fn known_content(
        &self,
        room: &RoomCode,
        me: &Member,
        offer: &Offer,
        mime: &str,
    ) -> Result<Option<(String, Option<(u32, u32)>)>, AppError> {
        if offer.size == 0 {
            let files = self.files.clone();
            return blocking(move || files.put(b"").map_err(std::io::Error::other))
                .await
                .map(|sha| Some((sha, None)))
                .map_err(storage);
        }
        let Some(sha) = offer.sha256.clone() else {
            return Ok(None);
        };
        let Some(path) = self.files.object_path(&sha) else {
            return Ok(None);
        };
        let image = app::protocol::is_previewable_mime(mime);
        let found = blocking(move || {
            if !path.is_file() {
                return Ok(None);
            }
            Ok(Some(if image {
                pipeline::image_size(&path)
            } else {
                None
            }))
        })
        .await
        .unwrap_or(None);
        let Some(dimensions) = found else {
            return Ok(None);
        };
        let reusable = self
            .store
            .may_reuse(&sha, room, &me.user)
            .await
            .map_err(storage)?;
        Ok(reusable.then_some((sha, dimensions)))
    }

    /// Continues `me`'s unfinished upload after a reconnect or a restart:
    /// returns the offset to send from.
    pub async fn resume(
        &self,
        room: &RoomCode,
        me: &Member,
        upload: &UploadId,
    ) -> Result<u64, AppError> {
        let row = self.owned(room, me, upload).await?;
        match row.file.status {
            FileStatus::Complete => Ok(row.file.size),
            FileStatus::Uploading => {
                self.activate(row).await?;
                Ok(self.held(room, me, upload).await?.received)
            }
            FileStatus::Cancelled | FileStatus::Failed => {
                Err(AppError::UnknownUpload(upload.clone()))
            }
        }
    }

    /// Stores one chunk frame from `me`; returns the upload and how many of
    /// its bytes are now stored.
    pub async fn chunk(
        &self,
        room: &RoomCode,
        me: &Member,
        frame: Bytes,
    ) -> Result<(UploadId, u64), AppError> {
        let Some(chunk) = Chunk::parse(&frame) else {
            return Err(AppError::ChunkHeader);
        };
        let upload = chunk.upload.clone();
        let offset = chunk.offset;
        let len = chunk.payload.len() as u64;
        let mut guard = self.held(room, me, &upload).await?;
        let state = &mut *guard;
        if state.row.uploader != me.user || &state.row.room != room || state.writer.is_none() {
            return Err(AppError::UnknownUpload(upload));
        }
        let expected = state.received;
        if offset < expected {
            return Err(AppError::ChunkRepeated { upload, expected });
        }
        if offset > expected {
            return Err(AppError::ChunkSkips { upload, expected });
        }
        if expected + len > state.row.file.size {
            return Err(AppError::ChunkOverflow(upload));
        }
        let writer = state
            .writer
            .take()
            .ok_or_else(|| AppError::UnknownUpload(upload.clone()))?;
        let disk_full = self
            .limits
            .disk_full_after
            .is_some_and(|limit| expected + len > limit);
        let started = Instant::now();
        let payload = frame.slice(app::protocol::CHUNK_HEADER_BYTES..);
        match writer.append(payload, disk_full).await {
            Ok(writer) => state.writer = Some(writer),
            Err(error) => {
                tracing::error!(%error, upload = %upload.0, "writing an upload");
                self.end(state, FileStatus::Failed).await;
                return Err(if error.kind() == std::io::ErrorKind::StorageFull {
                    AppError::DiskFull(upload)
                } else {
                    AppError::UploadFailed(upload)
                });
            }
        }
        state.received += len;
        self.tails
            .publish(&upload, state.received, FileStatus::Uploading);
        crate::metrics::metrics().upload_bytes.inc_by(len);
        if state.received == state.row.file.size {
            self.complete(state).await?;
        } else {
            self.report(state).await;
        }
        let stored = state.received;
        drop(guard);
        if let Some(rate) = self.limits.bytes_per_second.filter(|r| *r > 0) {
            let due = Duration::from_secs_f64(len as f64 / rate as f64);
            tokio::time::sleep(due.saturating_sub(started.elapsed())).await;
        }
        Ok((upload, stored))
    }

    /// Cancels `me`'s unfinished upload and discards its bytes.
    pub async fn cancel(
        &self,
        room: &RoomCode,
        me: &Member,
        upload: &UploadId,
    ) -> Result<(), AppError> {
        let row = self.owned(room, me, upload).await?;
        if row.file.status != FileStatus::Uploading {
            return Err(AppError::UnknownUpload(upload.clone()));
        }
        let active = self.activate(row).await?;
        let mut state = active.lock().await;
        self.end(&mut state, FileStatus::Cancelled).await;
        tracing::info!(upload = %upload.0, "upload cancelled");
        Ok(())
    }

    /// Follows `upload`'s progress, if it is in flight on this node.
    pub fn follow(&self, upload: &UploadId) -> Option<tokio::sync::watch::Receiver<Tail>> {
        self.tails.follow(upload)
    }

    /// The upload if it is `me`'s, in `room`.
    async fn owned(
        &self,
        room: &RoomCode,
        me: &Member,
        upload: &UploadId,
    ) -> Result<UploadRow, AppError> {
        match self.store.upload(upload).await.map_err(storage)? {
            Some(row) if row.uploader == me.user && &row.room == room => Ok(row),
            // Someone else's upload looks exactly like a missing one.
            _ => Err(AppError::UnknownUpload(upload.clone())),
        }
    }

    fn lookup(&self, upload: &UploadId) -> Option<Shared> {
        self.lock().get(upload).cloned()
    }

    /// The in-flight state of an unfinished upload, opening its partial
    /// file (and re-hashing what it holds) if it isn't open yet.
    async fn activate(&self, row: UploadRow) -> Result<Shared, AppError> {
        let id = row.file.id.clone();
        if let Some(active) = self.lookup(&id) {
            return Ok(active);
        }
        // Claimed before the file is read: the length read is then final.
        let lease_until = self.claim(&id).await?;
        let (writer, len) = match Writer::open(self.partial(&id)?).await {
            Ok(opened) => opened,
            Err(error) => {
                // The bytes are gone (deleted by hand, or never written):
                // the upload can't continue.
                tracing::warn!(%error, upload = %id.0, "partial file unreadable");
                let mut state = Active::idle(row);
                self.end(&mut state, FileStatus::Failed).await;
                return Err(AppError::UnknownUpload(id));
            }
        };
        // The file may hold more than was offered only if someone wrote to
        // it by hand; it can't be completed then.
        let mut state = Active::idle(row);
        state.writer = Some(writer);
        state.received = len.min(state.row.file.size);
        state.lease_until = lease_until;
        self.tails
            .publish(&id, state.received, FileStatus::Uploading);
        let mut active = self.lock();
        Ok(active
            .entry(id)
            .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(state)))
            .clone())
    }

    fn partial(&self, id: &UploadId) -> Result<PathBuf, AppError> {
        self.files
            .partial_path(&id.0)
            .ok_or_else(|| AppError::UnknownUpload(id.clone()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UploadId, Shared>> {
        self.active.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Active {
    fn idle(row: UploadRow) -> Self {
        let received = row.file.received;
        Self {
            row,
            writer: None,
            received,
            progress_at: Instant::now(),
            saved_at: Instant::now(),
            lease_until: None,
        }
    }
}

/// Logs a storage failure; the client gets the generic refusal.
fn storage(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "upload storage");
    crate::metrics::metrics().database_errors.inc();
    AppError::FileUnavailable
}

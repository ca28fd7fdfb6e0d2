//! Uploads in flight: offers, chunks, resumes, cancels and the sweep of
//! abandoned ones.
//!
//! An upload's bytes are appended to `uploads/partial/<id>` and hashed as
//! they arrive, so memory stays flat whatever the file size. Only a chunk
//! that starts exactly where the stored bytes end is written; anything else
//! is refused with the offset the client should use. When the last byte
//! arrives the file is fsynced and renamed into the content-addressed store.
//! After a restart, the first resume re-reads the partial file to recover
//! the hash state, and the upload continues where the disk says it stopped.

use std::collections::HashMap;
use std::io::{ErrorKind, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::protocol::{
    Chunk, ClientMsgId, ErrorCode, FileStatus, Member, RoomCode, ServerMsg, UploadId,
    CLIENT_ID_MAX_BYTES, FILE_NAME_MAX_BYTES, MIME_MAX_BYTES,
};
use axum::body::Bytes;
use sha2::{Digest, Sha256};

use app::units::bytes;

use crate::files::{self, FileStore};
use crate::rooms::Hub;
use crate::store::{unix_millis, Store};
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

/// A refused request, as the client hears about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// For programs.
    pub code: ErrorCode,
    /// For people.
    pub message: String,
    /// The upload concerned.
    pub upload: Option<UploadId>,
    /// For a chunk at the wrong place: where the next one must start.
    pub expected: Option<u64>,
}

impl Refusal {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            upload: None,
            expected: None,
        }
    }

    fn about(mut self, upload: &UploadId) -> Self {
        self.upload = Some(upload.clone());
        self
    }

    fn unknown(upload: &UploadId) -> Self {
        Self::new(
            ErrorCode::UnknownUpload,
            "That upload isn't in progress any more.",
        )
        .about(upload)
    }

    fn unavailable() -> Self {
        Self::new(
            ErrorCode::Unavailable,
            "The server couldn't handle that file; try again.",
        )
    }
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

/// Every upload in flight.
pub struct Transfers {
    store: Store,
    files: FileStore,
    hub: Arc<Hub>,
    limits: Limits,
    // Held only to look up, insert or remove, never across an `.await`.
    active: Mutex<HashMap<UploadId, Arc<tokio::sync::Mutex<Active>>>>,
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
}

struct Writer {
    file: std::fs::File,
    hasher: Sha256,
}

impl Transfers {
    /// The upload engine over these stores.
    pub fn new(store: Store, files: FileStore, hub: Arc<Hub>, limits: Limits) -> Self {
        Self {
            store,
            files,
            hub,
            limits,
            active: Mutex::default(),
        }
    }

    /// Handles an offer from `me` in `room`: returns the upload and the
    /// offset its bytes should start from (its size when nothing is needed).
    pub async fn offer(
        &self,
        room: &RoomCode,
        me: &Member,
        offer: Offer,
    ) -> Result<(UploadId, u64), Refusal> {
        if offer.id.0.is_empty() || offer.id.0.len() > CLIENT_ID_MAX_BYTES {
            return Err(Refusal::new(
                ErrorCode::BadClientId,
                "Upload ids are 1 to 64 bytes.",
            ));
        }
        if offer.size > self.limits.max_file_bytes {
            return Err(Refusal::new(
                ErrorCode::FileTooLarge,
                format!(
                    "Files can be at most {}; this one is {}.",
                    bytes(self.limits.max_file_bytes),
                    bytes(offer.size)
                ),
            ));
        }
        if offer.name.len() > FILE_NAME_MAX_BYTES {
            return Err(Refusal::new(
                ErrorCode::BadOffer,
                "That file name is too long; rename the file and try again.",
            ));
        }
        if offer.mime.len() > MIME_MAX_BYTES {
            return Err(Refusal::new(
                ErrorCode::BadOffer,
                "That file type is too long.",
            ));
        }
        let mime = clean_mime(&offer.mime);
        // Content this room or this person shared before needs no bytes.
        let known = match offer.sha256.as_deref() {
            Some(sha) if self.files.object_path(sha).is_some_and(|p| p.is_file()) => self
                .store
                .may_reuse(sha, room, &me.user)
                .await
                .map_err(storage)?
                .then_some(sha),
            _ => None,
        };
        // An empty file is complete as offered.
        let empty = if offer.size == 0 {
            Some(self.files.put(b"").map_err(storage)?)
        } else {
            None
        };
        let sha256 = known.or(empty.as_deref());
        let (row, fresh) = self
            .store
            .insert_upload(NewUpload {
                room,
                uploader: &me.user,
                client_id: Some(&offer.id.0),
                name: &offer.name,
                mime: &mime,
                size: offer.size,
                sha256,
            })
            .await
            .map_err(storage)?;
        let id = row.file.id.clone();
        if fresh {
            if sha256.is_none() {
                let path = self.partial(&id)?;
                std::fs::File::create(&path).map_err(storage)?;
            }
            let live = self.hub.room(room).await.map_err(storage)?;
            live.share(me, row.file.clone()).await.map_err(storage)?;
            tracing::info!(upload = %id.0, size = offer.size, reused = sha256.is_some(), "file offered");
        }
        match row.file.status {
            FileStatus::Complete => Ok((id, row.file.size)),
            FileStatus::Uploading => {
                let active = self.activate(row).await?;
                let offset = active.lock().await.received;
                Ok((id, offset))
            }
            FileStatus::Cancelled | FileStatus::Failed => Err(Refusal::unknown(&id)),
        }
    }

    /// Continues `me`'s unfinished upload after a reconnect or a restart:
    /// returns the offset to send from.
    pub async fn resume(
        &self,
        room: &RoomCode,
        me: &Member,
        upload: &UploadId,
    ) -> Result<u64, Refusal> {
        let row = self.owned(room, me, upload).await?;
        match row.file.status {
            FileStatus::Complete => Ok(row.file.size),
            FileStatus::Uploading => {
                let active = self.activate(row).await?;
                let offset = active.lock().await.received;
                Ok(offset)
            }
            FileStatus::Cancelled | FileStatus::Failed => Err(Refusal::unknown(upload)),
        }
    }

    /// Stores one chunk frame from `me`; returns the upload and how many of
    /// its bytes are now stored.
    pub async fn chunk(
        &self,
        room: &RoomCode,
        me: &Member,
        frame: Bytes,
    ) -> Result<(UploadId, u64), Refusal> {
        let Some(chunk) = Chunk::parse(&frame) else {
            return Err(Refusal::new(
                ErrorCode::BadFrame,
                "A file chunk starts with a 24-byte header.",
            ));
        };
        let upload = chunk.upload.clone();
        let offset = chunk.offset;
        let len = chunk.payload.len() as u64;
        let active = match self.lookup(&upload) {
            Some(active) => active,
            None => {
                let row = self.owned(room, me, &upload).await?;
                self.activate(row).await?
            }
        };
        let mut guard = active.lock().await;
        let state = &mut *guard;
        if state.row.uploader != me.user || &state.row.room != room || state.writer.is_none() {
            return Err(Refusal::unknown(&upload));
        }
        if offset != state.received {
            let what = if offset < state.received {
                "That chunk was already received."
            } else {
                "That chunk skips bytes."
            };
            let mut refusal = Refusal::new(ErrorCode::BadOffset, what).about(&upload);
            refusal.expected = Some(state.received);
            return Err(refusal);
        }
        if state.received + len > state.row.file.size {
            return Err(Refusal::new(
                ErrorCode::FileTooLarge,
                "More bytes arrived than the file's size; the extra chunk was refused.",
            )
            .about(&upload));
        }
        let writer = state
            .writer
            .take()
            .ok_or_else(|| Refusal::unknown(&upload))?;
        let full_at = self.limits.disk_full_after;
        let received = state.received;
        let started = Instant::now();
        // Writing and hashing run side by side on two blocking threads:
        // hashing is the larger cost, and the disk needn't wait for it.
        let Writer {
            mut file,
            mut hasher,
        } = writer;
        let payload = frame.slice(app::protocol::CHUNK_HEADER_BYTES..);
        let to_hash = payload.clone();
        let write = tokio::task::spawn_blocking(move || {
            let result = if full_at.is_some_and(|limit| received + len > limit) {
                Err(std::io::Error::from(ErrorKind::StorageFull))
            } else {
                file.write_all(&payload)
            };
            (file, result)
        });
        let hash = tokio::task::spawn_blocking(move || {
            hasher.update(&to_hash);
            hasher
        });
        let (written, hashed) = tokio::join!(write, hash);
        let ((file, result), hasher) = written
            .ok()
            .zip(hashed.ok())
            .ok_or_else(Refusal::unavailable)?;
        let writer = Writer { file, hasher };
        if let Err(error) = result {
            drop(writer);
            let disk_full = error.kind() == ErrorKind::StorageFull;
            tracing::error!(%error, upload = %upload.0, "writing an upload");
            self.end(state, FileStatus::Failed).await;
            let message = if disk_full {
                "The server's disk is full, so the upload stopped. Chat still works."
            } else {
                "The server couldn't store the file, so the upload stopped."
            };
            let code = if disk_full {
                ErrorCode::DiskFull
            } else {
                ErrorCode::Unavailable
            };
            return Err(Refusal::new(code, message).about(&upload));
        }
        state.writer = Some(writer);
        state.received += len;
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
    ) -> Result<(), Refusal> {
        let row = self.owned(room, me, upload).await?;
        if row.file.status != FileStatus::Uploading {
            return Err(Refusal::unknown(upload));
        }
        let active = self.activate(row).await?;
        let mut state = active.lock().await;
        self.end(&mut state, FileStatus::Cancelled).await;
        tracing::info!(upload = %upload.0, "upload cancelled");
        Ok(())
    }

    /// Ends uploads that received nothing for `idle`, deleting their
    /// bytes, and removes stray files from the partial folder.
    pub async fn sweep(&self, idle: Duration) -> Result<usize, sqlx::Error> {
        let before = unix_millis() - i64::try_from(idle.as_millis()).unwrap_or(i64::MAX);
        let stale = self.store.stale_uploads(before).await?;
        let mut swept = 0;
        for id in &stale {
            let Some(row) = self.store.upload(id).await? else {
                continue;
            };
            let active = match self.lookup(id) {
                Some(active) => active,
                None => Arc::new(tokio::sync::Mutex::new(Active::idle(row))),
            };
            let mut state = active.lock().await;
            self.end(&mut state, FileStatus::Failed).await;
            swept += 1;
        }
        // Files no unfinished upload owns: leftovers of a crash mid-rename
        // or of an interrupted small-file write.
        let cutoff = std::time::SystemTime::now() - idle;
        if let Ok(entries) = std::fs::read_dir(self.files.partial_dir()) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let old = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t < cutoff);
                let owned = files::is_lower_hex(&name, 32) && {
                    let row = self.store.upload(&UploadId(name.clone())).await?;
                    row.is_some_and(|r| r.file.status == FileStatus::Uploading)
                };
                if old && !owned {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        if swept > 0 {
            tracing::info!(swept, "abandoned uploads swept");
        }
        Ok(swept)
    }

    /// The upload if it is `me`'s, in `room`.
    async fn owned(
        &self,
        room: &RoomCode,
        me: &Member,
        upload: &UploadId,
    ) -> Result<UploadRow, Refusal> {
        match self.store.upload(upload).await.map_err(storage)? {
            Some(row) if row.uploader == me.user && &row.room == room => Ok(row),
            // Someone else's upload looks exactly like a missing one.
            _ => Err(Refusal::unknown(upload)),
        }
    }

    fn lookup(&self, upload: &UploadId) -> Option<Arc<tokio::sync::Mutex<Active>>> {
        self.lock().get(upload).cloned()
    }

    /// The in-flight state of an unfinished upload, opening its partial
    /// file (and re-hashing what it holds) if it isn't open yet.
    async fn activate(&self, row: UploadRow) -> Result<Arc<tokio::sync::Mutex<Active>>, Refusal> {
        let id = row.file.id.clone();
        if let Some(active) = self.lookup(&id) {
            return Ok(active);
        }
        let path = self.partial(&id)?;
        let opened = tokio::task::spawn_blocking(move || -> std::io::Result<(Writer, u64)> {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path)?;
            let len = file.metadata()?.len();
            let hasher = files::hash_prefix(&mut file, len)?;
            file.seek(SeekFrom::Start(len))?;
            Ok((Writer { file, hasher }, len))
        })
        .await
        .map_err(|_| Refusal::unavailable())?;
        let (writer, len) = match opened {
            Ok(opened) => opened,
            Err(error) => {
                // The bytes are gone (deleted by hand, or never written):
                // the upload can't continue.
                tracing::warn!(%error, upload = %id.0, "partial file unreadable");
                let mut state = Active::idle(row);
                self.end(&mut state, FileStatus::Failed).await;
                return Err(Refusal::unknown(&id));
            }
        };
        // The file may hold more than was offered only if someone wrote to
        // it by hand; it can't be completed then.
        let mut state = Active::idle(row);
        state.writer = Some(writer);
        state.received = len.min(state.row.file.size);
        let mut active = self.lock();
        Ok(active
            .entry(id)
            .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(state)))
            .clone())
    }

    /// Finishes an upload whose last byte arrived.
    async fn complete(&self, state: &mut Active) -> Result<(), Refusal> {
        let id = state.row.file.id.clone();
        let Some(writer) = state.writer.take() else {
            return Err(Refusal::unknown(&id));
        };
        let path = self.partial(&id)?;
        let files = self.files.clone();
        let image = state.row.file.is_previewable_image();
        let sealed = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            writer.file.sync_all()?;
            let sha256 = files::hex(&writer.hasher.finalize());
            let dimensions = if image {
                imagesize::size(&path).ok().and_then(|d| {
                    Some((u32::try_from(d.width).ok()?, u32::try_from(d.height).ok()?))
                })
            } else {
                None
            };
            drop(writer.file);
            files.adopt(&path, &sha256)?;
            Ok((sha256, dimensions))
        })
        .await
        .map_err(|_| Refusal::unavailable())?;
        let (sha256, dimensions) = match sealed {
            Ok(sealed) => sealed,
            Err(error) => {
                tracing::error!(%error, upload = %id.0, "storing a finished upload");
                self.end(state, FileStatus::Failed).await;
                return Err(Refusal::unavailable().about(&id));
            }
        };
        self.store
            .finish_upload(&id, &sha256, dimensions)
            .await
            .map_err(storage)?;
        self.lock().remove(&id);
        state.row.file.status = FileStatus::Complete;
        tracing::info!(upload = %id.0, size = state.received, %sha256, "upload complete");
        state.row.file.dimensions = dimensions;
        self.broadcast(&state.row, state.received, FileStatus::Complete);
        Ok(())
    }

    /// Tells the room about progress, a few times a second.
    async fn report(&self, state: &mut Active) {
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
    async fn end(&self, state: &mut Active, status: FileStatus) {
        let id = state.row.file.id.clone();
        state.writer = None;
        self.lock().remove(&id);
        if let Ok(path) = self.partial(&id) {
            let _ = std::fs::remove_file(path);
        }
        match self.store.end_upload(&id, status).await {
            Ok(true) => self.broadcast(&state.row, state.received, status),
            Ok(false) => {}
            Err(error) => tracing::error!(%error, upload = %id.0, "ending an upload"),
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

    fn partial(&self, id: &UploadId) -> Result<PathBuf, Refusal> {
        self.files
            .partial_path(&id.0)
            .ok_or_else(|| Refusal::unknown(id))
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<UploadId, Arc<tokio::sync::Mutex<Active>>>> {
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
        }
    }
}

/// Logs a storage failure; the client gets the generic refusal.
fn storage(error: impl std::fmt::Display) -> Refusal {
    tracing::error!(%error, "upload storage");
    Refusal::unavailable()
}

/// The declared type if it looks like one (`type/subtype`, token
/// characters, parameters dropped), lowercased; otherwise the generic
/// binary type. It only ever decides how a download is labelled.
pub fn clean_mime(declared: &str) -> String {
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match essence.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) => essence,
        _ => "application/octet-stream".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_are_cleaned() {
        assert_eq!(clean_mime("image/PNG"), "image/png");
        assert_eq!(clean_mime("text/html; charset=utf-8"), "text/html");
        assert_eq!(clean_mime(""), "application/octet-stream");
        assert_eq!(clean_mime("<script>"), "application/octet-stream");
        assert_eq!(clean_mime("a/b\r\nX: y"), "application/octet-stream");
    }
}

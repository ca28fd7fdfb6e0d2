//! This tab's uploads, as part of [`Room`]: one [`Upload`] record each,
//! from the offer through the chunks to completion, cancel or failure.
//!
//! Files are sent one chunk at a time, read with `Blob.slice` by the glue
//! ([`Effect::ReadChunk`]), with at most [`WINDOW_BYTES`] unacknowledged.
//! A read that comes back after the upload moved on (a reconnect, a
//! resume at another offset) no longer matches `reading` and is dropped,
//! so no stale chunk is ever sent.

use super::{Effect, FileNow, Room};
use crate::protocol::{ClientMsg, ClientMsgId, FileStatus, UploadId};

/// Bytes per chunk frame. Measured (docs/BENCHMARKS.md): larger chunks
/// stop paying off here, and smaller ones make progress jumpy on slow links.
pub const CHUNK_BYTES: u64 = 256 * 1024;
/// Bytes sent but not yet acknowledged: enough to keep the pipe full on a
/// fast link, little enough that a cancel or a reconnect wastes little.
pub const WINDOW_BYTES: u64 = 16 * CHUNK_BYTES;
/// Files up to this size are hashed before the offer, so content the room
/// already has completes at once (hashing needs the file in memory).
pub const HASH_UP_TO: u64 = 64 * 1024 * 1024;

/// A file the user shares, as the glue read it from the browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFile {
    /// A fresh id for the offer.
    pub key: ClientMsgId,
    pub name: String,
    pub size: u64,
    pub mime: String,
}

/// An unfinished upload as kept across reloads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedUpload {
    pub key: ClientMsgId,
    pub upload: UploadId,
    pub name: String,
    pub size: u64,
    pub mime: String,
    /// Whether the browser still has the file.
    pub has_file: bool,
}

/// One upload of this tab.
#[derive(Clone, Debug, PartialEq)]
pub struct Upload {
    /// The tab's id for it (the offer's id).
    pub key: ClientMsgId,
    pub name: String,
    pub size: u64,
    pub mime: String,
    /// Its hash, once computed (small files only).
    pub sha256: Option<String>,
    /// Hashing is done (or skipped): the offer may go.
    pub ready: bool,
    /// The server's id, once it accepted the offer.
    pub upload: Option<UploadId>,
    /// Bytes the server confirmed.
    pub acked: u64,
    /// The next byte to send, once the server said where to continue on
    /// this connection.
    pub next: Option<u64>,
    /// Where the chunk being read starts, if one is.
    pub reading: Option<u64>,
    /// When (ms since the epoch) and from which offset the current run
    /// started: the speed shown is measured over it.
    pub since: (f64, u64),
    /// Why it stopped, if it did.
    pub problem: Option<String>,
    /// The browser lost access to the file: the user must pick it again.
    pub needs_file: bool,
}

impl Upload {
    fn offer(&self) -> ClientMsg {
        ClientMsg::Offer {
            id: self.key.clone(),
            name: self.name.clone(),
            size: self.size,
            mime: self.mime.clone(),
            sha256: self.sha256.clone(),
        }
    }
}

impl Room {
    fn upload_mut(&mut self, key: &ClientMsgId) -> Option<&mut Upload> {
        self.uploads.iter_mut().find(|u| &u.key == key)
    }

    /// This tab's key for server upload `upload`.
    fn key_of(&self, upload: &UploadId) -> Option<ClientMsgId> {
        self.uploads
            .iter()
            .find(|u| u.upload.as_ref() == Some(upload))
            .map(|u| u.key.clone())
    }

    pub(super) fn share(&mut self, files: Vec<super::NewFile>, now: f64, fx: &mut Vec<Effect>) {
        for file in files {
            let small = file.size <= HASH_UP_TO;
            let upload = Upload {
                key: file.key,
                name: file.name,
                size: file.size,
                mime: file.mime,
                sha256: None,
                ready: !small,
                upload: None,
                acked: 0,
                next: None,
                reading: None,
                since: (now, 0),
                problem: None,
                needs_file: false,
            };
            if small {
                fx.push(Effect::Hash(upload.key.clone()));
            } else {
                self.send(upload.offer(), fx);
            }
            self.uploads.push(upload);
        }
    }

    pub(super) fn hashed(
        &mut self,
        key: &ClientMsgId,
        sha256: Option<String>,
        fx: &mut Vec<Effect>,
    ) {
        let Some(upload) = self.upload_mut(key) else {
            return;
        };
        upload.sha256 = sha256;
        upload.ready = true;
        let offer = upload.offer();
        self.send(offer, fx);
    }

    /// The socket (re)opened: every unfinished upload asks where to go on.
    pub(super) fn reconnect_uploads(&mut self, fx: &mut Vec<Effect>) {
        for upload in &mut self.uploads {
            upload.next = None;
            upload.reading = None;
            if upload.problem.is_some() && upload.upload.is_none() {
                continue;
            }
            match &upload.upload {
                Some(id) => fx.push(Effect::Send(ClientMsg::ResumeUpload { upload: id.clone() })),
                // The offer may not have reached the server: offering again
                // under the same key finds the same upload.
                None if upload.ready => fx.push(Effect::Send(upload.offer())),
                None => {}
            }
        }
    }

    /// The socket closed: nothing is sent until the server says where to
    /// continue again.
    pub(super) fn disconnect_uploads(&mut self) {
        for upload in &mut self.uploads {
            upload.next = None;
            upload.reading = None;
        }
    }

    /// The server said where upload `upload` continues.
    pub(super) fn accepted(
        &mut self,
        key: Option<ClientMsgId>,
        upload: UploadId,
        offset: u64,
        now: f64,
        fx: &mut Vec<Effect>,
    ) {
        let Some(key) = key.or_else(|| self.key_of(&upload)) else {
            return;
        };
        let Some(record) = self.upload_mut(&key) else {
            return;
        };
        let first = record.upload.is_none();
        record.upload = Some(upload.clone());
        record.acked = offset;
        record.next = Some(offset);
        record.reading = None;
        record.problem = None;
        if first || record.since.1 > offset {
            record.since = (now, offset);
        }
        let saved = super::SavedUpload {
            key: key.clone(),
            upload,
            name: record.name.clone(),
            size: record.size,
            mime: record.mime.clone(),
            has_file: !record.needs_file,
        };
        fx.push(Effect::Save(saved));
        self.pump(&key, fx);
    }

    pub(super) fn received(&mut self, upload: &UploadId, offset: u64, fx: &mut Vec<Effect>) {
        let Some(key) = self.key_of(upload) else {
            return;
        };
        if let Some(record) = self.upload_mut(&key) {
            record.acked = record.acked.max(offset);
        }
        self.pump(&key, fx);
    }

    pub(super) fn progress(
        &mut self,
        upload: UploadId,
        received: u64,
        status: FileStatus,
        dimensions: Option<(u32, u32)>,
        fx: &mut Vec<Effect>,
    ) {
        if status != FileStatus::Uploading {
            if let Some(key) = self.key_of(&upload) {
                self.forget(&key, fx);
            }
        }
        let now = FileNow {
            received,
            status,
            dimensions,
        };
        self.files.insert(upload, now);
    }

    pub(super) fn upload_refused(
        &mut self,
        upload: &UploadId,
        message: String,
        expected: Option<u64>,
        now: f64,
        fx: &mut Vec<Effect>,
    ) {
        let Some(key) = self.key_of(upload) else {
            return;
        };
        match expected {
            // Chunks crossed with a reconnect: continue where the server's
            // bytes end.
            Some(expected) => self.accepted(Some(key), upload.clone(), expected, now, fx),
            None => self.fail(&key, message, fx),
        }
    }

    /// Stops an upload for good, keeping its record to show why.
    pub(super) fn fail(&mut self, key: &ClientMsgId, message: String, fx: &mut Vec<Effect>) {
        let Some(record) = self.upload_mut(key) else {
            return;
        };
        record.problem = Some(message.clone());
        record.next = None;
        record.reading = None;
        // The entry itself may end as just "Upload failed"; the alert keeps
        // the reason in front of the uploader.
        self.alert = Some(format!("Couldn't share {}: {message}", record.name));
        fx.push(Effect::Discard(key.clone()));
    }

    pub(super) fn cancel(&mut self, key: &ClientMsgId, fx: &mut Vec<Effect>) {
        let upload = self
            .uploads
            .iter()
            .find(|u| &u.key == key)
            .and_then(|u| u.upload.clone());
        if let Some(upload) = upload {
            self.send(ClientMsg::CancelUpload { upload }, fx);
        }
        self.forget(key, fx);
    }

    /// Drops an upload that ended (finished, cancelled, failed).
    fn forget(&mut self, key: &ClientMsgId, fx: &mut Vec<Effect>) {
        self.uploads.retain(|u| &u.key != key);
        fx.push(Effect::Discard(key.clone()));
    }

    pub(super) fn repicked(&mut self, key: &ClientMsgId, size: u64, fx: &mut Vec<Effect>) {
        let connected = self.connected;
        let Some(record) = self.upload_mut(key) else {
            return;
        };
        if record.size != size {
            self.alert = Some("That isn't the same file: its size is different.".to_owned());
            return;
        }
        record.needs_file = false;
        record.problem = None;
        record.next = None;
        record.reading = None;
        let resume = record.upload.clone();
        match resume {
            Some(upload) if connected => fx.push(Effect::Send(ClientMsg::ResumeUpload { upload })),
            Some(_) => {}
            None => {
                let offer = record.offer();
                self.send(offer, fx);
            }
        }
    }

    pub(super) fn restored(
        &mut self,
        saved: Vec<super::SavedUpload>,
        now: f64,
        fx: &mut Vec<Effect>,
    ) {
        for saved in saved {
            if self.uploads.iter().any(|u| u.key == saved.key) {
                continue;
            }
            let upload = saved.upload.clone();
            self.uploads.push(Upload {
                key: saved.key,
                name: saved.name,
                size: saved.size,
                mime: saved.mime,
                sha256: None,
                ready: true,
                upload: Some(saved.upload),
                acked: 0,
                next: None,
                reading: None,
                since: (now, 0),
                problem: None,
                needs_file: !saved.has_file,
            });
            self.send(ClientMsg::ResumeUpload { upload }, fx);
        }
    }

    /// Reads the next chunk of `key` if the window has room; each chunk
    /// read, sent or acknowledged comes back here.
    fn pump(&mut self, key: &ClientMsgId, fx: &mut Vec<Effect>) {
        if !self.connected {
            return;
        }
        let Some(record) = self.upload_mut(key) else {
            return;
        };
        let (Some(upload), Some(next)) = (record.upload.clone(), record.next) else {
            return;
        };
        let blocked = record.reading.is_some() || record.needs_file || record.problem.is_some();
        if blocked || next >= record.size || next.saturating_sub(record.acked) >= WINDOW_BYTES {
            return;
        }
        record.reading = Some(next);
        fx.push(Effect::ReadChunk {
            key: key.clone(),
            upload,
            start: next,
            end: (next + CHUNK_BYTES).min(record.size),
        });
    }

    pub(super) fn chunk_read(
        &mut self,
        key: &ClientMsgId,
        start: u64,
        frame: Option<Vec<u8>>,
        fx: &mut Vec<Effect>,
    ) {
        let connected = self.connected;
        let Some(record) = self.upload_mut(key) else {
            return;
        };
        if record.reading != Some(start) {
            return;
        }
        record.reading = None;
        let Some(frame) = frame else {
            // The browser can't read the file any more (moved, changed, or
            // lost across a reload): the user must pick it again.
            record.needs_file = true;
            return;
        };
        if !connected {
            return;
        }
        record.next = Some((start + CHUNK_BYTES).min(record.size));
        fx.push(Effect::SendBinary(frame));
        self.pump(key, fx);
    }
}

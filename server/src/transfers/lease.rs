//! One writer at a time per upload when several nodes share the files
//! directory: before a node writes an upload's bytes it holds a lease on
//! the upload's row (`uploads.writer`, `writer_until`), renewed while
//! chunks arrive and released when the uploading connection closes. A
//! client that reconnects to another node resumes there once the lease is
//! released or runs out; a node whose lease lapsed checks the partial file
//! before writing again, since another node may have appended to it.
//!
//! Leases compare the nodes' wall clocks: keep them in sync (NTP) to well
//! within [`MARGIN_MS`]. On one node there are no leases.

use std::time::{Duration, Instant};

use app::error::AppError;
use app::protocol::{FileStatus, Member, RoomCode, UploadId};
use tokio::sync::OwnedMutexGuard;

use super::pipeline::blocking;
use super::{storage, Active, Transfers};
use crate::store::unix_millis;

/// How long a claim lasts without renewal, in milliseconds.
const LEASE_MS: i64 = 5_000;
/// A writer stops trusting its lease this long before it runs out, so a
/// write under way ends before another node may claim the upload.
const MARGIN_MS: i64 = 1_500;
/// How often a claim on an upload held elsewhere is tried again.
const RETRY: Duration = Duration::from_millis(200);

/// Whether the state in memory may be written on.
#[derive(Debug, PartialEq, Eq)]
enum Hold {
    Held,
    /// Another node may have written since: read the upload again.
    Stale,
}

impl Transfers {
    /// The upload `upload` of `me` in `room`, locked, held by this node,
    /// and true to what is on disk.
    pub(super) async fn held(
        &self,
        room: &RoomCode,
        me: &Member,
        upload: &UploadId,
    ) -> Result<OwnedMutexGuard<Active>, AppError> {
        let active = match self.lookup(upload) {
            Some(active) => active,
            None => {
                let row = self.owned(room, me, upload).await?;
                self.activate(row).await?
            }
        };
        let mut state = active.lock_owned().await;
        if self.hold(&mut state).await? == Hold::Held {
            return Ok(state);
        }
        tracing::info!(upload = %upload.0, "reading an upload again: another node wrote to it");
        state.writer = None;
        drop(state);
        self.lock().remove(upload);
        let row = self.owned(room, me, upload).await?;
        if row.file.status != FileStatus::Uploading {
            return Err(AppError::UnknownUpload(upload.clone()));
        }
        let active = self.activate(row).await?;
        let state = active.lock_owned().await;
        Ok(state)
    }

    /// Claims `upload` for this node before its partial file is opened,
    /// waiting up to a lease for another node's to be released or run out;
    /// returns the lease's end (`None` on one node).
    pub(super) async fn claim(&self, upload: &UploadId) -> Result<Option<i64>, AppError> {
        let Some(node) = &self.node else {
            return Ok(None);
        };
        let deadline = Instant::now() + Duration::from_millis((LEASE_MS + 500) as u64);
        loop {
            let now = unix_millis();
            let until = now + LEASE_MS;
            let claimed = self.store.claim_upload(upload, node, now, until).await;
            if claimed.map_err(storage)? {
                return Ok(Some(until));
            }
            match self.store.upload(upload).await.map_err(storage)? {
                Some(row) if row.file.status == FileStatus::Uploading => {}
                _ => return Err(AppError::UnknownUpload(upload.clone())),
            }
            if Instant::now() >= deadline {
                return Err(AppError::UploadBusy(upload.clone()));
            }
            tokio::time::sleep(RETRY).await;
        }
    }

    /// Before writing to `state`: renews this node's lease while it runs,
    /// and claims the upload again once it lapsed (then the partial file
    /// must still end where this node left it).
    async fn hold(&self, state: &mut Active) -> Result<Hold, AppError> {
        let Some(node) = &self.node else {
            return Ok(Hold::Held);
        };
        let id = state.row.file.id.clone();
        let now = unix_millis();
        let running = state.lease_until.filter(|until| now < until - MARGIN_MS);
        let until = now + LEASE_MS;
        if let Some(current) = running {
            if current - now >= LEASE_MS / 2 {
                return Ok(Hold::Held);
            }
            // Renewing a running lease fails only if the upload ended
            // (cancelled or deleted elsewhere).
            let renewed = self.store.claim_upload(&id, node, now, until).await;
            if !renewed.map_err(storage)? {
                state.lease_until = None;
                return Ok(Hold::Stale);
            }
            state.lease_until = Some(until);
            return Ok(Hold::Held);
        }
        let claimed = self.store.claim_upload(&id, node, now, until).await;
        if !claimed.map_err(storage)? {
            return match self.store.upload(&id).await.map_err(storage)? {
                Some(row) if row.file.status == FileStatus::Uploading => {
                    Err(AppError::UploadBusy(id))
                }
                _ => Ok(Hold::Stale),
            };
        }
        state.lease_until = Some(until);
        let path = self.partial(&id)?;
        let on_disk = blocking(move || std::fs::metadata(path).map(|m| m.len()))
            .await
            .ok();
        Ok(if on_disk == Some(state.received) {
            Hold::Held
        } else {
            Hold::Stale
        })
    }

    /// The connection that was sending `uploads` closed: another node may
    /// take them over at once.
    pub async fn release(&self, uploads: &[UploadId]) {
        let Some(node) = &self.node else {
            return;
        };
        for upload in uploads {
            if let Some(active) = self.lookup(upload) {
                active.lock().await.lease_until = None;
            }
            if let Err(error) = self.store.release_upload(upload, node).await {
                tracing::warn!(%error, upload = %upload.0, "releasing an upload");
            }
        }
    }
}

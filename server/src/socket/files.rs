//! The file half of a room's socket: offers, resumes, cancels, and chunk
//! frames, each chunk written while the next one is read.

use std::time::Instant;

use app::error::AppError;
use app::protocol::{ServerMsg, UploadId};
use axum::body::Bytes;
use tokio::task::JoinError;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::outbox::Outbox;
use super::{Connection, End, Step, Writing, SMALL_CHUNK};
use crate::transfers::Offer;

impl Connection<'_> {
    /// A chunk frame: waits for the one being written, then writes this one
    /// while the next frame is read.
    pub(super) async fn on_chunk(&mut self, out: &mut Outbox, bytes: Bytes, now: Instant) -> Step {
        if bytes.len() < SMALL_CHUNK && !self.chunks.take(now) {
            tracing::info!("closing a connection flooding chunks");
            return Err(End::Close(CloseCode::Policy, "too many messages"));
        }
        if let Some(previous) = self.writing.take() {
            self.written(out, previous.await).await?;
        }
        let transfers = self.chatdrop.transfers.clone();
        let (room, me) = (self.room.code.clone(), self.me.clone());
        self.writing = Some(tokio::spawn(async move {
            transfers.chunk(&room, &me, bytes).await
        }));
        Ok(())
    }

    pub(super) async fn offer(&mut self, out: &mut Outbox, offer: Offer) -> Step {
        let id = offer.id.clone();
        match self
            .chatdrop
            .transfers
            .offer(&self.room.code, &self.me, offer)
            .await
        {
            Ok((upload, offset)) => {
                self.sending(&upload);
                let id = Some(id);
                Ok(out.send(&ServerMsg::Upload { id, upload, offset }).await?)
            }
            // Refusals before an upload exists name the offer.
            Err(error) if error.upload().is_none() => self.refuse(out, error, Some(id)).await,
            Err(error) => self.refuse(out, error, None).await,
        }
    }

    pub(super) async fn resume_upload(&mut self, out: &mut Outbox, upload: UploadId) -> Step {
        let transfers = &self.chatdrop.transfers;
        match transfers.resume(&self.room.code, &self.me, &upload).await {
            Ok(offset) => {
                self.sending(&upload);
                let frame = ServerMsg::Upload {
                    id: None,
                    upload,
                    offset,
                };
                Ok(out.send(&frame).await?)
            }
            Err(error) => self.refuse(out, error, None).await,
        }
    }

    pub(super) async fn cancel_upload(&mut self, out: &mut Outbox, upload: UploadId) -> Step {
        let transfers = &self.chatdrop.transfers;
        match transfers.cancel(&self.room.code, &self.me, &upload).await {
            Ok(()) => Ok(()),
            Err(error) => self.refuse(out, error, None).await,
        }
    }

    /// Acknowledges a stored chunk, or says why it wasn't stored.
    pub(super) async fn written(
        &mut self,
        out: &mut Outbox,
        result: Result<Result<(UploadId, u64), AppError>, JoinError>,
    ) -> Step {
        match result {
            Ok(Ok((upload, offset))) => {
                self.sending(&upload);
                Ok(out.send(&ServerMsg::Received { upload, offset }).await?)
            }
            Ok(Err(error)) => self.refuse(out, error, None).await,
            Err(error) => {
                tracing::error!(%error, "a chunk write failed");
                self.refuse(out, AppError::ChunkNotStored, None).await
            }
        }
    }
}

impl Connection<'_> {
    fn sending(&mut self, upload: &UploadId) {
        if !self.uploads.contains(upload) {
            self.uploads.push(upload.clone());
        }
    }

    /// The connection closed: once the chunk being written is on disk,
    /// another node may take its uploads over (a reconnect that lands
    /// there resumes at once).
    pub(super) async fn hand_over_uploads(&mut self) {
        if let Some(writing) = self.writing.take() {
            if let Ok(Ok((upload, _))) = writing.await {
                self.sending(&upload);
            }
        }
        self.chatdrop.transfers.release(&self.uploads).await;
    }
}

/// The result of the chunk being written; only polled while there is one.
pub(super) async fn finished(
    writing: &mut Option<Writing>,
) -> Result<Result<(UploadId, u64), AppError>, JoinError> {
    match writing {
        Some(handle) => handle.await,
        None => std::future::pending().await,
    }
}

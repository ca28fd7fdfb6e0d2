//! The frames of the room's WebSocket: [`ClientMsg`] from the browser (or
//! a bot), [`ServerMsg`] from the server, [`ErrorCode`] in refusals.

use serde::{Deserialize, Serialize};

use super::chunk::UploadId;
use super::error_code::ErrorCode;
use super::events::{Event, FileStatus};
use super::ids::{ClientMsgId, Member, Seq, UserId};
use super::limits::{CLIENT_ID_MAX_BYTES, MESSAGE_MAX_CHARS};
use crate::error::AppError;
use crate::tagged::tag_first;

/// Frames the browser (or a bot) sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// Sent first on every connection: replay every event after `after`
    /// (`0` for a client with no history), then stream live ones.
    Resume {
        /// The last sequence number the client has.
        after: Seq,
    },
    /// Post a message to the room.
    Send {
        /// The client's id for this message.
        id: ClientMsgId,
        /// 1 to 4000 characters; not only whitespace.
        text: String,
        /// The message or file this answers, for a reply.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<Seq>,
    },
    /// Change the text of a message of yours. Everyone gets an
    /// [`EventKind::Edited`](super::events::EventKind::Edited) event.
    Edit {
        /// The message's sequence number.
        target: Seq,
        /// Its new text, checked as for `Send`.
        text: String,
    },
    /// Add (`on`) or take back a reaction to a message. Everyone gets an
    /// [`EventKind::Reacted`](super::events::EventKind::Reacted) event;
    /// asking for what already is changes nothing.
    React {
        /// The message's sequence number.
        target: Seq,
        /// One of [`REACTIONS`](super::limits::REACTIONS).
        emoji: String,
        /// Add, or take back.
        on: bool,
    },
    /// The user is typing; send at most every few seconds.
    Typing,
    /// Share a file: the server answers [`ServerMsg::Upload`] with where to
    /// start sending its bytes, as binary [`Chunk`] frames.
    Offer {
        /// The client's id for this upload; offering it again (after a
        /// reconnect) returns the same upload.
        id: ClientMsgId,
        /// The file's name (any text; shown, never used as a path).
        name: String,
        /// Its size in bytes.
        size: u64,
        /// Its type as the browser declared it (may be empty).
        mime: String,
        /// Its SHA-256 in hex, if the client computed it: content the
        /// server already has completes without sending the bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sha256: Option<String>,
    },
    /// Continue an unfinished upload of yours (after a reconnect or a
    /// reload): the server answers [`ServerMsg::Upload`] with its offset.
    ResumeUpload {
        /// Which.
        upload: UploadId,
    },
    /// Stop an upload of yours and discard what was sent.
    CancelUpload {
        /// Which.
        upload: UploadId,
    },
    /// Delete a message or file: your own, or anyone's if you own the
    /// room. Everyone gets an [`EventKind::Deleted`](super::events::EventKind::Deleted) event.
    Delete {
        /// The message's or file's sequence number.
        target: Seq,
    },
}

tag_first! {
    tag = "type", remote = "ServerMsg";
/// Frames the server sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// First frame on every connection: who you are and the room's newest
    /// sequence number.
    Welcome {
        /// The connected user.
        you: Member,
        /// The room's newest event.
        latest: Seq,
    },
    /// One event, replayed or live, always in sequence order.
    Event {
        /// The event.
        event: Event,
    },
    /// Sent to the sender only: its message `id` is stored as `seq`.
    Ack {
        /// The client's id.
        id: ClientMsgId,
        /// Where it was stored.
        seq: Seq,
    },
    /// Who is in the room now (sent on connect and whenever it changes).
    Presence {
        /// Everyone with at least one open connection, by name.
        members: Vec<Member>,
    },
    /// Someone is typing; not stored. Lasts a few seconds or until their
    /// next message.
    Typing {
        /// Who.
        who: Member,
    },
    /// Drop your log and show these (the newest events) instead: the gap
    /// after your `Resume`, or while you were too slow to read, was too
    /// long to replay. Live events follow.
    Reset {
        /// The newest events, oldest first.
        events: Vec<Event>,
    },
    /// Sent to the uploader only: send upload `upload`'s bytes from
    /// `offset` (equal to the size when the server needs nothing more).
    Upload {
        /// The client's id from the offer (absent for a resume).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<ClientMsgId>,
        /// The server's id for the file.
        upload: UploadId,
        /// Bytes the server already has.
        offset: u64,
    },
    /// Sent to the uploader only, for every chunk stored: the server has the
    /// first `offset` bytes.
    Received {
        /// Which upload.
        upload: UploadId,
        /// Bytes stored so far.
        offset: u64,
    },
    /// A shared file's progress, for everyone in the room (a few times a
    /// second while bytes arrive, and once when its status changes).
    Progress {
        /// Which file.
        upload: UploadId,
        /// Bytes the server has.
        received: u64,
        /// Where it stands.
        status: FileStatus,
        /// Pixel size, for a completed image the server could measure.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dimensions: Option<(u32, u32)>,
    },
    /// The room's settings, sent on connect and to everyone whenever an
    /// owner changes them: the countdown, the lock and the owners follow.
    Settings {
        /// When the room will be deleted (ms since the epoch); `None`:
        /// never.
        expires_at: Option<i64>,
        /// Whether it takes no new members.
        locked: bool,
        /// Whether joining needs a password.
        password: bool,
        /// Who owns it.
        owners: Vec<UserId>,
    },
    /// The room is closing for good: it expired or its owner deleted it.
    /// The socket closes next (code 4410); the room's address answers
    /// `410 Gone`.
    Closing {
        /// Why.
        reason: ClosingReason,
    },
    /// Something the client sent was refused; the connection stays open.
    Error {
        /// What went wrong, for programs.
        code: ErrorCode,
        /// What went wrong, for people.
        message: String,
        /// The message it concerns, if any.
        id: Option<ClientMsgId>,
        /// The upload it concerns, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        upload: Option<UploadId>,
        /// For a chunk at the wrong place: where the next one must start.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expected: Option<u64>,
    },
}
}

/// Why a room closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosingReason {
    /// Its lifetime ended.
    Expired,
    /// Its owner deleted it.
    Deleted,
}

impl ClientMsgId {
    /// Checks the id's length, as the server does for messages and offers.
    pub fn validate(&self) -> Result<(), AppError> {
        if self.0.is_empty() || self.0.len() > CLIENT_ID_MAX_BYTES {
            return Err(AppError::BadClientId);
        }
        Ok(())
    }
}

impl ClientMsg {
    /// Checks a `Send`'s text and id, returning the error to report.
    pub fn validate_send(id: &ClientMsgId, text: &str) -> Result<(), AppError> {
        id.validate()?;
        Self::validate_text(text)
    }

    /// Checks a message's text (sent or edited).
    pub fn validate_text(text: &str) -> Result<(), AppError> {
        if text.trim().is_empty() {
            return Err(AppError::MessageEmpty);
        }
        if text.chars().count() > MESSAGE_MAX_CHARS {
            return Err(AppError::MessageTooLong);
        }
        Ok(())
    }
}

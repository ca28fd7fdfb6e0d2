//! The codes of refused socket frames, for programs (the words for
//! people are `crate::error::AppError`'s).

use serde::{Deserialize, Serialize};

/// Why a client frame was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not JSON, or not a known message.
    BadFrame,
    /// The message text is empty or only whitespace.
    EmptyMessage,
    /// The message text is over [`MESSAGE_MAX_CHARS`](super::limits::MESSAGE_MAX_CHARS).
    MessageTooLong,
    /// The client id is empty or over [`CLIENT_ID_MAX_BYTES`](super::limits::CLIENT_ID_MAX_BYTES).
    BadClientId,
    /// Too many frames too fast: slow down or be disconnected.
    RateLimited,
    /// The server could not store the message; try again.
    Unavailable,
    /// The file is larger than the server accepts, or more bytes arrived
    /// than were offered.
    FileTooLarge,
    /// The offered name or type is too long.
    BadOffer,
    /// No such upload of yours in progress (unknown, someone else's,
    /// finished, cancelled or abandoned).
    UnknownUpload,
    /// A chunk that doesn't start where the stored bytes end (a gap, a
    /// duplicate or an overlap): nothing was written; see `expected`.
    BadOffset,
    /// The server's disk is full: the upload stopped.
    DiskFull,
    /// Not yours to do: another's message to delete, an owner's action.
    NotAllowed,
    /// Nothing (any more) at that place: already deleted, or never there.
    NotFound,
}

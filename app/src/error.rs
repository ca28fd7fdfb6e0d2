//! Every error a person or a program can meet, with the words they read.
//!
//! One enum serves server functions, plain form posts and the room's
//! socket alike: HTTP answers use [`AppError::status`], socket `error`
//! frames use [`AppError::code`] (the wire's [`ErrorCode`]) and the same
//! text. Each text is written here once.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

use crate::protocol::chunk::UploadId;
use crate::protocol::error_code::ErrorCode;
use crate::protocol::limits::{
    CHUNK_HEADER_BYTES, CLIENT_ID_MAX_BYTES, MESSAGE_MAX_CHARS, NAME_MAX_CHARS,
    ROOM_PASSWORD_MAX_BYTES,
};
use crate::units;

/// Something the user should be told, in a sentence they can act on.
///
/// Errors only the socket reports (its frames carry [`AppError::code`] and
/// the words, never the enum) are `#[serde(skip)]`: no page or server
/// function answer carries them, and leaving them out keeps their decoding
/// out of the WASM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The name field was empty or only spaces.
    #[error("Please enter your name.")]
    NameEmpty,
    /// The name is longer than the limit.
    #[error("Your name can be at most {NAME_MAX_CHARS} characters long.")]
    NameTooLong,
    /// The name contains tabs, line breaks or other control characters.
    #[error("Your name can't contain control characters such as tabs or line breaks.")]
    NameControlChars,
    /// Join was asked for without a code.
    #[error("Enter a room code to join, or create a new room.")]
    CodeEmpty,
    /// The code has the wrong length or symbols no code uses.
    #[error(
        "That doesn't look like a room code. Codes have 9 letters and digits, like K7Q-DM3-XPA."
    )]
    CodeMalformed,
    /// The room has a password and none was given.
    #[error("This room has a password. Enter it to join.")]
    RoomPasswordNeeded,
    /// The room's password was wrong.
    #[error("Wrong room password")]
    WrongRoomPassword,
    /// A room password over the limit.
    #[error("Room passwords can be at most {ROOM_PASSWORD_MAX_BYTES} bytes long.")]
    RoomPasswordTooLong,
    /// A "Delete room after" value the server doesn't offer.
    #[error("Choose how long the room lasts from the list.")]
    BadLifetime,
    /// The room's lifetime ended: it and everything in it are deleted.
    #[error("This room has expired.")]
    RoomExpired,
    /// The room's owner deleted it.
    #[error("This room was deleted by its owner.")]
    RoomDeleted,
    /// The code is well-formed but no room has it.
    #[error("There is no room with that code. Check it, or create a new room.")]
    UnknownRoom,
    /// A message with no text.
    #[error("Type a message first.")]
    MessageEmpty,
    /// A message over the length limit.
    #[error("Messages can be at most {MESSAGE_MAX_CHARS} characters long.")]
    MessageTooLong,
    /// A message or upload id that is empty or too long.
    #[error("Message ids are 1 to {CLIENT_ID_MAX_BYTES} bytes.")]
    BadClientId,
    /// The room's owner locked it: no new members.
    #[error("This room is locked: its owner isn't letting new people in.")]
    RoomLocked,
    /// An owner's action from someone who isn't the room's owner.
    #[error("Only the room's owner can do that.")]
    NotOwner,
    /// Deleting someone else's message or file, not being an owner.
    #[serde(skip)]
    #[error("You can only delete your own messages and files.")]
    NotYours,
    /// Deleting a message or file that is already deleted.
    #[serde(skip)]
    #[error("That was already deleted.")]
    AlreadyDeleted,
    /// Deleting where there is no message or file.
    #[serde(skip)]
    #[error("There's no message or file there to delete.")]
    NothingToDelete,
    /// Editing someone else's message.
    #[error("You can only edit your own messages.")]
    NotYourMessage,
    /// Editing, reacting to or answering a message that was deleted.
    #[error("That message was deleted.")]
    MessageDeleted,
    /// Editing, reacting to or answering where there is no message.
    #[error("There's no message there.")]
    NoSuchMessage,
    /// A reaction that isn't one of the offered emoji.
    #[error("Pick a reaction from the list.")]
    BadReaction,
    /// A settings form with an action no owner can take.
    #[serde(skip)]
    #[error("That isn't something a room's settings can do.")]
    UnknownAction,
    /// An owner removing themselves.
    #[serde(skip)]
    #[error("You can't remove yourself. To go, use Leave.")]
    RemoveYourself,
    /// An owner action about someone who was never in the room.
    #[serde(skip)]
    #[error("That person isn't in this room.")]
    NotAMember,
    /// An owner removed the caller from the room.
    #[error("You were removed from this room by its owner.")]
    Removed,
    /// The room's password changed since the caller joined.
    #[error("The room's password changed. Enter the new one to come back in.")]
    PasswordChanged,
    /// The caller is not in the room they tried to use.
    #[error("You're not in this room. Join it first.")]
    NotInRoom,
    /// Too many wrong codes came from this address lately.
    #[error("Too many wrong room codes. Please wait {0} seconds and try again.")]
    Throttled(u64),
    /// Too many rooms were created from this address lately.
    #[error(
        "You've created a lot of rooms in a short time. Please wait {0} seconds and try again."
    )]
    TooManyRooms(u64),
    /// The request needs a session and has none (or the cookie was tampered with).
    #[error("Your session has ended. Please enter your name again.")]
    NotSignedIn,
    /// The request came from another site.
    #[error("This request came from another site and was refused.")]
    ForeignOrigin,
    /// A socket frame that is not JSON, or not a known message.
    #[serde(skip)]
    #[error("That frame is not a message this server knows.")]
    BadFrame,
    /// Too many socket frames too fast.
    #[serde(skip)]
    #[error("You're sending too fast; slow down.")]
    RateLimited,
    /// A message could not be stored (the database is unavailable).
    #[serde(skip)]
    #[error("The message could not be stored; try again.")]
    MessageNotStored,
    /// The room could not be opened (the database is unavailable).
    #[serde(skip)]
    #[error("The room is unavailable; try again.")]
    RoomUnavailable,
    /// A file could not be handled (storage is unavailable).
    #[serde(skip)]
    #[error("The server couldn't handle that file; try again.")]
    FileUnavailable,
    /// A file over the server's limit.
    #[serde(skip)]
    #[error("Files can be at most {}; this one is {}.", units::bytes(*max), units::bytes(*size))]
    FileTooLarge {
        /// The limit, in bytes.
        max: u64,
        /// The file's size.
        size: u64,
    },
    /// An offered file name over the limit.
    #[serde(skip)]
    #[error("That file name is too long; rename the file and try again.")]
    FileNameTooLong,
    /// An offered file type over the limit.
    #[serde(skip)]
    #[error("That file type is too long.")]
    FileTypeTooLong,
    /// A binary frame too short to be a chunk.
    #[serde(skip)]
    #[error("A file chunk starts with a {CHUNK_HEADER_BYTES}-byte header.")]
    ChunkHeader,
    /// No such upload of the caller's in progress.
    #[serde(skip)]
    #[error("That upload isn't in progress any more.")]
    UnknownUpload(UploadId),
    /// A chunk before the stored bytes' end: nothing was written.
    #[serde(skip)]
    #[error("That chunk was already received.")]
    ChunkRepeated {
        /// The upload.
        upload: UploadId,
        /// Where the next chunk must start.
        expected: u64,
    },
    /// A chunk after the stored bytes' end: nothing was written.
    #[serde(skip)]
    #[error("That chunk skips bytes.")]
    ChunkSkips {
        /// The upload.
        upload: UploadId,
        /// Where the next chunk must start.
        expected: u64,
    },
    /// More bytes than the offered size.
    #[serde(skip)]
    #[error("More bytes arrived than the file's size; the extra chunk was refused.")]
    ChunkOverflow(UploadId),
    /// A chunk could not be written (a fault, not the disk filling up).
    #[serde(skip)]
    #[error("The server couldn't store that chunk; try again.")]
    ChunkNotStored,
    /// The disk filled up: the upload ended.
    #[serde(skip)]
    #[error("The server's disk is full, so the upload stopped. Chat still works.")]
    DiskFull(UploadId),
    /// Writing failed for another reason: the upload ended.
    #[serde(skip)]
    #[error("The server couldn't store the file, so the upload stopped.")]
    UploadFailed(UploadId),
    /// Another connection (on another node) is still sending this
    /// upload's bytes: one writer at a time.
    #[serde(skip)]
    #[error(
        "This file is still being received on another connection; try again in a few seconds."
    )]
    UploadBusy(UploadId),
    /// A fault on the server; details are in its log, not here.
    #[error("Something went wrong on the server. Please try again.")]
    Internal,
    /// The server could not be reached or answered in an unexpected way.
    #[error("Couldn't reach Chatdrop ({0}). Check your connection and try again.")]
    Transport(String),
}

impl AppError {
    /// The HTTP status that goes with the error.
    pub fn status(&self) -> u16 {
        match self {
            Self::UnknownRoom => 404,
            Self::RoomExpired | Self::RoomDeleted => 410,
            Self::Throttled(_) | Self::TooManyRooms(_) | Self::RateLimited => 429,
            Self::NotSignedIn | Self::RoomPasswordNeeded | Self::PasswordChanged => 401,
            Self::AlreadyDeleted | Self::NothingToDelete | Self::NotAMember => 404,
            Self::NoSuchMessage => 404,
            Self::MessageDeleted => 410,
            Self::NotYours | Self::NotYourMessage | Self::Removed => 403,
            Self::WrongRoomPassword => 403,
            Self::NotInRoom | Self::ForeignOrigin | Self::NotOwner | Self::RoomLocked => 403,
            Self::FileTooLarge { .. } => 413,
            Self::MessageNotStored
            | Self::RoomUnavailable
            | Self::FileUnavailable
            | Self::ChunkNotStored
            | Self::DiskFull(_)
            | Self::UploadBusy(_)
            | Self::UploadFailed(_) => 503,
            Self::Internal | Self::Transport(_) => 500,
            _ => 400,
        }
    }

    /// The login form's field the error is about (`name`, `code`,
    /// `password`), to mark it and move focus there.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::NameEmpty | Self::NameTooLong | Self::NameControlChars => Some("name"),
            Self::CodeEmpty | Self::CodeMalformed | Self::UnknownRoom | Self::RoomLocked => {
                Some("code")
            }
            Self::RoomPasswordNeeded | Self::WrongRoomPassword | Self::PasswordChanged => {
                Some("password")
            }
            _ => None,
        }
    }

    /// Whether the login form should ask for the room's password next.
    pub fn asks_for_password(&self) -> bool {
        matches!(
            self,
            Self::RoomPasswordNeeded | Self::WrongRoomPassword | Self::PasswordChanged
        )
    }

    /// The code a socket `error` frame carries for it.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::MessageEmpty => ErrorCode::EmptyMessage,
            Self::MessageTooLong => ErrorCode::MessageTooLong,
            Self::BadClientId => ErrorCode::BadClientId,
            Self::RateLimited | Self::Throttled(_) | Self::TooManyRooms(_) => {
                ErrorCode::RateLimited
            }
            Self::FileTooLarge { .. } | Self::ChunkOverflow(_) => ErrorCode::FileTooLarge,
            Self::FileNameTooLong | Self::FileTypeTooLong => ErrorCode::BadOffer,
            Self::UnknownUpload(_) => ErrorCode::UnknownUpload,
            Self::ChunkRepeated { .. } | Self::ChunkSkips { .. } => ErrorCode::BadOffset,
            Self::DiskFull(_) => ErrorCode::DiskFull,
            Self::BadFrame | Self::ChunkHeader => ErrorCode::BadFrame,
            Self::NotYours
            | Self::NotYourMessage
            | Self::NotOwner
            | Self::Removed
            | Self::NotInRoom => ErrorCode::NotAllowed,
            Self::AlreadyDeleted
            | Self::NothingToDelete
            | Self::NotAMember
            | Self::MessageDeleted
            | Self::NoSuchMessage => ErrorCode::NotFound,
            Self::BadReaction => ErrorCode::BadFrame,
            _ => ErrorCode::Unavailable,
        }
    }

    /// The upload the error is about, if any.
    pub fn upload(&self) -> Option<&UploadId> {
        match self {
            Self::UnknownUpload(upload)
            | Self::ChunkRepeated { upload, .. }
            | Self::ChunkSkips { upload, .. }
            | Self::ChunkOverflow(upload)
            | Self::DiskFull(upload)
            | Self::UploadBusy(upload)
            | Self::UploadFailed(upload) => Some(upload),
            _ => None,
        }
    }

    /// For a chunk at the wrong place: where the next one must start.
    pub fn expected(&self) -> Option<u64> {
        match self {
            Self::ChunkRepeated { expected, .. } | Self::ChunkSkips { expected, .. } => {
                Some(*expected)
            }
            _ => None,
        }
    }

    /// A short stable name for the errors a page can be sent back with in
    /// its query string (`?error=message_empty`).
    pub fn query_key(&self) -> Option<&'static str> {
        match self {
            Self::MessageEmpty => Some("message_empty"),
            Self::MessageTooLong => Some("message_too_long"),
            Self::NotInRoom => Some("not_in_room"),
            Self::MessageDeleted => Some("message_deleted"),
            Self::NoSuchMessage => Some("no_such_message"),
            Self::NotYourMessage => Some("not_your_message"),
            Self::BadReaction => Some("bad_reaction"),
            _ => None,
        }
    }

    /// The inverse of [`AppError::query_key`].
    pub fn from_query_key(key: &str) -> Option<Self> {
        [
            Self::MessageEmpty,
            Self::MessageTooLong,
            Self::NotInRoom,
            Self::MessageDeleted,
            Self::NoSuchMessage,
            Self::NotYourMessage,
            Self::BadReaction,
        ]
        .into_iter()
        .find(|e| e.query_key() == Some(key))
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::Transport(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_in_the_words_come_from_the_constants() {
        assert_eq!(
            AppError::NameTooLong.to_string(),
            "Your name can be at most 32 characters long."
        );
        assert_eq!(
            AppError::MessageTooLong.to_string(),
            "Messages can be at most 4000 characters long."
        );
        assert_eq!(
            AppError::FileTooLarge {
                max: 4 << 30,
                size: 5 << 30
            }
            .to_string(),
            "Files can be at most 4.0 GB; this one is 5.0 GB."
        );
    }

    #[test]
    fn socket_errors_carry_their_code_upload_and_offset() {
        let upload = UploadId("0".repeat(32));
        let error = AppError::ChunkSkips {
            upload: upload.clone(),
            expected: 7,
        };
        assert_eq!(error.code(), ErrorCode::BadOffset);
        assert_eq!(error.upload(), Some(&upload));
        assert_eq!(error.expected(), Some(7));
        assert_eq!(AppError::MessageEmpty.code(), ErrorCode::EmptyMessage);
        assert_eq!(AppError::BadFrame.upload(), None);
    }

    #[test]
    fn query_keys_round_trip() {
        for error in [AppError::MessageEmpty, AppError::NotInRoom] {
            let key = error.query_key().unwrap();
            assert_eq!(AppError::from_query_key(key), Some(error));
        }
        assert_eq!(AppError::from_query_key("nonsense"), None);
    }
}

//! The errors a person can meet, with the words they will read.
//!
//! One enum serves server functions and plain form posts alike, so the
//! JavaScript and no-JavaScript paths say exactly the same thing.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// Something the user should be told, in a sentence they can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The name field was empty or only spaces.
    #[error("Please enter your name.")]
    NameEmpty,
    /// The name is longer than the limit.
    #[error("Your name can be at most 32 characters long.")]
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
    /// The code is well-formed but no room has it.
    #[error("There is no room with that code. Check it, or create a new room.")]
    UnknownRoom,
    /// A message with no text.
    #[error("Type a message first.")]
    MessageEmpty,
    /// A message over the length limit.
    #[error("Messages can be at most 4000 characters long.")]
    MessageTooLong,
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
            Self::Throttled(_) | Self::TooManyRooms(_) => 429,
            Self::NotSignedIn => 401,
            Self::NotInRoom => 403,
            Self::ForeignOrigin => 403,
            Self::Internal | Self::Transport(_) => 500,
            _ => 400,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::Transport(value.to_string())
    }
}

impl AppError {
    /// A short stable name for the errors a page can be sent back with in
    /// its query string (`?error=message_empty`).
    pub fn query_key(&self) -> Option<&'static str> {
        match self {
            Self::MessageEmpty => Some("message_empty"),
            Self::MessageTooLong => Some("message_too_long"),
            Self::NotInRoom => Some("not_in_room"),
            _ => None,
        }
    }

    /// The inverse of [`AppError::query_key`].
    pub fn from_query_key(key: &str) -> Option<Self> {
        [Self::MessageEmpty, Self::MessageTooLong, Self::NotInRoom]
            .into_iter()
            .find(|e| e.query_key() == Some(key))
    }
}

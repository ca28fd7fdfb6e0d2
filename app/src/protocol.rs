//! The vocabulary both sides speak: identifiers and validated values that
//! cross the wire between the browser and the server.
//!
//! Everything here compiles for both the server and the WASM client, so the
//! browser validates input with exactly the rules the server enforces.
//!
//! The room's WebSocket (`GET /ws/{code}`) carries [`ClientMsg`] and
//! [`ServerMsg`] as JSON text frames; binary frames are reserved for file
//! chunks. `docs/PROTOCOL.md` describes the conversation.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::error::AppError;
use crate::tagged::{tag_first, Rest, TagFirst};

/// Symbols a room code is made of: digits and capitals without the ones
/// people confuse when reading a code aloud or off a screen (0/O, 1/I/L).
pub const CODE_ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Symbols in a room code. 31^9 ≈ 2^44.6 codes, so guessing one that exists
/// is impractical, especially with failed joins throttled per address.
pub const CODE_LEN: usize = 9;

/// Symbols per displayed group: `K7Q-DM3-XPA`.
const CODE_GROUP: usize = 3;

/// The longest display name, in characters.
pub const NAME_MAX_CHARS: usize = 32;

/// A room's code in canonical form: nine symbols from [`CODE_ALPHABET`], no
/// separators. Displayed (and used in URLs) grouped with dashes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoomCode(String);

impl RoomCode {
    /// Reads a code as a person typed it: any case, with or without spaces and
    /// dashes.
    pub fn parse(input: &str) -> Result<Self, AppError> {
        let canonical: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if canonical.is_empty() {
            return Err(AppError::CodeEmpty);
        }
        let valid =
            canonical.len() == CODE_LEN && canonical.bytes().all(|b| CODE_ALPHABET.contains(&b));
        if valid {
            Ok(Self(canonical))
        } else {
            Err(AppError::CodeMalformed)
        }
    }

    /// Builds a code from [`CODE_LEN`] indices into [`CODE_ALPHABET`]; the
    /// server feeds it random numbers. Indices wrap, so any input is valid.
    pub fn from_indices(indices: [u8; CODE_LEN]) -> Self {
        let code = indices
            .iter()
            .map(|i| CODE_ALPHABET[usize::from(*i) % CODE_ALPHABET.len()] as char)
            .collect();
        Self(code)
    }

    /// The canonical form, as stored: `K7QDM3XPA`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The room page's path, the invite link without the origin.
    pub fn path(&self) -> String {
        format!("/room/{self}")
    }
}

/// The grouped form people read: `K7Q-DM3-XPA`.
impl fmt::Display for RoomCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, group) in self.0.as_bytes().chunks(CODE_GROUP).enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            // The alphabet is ASCII, so every chunk is valid UTF-8.
            f.write_str(std::str::from_utf8(group).map_err(|_| fmt::Error)?)?;
        }
        Ok(())
    }
}

impl TryFrom<String> for RoomCode {
    type Error = AppError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RoomCode> for String {
    fn from(code: RoomCode) -> Self {
        code.to_string()
    }
}

/// A display name: trimmed, 1 to [`NAME_MAX_CHARS`] characters, no control
/// characters. Always rendered as text, never as markup.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserName(String);

impl UserName {
    /// Validates a name as typed; surrounding whitespace is dropped.
    pub fn parse(input: &str) -> Result<Self, AppError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(AppError::NameEmpty);
        }
        if name.chars().count() > NAME_MAX_CHARS {
            return Err(AppError::NameTooLong);
        }
        if name.chars().any(char::is_control) {
            return Err(AppError::NameControlChars);
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for UserName {
    type Error = AppError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<UserName> for String {
    fn from(name: UserName) -> Self {
        name.0
    }
}

/// A person's identity for the lifetime of their session cookie: 128 random
/// bits in hex, made by the server.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub String);

/// What the login form asks the server to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoginAction {
    /// Make a new room and enter it.
    Create,
    /// Enter the room whose code was typed.
    Join,
}

impl LoginAction {
    /// Reads the submit button's value; anything but `create` means join, the
    /// form's default button.
    pub fn from_form(value: &str) -> Self {
        if value.eq_ignore_ascii_case("create") {
            Self::Create
        } else {
            Self::Join
        }
    }
}

/// The longest chat message, in characters.
pub const MESSAGE_MAX_CHARS: usize = 4000;

/// The longest client message id, in bytes.
pub const CLIENT_ID_MAX_BYTES: usize = 64;

/// A room event's place in its room's history: 1, 2, 3… without gaps, in the
/// order everyone receives them.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Seq(pub u64);

/// An id the sending client picks for each message (unique per sender). A
/// message resent after a reconnect keeps its id, so it is stored once.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientMsgId(pub String);

/// A person as others see them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Member {
    /// Stable identity.
    pub user: UserId,
    /// Display name (text, never markup).
    pub name: UserName,
}

/// Something that happened in a room and is kept in its history. Written
/// as one object, `who` and the other fields first, then the kind's tag and
/// its fields (see [`crate::tagged`] for why that order is required).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Position in the room's history.
    pub seq: Seq,
    /// When the server stored it: milliseconds since the Unix epoch.
    pub at: i64,
    /// Who it is about: the sender, or the person who came or went.
    pub who: Member,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EventVisitor)
    }
}

struct EventVisitor;

impl<'de> serde::de::Visitor<'de> for EventVisitor {
    type Value = Event;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event")
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Event, M::Error> {
        use serde::de::Error as _;

        #[derive(Deserialize)]
        #[serde(field_identifier, rename_all = "snake_case")]
        enum Field {
            Seq,
            At,
            Who,
            Kind,
            #[serde(other)]
            Other,
        }
        let (mut seq, mut at, mut who) = (None, None, None);
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Seq => seq = Some(map.next_value()?),
                Field::At => at = Some(map.next_value()?),
                Field::Who => who = Some(map.next_value()?),
                Field::Other => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
                Field::Kind => {
                    let variant: String = map.next_value()?;
                    // The kind's fields are the rest of this object.
                    let kind = EventKind::from_rest(Rest { variant, map })?;
                    return Ok(Event {
                        seq: seq.ok_or_else(|| M::Error::missing_field("seq"))?,
                        at: at.ok_or_else(|| M::Error::missing_field("at"))?,
                        who: who.ok_or_else(|| M::Error::missing_field("who"))?,
                        kind,
                    });
                }
            }
        }
        Err(M::Error::missing_field("kind"))
    }
}

tag_first! {
    tag = "kind", remote = "EventKind";
/// The kinds of [`Event`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// A chat message.
    Message {
        /// The text, as typed (shown as text, never as markup).
        text: String,
        /// The sender's id for it, so the sender can match its local echo.
        client_id: ClientMsgId,
    },
    /// `who` opened the room (their first tab).
    Joined,
    /// `who` left the room, or closed their last tab.
    Left,
    /// A shared file. Stored when the upload is offered, so the room sees it
    /// at once; its status follows the bytes (see [`ServerMsg::Progress`]).
    File {
        /// The file.
        file: SharedFile,
    },
}
}

/// A shared file's server-assigned id: 128 random bits in hex. Its download
/// is `/uploads/{id}`; the name the user gave is never part of a path.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UploadId(pub String);

impl UploadId {
    /// The 16 bytes a chunk frame starts with, if the id is well-formed.
    pub fn to_bytes(&self) -> Option<[u8; 16]> {
        let well_formed = self.0.len() == 32
            && self
                .0
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !well_formed {
            return None;
        }
        u128::from_str_radix(&self.0, 16)
            .ok()
            .map(u128::to_be_bytes)
    }

    /// The id a chunk frame's first 16 bytes name.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(format!("{:032x}", u128::from_be_bytes(bytes)))
    }

    /// Where it downloads from.
    pub fn href(&self) -> String {
        format!("/uploads/{}", self.0)
    }
}

/// Where a shared file's bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Bytes are still arriving.
    Uploading,
    /// Every byte arrived and is stored: the link works.
    Complete,
    /// The uploader cancelled it.
    Cancelled,
    /// It stopped for good: the server's disk filled up, or it was abandoned.
    Failed,
}

/// A file as the room sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedFile {
    /// Its id (and download link).
    pub id: UploadId,
    /// The name the uploader gave, shown as text; may be anything.
    pub name: String,
    /// Bytes in all.
    pub size: u64,
    /// The type the uploader's browser declared.
    pub mime: String,
    /// Bytes the server has.
    pub received: u64,
    /// Where it stands.
    pub status: FileStatus,
    /// Pixel size, for images the server could measure: previews reserve
    /// their space so the log doesn't jump.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<(u32, u32)>,
}

impl SharedFile {
    /// Whether it gets an inline preview (and its pixel size read): raster
    /// images only. `/uploads/` serves these inline, with audio and video.
    pub fn is_previewable_image(&self) -> bool {
        matches!(
            self.mime.as_str(),
            "image/png" | "image/jpeg" | "image/gif" | "image/webp"
        )
    }
}

/// The largest file the server accepts unless configured otherwise: 4 GiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 4 << 30;

/// The longest file name accepted in an offer, in bytes.
pub const FILE_NAME_MAX_BYTES: usize = 1024;

/// The longest declared type accepted in an offer, in bytes.
pub const MIME_MAX_BYTES: usize = 255;

/// Bytes before a chunk's payload: the upload id (16) and the offset (8,
/// big-endian).
pub const CHUNK_HEADER_BYTES: usize = 24;

/// The most payload one chunk frame may carry.
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;

/// One binary frame of file bytes: `upload id | offset | payload`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk<'a> {
    /// The upload the bytes belong to.
    pub upload: UploadId,
    /// Where in the file the payload starts.
    pub offset: u64,
    /// The bytes.
    pub payload: &'a [u8],
}

impl<'a> Chunk<'a> {
    /// Reads a binary frame; `None` if it is too short to have a header.
    pub fn parse(frame: &'a [u8]) -> Option<Self> {
        if frame.len() < CHUNK_HEADER_BYTES {
            return None;
        }
        let id: [u8; 16] = frame[..16].try_into().ok()?;
        let offset: [u8; 8] = frame[16..CHUNK_HEADER_BYTES].try_into().ok()?;
        Some(Self {
            upload: UploadId::from_bytes(id),
            offset: u64::from_be_bytes(offset),
            payload: &frame[CHUNK_HEADER_BYTES..],
        })
    }

    /// Writes the frame's header into the first [`CHUNK_HEADER_BYTES`] of
    /// `frame`; `false` if the id is malformed or `frame` too short.
    pub fn write_header(upload: &UploadId, offset: u64, frame: &mut [u8]) -> bool {
        let Some(id) = upload.to_bytes() else {
            return false;
        };
        if frame.len() < CHUNK_HEADER_BYTES {
            return false;
        }
        frame[..16].copy_from_slice(&id);
        frame[16..CHUNK_HEADER_BYTES].copy_from_slice(&offset.to_be_bytes());
        true
    }
}

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

/// Why a client frame was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not JSON, or not a known message.
    BadFrame,
    /// The message text is empty or only whitespace.
    EmptyMessage,
    /// The message text is over [`MESSAGE_MAX_CHARS`].
    MessageTooLong,
    /// The client id is empty or over [`CLIENT_ID_MAX_BYTES`].
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
}

impl ClientMsg {
    /// Checks a `Send`'s text and id, returning the error to report.
    pub fn validate_send(id: &ClientMsgId, text: &str) -> Result<(), (ErrorCode, &'static str)> {
        if id.0.is_empty() || id.0.len() > CLIENT_ID_MAX_BYTES {
            return Err((ErrorCode::BadClientId, "Message ids are 1 to 64 bytes."));
        }
        if text.trim().is_empty() {
            return Err((ErrorCode::EmptyMessage, "Type a message first."));
        }
        if text.chars().count() > MESSAGE_MAX_CHARS {
            return Err((
                ErrorCode::MessageTooLong,
                "Messages can be at most 4000 characters long.",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_forgivingly() {
        let code = RoomCode::parse(" k7q-dm3 xpa ").unwrap();
        assert_eq!(code.as_str(), "K7QDM3XPA");
        assert_eq!(code.to_string(), "K7Q-DM3-XPA");
        assert_eq!(code.path(), "/room/K7Q-DM3-XPA");
    }

    #[test]
    fn codes_with_confusable_or_missing_symbols_are_malformed() {
        for bad in [
            "K7Q-DM3-XP0",
            "K7Q-DM3-XPO",
            "K7Q-DM3-XP1",
            "K7Q-DM3-XPI",
            "K7Q-DM3-XPL",
        ] {
            assert_eq!(RoomCode::parse(bad), Err(AppError::CodeMalformed), "{bad}");
        }
        assert_eq!(RoomCode::parse("K7Q-DM3"), Err(AppError::CodeMalformed));
        assert_eq!(
            RoomCode::parse("K7Q-DM3-XPAA"),
            Err(AppError::CodeMalformed)
        );
        assert_eq!(RoomCode::parse("K7Q-DM3-XPÄ"), Err(AppError::CodeMalformed));
        assert_eq!(RoomCode::parse(" - "), Err(AppError::CodeEmpty));
    }

    #[test]
    fn generated_codes_use_only_the_alphabet() {
        let code = RoomCode::from_indices([0, 30, 31, 255, 7, 8, 9, 10, 11]);
        assert_eq!(code.as_str().len(), CODE_LEN);
        assert!(RoomCode::parse(code.as_str()).is_ok());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(UserName::parse("  Alice ").unwrap().as_str(), "Alice");
        assert_eq!(UserName::parse("   "), Err(AppError::NameEmpty));
        assert!(UserName::parse(&"é".repeat(32)).is_ok());
        assert_eq!(UserName::parse(&"é".repeat(33)), Err(AppError::NameTooLong));
        assert_eq!(UserName::parse("Al\tice"), Err(AppError::NameControlChars));
        assert_eq!(
            UserName::parse("Al\u{7f}ice"),
            Err(AppError::NameControlChars)
        );
        assert!(UserName::parse("<script>alert(1)</script>").is_ok());
    }

    #[test]
    fn codes_cross_the_wire_in_display_form() {
        let code = RoomCode::parse("K7QDM3XPA").unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), r#""K7Q-DM3-XPA""#);
        let back: RoomCode = serde_json::from_str(r#""k7qdm3xpa""#).unwrap();
        assert_eq!(back, code);
        assert!(serde_json::from_str::<RoomCode>(r#""nope""#).is_err());
    }
}

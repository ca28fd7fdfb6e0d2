//! Room history as it crosses the wire: [`Event`]s, their kinds, and the
//! files they share.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::chunk::UploadId;
use super::ids::{ClientMsgId, Member, Seq, UserName};
use crate::tagged::{tag_first, Rest, TagFirst};

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
        /// The text, as typed, or as last edited (shown through
        /// [`crate::rich`], never as markup).
        text: String,
        /// The sender's id for it, so the sender can match its local echo.
        client_id: ClientMsgId,
        /// The message or file it answers, if it is a reply.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<Seq>,
        /// Whether its author edited it since.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        edited: bool,
        /// The reactions it has now (in history; a live message has none).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        reactions: Vec<Reaction>,
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
    /// What is left of a deleted message or file: its place in the history
    /// and its author, nothing of its content.
    Tombstone {
        /// Whether it was a file (else a message).
        file: bool,
    },
    /// `who` deleted the message or file at `target`, which is a
    /// [`EventKind::Tombstone`] from now on, also in history. Shows nothing
    /// itself: a client that has `target` replaces it.
    Deleted {
        /// The deleted event's sequence number.
        target: Seq,
    },
    /// An owner removed `who` from the room.
    Removed {
        /// The owner's name.
        by: UserName,
    },
    /// `who` edited their message at `target`: its text is now `text`.
    /// Shows nothing itself. Every stored edit of a message carries its
    /// newest text, so replaying any of them ends at the same state.
    Edited {
        /// The message's sequence number.
        target: Seq,
        /// Its new text.
        text: String,
    },
    /// `who` added (`on`) or took back a reaction to the message at
    /// `target`. Shows nothing itself; applying it twice changes nothing.
    Reacted {
        /// The message's sequence number.
        target: Seq,
        /// One of [`REACTIONS`](super::limits::REACTIONS).
        emoji: String,
        /// Added, or taken back.
        on: bool,
    },
}
}

/// One emoji's reactions to a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    /// One of [`REACTIONS`](super::limits::REACTIONS).
    pub emoji: String,
    /// Who reacted with it, earliest first.
    pub by: Vec<Member>,
}

impl EventKind {
    /// The message or file an event acts on without showing anything
    /// itself (a deletion, an edit, a reaction).
    pub fn acts_on(&self) -> Option<Seq> {
        match self {
            Self::Deleted { target }
            | Self::Edited { target, .. }
            | Self::Reacted { target, .. } => Some(*target),
            _ => None,
        }
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
        is_previewable_mime(&self.mime)
    }
}

/// Whether files of this (cleaned) type are shown inline as images.
pub fn is_previewable_mime(mime: &str) -> bool {
    matches!(
        mime,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

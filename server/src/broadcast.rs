//! What a room's channel carries: one serialized frame per broadcast,
//! shared by every receiver, with what the sockets do about it (skip it,
//! close).

use app::protocol::{Seq, ServerMsg, UserId};
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// One serialized frame, shared by every receiver.
#[derive(Clone, Debug)]
pub struct Broadcast {
    /// The JSON text.
    pub text: Utf8Bytes,
    /// For events: their sequence number, so a socket that replayed history
    /// can skip what it already sent.
    pub seq: Option<Seq>,
    /// Receivers who are this user skip the frame (their own typing).
    pub skip: Option<UserId>,
    /// Sockets this names close.
    pub kick: Option<Kick>,
    /// Every socket closes: the room is gone.
    pub gone: bool,
}

/// Which sockets a broadcast closes, and how.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Kick {
    /// Whose sockets…
    pub user: UserId,
    /// …or, if set, everyone's but theirs.
    pub others: bool,
    /// The close code.
    pub code: u16,
}

impl Kick {
    /// Whether a socket of `user` closes.
    pub fn hits(&self, user: &UserId) -> bool {
        (&self.user == user) != self.others
    }

    /// The close frame's reason, for people reading logs.
    pub fn reason(&self) -> &'static str {
        match self.code {
            app::client::REMOVED => "removed from the room",
            app::client::SIGNED_OUT => "the room's password changed",
            _ => "you left the room",
        }
    }
}

impl Broadcast {
    pub(crate) fn new(msg: &ServerMsg) -> Self {
        let seq = match msg {
            ServerMsg::Event { event } => Some(event.seq),
            _ => None,
        };
        Self {
            text: encode(msg),
            seq,
            skip: None,
            kick: None,
            gone: false,
        }
    }
}

/// Serializes a frame. Our types always serialize.
pub fn encode(msg: &ServerMsg) -> Utf8Bytes {
    serde_json::to_string(msg).unwrap_or_default().into()
}

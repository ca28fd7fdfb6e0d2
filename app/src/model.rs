//! Plain data the server functions return and the components render.

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::protocol::{Event, LoginAction, Member, RoomCode, UserId, UserName};

/// What the signed session cookie holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Stable for the life of the cookie, across rooms.
    pub user: UserId,
    /// The name the person chose.
    pub name: UserName,
    /// The room they are in, until they leave.
    pub room: Option<RoomCode>,
}

/// The login form as typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginForm {
    /// Raw name field.
    pub name: String,
    /// Raw room code field.
    pub code: String,
    /// Which button was pressed.
    pub action: LoginAction,
    /// Raw room password field: the new room's password when creating
    /// (empty: none), the room's when joining.
    pub password: String,
    /// Raw "Delete room after" field, in seconds (`0`: never); empty for
    /// the server's default.
    pub lifetime: String,
}

/// The "Delete room after" choices this server offers, in seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifetimes {
    /// Each choice, shortest first; `0` is "Never".
    pub choices: Vec<u64>,
    /// The one selected at first.
    pub default: u64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            choices: crate::protocol::ROOM_LIFETIMES.to_vec(),
            default: 604_800,
        }
    }
}

/// What the login form starts with: the typed values kept after an error, or
/// the session's name and an invite link's code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginPrefill {
    /// Name field.
    pub name: String,
    /// Room code field.
    pub code: String,
    /// What went wrong last time, shown in the alert.
    pub error: Option<AppError>,
    /// The room is known to need a password: the form asks for it.
    #[serde(default)]
    pub needs_password: bool,
    /// The "Delete room after" choices.
    #[serde(default)]
    pub lifetimes: Lifetimes,
}

/// Everything the room page shows a member when it loads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomView {
    /// The room.
    pub code: RoomCode,
    /// The caller.
    pub me: Member,
    /// The full invite link, as the caller reached this server.
    pub invite: String,
    /// The newest events (or those before `?before=`), oldest first.
    pub history: HistoryPage,
    /// Who is online.
    pub members: Vec<Member>,
    /// What went wrong with the last message posted without JavaScript.
    pub error: Option<AppError>,
    /// Minutes east of UTC to show times in, as the reader's browser said
    /// (a cookie); `None` shows UTC, labelled.
    pub zone: Option<i32>,
    /// When the room will be deleted (ms since the epoch); `None`: never.
    pub expires_at: Option<i64>,
    /// Whether the caller owns the room (created it).
    pub owner: bool,
    /// Whether the room takes no new members.
    pub locked: bool,
    /// When the server rendered this (ms): the countdown starts from it, so
    /// the page hydrates with the text the server sent.
    pub rendered_at: i64,
}

/// A run of consecutive events, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    /// The events.
    pub events: Vec<Event>,
    /// Whether older events exist before the first one.
    pub has_older: bool,
}

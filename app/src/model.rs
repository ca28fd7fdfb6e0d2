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
    /// The room's password generation when they joined: a newer one (the
    /// password changed) signs them out of it.
    #[serde(default)]
    pub epoch: i64,
    /// Whether they own the room (as it was when they joined; the
    /// database decides).
    #[serde(default)]
    pub owner: bool,
}

/// A room's settings, as its owners set them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomSettings {
    /// When the room will be deleted (ms since the epoch); `None`: never.
    pub expires_at: Option<i64>,
    /// Whether it takes no new members.
    pub locked: bool,
    /// Whether joining needs a password.
    pub password: bool,
    /// Who owns it.
    pub owners: Vec<UserId>,
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
    #[serde(skip)]
    pub lifetimes: Lifetimes,
    /// The "Room options" disclosure's markup, which the server writes
    /// (see `login::options_html`).
    #[serde(default)]
    pub options_html: String,
    /// The room the caller just left (`/?left=CODE`): the page says so
    /// and offers "Rejoin".
    #[serde(default)]
    pub left: Option<RoomCode>,
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
    /// Its settings: the countdown, the lock, the owners.
    pub settings: RoomSettings,
    /// An entry awaiting the confirmation of its deletion (`?delete=`, the
    /// step the "Delete" form takes without JavaScript).
    #[serde(default)]
    pub confirm_delete: Option<crate::protocol::Seq>,
    /// The entry the composer answers (`?reply=`, "Reply" without
    /// JavaScript).
    #[serde(default)]
    pub reply_to: Option<crate::protocol::Seq>,
    /// The message of the caller's the composer edits (`?edit=`).
    #[serde(default)]
    pub editing: Option<crate::protocol::Seq>,
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

/// Everything a room's settings page shows an owner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    /// The room.
    pub code: RoomCode,
    /// The owner looking.
    pub me: Member,
    /// The settings as they are.
    pub settings: RoomSettings,
    /// Everyone who has been in the room, except those removed (each can
    /// be removed or made an owner).
    pub members: Vec<Member>,
    /// The "Delete room after" choices.
    pub lifetimes: Lifetimes,
    /// The action just taken (`?done=`), which the page confirms.
    pub done: Option<String>,
    /// When the server rendered this (ms), for the countdown.
    pub rendered_at: i64,
    /// The reader's time zone, as on the room page.
    pub zone: Option<i32>,
}

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
}

/// A run of consecutive events, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    /// The events.
    pub events: Vec<Event>,
    /// Whether older events exist before the first one.
    pub has_older: bool,
}

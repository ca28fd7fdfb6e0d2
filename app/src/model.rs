//! Plain data the server functions return and the components render.

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::protocol::{LoginAction, RoomCode, UserId, UserName};

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
}

/// What `/room/{code}` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoomEntry {
    /// The caller is in this room.
    Member {
        /// The room.
        code: RoomCode,
        /// The caller's name.
        name: UserName,
        /// The full invite link, as the caller reached this server.
        invite: String,
    },
    /// The caller isn't in this room: the login form, code filled in.
    Login(LoginPrefill),
}

//! Chatdrop's addresses, in one table. The server mounts its router on
//! these patterns (axum's `{param}` syntax), and [`Route::of`] reads a path
//! for `page::decide` and the in-place page loader, so the two can't
//! disagree about which page an address is.

/// The login page (`POST`: log in).
pub const HOME: &str = "/";
/// A room: the room for a member, the login form for anyone else.
pub const ROOM: &str = "/room/{code}";
/// The share target's room picker (`POST`: what another app shares).
pub const SHARE: &str = "/share";
/// A room's settings page (its owners only); `POST`: an owner's action
/// (`action=lock|unlock|delete_room|remove|promote|password|lifetime`).
pub const SETTINGS: &str = "/room/{code}/settings";
/// Removing a member (`POST`, owners only; `user=`): the members list's
/// "Remove".
pub const REMOVE: &str = "/room/{code}/remove";
/// Deleting a message or file (`POST`; `seq=`, and `confirm=1` once
/// confirmed).
pub const DELETE_ENTRY: &str = "/room/{code}/entries/delete";
/// `GET`: the QR code of a room's invite link, as SVG (members only).
pub const QR: &str = "/room/{code}/qr.svg";
/// The QR code's address for room `code`.
/// (Takes the code as text: `protocol` builds on this module, not the
/// other way round.)
pub fn qr_path(code: &str) -> String {
    QR.replace("{code}", code)
}
/// A redirect to the caller's room.
pub const MY_ROOM: &str = "/room";
/// Leaving the room (`POST`).
pub const LEAVE: &str = "/leave";
/// A shared file's download.
pub const DOWNLOAD: &str = "/uploads/{id}";
/// A room's WebSocket.
pub const SOCKET: &str = "/ws/{code}";

/// The pages that [`HOME`], [`ROOM`] and [`SHARE`] name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// [`HOME`].
    Home,
    /// [`ROOM`], with the code as it appears in the path (still
    /// percent-encoded, not validated).
    Room(String),
    /// [`SHARE`].
    Share,
    /// [`SETTINGS`], with the code as in [`Route::Room`].
    Settings(String),
}

impl Route {
    /// The page at `path` (no query), if any.
    pub fn of(path: &str) -> Option<Route> {
        match path {
            HOME => Some(Route::Home),
            SHARE => Some(Route::Share),
            _ => {
                let prefix = ROOM.strip_suffix("{code}").unwrap_or(ROOM);
                let rest = path.strip_prefix(prefix)?;
                let settings = SETTINGS.strip_prefix(ROOM).unwrap_or_default();
                if let Some(code) = rest.strip_suffix(settings).filter(|c| !c.contains('/')) {
                    return Some(Route::Settings(code.to_owned()));
                }
                let code = Some(rest).filter(|c| !c.contains('/'))?;
                Some(Route::Room(code.to_owned()))
            }
        }
    }

    /// The path of room `code` (as displayed: `K7Q-DM3-XPA`).
    pub fn room_path(code: &str) -> String {
        ROOM.replace("{code}", code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path the router's pattern matches, with `value` for its parameter.
    fn filled(pattern: &str, value: &str) -> String {
        let start = pattern.find('{').unwrap_or(pattern.len());
        let end = pattern.find('}').map_or(pattern.len(), |e| e + 1);
        format!("{}{value}{}", &pattern[..start], &pattern[end..])
    }

    #[test]
    fn each_page_pattern_reads_as_its_page() {
        assert_eq!(Route::of(HOME), Some(Route::Home));
        assert_eq!(Route::of(SHARE), Some(Route::Share));
        assert_eq!(
            Route::of(&filled(ROOM, "K7Q-DM3-XPA")),
            Some(Route::Room("K7Q-DM3-XPA".into()))
        );
        assert_eq!(
            Route::of(&filled(SETTINGS, "K7Q-DM3-XPA")),
            Some(Route::Settings("K7Q-DM3-XPA".into()))
        );
        assert_eq!(Route::room_path("K7Q-DM3-XPA"), "/room/K7Q-DM3-XPA");
    }

    #[test]
    fn other_paths_are_no_page() {
        for path in [
            MY_ROOM,
            LEAVE,
            "/room/a/b",
            "/nope",
            "/shares",
            "/room/a/b/settings",
        ] {
            assert_eq!(Route::of(path), None, "{path}");
        }
        assert_eq!(Route::of(&filled(DOWNLOAD, "ab")), None);
        assert_eq!(Route::of(&filled(SOCKET, "ab")), None);
        assert_eq!(Route::of(&filled(REMOVE, "ab")), None);
    }
}

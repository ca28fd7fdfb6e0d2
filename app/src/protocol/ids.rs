//! Identifiers and validated values: room codes, names, user and message
//! ids, sequence numbers, and the limits on them.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::limits::{CODE_ALPHABET, CODE_LEN, NAME_MAX_CHARS, ROOM_PASSWORD_MAX_BYTES};
use crate::error::AppError;

/// Symbols per displayed group: `K7Q-DM3-XPA`.
const CODE_GROUP: usize = 3;

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
        crate::routes::Route::room_path(&self.to_string())
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

/// Checks a room password's length, as the server does before hashing it.
pub fn check_room_password(password: &str) -> Result<(), AppError> {
    if password.len() > ROOM_PASSWORD_MAX_BYTES {
        return Err(AppError::RoomPasswordTooLong);
    }
    Ok(())
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
    /// Reads the submit button's value and the code field: `create`, or
    /// any button (Enter included) with the code left empty, makes a room,
    /// as the form's hint promises; anything else joins.
    pub fn from_form(value: &str, code: &str) -> Self {
        if value.eq_ignore_ascii_case("create") || code.trim().is_empty() {
            Self::Create
        } else {
            Self::Join
        }
    }
}

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

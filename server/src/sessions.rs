//! The session cookie: the [`Session`] as JSON, base64url-encoded and signed
//! with HMAC-SHA256 under a key made once and kept in the data dir.
//!
//! A signed cookie needs no server-side table, and a tampered or foreign
//! cookie simply reads as "no session".

use std::path::Path;

use anyhow::Context;
use app::model::Session;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cookie::{Cookie, CookieJar, Key, SameSite};

/// The cookie's name.
pub const COOKIE: &str = "chatdrop_session";

/// How long a session lasts without a new login.
const MAX_AGE: time::Duration = time::Duration::days(30);

/// Signs and verifies session cookies.
#[derive(Clone)]
pub struct Sessions {
    key: Key,
    secure: bool,
}

impl Sessions {
    /// Loads the signing key from `data_dir/session.key`, making it on first
    /// start. Keeping it on disk means a restart doesn't sign everyone out.
    pub fn load(data_dir: &Path, secure: bool) -> anyhow::Result<Self> {
        let path = data_dir.join("session.key");
        let key = match std::fs::read(&path) {
            Ok(bytes) => Key::try_from(bytes.as_slice()).with_context(|| {
                format!(
                    "{} is not a valid key; delete it to make a new one",
                    path.display()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Key::generate();
                write_private(&path, key.master())
                    .with_context(|| format!("writing {}", path.display()))?;
                key
            }
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        Ok(Self { key, secure })
    }

    /// A `Set-Cookie` header value storing `session`.
    pub fn cookie(&self, session: &Session) -> String {
        // Serializing plain strings cannot fail.
        let json = serde_json::to_vec(session).unwrap_or_default();
        let mut jar = CookieJar::new();
        jar.signed_mut(&self.key)
            .add(Cookie::new(COOKIE, URL_SAFE_NO_PAD.encode(json)));
        let mut cookie = jar
            .get(COOKIE)
            .cloned()
            .unwrap_or_else(|| Cookie::new(COOKIE, ""));
        cookie.set_path("/");
        cookie.set_http_only(true);
        cookie.set_same_site(SameSite::Lax);
        cookie.set_secure(self.secure);
        cookie.set_max_age(MAX_AGE);
        cookie.to_string()
    }

    /// The session in a `Cookie` request header, if one is there and its
    /// signature holds.
    pub fn from_header(&self, header: &str) -> Option<Session> {
        let raw = Cookie::split_parse(header)
            .filter_map(Result::ok)
            .find(|c| c.name() == COOKIE)?
            .into_owned();
        let mut jar = CookieJar::new();
        jar.add_original(raw);
        let verified = jar.signed(&self.key).get(COOKIE)?;
        let json = URL_SAFE_NO_PAD.decode(verified.value()).ok()?;
        serde_json::from_slice(&json).ok()
    }
}

/// Writes a secret readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::protocol::{RoomCode, UserId, UserName};

    fn session() -> Session {
        Session {
            user: UserId("u1".into()),
            name: UserName::parse("Ada <b>").unwrap(),
            room: Some(RoomCode::parse("K7QDM3XPA").unwrap()),
            epoch: 2,
            owner: true,
        }
    }

    fn request_header(set_cookie: &str) -> String {
        set_cookie.split(';').next().unwrap().to_owned()
    }

    #[test]
    fn a_session_survives_the_round_trip_and_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let sessions = Sessions::load(dir.path(), false).unwrap();
        let set_cookie = sessions.cookie(&session());
        assert!(
            set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
            "{set_cookie}"
        );
        let header = format!("other=1; {}", request_header(&set_cookie));
        assert_eq!(sessions.from_header(&header), Some(session()));
        let reloaded = Sessions::load(dir.path(), false).unwrap();
        assert_eq!(reloaded.from_header(&header), Some(session()));
    }

    #[test]
    fn tampered_or_foreign_cookies_read_as_no_session() {
        let dir = tempfile::tempdir().unwrap();
        let sessions = Sessions::load(dir.path(), false).unwrap();
        let header = request_header(&sessions.cookie(&session()));
        let mut tampered = header.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            sessions.from_header(&String::from_utf8(tampered).unwrap()),
            None
        );
        let other = Sessions::load(tempfile::tempdir().unwrap().path(), false).unwrap();
        assert_eq!(other.from_header(&header), None);
        assert_eq!(sessions.from_header("chatdrop_session=garbage"), None);
    }
}

//! What the client keeps between runs, in one JSON file: a session per
//! (server, room, name), so a second run is the same person in the room
//! (their unfinished uploads are theirs to continue), and each unfinished
//! upload's id and hash, so running the same command again continues it
//! without reading the file twice.
//!
//! The file holds session cookies: it is written private to the user
//! (0600), atomically (a temporary file renamed over it), and re-read just
//! before each change so two runs side by side keep each other's entries.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// An upload that was started and not yet finished.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The offer's id: offering it again finds the same upload.
    pub client_id: String,
    /// The file's SHA-256 when it was hashed, in hex.
    pub sha256: String,
    /// Its size and modification time then: if either changed, it is
    /// another file and starts over.
    pub size: u64,
    pub modified_ns: i128,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Saved {
    #[serde(default)]
    sessions: BTreeMap<String, String>,
    #[serde(default)]
    uploads: BTreeMap<String, Pending>,
}

/// The state file of one directory.
#[derive(Clone, Debug)]
pub struct State {
    path: PathBuf,
}

impl State {
    /// `dir`, else `$XDG_STATE_HOME/chatdrop`, else
    /// `~/.local/state/chatdrop`.
    pub fn open(dir: Option<&Path>) -> anyhow::Result<Self> {
        let dir = match dir {
            Some(dir) => dir.to_owned(),
            None => default_dir().context(
                "no place for the client's state: set HOME, XDG_STATE_HOME or --state-dir",
            )?,
        };
        Ok(Self {
            path: dir.join("client.json"),
        })
    }

    /// The session cookie saved under `key`.
    pub fn session(&self, key: &str) -> anyhow::Result<Option<String>> {
        Ok(self.read()?.sessions.get(key).cloned())
    }

    /// Saves (or, with `None`, forgets) the session under `key`.
    pub fn set_session(&self, key: &str, cookie: Option<String>) -> anyhow::Result<()> {
        self.change(|saved| put(&mut saved.sessions, key, cookie))
    }

    /// The unfinished upload saved under `key`.
    pub fn pending(&self, key: &str) -> anyhow::Result<Option<Pending>> {
        Ok(self.read()?.uploads.get(key).cloned())
    }

    /// Saves (or, with `None`, forgets) the unfinished upload under `key`.
    pub fn set_pending(&self, key: &str, pending: Option<Pending>) -> anyhow::Result<()> {
        self.change(|saved| put(&mut saved.uploads, key, pending))
    }

    fn read(&self) -> anyhow::Result<Saved> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "{} is damaged; delete it to start afresh",
                    self.path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Saved::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", self.path.display())),
        }
    }

    fn change(&self, edit: impl FnOnce(&mut Saved)) -> anyhow::Result<()> {
        let mut saved = self.read()?;
        edit(&mut saved);
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut file = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("writing in {}", dir.display()))?;
        // NamedTempFile is created 0600: the cookies stay the user's.
        file.write_all(&serde_json::to_vec_pretty(&saved)?)?;
        file.as_file().sync_all()?;
        file.persist(&self.path)
            .with_context(|| format!("writing {}", self.path.display()))?;
        Ok(())
    }
}

/// Files `value` under `key`, or with `None` forgets it.
fn put<V>(map: &mut BTreeMap<String, V>, key: &str, value: Option<V>) {
    match value {
        Some(value) => map.insert(key.to_owned(), value),
        None => map.remove(key),
    };
}

fn default_dir() -> Option<PathBuf> {
    let non_empty = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    non_empty("XDG_STATE_HOME")
        .or_else(|| non_empty("HOME").map(|home| home.join(".local/state")))
        .map(|base| base.join("chatdrop"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_survive_a_new_reader_and_stay_private() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(Some(dir.path())).unwrap();
        assert_eq!(state.session("a").unwrap(), None);
        state
            .set_session("a", Some("chatdrop_session=1".into()))
            .unwrap();
        let pending = Pending {
            client_id: "cli-1".into(),
            sha256: "ab".into(),
            size: 3,
            modified_ns: 7,
        };
        state.set_pending("f", Some(pending.clone())).unwrap();
        let again = State::open(Some(dir.path())).unwrap();
        assert_eq!(
            again.session("a").unwrap().as_deref(),
            Some("chatdrop_session=1")
        );
        assert_eq!(again.pending("f").unwrap(), Some(pending));
        again.set_pending("f", None).unwrap();
        assert_eq!(state.pending("f").unwrap(), None);
        assert_eq!(
            state.session("a").unwrap().as_deref(),
            Some("chatdrop_session=1")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("client.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
        }
    }

    #[test]
    fn a_damaged_file_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("client.json"), b"{not json").unwrap();
        let error = State::open(Some(dir.path()))
            .unwrap()
            .session("a")
            .unwrap_err();
        assert!(format!("{error:#}").contains("delete it"), "{error:#}");
    }
}

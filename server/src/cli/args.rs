//! The client's flags, and the server and room they name.

use std::path::PathBuf;

use anyhow::{bail, Context};
use app::protocol::RoomCode;

/// Which room, on which server, as whom.
#[derive(clap::Args, Debug, Clone)]
pub struct Target {
    /// The Chatdrop server (`https://chat.example.org`). Not needed when
    /// `--room` is an invite link.
    #[arg(long, env = "CHATDROP_URL")]
    pub url: Option<String>,

    /// The room: its code (`K7Q-DM3-XPA`) or its invite link. A room with a
    /// password reads it from `CHATDROP_ROOM_PASSWORD`, or asks.
    #[arg(long, env = "CHATDROP_ROOM")]
    pub room: String,

    /// Your name in the room.
    #[arg(long, env = "CHATDROP_NAME")]
    pub name: String,

    /// Where the client keeps its sessions and unfinished uploads (default
    /// `$XDG_STATE_HOME/chatdrop`, else `~/.local/state/chatdrop`).
    #[arg(long, env = "CHATDROP_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
}

/// `chatdrop send`.
#[derive(clap::Args, Debug, Clone)]
pub struct SendArgs {
    #[command(flatten)]
    pub target: Target,

    /// Files to share, one after another. Stopped (Ctrl-C, a lost
    /// connection), the same command again continues where it was.
    pub files: Vec<PathBuf>,

    /// A message to post (after the files).
    #[arg(long, short)]
    pub message: Option<String>,
}

/// `chatdrop watch`.
#[derive(clap::Args, Debug, Clone)]
pub struct WatchArgs {
    #[command(flatten)]
    pub target: Target,

    /// Skip the room's history: print only what happens from now on.
    #[arg(long)]
    pub new: bool,

    /// Print each event (and file progress) as one JSON object per line,
    /// as the room's socket sends it (docs/PROTOCOL.md).
    #[arg(long)]
    pub json: bool,
}

/// A server and one of its rooms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// `scheme://host[:port]`, no trailing slash.
    pub origin: String,
    /// The room.
    pub code: RoomCode,
}

impl Place {
    /// Reads `--url` and `--room`.
    pub fn of(target: &Target) -> anyhow::Result<Self> {
        if target.room.contains("://") {
            let link = url::Url::parse(target.room.trim())
                .with_context(|| format!("--room {:?} is not a link", target.room))?;
            let code = link
                .path()
                .strip_prefix("/room/")
                .filter(|code| !code.is_empty() && !code.contains('/'))
                .with_context(|| {
                    format!(
                        "--room {:?} is not an invite link (…/room/CODE)",
                        target.room
                    )
                })?;
            return Ok(Self {
                origin: origin_of(&link)?,
                code: RoomCode::parse(code).map_err(|e| anyhow::anyhow!("--room: {e}"))?,
            });
        }
        let code = RoomCode::parse(&target.room).map_err(|e| anyhow::anyhow!("--room: {e}"))?;
        let Some(url) = &target.url else {
            bail!("say which server with --url (https://chat.example.org), or give --room as an invite link");
        };
        let url = url::Url::parse(url.trim()).with_context(|| format!("--url {url:?}"))?;
        if url.path() != "/" {
            bail!("--url is the server's address, without a path: not {url}");
        }
        Ok(Self {
            origin: origin_of(&url)?,
            code,
        })
    }

    /// `https://…/path` on this server.
    pub fn http(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// The room's socket: `ws(s)://…/ws/CODE`.
    pub fn socket(&self) -> String {
        let origin = self
            .origin
            .strip_prefix("https://")
            .map(|rest| format!("wss://{rest}"))
            .or_else(|| {
                self.origin
                    .strip_prefix("http://")
                    .map(|rest| format!("ws://{rest}"))
            })
            .unwrap_or_default();
        format!("{origin}/ws/{}", self.code)
    }

    /// The room's invite link.
    pub fn link(&self) -> String {
        self.http(&self.code.path())
    }
}

fn origin_of(url: &url::Url) -> anyhow::Result<String> {
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        bail!("Chatdrop is reached over http:// or https://, not {url}");
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: Option<&str>, room: &str) -> Target {
        Target {
            url: url.map(str::to_owned),
            room: room.to_owned(),
            name: "Ada".to_owned(),
            state_dir: None,
        }
    }

    #[test]
    fn a_code_and_a_url_or_an_invite_link_name_the_same_room() {
        let by_code = Place::of(&target(Some("https://chat.example.org/"), "k7q-dm3-xpa")).unwrap();
        let by_link = Place::of(&target(None, "https://chat.example.org/room/K7QDM3XPA")).unwrap();
        assert_eq!(by_code, by_link);
        assert_eq!(by_code.socket(), "wss://chat.example.org/ws/K7Q-DM3-XPA");
        let plain = Place::of(&target(Some("http://127.0.0.1:3000"), "K7Q-DM3-XPA")).unwrap();
        assert_eq!(plain.socket(), "ws://127.0.0.1:3000/ws/K7Q-DM3-XPA");
    }

    #[test]
    fn what_names_no_room_says_why() {
        let error = |url, room| Place::of(&target(url, room)).unwrap_err().to_string();
        assert!(error(None, "K7Q-DM3-XPA").contains("--url"));
        assert!(error(Some("ftp://x.org"), "K7Q-DM3-XPA").contains("http"));
        assert!(error(Some("https://x.org/chat"), "K7Q-DM3-XPA").contains("without a path"));
        assert!(error(None, "https://x.org/about").contains("invite link"));
        assert!(error(Some("https://x.org"), "nope").contains("room code"));
    }
}

//! The room as lines of text: what `chatdrop watch` prints for each event,
//! remembering enough (names of files, the start of messages) to say what
//! a later reply, edit, reaction or finished upload is about.

use std::collections::{BTreeMap, HashMap};

use app::protocol::{Event, EventKind, FileStatus, Seq, SharedFile, UploadId};

/// Entries remembered for later events to refer to.
const REMEMBERED: usize = 2000;

/// Turns events into lines.
pub struct Show {
    origin: String,
    zone: jiff::tz::TimeZone,
    /// The start of each recent message, by seq, for replies and edits.
    said: BTreeMap<Seq, String>,
    /// Files still uploading, to print their link once complete.
    uploading: HashMap<UploadId, SharedFile>,
    /// The day of the last line, to print the date when it changes.
    day: Option<jiff::civil::Date>,
}

impl Show {
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            zone: jiff::tz::TimeZone::system(),
            said: BTreeMap::new(),
            uploading: HashMap::new(),
            day: None,
        }
    }

    /// The lines `event` prints (none for some).
    pub fn event(&mut self, event: &Event) -> Vec<String> {
        let who = event.who.name.as_str();
        let text = match &event.kind {
            EventKind::Message { text, reply_to, .. } => {
                self.remember(event.seq, text);
                match reply_to.and_then(|seq| self.said.get(&seq)) {
                    Some(quoted) => format!("{who} (replying to “{quoted}”): {text}"),
                    None => format!("{who}: {text}"),
                }
            }
            EventKind::Joined => format!("{who} joined"),
            EventKind::Left => format!("{who} left"),
            EventKind::Removed { by } => format!("{by} removed {who}"),
            EventKind::File { file } => {
                self.remember(event.seq, &file.name);
                self.file(who, file)
            }
            EventKind::Tombstone { file: true } => format!("({who} shared a file, since deleted)"),
            EventKind::Tombstone { file: false } => {
                format!("({who} wrote a message, since deleted)")
            }
            EventKind::Deleted { target } => match self.said.remove(target) {
                Some(gone) => format!("{who} deleted “{gone}”"),
                None => format!("{who} deleted an earlier entry"),
            },
            EventKind::Edited { target, text } => {
                self.remember(*target, text);
                format!("{who} edited their message: {text}")
            }
            EventKind::Reacted {
                target,
                emoji,
                on: true,
            } => match self.said.get(target) {
                Some(to) => format!("{who} reacted {emoji} to “{to}”"),
                None => format!("{who} reacted {emoji}"),
            },
            EventKind::Reacted { on: false, .. } => return Vec::new(),
        };
        self.stamped(event.at, text)
    }

    /// The line a file's progress prints: its link once it is complete.
    pub fn progress(&mut self, upload: &UploadId, status: FileStatus, at: i64) -> Vec<String> {
        let Some(file) = self.uploading.remove(upload) else {
            return Vec::new();
        };
        let text = match status {
            FileStatus::Uploading => {
                self.uploading.insert(upload.clone(), file);
                return Vec::new();
            }
            FileStatus::Complete => format!("{} is ready: {}", file.name, self.link(upload)),
            FileStatus::Cancelled => format!("{} was cancelled", file.name),
            FileStatus::Failed => format!("{} failed to upload", file.name),
        };
        self.stamped(at, text)
    }

    /// Forgets what a reset replaces.
    pub fn reset(&mut self) {
        self.said.clear();
        self.uploading.clear();
    }

    fn file(&mut self, who: &str, file: &SharedFile) -> String {
        let size = app::units::bytes(file.size);
        match file.status {
            FileStatus::Complete => format!(
                "{who} shared {} ({size}): {}",
                file.name,
                self.link(&file.id)
            ),
            FileStatus::Uploading => {
                self.uploading.insert(file.id.clone(), file.clone());
                format!("{who} is sharing {} ({size})…", file.name)
            }
            FileStatus::Cancelled => format!("{who} cancelled sharing {}", file.name),
            FileStatus::Failed => format!(
                "{who} shared {} ({size}), which failed to upload",
                file.name
            ),
        }
    }

    fn link(&self, upload: &UploadId) -> String {
        format!("{}{}", self.origin, upload.href())
    }

    fn remember(&mut self, seq: Seq, text: &str) {
        let mut short: String = text.chars().take(40).collect();
        if short.len() < text.len() {
            short.push('…');
        }
        self.said.insert(seq, short.replace('\n', " "));
        while self.said.len() > REMEMBERED {
            self.said.pop_first();
        }
    }

    /// `HH:MM text`, after a date line when the day changed.
    fn stamped(&mut self, at_ms: i64, text: String) -> Vec<String> {
        let Ok(when) = jiff::Timestamp::from_millisecond(at_ms) else {
            return vec![text];
        };
        let local = when.to_zoned(self.zone.clone());
        let mut lines = Vec::new();
        if self.day != Some(local.date()) {
            self.day = Some(local.date());
            lines.push(format!("── {} ──", local.strftime("%A %-d %B %Y")));
        }
        lines.push(format!("{} {text}", local.strftime("%H:%M")));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::protocol::{ClientMsgId, Member, UserId, UserName};

    fn event(seq: u64, who: &str, kind: EventKind) -> Event {
        Event {
            seq: Seq(seq),
            at: 1_795_516_788_000,
            who: Member {
                user: UserId(format!("u-{who}")),
                name: UserName::parse(who).unwrap(),
            },
            kind,
        }
    }

    fn message(text: &str, reply_to: Option<u64>) -> EventKind {
        EventKind::Message {
            text: text.into(),
            client_id: ClientMsgId("c".into()),
            reply_to: reply_to.map(Seq),
            edited: false,
            reactions: Vec::new(),
        }
    }

    fn text_of(lines: Vec<String>) -> String {
        // Drop the clock and date lines, which depend on the machine's zone.
        lines
            .into_iter()
            .filter(|l| !l.starts_with("──"))
            .map(|l| l[6..].to_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn replies_edits_and_reactions_say_what_they_are_about() {
        let mut show = Show::new("https://chat.example.org");
        assert_eq!(
            text_of(show.event(&event(1, "Ada", message("hello all", None)))),
            "Ada: hello all"
        );
        assert_eq!(
            text_of(show.event(&event(2, "Bob", message("hi!", Some(1))))),
            "Bob (replying to “hello all”): hi!"
        );
        let edit = EventKind::Edited {
            target: Seq(1),
            text: "hello everyone".into(),
        };
        assert_eq!(
            text_of(show.event(&event(3, "Ada", edit))),
            "Ada edited their message: hello everyone"
        );
        let react = EventKind::Reacted {
            target: Seq(1),
            emoji: "🎉".into(),
            on: true,
        };
        assert_eq!(
            text_of(show.event(&event(4, "Bob", react))),
            "Bob reacted 🎉 to “hello everyone”"
        );
        let unreact = EventKind::Reacted {
            target: Seq(1),
            emoji: "🎉".into(),
            on: false,
        };
        assert!(show.event(&event(5, "Bob", unreact)).is_empty());
        let delete = EventKind::Deleted { target: Seq(1) };
        assert_eq!(
            text_of(show.event(&event(6, "Ada", delete))),
            "Ada deleted “hello everyone”"
        );
    }

    #[test]
    fn a_file_prints_its_link_once_it_is_complete() {
        let mut show = Show::new("https://chat.example.org");
        let file = SharedFile {
            id: UploadId("0123456789abcdef0123456789abcdef".into()),
            name: "cat.png".into(),
            size: 2048,
            mime: "image/png".into(),
            received: 0,
            status: FileStatus::Uploading,
            dimensions: None,
        };
        let shared = show.event(&event(1, "Ada", EventKind::File { file: file.clone() }));
        assert_eq!(text_of(shared), "Ada is sharing cat.png (2.0 KB)…");
        assert!(show.progress(&file.id, FileStatus::Uploading, 0).is_empty());
        assert_eq!(
            text_of(show.progress(&file.id, FileStatus::Complete, 0)),
            "cat.png is ready: https://chat.example.org/uploads/0123456789abcdef0123456789abcdef"
        );
        assert!(
            show.progress(&file.id, FileStatus::Complete, 0).is_empty(),
            "printed once"
        );
    }

    #[test]
    fn a_new_day_gets_a_date_line() {
        let mut show = Show::new("http://x");
        let lines = show.event(&event(1, "Ada", EventKind::Joined));
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("── "), "{lines:?}");
        assert_eq!(show.event(&event(2, "Bob", EventKind::Joined)).len(), 1);
    }
}

//! The log as it is drawn: the events turned into rows, with day
//! separators, messages grouped under their sender, runs of joins and
//! leaves said once, and the "New" divider. Pure, so it is tested natively
//! and the server renders exactly what the browser will.

use super::Room;
use crate::protocol::{Event, EventKind, FileStatus, Member, Seq, UserId};
use crate::time;

/// Messages by one person this close together (ms) share one name.
pub const GROUP_WITHIN_MS: i64 = 5 * 60_000;

/// One row of the log.
#[derive(Clone, Debug, PartialEq)]
pub enum Row {
    /// A day separator: the reader's calendar day (see [`time::day`]).
    Day(i64),
    /// "New": above the first message or file this reader hasn't seen.
    New,
    /// A message or file; `grouped` under the one before it (same sender,
    /// a few minutes later), so it shows no name.
    Entry {
        event: Event,
        grouped: bool,
        rev: u32,
    },
    /// A run of joins and leaves (or a removal), said once.
    Notice { seq: Seq, text: String },
}

/// What identifies a row while it stays the same: a row whose key changes
/// is drawn again.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RowKey {
    Day(i64),
    New,
    Entry(Seq, u32, bool),
    Notice(Seq, String),
}

impl Row {
    /// Its key.
    pub fn key(&self) -> RowKey {
        match self {
            Row::Day(day) => RowKey::Day(*day),
            Row::New => RowKey::New,
            Row::Entry {
                event,
                grouped,
                rev,
            } => RowKey::Entry(event.seq, *rev, *grouped),
            Row::Notice { seq, text } => RowKey::Notice(*seq, text.clone()),
        }
    }
}

impl Room {
    /// The log's rows, with days in the reader's zone (`None`: UTC).
    pub fn rows(&self, zone: Option<i32>) -> Vec<Row> {
        let mut rows = Vec::new();
        let mut day = None;
        let mut run: Vec<&Event> = Vec::new();
        // The entry a next one by the same sender would be grouped under.
        let mut previous: Option<(&UserId, i64)> = None;
        let mut new_after = self.new_after;
        for event in &self.events {
            if !self.shows(event) {
                continue;
            }
            let today = time::day(event.at, zone);
            if day != Some(today) {
                flush(&mut run, &mut rows);
                rows.push(Row::Day(today));
                day = Some(today);
                previous = None;
            }
            match &event.kind {
                EventKind::Joined | EventKind::Left => {
                    run.push(event);
                    previous = None;
                    continue;
                }
                EventKind::Removed { by } => {
                    flush(&mut run, &mut rows);
                    rows.push(Row::Notice {
                        seq: event.seq,
                        text: format!("{} was removed by {by}", event.who.name),
                    });
                    previous = None;
                    continue;
                }
                _ => flush(&mut run, &mut rows),
            }
            let author = &event.who.user;
            if new_after.is_some_and(|seen| event.seq > seen) && *author != self.me.user {
                rows.push(Row::New);
                new_after = None;
                previous = None;
            }
            let grouped =
                previous.is_some_and(|(who, at)| who == author && event.at - at <= GROUP_WITHIN_MS);
            rows.push(Row::Entry {
                event: event.clone(),
                grouped,
                rev: self.revs.get(&event.seq).copied().unwrap_or(0),
            });
            previous = Some((author, event.at));
        }
        flush(&mut run, &mut rows);
        rows
    }

    /// Whether the room has no messages or files yet (joins don't count):
    /// the log then invites people instead.
    pub fn is_quiet(&self) -> bool {
        !self.has_older
            && self.pending.is_empty()
            && !self.events.iter().any(|e| {
                matches!(
                    e.kind,
                    EventKind::Message { .. }
                        | EventKind::File { .. }
                        | EventKind::Tombstone { .. }
                ) && self.shows(e)
            })
    }

    /// Whether an event has a row: changes to other events show on those,
    /// and a cancelled upload vanishes.
    fn shows(&self, event: &Event) -> bool {
        match &event.kind {
            EventKind::Deleted { .. } | EventKind::Edited { .. } | EventKind::Reacted { .. } => {
                false
            }
            EventKind::File { file } => self.file_now(file).status != FileStatus::Cancelled,
            _ => true,
        }
    }
}

/// Says a run of joins and leaves once: each person's last word counts (a
/// reconnect, "left" then "joined", is just "joined"), and many names
/// become a count.
fn flush(run: &mut Vec<&Event>, rows: &mut Vec<Row>) {
    let Some(first) = run.first() else {
        return;
    };
    let seq = first.seq;
    let mut last: Vec<(&Member, bool)> = Vec::new();
    for event in run.drain(..) {
        let joined = matches!(event.kind, EventKind::Joined);
        match last.iter_mut().find(|(m, _)| m.user == event.who.user) {
            Some(entry) => entry.1 = joined,
            None => last.push((&event.who, joined)),
        }
    }
    let said = |joined: bool, verb: &str| {
        let names: Vec<&str> = last
            .iter()
            .filter(|(_, j)| *j == joined)
            .map(|(m, _)| m.name.as_str())
            .collect();
        match names.as_slice() {
            [] => None,
            [one] => Some(format!("{one} {verb}")),
            [one, two] => Some(format!("{one} and {two} {verb}")),
            many => Some(format!("{} people {verb}", many.len())),
        }
    };
    let text: Vec<String> = [said(true, "joined"), said(false, "left")]
        .into_iter()
        .flatten()
        .collect();
    rows.push(Row::Notice {
        seq,
        text: text.join(" · "),
    });
}

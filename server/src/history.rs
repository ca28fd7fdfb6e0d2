//! Room history: appending events and reading them back by sequence
//! number. A room's numbers come from its counter row (`rooms.last_seq`),
//! bumped in the transaction that stores the event: on several nodes the
//! row's lock orders the writers, and a transaction that stores nothing
//! (a resend) rolls its number back, so there are no gaps or repeats.

use app::protocol::{
    ClientMsgId, Event, EventKind, Member, Reaction, RoomCode, Seq, UserId, UserName,
};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::store::{unix_millis, Store};
use crate::uploads::upload_from_row;

/// The outcome of storing a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// Stored as this new event.
    New(Event),
    /// The sender had already sent this client id: stored before, under `seq`.
    Duplicate(Seq),
}

impl Store {
    /// The newest sequence number in `room` (0 if it has no events).
    pub async fn latest_seq(&self, room: &RoomCode) -> Result<Seq, sqlx::Error> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT last_seq FROM rooms WHERE code = $1")
            .bind(room.as_str())
            .fetch_optional(self.pool())
            .await?;
        Ok(Seq(row.map_or(0, |(seq,)| seq as u64)))
    }

    /// Stores `kind` by `who` as the room's next event; a message whose
    /// client id the sender used before is not stored again.
    pub async fn append(
        &self,
        room: &RoomCode,
        who: &Member,
        kind: EventKind,
    ) -> Result<Appended, sqlx::Error> {
        let mut target = None;
        let (kind_name, text, client_id) = match &kind {
            EventKind::Message {
                text,
                client_id,
                reply_to,
                ..
            } => {
                target = reply_to.map(|seq| seq.0 as i64);
                ("message", Some(text.as_str()), Some(client_id.0.as_str()))
            }
            // Offers are deduplicated by the uploads table, not here.
            EventKind::File { file } => ("file", Some(file.id.0.as_str()), None),
            // An owner's name, who removed `who`.
            EventKind::Removed { by } => ("removed", Some(by.as_str()), None),
            // Written by `removal.rs` and `edits.rs`, in the transactions
            // that change their targets.
            EventKind::Tombstone { .. }
            | EventKind::Deleted { .. }
            | EventKind::Edited { .. }
            | EventKind::Reacted { .. } => {
                return Err(sqlx::Error::Protocol(
                    "changes to other events are not appended".into(),
                ))
            }
            // Stored only when the history calls for them:
            // `append_presence`.
            EventKind::Joined | EventKind::Left => {
                return Err(sqlx::Error::Protocol(
                    "joins and leaves go through append_presence".into(),
                ))
            }
        };
        let at = unix_millis();
        let mut tx = self.pool().begin().await?;
        let seq = next_seq(&mut tx, room).await?;
        let stored = Stored {
            kind: kind_name,
            text,
            client_id,
            target,
        };
        if insert(&mut tx, room, seq, at, who, stored).await? {
            tx.commit().await?;
            return Ok(Appended::New(Event {
                seq,
                at,
                who: who.clone(),
                kind,
            }));
        }
        let (existing,): (i64,) = sqlx::query_as(
            "SELECT seq FROM events WHERE room = $1 AND user_id = $2 AND client_id = $3",
        )
        .bind(room.as_str())
        .bind(&who.user.0)
        .bind(client_id)
        .fetch_one(&mut *tx)
        .await?;
        // Nothing stored: the number goes back too.
        tx.rollback().await?;
        Ok(Appended::Duplicate(Seq(existing as u64)))
    }

    /// Stores `who` joining (`joined`) or leaving the room, unless the
    /// history already shows them so: each node of a cluster may try, the
    /// counter row's lock lets one through. A leave is also dropped when
    /// `still_here` says they are online after all (on another node); it
    /// is asked under that lock, so a join racing this leave is either seen
    /// or stored after it.
    pub async fn append_presence<F>(
        &self,
        room: &RoomCode,
        who: &Member,
        joined: bool,
        still_here: F,
    ) -> Result<Option<Event>, sqlx::Error>
    where
        F: std::future::Future<Output = bool>,
    {
        let at = unix_millis();
        let mut tx = self.pool().begin().await?;
        let seq = next_seq(&mut tx, room).await?;
        let present = last_presence(&mut tx, room, &who.user).await?;
        let stays = present == joined || (!joined && still_here.await);
        if stays {
            tx.rollback().await?;
            return Ok(None);
        }
        let stored = Stored {
            kind: if joined { "joined" } else { "left" },
            text: None,
            client_id: None,
            target: None,
        };
        insert(&mut tx, room, seq, at, who, stored).await?;
        tx.commit().await?;
        Ok(Some(Event {
            seq,
            at,
            who: who.clone(),
            kind: if joined {
                EventKind::Joined
            } else {
                EventKind::Left
            },
        }))
    }

    /// Up to `limit` events after `after`, oldest first.
    pub async fn events_after(
        &self,
        room: &RoomCode,
        after: Seq,
        limit: u32,
    ) -> Result<Vec<Event>, sqlx::Error> {
        let mut events = sqlx::query(&format!(
            "{EVENT_SELECT} WHERE e.room = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3"
        ))
        .bind(room.as_str())
        .bind(after.0 as i64)
        .bind(i64::from(limit))
        .try_map(event_from_row)
        .fetch_all(self.pool())
        .await?;
        self.attach_reactions(room, &mut events).await?;
        Ok(events)
    }

    /// Up to `limit` events before `before` (or the newest, if `None`),
    /// oldest first.
    pub async fn events_before(
        &self,
        room: &RoomCode,
        before: Option<Seq>,
        limit: u32,
    ) -> Result<Vec<Event>, sqlx::Error> {
        let before = before.map_or(i64::MAX, |s| s.0 as i64);
        let mut events = sqlx::query(&format!(
            "{EVENT_SELECT} WHERE e.room = $1 AND e.seq < $2 ORDER BY e.seq DESC LIMIT $3"
        ))
        .bind(room.as_str())
        .bind(before)
        .bind(i64::from(limit))
        .try_map(event_from_row)
        .fetch_all(self.pool())
        .await?;
        events.reverse();
        self.attach_reactions(room, &mut events).await?;
        Ok(events)
    }

    /// Fills in the reactions the messages among `events` (in sequence
    /// order) have now.
    async fn attach_reactions(
        &self,
        room: &RoomCode,
        events: &mut [Event],
    ) -> Result<(), sqlx::Error> {
        let (Some(first), Some(last)) = (events.first(), events.last()) else {
            return Ok(());
        };
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT target, emoji, user_id, user_name FROM reactions
             WHERE room = $1 AND target BETWEEN $2 AND $3 ORDER BY target, at",
        )
        .bind(room.as_str())
        .bind(first.seq.0 as i64)
        .bind(last.seq.0 as i64)
        .fetch_all(self.pool())
        .await?;
        for (target, emoji, user, name) in rows {
            let Ok(at) = events.binary_search_by_key(&Seq(target as u64), |e| e.seq) else {
                continue;
            };
            let EventKind::Message { reactions, .. } = &mut events[at].kind else {
                continue;
            };
            let Some(member) = members_from(vec![(user, name)]).pop() else {
                continue;
            };
            match reactions.iter_mut().find(|r| r.emoji == emoji) {
                Some(reaction) => reaction.by.push(member),
                None => reactions.push(Reaction {
                    emoji,
                    by: vec![member],
                }),
            }
        }
        Ok(())
    }
}

impl Store {
    /// People whose latest join or leave in `room` is a join: present as far
    /// as the history knows.
    pub async fn present_members(&self, room: &RoomCode) -> Result<Vec<Member>, sqlx::Error> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT user_id, user_name FROM events AS e
             WHERE room = $1 AND kind = 'joined' AND seq = (
                 SELECT MAX(seq) FROM events
                 WHERE room = e.room AND user_id = e.user_id
                 AND kind IN ('joined', 'left', 'removed'))",
        )
        .bind(room.as_str())
        .fetch_all(self.pool())
        .await?;
        Ok(members_from(rows))
    }
}

/// An event's columns beyond who, where and when.
struct Stored<'a> {
    kind: &'a str,
    text: Option<&'a str>,
    client_id: Option<&'a str>,
    target: Option<i64>,
}

/// Inserts one event as number `seq`; `false` if its sender already
/// stored its client id.
async fn insert(
    tx: &mut sqlx::AnyConnection,
    room: &RoomCode,
    seq: Seq,
    at: i64,
    who: &Member,
    stored: Stored<'_>,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO events (room, seq, at, kind, user_id, user_name, text, client_id, target)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (room, user_id, client_id) WHERE client_id IS NOT NULL DO NOTHING",
    )
    .bind(room.as_str())
    .bind(seq.0 as i64)
    .bind(at)
    .bind(stored.kind)
    .bind(&who.user.0)
    .bind(who.name.as_str())
    .bind(stored.text)
    .bind(stored.client_id)
    .bind(stored.target)
    .execute(&mut *tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Whether `user`'s last joined/left/removed event in `room` is a join.
async fn last_presence(
    conn: &mut sqlx::AnyConnection,
    room: &RoomCode,
    user: &UserId,
) -> Result<bool, sqlx::Error> {
    let last: Option<(String,)> = sqlx::query_as(
        "SELECT kind FROM events WHERE room = $1 AND user_id = $2
         AND kind IN ('joined', 'left', 'removed') ORDER BY seq DESC LIMIT 1",
    )
    .bind(room.as_str())
    .bind(&user.0)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(matches!(last, Some((kind,)) if kind == "joined"))
}

/// Takes room `room`'s next sequence number in transaction `tx`: the
/// counter row stays locked until `tx` ends, so the room's next writer (on
/// any node) waits for this one to commit or roll back. Call it first in a
/// transaction: SQLite then takes its write lock before reading anything,
/// so a busy database is waited for rather than refused.
pub(crate) async fn next_seq(
    tx: &mut sqlx::AnyConnection,
    room: &RoomCode,
) -> Result<Seq, sqlx::Error> {
    let (seq,): (i64,) = sqlx::query_as(
        "UPDATE rooms SET last_seq = last_seq + 1 WHERE code = $1 RETURNING last_seq",
    )
    .bind(room.as_str())
    .fetch_one(&mut *tx)
    .await?;
    Ok(Seq(seq as u64))
}

/// Events with, for files, their upload's current state.
const EVENT_SELECT: &str =
    "SELECT e.seq, e.at, e.kind, e.user_id, e.user_name, e.text, e.client_id, e.target, e.edited,
        u.id, u.room, u.uploader, u.name, u.mime, u.size, u.received, u.status, u.sha256,
        u.width, u.height
    FROM events AS e LEFT JOIN uploads AS u ON e.kind = 'file' AND u.id = e.text";

fn event_from_row(row: AnyRow) -> Result<Event, sqlx::Error> {
    let decode = |e: app::error::AppError| sqlx::Error::Decode(e.to_string().into());
    let kind: String = row.try_get("kind")?;
    let text = || -> Result<String, sqlx::Error> {
        Ok(row
            .try_get::<Option<String>, _>("text")?
            .unwrap_or_default())
    };
    let target = || -> Result<Seq, sqlx::Error> {
        Ok(Seq(
            row.try_get::<Option<i64>, _>("target")?.unwrap_or(0) as u64
        ))
    };
    let kind = match kind.as_str() {
        "message" => EventKind::Message {
            text: text()?,
            client_id: ClientMsgId(
                row.try_get::<Option<String>, _>("client_id")?
                    .unwrap_or_default(),
            ),
            reply_to: row
                .try_get::<Option<i64>, _>("target")?
                .map(|seq| Seq(seq as u64)),
            edited: row.try_get::<i64, _>("edited")? != 0,
            reactions: Vec::new(),
        },
        "edited" => EventKind::Edited {
            target: target()?,
            text: text()?,
        },
        "reacted" | "unreacted" => EventKind::Reacted {
            target: target()?,
            emoji: text()?,
            on: kind == "reacted",
        },
        "joined" => EventKind::Joined,
        "file" => EventKind::File {
            file: upload_from_row(&row)?.file,
        },
        "tombstone" => EventKind::Tombstone {
            file: row.try_get::<Option<i64>, _>("target")? == Some(1),
        },
        "deleted" => EventKind::Deleted { target: target()? },
        "removed" => EventKind::Removed {
            by: UserName::parse(
                &row.try_get::<Option<String>, _>("text")?
                    .unwrap_or_default(),
            )
            .map_err(decode)?,
        },
        _ => EventKind::Left,
    };
    Ok(Event {
        seq: Seq(row.try_get::<i64, _>("seq")? as u64),
        at: row.try_get("at")?,
        who: Member {
            user: UserId(row.try_get("user_id")?),
            name: UserName::parse(row.try_get::<&str, _>("user_name")?).map_err(decode)?,
        },
        kind,
    })
}

/// `(user id, name)` rows as members; a name that no longer validates
/// (stored before a rule changed) leaves its row out.
pub fn members_from(rows: Vec<(String, String)>) -> Vec<Member> {
    rows.into_iter()
        .filter_map(|(user, name)| {
            Some(Member {
                user: UserId(user),
                name: UserName::parse(&name).ok()?,
            })
        })
        .collect()
}

//! Room history in SQLite: appending events and reading them back by
//! sequence number. Callers serialize appends per room (see `rooms.rs`), so
//! sequence numbers are handed out here without gaps or races.

use app::protocol::{ClientMsgId, Event, EventKind, Member, RoomCode, Seq, UserId, UserName};
use sqlx::sqlite::SqliteRow;
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
        let (seq,): (i64,) =
            sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM events WHERE room = ?")
                .bind(room.as_str())
                .fetch_one(self.pool())
                .await?;
        Ok(Seq(seq as u64))
    }

    /// Stores `kind` by `who` as event `seq`; a message whose client id the
    /// sender used before is not stored again.
    pub async fn append(
        &self,
        room: &RoomCode,
        seq: Seq,
        who: &Member,
        kind: EventKind,
    ) -> Result<Appended, sqlx::Error> {
        let (kind_name, text, client_id) = match &kind {
            EventKind::Message { text, client_id } => {
                ("message", Some(text.as_str()), Some(client_id.0.as_str()))
            }
            EventKind::Joined => ("joined", None, None),
            EventKind::Left => ("left", None, None),
            // Offers are deduplicated by the uploads table, not here.
            EventKind::File { file } => ("file", Some(file.id.0.as_str()), None),
            // An owner's name, who removed `who`.
            EventKind::Removed { by } => ("removed", Some(by.as_str()), None),
            // Written by `removal.rs`, in the transaction that deletes.
            EventKind::Tombstone { .. } | EventKind::Deleted { .. } => {
                return Err(sqlx::Error::Protocol("deletions are not appended".into()))
            }
        };
        let at = unix_millis();
        let inserted = sqlx::query(
            "INSERT INTO events (room, seq, at, kind, user_id, user_name, text, client_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (room, user_id, client_id) WHERE client_id IS NOT NULL DO NOTHING",
        )
        .bind(room.as_str())
        .bind(seq.0 as i64)
        .bind(at)
        .bind(kind_name)
        .bind(&who.user.0)
        .bind(who.name.as_str())
        .bind(text)
        .bind(client_id)
        .execute(self.pool())
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(Appended::New(Event {
                seq,
                at,
                who: who.clone(),
                kind,
            }));
        }
        let (existing,): (i64,) = sqlx::query_as(
            "SELECT seq FROM events WHERE room = ? AND user_id = ? AND client_id = ?",
        )
        .bind(room.as_str())
        .bind(&who.user.0)
        .bind(client_id)
        .fetch_one(self.pool())
        .await?;
        Ok(Appended::Duplicate(Seq(existing as u64)))
    }

    /// Up to `limit` events after `after`, oldest first.
    pub async fn events_after(
        &self,
        room: &RoomCode,
        after: Seq,
        limit: u32,
    ) -> Result<Vec<Event>, sqlx::Error> {
        sqlx::query(&format!(
            "{EVENT_SELECT} WHERE e.room = ? AND e.seq > ? ORDER BY e.seq LIMIT ?"
        ))
        .bind(room.as_str())
        .bind(after.0 as i64)
        .bind(limit)
        .try_map(event_from_row)
        .fetch_all(self.pool())
        .await
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
            "{EVENT_SELECT} WHERE e.room = ? AND e.seq < ? ORDER BY e.seq DESC LIMIT ?"
        ))
        .bind(room.as_str())
        .bind(before)
        .bind(limit)
        .try_map(event_from_row)
        .fetch_all(self.pool())
        .await?;
        events.reverse();
        Ok(events)
    }
}

impl Store {
    /// People whose latest join or leave in `room` is a join: present as far
    /// as the history knows.
    pub async fn present_members(&self, room: &RoomCode) -> Result<Vec<Member>, sqlx::Error> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT user_id, user_name FROM events AS e
             WHERE room = ? AND kind = 'joined' AND seq = (
                 SELECT MAX(seq) FROM events
                 WHERE room = e.room AND user_id = e.user_id
                 AND kind IN ('joined', 'left', 'removed'))",
        )
        .bind(room.as_str())
        .fetch_all(self.pool())
        .await?;
        Ok(members_from(rows))
    }

    /// Whether the history shows `user` as present in `room`.
    pub async fn is_present(&self, room: &RoomCode, user: &UserId) -> Result<bool, sqlx::Error> {
        let last: Option<(String,)> = sqlx::query_as(
            "SELECT kind FROM events WHERE room = ? AND user_id = ?
             AND kind IN ('joined', 'left', 'removed') ORDER BY seq DESC LIMIT 1",
        )
        .bind(room.as_str())
        .bind(&user.0)
        .fetch_optional(self.pool())
        .await?;
        Ok(matches!(last, Some((kind,)) if kind == "joined"))
    }
}

/// Events with, for files, their upload's current state.
const EVENT_SELECT: &str =
    "SELECT e.seq, e.at, e.kind, e.user_id, e.user_name, e.text, e.client_id, e.target,
        u.id, u.room, u.uploader, u.name, u.mime, u.size, u.received, u.status, u.sha256,
        u.width, u.height
    FROM events AS e LEFT JOIN uploads AS u ON e.kind = 'file' AND u.id = e.text";

fn event_from_row(row: SqliteRow) -> Result<Event, sqlx::Error> {
    let decode = |e: app::error::AppError| sqlx::Error::Decode(e.to_string().into());
    let kind: String = row.try_get("kind")?;
    let kind = match kind.as_str() {
        "message" => EventKind::Message {
            text: row
                .try_get::<Option<String>, _>("text")?
                .unwrap_or_default(),
            client_id: ClientMsgId(
                row.try_get::<Option<String>, _>("client_id")?
                    .unwrap_or_default(),
            ),
        },
        "joined" => EventKind::Joined,
        "file" => EventKind::File {
            file: upload_from_row(&row)?.file,
        },
        "tombstone" => EventKind::Tombstone {
            file: row.try_get::<Option<i64>, _>("target")? == Some(1),
        },
        "deleted" => EventKind::Deleted {
            target: Seq(row.try_get::<Option<i64>, _>("target")?.unwrap_or(0) as u64),
        },
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

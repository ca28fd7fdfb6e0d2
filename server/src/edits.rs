//! Changes to a stored message: edits and reactions, and checking what a
//! reply answers.
//!
//! Each change happens under the room's writer lock, in one transaction
//! that updates the message's row (its text, or the `reactions` table) and
//! appends the event that tells every tab. So history always holds the
//! message as it is now, and replaying its change events on top of that
//! ends in the same state (see `docs/PROTOCOL.md`, "Changes").

use app::error::AppError;
use app::protocol::{ClientMsg, Event, EventKind, Member, RoomCode, Seq, REACTIONS};
use sqlx::AnyConnection;

use crate::chatdrop::internal;
use crate::rooms::Room;
use crate::store::{unix_millis, Store};

/// A message's kind and author, as a change to it needs them.
struct Target {
    kind: String,
    author: String,
    text: Option<String>,
}

async fn target(
    conn: &mut AnyConnection,
    room: &RoomCode,
    seq: Seq,
) -> Result<Option<Target>, AppError> {
    let row: Option<(String, String, Option<String>)> =
        sqlx::query_as("SELECT kind, user_id, text FROM events WHERE room = $1 AND seq = $2")
            .bind(room.as_str())
            .bind(seq.0 as i64)
            .fetch_optional(&mut *conn)
            .await
            .map_err(internal)?;
    Ok(row.map(|(kind, author, text)| Target { kind, author, text }))
}

/// The message at `seq`, refused as deleted or missing otherwise.
async fn message(conn: &mut AnyConnection, room: &RoomCode, seq: Seq) -> Result<Target, AppError> {
    match target(conn, room, seq).await? {
        Some(found) if found.kind == "message" => Ok(found),
        Some(found) if found.kind == "tombstone" => Err(AppError::MessageDeleted),
        _ => Err(AppError::NoSuchMessage),
    }
}

impl Store {
    /// Checks that a reply to `seq` answers a message or file that is
    /// still there.
    pub async fn check_reply(&self, room: &RoomCode, seq: Seq) -> Result<(), AppError> {
        let mut conn = self.pool().acquire().await.map_err(internal)?;
        match target(&mut conn, room, seq).await? {
            Some(found) if found.kind == "message" || found.kind == "file" => Ok(()),
            Some(found) if found.kind == "tombstone" => Err(AppError::MessageDeleted),
            _ => Err(AppError::NoSuchMessage),
        }
    }
}

/// Stores a change event (`kind` is its stored name) as the room's next.
async fn insert_change(
    conn: &mut AnyConnection,
    room: &RoomCode,
    event: &Event,
    kind: &str,
    text: Option<&str>,
    target: Seq,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO events (room, seq, at, kind, user_id, user_name, text, target)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(room.as_str())
    .bind(event.seq.0 as i64)
    .bind(event.at)
    .bind(kind)
    .bind(&event.who.user.0)
    .bind(event.who.name.as_str())
    .bind(text)
    .bind(target.0 as i64)
    .execute(&mut *conn)
    .await
    .map_err(internal)?;
    Ok(())
}

impl Room {
    /// `who` changes the text of their message at `target`. Returns the
    /// `edited` event's sequence number, or `None` if the text is the same.
    pub async fn edit(
        &self,
        who: &Member,
        target: Seq,
        text: String,
    ) -> Result<Option<Seq>, AppError> {
        ClientMsg::validate_text(&text)?;
        let (_writing, mut tx, seq) = self.begin_change().await?;
        let found = message(&mut tx, &self.code, target).await?;
        if found.author != who.user.0 {
            return Err(AppError::NotYourMessage);
        }
        if found.text.as_deref() == Some(text.as_str()) {
            return Ok(None);
        }
        for sql in [
            "UPDATE events SET text = $1, edited = 1 WHERE room = $2 AND seq = $3",
            // Earlier edits carry the newest text too: no old version stays.
            "UPDATE events SET text = $1 WHERE room = $2 AND target = $3 AND kind = 'edited'",
        ] {
            sqlx::query(sql)
                .bind(&text)
                .bind(self.code.as_str())
                .bind(target.0 as i64)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
        }
        let event = self.change(seq, who, EventKind::Edited { target, text });
        let EventKind::Edited { text, .. } = &event.kind else {
            unreachable!("built just above")
        };
        insert_change(&mut tx, &self.code, &event, "edited", Some(text), target).await?;
        tx.commit().await.map_err(internal)?;
        Ok(Some(self.publish(event)))
    }

    /// `who` adds (`on`) or takes back a reaction to the message at
    /// `target`; `None` toggles it (the form used without JavaScript).
    /// Returns the `reacted` event's sequence number, or `None` if it
    /// already stood as asked.
    pub async fn react(
        &self,
        who: &Member,
        target: Seq,
        emoji: &str,
        on: Option<bool>,
    ) -> Result<Option<Seq>, AppError> {
        let Some(emoji) = REACTIONS.into_iter().find(|e| *e == emoji) else {
            return Err(AppError::BadReaction);
        };
        let (_writing, mut tx, seq) = self.begin_change().await?;
        message(&mut tx, &self.code, target).await?;
        let had: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM reactions WHERE room = $1 AND target = $2 AND emoji = $3 AND user_id = $4",
        )
        .bind(self.code.as_str())
        .bind(target.0 as i64)
        .bind(emoji)
        .bind(&who.user.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
        let on = on.unwrap_or(had.is_none());
        if on == had.is_some() {
            return Ok(None);
        }
        let change = if on {
            sqlx::query(
                "INSERT INTO reactions (room, target, emoji, user_id, user_name, at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(self.code.as_str())
            .bind(target.0 as i64)
            .bind(emoji)
            .bind(&who.user.0)
            .bind(who.name.as_str())
            .bind(unix_millis())
        } else {
            sqlx::query(
                "DELETE FROM reactions WHERE room = $1 AND target = $2 AND emoji = $3 AND user_id = $4",
            )
            .bind(self.code.as_str())
            .bind(target.0 as i64)
            .bind(emoji)
            .bind(&who.user.0)
        };
        change.execute(&mut *tx).await.map_err(internal)?;
        let kind = EventKind::Reacted {
            target,
            emoji: emoji.to_owned(),
            on,
        };
        let event = self.change(seq, who, kind);
        let stored = if on { "reacted" } else { "unreacted" };
        insert_change(&mut tx, &self.code, &event, stored, Some(emoji), target).await?;
        tx.commit().await.map_err(internal)?;
        Ok(Some(self.publish(event)))
    }

    /// Starts a change: this node's writer lock, a transaction, and the
    /// sequence number the transaction took (first, see `next_seq`).
    pub(crate) async fn begin_change(
        &self,
    ) -> Result<
        (
            tokio::sync::MutexGuard<'_, ()>,
            sqlx::Transaction<'static, sqlx::Any>,
            Seq,
        ),
        AppError,
    > {
        let writing = self.writer.lock().await;
        let mut tx = self.store.pool().begin().await.map_err(internal)?;
        let seq = crate::history::next_seq(&mut tx, &self.code)
            .await
            .map_err(internal)?;
        Ok((writing, tx, seq))
    }

    /// The event a change gets: the sequence number its transaction took,
    /// now.
    pub(crate) fn change(&self, seq: Seq, who: &Member, kind: EventKind) -> Event {
        Event {
            seq,
            at: unix_millis(),
            who: who.clone(),
            kind,
        }
    }

    /// After the change's transaction committed: everyone, on every node,
    /// gets the event in order.
    pub(crate) fn publish(&self, event: Event) -> Seq {
        let seq = event.seq;
        self.deliver_and_relay(event);
        seq
    }
}

/// Takes everything a deleted message's changes said: its edits and
/// reactions become `deleted` events (numbers stay, content goes) and its
/// reactions are forgotten. Part of the deleting transaction.
pub(crate) async fn forget_changes(
    conn: &mut AnyConnection,
    room: &RoomCode,
    target: Seq,
) -> Result<(), AppError> {
    for sql in [
        "UPDATE events SET kind = 'deleted', text = NULL
         WHERE room = $1 AND target = $2 AND kind IN ('edited', 'reacted', 'unreacted')",
        "DELETE FROM reactions WHERE room = $1 AND target = $2",
    ] {
        sqlx::query(sql)
            .bind(room.as_str())
            .bind(target.0 as i64)
            .execute(&mut *conn)
            .await
            .map_err(internal)?;
    }
    Ok(())
}

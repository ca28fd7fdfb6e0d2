//! Deleting one message or file: its event becomes a tombstone (same
//! sequence number and author, no content), a `deleted` event tells every
//! tab, and a file's record goes at once (its link answers 404) while its
//! bytes go as soon as no other record uses the same content.
//!
//! Both steps happen under the room's writer lock, in one transaction: two
//! owners deleting the same message at once get one deletion and one
//! "already deleted", and the `deleted` event is numbered in order with
//! everything else.

use app::error::AppError;
use app::protocol::{EventKind, Member, RoomCode, Seq, ServerMsg, UploadId};
use sqlx::Row;

use crate::chatdrop::internal;
use crate::rooms::{Broadcast, Room};
use crate::store::Store;

/// What a deletion leaves to clean up on disk.
#[derive(Debug, Default)]
pub struct Leftovers {
    /// A deleted file's upload, whose partial bytes (if any) go.
    pub upload: Option<UploadId>,
    /// Its content, if complete: its bytes go when no record uses it.
    pub sha256: Option<String>,
}

/// The event at a place in the history, as far as deleting it matters.
struct Target {
    kind: String,
    author: String,
    upload: Option<String>,
}

impl Store {
    async fn deletion_target(
        &self,
        tx: &mut sqlx::AnyConnection,
        room: &RoomCode,
        seq: Seq,
    ) -> Result<Option<Target>, sqlx::Error> {
        let row =
            sqlx::query("SELECT kind, user_id, text FROM events WHERE room = $1 AND seq = $2")
                .bind(room.as_str())
                .bind(seq.0 as i64)
                .fetch_optional(&mut *tx)
                .await?;
        row.map(|row| {
            Ok(Target {
                kind: row.try_get("kind")?,
                author: row.try_get("user_id")?,
                upload: row.try_get("text")?,
            })
        })
        .transpose()
    }
}

impl Room {
    /// `who` deletes the message or file at `target` (anyone's if `owner`,
    /// else only their own). Returns the `deleted` event's sequence number
    /// and what is left to remove from disk.
    pub async fn delete_entry(
        &self,
        who: &Member,
        owner: bool,
        target: Seq,
    ) -> Result<(Seq, Leftovers), AppError> {
        let (_writing, mut tx, seq) = self.begin_change().await?;
        let found = self
            .store
            .deletion_target(&mut tx, &self.code, target)
            .await
            .map_err(internal)?;
        let Some(found) = found else {
            return Err(AppError::NothingToDelete);
        };
        let file = match found.kind.as_str() {
            "message" => false,
            "file" => true,
            "tombstone" => return Err(AppError::AlreadyDeleted),
            _ => return Err(AppError::NothingToDelete),
        };
        if found.author != who.user.0 && !owner {
            return Err(AppError::NotYours);
        }
        let mut leftovers = Leftovers::default();
        if let Some(upload) = found.upload.filter(|_| file) {
            let sha256: Option<(Option<String>,)> =
                sqlx::query_as("DELETE FROM uploads WHERE id = $1 RETURNING sha256")
                    .bind(&upload)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(internal)?;
            leftovers.sha256 = sha256.and_then(|(sha,)| sha);
            leftovers.upload = Some(UploadId(upload));
        }
        sqlx::query(
            "UPDATE events SET kind = 'tombstone', text = NULL, target = $1
             WHERE room = $2 AND seq = $3",
        )
        .bind(i64::from(file))
        .bind(self.code.as_str())
        .bind(target.0 as i64)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        crate::edits::forget_changes(&mut tx, &self.code, target).await?;
        let event = self.change(seq, who, EventKind::Deleted { target });
        sqlx::query(
            "INSERT INTO events (room, seq, at, kind, user_id, user_name, target)
             VALUES ($1, $2, $3, 'deleted', $4, $5, $6)",
        )
        .bind(self.code.as_str())
        .bind(event.seq.0 as i64)
        .bind(event.at)
        .bind(&who.user.0)
        .bind(who.name.as_str())
        .bind(target.0 as i64)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        let seq = self.publish(event);
        tracing::info!(room = %self.code, target = target.0, file, "entry deleted");
        Ok((seq, leftovers))
    }

    /// An owner (`by`) removes `who`: a `removed` event (which ends their
    /// presence, as a `left` would), then their tabs close with
    /// [`app::client::REMOVED`].
    pub async fn remove_member(
        self: &std::sync::Arc<Self>,
        by: &Member,
        who: &Member,
    ) -> Result<Seq, AppError> {
        let kind = EventKind::Removed {
            by: by.name.clone(),
        };
        let seq = self.append(who, kind).await.map_err(internal)?;
        // The `removed` event ends their presence, as a `left` would.
        self.forget(&who.user);
        self.kick(crate::rooms::Kick {
            user: who.user.clone(),
            others: false,
            code: app::client::REMOVED,
        });
        Ok(seq)
    }

    /// Closes the sockets `kick` names, on every node.
    pub fn kick(&self, kick: crate::rooms::Kick) {
        self.cluster.relay(
            &self.code,
            crate::cluster::Relay::Kick { kick: kick.clone() },
        );
        self.kick_here(kick);
    }

    /// Closes this node's sockets `kick` names, with the members list as
    /// it is now.
    pub(crate) fn kick_here(&self, kick: crate::rooms::Kick) {
        let mut frame = Broadcast::new(&ServerMsg::Presence {
            members: self.members(),
        });
        frame.kick = Some(kick);
        let _ = self.tx.send(frame);
    }
}

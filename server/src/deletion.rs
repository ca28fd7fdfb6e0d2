//! Deleting rooms for good: when their lifetime ends (the sweep), every
//! message, upload record, partial file and stored object no other room
//! uses is deleted; the room's row stays as a tombstone (its code is never
//! given out again, and its address answers `410 Gone`). The database runs
//! with `secure_delete` and its WAL is checkpointed afterwards, so the
//! deleted text lingers in no free page.

use app::protocol::RoomCode;

use crate::files::FileStore;
use crate::store::{unix_millis, Store};

/// Why a room is gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gone {
    /// Its lifetime ended.
    Expired,
    /// Its owner deleted it.
    Deleted,
}

impl Gone {
    fn as_str(self) -> &'static str {
        match self {
            Gone::Expired => "expired",
            Gone::Deleted => "deleted",
        }
    }

    fn parse(text: &str) -> Gone {
        if text == "deleted" {
            Gone::Deleted
        } else {
            Gone::Expired
        }
    }
}

impl Store {
    /// Rooms whose lifetime ended by `now` (ms) and that are not deleted
    /// yet.
    pub async fn expired_rooms(&self, now: i64) -> Result<Vec<RoomCode>, sqlx::Error> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT code FROM rooms WHERE gone_at IS NULL AND expires_at IS NOT NULL
             AND expires_at >= 0 AND expires_at <= $1",
        )
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(code,)| RoomCode::parse(&code).ok())
            .collect())
    }

    /// Why room `code` is gone, if it is.
    pub async fn gone(&self, code: &RoomCode) -> Result<Option<Gone>, sqlx::Error> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT gone_reason FROM rooms WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(self.pool())
                .await?;
        Ok(row.and_then(|(reason,)| reason).map(|r| Gone::parse(&r)))
    }

    /// Deletes everything room `code` holds in the database, leaving its
    /// tombstone; returns the upload ids and content hashes it had.
    async fn delete_room_rows(
        &self,
        code: &RoomCode,
        why: Gone,
    ) -> Result<Vec<(String, Option<String>)>, sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        let uploads: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT id, sha256 FROM uploads WHERE room = $1")
                .bind(code.as_str())
                .fetch_all(&mut *tx)
                .await?;
        sqlx::query("DELETE FROM events WHERE room = $1")
            .bind(code.as_str())
            .execute(&mut *tx)
            .await?;
        for table in ["uploads", "room_owners", "room_bans", "reactions"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE room = $1"))
                .bind(code.as_str())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "UPDATE rooms SET gone_at = $1, gone_reason = $2, password_hash = NULL, expires_at = NULL
             WHERE code = $3",
        )
        .bind(unix_millis())
        .bind(why.as_str())
        .bind(code.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(uploads)
    }

    /// Whether any upload record still uses stored content `sha256`: the
    /// reference count, read from the records themselves (indexed), so it
    /// can't drift from them.
    async fn content_in_use(&self, sha256: &str) -> Result<bool, sqlx::Error> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM uploads WHERE sha256 = $1 LIMIT 1")
            .bind(sha256)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.is_some())
    }

    /// Moves the WAL's pages into the database and empties it, so deleted
    /// rows survive in neither. A reader in the middle of a query can hold
    /// the checkpoint back: it is tried again for up to a few seconds.
    /// PostgreSQL keeps deleted rows in its pages until a vacuum prunes
    /// them: the tables a deletion touches are vacuumed instead (its own
    /// write-ahead log is the operator's, see docs/DEPLOY.md).
    async fn checkpoint(&self) -> Result<(), sqlx::Error> {
        if self.engine() == crate::store::Engine::Postgres {
            sqlx::query("VACUUM events, uploads, reactions")
                .execute(self.pool())
                .await?;
            return Ok(());
        }
        for _ in 0..50 {
            let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(self.pool())
                .await?;
            if busy == 0 {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        tracing::warn!("the WAL could not be emptied after deleting a room");
        Ok(())
    }
}

/// Deletes room `code` for good: its rows, its partial files, and stored
/// objects no other record uses. Returns the ids of its uploads.
pub async fn delete_room(
    store: &Store,
    files: &FileStore,
    code: &RoomCode,
    why: Gone,
) -> Result<Vec<String>, sqlx::Error> {
    let uploads = store.delete_room_rows(code, why).await?;
    let ids = uploads.iter().map(|(id, _)| id.clone()).collect();
    remove_bytes(store, files, uploads).await?;
    tracing::info!(room = %code, reason = why.as_str(), "room deleted");
    Ok(ids)
}

/// Removes deleted uploads' bytes from disk (each upload id with its
/// content hash, if complete): their partial files, and stored objects no
/// other record uses; then empties the WAL, so the deleted rows survive in
/// no file.
pub async fn remove_bytes(
    store: &Store,
    files: &FileStore,
    uploads: Vec<(String, Option<String>)>,
) -> Result<(), sqlx::Error> {
    let mut paths = Vec::new();
    for (id, sha256) in uploads {
        paths.extend(files.partial_path(&id));
        if let Some(sha256) = sha256 {
            // The store keeps one copy per content: another room's record
            // may still need these bytes.
            if !store.content_in_use(&sha256).await? {
                paths.extend(files.object_path(&sha256));
            }
        }
    }
    let _ = tokio::task::spawn_blocking(move || {
        for path in paths {
            let _ = std::fs::remove_file(path);
        }
    })
    .await;
    store.checkpoint().await
}

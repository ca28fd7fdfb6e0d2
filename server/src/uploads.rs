//! Upload records in SQLite: which room a file was shared in, by whom, under
//! what name and type, and (once complete) which stored object holds it.

use app::protocol::{RoomCode, UserId};

use crate::store::{unix_millis, Store};

/// A complete upload, as downloads need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUpload {
    /// The name the uploader gave (display only).
    pub name: String,
    /// The type the uploader declared.
    pub mime: String,
    /// Bytes.
    pub size: u64,
    /// The object holding the bytes.
    pub sha256: String,
}

/// A fresh upload id: 128 random bits in hex, the file's download URL.
pub fn new_upload_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Whether `id` has the shape of an upload id; anything else is not looked up.
fn well_formed(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Store {
    /// Records a finished upload of object `sha256`; returns its id.
    pub async fn insert_complete_upload(
        &self,
        room: &RoomCode,
        uploader: &UserId,
        name: &str,
        mime: &str,
        size: u64,
        sha256: &str,
    ) -> Result<String, sqlx::Error> {
        let id = new_upload_id();
        let now = unix_millis();
        sqlx::query(
            "INSERT INTO uploads (id, room, uploader, name, mime, size, sha256, created_at, complete_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(room.as_str())
        .bind(&uploader.0)
        .bind(name)
        .bind(mime)
        .bind(size as i64)
        .bind(sha256)
        .bind(now)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    /// Records an upload that has started but not finished.
    pub async fn insert_partial_upload(
        &self,
        room: &RoomCode,
        uploader: &UserId,
        name: &str,
        mime: &str,
        size: u64,
    ) -> Result<String, sqlx::Error> {
        let id = new_upload_id();
        sqlx::query(
            "INSERT INTO uploads (id, room, uploader, name, mime, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(room.as_str())
        .bind(&uploader.0)
        .bind(name)
        .bind(mime)
        .bind(size as i64)
        .bind(unix_millis())
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    /// The upload `id` if it exists and is complete.
    pub async fn complete_upload(&self, id: &str) -> Result<Option<StoredUpload>, sqlx::Error> {
        if !well_formed(id) {
            return Ok(None);
        }
        let row: Option<(String, String, i64, String)> = sqlx::query_as(
            "SELECT name, mime, size, sha256 FROM uploads WHERE id = ? AND complete_at IS NOT NULL AND sha256 IS NOT NULL",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(name, mime, size, sha256)| StoredUpload {
            name,
            mime,
            size: size as u64,
            sha256,
        }))
    }
}

//! Upload records in SQLite: which room a file was shared in, by whom, under
//! what name and type, and (once complete) which stored object holds it.

use app::protocol::{RoomCode, UserId};

use crate::files::is_lower_hex;
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

/// An upload to record: finished when `sha256` names its stored object.
#[derive(Debug, Clone, Copy)]
pub struct NewUpload<'a> {
    /// The room it was shared in.
    pub room: &'a RoomCode,
    /// Who shared it.
    pub uploader: &'a UserId,
    /// The name they gave (display only).
    pub name: &'a str,
    /// The type they declared.
    pub mime: &'a str,
    /// Its size in bytes.
    pub size: u64,
    /// The object holding its bytes, once they have all arrived.
    pub sha256: Option<&'a str>,
}

impl Store {
    /// Records an upload; returns its new id.
    pub async fn insert_upload(&self, upload: NewUpload<'_>) -> Result<String, sqlx::Error> {
        let id = new_upload_id();
        let now = unix_millis();
        sqlx::query(
            "INSERT INTO uploads (id, room, uploader, name, mime, size, sha256, created_at, complete_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(upload.room.as_str())
        .bind(&upload.uploader.0)
        .bind(upload.name)
        .bind(upload.mime)
        .bind(upload.size as i64)
        .bind(upload.sha256)
        .bind(now)
        .bind(upload.sha256.map(|_| now))
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    /// The upload `id` if it exists and is complete.
    pub async fn complete_upload(&self, id: &str) -> Result<Option<StoredUpload>, sqlx::Error> {
        if !is_lower_hex(id, 32) {
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

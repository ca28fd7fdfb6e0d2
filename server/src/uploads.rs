//! Upload records in SQLite: which room a file was shared in, by whom, under
//! what name and type, how far its bytes got, and (once complete) which
//! stored object holds them.

use app::protocol::{FileStatus, RoomCode, SharedFile, UploadId, UserId};
use sqlx::Row;

use crate::files::is_lower_hex;
use crate::store::{unix_millis, Store};

/// An upload's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRow {
    /// The room it was shared in.
    pub room: RoomCode,
    /// Who shared it.
    pub uploader: UserId,
    /// The file as the room sees it.
    pub file: SharedFile,
    /// The object holding the bytes, once complete.
    pub sha256: Option<String>,
}

/// A fresh upload id: 128 random bits in hex, the file's download URL.
pub fn new_upload_id() -> UploadId {
    UploadId(format!("{:032x}", rand::random::<u128>()))
}

/// An upload to record: finished when `sha256` names its stored object.
#[derive(Debug, Clone, Copy)]
pub struct NewUpload<'a> {
    /// The room it was shared in.
    pub room: &'a RoomCode,
    /// Who shared it.
    pub uploader: &'a UserId,
    /// The uploader's id for the offer, if it came from one.
    pub client_id: Option<&'a str>,
    /// The name they gave (display only).
    pub name: &'a str,
    /// The type they declared.
    pub mime: &'a str,
    /// Its size in bytes.
    pub size: u64,
    /// The object holding its bytes, if they are all here already.
    pub sha256: Option<&'a str>,
    /// That object's pixel size, for an image (read when it was reused).
    pub dimensions: Option<(u32, u32)>,
}

const COLUMNS: &str =
    "id, room, uploader, name, mime, size, received, status, sha256, width, height";

impl Store {
    /// Records an upload, or finds the one this offer (same room, uploader
    /// and client id) already made. Returns it and whether it is new.
    pub async fn insert_upload(
        &self,
        upload: NewUpload<'_>,
    ) -> Result<(UploadRow, bool), sqlx::Error> {
        let id = new_upload_id();
        let now = unix_millis();
        let status = if upload.sha256.is_some() {
            "complete"
        } else {
            "uploading"
        };
        let received = if upload.sha256.is_some() {
            upload.size
        } else {
            0
        };
        let inserted = sqlx::query(
            "INSERT INTO uploads (id, room, uploader, client_id, name, mime, size, received,
                                  status, sha256, width, height, created_at, complete_at,
                                  updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
             ON CONFLICT (room, uploader, client_id) WHERE client_id IS NOT NULL DO NOTHING",
        )
        .bind(&id.0)
        .bind(upload.room.as_str())
        .bind(&upload.uploader.0)
        .bind(upload.client_id)
        .bind(upload.name)
        .bind(upload.mime)
        .bind(upload.size as i64)
        .bind(received as i64)
        .bind(status)
        .bind(upload.sha256)
        .bind(upload.dimensions.map(|d| i64::from(d.0)))
        .bind(upload.dimensions.map(|d| i64::from(d.1)))
        .bind(now)
        .bind(upload.sha256.map(|_| now))
        .bind(now)
        .execute(self.pool())
        .await?;
        let fresh = inserted.rows_affected() == 1;
        let row = if fresh {
            self.upload(&id).await?
        } else {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM uploads WHERE room = $1 AND uploader = $2 AND client_id = $3"
            ))
            .bind(upload.room.as_str())
            .bind(&upload.uploader.0)
            .bind(upload.client_id)
            .try_map(|row| upload_from_row(&row))
            .fetch_optional(self.pool())
            .await?
        };
        row.map(|row| (row, fresh)).ok_or(sqlx::Error::RowNotFound)
    }

    /// The upload `id`, in whatever state.
    pub async fn upload(&self, id: &UploadId) -> Result<Option<UploadRow>, sqlx::Error> {
        if !is_lower_hex(&id.0, 32) {
            return Ok(None);
        }
        sqlx::query(&format!("SELECT {COLUMNS} FROM uploads WHERE id = $1"))
            .bind(&id.0)
            .try_map(|row| upload_from_row(&row))
            .fetch_optional(self.pool())
            .await
    }

    /// Notes how many bytes of an unfinished upload are stored.
    pub async fn set_received(&self, id: &UploadId, received: u64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE uploads SET received = $1, updated_at = $2 WHERE id = $3 AND status = 'uploading'",
        )
        .bind(received as i64)
        .bind(unix_millis())
        .bind(&id.0)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Makes `node` upload `id`'s writer until `until` (unix ms), if it is
    /// unfinished and nobody else's lease on it is running at `now`.
    pub async fn claim_upload(
        &self,
        id: &UploadId,
        node: &str,
        now: i64,
        until: i64,
    ) -> Result<bool, sqlx::Error> {
        let claimed = sqlx::query(
            "UPDATE uploads SET writer = $1, writer_until = $2
             WHERE id = $3 AND status = 'uploading'
             AND (writer IS NULL OR writer = $1 OR writer_until < $4)",
        )
        .bind(node)
        .bind(until)
        .bind(&id.0)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    /// Ends `node`'s lease on upload `id`, so another node may write it now.
    pub async fn release_upload(&self, id: &UploadId, node: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE uploads SET writer = NULL WHERE id = $1 AND writer = $2")
            .bind(&id.0)
            .bind(node)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Marks an upload complete: its bytes are the object `sha256`.
    pub async fn finish_upload(
        &self,
        id: &UploadId,
        sha256: &str,
        dimensions: Option<(u32, u32)>,
    ) -> Result<(), sqlx::Error> {
        let now = unix_millis();
        sqlx::query(
            "UPDATE uploads SET status = 'complete', received = size, sha256 = $1, width = $2,
                    height = $3, complete_at = $4, updated_at = $5
             WHERE id = $6 AND status = 'uploading'",
        )
        .bind(sha256)
        .bind(dimensions.map(|d| i64::from(d.0)))
        .bind(dimensions.map(|d| i64::from(d.1)))
        .bind(now)
        .bind(now)
        .bind(&id.0)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Ends an unfinished upload as cancelled or failed; `false` if it was
    /// not unfinished.
    pub async fn end_upload(&self, id: &UploadId, status: FileStatus) -> Result<bool, sqlx::Error> {
        let status = match status {
            FileStatus::Cancelled => "cancelled",
            _ => "failed",
        };
        let ended = sqlx::query(
            "UPDATE uploads SET status = $1, updated_at = $2 WHERE id = $3 AND status = 'uploading'",
        )
        .bind(status)
        .bind(unix_millis())
        .bind(&id.0)
        .execute(self.pool())
        .await?;
        Ok(ended.rows_affected() == 1)
    }

    /// Whether content `sha256` was already shared in `room` or by `user`:
    /// then an offer carrying the hash completes without the bytes. Only
    /// then: a hash alone must not hand out someone else's file (people
    /// publish hashes of files they keep private).
    pub async fn may_reuse(
        &self,
        sha256: &str,
        room: &RoomCode,
        user: &UserId,
    ) -> Result<bool, sqlx::Error> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM uploads WHERE sha256 = $1 AND status = 'complete'
             AND (room = $2 OR uploader = $3) LIMIT 1",
        )
        .bind(sha256)
        .bind(room.as_str())
        .bind(&user.0)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.is_some())
    }

    /// Unfinished uploads with no bytes since `before` (ms since the epoch).
    pub async fn stale_uploads(&self, before: i64) -> Result<Vec<UploadId>, sqlx::Error> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT id FROM uploads WHERE status = 'uploading' AND updated_at < $1")
                .bind(before)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(|(id,)| UploadId(id)).collect())
    }
}

/// Reads the [`COLUMNS`] of an upload.
pub fn upload_from_row(row: &sqlx::any::AnyRow) -> Result<UploadRow, sqlx::Error> {
    let room: String = row.try_get("room")?;
    let status: String = row.try_get("status")?;
    let width: Option<i64> = row.try_get("width")?;
    let height: Option<i64> = row.try_get("height")?;
    Ok(UploadRow {
        room: RoomCode::parse(&room).map_err(|e| sqlx::Error::Decode(e.to_string().into()))?,
        uploader: UserId(row.try_get("uploader")?),
        sha256: row.try_get("sha256")?,
        file: SharedFile {
            id: UploadId(row.try_get("id")?),
            name: row.try_get("name")?,
            size: row.try_get::<i64, _>("size")? as u64,
            mime: row.try_get("mime")?,
            received: row.try_get::<i64, _>("received")? as u64,
            status: match status.as_str() {
                "complete" => FileStatus::Complete,
                "cancelled" => FileStatus::Cancelled,
                "uploading" => FileStatus::Uploading,
                _ => FileStatus::Failed,
            },
            dimensions: width.zip(height).map(|(w, h)| (w as u32, h as u32)),
        },
    })
}

//! Durable state in SQLite: the database and its rooms. Room history lives
//! in `history.rs`.
//!
//! All SQL lives here. Queries are checked by the tests rather than at
//! compile time, so building needs no database.

use std::path::Path;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use app::protocol::{RoomCode, UserId, CODE_LEN};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// The database handle; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) `chatdrop.db` in `data_dir` and brings its
    /// schema up to date.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join("chatdrop.db");
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(&path)
            .create_if_missing(true)
            // WAL lets readers run beside the writer; NORMAL sync survives a
            // process crash (`kill -9`), which is what "committed" promises.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            // Deleted rows are overwritten, not left in free pages.
            .pragma("secure_delete", "ON")
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .with_context(|| format!("opening the database {}", path.display()))?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .context("migrating the database")?;
        Ok(Self { pool })
    }

    /// Creates a room with a fresh random code, and a password if
    /// `password_hash` (a PHC string) is given.
    /// It is deleted at `expires_at` (ms since the epoch), if given.
    pub async fn create_room(
        &self,
        creator: &UserId,
        password_hash: Option<&str>,
        expires_at: Option<i64>,
    ) -> Result<RoomCode, sqlx::Error> {
        loop {
            let code = RoomCode::from_indices(random_indices());
            let mut tx = self.pool.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO rooms (code, created_at, created_by, password_hash, expires_at)
                 VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (code) DO NOTHING",
            )
            .bind(code.as_str())
            .bind(unix_millis())
            .bind(&creator.0)
            .bind(password_hash)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            // A collision is astronomically unlikely; if it happens, draw again.
            if inserted.rows_affected() == 1 {
                sqlx::query("INSERT INTO room_owners (room, user_id) VALUES (?, ?)")
                    .bind(code.as_str())
                    .bind(&creator.0)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                return Ok(code);
            }
        }
    }

    /// Whether a room with this code exists.
    pub async fn room_exists(&self, code: &RoomCode) -> Result<bool, sqlx::Error> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM rooms WHERE code = ? AND gone_at IS NULL")
                .bind(code.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some())
    }

    /// Whether a room with this code exists (`None` if not), and its
    /// password's hash if it has one.
    pub async fn room_password(
        &self,
        code: &RoomCode,
    ) -> Result<Option<Option<String>>, sqlx::Error> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT password_hash FROM rooms WHERE code = ?")
                .bind(code.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(hash,)| hash))
    }

    /// Locks or unlocks room `code` for new members.
    pub async fn set_locked(&self, code: &RoomCode, locked: bool) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE rooms SET locked = ? WHERE code = ? AND gone_at IS NULL")
            .bind(locked)
            .bind(code.as_str())
            .execute(&self.pool)
            .await
            .map(drop)
    }

    /// Whether room `code` takes no new members.
    pub async fn is_locked(&self, code: &RoomCode) -> Result<bool, sqlx::Error> {
        let row: Option<(bool,)> = sqlx::query_as("SELECT locked FROM rooms WHERE code = ?")
            .bind(code.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some_and(|(locked,)| locked))
    }

    /// When room `code` will be deleted (ms since the epoch), if ever.
    pub async fn expires_at(&self, code: &RoomCode) -> Result<Option<i64>, sqlx::Error> {
        let row: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT expires_at FROM rooms WHERE code = ?")
                .bind(code.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(at,)| at))
    }

    /// Gives rooms made before lifetimes existed (marked `-1`) `lifetime`
    /// from now.
    pub async fn settle_old_rooms(
        &self,
        lifetime: std::time::Duration,
    ) -> Result<u64, sqlx::Error> {
        let at = unix_millis() + i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX / 2);
        let updated = sqlx::query("UPDATE rooms SET expires_at = ? WHERE expires_at = -1")
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(updated.rows_affected())
    }

    /// Closes every connection, checkpointing the write-ahead log.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The connection pool, for the other storage modules.
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// How many rooms exist; for tests and metrics.
    pub async fn room_count(&self) -> Result<i64, sqlx::Error> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM rooms")
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }
}

/// Uniform random indices into the code alphabet: rejection sampling keeps
/// every symbol equally likely (256 is not a multiple of 31).
fn random_indices() -> [u8; CODE_LEN] {
    use rand::Rng;
    let alphabet = app::protocol::CODE_ALPHABET.len() as u8;
    let limit = u8::MAX - (u8::MAX % alphabet);
    let mut rng = rand::rng();
    std::array::from_fn(|_| loop {
        let byte: u8 = rng.random();
        if byte < limit {
            break byte % alphabet;
        }
    })
}

/// Milliseconds since the Unix epoch.
pub fn unix_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

//! Durable state: the database and its rooms. Room history lives in
//! `history.rs`.
//!
//! One code path serves SQLite (the embedded default) and PostgreSQL
//! (several nodes): sqlx's `Any` driver picks the engine from the URL, the
//! SQL is what both understand (`$1` placeholders, `ON CONFLICT`,
//! `RETURNING`; flags as 0/1 integers, which `Any` reads the same from
//! both), and each engine has its own migrations for the same schema.
//! Queries are checked by the tests, run against both, rather than at
//! compile time, so building needs no database.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use app::protocol::{RoomCode, UserId, CODE_LEN};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

/// Which database engine a [`Store`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The database handle; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
}

/// How long a query waits for a connection before it fails.
const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// What every SQLite connection is set to. WAL lets readers run beside
/// the writer; NORMAL sync survives a process crash (`kill -9`), which is
/// what "committed" promises; deleted rows are overwritten, not left in
/// free pages.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
    PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;";

impl Store {
    /// Opens (creating if needed) `chatdrop.db` in `data_dir`.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        Self::connect("", data_dir).await
    }

    /// Connects to `url` (`sqlite://…` or `postgres://…`; empty: the
    /// SQLite file in `data_dir`) and brings its schema up to date.
    pub async fn connect(url: &str, data_dir: &Path) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let url = if url.is_empty() {
            sqlite_url(&data_dir.join("chatdrop.db"))?
        } else {
            url.to_owned()
        };
        let engine = Self::engine_of(&url);
        if engine == Engine::Sqlite && !url.starts_with("sqlite:") {
            anyhow::bail!("--database-url must start with sqlite:// or postgres://");
        }
        let options: AnyConnectOptions = url.parse().context("reading --database-url")?;
        // Statements are logged at debug level, not info: one per message.
        let options = options.log_statements(tracing::log::LevelFilter::Debug);
        let pool = AnyPoolOptions::new()
            .max_connections(if engine == Engine::Sqlite { 8 } else { 16 })
            // While the database is away, a send fails within seconds with
            // "try again" instead of hanging for sqlx's default 30 s.
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("opening the database {}", redact(&url)))?;
        let migrations = match engine {
            Engine::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Engine::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrations
            .run(&pool)
            .await
            .context("migrating the database")?;
        Ok(Self { pool, engine })
    }

    /// The engine this store runs on.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The engine `--database-url` `url` names (empty: SQLite).
    pub fn engine_of(url: &str) -> Engine {
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Engine::Postgres
        } else {
            Engine::Sqlite
        }
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
                 VALUES ($1, $2, $3, $4, $5)
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
                sqlx::query("INSERT INTO room_owners (room, user_id) VALUES ($1, $2)")
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
            sqlx::query_as("SELECT 1 FROM rooms WHERE code = $1 AND gone_at IS NULL")
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
            sqlx::query_as("SELECT password_hash FROM rooms WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(hash,)| hash))
    }

    /// Locks or unlocks room `code` for new members.
    pub async fn set_locked(&self, code: &RoomCode, locked: bool) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE rooms SET locked = $1 WHERE code = $2 AND gone_at IS NULL")
            .bind(i64::from(locked))
            .bind(code.as_str())
            .execute(&self.pool)
            .await
            .map(drop)
    }

    /// Whether room `code` takes no new members.
    pub async fn is_locked(&self, code: &RoomCode) -> Result<bool, sqlx::Error> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT locked FROM rooms WHERE code = $1")
            .bind(code.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some_and(|(locked,)| locked != 0))
    }

    /// When room `code` will be deleted (ms since the epoch), if ever.
    pub async fn expires_at(&self, code: &RoomCode) -> Result<Option<i64>, sqlx::Error> {
        let row: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT expires_at FROM rooms WHERE code = $1")
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
        let updated = sqlx::query("UPDATE rooms SET expires_at = $1 WHERE expires_at = -1")
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(updated.rows_affected())
    }

    /// Whether the database answers a query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }

    /// Closes every connection, checkpointing the write-ahead log.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The connection pool, for the other storage modules (and tests that
    /// set up a state the server can't reach by itself, such as an old
    /// schema's rows).
    pub fn pool(&self) -> &AnyPool {
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

/// `sqlite://PATH?mode=rwc` (create if missing) for a file, its path
/// absolute and its `%`, `?` and `#` escaped as the URL needs.
fn sqlite_url(path: &Path) -> anyhow::Result<String> {
    let path = std::path::absolute(path).context("finding the data dir")?;
    let path = path
        .to_str()
        .context("the data dir's path must be valid UTF-8")?;
    let escaped = path
        .replace('%', "%25")
        .replace('?', "%3F")
        .replace('#', "%23");
    Ok(format!("sqlite://{escaped}?mode=rwc"))
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("…"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Milliseconds since the Unix epoch.
pub fn unix_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

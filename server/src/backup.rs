//! `chatdrop backup DIR` and `chatdrop restore DIR`: a consistent copy of
//! a data dir on SQLite, taken while the server runs, and a fresh data dir
//! made from one.
//!
//! The database is copied with `VACUUM INTO`, which reads one snapshot
//! (the server goes on writing meanwhile); then every stored file that
//! snapshot's complete uploads name is copied, and the session key (so
//! people stay signed in after a restore). Files are content-addressed and
//! never change, so copying them after the snapshot is safe; one deleted
//! in between is reported. Uploads still in flight are not copied: after
//! a restore they can't be resumed. A restore checks every file against
//! its SHA-256 before it is used. On PostgreSQL, `pg_dump` is the backup
//! (docs/DEPLOY.md).

use std::path::Path;

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};

use crate::files::{hex, is_lower_hex, FileStore};
use crate::store::{Engine, Store};

/// What a backup or restore holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rooms and events in the database.
    pub rooms: u64,
    pub events: u64,
    /// Stored files copied, and their bytes.
    pub files: u64,
    pub bytes: u64,
    /// Files the database names that were gone from the data dir.
    pub missing: u64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} rooms, {} events, {} files ({})",
            self.rooms,
            self.events,
            self.files,
            app::units::bytes(self.bytes)
        )?;
        if self.missing > 0 {
            write!(
                f,
                "; {} files the database names were missing",
                self.missing
            )?;
        }
        Ok(())
    }
}

const DATABASE: &str = "chatdrop.db";
const SESSION_KEY: &str = "session.key";

/// Copies the data dir `data_dir` (its database at `database_url`) into
/// `dir`, which must be empty or not exist yet.
pub async fn backup(database_url: &str, data_dir: &Path, dir: &Path) -> anyhow::Result<Summary> {
    refuse_postgres(database_url)?;
    if !data_dir.join(DATABASE).is_file() && database_url.is_empty() {
        bail!("{} holds no Chatdrop database", data_dir.display());
    }
    empty_dir(dir)?;
    let live = Store::connect(database_url, data_dir).await?;
    let copy = dir.join(DATABASE);
    let target = copy
        .to_str()
        .context("the backup's path must be valid UTF-8")?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(live.pool())
        .await
        .context("copying the database")?;
    live.close().await;
    let copied = Store::connect("", dir).await?;
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(copied.pool())
        .await?;
    if check != "ok" {
        bail!("the copied database fails its integrity check: {check}");
    }
    let mut summary = count(&copied).await?;
    let wanted: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT sha256 FROM uploads WHERE status = 'complete' AND sha256 IS NOT NULL",
    )
    .fetch_all(copied.pool())
    .await?;
    copied.close().await;
    let (live_files, copied_files) = (FileStore::at(data_dir), FileStore::at(dir));
    for (sha256,) in wanted {
        let Some(from) = live_files.object_path(&sha256) else {
            continue;
        };
        match std::fs::metadata(&from) {
            Ok(meta) if meta.is_file() => {
                copy_file(&from, &copied_files.object_path(&sha256).context("hash")?)?;
                summary.files += 1;
                summary.bytes += meta.len();
            }
            _ => summary.missing += 1,
        }
    }
    copy_file(&data_dir.join(SESSION_KEY), &dir.join(SESSION_KEY))?;
    Ok(summary)
}

/// Fills `data_dir` (empty or new) from the backup in `dir`.
pub async fn restore(database_url: &str, dir: &Path, data_dir: &Path) -> anyhow::Result<Summary> {
    refuse_postgres(database_url)?;
    for needed in [DATABASE, SESSION_KEY] {
        if !dir.join(needed).is_file() {
            bail!(
                "{} is not a Chatdrop backup: it has no {needed}",
                dir.display()
            );
        }
    }
    empty_dir(data_dir)?;
    // Every file is checked before anything is trusted.
    let mut files = Vec::new();
    let objects = dir.join("uploads").join("objects");
    if objects.is_dir() {
        for shard in std::fs::read_dir(&objects)? {
            for entry in std::fs::read_dir(shard?.path())? {
                let path = entry?.path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if !is_lower_hex(name, 64) || sha256_of(&path)? != name {
                    bail!(
                        "{} is damaged: its bytes don't match its name",
                        path.display()
                    );
                }
                files.push((name.to_owned(), path));
            }
        }
    }
    copy_file(&dir.join(DATABASE), &data_dir.join(DATABASE))?;
    copy_file(&dir.join(SESSION_KEY), &data_dir.join(SESSION_KEY))?;
    let mut bytes = 0;
    let restored = FileStore::at(data_dir);
    for (sha256, from) in &files {
        let to = restored.object_path(sha256).context("hash")?;
        bytes += copy_file(from, &to)?;
    }
    // Opening it brings an older backup's schema up to date.
    let store = Store::connect("", data_dir).await?;
    let mut summary = count(&store).await?;
    store.close().await;
    summary.files = files.len() as u64;
    summary.bytes = bytes;
    Ok(summary)
}

fn refuse_postgres(database_url: &str) -> anyhow::Result<()> {
    if Store::engine_of(database_url) == Engine::Postgres {
        bail!(
            "the database is PostgreSQL: back it up with pg_dump, and copy the data dir's \
             uploads/objects and session.key (docs/DEPLOY.md)"
        );
    }
    Ok(())
}

/// Makes sure `dir` exists and holds nothing.
fn empty_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    if std::fs::read_dir(dir)?.next().is_some() {
        bail!("{} is not empty", dir.display());
    }
    Ok(())
}

async fn count(store: &Store) -> anyhow::Result<Summary> {
    let (rooms,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM rooms")
        .fetch_one(store.pool())
        .await?;
    let (events,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events")
        .fetch_one(store.pool())
        .await?;
    Ok(Summary {
        rooms: rooms as u64,
        events: events as u64,
        ..Summary::default()
    })
}

/// Copies `from` to `to` (making its folder), flushed to disk; its size.
fn copy_file(from: &Path, to: &Path) -> anyhow::Result<u64> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let bytes = std::fs::copy(from, to).with_context(|| format!("copying {}", from.display()))?;
    std::fs::File::open(to)?.sync_all()?;
    Ok(bytes)
}

fn sha256_of(path: &Path) -> anyhow::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

//! The blocking side of an upload, run on tokio's blocking threads so no
//! disk or hash work ever stalls a socket: opening a partial file (and
//! re-hashing what it holds after a restart), appending a chunk while
//! hashing it, and sealing a finished file into the object store.

use std::io::{ErrorKind, Seek, SeekFrom, Write};
use std::path::PathBuf;

use axum::body::Bytes;
use sha2::{Digest, Sha256};

use crate::files::{self, FileStore};

/// An unfinished upload's open partial file and the hash of what it holds.
pub struct Writer {
    file: std::fs::File,
    hasher: Sha256,
}

/// What sealing a finished upload produced.
pub struct Sealed {
    /// The content's hash: the stored object's name.
    pub sha256: String,
    /// Pixel size, for an image whose header could be read.
    pub dimensions: Option<(u32, u32)>,
}

/// An image's pixel size from its header, if it can be read.
pub fn image_size(path: &std::path::Path) -> Option<(u32, u32)> {
    let size = imagesize::size(path).ok()?;
    Some((
        u32::try_from(size.width).ok()?,
        u32::try_from(size.height).ok()?,
    ))
}

/// Runs `work` on a blocking thread; a panic there reads as an I/O error.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|_| Err(std::io::Error::other("a blocking task panicked")))
}

impl Writer {
    /// Opens `path` for appending; returns the writer and how many bytes
    /// the file holds (hashed on the way, so the upload can continue).
    pub async fn open(path: PathBuf) -> std::io::Result<(Writer, u64)> {
        blocking(move || {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path)?;
            let len = file.metadata()?.len();
            let hasher = files::hash_prefix(&mut file, len)?;
            file.seek(SeekFrom::Start(len))?;
            Ok((Writer { file, hasher }, len))
        })
        .await
    }

    /// Appends `payload`, hashing it beside the write on a second thread:
    /// hashing is the larger cost, and the disk needn't wait for it.
    /// `disk_full` makes the write fail as a full disk would (a test hook).
    /// An error ends the upload, so the writer is only given back on success.
    pub async fn append(self, payload: Bytes, disk_full: bool) -> std::io::Result<Writer> {
        let Writer {
            mut file,
            mut hasher,
        } = self;
        let to_hash = payload.clone();
        let write = tokio::task::spawn_blocking(move || {
            let result = if disk_full {
                Err(std::io::Error::from(ErrorKind::StorageFull))
            } else {
                file.write_all(&payload)
            };
            (file, result)
        });
        let hash = tokio::task::spawn_blocking(move || {
            hasher.update(&to_hash);
            hasher
        });
        match tokio::join!(write, hash) {
            (Ok((file, Ok(()))), Ok(hasher)) => Ok(Writer { file, hasher }),
            (Ok((_, Err(error))), _) => Err(error),
            _ => Err(std::io::Error::other("a chunk write task panicked")),
        }
    }

    /// Finishes the file: fsync, hash, read an image's size, and move it
    /// into the object store under its hash (or drop it if that content is
    /// there already).
    pub async fn seal(
        self,
        path: PathBuf,
        files: FileStore,
        image: bool,
    ) -> anyhow::Result<Sealed> {
        tokio::task::spawn_blocking(move || {
            self.file.sync_all()?;
            let sha256 = files::hex(&self.hasher.finalize());
            let dimensions = if image { image_size(&path) } else { None };
            drop(self.file);
            files.adopt(&path, &sha256)?;
            Ok(Sealed { sha256, dimensions })
        })
        .await?
    }
}

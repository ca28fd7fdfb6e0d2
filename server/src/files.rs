//! The content-addressed file store: every file's bytes live once, under
//! `data/uploads/objects/<first two hex>/<sha256>`, whatever it was called
//! and however often it was shared. Paths come only from hashes this module
//! computed, never from anything a user typed.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

/// Where shared files live.
#[derive(Clone, Debug)]
pub struct FileStore {
    objects: PathBuf,
    partial: PathBuf,
}

impl FileStore {
    /// Opens (creating) the store under `data_dir/uploads`.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let store = Self::at(data_dir);
        for dir in [&store.objects, &store.partial] {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        Ok(store)
    }

    /// The file store of `data_dir`, as it is: nothing is created.
    pub fn at(data_dir: &Path) -> Self {
        let root = data_dir.join("uploads");
        Self {
            objects: root.join("objects"),
            partial: root.join("partial"),
        }
    }

    /// The path of the object with this hash, if the hash is well-formed
    /// (64 lowercase hex digits).
    pub fn object_path(&self, sha256: &str) -> Option<PathBuf> {
        is_lower_hex(sha256, 64).then(|| self.objects.join(&sha256[..2]).join(sha256))
    }

    /// Stores `bytes` (fsynced, then renamed into place, so a crash never
    /// leaves a half-written object under its hash) and returns the hash.
    /// Content already present is not written again.
    pub fn put(&self, bytes: &[u8]) -> anyhow::Result<String> {
        let sha256 = hex(&Sha256::digest(bytes));
        let path = self.object_path(&sha256).context("hash")?;
        if path.is_file() {
            return Ok(sha256);
        }
        let temp = self
            .partial
            .join(format!("put-{:032x}", rand::random::<u128>()));
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        self.commit(&temp, &path)?;
        Ok(sha256)
    }

    /// Where upload `id`'s bytes collect until it is complete, if the id is
    /// well-formed (32 lowercase hex digits).
    pub fn partial_path(&self, id: &str) -> Option<PathBuf> {
        is_lower_hex(id, 32).then(|| self.partial.join(id))
    }

    /// The folder of unfinished uploads, for the sweeper.
    pub fn partial_dir(&self) -> &Path {
        &self.partial
    }

    /// Moves a finished, fsynced temporary file in as the object `sha256`;
    /// if the store has that content already, the temporary file is dropped.
    pub fn adopt(&self, temp: &Path, sha256: &str) -> anyhow::Result<()> {
        let path = self.object_path(sha256).context("hash")?;
        if path.is_file() {
            std::fs::remove_file(temp)?;
            return Ok(());
        }
        self.commit(temp, &path)
    }

    /// Moves a finished temporary file to its object path.
    fn commit(&self, temp: &Path, object: &Path) -> anyhow::Result<()> {
        if let Some(dir) = object.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::rename(temp, object)?;
        if let Some(dir) = object.parent() {
            // Make the rename itself durable.
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

/// Whether `text` is exactly `len` lowercase hex digits: the only shape of
/// id or hash that is ever looked up or turned into a path.
pub fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file's first `len` bytes, read in blocks (memory stays
/// flat): how an upload interrupted by a restart recovers its hash state.
pub fn hash_prefix(file: &mut std::fs::File, len: u64) -> std::io::Result<Sha256> {
    use std::io::Read;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let want = buffer
            .len()
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        let read = file.read(&mut buffer[..want])?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        left -= read as u64;
    }
    Ok(hasher)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_content_is_stored_once_under_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path()).unwrap();
        let a = store.put(b"hello").unwrap();
        assert_eq!(
            a,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(store.put(b"hello").unwrap(), a);
        assert_eq!(
            std::fs::read(store.object_path(&a).unwrap()).unwrap(),
            b"hello"
        );
        assert_eq!(
            std::fs::read_dir(dir.path().join("uploads/objects"))
                .unwrap()
                .count(),
            1
        );
    }

    #[test]
    fn only_real_hashes_name_paths() {
        let store = FileStore::open(tempfile::tempdir().unwrap().path()).unwrap();
        assert!(store.object_path("../../etc/passwd").is_none());
        assert!(store.object_path(&"A".repeat(64)).is_none());
        assert!(store.object_path(&"a".repeat(63)).is_none());
        assert!(store.object_path(&"a".repeat(64)).is_some());
    }
}

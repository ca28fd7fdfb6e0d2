//! The sweep of abandoned uploads: unfinished ones idle too long end as
//! failed (their bytes deleted), and stray partial files go.

use std::sync::Arc;
use std::time::Duration;

use app::protocol::{FileStatus, UploadId};

use super::pipeline::blocking;
use super::{Active, Transfers};
use crate::files;
use crate::store::unix_millis;

impl Transfers {
    /// Ends uploads that received nothing for `idle`, deleting their
    /// bytes, and removes stray files from the partial folder.
    pub async fn sweep(&self, idle: Duration) -> Result<usize, sqlx::Error> {
        let before = unix_millis() - i64::try_from(idle.as_millis()).unwrap_or(i64::MAX);
        let stale = self.store.stale_uploads(before).await?;
        let mut swept = 0;
        for id in &stale {
            let Some(row) = self.store.upload(id).await? else {
                continue;
            };
            let active = match self.lookup(id) {
                Some(active) => active,
                None => Arc::new(tokio::sync::Mutex::new(Active::idle(row))),
            };
            let mut state = active.lock().await;
            self.end(&mut state, FileStatus::Failed).await;
            swept += 1;
        }
        for (name, path) in self.old_partial_files(idle).await {
            // Files no unfinished upload owns: leftovers of a crash
            // mid-rename or of an interrupted small-file write.
            let owned = files::is_lower_hex(&name, 32) && {
                let row = self.store.upload(&UploadId(name)).await?;
                row.is_some_and(|r| r.file.status == FileStatus::Uploading)
            };
            if !owned {
                let _ = blocking(move || std::fs::remove_file(path)).await;
            }
        }
        if swept > 0 {
            tracing::info!(swept, "abandoned uploads swept");
        }
        Ok(swept)
    }

    /// Files in the partial folder not modified for `idle`, by name.
    async fn old_partial_files(&self, idle: Duration) -> Vec<(String, std::path::PathBuf)> {
        let dir = self.files.partial_dir().to_path_buf();
        let listed = blocking(move || {
            let cutoff = std::time::SystemTime::now() - idle;
            let mut old = Vec::new();
            for entry in std::fs::read_dir(dir)?.flatten() {
                let stale = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t < cutoff);
                if stale {
                    old.push((
                        entry.file_name().to_string_lossy().into_owned(),
                        entry.path(),
                    ));
                }
            }
            Ok(old)
        });
        listed.await.unwrap_or_default()
    }
}

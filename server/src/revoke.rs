//! Downloads in flight stop when their file is deleted: each streaming
//! download holds a [`Watch`] on its upload id, and deleting the file (or
//! its room) cancels every watch on it, so the connection is cut instead of
//! finishing from the already-open file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

/// The downloads in flight, by upload id.
#[derive(Default)]
pub struct Revocations {
    // Held only to look up, insert or remove, never across an `.await`.
    live: Mutex<HashMap<String, (CancellationToken, usize)>>,
}

/// One download's hold on its upload id; dropping it lets go.
pub struct Watch {
    registry: Arc<Revocations>,
    id: String,
    token: CancellationToken,
}

impl Revocations {
    /// Starts watching upload `id` for one download.
    pub fn watch(self: &Arc<Self>, id: &str) -> Watch {
        let mut live = self.lock();
        let entry = live
            .entry(id.to_owned())
            .or_insert_with(|| (CancellationToken::new(), 0));
        entry.1 += 1;
        Watch {
            registry: self.clone(),
            id: id.to_owned(),
            token: entry.0.clone(),
        }
    }

    /// Cuts every download of upload `id` now.
    pub fn revoke(&self, id: &str) {
        if let Some((token, _)) = self.lock().remove(id) {
            token.cancel();
        }
    }

    /// How many uploads have downloads in flight; for tests.
    pub fn watched(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (CancellationToken, usize)>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut live = self.registry.lock();
        if let Some(entry) = live.get_mut(&self.id) {
            entry.1 -= 1;
            if entry.1 == 0 {
                live.remove(&self.id);
            }
        }
    }
}

impl Watch {
    /// `body`, ending in an error (which aborts the connection) once the
    /// file is deleted.
    pub fn guard(self, body: Body) -> Body {
        let token = self.token.clone();
        let cut = token.clone().cancelled_owned();
        let tail = futures_util::stream::once(async move {
            let _watch = self;
            if token.is_cancelled() {
                Err(std::io::Error::other("the file was deleted"))
            } else {
                Ok(Bytes::new())
            }
        });
        Body::from_stream(
            body.into_data_stream()
                .map(|r| r.map_err(std::io::Error::other))
                .take_until(cut)
                .chain(tail),
        )
    }
}

//! `GET /healthz` and `GET /readyz`, for a load balancer, a supervisor or
//! an orchestrator. Healthy: the process answers. Ready: it can do its
//! job: the database answers, the files directory takes writes, and the
//! disk has room. A `503` says which of these failed.

use std::path::PathBuf;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// How long the database has to answer.
const DATABASE_WAIT: Duration = Duration::from_secs(2);

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Response {
    answer(StatusCode::OK, "ok\n".into())
}

/// `GET /readyz`: `200 ready`, or `503 not ready: <why>`.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match ready(&state).await {
        Ok(()) => answer(StatusCode::OK, "ready\n".into()),
        Err(why) => {
            tracing::warn!(%why, "not ready");
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("not ready: {why}\n"),
            )
        }
    }
}

fn answer(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

async fn ready(state: &AppState) -> Result<(), String> {
    let chatdrop = &state.chatdrop;
    match tokio::time::timeout(DATABASE_WAIT, chatdrop.store.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => return Err(format!("the database: {error}")),
        Err(_) => return Err("the database did not answer within 2 s".into()),
    }
    let dir = chatdrop.files.partial_dir().to_path_buf();
    let min_free = chatdrop.min_free_disk;
    tokio::task::spawn_blocking(move || disk_ready(dir, min_free))
        .await
        .map_err(|e| format!("checking the disk: {e}"))?
}

/// Whether `dir` takes a write, and its file system has `min_free` bytes
/// free for people who aren't root.
fn disk_ready(dir: PathBuf, min_free: u64) -> Result<(), String> {
    let probe = dir.join(format!(".ready-{}", std::process::id()));
    std::fs::write(&probe, b"ready")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| format!("the files directory {} is not writable: {e}", dir.display()))?;
    let stats = rustix::fs::statvfs(&dir).map_err(|e| format!("reading free disk space: {e}"))?;
    let free = stats.f_bavail.saturating_mul(stats.f_frsize);
    if free < min_free {
        return Err(format!(
            "{} free on the data dir's disk, below {} (--min-free-disk-bytes)",
            app::units::bytes(free),
            app::units::bytes(min_free)
        ));
    }
    Ok(())
}

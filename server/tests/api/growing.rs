//! Downloads that start while the file is still being uploaded: they
//! stream what is stored, wait for the rest and end with the last byte,
//! or fail when the upload does.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use app::protocol::{FileStatus, UploadId};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use crate::bytes::noise;
use crate::helpers::{sign_in, TestApp};
use crate::ws::Ws;

const CHUNK: usize = 256 * 1024;

/// A server, Ada's socket and her offer of `size` noise bytes named
/// `name`, with a count of the bytes the server has stored so far.
async fn uploading(
    name: &str,
    size: usize,
    seed: u64,
) -> (TestApp, Ws, Vec<u8>, UploadId, Arc<AtomicU64>) {
    let app = TestApp::spawn().await;
    let ada = sign_in(&app, "Ada", None).await;
    let mut ws = Ws::join(&app, &ada, 0).await;
    let bytes = noise(size, seed);
    let (upload, _) = ws.offer("f-1", name, &bytes, None).await.unwrap();
    (app, ws, bytes, upload, Arc::default())
}

/// What a download read to its end got: bytes stored when its first
/// arrived, and the SHA-256 and length of all, or the error that ended it.
type Downloaded = (u64, Result<(String, u64), String>);

/// A download read to its end on its own task.
fn start_download(
    app: &TestApp,
    upload: &UploadId,
    stored: Arc<AtomicU64>,
) -> tokio::task::JoinHandle<Downloaded> {
    let url = app.url(&upload.href());
    tokio::spawn(async move {
        let mut response = reqwest::get(url).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let (mut hash, mut len, mut first_at) = (Sha256::new(), 0u64, None);
        loop {
            match response.chunk().await {
                Ok(None) => break,
                Ok(Some(bytes)) => {
                    first_at.get_or_insert(stored.load(Ordering::SeqCst));
                    hash.update(&bytes);
                    len += bytes.len() as u64;
                }
                Err(error) => return (first_at.unwrap_or(0), Err(error.to_string())),
            }
        }
        let hex = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        (first_at.unwrap_or(0), Ok((hex, len)))
    })
}

/// Sends `bytes[from..to]` in the browser's chunk size, noting what is stored.
async fn send(
    ws: &mut Ws,
    upload: &UploadId,
    bytes: &[u8],
    from: usize,
    to: usize,
    stored: &AtomicU64,
) {
    let mut at = from;
    while at < to {
        let end = (at + CHUNK).min(to);
        let now = ws
            .put(upload, at as u64, &bytes[at..end])
            .await
            .expect("chunk stored");
        stored.store(now, Ordering::SeqCst);
        at = end;
    }
}

#[tokio::test]
async fn a_200_mb_download_started_at_10_percent_ends_byte_identical() {
    let (app, mut ws, bytes, upload, stored) = uploading("film.mkv", 200 << 20, 11).await;
    let tenth = bytes.len() / 10;
    send(&mut ws, &upload, &bytes, 0, tenth, &stored).await;

    let download = start_download(&app, &upload, stored.clone());
    send(&mut ws, &upload, &bytes, tenth, bytes.len(), &stored).await;
    ws.status(&upload, FileStatus::Complete).await;
    let (first_at, done) = tokio::time::timeout(Duration::from_secs(120), download)
        .await
        .unwrap()
        .unwrap();
    let (sha256, len) = done.expect("the download completes");
    assert_eq!(len, bytes.len() as u64);
    let expected: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sha256, expected);
    assert!(
        first_at < bytes.len() as u64 / 2,
        "bytes arrived while the upload ran (first at {first_at} stored)"
    );
}

#[tokio::test]
async fn a_cancelled_upload_fails_its_download_instead_of_ending_it_short() {
    let (app, mut ws, bytes, upload, stored) = uploading("draft.bin", 8 << 20, 12).await;
    send(&mut ws, &upload, &bytes, 0, 2 << 20, &stored).await;
    let download = start_download(&app, &upload, stored.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    ws.send(&app::protocol::ClientMsg::CancelUpload {
        upload: upload.clone(),
    })
    .await;
    let (_, done) = tokio::time::timeout(Duration::from_secs(30), download)
        .await
        .unwrap()
        .unwrap();
    assert!(
        done.is_err(),
        "a cancelled upload must fail the download: {done:?}"
    );
    let after = reqwest::get(app.url(&upload.href())).await.unwrap();
    assert_eq!(after.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_range_within_the_stored_part_is_served_at_once_and_past_the_end_refused() {
    let (app, mut ws, bytes, upload, stored) = uploading("parts.bin", 4 << 20, 13).await;
    send(&mut ws, &upload, &bytes, 0, 1 << 20, &stored).await;
    let client = reqwest::Client::new();
    let get = |range: &'static str| {
        client
            .get(app.url(&upload.href()))
            .header("range", range)
            .send()
    };

    let part = tokio::time::timeout(Duration::from_secs(5), get("bytes=1000-1999"))
        .await
        .expect("served without waiting for the rest")
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 1000-1999/{}", bytes.len())
    );
    assert_eq!(part.bytes().await.unwrap(), bytes[1000..2000]);

    let past = get("bytes=99999999-").await.unwrap();
    assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        past.headers()["content-range"],
        format!("bytes */{}", bytes.len())
    );
}

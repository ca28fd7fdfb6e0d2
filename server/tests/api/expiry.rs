//! Rooms whose lifetime ends are deleted for good: their messages, files
//! and partial uploads, with shared content kept while another room still
//! uses it; the address answers 410, also after a restart.

use std::time::Duration;

use app::protocol::UploadId;
use reqwest::StatusCode;

use crate::helpers::{alert, sign_in, Member, Page, TestApp};
use crate::ws::Ws;

async fn fast_sweeping() -> TestApp {
    TestApp::spawn_with(|c| c.hooks.room_sweep_every = Some(Duration::from_millis(100))).await
}

/// Ends room `member.room`'s lifetime now, as time passing would.
async fn expire(app: &TestApp, member: &Member) {
    sqlx::query("UPDATE rooms SET expires_at = 1 WHERE code = $1")
        .bind(member.code().replace('-', ""))
        .execute(app.store.pool())
        .await
        .unwrap();
}

/// Whether any file under `dir` contains `needle`.
pub fn found_in(dir: &std::path::Path, needle: &[u8]) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(found_in(&path, needle));
        } else if let Ok(bytes) = std::fs::read(&path) {
            if bytes.windows(needle.len()).any(|w| w == needle) {
                found.push(path);
            }
        }
    }
    found
}

async fn status_of(app: &TestApp, path: &str) -> StatusCode {
    reqwest::get(app.url(path)).await.unwrap().status()
}

fn bytes(tag: &str, len: usize) -> Vec<u8> {
    tag.bytes().cycle().take(len).collect()
}

#[tokio::test]
async fn an_expired_room_is_deleted_for_good_but_shared_content_stays() {
    let app = fast_sweeping().await;
    let alice = sign_in(&app, "Alice", None).await;
    let carol = sign_in(&app, "Carol", None).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    a.say("m1", "the secret plan is 7731").await;
    a.ack().await;
    let only_here = bytes("only-in-alices-room ", 50_000);
    let shared = bytes("in-both-rooms ", 40_000);
    let mine: UploadId = a.upload("f1", "plan.bin", &only_here).await;
    let both: UploadId = a.upload("f2", "common.bin", &shared).await;
    let (partial, _) = a
        .offer("f3", "half.bin", &bytes("half-sent ", 30_000), None)
        .await
        .unwrap();
    a.chunk(&partial, 0, &bytes("half-sent ", 10_000)).await;
    let mut c = Ws::join(&app, &carol, 0).await;
    let carols: UploadId = c.upload("g1", "common.bin", &shared).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(status_of(&app, &mine.href()).await, StatusCode::OK);

    expire(&app, &alice).await;
    assert_eq!(
        a.closed().await,
        Some(4410),
        "her tab is told the room is gone"
    );

    let response = alice.get(&app, &alice.room).await;
    assert_eq!(response.status(), StatusCode::GONE);
    let html = response.text().await.unwrap();
    assert_eq!(
        Page::parse(&html).text("h1").as_deref(),
        Some("This room has expired")
    );
    assert_eq!(
        status_of(&app, &alice.room).await,
        StatusCode::GONE,
        "for anyone"
    );

    let join = app
        .person()
        .post_form(
            "/",
            &[("name", "Bob"), ("code", alice.code()), ("action", "join")],
        )
        .await;
    assert_eq!(join.status(), StatusCode::GONE);
    assert_eq!(
        alert(&join.text().await.unwrap()).as_deref(),
        Some("This room has expired.")
    );

    assert_eq!(status_of(&app, &mine.href()).await, StatusCode::NOT_FOUND);
    assert_eq!(status_of(&app, &both.href()).await, StatusCode::NOT_FOUND);
    let download = reqwest::get(app.url(&carols.href())).await.unwrap();
    assert_eq!(
        download.status(),
        StatusCode::OK,
        "Carol's room still has the content"
    );
    assert_eq!(download.bytes().await.unwrap().as_ref(), shared.as_slice());

    assert_eq!(
        app.stored(b"the secret plan is 7731").await,
        Vec::<String>::new()
    );
    assert_eq!(app.stored(&only_here[..2_000]).await, Vec::<String>::new());
    assert_eq!(
        app.stored(&bytes("half-sent ", 2_000)).await,
        Vec::<String>::new()
    );
    assert!(
        !app.stored(&shared[..2_000]).await.is_empty(),
        "shared bytes kept"
    );
    c.say("g2", "still here").await;
    c.ack().await;
}

#[tokio::test]
async fn a_room_that_expired_while_the_server_was_down_is_deleted_at_start() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    a.say("m1", "written before the restart 4411").await;
    a.ack().await;
    drop(a);
    expire(&app, &alice).await;
    let app = app.restart().await;
    let mut gone = false;
    for _ in 0..50 {
        if status_of(&app, &alice.room).await == StatusCode::GONE {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone, "the room answers 410 soon after the start");
    let found = app
        .eventually_stored(b"written before the restart 4411")
        .await;
    assert_eq!(found, Vec::<String>::new());
}

#[tokio::test]
async fn a_room_expiring_mid_upload_and_mid_download_cuts_both() {
    let app = fast_sweeping().await;
    let alice = sign_in(&app, "Alice", None).await;
    let big = bytes("big-download ", 48 << 20);
    let href = app
        .share(alice.code(), "big.bin", "application/octet-stream", &big)
        .await;
    let mut a = Ws::join(&app, &alice, 0).await;
    let half = bytes("mid-upload ", 200_000);
    let (partial, _) = a.offer("f2", "half.bin", &half, None).await.unwrap();
    a.chunk(&partial, 0, &half[..50_000]).await;

    let mut download = reqwest::get(app.url(&href)).await.unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    let mut got = download.chunk().await.unwrap().unwrap().len();
    expire(&app, &alice).await;
    assert_eq!(a.closed().await, Some(4410), "the upload's socket closes");
    let cut = loop {
        match download.chunk().await {
            Ok(Some(chunk)) => got += chunk.len(),
            Ok(None) => break false,
            Err(_) => break true,
        }
    };
    assert!(
        cut,
        "the download is cut, not finished ({got} of {} bytes)",
        big.len()
    );
    assert!(got < big.len());
    assert_eq!(status_of(&app, &href).await, StatusCode::NOT_FOUND);
    let found = app.eventually_stored(b"mid-upload ").await;
    assert!(found.is_empty(), "the partial upload is still in {found:?}");
    let found = app.eventually_stored(b"big-download ").await;
    assert!(found.is_empty(), "the file is still in {found:?}");
}

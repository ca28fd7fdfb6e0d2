//! Sharing files over the room's socket: offers, chunks, progress, resume,
//! dedup, and every kind of bad input (issue #4, point 7).

use std::time::Duration;

use app::protocol::{ClientMsg, ErrorCode, EventKind, FileStatus, ServerMsg, SharedFile, UploadId};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use crate::bytes::noise;
use crate::helpers::{free_port, sign_in, start_binary, test_database, Member, Page, TestApp};
use crate::ws::Ws;

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn download(app: &TestApp, upload: &UploadId) -> reqwest::Response {
    reqwest::get(app.url(&upload.href())).await.unwrap()
}

/// The bytes `/uploads/{upload}` serves.
async fn downloaded(app: &TestApp, upload: &UploadId) -> Vec<u8> {
    download(app, upload).await.bytes().await.unwrap().to_vec()
}

/// Alice and Bob in one room, both connected.
async fn pair(app: &TestApp) -> (Member, Ws, Member, Ws) {
    let alice = sign_in(app, "Alice", None).await;
    let bob = sign_in(app, "Bob", Some(alice.code())).await;
    let a = Ws::join(app, &alice, 0).await;
    let b = Ws::join(app, &bob, 0).await;
    (alice, a, bob, b)
}

/// The next shared-file event.
async fn file_event(ws: &mut Ws) -> SharedFile {
    loop {
        if let EventKind::File { file } = ws.event().await.kind {
            return file;
        }
    }
}

/// Every file under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .map(|e| e.unwrap().path())
        .flat_map(|p| if p.is_dir() { files_under(&p) } else { vec![p] })
        .collect()
}

#[tokio::test]
async fn a_file_goes_up_in_chunks_and_the_room_sees_progress_then_a_link() {
    let app = TestApp::spawn().await;
    let (alice, mut a, _bob, mut b) = pair(&app).await;
    let bytes = noise(3 * 1024 * 1024 + 17, 1);
    let (upload, offset) = a.offer("f1", "holiday.bin", &bytes, None).await.unwrap();
    assert_eq!(offset, 0);

    let seen = file_event(&mut b).await;
    assert_eq!(seen.id, upload);
    assert_eq!(seen.name, "holiday.bin");
    assert_eq!(seen.size, bytes.len() as u64);
    assert_eq!(seen.status, FileStatus::Uploading);
    // Downloadable already (growing.rs has the rest): the whole size is
    // promised, nothing is cached.
    let early = download(&app, &upload).await;
    assert_eq!(early.status(), StatusCode::OK);
    assert_eq!(early.content_length(), Some(bytes.len() as u64));
    assert_eq!(early.headers()["cache-control"], "no-store");
    drop(early);

    // Slowly enough that the room hears about progress along the way.
    let half = bytes.len() / 2;
    a.send_from(&upload, &bytes[..half], 0, 256 * 1024).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    a.send_from(&upload, &bytes, half, 256 * 1024).await;
    let mut progress = Vec::new();
    b.until(|m| match m {
        ServerMsg::Progress {
            received, status, ..
        } => {
            progress.push(*received);
            (*status == FileStatus::Complete).then_some(())
        }
        _ => None,
    })
    .await;
    assert!(
        progress.len() >= 2,
        "live progress before the end: {progress:?}"
    );
    assert_eq!(progress.last(), Some(&(bytes.len() as u64)));

    let response = download(&app, &upload).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["etag"].to_str().unwrap(),
        format!("\"{}\"", sha(&bytes))
    );
    let got = response.bytes().await.unwrap();
    assert_eq!(sha(&got), sha(&bytes));

    // The room page (no JavaScript) links the file by its name and size.
    let page = Page::parse(&alice.page(&app, &format!("/room/{}", alice.code())).await);
    let link = format!(r#"a.file-name[href="/uploads/{}"]"#, upload.0);
    assert_eq!(
        page.text(&link).as_deref(),
        Some("holiday.bin"),
        "link in the page"
    );
    assert_eq!(
        page.text("span.file-meta").as_deref(),
        Some("3.0 MB · application/octet-stream")
    );
}

#[tokio::test]
async fn a_file_entry_survives_a_restart_with_its_link() {
    let app = TestApp::spawn().await;
    let (alice, mut a, _bob, _b) = pair(&app).await;
    let upload = a.upload("f1", "notes.txt", b"kept across restarts").await;
    a.status(&upload, FileStatus::Complete).await;
    drop(a);
    let app = app.restart().await;
    let mut a = Ws::join(&app, &alice, 0).await;
    let file = file_event(&mut a).await;
    assert_eq!(file.id, upload);
    assert_eq!(file.status, FileStatus::Complete);
    assert_eq!(
        download(&app, &upload)
            .await
            .bytes()
            .await
            .unwrap()
            .as_ref(),
        b"kept across restarts"
    );
}

#[tokio::test]
async fn the_size_limit_is_checked_on_the_offer_and_on_the_bytes() {
    let app = TestApp::spawn_with(|c| c.max_file_bytes = 1000).await;
    let (_alice, mut a, _bob, _b) = pair(&app).await;
    assert_eq!(
        a.offer_size("big", "big.bin", 1001, None).await,
        Err(ErrorCode::FileTooLarge)
    );
    let bytes = noise(1000, 2);
    let (upload, _) = a.offer("ok", "ok.bin", &bytes, None).await.unwrap();
    // More bytes than offered: refused, nothing written.
    assert_eq!(
        a.put(&upload, 0, &noise(1001, 3)).await,
        Err((ErrorCode::FileTooLarge, None))
    );
    assert_eq!(a.put(&upload, 0, &bytes[..600]).await, Ok(600));
    assert_eq!(
        a.put(&upload, 600, &noise(401, 4)).await,
        Err((ErrorCode::FileTooLarge, None))
    );
    assert_eq!(a.put(&upload, 600, &bytes[600..]).await, Ok(1000));
    a.status(&upload, FileStatus::Complete).await;
    assert_eq!(downloaded(&app, &upload).await, bytes);
}

#[tokio::test]
async fn chunks_at_the_wrong_offset_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (_alice, mut a, _bob, _b) = pair(&app).await;
    let bytes = noise(300, 5);
    let (upload, _) = a.offer("f", "f.bin", &bytes, None).await.unwrap();
    assert_eq!(a.put(&upload, 0, &bytes[..100]).await, Ok(100));
    let junk = noise(100, 6);
    // A duplicate, an overlap, a gap: each refused with where to continue.
    for (offset, payload) in [(0, &junk[..]), (50, &junk[..]), (200, &junk[..])] {
        assert_eq!(
            a.put(&upload, offset, payload).await,
            Err((ErrorCode::BadOffset, Some(100))),
            "chunk at {offset}"
        );
    }
    a.send_from(&upload, &bytes, 100, 64).await;
    a.status(&upload, FileStatus::Complete).await;
    let got = download(&app, &upload).await.bytes().await.unwrap();
    assert_eq!(
        got.as_ref(),
        bytes,
        "the stored file is exactly the original"
    );
}

#[tokio::test]
async fn nobody_else_can_touch_an_upload_and_bad_frames_are_refused() {
    let app = TestApp::spawn().await;
    let (_alice, mut a, bob, mut b) = pair(&app).await;
    let bytes = noise(200, 7);
    let (upload, _) = a.offer("f", "f.bin", &bytes, None).await.unwrap();
    assert_eq!(a.put(&upload, 0, &bytes[..100]).await, Ok(100));

    // Bob, in the same room, can't write, resume or cancel Alice's upload.
    assert_eq!(
        b.put(&upload, 100, &noise(100, 8)).await,
        Err((ErrorCode::UnknownUpload, None))
    );
    assert_eq!(
        b.resume_upload(&upload).await,
        Err(ErrorCode::UnknownUpload)
    );
    b.send(&ClientMsg::CancelUpload {
        upload: upload.clone(),
    })
    .await;
    assert_eq!(b.error_code().await, ErrorCode::UnknownUpload);
    // An id nobody made, and a frame too short to have a header.
    let made_up = UploadId("00000000000000000000000000000001".into());
    assert_eq!(
        b.put(&made_up, 0, b"x").await,
        Err((ErrorCode::UnknownUpload, None))
    );
    b.stream
        .send(tokio_tungstenite::tungstenite::Message::binary(vec![
            1, 2, 3,
        ]))
        .await
        .unwrap();
    let code = b.error_code().await;
    assert_eq!(code, ErrorCode::BadFrame);
    // The connection is still fine, and so is Alice's upload.
    b.say("still-here", "chat still works").await;
    b.ack().await;
    a.send_from(&upload, &bytes, 100, 64).await;
    a.status(&upload, FileStatus::Complete).await;
    assert_eq!(downloaded(&app, &upload).await, bytes);
    // Someone from another room can't see it in their socket either.
    let carol = sign_in(&app, "Carol", None).await;
    let mut c = Ws::join(&app, &carol, 0).await;
    assert_eq!(
        c.resume_upload(&upload).await,
        Err(ErrorCode::UnknownUpload)
    );
    drop(bob);
}

use futures_util::SinkExt;

#[tokio::test]
async fn hostile_file_names_are_stored_by_id_shown_literally_and_header_safe() {
    let app = TestApp::spawn().await;
    let (alice, mut a, _bob, _b) = pair(&app).await;
    let long = "n".repeat(296) + ".txt";
    let names = [
        "../x",
        "/etc/passwd",
        "",
        ".",
        long.as_str(),
        "two\r\nlines.txt",
        "quote\"and'apostrophe.txt",
        "<img src=x onerror=alert(1)>",
    ];
    for (i, name) in names.iter().enumerate() {
        let content = format!("file number {i}");
        let upload = a.upload(&format!("n{i}"), name, content.as_bytes()).await;
        a.status(&upload, FileStatus::Complete).await;
        assert!(upload.0.len() == 32 && upload.0.bytes().all(|b| b.is_ascii_hexdigit()));
        let response = download(&app, &upload).await;
        assert_eq!(response.status(), StatusCode::OK, "{name:?}");
        let disposition = response.headers()["content-disposition"].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment; filename=\""),
            "{disposition}"
        );
        assert!(!disposition.contains('\r') && !disposition.contains('\n'));
        assert_eq!(disposition.matches('"').count(), 2, "{disposition}");
        assert_eq!(response.text().await.unwrap(), content);
    }
    // Nothing was written anywhere a name points at: every stored file is
    // the database or under uploads/ by hash.
    for path in files_under(&app.config.data_dir) {
        let rel = path.strip_prefix(&app.config.data_dir).unwrap();
        let rel = rel.to_string_lossy();
        assert!(
            rel.starts_with("uploads/objects/")
                || rel.starts_with("chatdrop.db")
                || rel == "session.key",
            "unexpected file {rel}"
        );
    }
    // The page shows each name as text, never as markup.
    let page = Page::parse(&alice.page(&app, &format!("/room/{}", alice.code())).await);
    let names = page.texts("a.file-name");
    for name in [
        "<img src=x onerror=alert(1)>",
        "../x",
        "/etc/passwd",
        "Unnamed file",
        &long,
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "{name:?} shown as text in {names:?}"
        );
    }
    assert_eq!(page.count(r#"img[src="x"]"#), 0, "never as markup");
    // A name over 1024 bytes is refused outright.
    assert_eq!(
        a.offer("huge-name", &"x".repeat(1025), b"x", None).await,
        Err(ErrorCode::BadOffer)
    );
}

#[tokio::test]
async fn a_dropped_connection_pauses_downloads_until_the_resume_completes_them() {
    let app = TestApp::spawn().await;
    let (alice, mut a, _bob, _b) = pair(&app).await;
    let bytes = noise(1024 * 1024, 9);
    let (upload, _) = a.offer("f", "f.bin", &bytes, None).await.unwrap();
    a.send_from(&upload, &bytes[..400_000], 0, 100_000).await;
    drop(a); // the connection drops mid-upload
             // A download started meanwhile gets what is stored, then waits for
             // the rest (never a short file as complete).
    let mut waiting = download(&app, &upload).await;
    assert_eq!(waiting.status(), StatusCode::OK);
    assert_eq!(waiting.content_length(), Some(bytes.len() as u64));
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        while let Some(piece) = waiting.chunk().await.expect("the download goes on") {
            got.extend_from_slice(&piece);
        }
        got
    });

    let mut a = Ws::join(&app, &alice, 0).await;
    let offset = a.resume_upload(&upload).await.unwrap();
    assert_eq!(offset, 400_000);
    // Offering it again under the same id finds the same upload.
    assert_eq!(
        a.offer("f", "f.bin", &bytes, None).await,
        Ok((upload.clone(), 400_000))
    );
    a.send_from(&upload, &bytes, 400_000, 100_000).await;
    a.status(&upload, FileStatus::Complete).await;
    let got = download(&app, &upload).await.bytes().await.unwrap();
    assert_eq!(sha(&got), sha(&bytes));
    let waited = tokio::time::timeout(Duration::from_secs(10), reader)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        sha(&waited),
        sha(&bytes),
        "the download that waited ends identical"
    );
}

#[tokio::test]
async fn a_full_disk_stops_the_upload_clearly_and_chat_keeps_working() {
    let app = TestApp::spawn_with(|c| c.hooks.disk_full_after = Some(100_000)).await;
    let (_alice, mut a, _bob, mut b) = pair(&app).await;
    let bytes = noise(300_000, 10);
    let (upload, _) = a.offer("f", "f.bin", &bytes, None).await.unwrap();
    assert_eq!(a.put(&upload, 0, &bytes[..64_000]).await, Ok(64_000));
    a.chunk(&upload, 64_000, &bytes[64_000..128_000]).await;
    let (code, message) = a
        .until(|m| match m {
            ServerMsg::Error { code, message, .. } => Some((*code, message.clone())),
            _ => None,
        })
        .await;
    assert_eq!(code, ErrorCode::DiskFull);
    assert!(message.contains("disk is full"), "{message}");
    b.status(&upload, FileStatus::Failed).await;
    assert_eq!(
        download(&app, &upload).await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(
        files_under(&app.config.data_dir.join("uploads/partial")).is_empty(),
        "the partial bytes are deleted"
    );
    // Chat is unaffected.
    a.say("after", "still talking").await;
    assert_eq!(b.message().await.1, "still talking");
    // And the upload can't be continued.
    assert_eq!(
        a.put(&upload, 64_000, &bytes[64_000..65_000]).await,
        Err((ErrorCode::UnknownUpload, None))
    );
}

#[tokio::test]
async fn content_the_room_already_has_completes_at_once() {
    let app = TestApp::spawn().await;
    let (_alice, mut a, bob, mut b) = pair(&app).await;
    let bytes = noise(500_000, 11);
    let first = a.upload("f", "original.bin", &bytes).await;
    a.status(&first, FileStatus::Complete).await;

    // Bob shares the same content: no bytes needed.
    let (copy, offset) = b
        .offer("g", "copy.bin", &bytes, Some(sha(&bytes)))
        .await
        .unwrap();
    assert_eq!(offset, bytes.len() as u64);
    assert_ne!(copy, first);
    let event = file_event(&mut a).await;
    let event = if event.id == first {
        file_event(&mut a).await
    } else {
        event
    };
    assert_eq!(event.id, copy);
    assert_eq!(event.status, FileStatus::Complete);
    let got = download(&app, &copy).await.bytes().await.unwrap();
    assert_eq!(got.as_ref(), bytes);
    let objects = files_under(&app.config.data_dir.join("uploads/objects"));
    assert_eq!(objects.len(), 1, "stored once");

    // Someone in another room who only knows the hash must send the bytes.
    let carol = sign_in(&app, "Carol", None).await;
    let mut c = Ws::join(&app, &carol, 0).await;
    let (_, offset) = c
        .offer("h", "guess.bin", &bytes, Some(sha(&bytes)))
        .await
        .unwrap();
    assert_eq!(offset, 0);
    drop(bob);
}

#[tokio::test]
async fn cancelling_discards_the_bytes_and_tells_the_room() {
    let app = TestApp::spawn().await;
    let (_alice, mut a, _bob, mut b) = pair(&app).await;
    let bytes = noise(200_000, 12);
    let (upload, _) = a.offer("f", "f.bin", &bytes, None).await.unwrap();
    a.send_from(&upload, &bytes[..100_000], 0, 50_000).await;
    a.send(&ClientMsg::CancelUpload {
        upload: upload.clone(),
    })
    .await;
    b.status(&upload, FileStatus::Cancelled).await;
    assert!(files_under(&app.config.data_dir.join("uploads/partial")).is_empty());
    assert_eq!(
        a.put(&upload, 100_000, &bytes[100_000..]).await,
        Err((ErrorCode::UnknownUpload, None))
    );
    assert_eq!(
        download(&app, &upload).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn abandoned_uploads_are_swept() {
    let app = TestApp::spawn_with(|c| c.abandoned_upload_secs = 1).await;
    let (alice, mut a, _bob, mut b) = pair(&app).await;
    let bytes = noise(100_000, 13);
    let (upload, _) = a.offer("f", "f.bin", &bytes, None).await.unwrap();
    a.send_from(&upload, &bytes[..50_000], 0, 50_000).await;
    drop(a);
    b.status(&upload, FileStatus::Failed).await;
    assert!(files_under(&app.config.data_dir.join("uploads/partial")).is_empty());
    let mut a = Ws::join(&app, &alice, 0).await;
    assert_eq!(
        a.resume_upload(&upload).await,
        Err(ErrorCode::UnknownUpload)
    );
}

#[tokio::test]
async fn an_empty_file_is_complete_at_once() {
    let app = TestApp::spawn().await;
    let (_alice, mut a, _bob, _b) = pair(&app).await;
    let (upload, offset) = a.offer("e", "empty.txt", b"", None).await.unwrap();
    assert_eq!(offset, 0);
    let response = download(&app, &upload).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_image_gets_its_dimensions_for_the_preview() {
    let app = TestApp::spawn().await;
    let (alice, mut a, _bob, mut b) = pair(&app).await;
    // A 3×2 PNG header is all the size reader needs.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x03\0\0\0\x02\x08\x02\0\0\0".to_vec();
    png.extend_from_slice(&[0; 64]);
    a.send(&ClientMsg::Offer {
        id: app::protocol::ClientMsgId("img".into()),
        name: "dot.png".into(),
        size: png.len() as u64,
        mime: "image/png".into(),
        sha256: None,
    })
    .await;
    let upload = a
        .until(|m| match m {
            ServerMsg::Upload { upload, .. } => Some(upload.clone()),
            _ => None,
        })
        .await;
    a.send_from(&upload, &png, 0, 1024).await;
    // Bob's resume may be handled after the upload finished: then the
    // replayed event already carries the result, and no progress follows.
    let file = file_event(&mut b).await;
    let dimensions = if file.status == FileStatus::Complete {
        file.dimensions
    } else {
        b.until(|m| match m {
            ServerMsg::Progress {
                status: FileStatus::Complete,
                dimensions,
                ..
            } => Some(*dimensions),
            _ => None,
        })
        .await
    };
    assert_eq!(dimensions, Some((3, 2)));
    let page = Page::parse(&alice.page(&app, &format!("/room/{}", alice.code())).await);
    let preview = format!(r#"button.preview img[src="/uploads/{}"]"#, upload.0);
    assert_eq!(page.count(&preview), 1, "inline preview");
    assert_eq!(page.attr(&preview, "width").as_deref(), Some("3"));
    assert_eq!(page.attr(&preview, "height").as_deref(), Some("2"));

    // The same photo shared again is complete at once (its content is
    // known) and still knows its size, so its box is reserved too.
    let sha256 = server::files::hex(&<sha2::Sha256 as sha2::Digest>::digest(&png));
    a.send(&ClientMsg::Offer {
        id: app::protocol::ClientMsgId("img-again".into()),
        name: "dot again.png".into(),
        size: png.len() as u64,
        mime: "image/png".into(),
        sha256: Some(sha256),
    })
    .await;
    let again = loop {
        let file = file_event(&mut b).await;
        if file.name == "dot again.png" {
            break file;
        }
    };
    assert_eq!(again.status, FileStatus::Complete, "no bytes needed");
    assert_eq!(again.dimensions, Some((3, 2)));
    let page = Page::parse(&alice.page(&app, &format!("/room/{}", alice.code())).await);
    let preview = format!(r#"button.preview img[src="/uploads/{}"]"#, again.id.0);
    assert_eq!(page.attr(&preview, "width").as_deref(), Some("3"));
}

#[tokio::test]
async fn kill_9_mid_upload_then_restart_resumes_to_the_same_sha256() {
    const SIZE: usize = 500 * 1024 * 1024;
    const CHUNK: usize = 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let database = test_database();
    let start = || start_binary(dir.path(), &database, port);
    // 500 MiB made and hashed chunk by chunk: one block of noise, stamped
    // with its index so no two chunks are alike.
    let block = noise(CHUNK, 42);
    let chunk_at = |i: usize| {
        let mut chunk = block.clone();
        chunk[..8].copy_from_slice(&(i as u64).to_le_bytes());
        chunk
    };
    let mut hasher = Sha256::new();
    for i in 0..SIZE / CHUNK {
        hasher.update(chunk_at(i));
    }
    let expected: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

    let mut child = start();
    let app = TestApp::external(port).await;
    let alice = sign_in(&app, "Alice", None).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    let (upload, _) = a
        .offer_size("big", "big.iso", SIZE as u64, None)
        .await
        .unwrap();
    // Send half, with a few chunks in flight, then kill the server hard.
    let mut acked = 0u64;
    for i in 0..SIZE / CHUNK / 2 {
        a.chunk(&upload, (i * CHUNK) as u64, &chunk_at(i)).await;
        if i >= 4 {
            acked = a.until(received).await;
        }
    }
    child.kill().unwrap(); // SIGKILL: no shutdown, no fsync
    child.wait().unwrap();
    assert!(acked >= (SIZE / 2 - 5 * CHUNK) as u64);

    let mut child = start();
    let app = TestApp::external(port).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    let offset = a.resume_upload(&upload).await.unwrap();
    assert!(
        offset >= acked,
        "at least everything acknowledged: {offset} < {acked}"
    );
    // Continue from the server's offset, which need not be chunk-aligned.
    let mut at = offset as usize;
    while at < SIZE {
        let i = at / CHUNK;
        let end = ((i + 1) * CHUNK).min(SIZE);
        let bytes = chunk_at(i);
        a.chunk(&upload, at as u64, &bytes[at - i * CHUNK..]).await;
        at = end;
        a.until(received).await;
    }
    a.status(&upload, FileStatus::Complete).await;
    let response = download(&app, &upload).await;
    assert_eq!(
        response.headers()["etag"].to_str().unwrap(),
        format!("\"{expected}\"")
    );
    // The stored object's own bytes hash to the original's SHA-256.
    let object = dir
        .path()
        .join("uploads/objects")
        .join(&expected[..2])
        .join(&expected);
    let mut file = std::fs::File::open(&object).unwrap();
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).unwrap();
    let stored: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(stored, expected);
    child.kill().unwrap();
    child.wait().unwrap();
}

fn received(m: &ServerMsg) -> Option<u64> {
    match m {
        ServerMsg::Received { offset, .. } => Some(*offset),
        ServerMsg::Error { message, .. } => panic!("refused: {message}"),
        _ => None,
    }
}

#[tokio::test]
async fn a_flood_of_tiny_chunks_is_closed_with_1008() {
    let app = TestApp::spawn().await;
    let (_alice, mut a, _bob, _b) = pair(&app).await;
    // Tiny binary frames as fast as possible, without reading the refusals.
    for _ in 0..20_000 {
        let frame = tokio_tungstenite::tungstenite::Message::binary(vec![0u8; 3]);
        if a.stream.send(frame).await.is_err() {
            break;
        }
    }
    assert_eq!(a.closed().await, Some(1008));
}

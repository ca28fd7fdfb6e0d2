//! `chatdrop backup` of a running server and `chatdrop restore` into an
//! empty data dir: a fresh server on the restored dir shows the same
//! history, keeps people signed in, and serves byte-identical downloads.

use std::process::{Command, Output};

use reqwest::StatusCode;

use crate::bytes::noise;
use crate::helpers::{free_port, sign_in, start_binary, test_database, Page, TestApp};
use crate::ws::Ws;

fn chatdrop(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chatdrop"))
        .args(args)
        .env("RUST_LOG", "error")
        .output()
        .expect("run chatdrop")
}

#[tokio::test]
async fn a_backup_of_a_running_server_restores_into_a_server_with_the_same_history_and_files() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let mut ws = Ws::join(&app, &alice, 0).await;
    for text in ["Before the backup", "Still before"] {
        ws.say(text, text).await;
        ws.ack().await;
    }
    let bytes = noise(300_000, 42);
    let upload = ws.upload("f1", "notes.bin", &bytes).await;

    let backups = tempfile::tempdir().unwrap();
    let dir = backups.path().join("monday");
    let data = app.config.data_dir.as_os_str();
    let database = app.config.database_url.clone();
    let mut args = vec![
        "--data-dir".as_ref(),
        data,
        "--database-url".as_ref(),
        database.as_ref(),
        "backup".as_ref(),
        dir.as_os_str(),
    ];
    let out = chatdrop(&args);
    if !database.is_empty() {
        // On PostgreSQL the tool says what to use instead.
        assert!(!out.status.success());
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("back it up with pg_dump"), "{said}");
        return;
    }
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("1 rooms, ") && said.contains("1 files"),
        "{said}"
    );
    // The server goes on; what happens after the backup isn't in it.
    ws.say("After the backup", "After the backup").await;
    ws.ack().await;
    // A second backup into the same folder is refused.
    let again = chatdrop(&args);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));

    let restored = tempfile::tempdir().unwrap();
    args[1] = restored.path().as_os_str();
    args[4] = "restore".as_ref();
    let out = chatdrop(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let port = free_port();
    let mut child = start_binary(restored.path(), &test_database(), port);
    let base = format!("http://127.0.0.1:{port}");
    let mut page = None;
    for _ in 0..200 {
        let response = reqwest::Client::new()
            .get(format!("{base}{}", alice.room))
            .header("cookie", &alice.cookie)
            .send()
            .await;
        if let Ok(response) = response {
            page = Some((response.status(), response.text().await.unwrap()));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let (status, html) = page.expect("the restored server answers");
    assert_eq!(status, StatusCode::OK, "Alice is still signed in");
    let texts = Page::parse(&html).texts("li .text");
    assert!(texts.iter().any(|t| t == "Before the backup"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "Still before"), "{texts:?}");
    assert!(!texts.iter().any(|t| t == "After the backup"), "{texts:?}");
    let download = reqwest::Client::new()
        .get(format!("{base}{}", upload.href()))
        .header("cookie", &alice.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn a_damaged_backup_is_refused_before_anything_is_restored() {
    if !test_database().is_empty() {
        return; // SQLite backups only; the PostgreSQL refusal is above.
    }
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let mut ws = Ws::join(&app, &alice, 0).await;
    ws.upload("f1", "notes.bin", &noise(10_000, 7)).await;
    let backups = tempfile::tempdir().unwrap();
    let dir = backups.path().join("b");
    let out = chatdrop(&[
        "--data-dir".as_ref(),
        app.config.data_dir.as_os_str(),
        "backup".as_ref(),
        dir.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Flip one byte of the stored file.
    let shard = std::fs::read_dir(dir.join("uploads/objects"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let file = std::fs::read_dir(shard.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut stored = std::fs::read(&file).unwrap();
    stored[0] ^= 1;
    std::fs::write(&file, stored).unwrap();
    let target = tempfile::tempdir().unwrap();
    let out = chatdrop(&[
        "--data-dir".as_ref(),
        target.path().as_os_str(),
        "restore".as_ref(),
        dir.as_os_str(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is damaged"));
    assert!(
        std::fs::read_dir(target.path()).unwrap().next().is_none(),
        "nothing restored"
    );
}

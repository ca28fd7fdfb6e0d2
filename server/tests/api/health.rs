//! `/healthz` and `/readyz`: up, ready, and not ready with the reason when
//! the files directory turns read-only or the disk is too full.

use std::process::Command;

use reqwest::StatusCode;

use crate::helpers::{http, TestApp};

async fn get(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = http().get(app.url(path)).send().await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn a_healthy_ready_server_says_so() {
    let app = TestApp::spawn().await;
    assert_eq!(get(&app, "/healthz").await, (StatusCode::OK, "ok\n".into()));
    assert_eq!(
        get(&app, "/readyz").await,
        (StatusCode::OK, "ready\n".into())
    );
}

#[tokio::test]
async fn a_read_only_files_directory_is_not_ready_and_says_why() {
    let app = TestApp::spawn().await;
    let partial = app.config.data_dir.join("uploads").join("partial");
    // A read-only file system over the directory uploads are written to:
    // unlike permission bits, root can't write through it either. Where
    // mounting isn't allowed, a file where the directory was breaks it
    // the same way for everyone.
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs"])
        .arg(&partial)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let aside = partial.with_extension("aside");
    if !mounted {
        std::fs::rename(&partial, &aside).unwrap();
        std::fs::write(&partial, b"not a directory").unwrap();
    }
    let (status, body) = get(&app, "/readyz").await;
    if mounted {
        let unmounted = Command::new("umount").arg(&partial).status().unwrap();
        assert!(unmounted.success());
    } else {
        std::fs::remove_file(&partial).unwrap();
        std::fs::rename(&aside, &partial).unwrap();
    }
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.starts_with("not ready: the files directory"), "{body}");
    assert!(body.contains("not writable"), "{body}");
    // The health of the process is another matter.
    assert_eq!(get(&app, "/healthz").await.0, StatusCode::OK);
    assert_eq!(get(&app, "/readyz").await.0, StatusCode::OK, "ready again");
}

#[tokio::test]
async fn a_disk_below_the_free_space_floor_is_not_ready() {
    let app = TestApp::spawn_with(|config| config.min_free_disk_bytes = u64::MAX).await;
    let (status, body) = get(&app, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        body.contains("free on the data dir's disk, below"),
        "{body}"
    );
}

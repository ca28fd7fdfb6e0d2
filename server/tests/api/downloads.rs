//! `GET /uploads/{id}`: the bytes, safe headers, ranges, and nothing else.

use reqwest::StatusCode;

use crate::helpers::{sign_in, TestApp};

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

#[tokio::test]
async fn an_image_is_served_inline_with_safe_headers() {
    let app = TestApp::spawn().await;
    let room = sign_in(&app, "Alice", None).await;
    let png = b"\x89PNG\r\n\x1a\nnot really a png but bytes are bytes";
    let path = app.share(room.code(), "cat.png", "image/png", png).await;
    let response = get(&app, &path, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "content-type"), "image/png");
    assert!(header(&response, "content-disposition").starts_with("inline; filename=\"cat.png\""));
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(&response, "content-security-policy"),
        "sandbox; default-src 'none'"
    );
    let etag = header(&response, "etag").to_owned();
    assert_eq!(etag.len(), 66, "the content hash, quoted: {etag}");
    assert_eq!(response.bytes().await.unwrap().as_ref(), png);

    let again = get(&app, &path, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn html_svg_and_scripts_are_attachments_never_inline() {
    let app = TestApp::spawn().await;
    let room = sign_in(&app, "Alice", None).await;
    for (name, mime) in [
        ("<img src=x onerror=alert(1)>.html", "text/html"),
        ("logo.svg", "image/svg+xml"),
        ("app.js", "text/javascript"),
        ("sneaky.png", "text/html; charset=utf-8"),
    ] {
        let path = app
            .share(room.code(), name, mime, b"<script>alert(1)</script>")
            .await;
        let response = get(&app, &path, &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        assert_eq!(
            header(&response, "content-type"),
            "application/octet-stream",
            "{name}"
        );
        let disposition = header(&response, "content-disposition");
        assert!(
            disposition.starts_with("attachment; "),
            "{name}: {disposition}"
        );
        assert_eq!(
            header(&response, "content-security-policy"),
            "sandbox; default-src 'none'"
        );
    }
    let path = app
        .share(
            room.code(),
            "<img src=x onerror=alert(1)>.html",
            "text/html",
            b"x",
        )
        .await;
    let response = get(&app, &path, &[]).await;
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"_img src_x onerror_alert(1)_.html\"; filename*=UTF-8''%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.html"
    );
}

#[tokio::test]
async fn ranges_resume_a_download() {
    let app = TestApp::spawn().await;
    let room = sign_in(&app, "Alice", None).await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let path = app
        .share(room.code(), "data.bin", "application/octet-stream", &bytes)
        .await;
    let response = get(&app, &path, &[("range", "bytes=5000-")]).await;
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&response, "content-range"), "bytes 5000-9999/10000");
    assert_eq!(response.bytes().await.unwrap().as_ref(), &bytes[5000..]);
    let response = get(&app, &path, &[("range", "bytes=10-19")]).await;
    assert_eq!(response.bytes().await.unwrap().as_ref(), &bytes[10..20]);
}

#[tokio::test]
async fn traversal_and_unknown_ids_are_404_and_read_nothing_outside_the_store() {
    let app = TestApp::spawn().await;
    let room = sign_in(&app, "Alice", None).await;
    app.share(room.code(), "x.txt", "text/plain", b"inside")
        .await;
    for path in [
        "/uploads/..%2fchatdrop.db",
        "/uploads/..%2F..%2Fsession.key",
        "/uploads/%2e%2e",
        "/uploads/%2e%2e%2fsession.key",
        "/uploads/..%5c..%5csession.key",
        "/uploads/%252e%252e%252fsession.key",
        "/uploads/%2fetc%2fpasswd",
        "/uploads/00000000000000000000000000000000",
        "/uploads/x.txt",
        "/uploads/../chatdrop.db",
        "/uploads/%2e%2e/%2e%2e/etc/passwd",
    ] {
        // Sent byte for byte: an HTTP client library would normalize some
        // of these before they reached the server.
        let (status, body) = raw_get(&app, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            !body.contains("CREATE TABLE") && !body.contains("SQLite"),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn a_symlink_planted_in_the_store_is_not_followed() {
    let app = TestApp::spawn().await;
    let room = sign_in(&app, "Alice", None).await;
    let path = app
        .share(room.code(), "x.txt", "text/plain", b"original")
        .await;
    let response = get(&app, &path, &[]).await;
    let sha = header(&response, "etag").trim_matches('"').to_owned();
    let object = app.files().object_path(&sha).unwrap();
    std::fs::remove_file(&object).unwrap();
    let secret = app.config.data_dir.join("session.key");
    std::os::unix::fs::symlink(&secret, &object).unwrap();
    assert_eq!(get(&app, &path, &[]).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_unfinished_upload_without_its_bytes_on_disk_is_404() {
    let app = TestApp::spawn().await;
    let room = sign_in(&app, "Alice", None).await;
    let code = app::protocol::RoomCode::parse(room.code()).unwrap();
    let uploader = app::protocol::UserId("u".into());
    let upload = server::uploads::NewUpload {
        room: &code,
        uploader: &uploader,
        client_id: None,
        name: "big.iso",
        mime: "application/octet-stream",
        size: 1 << 30,
        sha256: None,
        dimensions: None,
    };
    let (row, _) = app.store.insert_upload(upload).await.unwrap();
    assert_eq!(
        get(&app, &row.file.id.href(), &[]).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn identical_content_is_stored_once() {
    let app = TestApp::spawn().await;
    let room = sign_in(&app, "Alice", None).await;
    let a = app
        .share(room.code(), "a.txt", "text/plain", b"same bytes")
        .await;
    let b = app
        .share(room.code(), "b.txt", "text/plain", b"same bytes")
        .await;
    assert_ne!(a, b, "two uploads, two links");
    let objects = walk(&app.config.data_dir.join("uploads/objects"));
    assert_eq!(objects, 1);
    let response = get(&app, &b, &[]).await;
    assert!(header(&response, "content-disposition").contains("b.txt"));
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| if p.is_dir() { walk(&p) } else { 1 })
        .sum()
}

/// `GET path` exactly as given; the status code and body.
async fn raw_get(app: &TestApp, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        app.addr
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

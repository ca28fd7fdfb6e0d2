//! The original app's room routes: `/room`, `/room/{code}`, `/leave`.

use reqwest::StatusCode;

use crate::helpers::{alert, input_value, location, Page, TestApp};

#[tokio::test]
async fn room_redirects_to_your_room_or_home() {
    let app = TestApp::spawn().await;
    let alice = app.person();
    let response = alice.get("/room").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/");

    let room = alice.create_room("Alice").await;
    let response = alice.get("/room").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), room);
}

#[tokio::test]
async fn leaving_redirects_home_and_keeps_the_name() {
    let app = TestApp::spawn().await;
    let alice = app.person();
    let room = alice.create_room("Alice").await;
    let response = alice.post_form("/leave", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let code = room.trim_start_matches("/room/");
    assert_eq!(location(&response), format!("/?left={code}"));
    assert_eq!(location(&alice.get("/room").await), "/");

    let html = alice
        .get(&format!("/?left={code}"))
        .await
        .text()
        .await
        .unwrap();
    let page = Page::parse(&html);
    assert_eq!(
        page.text("h1").as_deref(),
        Some(format!("You left room {code}").as_str()),
        "{html}"
    );
    assert_eq!(
        page.text(r#"button[value="join"]"#).as_deref(),
        Some("Rejoin")
    );
    assert_eq!(
        page.attr(r#"input[name="code"]"#, "value").as_deref(),
        Some(code),
        "Rejoin keeps the code"
    );
    let html = alice.get("/").await.text().await.unwrap();
    assert_eq!(input_value(&html, "login-name").as_deref(), Some("Alice"));
    // The room is no longer hers: its page is the login form again.
    let html = alice.get(&room).await.text().await.unwrap();
    assert_eq!(Page::parse(&html).count("button.leave"), 0, "{html}");
}

#[tokio::test]
async fn an_invite_link_shows_the_login_form_with_the_code_filled_in() {
    let app = TestApp::spawn().await;
    let room = app.person().create_room("Alice").await;
    let code = room.trim_start_matches("/room/");

    let bob = app.person();
    let response = bob.get(&room).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert_eq!(input_value(&html, "login-code").as_deref(), Some(code));
    assert_eq!(input_value(&html, "login-name").as_deref(), Some(""));
    assert!(
        Page::parse(&html)
            .text("p.lede")
            .is_some_and(|t| t.contains("invited to room")),
        "{html}"
    );
    assert_eq!(alert(&html), None);

    let response = bob.login("Bob", code, "join").await;
    assert_eq!(location(&response), room);
}

#[tokio::test]
async fn a_lowercase_invite_link_works_too() {
    let app = TestApp::spawn().await;
    let room = app.person().create_room("Alice").await;
    let html = app
        .person()
        .get(&room.to_lowercase())
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        input_value(&html, "login-code").as_deref(),
        Some(room.trim_start_matches("/room/"))
    );
}

#[tokio::test]
async fn a_malformed_invite_link_says_so() {
    let app = TestApp::spawn().await;
    let response = app.person().get("/room/not-a-code").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(alert(&html)
        .unwrap()
        .contains("doesn't look like a room code"));
    assert_eq!(
        input_value(&html, "login-code").as_deref(),
        Some("not-a-code")
    );
}

#[tokio::test]
async fn an_unknown_room_does_not_reveal_whether_it_exists() {
    let app = TestApp::spawn().await;
    let response = app.person().get("/room/K7Q-DM3-XPA").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert_eq!(alert(&html), None);
    assert_eq!(
        input_value(&html, "login-code").as_deref(),
        Some("K7Q-DM3-XPA")
    );
}

#[tokio::test]
async fn a_tampered_cookie_is_no_session() {
    let app = TestApp::spawn().await;
    let alice = app.person();
    let room = alice.create_room("Alice").await;
    let forged = crate::helpers::http();
    let response = forged
        .get(app.url("/room"))
        .header("cookie", "chatdrop_session=AAAA")
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/");
    let html = forged
        .get(app.url(&room))
        .header("cookie", "chatdrop_session=AAAA")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(Page::parse(&html).count("button.leave"), 0);
}

#[tokio::test]
async fn leaving_from_another_site_is_refused() {
    let app = TestApp::spawn().await;
    let alice = app.person();
    let room = alice.create_room("Alice").await;
    let response = alice
        .client
        .post(app.url("/leave"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(location(&alice.get("/room").await), room);
}

#[tokio::test]
async fn unknown_pages_are_404() {
    let app = TestApp::spawn().await;
    let response = app.person().get("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let html = response.text().await.unwrap();
    assert_eq!(
        Page::parse(&html).text("h1").as_deref(),
        Some("Page not found")
    );
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let app = TestApp::spawn().await;
    let response = app.person().get("/").await;
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    assert_eq!(response.headers()["referrer-policy"], "same-origin");
    assert_eq!(response.headers()["cache-control"], "no-cache, private");
}

#[tokio::test]
async fn pages_carry_a_content_security_policy_with_the_inline_scripts_nonce() {
    let app = TestApp::spawn().await;
    for path in ["/", "/room/K7Q-DM3-XPA", "/no/such/page"] {
        let response = app.person().get(path).await;
        let policy = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            policy.contains("frame-ancestors 'none'") && policy.contains("object-src 'none'"),
            "{policy}"
        );
        let nonce = policy
            .split("'nonce-")
            .nth(1)
            .unwrap()
            .split('\'')
            .next()
            .unwrap()
            .to_owned();
        assert!(nonce.len() >= 16, "{policy}");
        let html = response.text().await.unwrap();
        // External scripts come from this origin ('self'); inline ones
        // need the nonce. The page's data block is never run.
        let scripts = html.matches("<script").count()
            - html.matches("<script src=").count()
            - html.matches("<script type=\"application/json\"").count();
        let allowed = html.matches(&format!("nonce=\"{nonce}\"")).count();
        assert!(
            scripts > 0 && allowed >= scripts,
            "{path}: every inline script carries the nonce"
        );
    }
}

#[tokio::test]
async fn a_client_sending_headers_too_slowly_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(|c| c.header_read_timeout_ms = 300).await;
    let mut slow = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    // Half a request, then silence (slowloris).
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        slow.read_to_end(&mut buf),
    )
    .await;
    assert!(read.is_ok(), "the server closed the connection");
    // A prompt client on the same server is served as usual.
    let response = reqwest::get(app.url("/")).await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
}

#[tokio::test]
async fn the_bundle_is_versioned_compressed_and_cached_for_a_year() {
    let app = TestApp::spawn().await;
    let html = app.person().get("/").await.text().await.unwrap();
    let css = html
        .split("href=\"")
        .map(|rest| rest.split('"').next().unwrap_or_default())
        .find(|href| href.starts_with("/pkg/") && href.ends_with(".css"))
        .expect("a versioned stylesheet link")
        .to_owned();
    let parts: Vec<&str> = css.split('/').collect();
    assert_eq!(parts.len(), 4, "/pkg/<version>/<file>: {css}");
    let client = reqwest::Client::new();
    // Compression happens once per build, in the background.
    let mut encoding = String::new();
    for _ in 0..300 {
        let response = client
            .get(app.url(&css))
            .header("accept-encoding", "br, gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        encoding = response
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        if encoding == "br" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(encoding, "br");
    let gzip = client
        .get(app.url(&css))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    // Another version, or anything but the bundle's files, is not there.
    let stale = css.replace(parts[2], "000000000000");
    let other = format!("/pkg/{}/..%2fCargo.toml", parts[2]);
    for path in [stale.as_str(), other.as_str()] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn the_share_page_offers_your_room_and_a_share_without_the_worker_lands_there() {
    let app = TestApp::spawn().await;
    let alice = app.person();
    let room = alice.create_room("Alice").await;
    let response = alice.get("/share").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert_eq!(
        Page::parse(&html).text("title").as_deref(),
        Some("Share to a room · Chatdrop"),
        "{html}"
    );
    assert_eq!(input_value(&html, "login-name").as_deref(), Some("Alice"));
    assert_eq!(
        input_value(&html, "login-code").as_deref(),
        Some(room.trim_start_matches("/room/"))
    );

    // The service worker takes share posts; one that reaches the server
    // is sent on to the page rather than refused.
    let response = alice.post_form("/share", &[("text", "hello")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/share");
}

#[tokio::test]
async fn the_manifest_declares_the_share_target() {
    let app = TestApp::spawn().await;
    let text = app
        .person()
        .get("/manifest.webmanifest")
        .await
        .text()
        .await
        .unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    let target = &manifest["share_target"];
    assert_eq!(target["action"], "/share");
    assert_eq!(target["method"], "POST");
    assert_eq!(target["enctype"], "multipart/form-data");
    assert_eq!(target["params"]["files"][0]["name"], "files");
}

//! Behind a reverse proxy: the budgets count the client `X-Forwarded-For`
//! names, but only when the proxy is trusted (`--trusted-proxies`); from
//! anyone else the header changes nothing.

use reqwest::StatusCode;

use crate::helpers::{http, Page, TestApp};
use crate::sign_in::NO_SUCH_ROOM;

/// A join with a wrong code, forwarded for `client`.
async fn wrong_code(app: &TestApp, forwarded_for: &str) -> StatusCode {
    http()
        .post(app.url("/"))
        .header("x-forwarded-for", forwarded_for)
        .form(&[
            ("name", "Mallory"),
            ("code", NO_SUCH_ROOM),
            ("action", "join"),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_budget() {
    let app = TestApp::spawn_with(|config| {
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    for _ in 0..10 {
        assert_eq!(
            wrong_code(&app, "198.51.100.7").await,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        wrong_code(&app, "198.51.100.7").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy still has its budget…
    assert_eq!(
        wrong_code(&app, "198.51.100.8").await,
        StatusCode::NOT_FOUND
    );
    // …and the throttled one can't escape by prepending an address of
    // its choosing: the proxy's own entry, last, is what counts.
    assert_eq!(
        wrong_code(&app, "203.0.113.1, 198.51.100.7").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn from_anyone_else_the_header_changes_nothing() {
    let app = TestApp::spawn().await;
    for i in 0..10 {
        let claimed = format!("198.51.100.{i}");
        assert_eq!(wrong_code(&app, &claimed).await, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        wrong_code(&app, "198.51.100.99").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn with_a_public_url_invite_links_and_the_origin_check_use_it() {
    let app = TestApp::spawn_with(|config| {
        config.public_url = Some("https://chat.example.org".into());
    })
    .await;
    let alice = app.person();
    let room = alice.create_room("Alice").await;
    let html = alice.get(&room).await.text().await.unwrap();
    assert_eq!(
        Page::parse(&html).text("a.invite-link"),
        Some(format!("https://chat.example.org{room}")),
        "the invite link names the public address, not the Host it was asked by"
    );
    // A form from the address the proxy passed on as Host is foreign now…
    let leave = |origin: String| {
        alice
            .client
            .post(app.url("/leave"))
            .header("origin", origin)
            .send()
    };
    let from_host = leave(format!("http://{}", app.addr)).await.unwrap();
    assert_eq!(from_host.status(), StatusCode::FORBIDDEN);
    // …and one from the public address is ours.
    let from_public = leave("https://chat.example.org".into()).await.unwrap();
    assert_eq!(from_public.status(), StatusCode::SEE_OTHER);
}

#[test]
fn a_public_url_with_a_path_or_another_scheme_is_refused_at_start() {
    let mut config = server::Config::for_tests(std::path::PathBuf::from("data"));
    for bad in [
        "ftp://chat.example.org",
        "https://chat.example.org/chat",
        "chat.example.org",
    ] {
        config.public_url = Some(bad.into());
        assert!(config.public_origin().is_err(), "{bad}");
    }
    config.public_url = Some("https://Chat.Example.org:8443/".into());
    assert_eq!(
        config.public_origin().unwrap().as_deref(),
        Some("https://chat.example.org:8443")
    );
}

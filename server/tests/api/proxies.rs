//! Behind a reverse proxy: the budgets count the client `X-Forwarded-For`
//! names, but only when the proxy is trusted (`--trusted-proxies`); from
//! anyone else the header changes nothing.

use reqwest::StatusCode;

use crate::helpers::{http, TestApp};

/// A well-formed code no room has.
const NO_SUCH_ROOM: &str = "K7Q-DM3-XPA";

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

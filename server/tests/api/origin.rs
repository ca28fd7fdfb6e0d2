//! Every state-changing form route and server function refuses a request
//! from another site (403) and changes nothing; the same request from our
//! own origin works, so each test can fail.

use app::protocol::ServerMsg;
use reqwest::StatusCode;

use crate::helpers::{location, sign_in, Member, TestApp};
use crate::ws::Ws;

const EVIL: &str = "https://evil.example";

/// `POST path` with `fields`, `cookie` and `origin`, as `fetch` would.
async fn post(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    origin: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    post_accepting(app, path, cookie, origin, fields, "*/*").await
}

/// The same, accepting `accept`: `text/html` is a browser's form post,
/// answered with real redirects.
async fn post_accepting(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    origin: &str,
    fields: &[(&str, &str)],
    accept: &str,
) -> reqwest::Response {
    let mut request = crate::helpers::http()
        .post(app.url(path))
        .header("origin", origin)
        .header("accept", accept)
        .form(fields);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap()
}

fn ours(app: &TestApp) -> String {
    format!("http://{}", app.addr)
}

async fn still_in_room(app: &TestApp, member: &Member) -> bool {
    let response = crate::helpers::http()
        .get(app.url("/room"))
        .header("cookie", &member.cookie)
        .send()
        .await
        .unwrap();
    location(&response) == member.room
}

#[tokio::test]
async fn the_login_server_function_refuses_another_site() {
    let app = TestApp::spawn().await;
    let fields = [("name", "Eve"), ("code", ""), ("action", "create")];
    let response = post(&app, "/api/login", None, EVIL, &fields).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get("set-cookie").is_none());
    assert_eq!(response.text().await.unwrap(), r#""ForeignOrigin""#);
    assert_eq!(app.room_count().await, 0);

    let response = post(&app, "/api/login", None, &ours(&app), &fields).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.room_count().await, 1);
}

#[tokio::test]
async fn the_leave_server_function_refuses_another_site() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let response = post(&app, "/api/leave", Some(&alice.cookie), EVIL, &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(still_in_room(&app, &alice).await);

    let response = post(&app, "/api/leave", Some(&alice.cookie), &ours(&app), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    let left = Member {
        cookie: cookie.split(';').next().unwrap().to_owned(),
        room: alice.room.clone(),
    };
    assert!(!still_in_room(&app, &left).await);
}

#[tokio::test]
async fn the_message_form_refuses_another_site_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let fields = |text| [("code", alice.code()), ("text", text), ("client_id", "")];
    let cookie = Some(alice.cookie.as_str());
    let path = "/api/post_message";
    let html = "text/html";
    let response = post_accepting(&app, path, cookie, EVIL, &fields("from evil"), html).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let response = post_accepting(&app, path, cookie, &ours(&app), &fields("from us"), html).await;
    assert_eq!(response.status(), StatusCode::FOUND);

    let mut ws = Ws::join(&app, &alice, 0).await;
    let texts: Vec<String> = ws
        .drain(std::time::Duration::from_millis(500))
        .await
        .into_iter()
        .filter_map(|m| match m {
            ServerMsg::Event { event } => match event.kind {
                app::protocol::EventKind::Message { text, .. } => Some(text),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(
        texts,
        ["from us"],
        "only our own origin's message is stored"
    );
}

#[tokio::test]
async fn the_login_form_refuses_another_site() {
    let app = TestApp::spawn().await;
    let fields = [("name", "Eve"), ("code", ""), ("action", "create")];
    let response = post(&app, "/", None, EVIL, &fields).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get("set-cookie").is_none());
    assert_eq!(app.room_count().await, 0);
    let response = post(&app, "/", None, &ours(&app), &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.room_count().await, 1);
}

#[tokio::test]
async fn the_leave_form_refuses_another_site() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let response = post(&app, "/leave", Some(&alice.cookie), EVIL, &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get("set-cookie").is_none());
    assert!(still_in_room(&app, &alice).await);
    let response = post(&app, "/leave", Some(&alice.cookie), &ours(&app), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(response.headers().get("set-cookie").is_some());
}

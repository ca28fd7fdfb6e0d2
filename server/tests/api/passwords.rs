//! Rooms with a password: set at creation, asked for when joining, guessed
//! no faster than a room code; never stored as typed.

use reqwest::StatusCode;

use crate::helpers::{alert, input_value, location, Page, TestApp};

fn fields<'a>(
    name: &'a str,
    code: &'a str,
    action: &'a str,
    password: &'a str,
) -> [(&'a str, &'a str); 4] {
    [
        ("name", name),
        ("code", code),
        ("action", action),
        ("password", password),
    ]
}

/// Alice creates a room with `password`; returns its code.
async fn locked_room(app: &TestApp, password: &str) -> String {
    let response = app
        .person()
        .post_form("/", &fields("Alice", "", "create", password))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    location(&response).trim_start_matches("/room/").to_owned()
}

#[tokio::test]
async fn the_login_page_offers_a_password_under_room_options() {
    let app = TestApp::spawn().await;
    let html = app.person().get("/").await.text().await.unwrap();
    let page = Page::parse(&html);
    assert_eq!(
        page.text("details.room-options summary").as_deref(),
        Some("Room options")
    );
    assert_eq!(
        page.text(r#"details.room-options label[for="room-password"]"#)
            .as_deref(),
        Some("Room password (optional)")
    );
    assert_eq!(
        page.attr("#room-password", "name").as_deref(),
        Some("password")
    );
    assert_eq!(
        page.attr("#room-password", "type").as_deref(),
        Some("password")
    );
    assert_eq!(
        page.count("#login-password"),
        0,
        "not asked before a room needs it"
    );
}

#[tokio::test]
async fn the_password_is_kept_only_as_an_argon2id_hash() {
    let app = TestApp::spawn().await;
    let code = locked_room(&app, "correct horse battery").await;
    let code = app::protocol::RoomCode::parse(&code).unwrap();
    let hash = app
        .store
        .room_password(&code)
        .await
        .unwrap()
        .flatten()
        .unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains("correct horse"));
    let open = locked_room(&app, "").await;
    let open = app::protocol::RoomCode::parse(&open).unwrap();
    assert_eq!(app.store.room_password(&open).await.unwrap(), Some(None));
}

#[tokio::test]
async fn joining_asks_for_the_password_and_refuses_a_wrong_one() {
    let app = TestApp::spawn().await;
    let code = locked_room(&app, "s3cret").await;
    let bob = app.person();

    let response = bob.post_form("/", &fields("Bob", &code, "join", "")).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get("set-cookie").is_none());
    let html = response.text().await.unwrap();
    assert_eq!(
        alert(&html).as_deref(),
        Some("This room has a password. Enter it to join.")
    );
    let page = Page::parse(&html);
    assert_eq!(
        page.text(r#"label[for="login-password"]"#).as_deref(),
        Some("Room password")
    );
    assert_eq!(
        page.attr("#login-password", "name").as_deref(),
        Some("password")
    );
    assert_eq!(page.count("#room-password"), 0, "one password field");
    assert_eq!(
        input_value(&html, "login-code").as_deref(),
        Some(code.as_str())
    );
    assert_eq!(input_value(&html, "login-name").as_deref(), Some("Bob"));

    let response = bob
        .post_form("/", &fields("Bob", &code, "join", "wrong"))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get("set-cookie").is_none());
    let html = response.text().await.unwrap();
    assert_eq!(alert(&html).as_deref(), Some("Wrong room password"));
    assert!(
        Page::parse(&html).count("#login-password") == 1,
        "asked again"
    );

    let response = bob
        .post_form("/", &fields("Bob", &code, "join", "s3cret"))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), format!("/room/{code}"));
    assert_eq!(app.room_count().await, 1);
}

#[tokio::test]
async fn a_member_is_not_asked_again() {
    let app = TestApp::spawn().await;
    let alice = app.person();
    let response = alice
        .post_form("/", &fields("Alice", "", "create", "s3cret"))
        .await;
    let room = location(&response);
    let code = room.trim_start_matches("/room/");
    let response = alice
        .post_form("/", &fields("Alice", code, "join", ""))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "her session remembers the room"
    );
}

#[tokio::test]
async fn wrong_passwords_spend_the_wrong_code_budget() {
    let app = TestApp::spawn().await;
    let code = locked_room(&app, "s3cret").await;
    let mallory = app.person();
    for guess in 0..10 {
        let response = mallory
            .post_form(
                "/",
                &fields("Mallory", &code, "join", &format!("guess {guess}")),
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "guess {guess}");
    }
    let response = mallory
        .post_form("/", &fields("Mallory", &code, "join", "s3cret"))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right one waits"
    );
    let html = response.text().await.unwrap();
    assert!(alert(&html).unwrap().contains("Please wait"));
}

#[tokio::test]
async fn a_password_over_1024_bytes_is_refused_and_no_room_is_made() {
    let app = TestApp::spawn().await;
    let long = "x".repeat(1025);
    let response = app
        .person()
        .post_form("/", &fields("Alice", "", "create", &long))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = response.text().await.unwrap();
    assert_eq!(
        alert(&html).as_deref(),
        Some("Room passwords can be at most 1024 bytes long.")
    );
    assert_eq!(app.room_count().await, 0);
    let code = locked_room(&app, &"y".repeat(1024)).await;
    let response = app
        .person()
        .post_form("/", &fields("Bob", &code, "join", &"y".repeat(1024)))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "exactly 1024 bytes is fine"
    );
}

#[tokio::test]
async fn the_login_server_function_takes_the_password_too() {
    let app = TestApp::spawn().await;
    let code = locked_room(&app, "s3cret").await;
    let bob = app.person();
    let without = [("name", "Bob"), ("code", code.as_str()), ("action", "join")];
    let response = bob.post_form("/api/login", &without).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.text().await.unwrap(), r#""RoomPasswordNeeded""#);
    let response = bob
        .post_form("/api/login", &fields("Bob", &code, "join", "s3cret"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let joined: String = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(joined, code);
}

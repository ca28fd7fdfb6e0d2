//! The login page and every way its input can be wrong.

use reqwest::StatusCode;

use crate::helpers::{alert, input_value, location, Page, TestApp};

#[tokio::test]
async fn the_login_page_has_the_labelled_form() {
    let app = TestApp::spawn().await;
    let response = app.person().get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    let page = Page::parse(&html);
    assert_eq!(
        page.text(r#"label[for="login-name"]"#).as_deref(),
        Some("Your name"),
        "{html}"
    );
    assert_eq!(
        page.text(r#"label[for="login-code"]"#).as_deref(),
        Some("Room code")
    );
    assert_eq!(
        page.text(r#"button[value="create"]"#).as_deref(),
        Some("Create room")
    );
    assert_eq!(
        page.text(r#"button[value="join"]"#).as_deref(),
        Some("Join room")
    );
    assert_eq!(
        page.texts(r#"form[action="/"] button[type="submit"]"#)
            .first()
            .map(String::as_str),
        Some("Join room"),
        "Enter submits the first button: join, or create while the code is empty"
    );
    assert!(
        page.count(r#"input#login-code[placeholder]"#) == 1
            && !page
                .text("p#login-code-hint")
                .unwrap_or_default()
                .is_empty(),
        "{html}"
    );
    assert_eq!(
        page.count(r#"form[method="post"][action="/"]"#),
        1,
        "posts to / without JavaScript"
    );
    assert_eq!(alert(&html), None);
}

#[tokio::test]
async fn creating_a_room_signs_in_and_redirects_to_it() {
    let app = TestApp::spawn().await;
    let alice = app.person();
    let response = alice.login("  Alice ", "", "create").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let room = location(&response);
    let code = room.strip_prefix("/room/").expect("a room path");
    assert_eq!(code.len(), 11, "{code}");
    assert!(code.chars().enumerate().all(|(i, c)| if i == 3 || i == 7 {
        c == '-'
    } else {
        "23456789ABCDEFGHJKMNPQRSTUVWXYZ".contains(c)
    }));
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.starts_with("chatdrop_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    assert_eq!(app.room_count().await, 1);

    let html = alice.get(&room).await.text().await.unwrap();
    let page = Page::parse(&html);
    assert_eq!(page.text("h1 span.code").as_deref(), Some(code), "{html}");
    assert_eq!(
        page.text("h1").as_deref(),
        Some(format!("Room {code}").as_str())
    );
    assert_eq!(page.text("strong.name").as_deref(), Some("Alice"));
    assert_eq!(
        page.text(r#"form[action="/leave"] button.leave"#)
            .as_deref(),
        Some("Leave")
    );
    assert!(
        !page.texts("button").iter().any(|b| b == "Copy invite link"),
        "copying needs JavaScript, so the server doesn't offer it"
    );
    assert_eq!(
        page.text("a.invite-link"),
        Some(format!("http://{}/room/{code}", app.addr)),
        "the invite link is absolute"
    );
}

#[tokio::test]
async fn codes_are_unique() {
    let app = TestApp::spawn().await;
    let alice = app.person();
    let mut rooms = std::collections::HashSet::new();
    for _ in 0..20 {
        assert!(rooms.insert(alice.create_room("Alice").await));
    }
    assert_eq!(app.room_count().await, 20);
}

#[tokio::test]
async fn joining_accepts_any_case_spaces_and_dashes() {
    let app = TestApp::spawn().await;
    let room = app.person().create_room("Alice").await;
    let code = room.trim_start_matches("/room/");
    let sloppy = format!(" {} ", code.replace('-', " ").to_lowercase());
    let bob = app.person();
    let response = bob.login("Bob", &sloppy, "join").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), room);
    let html = bob.get(&room).await.text().await.unwrap();
    assert_eq!(
        Page::parse(&html).text("strong.name").as_deref(),
        Some("Bob"),
        "{html}"
    );
    assert_eq!(app.room_count().await, 1);
}

/// Posts a bad login, checks the alert, the status, the kept values, and
/// that no room appeared.
async fn assert_refused(
    app: &TestApp,
    name: &str,
    code: &str,
    action: &str,
    status: StatusCode,
    message: &str,
) {
    let before = app.room_count().await;
    let response = app.person().login(name, code, action).await;
    assert_eq!(response.status(), status, "{name:?} {code:?} {action}");
    assert!(
        response.headers().get("set-cookie").is_none(),
        "no session for bad input"
    );
    let html = response.text().await.unwrap();
    let shown = alert(&html).unwrap_or_else(|| panic!("no alert in {html}"));
    assert!(
        shown.contains(message),
        "alert {shown:?} should say {message:?}"
    );
    assert_eq!(
        input_value(&html, "login-name").as_deref(),
        Some(name),
        "name kept"
    );
    assert_eq!(
        input_value(&html, "login-code").as_deref(),
        Some(code),
        "code kept"
    );
    assert_eq!(app.room_count().await, before, "nothing was created");
}

#[tokio::test]
async fn bad_names_get_an_alert_and_create_nothing() {
    let app = TestApp::spawn().await;
    assert_refused(
        &app,
        "",
        "",
        "create",
        StatusCode::BAD_REQUEST,
        "Please enter your name",
    )
    .await;
    assert_refused(
        &app,
        "   ",
        "",
        "create",
        StatusCode::BAD_REQUEST,
        "Please enter your name",
    )
    .await;
    let long = "x".repeat(33);
    assert_refused(
        &app,
        &long,
        "",
        "create",
        StatusCode::BAD_REQUEST,
        "at most 32 characters",
    )
    .await;
    assert_refused(
        &app,
        "Bad\u{7}Bell",
        "",
        "create",
        StatusCode::BAD_REQUEST,
        "control characters",
    )
    .await;
    assert_refused(
        &app,
        "Two\nLines",
        "",
        "create",
        StatusCode::BAD_REQUEST,
        "control characters",
    )
    .await;
}

#[tokio::test]
async fn enter_with_an_empty_code_creates_a_room() {
    let app = TestApp::spawn().await;
    // Enter submits the form's first button, "Join room"; with no code
    // that means "create", as the hint says.
    let bob = app.person();
    let response = bob.login("Bob", "", "join").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&response).starts_with("/room/"),
        "{:?}",
        location(&response)
    );
    assert_eq!(app.room_count().await, 1);
}

#[tokio::test]
async fn bad_codes_get_an_alert() {
    let app = TestApp::spawn().await;
    assert_refused(
        &app,
        "Bob",
        "ABC",
        "join",
        StatusCode::BAD_REQUEST,
        "doesn't look like a room code",
    )
    .await;
    assert_refused(
        &app,
        "Bob",
        "K7Q-DM3-XP0",
        "join",
        StatusCode::BAD_REQUEST,
        "doesn't look like a room code",
    )
    .await;
    assert_refused(
        &app,
        "Bob",
        "<b>x</b>",
        "join",
        StatusCode::BAD_REQUEST,
        "doesn't look like a room code",
    )
    .await;
    assert_refused(
        &app,
        "Bob",
        "K7Q-DM3-XPA",
        "join",
        StatusCode::NOT_FOUND,
        "no room with that code",
    )
    .await;
}

#[tokio::test]
async fn repeated_wrong_codes_are_throttled() {
    let app = TestApp::spawn().await;
    let room = app.person().create_room("Alice").await;
    let mallory = app.person();
    for _ in 0..10 {
        let response = mallory.login("Mallory", "K7Q-DM3-XPA", "join").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    let response = mallory.login("Mallory", "K7Q-DM3-XPB", "join").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let shown = alert(&response.text().await.unwrap()).unwrap();
    assert!(
        shown.contains("Too many wrong room codes. Please wait"),
        "{shown}"
    );
    // While throttled, even a right code is refused: otherwise the throttle
    // would still answer "right" or "wrong" for every guess.
    let response = mallory
        .login("Mallory", room.trim_start_matches("/room/"), "join")
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn names_are_rendered_as_text() {
    let app = TestApp::spawn().await;
    let alice = app.person();
    let room = alice.create_room("<script>alert(1)</script>").await;
    let html = alice.get(&room).await.text().await.unwrap();
    let page = Page::parse(&html);
    assert_eq!(
        page.text("strong.name").as_deref(),
        Some("<script>alert(1)</script>"),
        "shown as text: {html}"
    );
    assert!(
        !page
            .texts(r#"script:not([type="application/json"])"#)
            .iter()
            .any(|s| s.contains("alert(1)")),
        "never a script of its own"
    );
}

#[tokio::test]
async fn a_post_from_another_site_is_refused() {
    let app = TestApp::spawn().await;
    let response = app
        .person()
        .client
        .post(app.url("/"))
        .header("origin", "https://evil.example")
        .form(&[("name", "Eve"), ("code", ""), ("action", "create")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(alert(&response.text().await.unwrap())
        .unwrap()
        .contains("another site"));
    assert_eq!(app.room_count().await, 0);
}

#[tokio::test]
async fn a_same_origin_post_is_accepted() {
    let app = TestApp::spawn().await;
    let response = app
        .person()
        .client
        .post(app.url("/"))
        .header("origin", format!("http://{}", app.addr))
        .form(&[("name", "Ann"), ("code", ""), ("action", "create")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_login_server_function_answers_json_with_4xx_errors() {
    let app = TestApp::spawn().await;
    let person = app.person();
    let response = person
        .post_form(
            "/api/login",
            &[("name", "Ann"), ("code", ""), ("action", "create")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("set-cookie").is_some());
    let code: String = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(
        person.get("/room").await.headers()["location"],
        format!("/room/{code}").as_str()
    );

    let response = person
        .post_form(
            "/api/login",
            &[("name", ""), ("code", ""), ("action", "create")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.text().await.unwrap(), r#""NameEmpty""#);
    assert_eq!(app.room_count().await, 1);
}

#[tokio::test]
async fn a_malformed_form_body_is_a_400_not_a_500() {
    let app = TestApp::spawn().await;
    let response = app
        .person()
        .client
        .post(app.url("/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=Ann&name=Bob&action=create")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.room_count().await, 0);
}

#[tokio::test]
async fn creating_rooms_in_bulk_is_throttled() {
    let app = TestApp::spawn_with(|c| c.new_room_burst = 3).await;
    let alice = app.person();
    for _ in 0..3 {
        alice.create_room("Alice").await;
    }
    let response = alice.login("Alice", "", "create").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let shown = alert(&response.text().await.unwrap()).unwrap();
    assert!(shown.contains("created a lot of rooms"), "{shown}");
    assert_eq!(app.room_count().await, 3);
}

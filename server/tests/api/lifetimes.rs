//! How long rooms last: the choices at creation, what the room page says,
//! and rooms from before lifetimes existed.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{alert, location, Page, TestApp};

async fn create(app: &TestApp, lifetime: &str) -> reqwest::Response {
    app.person()
        .post_form(
            "/",
            &[
                ("name", "Alice"),
                ("code", ""),
                ("action", "create"),
                ("lifetime", lifetime),
            ],
        )
        .await
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn expiry(app: &TestApp, room_path: &str) -> Option<i64> {
    let code = app::protocol::RoomCode::parse(room_path.trim_start_matches("/room/")).unwrap();
    app.store.expires_at(&code).await.unwrap()
}

#[tokio::test]
async fn the_login_page_offers_the_lifetimes_with_a_week_selected() {
    let app = TestApp::spawn().await;
    let html = app.person().get("/").await.text().await.unwrap();
    let page = Page::parse(&html);
    assert_eq!(
        page.text(r#"details.room-options label[for="room-lifetime"]"#)
            .as_deref(),
        Some("Delete room after")
    );
    assert_eq!(
        page.texts("#room-lifetime option"),
        ["1 hour", "1 day", "7 days", "30 days"]
    );
    assert_eq!(
        page.attr("#room-lifetime option[selected]", "value")
            .as_deref(),
        Some("604800")
    );

    let permanent = TestApp::spawn_with(|c| c.allow_permanent_rooms = true).await;
    let html = permanent.person().get("/").await.text().await.unwrap();
    let page = Page::parse(&html);
    assert_eq!(
        page.texts("#room-lifetime option")
            .last()
            .map(String::as_str),
        Some("Never")
    );
    assert_eq!(
        page.attr(r#"#room-lifetime option[value="0"]"#, "value")
            .as_deref(),
        Some("0")
    );
}

#[tokio::test]
async fn a_room_lasts_what_its_creator_chose_and_says_so() {
    let app = TestApp::spawn().await;
    let response = create(&app, "3600").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = crate::sign_in::session_cookie(&response);
    let room = location(&response);
    let at = expiry(&app, &room).await.unwrap();
    assert!(
        (at - (now_ms() + 3_600_000)).abs() < 60_000,
        "an hour from now"
    );

    let html = crate::helpers::http()
        .get(app.url(&room))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let page = Page::parse(&html);
    let said = page.text("p.expiry time").unwrap();
    assert!(
        said == "Deleted in 59 minutes" || said == "Deleted in 1 hour",
        "{said}"
    );
    let datetime = page.attr("p.expiry time", "datetime").unwrap();
    assert!(datetime.ends_with('Z'), "{datetime}");
    assert!(page.attr("p.expiry time", "title").unwrap().contains("UTC"));

    let default = create(&app, "").await;
    let at = expiry(&app, &location(&default)).await.unwrap();
    assert!(
        (at - (now_ms() + 7 * 86_400_000)).abs() < 60_000,
        "a week by default"
    );
}

#[tokio::test]
async fn lifetimes_the_server_does_not_offer_are_refused() {
    let app = TestApp::spawn_with(|c| c.max_room_lifetime = Duration::from_secs(7 * 86_400)).await;
    for bad in ["12345", "abc", "-1", "0", "2592000"] {
        let response = create(&app, bad).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        let html = response.text().await.unwrap();
        assert_eq!(
            alert(&html).as_deref(),
            Some("Choose how long the room lasts from the list."),
            "{bad}"
        );
    }
    assert_eq!(app.room_count().await, 0);
    let html = app.person().get("/").await.text().await.unwrap();
    assert_eq!(
        Page::parse(&html).texts("#room-lifetime option"),
        ["1 hour", "1 day", "7 days"]
    );

    let permanent = TestApp::spawn_with(|c| c.allow_permanent_rooms = true).await;
    let response = create(&permanent, "0").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        expiry(&permanent, &location(&response)).await,
        None,
        "never deleted"
    );
}

#[tokio::test]
async fn rooms_from_before_lifetimes_get_the_default_from_the_next_start() {
    let app = TestApp::spawn().await;
    let room = location(&create(&app, "3600").await);
    // As the migration leaves a room made before lifetimes existed.
    sqlx::query("UPDATE rooms SET expires_at = -1")
        .execute(app.store.pool())
        .await
        .unwrap();
    let app = app.restart().await;
    let at = expiry(&app, &room).await.unwrap();
    assert!(
        (at - (now_ms() + 7 * 86_400_000)).abs() < 60_000,
        "the default, from now"
    );
}

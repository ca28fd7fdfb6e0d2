//! What only a room's owner (its creator) may do: delete it for everyone.

use reqwest::StatusCode;

use crate::helpers::{alert, http, sign_in, Member, Page, TestApp};
use crate::ws::Ws;

async fn delete(app: &TestApp, member: &Member, origin: Option<&str>) -> reqwest::Response {
    let mut request = http()
        .post(app.url(&format!("{}/delete", member.room)))
        .header("cookie", &member.cookie);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn only_the_owner_sees_and_may_use_delete_room_now() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let page = Page::parse(&alice.page(&app, &alice.room).await);
    assert_eq!(page.text(".owner h2").as_deref(), Some("Room settings"));
    assert_eq!(
        page.text(".owner summary").as_deref(),
        Some("Delete room now")
    );
    assert_eq!(
        page.text(".owner details button").as_deref(),
        Some("Delete the room for everyone")
    );
    let page = Page::parse(&bob.page(&app, &bob.room).await);
    assert_eq!(page.count(".owner"), 0, "not for members");

    let response = delete(&app, &bob, None).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        response.text().await.unwrap(),
        "Only the room's owner can do that."
    );
    let response = delete(&app, &alice, Some("https://evil.example")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let still = http()
        .get(app.url(&bob.room))
        .header("cookie", &bob.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), StatusCode::OK, "nothing changed");
}

#[tokio::test]
async fn deleting_the_room_closes_every_tab_and_its_address_says_so() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut b = Ws::join(&app, &bob, 0).await;
    b.say("m1", "delete me 5512").await;
    b.ack().await;

    let response = delete(&app, &alice, None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(crate::helpers::location(&response), alice.room);
    assert_eq!(b.closed().await, Some(4410));

    let response = bob.get(&app, &bob.room).await;
    assert_eq!(response.status(), StatusCode::GONE);
    let html = response.text().await.unwrap();
    assert_eq!(
        Page::parse(&html).text("h1").as_deref(),
        Some("This room was deleted by its owner")
    );
    let join = app
        .person()
        .post_form(
            "/",
            &[
                ("name", "Carol"),
                ("code", alice.code()),
                ("action", "join"),
            ],
        )
        .await;
    assert_eq!(join.status(), StatusCode::GONE);
    assert_eq!(
        alert(&join.text().await.unwrap()).as_deref(),
        Some("This room was deleted by its owner.")
    );
    let response = delete(&app, &alice, None).await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "deleting it again changes nothing"
    );
}

async fn lock(app: &TestApp, member: &Member, locked: &str) -> reqwest::Response {
    http()
        .post(app.url(&format!("{}/lock", member.room)))
        .header("cookie", &member.cookie)
        .form(&[("locked", locked)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_locked_room_takes_no_new_members_until_unlocked() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;

    let response = lock(&app, &bob, "1").await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "members can't lock"
    );
    let response = lock(&app, &alice, "1").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = Page::parse(&alice.page(&app, &alice.room).await);
    assert_eq!(
        page.text(".owner .lock-state").as_deref(),
        Some("Locked: nobody new can join, even with the code.")
    );
    assert_eq!(
        page.text(".owner form button").as_deref(),
        Some("Unlock room")
    );

    let join = |name: &'static str| {
        let code = alice.code().to_owned();
        let app = &app;
        async move {
            app.person()
                .post_form(
                    "/",
                    &[("name", name), ("code", code.as_str()), ("action", "join")],
                )
                .await
        }
    };
    let refused = join("Carol").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.headers().get("set-cookie").is_none());
    assert_eq!(
        alert(&refused.text().await.unwrap()).as_deref(),
        Some("This room is locked: its owner isn't letting new people in.")
    );
    let again = http()
        .post(app.url("/"))
        .header("cookie", &bob.cookie)
        .form(&[("name", "Bob"), ("code", bob.code()), ("action", "join")])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER, "a member comes back");

    assert_eq!(
        lock(&app, &alice, "0").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(join("Carol").await.status(), StatusCode::SEE_OTHER);
}

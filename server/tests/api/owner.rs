//! What only a room's owners may do, from its settings page: lock it,
//! change its lifetime and password, make owners, delete it. A non-owner,
//! a removed member or another site gets 403 and nothing changes.

use app::protocol::ServerMsg;
use reqwest::StatusCode;

use crate::helpers::{alert, http, location, sign_in, Member, Page, TestApp};
use crate::ws::Ws;

/// `POST {room}/settings` with `fields`, from `origin` if given.
pub async fn settings(
    app: &TestApp,
    member: &Member,
    origin: Option<&str>,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = http()
        .post(app.url(&format!("{}/settings", member.room)))
        .header("cookie", &member.cookie)
        .form(fields);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request.send().await.unwrap()
}

/// The user id of `name` in the owner's settings page (they must be online).
pub async fn user_id(app: &TestApp, owner: &Member, name: &str) -> String {
    let html = owner.page(app, &format!("{}/settings", owner.room)).await;
    let document = scraper::Html::parse_document(&html);
    let items = scraper::Selector::parse(".members li").unwrap();
    let name_of = scraper::Selector::parse(".name").unwrap();
    let user = scraper::Selector::parse("input[name=user]").unwrap();
    for item in document.select(&items) {
        let here: String = item
            .select(&name_of)
            .next()
            .map(|n| n.text().collect())
            .unwrap_or_default();
        if here == name {
            let input = item.select(&user).next().expect("a Remove form");
            return input.value().attr("value").unwrap().to_owned();
        }
    }
    panic!("{name} is not in the settings page's members list:\n{html}");
}

/// After an owner's form: the 303 to the settings page saying `done`, and
/// what that page's status line says.
pub async fn done_says(
    app: &TestApp,
    owner: &Member,
    response: reqwest::Response,
    done: &str,
) -> Option<String> {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(&response);
    assert_eq!(to, format!("{}/settings?done={done}", owner.room));
    Page::parse(&owner.page(app, &to).await).text("[role=status]")
}

async fn join(app: &TestApp, name: &str, code: &str) -> reqwest::Response {
    app.person()
        .post_form("/", &[("name", name), ("code", code), ("action", "join")])
        .await
}

#[tokio::test]
async fn only_owners_see_and_may_use_the_settings() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let settings_path = format!("{}/settings", alice.room);
    let button = format!("form[action=\"{settings_path}\"] button");
    let page = Page::parse(&alice.page(&app, &alice.room).await);
    assert_eq!(page.text(&button).as_deref(), Some("Room settings"));
    let page = Page::parse(&bob.page(&app, &bob.room).await);
    assert_eq!(page.count(&button), 0, "not for members");

    let response = alice.get(&app, &settings_path).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = Page::parse(&response.text().await.unwrap());
    assert_eq!(page.text("h1").as_deref(), Some("Room settings"));
    let buttons = page.texts("button");
    for expected in [
        "Lock room",
        "Set password",
        "Change lifetime",
        "Delete the room for everyone",
    ] {
        assert!(
            buttons.iter().any(|b| b == expected),
            "{expected} in {buttons:?}"
        );
    }
    let response = bob.get(&app, &settings_path).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        alert(&response.text().await.unwrap()).as_deref(),
        Some("Only the room's owner can do that.")
    );

    for fields in [
        &[("action", "lock")][..],
        &[("action", "delete_room")],
        &[("action", "lifetime"), ("lifetime", "3600")],
        &[("action", "password"), ("password", "mine now")],
    ] {
        let response = settings(&app, &bob, None, fields).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{fields:?}");
        assert_eq!(
            response.text().await.unwrap(),
            "Only the room's owner can do that."
        );
    }
    let response = settings(
        &app,
        &alice,
        Some("https://evil.example"),
        &[("action", "lock")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = settings(&app, &alice, None, &[("action", "explode")]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.text().await.unwrap(),
        "That isn't something a room's settings can do."
    );
    assert_eq!(
        join(&app, "Carol", alice.code()).await.status(),
        StatusCode::SEE_OTHER,
        "nothing changed: not locked, no password"
    );
    assert_eq!(bob.get(&app, &bob.room).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn deleting_the_room_closes_every_tab_and_its_address_says_so() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut b = Ws::join(&app, &bob, 0).await;
    b.say("m1", "delete me 5512").await;
    b.ack().await;

    let response = settings(&app, &alice, None, &[("action", "delete_room")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), alice.room);
    let closing = b
        .until(|m| match m {
            ServerMsg::Closing { reason } => Some(*reason),
            _ => None,
        })
        .await;
    assert_eq!(closing, app::protocol::ClosingReason::Deleted);
    assert_eq!(b.closed().await, Some(4410));

    let response = bob.get(&app, &bob.room).await;
    assert_eq!(response.status(), StatusCode::GONE);
    let html = response.text().await.unwrap();
    assert_eq!(
        Page::parse(&html).text("h1").as_deref(),
        Some("This room was deleted by its owner")
    );
    let again = join(&app, "Carol", alice.code()).await;
    assert_eq!(again.status(), StatusCode::GONE);
    assert_eq!(
        alert(&again.text().await.unwrap()).as_deref(),
        Some("This room was deleted by its owner.")
    );
    let response = settings(&app, &alice, None, &[("action", "delete_room")]).await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "deleting it again changes nothing"
    );
}

#[tokio::test]
async fn a_locked_room_takes_no_new_members_until_unlocked() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;

    let response = settings(&app, &alice, None, &[("action", "lock")]).await;
    assert_eq!(
        done_says(&app, &alice, response, "lock").await.as_deref(),
        Some("Room locked: nobody new can join.")
    );
    let page = Page::parse(&alice.page(&app, &format!("{}/settings", alice.room)).await);
    assert_eq!(
        page.text(".lock-state").as_deref(),
        Some("Locked: nobody new can join, even with the code.")
    );

    let refused = join(&app, "Carol", alice.code()).await;
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

    let response = settings(&app, &alice, None, &[("action", "unlock")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        join(&app, "Carol", alice.code()).await.status(),
        StatusCode::SEE_OTHER
    );
}

/// The `settings` frame `ws` gets next.
async fn next_settings(ws: &mut Ws) -> (Option<i64>, bool, bool, Vec<String>) {
    ws.until(|m| match m {
        ServerMsg::Settings {
            expires_at,
            locked,
            password,
            owners,
        } => Some((
            *expires_at,
            *locked,
            *password,
            owners.iter().map(|o| o.0.clone()).collect(),
        )),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn a_new_lifetime_reaches_every_countdown_at_once() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut b = Ws::join(&app, &bob, 0).await;
    let (at_first, ..) = next_settings(&mut b).await;
    let week = at_first.expect("the default lifetime");

    let before = app::store::now_ms() as i64;
    let response = settings(
        &app,
        &alice,
        None,
        &[("action", "lifetime"), ("lifetime", "3600")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (now, ..) = next_settings(&mut b).await;
    let now = now.expect("a lifetime");
    assert!(
        (before + 3_600_000..before + 3_610_000).contains(&now),
        "an hour from now: {now} vs {before}"
    );
    assert!(now < week);
    let page = Page::parse(&bob.page(&app, &bob.room).await);
    // Counted down from the moment it was set.
    assert_eq!(
        page.text(".expiry time").as_deref(),
        Some("Deleted in 59 minutes")
    );

    for bad in ["12345", "-1", "soon", "0", "99999999999999999999"] {
        let response = settings(
            &app,
            &alice,
            None,
            &[("action", "lifetime"), ("lifetime", bad)],
        )
        .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(
            response.text().await.unwrap(),
            "Choose how long the room lasts from the list."
        );
    }
    let page = Page::parse(&bob.page(&app, &bob.room).await);
    assert_eq!(
        page.text(".expiry time").as_deref(),
        Some("Deleted in 59 minutes"),
        "nothing changed"
    );
}

#[tokio::test]
async fn a_new_password_signs_everyone_else_out() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut b = Ws::join(&app, &bob, 0).await;
    b.say("m1", "hello").await;
    b.ack().await;

    let too_long = "x".repeat(1025);
    let response = settings(
        &app,
        &alice,
        None,
        &[("action", "password"), ("password", &too_long)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.text().await.unwrap(),
        "Room passwords can be at most 1024 bytes long."
    );
    assert_eq!(bob.get(&app, &bob.room).await.status(), StatusCode::OK);

    let response = settings(
        &app,
        &alice,
        None,
        &[("action", "password"), ("password", "tulip 42")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    let alice = Member {
        cookie: cookie.split(';').next().unwrap().to_owned(),
        room: alice.room.clone(),
    };
    assert_eq!(b.closed().await, Some(4401), "bob's tab is signed out");
    let page = Page::parse(&alice.page(&app, &alice.room).await);
    assert!(page.text("h1").unwrap().starts_with("Room "), "alice stays");
    Ws::join(&app, &alice, 0).await;

    let response = bob.get(&app, &bob.room).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert_eq!(
        alert(&html).as_deref(),
        Some("The room's password changed. Enter the new one to come back in.")
    );
    assert_eq!(
        Page::parse(&html)
            .attr("#login-password", "type")
            .as_deref(),
        Some("password")
    );
    assert_eq!(Ws::connect(&app, &bob, None).await.err(), Some(401));
    let post = bob.post_message(&app, "still here?").await;
    assert_eq!(post.status(), StatusCode::UNAUTHORIZED);

    let rejoin = |password: &'static str| {
        let bob = bob.clone();
        let app = &app;
        async move {
            http()
                .post(app.url("/"))
                .header("cookie", &bob.cookie)
                .form(&[
                    ("name", "Bob"),
                    ("code", bob.code()),
                    ("action", "join"),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let wrong = rejoin("tulip 41").await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        alert(&wrong.text().await.unwrap()).as_deref(),
        Some("Wrong room password")
    );
    assert_eq!(rejoin("tulip 42").await.status(), StatusCode::SEE_OTHER);

    // Removing the password signs nobody out.
    let carol = sign_in_with_password(&app, "Carol", alice.code(), "tulip 42").await;
    let response = settings(
        &app,
        &alice,
        None,
        &[("action", "password"), ("password", "")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(carol.get(&app, &carol.room).await.status(), StatusCode::OK);
    assert_eq!(
        join(&app, "Dan", alice.code()).await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn sign_in_with_password(app: &TestApp, name: &str, code: &str, password: &str) -> Member {
    let response = app
        .person()
        .post_form(
            "/",
            &[
                ("name", name),
                ("code", code),
                ("action", "join"),
                ("password", password),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    Member {
        cookie: response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned(),
        room: location(&response),
    }
}

#[tokio::test]
async fn an_owner_makes_another_member_an_owner() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut b = Ws::join(&app, &bob, 0).await;
    let (.., owners) = next_settings(&mut b).await;
    assert_eq!(owners.len(), 1);
    let bob_id = user_id(&app, &alice, "Bob").await;

    let response = settings(
        &app,
        &alice,
        None,
        &[("action", "promote"), ("user", &bob_id)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (.., owners) = next_settings(&mut b).await;
    assert!(owners.contains(&bob_id), "{owners:?}");
    assert_eq!(
        bob.get(&app, &format!("{}/settings", bob.room))
            .await
            .status(),
        StatusCode::OK
    );
    let response = settings(&app, &bob, None, &[("action", "lock")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "bob may now");

    let response = settings(
        &app,
        &alice,
        None,
        &[
            ("action", "promote"),
            ("user", "0123456789abcdef0123456789abcdef"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.text().await.unwrap(),
        "That person isn't in this room."
    );
}

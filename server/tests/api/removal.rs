//! Removing members, and deleting messages and files: gone for everyone,
//! live and in history, with nothing left in the data dir; shared content
//! kept until its last reference goes.

use std::time::Duration;

use app::protocol::{ClientMsg, ErrorCode, EventKind, Seq, ServerMsg, UploadId};
use reqwest::StatusCode;

use crate::helpers::{alert, location, sign_in, Member, Page, TestApp};
use crate::owner::{done_says, settings, user_id};
use crate::ws::Ws;

/// The next `deleted` event's target.
async fn deleted(ws: &mut Ws) -> Seq {
    ws.until(|m| match m {
        ServerMsg::Event { event } => match event.kind {
            EventKind::Deleted { target } => Some(target),
            _ => None,
        },
        _ => None,
    })
    .await
}

/// The sequence number of file `id`'s event.
async fn file_seq(ws: &mut Ws, id: &UploadId) -> Seq {
    ws.until(|m| match m {
        ServerMsg::Event { event } => match &event.kind {
            EventKind::File { file } if &file.id == id => Some(event.seq),
            _ => None,
        },
        _ => None,
    })
    .await
}

/// The next error frame's code and words.
async fn refusal(ws: &mut Ws) -> (ErrorCode, String) {
    ws.until(|m| match m {
        ServerMsg::Error { code, message, .. } => Some((*code, message.clone())),
        _ => None,
    })
    .await
}

async fn remove(app: &TestApp, owner: &Member, user: &str) -> reqwest::Response {
    owner
        .post(app, &format!("{}/remove", owner.room), &[("user", user)])
        .await
}

#[tokio::test]
async fn a_removed_member_is_closed_out_and_cannot_come_back() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let carol = sign_in(&app, "Carol", Some(alice.code())).await;
    let _a = Ws::join(&app, &alice, 0).await;
    let mut b = Ws::join(&app, &bob, 0).await;
    let mut c = Ws::join(&app, &carol, 0).await;
    b.say("m1", "hi").await;
    b.ack().await;
    let bob_id = user_id(&app, &alice, "Bob").await;
    let page = Page::parse(&alice.page(&app, &alice.room).await);
    assert_eq!(
        page.count(".members li button[aria-label=Remove]"),
        2,
        "a Remove next to each other name"
    );
    assert_eq!(page.count(".members li button"), 2);
    let page = Page::parse(&carol.page(&app, &carol.room).await);
    assert_eq!(page.count(".members li button"), 0, "not for members");

    let response = remove(&app, &carol, &bob_id).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "not an owner");
    assert_ne!(user_id(&app, &alice, "Carol").await, bob_id);
    let me = Page::parse(&alice.page(&app, &format!("{}/settings", alice.room)).await);
    assert!(me.texts(".members li").iter().any(|t| t.contains("(you)")));

    let response = remove(&app, &alice, &bob_id).await;
    assert_eq!(
        done_says(&app, &alice, response, "remove").await.as_deref(),
        Some("Removed. To keep them out for good, lock the room or change its password too.")
    );
    assert_eq!(b.closed().await, Some(4403), "bob's tab closes");
    let (who, by) = c
        .until(|m| match m {
            ServerMsg::Event { event } => match &event.kind {
                EventKind::Removed { by } => Some((event.who.name.to_string(), by.to_string())),
                _ => None,
            },
            _ => None,
        })
        .await;
    assert_eq!((who.as_str(), by.as_str()), ("Bob", "Alice"));
    let members = c
        .until(|m| match m {
            ServerMsg::Presence { members } => Some(members.clone()),
            _ => None,
        })
        .await;
    assert!(members.iter().all(|m| m.name.as_str() != "Bob"));
    let html = carol.page(&app, &carol.room).await;
    assert!(
        Page::parse(&html)
            .texts(".notice")
            .contains(&"Bob was removed by Alice".to_owned()),
        "in history too"
    );

    // Bob: his page, his socket, his posts, a rejoin — all refused.
    let response = bob.get(&app, &bob.room).await;
    let html = response.text().await.unwrap();
    assert_eq!(
        alert(&html).as_deref(),
        Some("You were removed from this room by its owner.")
    );
    assert_eq!(Ws::connect(&app, &bob, None).await.err(), Some(403));
    let post = bob.post_message(&app, "let me in").await;
    assert_eq!(post.status(), StatusCode::FORBIDDEN);
    let older = bob
        .post(
            &app,
            "/api/older_events",
            &[("code", bob.code()), ("before", "100")],
        )
        .await;
    assert_eq!(
        older.status(),
        StatusCode::FORBIDDEN,
        "no resume through history"
    );
    let rejoin = crate::helpers::http()
        .post(app.url("/"))
        .header("cookie", &bob.cookie)
        .form(&[("name", "Bob"), ("code", bob.code()), ("action", "join")])
        .send()
        .await
        .unwrap();
    assert_eq!(rejoin.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        alert(&rejoin.text().await.unwrap()).as_deref(),
        Some("You were removed from this room by its owner.")
    );
    let response = settings(&app, &bob, None, &[("action", "lock")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "no owner action");

    let alice_id = a_user_id(&app, &alice).await;
    let response = remove(&app, &alice, &alice_id).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.text().await.unwrap(),
        "You can't remove yourself. To go, use Leave."
    );
    let foreign = crate::helpers::http()
        .post(app.url(&format!("{}/remove", alice.room)))
        .header("cookie", &alice.cookie)
        .header("origin", "https://evil.example")
        .form(&[("user", user_id(&app, &alice, "Carol").await.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert_eq!(carol.get(&app, &carol.room).await.status(), StatusCode::OK);
}

/// `member`'s own user id, from the `welcome` frame.
async fn a_user_id(app: &TestApp, member: &Member) -> String {
    let mut ws = Ws::connect(app, member, None).await.unwrap();
    ws.until(|m| match m {
        ServerMsg::Welcome { you, .. } => Some(you.user.0.clone()),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn a_member_deletes_their_own_message_for_everyone_and_for_good() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let carol = sign_in(&app, "Carol", Some(alice.code())).await;
    let mut c = Ws::join(&app, &carol, 0).await;
    let mut b = Ws::join(&app, &bob, 0).await;
    b.say("m1", "my secret is 48151623").await;
    let seq = b.ack().await;
    b.say("m2", "this one stays").await;
    b.ack().await;

    c.send(&ClientMsg::Delete { target: seq }).await;
    assert_eq!(
        refusal(&mut c).await,
        (
            ErrorCode::NotAllowed,
            "You can only delete your own messages and files.".to_owned()
        )
    );
    b.send(&ClientMsg::Delete { target: seq }).await;
    assert_eq!(deleted(&mut c).await, seq, "live, for the others");
    assert_eq!(deleted(&mut b).await, seq);
    b.send(&ClientMsg::Delete { target: seq }).await;
    assert_eq!(
        refusal(&mut b).await,
        (ErrorCode::NotFound, "That was already deleted.".to_owned())
    );
    for nothing in [Seq(1), Seq(9999)] {
        b.send(&ClientMsg::Delete { target: nothing }).await;
        assert_eq!(refusal(&mut b).await.0, ErrorCode::NotFound, "{nothing:?}");
    }

    let html = alice.page(&app, &alice.room).await;
    assert!(!html.contains("48151623"), "gone from the page");
    let page = Page::parse(&html);
    assert_eq!(
        page.text(&format!("#e{} .text", seq.0)).as_deref(),
        Some("Message deleted")
    );
    assert!(page.texts(".text").contains(&"this one stays".to_owned()));
    // A tab resuming from before replays the tombstone in its place.
    let mut again = Ws::join(&app, &alice, 0).await;
    let tombstone = again
        .until(|m| match m {
            ServerMsg::Event { event } if event.seq == seq => Some(event.kind.clone()),
            _ => None,
        })
        .await;
    assert_eq!(tombstone, EventKind::Tombstone { file: false });
    assert_eq!(deleted(&mut again).await, seq);

    let found = app.eventually_stored(b"48151623").await;
    assert!(found.is_empty(), "the text is still in {found:?}");
}

#[tokio::test]
async fn the_owner_deletes_a_file_without_javascript_and_its_link_dies() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut b = Ws::join(&app, &bob, 0).await;
    let bytes: Vec<u8> = b"bobs-private-bytes "
        .iter()
        .copied()
        .cycle()
        .take(70_000)
        .collect();
    let upload: UploadId = b.upload("f1", "plan.bin", &bytes).await;
    let mut b2 = Ws::join(&app, &bob, 0).await;
    let seq = file_seq(&mut b2, &upload).await;
    assert_eq!(
        reqwest::get(app.url(&upload.href()))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let path = format!("{}/entries/delete", alice.room);
    let seq_text = seq.0.to_string();

    // Bob isn't asked by Alice's page: each sees a Delete where they may.
    let page = Page::parse(&alice.page(&app, &alice.room).await);
    assert_eq!(
        page.text(&format!("#e{} .delete button", seq.0)).as_deref(),
        Some("Delete")
    );
    let first = alice.post(&app, &path, &[("seq", &seq_text)]).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let asked = location(&first);
    assert_eq!(asked, format!("{}?delete={}#e{}", alice.room, seq.0, seq.0));
    let page = Page::parse(&alice.page(&app, &asked).await);
    assert_eq!(
        page.text(".delete-confirm span").as_deref(),
        Some("Delete this file for everyone?")
    );
    assert_eq!(
        reqwest::get(app.url(&upload.href()))
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "not before confirming"
    );
    let confirmed = alice
        .post(&app, &path, &[("seq", &seq_text), ("confirm", "1")])
        .await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    assert_eq!(deleted(&mut b).await, seq);
    assert_eq!(
        reqwest::get(app.url(&upload.href()))
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let page = Page::parse(&bob.page(&app, &bob.room).await);
    assert_eq!(
        page.text(&format!("#e{} .text", seq.0)).as_deref(),
        Some("File deleted")
    );
    let again = alice
        .post(&app, &path, &[("seq", &seq_text), ("confirm", "1")])
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_eq!(again.text().await.unwrap(), "That was already deleted.");
    let bad = alice
        .post(&app, &path, &[("seq", "seven"), ("confirm", "1")])
        .await;
    assert_eq!(bad.status(), StatusCode::NOT_FOUND);
    let found = app.eventually_stored(b"bobs-private-bytes").await;
    assert!(found.is_empty(), "the bytes are still in {found:?}");
}

#[tokio::test]
async fn shared_content_stays_until_its_last_reference_goes() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let carol = sign_in(&app, "Carol", None).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    let mut c = Ws::join(&app, &carol, 0).await;
    let bytes: Vec<u8> = b"in-two-rooms "
        .iter()
        .copied()
        .cycle()
        .take(50_000)
        .collect();
    let hers: UploadId = a.upload("f1", "same.bin", &bytes).await;
    let theirs: UploadId = c.upload("g1", "same.bin", &bytes).await;
    let mut a2 = Ws::join(&app, &alice, 0).await;
    let her_seq = file_seq(&mut a2, &hers).await;
    let mut c2 = Ws::join(&app, &carol, 0).await;
    let their_seq = file_seq(&mut c2, &theirs).await;

    a.send(&ClientMsg::Delete { target: her_seq }).await;
    deleted(&mut a).await;
    assert_eq!(
        reqwest::get(app.url(&hers.href())).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let download = reqwest::get(app.url(&theirs.href())).await.unwrap();
    assert_eq!(
        download.status(),
        StatusCode::OK,
        "the other room's copy stays"
    );
    assert_eq!(download.bytes().await.unwrap().as_ref(), bytes.as_slice());
    assert!(!app.stored(b"in-two-rooms ").await.is_empty());

    c.send(&ClientMsg::Delete { target: their_seq }).await;
    deleted(&mut c).await;
    let found = app.eventually_stored(b"in-two-rooms ").await;
    assert!(
        found.is_empty(),
        "the last reference took the bytes: {found:?}"
    );
}

#[tokio::test]
async fn deleting_a_file_still_uploading_cancels_it_and_its_partial_bytes() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    let bytes: Vec<u8> = b"half-way-there "
        .iter()
        .copied()
        .cycle()
        .take(60_000)
        .collect();
    let (upload, _) = a.offer("f1", "half.bin", &bytes, None).await.unwrap();
    a.chunk(&upload, 0, &bytes[..20_000]).await;
    let mut a2 = Ws::join(&app, &alice, 0).await;
    let seq = file_seq(&mut a2, &upload).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    a.send(&ClientMsg::Delete { target: seq }).await;
    assert_eq!(deleted(&mut a).await, seq);
    a.chunk(&upload, 20_000, &bytes[20_000..40_000]).await;
    assert_eq!(a.error_code().await, ErrorCode::UnknownUpload);
    let found = app.eventually_stored(b"half-way-there ").await;
    assert!(found.is_empty(), "the partial file is still in {found:?}");
}

#[tokio::test]
async fn two_owners_deleting_the_same_message_at_once_delete_it_once() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let carol = sign_in(&app, "Carol", Some(alice.code())).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    let mut b = Ws::join(&app, &bob, 0).await;
    let mut c = Ws::join(&app, &carol, 0).await;
    let bob_id = user_id(&app, &alice, "Bob").await;
    let response = settings(
        &app,
        &alice,
        None,
        &[("action", "promote"), ("user", &bob_id)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    c.say("m1", "spam spam spam").await;
    let seq = c.ack().await;

    a.send(&ClientMsg::Delete { target: seq }).await;
    b.send(&ClientMsg::Delete { target: seq }).await;
    assert_eq!(deleted(&mut c).await, seq);
    let frames = c.drain(Duration::from_millis(500)).await;
    let more = frames
        .iter()
        .filter(|m| matches!(m, ServerMsg::Event { event } if matches!(event.kind, EventKind::Deleted { .. })))
        .count();
    assert_eq!(more, 0, "one deletion: {frames:?}");
    let mut refusals = 0;
    for ws in [&mut a, &mut b] {
        let frames = ws.drain(Duration::from_millis(300)).await;
        refusals += frames
            .iter()
            .filter(|m| {
                matches!(
                    m,
                    ServerMsg::Error {
                        code: ErrorCode::NotFound,
                        ..
                    }
                )
            })
            .count();
    }
    assert_eq!(refusals, 1, "the other owner is told it's already deleted");
}

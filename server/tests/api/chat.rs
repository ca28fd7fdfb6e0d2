//! Real-time chat over the room's WebSocket: delivery, order, history,
//! resume, presence, and every kind of bad input.

use std::time::Duration;

use app::protocol::{ClientMsg, ClientMsgId, ErrorCode, EventKind, Seq, ServerMsg};
use reqwest::StatusCode;

use crate::helpers::{free_port, http, sign_in, start_binary, test_database, Page, TestApp};
use crate::ws::Ws;

/// Grace and ping timings short enough for tests.
async fn fast_app() -> TestApp {
    TestApp::spawn_with(|c| {
        c.presence_grace_ms = 300;
        c.ping_interval_ms = 100;
        c.ping_timeout_ms = 600;
    })
    .await
}

#[tokio::test]
async fn the_socket_needs_a_session_in_that_room_and_our_origin() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let eve = sign_in(&app, "Eve", None).await;
    let path = format!("/ws/{}", alice.code());
    assert_eq!(
        Ws::connect_to(&app, &path, None, None).await.err(),
        Some(401)
    );
    assert_eq!(
        Ws::connect_to(&app, &path, Some(&eve.cookie), None)
            .await
            .err(),
        Some(403)
    );
    assert_eq!(
        Ws::connect(&app, &alice, Some("https://evil.example"))
            .await
            .err(),
        Some(403)
    );
    let own = format!("http://{}", app.addr);
    assert!(Ws::connect(&app, &alice, Some(&own)).await.is_ok());
    assert_eq!(
        Ws::connect_to(&app, "/ws/not-a-code", Some(&alice.cookie), None)
            .await
            .err(),
        Some(404)
    );
}

#[tokio::test]
async fn a_message_reaches_everyone_in_the_room_and_no_one_else() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let carol = sign_in(&app, "Carol", None).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    let mut b = Ws::join(&app, &bob, 0).await;
    let mut c = Ws::join(&app, &carol, 0).await;

    a.say("m1", "hello <b>bob</b>").await;
    let seq = a.ack().await;
    assert_eq!(b.message().await, (seq, "hello <b>bob</b>".to_owned()));
    assert_eq!(a.message().await, (seq, "hello <b>bob</b>".to_owned()));
    let others = c.drain(Duration::from_millis(300)).await;
    assert!(
        !others.iter().any(|m| matches!(m, ServerMsg::Event { event } if matches!(event.kind, EventKind::Message { .. }))),
        "another room saw it: {others:?}"
    );
}

#[tokio::test]
async fn messages_arrive_in_sequence_order_from_several_senders() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    let mut b = Ws::join(&app, &bob, 0).await;
    let mut watcher = Ws::join(&app, &sign_in(&app, "Watcher", Some(alice.code())).await, 0).await;
    for i in 0..15 {
        a.say(&format!("a{i}"), &format!("a{i}")).await;
        b.say(&format!("b{i}"), &format!("b{i}")).await;
    }
    let mut last = Seq(0);
    let mut texts = Vec::new();
    while texts.len() < 30 {
        let (seq, text) = watcher.message().await;
        assert!(seq > last, "out of order: {seq:?} after {last:?}");
        last = seq;
        texts.push(text);
    }
    for i in 0..15 {
        let a_pos = texts.iter().position(|t| *t == format!("a{i}")).unwrap();
        let next = texts.iter().position(|t| *t == format!("a{}", i + 1));
        assert!(
            next.is_none_or(|n| n > a_pos),
            "one sender's messages keep their order"
        );
    }
}

#[tokio::test]
async fn history_survives_and_resume_replays_exactly_the_missing_events() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    let mut seqs = Vec::new();
    for i in 1..=3 {
        a.say(&format!("m{i}"), &format!("message {i}")).await;
        seqs.push(a.ack().await);
    }
    drop(a);
    let app = app.restart().await;
    let mut again = Ws::join(&app, &alice, seqs[0].0).await;
    assert_eq!(again.message().await, (seqs[1], "message 2".to_owned()));
    assert_eq!(again.message().await, (seqs[2], "message 3".to_owned()));
    again.say("m4", "message 4").await;
    let (seq, text) = again.message().await;
    assert_eq!(
        text, "message 4",
        "no duplicate of 2 or 3 arrives before live messages"
    );
    assert!(seq > seqs[2]);

    // The room page, rendered from the restarted server's history, shows
    // all four in order.
    let page = alice.page(&app, &alice.room).await;
    let texts = crate::helpers::texts(&page, "li.msg div.text");
    assert_eq!(
        texts,
        ["message 1", "message 2", "message 3", "message 4"],
        "the history after the restart"
    );
}

#[tokio::test]
async fn a_resent_message_is_stored_once() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    a.say("same-id", "once").await;
    let first = a.ack().await;
    drop(a);
    let mut again = Ws::join(&app, &alice, first.0).await;
    again.say("same-id", "once").await;
    assert_eq!(again.ack().await, first);
    let frames = again.drain(Duration::from_millis(300)).await;
    assert!(!frames.iter().any(|m| matches!(m, ServerMsg::Event { event } if matches!(event.kind, EventKind::Message { .. }))));
    let code = app::protocol::RoomCode::parse(alice.code()).unwrap();
    let messages = app.store.events_after(&code, Seq(0), 100).await.unwrap();
    let count = messages
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Message { .. }))
        .count();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn bad_messages_get_an_error_and_the_connection_survives() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    let mut b = Ws::join(&app, &bob, 0).await;

    let error = |m: &ServerMsg| match m {
        ServerMsg::Error { code, id, .. } => Some((*code, id.clone())),
        _ => None,
    };
    a.say("e1", "   ").await;
    assert_eq!(
        a.until(error).await,
        (ErrorCode::EmptyMessage, Some(ClientMsgId("e1".into())))
    );
    a.say("e2", &"x".repeat(4001)).await;
    assert_eq!(
        a.until(error).await,
        (ErrorCode::MessageTooLong, Some(ClientMsgId("e2".into())))
    );
    a.send_text("this is not json").await;
    assert_eq!(a.until(error).await, (ErrorCode::BadFrame, None));
    a.send_text(r#"{"type":"shout","text":"hi"}"#).await;
    assert_eq!(a.until(error).await, (ErrorCode::BadFrame, None));
    a.say(&"i".repeat(65), "hi").await;
    assert_eq!(a.until(error).await.0, ErrorCode::BadClientId);

    a.say("ok", &"y".repeat(4000)).await;
    a.ack().await;
    let (_, text) = b.message().await;
    assert_eq!(text.len(), 4000, "Bob saw only the valid message");
}

#[tokio::test]
async fn a_frame_over_64_kib_closes_with_1009() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    a.send_text(&"x".repeat(64 * 1024 + 1)).await;
    assert_eq!(a.closed().await, Some(1009));
    // The server is fine: a new connection works.
    let mut again = Ws::join(&app, &alice, 0).await;
    again.say("after", "still here").await;
    again.ack().await;
}

#[tokio::test]
async fn flooding_is_throttled_then_closed_with_1008() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    for i in 0..200 {
        a.send(&ClientMsg::Typing).await;
        if i % 50 == 0 {
            tokio::task::yield_now().await;
        }
    }
    let mut saw_rate_limit = false;
    let code = loop {
        match tokio::time::timeout(
            Duration::from_secs(5),
            futures_util::StreamExt::next(&mut a.stream),
        )
        .await
        {
            Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text)))) => {
                if text.contains("rate_limited") {
                    saw_rate_limit = true;
                }
            }
            Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Close(frame)))) => {
                break frame.map(|f| u16::from(f.code))
            }
            Ok(Some(Ok(_))) => continue,
            other => panic!("expected a close, got {other:?}"),
        }
    };
    assert!(saw_rate_limit, "warned before being closed");
    assert_eq!(code, Some(1008));
}

#[tokio::test]
async fn one_join_for_the_first_tab_and_one_leave_after_the_last() {
    let app = fast_app().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut watch = Ws::join(&app, &alice, 0).await;
    let joined = watch.event().await;
    assert_eq!(
        (joined.who.name.as_str(), &joined.kind),
        ("Alice", &EventKind::Joined)
    );

    let tab1 = Ws::join(&app, &bob, 0).await;
    let event = watch.event().await;
    assert_eq!(
        (event.who.name.as_str(), &event.kind),
        ("Bob", &EventKind::Joined)
    );
    let members = watch
        .until(|m| match m {
            ServerMsg::Presence { members } if members.len() == 2 => Some(members.clone()),
            _ => None,
        })
        .await;
    assert_eq!(
        members.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        ["Alice", "Bob"]
    );

    let tab2 = Ws::join(&app, &bob, 0).await;
    drop(tab1);
    // A reload: the last tab closes and a new one opens within the grace.
    drop(tab2);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let tab3 = Ws::join(&app, &bob, 0).await;
    let quiet = watch.drain(Duration::from_millis(600)).await;
    assert!(
        !quiet.iter().any(|m| matches!(m, ServerMsg::Event { .. })),
        "no leave/join pair for a reload: {quiet:?}"
    );

    drop(tab3);
    let left = watch.event().await;
    assert_eq!(
        (left.who.name.as_str(), &left.kind),
        ("Bob", &EventKind::Left)
    );
    let members = watch
        .until(|m| match m {
            ServerMsg::Presence { members } => Some(members.clone()),
            _ => None,
        })
        .await;
    assert_eq!(members.len(), 1);
}

#[tokio::test]
async fn leaving_announces_at_once_and_closes_the_tabs() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut watch = Ws::join(&app, &alice, 0).await;
    let mut b = Ws::join(&app, &bob, 0).await;
    watch
        .until(|m| {
            matches!(m, ServerMsg::Event { event } if event.who.name.as_str() == "Bob")
                .then_some(())
        })
        .await;

    let response = bob.post(&app, "/leave", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let left = watch.event().await;
    assert_eq!(
        (left.who.name.as_str(), &left.kind),
        ("Bob", &EventKind::Left)
    );
    assert_eq!(b.closed().await, Some(1000));
}

#[tokio::test]
async fn a_dead_connection_is_dropped_by_ping_timeout() {
    let app = fast_app().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut watch = Ws::join(&app, &alice, 0).await;
    // Bob's client stops reading (and so answering pings) after joining.
    let _silent = Ws::join(&app, &bob, 0).await;
    let left = watch
        .until(|m| match m {
            ServerMsg::Event { event } if event.kind == EventKind::Left => {
                Some(event.who.name.to_string())
            }
            _ => None,
        })
        .await;
    assert_eq!(left, "Bob");
}

#[tokio::test]
async fn typing_reaches_others_but_not_the_typist() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    let mut b = Ws::join(&app, &bob, 0).await;
    a.send(&ClientMsg::Typing).await;
    let who = b
        .until(|m| match m {
            ServerMsg::Typing { who } => Some(who.name.to_string()),
            _ => None,
        })
        .await;
    assert_eq!(who, "Alice");
    assert!(!a
        .drain(Duration::from_millis(300))
        .await
        .iter()
        .any(|m| matches!(m, ServerMsg::Typing { .. })));
}

#[tokio::test]
async fn shutdown_closes_sockets_with_1001_and_keeps_what_was_acknowledged() {
    let mut app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    a.say("kept", "acknowledged before shutdown").await;
    let seq = a.ack().await;
    app.shutdown().await;
    assert_eq!(a.closed().await, Some(1001));
    let app = app.restart().await;
    let mut again = Ws::join(&app, &alice, seq.0 - 1).await;
    assert_eq!(
        again.message().await,
        (seq, "acknowledged before shutdown".to_owned())
    );
}

#[tokio::test]
async fn a_resume_too_far_back_or_ahead_gets_a_reset() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    a.say("x", "x").await;
    a.ack().await;
    let mut ahead = Ws::join(&app, &alice, 10_000).await;
    let events = ahead
        .until(|m| match m {
            ServerMsg::Reset { events } => Some(events.clone()),
            _ => None,
        })
        .await;
    assert!(events
        .iter()
        .any(|e| matches!(&e.kind, EventKind::Message { text, .. } if text == "x")));
}

#[tokio::test]
async fn a_resume_too_far_back_gets_a_reset_with_the_newest_events() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let code = app::protocol::RoomCode::parse(alice.code()).unwrap();
    let who = app::protocol::Member {
        user: app::protocol::UserId("writer".into()),
        name: app::protocol::UserName::parse("Writer").unwrap(),
    };
    // 1,100 events written before the room is live: more than a resume
    // replays.
    for seq in 1..=1_100u64 {
        let kind = EventKind::Message {
            text: format!("old {seq}"),
            client_id: ClientMsgId(format!("w{seq}")),
            reply_to: None,
            edited: false,
            reactions: Vec::new(),
        };
        app.store.append(&code, &who, kind).await.unwrap();
    }
    let mut behind = Ws::join(&app, &alice, 5).await;
    let events = behind
        .until(|m| match m {
            ServerMsg::Reset { events } => Some(events.clone()),
            ServerMsg::Event { event } => panic!("replayed {} instead of a reset", event.seq.0),
            _ => None,
        })
        .await;
    let seqs: Vec<u64> = events.iter().map(|e| e.seq.0).collect();
    // The newest fifty: the old messages' last 49, then Alice's own join.
    assert_eq!(seqs, (1_052..=1_101).collect::<Vec<_>>());
    assert_eq!(events.last().map(|e| &e.kind), Some(&EventKind::Joined));
    // Live events follow, none of them again.
    behind.say("after", "after the reset").await;
    assert_eq!(
        behind.message().await,
        (Seq(1_102), "after the reset".to_owned())
    );
}

#[tokio::test]
async fn without_javascript_the_form_posts_and_the_page_shows_history() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let client = http();
    let post = |text: &'static str| {
        client
            .post(app.url("/api/post_message"))
            .header("cookie", &alice.cookie)
            .header("accept", "text/html")
            .form(&[("code", alice.code()), ("text", text), ("client_id", "")])
            .send()
    };
    let response = post("<img src=x onerror=alert(1)>").await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        crate::helpers::location(&response),
        format!("{}#e1", alice.room),
        "the page opens at the new message (the room's first event: Alice never connected)"
    );

    let response = post("   ").await.unwrap();
    assert_eq!(
        crate::helpers::location(&response),
        format!("{}?error=message_empty", alice.room)
    );
    let html = alice
        .page(&app, &format!("{}?error=message_empty", alice.room))
        .await;
    assert!(
        crate::helpers::alert(&html)
            .unwrap()
            .contains("Type a message first"),
        "{html}"
    );
    let page = Page::parse(&html);
    assert!(
        page.texts("li.msg div.text")
            .iter()
            .any(|t| t == "<img src=x onerror=alert(1)>"),
        "rendered as text: {html}"
    );
    assert_eq!(page.count("img[onerror]"), 0, "never as markup");
    assert_eq!(page.count(r#"[role="log"][aria-label="Messages"]"#), 1);

    // Someone outside the room can't post to it.
    let eve = sign_in(&app, "Eve", None).await;
    let response = client
        .post(app.url("/api/post_message"))
        .header("cookie", &eve.cookie)
        .form(&[("code", alice.code()), ("text", "hi"), ("client_id", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_room_page_renders_the_newest_fifty_and_pages_back() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    for i in 1..=60 {
        a.say(&format!("id{i}"), &format!("message number {i}."))
            .await;
        a.ack().await;
        if i % 15 == 0 {
            tokio::time::sleep(Duration::from_millis(800)).await; // stay under the rate limit
        }
    }
    let html = alice.page(&app, &alice.room).await;
    let page = Page::parse(&html);
    let texts = page.texts("li.msg div.text");
    // Fifty events: Alice's join is the first of 61.
    let newest: Vec<String> = (11..=60).map(|i| format!("message number {i}.")).collect();
    assert_eq!(texts, newest, "the newest fifty, and not older ones");
    assert_eq!(
        page.text("a.older").as_deref(),
        Some("Load earlier messages")
    );
    let href = page.attr("a.older", "href").unwrap();
    let first = href.strip_prefix("?before=").unwrap();
    let older = alice
        .page(&app, &format!("{}?before={first}", alice.room))
        .await;
    let older = Page::parse(&older);
    let texts = older.texts("li.msg div.text");
    let oldest: Vec<String> = (1..=10).map(|i| format!("message number {i}.")).collect();
    assert_eq!(texts, oldest, "the ten before them");
    assert_eq!(older.texts("li.notice"), ["Alice joined"]);
}

#[tokio::test]
async fn a_client_that_stops_reading_is_reset_or_dropped_and_others_get_everything() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut fast = Ws::join(&app, &bob, 0).await;
    let mut slow = Ws::join(&app, &sign_in(&app, "Sloth", Some(alice.code())).await, 0).await;
    // Let both see the joins, then Sloth stops reading.
    fast.drain(Duration::from_millis(200)).await;
    slow.drain(Duration::from_millis(200)).await;

    // 12 MB of messages: more than loopback buffers and the server's
    // per-connection write buffer hold.
    let client = http();
    let big = "z".repeat(4000);
    const COUNT: usize = 3000;
    let reader = tokio::spawn(async move {
        let mut got = 0;
        while got < COUNT {
            fast.message().await;
            got += 1;
        }
        got
    });
    for _ in 0..COUNT {
        let response = client
            .post(app.url("/api/post_message"))
            .header("cookie", &alice.cookie)
            .form(&[
                ("code", alice.code()),
                ("text", big.as_str()),
                ("client_id", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(
        reader.await.unwrap(),
        COUNT,
        "the reading client got every message"
    );

    // The slow client was either told to reset (its queue dropped) or
    // disconnected; it never gets an unbounded backlog.
    let mut outcome = "nothing";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::time::Instant::now() < deadline {
        match tokio::time::timeout_at(deadline, futures_util::StreamExt::next(&mut slow.stream))
            .await
        {
            Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text)))) => {
                if text.starts_with(r#"{"type":"reset""#) {
                    outcome = "reset";
                    break;
                }
            }
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_)) | None) => {
                outcome = "dropped";
                break;
            }
            Err(_) => break,
        }
    }
    assert_ne!(outcome, "nothing");
}

#[tokio::test]
async fn an_acknowledged_message_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let database = test_database();
    let start = || start_binary(dir.path(), &database, port);
    let mut child = start();
    let app = TestApp::external(port).await;
    let alice = sign_in(&app, "Alice", None).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    a.say("durable", "acknowledged, then killed").await;
    let seq = a.ack().await;
    child.kill().unwrap(); // SIGKILL: no shutdown, no checkpoint
    child.wait().unwrap();

    let mut child = start();
    let app = TestApp::external(port).await;
    let mut again = Ws::join(&app, &alice, seq.0 - 1).await;
    assert_eq!(
        again.message().await,
        (seq, "acknowledged, then killed".to_owned())
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

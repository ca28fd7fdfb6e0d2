//! Replies, edits and reactions: stored events that reach everyone live,
//! survive a restart and replay to the same state, refused for messages
//! that are someone else's or gone, and usable as plain forms.

use app::protocol::{ClientMsg, ClientMsgId, ErrorCode, EventKind, Reaction, Seq, ServerMsg};
use reqwest::StatusCode;

use crate::helpers::{alert, location, sign_in, Page, TestApp};
use crate::ws::Ws;

/// The kind of the event at `seq`, skipping others.
async fn event_at(ws: &mut Ws, seq: Seq) -> EventKind {
    ws.until(|m| match m {
        ServerMsg::Event { event } if event.seq == seq => Some(event.kind.clone()),
        _ => None,
    })
    .await
}

/// The next edit or reaction event.
async fn change(ws: &mut Ws) -> EventKind {
    ws.until(|m| match m {
        ServerMsg::Event { event }
            if matches!(
                event.kind,
                EventKind::Edited { .. } | EventKind::Reacted { .. }
            ) =>
        {
            Some(event.kind.clone())
        }
        _ => None,
    })
    .await
}

async fn refusal(ws: &mut Ws) -> ErrorCode {
    ws.error_code().await
}

fn reply(id: &str, text: &str, to: Seq) -> ClientMsg {
    ClientMsg::Send {
        id: ClientMsgId(id.into()),
        text: text.into(),
        reply_to: Some(to),
    }
}

fn react(target: Seq, emoji: &str, on: bool) -> ClientMsg {
    ClientMsg::React {
        target,
        emoji: emoji.into(),
        on,
    }
}

/// Every event of a replay from the start, without presence.
async fn replay(app: &TestApp, member: &crate::helpers::Member) -> Vec<(Seq, EventKind)> {
    let mut ws = Ws::join(app, member, 0).await;
    let frames = ws.drain(std::time::Duration::from_millis(700)).await;
    frames
        .into_iter()
        .filter_map(|m| match m {
            ServerMsg::Event { event } => match event.kind {
                EventKind::Joined | EventKind::Left => None,
                kind => Some((event.seq, kind)),
            },
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_reply_an_edit_and_a_reaction_reach_everyone_and_survive_a_restart() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    let mut b = Ws::join(&app, &bob, 0).await;

    a.say("m1", "lunch at noon?").await;
    let question = a.ack().await;
    b.send(&reply("r1", "yes *please*", question)).await;
    let answer = b.ack().await;
    let kind = event_at(&mut a, answer).await;
    assert!(
        matches!(&kind, EventKind::Message { text, reply_to: Some(to), .. } if text == "yes *please*" && *to == question),
        "{kind:?}"
    );

    a.send(&ClientMsg::Edit {
        target: question,
        text: "lunch at one?".into(),
    })
    .await;
    assert_eq!(
        change(&mut b).await,
        EventKind::Edited {
            target: question,
            text: "lunch at one?".into()
        }
    );

    b.send(&react(question, "👍", true)).await;
    let thumbs = EventKind::Reacted {
        target: question,
        emoji: "👍".into(),
        on: true,
    };
    assert_eq!(
        change(&mut a).await,
        EventKind::Edited {
            target: question,
            text: "lunch at one?".into()
        }
    );
    assert_eq!(change(&mut a).await, thumbs);
    // Asking again for what already stands stores and sends nothing.
    b.send(&react(question, "👍", true)).await;
    a.send(&react(question, "🎉", true)).await;
    assert_eq!(change(&mut b).await, thumbs);
    assert_eq!(
        change(&mut b).await,
        EventKind::Reacted {
            target: question,
            emoji: "🎉".into(),
            on: true
        },
        "no second 👍"
    );
    drop(a);
    drop(b);

    let app = app.restart().await;
    // History holds the message as it is now; replaying it twice gives the
    // same events (a reconnecting tab sees the same room).
    let first = replay(&app, &alice).await;
    assert_eq!(
        first,
        replay(&app, &alice).await,
        "a replay is the same every time"
    );
    let message = first
        .iter()
        .find(|(s, _)| *s == question)
        .map(|(_, k)| k.clone())
        .unwrap();
    let EventKind::Message {
        text,
        edited,
        reactions,
        ..
    } = message
    else {
        panic!("{message:?}")
    };
    assert_eq!(text, "lunch at one?");
    assert!(edited);
    let names = |r: &Reaction| r.by.iter().map(|m| m.name.to_string()).collect::<Vec<_>>();
    assert_eq!(
        reactions
            .iter()
            .map(|r| (r.emoji.clone(), names(r)))
            .collect::<Vec<_>>(),
        [
            ("👍".to_owned(), vec!["Bob".to_owned()]),
            ("🎉".to_owned(), vec!["Alice".to_owned()])
        ]
    );

    // The server-rendered page shows the same: new text marked edited, the
    // reply's quote linking to the question, counts named in titles.
    let page = Page::parse(&alice.page(&app, &alice.room).await);
    let q = format!("#e{}", question.0);
    assert_eq!(
        page.text(&format!("{q} .text")).as_deref(),
        Some("lunch at one? (edited)")
    );
    assert_eq!(
        page.attr(&format!("#e{} a.quote", answer.0), "href"),
        Some(q.clone())
    );
    assert_eq!(
        page.text(&format!("#e{} a.quote .quote-text", answer.0))
            .as_deref(),
        Some("lunch at one?")
    );
    assert_eq!(
        page.text(&format!("#e{} .text strong", answer.0))
            .as_deref(),
        Some("please")
    );
    assert_eq!(
        page.attr(&format!("{q} button.chip[value=\"👍\"]"), "title")
            .as_deref(),
        Some("Bob")
    );
    assert_eq!(
        page.text(&format!("{q} button.chip[value=\"🎉\"] .count"))
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        page.attr(&format!("{q} button.chip[value=\"🎉\"]"), "aria-pressed")
            .as_deref(),
        Some("true"),
        "Alice's own reaction"
    );
}

#[tokio::test]
async fn edits_and_reactions_are_refused_for_others_messages_and_deleted_ones() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    let mut b = Ws::join(&app, &bob, 0).await;
    a.say("m1", "mine").await;
    let mine = a.ack().await;

    b.send(&ClientMsg::Edit {
        target: mine,
        text: "hijacked".into(),
    })
    .await;
    assert_eq!(refusal(&mut b).await, ErrorCode::NotAllowed);
    b.send(&react(mine, "🍕", true)).await;
    assert_eq!(
        refusal(&mut b).await,
        ErrorCode::BadFrame,
        "only the offered emoji"
    );
    for nowhere in [Seq(9999), Seq(1)] {
        // 1 is Alice's "joined": not a message.
        b.send(&react(nowhere, "👍", true)).await;
        assert_eq!(refusal(&mut b).await, ErrorCode::NotFound, "{nowhere:?}");
    }
    a.send(&ClientMsg::Edit {
        target: mine,
        text: "   ".into(),
    })
    .await;
    assert_eq!(refusal(&mut a).await, ErrorCode::EmptyMessage);

    a.send(&ClientMsg::Delete { target: mine }).await;
    b.until(|m| {
        matches!(m, ServerMsg::Event { event } if matches!(event.kind, EventKind::Deleted { .. }))
            .then_some(())
    })
    .await;
    b.send(&react(mine, "👍", true)).await;
    assert_eq!(
        refusal(&mut b).await,
        ErrorCode::NotFound,
        "a reaction to a deleted message"
    );
    a.send(&ClientMsg::Edit {
        target: mine,
        text: "back again".into(),
    })
    .await;
    assert_eq!(
        refusal(&mut a).await,
        ErrorCode::NotFound,
        "an edit of a deleted message"
    );
    b.send(&reply("r1", "to nothing", mine)).await;
    assert_eq!(
        refusal(&mut b).await,
        ErrorCode::NotFound,
        "a reply to a deleted message"
    );

    let page = Page::parse(&alice.page(&app, &alice.room).await);
    assert!(!page
        .texts(".text")
        .iter()
        .any(|t| t.contains("hijacked") || t.contains("back again")));
}

#[tokio::test]
async fn deleting_an_edited_message_leaves_none_of_its_versions_in_the_data_dir() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    a.say("m1", "draft-one-5521").await;
    let seq = a.ack().await;
    for text in ["draft-two-5521", "draft-three-5521"] {
        a.send(&ClientMsg::Edit {
            target: seq,
            text: text.into(),
        })
        .await;
        change(&mut a).await;
    }
    a.send(&react(seq, "❤️", true)).await;
    a.send(&ClientMsg::Delete { target: seq }).await;
    a.until(|m| {
        matches!(m, ServerMsg::Event { event } if matches!(event.kind, EventKind::Deleted { .. }))
            .then_some(())
    })
    .await;

    for version in ["draft-one-5521", "draft-two-5521", "draft-three-5521"] {
        let found = app.eventually_stored(version.as_bytes()).await;
        assert!(found.is_empty(), "{version} is still in {found:?}");
    }
    // A tab replaying from the start sees a tombstone and no change with
    // text in it.
    let events = replay(&app, &alice).await;
    assert!(
        events
            .iter()
            .all(|(_, k)| !format!("{k:?}").contains("5521")),
        "{events:?}"
    );
}

#[tokio::test]
async fn without_javascript_reply_edit_and_react_are_forms() {
    let app = TestApp::spawn().await;
    let alice = sign_in(&app, "Alice", None).await;
    let bob = sign_in(&app, "Bob", Some(alice.code())).await;
    let mut a = Ws::join(&app, &alice, 0).await;
    a.say("m1", "who brings cake").await;
    let question = a.ack().await;
    let code = bob.code().to_owned();

    // "Reply" comes back with the composer answering.
    let html = bob
        .page(&app, &format!("{}?reply={}", bob.room, question.0))
        .await;
    let page = Page::parse(&html);
    assert_eq!(
        page.attr(r#"input[name="reply_to"]"#, "value"),
        Some(question.0.to_string()),
        "{html}"
    );
    assert!(
        page.text(".answering")
            .unwrap_or_default()
            .contains("Replying to Alice"),
        "{html}"
    );
    let q = question.0.to_string();
    let response = bob
        .submit(
            &app,
            "/api/post_message",
            &[
                ("code", &code),
                ("text", "me!"),
                ("client_id", ""),
                ("reply_to", &q),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let landed = location(&response);
    let answer: u64 = landed.rsplit("#e").next().unwrap().parse().unwrap();
    let kind = event_at(&mut a, Seq(answer)).await;
    assert!(
        matches!(kind, EventKind::Message { reply_to: Some(to), .. } if to == question),
        "live: {kind:?}"
    );

    // "Edit" comes back with the composer holding the text.
    let html = bob.page(&app, &format!("{}?edit={answer}", bob.room)).await;
    let page = Page::parse(&html);
    assert_eq!(
        page.text("textarea#composer-text").as_deref(),
        Some("me!"),
        "{html}"
    );
    let a_s = answer.to_string();
    let response = bob
        .submit(
            &app,
            "/api/post_message",
            &[
                ("code", &code),
                ("text", "me, with candles"),
                ("client_id", ""),
                ("edit", &a_s),
            ],
        )
        .await;
    assert_eq!(location(&response), format!("{}#e{answer}", bob.room));
    assert_eq!(
        change(&mut a).await,
        EventKind::Edited {
            target: Seq(answer),
            text: "me, with candles".into()
        }
    );
    // Someone else's message: the room says why.
    let response = bob
        .submit(
            &app,
            "/api/post_message",
            &[
                ("code", &code),
                ("text", "no cake"),
                ("client_id", ""),
                ("edit", &q),
            ],
        )
        .await;
    let back = location(&response);
    assert_eq!(back, format!("{}?error=not_your_message", bob.room));
    assert!(alert(&bob.page(&app, &back).await)
        .unwrap()
        .contains("your own"));

    // React toggles: on, then off.
    for (expected, count) in [(true, Some("1")), (false, None)] {
        let response = bob
            .submit(
                &app,
                "/api/react",
                &[("code", &code), ("seq", &q), ("emoji", "🎉")],
            )
            .await;
        assert_eq!(location(&response), format!("{}#e{q}", bob.room));
        assert!(matches!(change(&mut a).await, EventKind::Reacted { on, .. } if on == expected));
        let page = Page::parse(&bob.page(&app, &bob.room).await);
        assert_eq!(
            page.text(&format!("#e{q} button.chip .count")).as_deref(),
            count
        );
    }
    let response = bob
        .submit(
            &app,
            "/api/react",
            &[("code", &code), ("seq", "9999"), ("emoji", "🎉")],
        )
        .await;
    assert_eq!(
        location(&response),
        format!("{}?error=no_such_message", bob.room)
    );
    let page = Page::parse(&bob.page(&app, &bob.room).await);
    assert_eq!(
        page.count(&format!("#e{q} .tools button[popovertarget=\"react-{q}\"]")),
        1,
        "React opens the picker"
    );
    assert_eq!(page.count(&format!("#react-{q} button[name=\"emoji\"]")), 6);
}

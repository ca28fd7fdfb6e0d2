//! Pins the WebSocket wire format: every message against literal JSON (a
//! change here breaks bots and old tabs), plus a round-trip property test.

use app::protocol::*;
use proptest::prelude::*;
use serde_json::{json, Value};

fn member() -> Member {
    Member {
        user: UserId("u1".into()),
        name: UserName::parse("Ada").unwrap(),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

#[test]
fn client_messages_have_a_fixed_shape() {
    assert_eq!(
        to_json(&ClientMsg::Resume { after: Seq(41) }),
        json!({"type": "resume", "after": 41})
    );
    assert_eq!(
        to_json(&ClientMsg::Send {
            id: ClientMsgId("c-1".into()),
            text: "hi <b>".into(),
            reply_to: None,
        }),
        json!({"type": "send", "id": "c-1", "text": "hi <b>"})
    );
    assert_eq!(
        to_json(&ClientMsg::Send {
            id: ClientMsgId("c-2".into()),
            text: "same".into(),
            reply_to: Some(Seq(7)),
        }),
        json!({"type": "send", "id": "c-2", "text": "same", "reply_to": 7})
    );
    assert_eq!(to_json(&ClientMsg::Typing), json!({"type": "typing"}));
}

#[test]
fn deletions_and_settings_have_a_fixed_shape() {
    assert_eq!(
        to_json(&ClientMsg::Delete { target: Seq(12) }),
        json!({"type": "delete", "target": 12})
    );
    let who = json!({"user": "u1", "name": "Ada"});
    for (kind, fields) in [
        (
            EventKind::Tombstone { file: false },
            json!({"kind": "tombstone", "file": false}),
        ),
        (
            EventKind::Deleted { target: Seq(12) },
            json!({"kind": "deleted", "target": 12}),
        ),
        (
            EventKind::Removed {
                by: UserName::parse("Bo").unwrap(),
            },
            json!({"kind": "removed", "by": "Bo"}),
        ),
    ] {
        let event = Event {
            seq: Seq(13),
            at: 5,
            who: member(),
            kind,
        };
        let mut expected = json!({"seq": 13, "at": 5, "who": who});
        for (key, value) in fields.as_object().unwrap() {
            expected[key] = value.clone();
        }
        assert_eq!(to_json(&event), expected);
        let wire = serde_json::to_string(&event).unwrap();
        assert_eq!(serde_json::from_str::<Event>(&wire).unwrap(), event);
    }
    let settings = ServerMsg::Settings {
        expires_at: Some(1_700_000_000_000),
        locked: true,
        password: false,
        owners: vec![UserId("u1".into())],
    };
    let json = json!({"type": "settings", "expires_at": 1_700_000_000_000_i64,
        "locked": true, "password": false, "owners": ["u1"]});
    assert_eq!(to_json(&settings), json);
    let never =
        r#"{"type":"settings","expires_at":null,"locked":false,"password":true,"owners":[]}"#;
    assert!(matches!(
        serde_json::from_str::<ServerMsg>(never).unwrap(),
        ServerMsg::Settings {
            expires_at: None,
            password: true,
            ..
        }
    ));
    let closing = ServerMsg::Closing {
        reason: ClosingReason::Expired,
    };
    assert_eq!(
        to_json(&closing),
        json!({"type": "closing", "reason": "expired"})
    );
    assert_eq!(
        to_json(&ServerMsg::Closing {
            reason: ClosingReason::Deleted
        }),
        json!({"type": "closing", "reason": "deleted"})
    );
    assert_eq!(to_json(&ErrorCode::NotAllowed), json!("not_allowed"));
    assert_eq!(to_json(&ErrorCode::NotFound), json!("not_found"));
}

#[test]
fn edits_and_reactions_have_a_fixed_shape() {
    assert_eq!(
        to_json(&ClientMsg::Edit {
            target: Seq(7),
            text: "fixed".into()
        }),
        json!({"type": "edit", "target": 7, "text": "fixed"})
    );
    assert_eq!(
        to_json(&ClientMsg::React {
            target: Seq(7),
            emoji: "🎉".into(),
            on: true
        }),
        json!({"type": "react", "target": 7, "emoji": "🎉", "on": true})
    );
    let edited = Event {
        seq: Seq(9),
        at: 5,
        who: member(),
        kind: EventKind::Edited {
            target: Seq(7),
            text: "fixed".into(),
        },
    };
    assert_eq!(
        to_json(&edited),
        json!({"seq": 9, "at": 5, "who": {"user": "u1", "name": "Ada"},
               "kind": "edited", "target": 7, "text": "fixed"})
    );
    let reacted = Event {
        seq: Seq(10),
        at: 6,
        who: member(),
        kind: EventKind::Reacted {
            target: Seq(7),
            emoji: "👍".into(),
            on: false,
        },
    };
    assert_eq!(
        to_json(&reacted),
        json!({"seq": 10, "at": 6, "who": {"user": "u1", "name": "Ada"},
               "kind": "reacted", "target": 7, "emoji": "👍", "on": false})
    );
    // A message from history, as it stands now: a reply, edited, with
    // reactions (who reacted, earliest first).
    let reply = Event {
        seq: Seq(8),
        at: 4,
        who: member(),
        kind: EventKind::Message {
            text: "yes".into(),
            client_id: ClientMsgId("c-3".into()),
            reply_to: Some(Seq(7)),
            edited: true,
            reactions: vec![Reaction {
                emoji: "❤️".into(),
                by: vec![member()],
            }],
        },
    };
    let json = json!({"seq": 8, "at": 4, "who": {"user": "u1", "name": "Ada"},
        "kind": "message", "text": "yes", "client_id": "c-3", "reply_to": 7, "edited": true,
        "reactions": [{"emoji": "❤️", "by": [{"user": "u1", "name": "Ada"}]}]});
    assert_eq!(to_json(&reply), json);
    // Read back as the server writes it (the kind's tag before its fields).
    for event in [reply, edited, reacted] {
        let wire = serde_json::to_string(&event).unwrap();
        assert_eq!(serde_json::from_str::<Event>(&wire).unwrap(), event);
    }
}

#[test]
fn server_messages_have_a_fixed_shape() {
    let message = Event {
        seq: Seq(7),
        at: 1_700_000_000_000,
        who: member(),
        kind: EventKind::Message {
            text: "hello".into(),
            client_id: ClientMsgId("c-1".into()),
            reply_to: None,
            edited: false,
            reactions: Vec::new(),
        },
    };
    assert_eq!(
        to_json(&ServerMsg::Event {
            event: message.clone()
        }),
        json!({"type": "event", "event": {
            "seq": 7, "at": 1_700_000_000_000_i64, "who": {"user": "u1", "name": "Ada"},
            "kind": "message", "text": "hello", "client_id": "c-1"
        }})
    );
    let joined = Event {
        seq: Seq(8),
        at: 5,
        who: member(),
        kind: EventKind::Joined,
    };
    assert_eq!(
        to_json(&joined),
        json!({"seq": 8, "at": 5, "who": {"user": "u1", "name": "Ada"}, "kind": "joined"})
    );
    assert_eq!(
        to_json(&Event {
            kind: EventKind::Left,
            ..joined.clone()
        })["kind"],
        json!("left")
    );
    assert_eq!(
        to_json(&ServerMsg::Welcome {
            you: member(),
            latest: Seq(8)
        }),
        json!({"type": "welcome", "you": {"user": "u1", "name": "Ada"}, "latest": 8})
    );
    assert_eq!(
        to_json(&ServerMsg::Ack {
            id: ClientMsgId("c-1".into()),
            seq: Seq(7)
        }),
        json!({"type": "ack", "id": "c-1", "seq": 7})
    );
    assert_eq!(
        to_json(&ServerMsg::Presence {
            members: vec![member()]
        }),
        json!({"type": "presence", "members": [{"user": "u1", "name": "Ada"}]})
    );
    assert_eq!(
        to_json(&ServerMsg::Typing { who: member() }),
        json!({"type": "typing", "who": {"user": "u1", "name": "Ada"}})
    );
    assert_eq!(
        to_json(&ServerMsg::Reset {
            events: vec![joined]
        }),
        json!({"type": "reset", "events": [{"seq": 8, "at": 5, "who": {"user": "u1", "name": "Ada"}, "kind": "joined"}]})
    );
    assert_eq!(
        to_json(&ServerMsg::Error {
            code: ErrorCode::MessageTooLong,
            message: "too long".into(),
            id: Some(ClientMsgId("c-2".into())),
            upload: None,
            expected: None,
        }),
        json!({"type": "error", "code": "message_too_long", "message": "too long", "id": "c-2"})
    );
}

fn shared_file() -> SharedFile {
    SharedFile {
        id: UploadId("0123456789abcdef0123456789abcdef".into()),
        name: "cat.png".into(),
        size: 2048,
        mime: "image/png".into(),
        received: 1024,
        status: FileStatus::Uploading,
        dimensions: Some((640, 480)),
    }
}

#[test]
fn file_frames_have_a_fixed_shape() {
    let id = "0123456789abcdef0123456789abcdef";
    assert_eq!(
        to_json(&ClientMsg::Offer {
            id: ClientMsgId("f-1".into()),
            name: "../x".into(),
            size: 2048,
            mime: "image/png".into(),
            sha256: None,
        }),
        json!({"type": "offer", "id": "f-1", "name": "../x", "size": 2048, "mime": "image/png"})
    );
    assert_eq!(
        to_json(&ClientMsg::ResumeUpload {
            upload: UploadId(id.into())
        }),
        json!({"type": "resume_upload", "upload": id})
    );
    assert_eq!(
        to_json(&ClientMsg::CancelUpload {
            upload: UploadId(id.into())
        }),
        json!({"type": "cancel_upload", "upload": id})
    );
    assert_eq!(
        to_json(&Event {
            seq: Seq(9),
            at: 5,
            who: member(),
            kind: EventKind::File {
                file: shared_file()
            },
        }),
        json!({"seq": 9, "at": 5, "who": {"user": "u1", "name": "Ada"}, "kind": "file", "file": {
            "id": id, "name": "cat.png", "size": 2048, "mime": "image/png",
            "received": 1024, "status": "uploading", "dimensions": [640, 480]
        }})
    );
    assert_eq!(
        to_json(&ServerMsg::Upload {
            id: Some(ClientMsgId("f-1".into())),
            upload: UploadId(id.into()),
            offset: 0
        }),
        json!({"type": "upload", "id": "f-1", "upload": id, "offset": 0})
    );
    assert_eq!(
        to_json(&ServerMsg::Received {
            upload: UploadId(id.into()),
            offset: 512
        }),
        json!({"type": "received", "upload": id, "offset": 512})
    );
    assert_eq!(
        to_json(&ServerMsg::Progress {
            upload: UploadId(id.into()),
            received: 2048,
            status: FileStatus::Complete,
            dimensions: None,
        }),
        json!({"type": "progress", "upload": id, "received": 2048, "status": "complete"})
    );
    assert_eq!(
        to_json(&ServerMsg::Error {
            code: ErrorCode::BadOffset,
            message: "m".into(),
            id: None,
            upload: Some(UploadId(id.into())),
            expected: Some(512),
        }),
        json!({"type": "error", "code": "bad_offset", "message": "m", "id": null, "upload": id, "expected": 512})
    );
}

#[test]
fn chunk_frames_carry_id_offset_and_bytes() {
    let upload = UploadId("0123456789abcdef0123456789abcdef".into());
    let mut frame = vec![0u8; CHUNK_HEADER_BYTES + 3];
    assert!(Chunk::write_header(&upload, 258, &mut frame));
    frame[CHUNK_HEADER_BYTES..].copy_from_slice(b"abc");
    assert_eq!(
        frame[..16],
        [
            0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
            0xcd, 0xef
        ]
    );
    assert_eq!(frame[16..24], [0, 0, 0, 0, 0, 0, 1, 2]);
    let chunk = Chunk::parse(&frame).unwrap();
    assert_eq!(chunk.upload, upload);
    assert_eq!(chunk.offset, 258);
    assert_eq!(chunk.payload, b"abc");
    assert!(Chunk::parse(&frame[..23]).is_none());
    assert!(!Chunk::write_header(
        &UploadId("../etc".into()),
        0,
        &mut frame
    ));
    assert!(!Chunk::write_header(
        &UploadId("0123456789ABCDEF0123456789ABCDEF".into()),
        0,
        &mut frame
    ));
}

#[test]
fn unknown_or_malformed_frames_do_not_parse() {
    for bad in [
        r#"{"type":"shout"}"#,
        r#"{"type":"send","id":"x"}"#,
        "not json",
        r#"{"after":1}"#,
    ] {
        assert!(serde_json::from_str::<ClientMsg>(bad).is_err(), "{bad}");
    }
}

#[test]
fn server_frames_are_read_tag_first_and_ignore_unknown_keys() {
    let who = r#"{"user":"u1","name":"Ada"}"#;
    let welcome = format!(r#"{{"type":"welcome","you":{who},"latest":3,"added_later":[1]}}"#);
    assert_eq!(
        serde_json::from_str::<ServerMsg>(&welcome).unwrap(),
        ServerMsg::Welcome {
            you: member(),
            latest: Seq(3)
        }
    );
    let joined = format!(
        r#"{{"type":"event","event":{{"seq":8,"at":5,"who":{who},"kind":"joined","x":{{}}}}}}"#
    );
    assert_eq!(
        serde_json::from_str::<ServerMsg>(&joined).unwrap(),
        ServerMsg::Event {
            event: Event {
                seq: Seq(8),
                at: 5,
                who: member(),
                kind: EventKind::Joined
            }
        }
    );
    // The server writes the tag first; anything else is refused plainly.
    let late = format!(r#"{{"you":{who},"latest":3,"type":"welcome"}}"#);
    let error = serde_json::from_str::<ServerMsg>(&late)
        .unwrap_err()
        .to_string();
    assert!(error.contains(r#""type" must come first"#), "{error}");
    for bad in [
        r#"{"type":"nonsense"}"#.to_owned(),
        r#"{"type":"ack","id":"c-1"}"#.to_owned(),
        r#"{"type":"event","event":{"seq":1,"at":5,"kind":"left"}}"#.to_owned(),
        format!(r#"{{"type":"event","event":{{"seq":1,"at":5,"who":{who}}}}}"#),
        r#"{"type":"presence","members":[]"#.to_owned(),
        r#"["welcome"]"#.to_owned(),
    ] {
        assert!(serde_json::from_str::<ServerMsg>(&bad).is_err(), "{bad}");
    }
}

#[test]
fn names_inside_frames_are_validated() {
    let frame = r#"{"type":"typing","who":{"user":"u","name":"a\u0007b"}}"#;
    assert!(serde_json::from_str::<ServerMsg>(frame).is_err());
}

#[test]
fn sends_are_validated() {
    let id = ClientMsgId("c".into());
    assert!(ClientMsg::validate_send(&id, "hi").is_ok());
    assert_eq!(
        ClientMsg::validate_send(&id, " \n ").unwrap_err().code(),
        ErrorCode::EmptyMessage
    );
    assert!(ClientMsg::validate_send(&id, &"é".repeat(4000)).is_ok());
    assert_eq!(
        ClientMsg::validate_send(&id, &"é".repeat(4001))
            .unwrap_err()
            .code(),
        ErrorCode::MessageTooLong
    );
    assert_eq!(
        ClientMsg::validate_send(&ClientMsgId(String::new()), "hi")
            .unwrap_err()
            .code(),
        ErrorCode::BadClientId
    );
    assert_eq!(
        ClientMsg::validate_send(&ClientMsgId("x".repeat(65)), "hi")
            .unwrap_err()
            .code(),
        ErrorCode::BadClientId
    );
}

fn arb_member() -> impl Strategy<Value = Member> {
    ("[a-f0-9]{1,32}", "[^\\p{Cc}]{1,32}").prop_filter_map("valid name", |(user, name)| {
        UserName::parse(&name).ok().map(|name| Member {
            user: UserId(user),
            name,
        })
    })
}

fn arb_event() -> impl Strategy<Value = Event> {
    let kind = prop_oneof![
        (
            any::<String>(),
            "[ -~]{1,64}",
            any::<Option<u64>>(),
            any::<bool>()
        )
            .prop_map(|(text, id, reply_to, edited)| EventKind::Message {
                text,
                client_id: ClientMsgId(id),
                reply_to: reply_to.map(Seq),
                edited,
                reactions: Vec::new(),
            }),
        (any::<u64>(), any::<String>()).prop_map(|(target, text)| EventKind::Edited {
            target: Seq(target),
            text
        }),
        (any::<u64>(), "[👍❤😂]", any::<bool>()).prop_map(|(target, emoji, on)| {
            EventKind::Reacted {
                target: Seq(target),
                emoji,
                on,
            }
        }),
        Just(EventKind::Joined),
        Just(EventKind::Left),
        any::<bool>().prop_map(|file| EventKind::Tombstone { file }),
        any::<u64>().prop_map(|target| EventKind::Deleted {
            target: Seq(target)
        }),
        arb_member().prop_map(|m| EventKind::Removed { by: m.name }),
        (
            any::<String>(),
            any::<u64>(),
            any::<u64>(),
            "[a-z/.+-]{0,40}"
        )
            .prop_map(|(name, size, received, mime)| EventKind::File {
                file: SharedFile {
                    name,
                    size,
                    received,
                    mime,
                    ..shared_file()
                }
            }),
    ];
    (any::<u64>(), any::<i64>(), arb_member(), kind).prop_map(|(seq, at, who, kind)| Event {
        seq: Seq(seq),
        at,
        who,
        kind,
    })
}

fn arb_server_msg() -> impl Strategy<Value = ServerMsg> {
    prop_oneof![
        (arb_member(), any::<u64>()).prop_map(|(you, latest)| ServerMsg::Welcome {
            you,
            latest: Seq(latest)
        }),
        arb_event().prop_map(|event| ServerMsg::Event { event }),
        ("[ -~]{1,64}", any::<u64>()).prop_map(|(id, seq)| ServerMsg::Ack {
            id: ClientMsgId(id),
            seq: Seq(seq)
        }),
        prop::collection::vec(arb_member(), 0..5)
            .prop_map(|members| ServerMsg::Presence { members }),
        arb_member().prop_map(|who| ServerMsg::Typing { who }),
        prop::collection::vec(arb_event(), 0..5).prop_map(|events| ServerMsg::Reset { events }),
        (any::<String>(), proptest::option::of("[ -~]{1,64}")).prop_map(|(message, id)| {
            ServerMsg::Error {
                code: ErrorCode::BadFrame,
                message,
                id: id.map(ClientMsgId),
                upload: None,
                expected: None,
            }
        }),
        ("[0-9a-f]{32}", any::<u64>()).prop_map(|(upload, offset)| ServerMsg::Received {
            upload: UploadId(upload),
            offset
        }),
        (
            proptest::option::of(any::<i64>()),
            any::<bool>(),
            any::<bool>(),
            prop::collection::vec("[0-9a-f]{32}", 0..3)
        )
            .prop_map(
                |(expires_at, locked, password, owners)| ServerMsg::Settings {
                    expires_at,
                    locked,
                    password,
                    owners: owners.into_iter().map(UserId).collect(),
                }
            ),
        prop_oneof![Just(ClosingReason::Expired), Just(ClosingReason::Deleted)]
            .prop_map(|reason| ServerMsg::Closing { reason }),
    ]
}

fn arb_client_msg() -> impl Strategy<Value = ClientMsg> {
    prop_oneof![
        any::<u64>().prop_map(|after| ClientMsg::Resume { after: Seq(after) }),
        ("[ -~]{1,64}", any::<String>(), any::<Option<u64>>()).prop_map(|(id, text, reply_to)| {
            ClientMsg::Send {
                id: ClientMsgId(id),
                text,
                reply_to: reply_to.map(Seq),
            }
        }),
        (any::<u64>(), any::<String>()).prop_map(|(target, text)| ClientMsg::Edit {
            target: Seq(target),
            text
        }),
        (any::<u64>(), "[👍🎉]", any::<bool>()).prop_map(|(target, emoji, on)| ClientMsg::React {
            target: Seq(target),
            emoji,
            on
        }),
        Just(ClientMsg::Typing),
        any::<u64>().prop_map(|target| ClientMsg::Delete {
            target: Seq(target)
        }),
        (
            "[ -~]{1,64}",
            any::<String>(),
            any::<u64>(),
            proptest::option::of("[0-9a-f]{64}")
        )
            .prop_map(|(id, name, size, sha256)| ClientMsg::Offer {
                id: ClientMsgId(id),
                name,
                size,
                mime: String::new(),
                sha256
            }),
    ]
}

proptest! {
    #[test]
    fn server_messages_round_trip(msg in arb_server_msg()) {
        let text = serde_json::to_string(&msg).unwrap();
        prop_assert_eq!(serde_json::from_str::<ServerMsg>(&text).unwrap(), msg);
    }

    #[test]
    fn client_messages_round_trip(msg in arb_client_msg()) {
        let text = serde_json::to_string(&msg).unwrap();
        prop_assert_eq!(serde_json::from_str::<ClientMsg>(&text).unwrap(), msg);
    }
}

proptest! {
    #[test]
    fn chunk_headers_round_trip(id in any::<u128>(), offset in any::<u64>(), payload in prop::collection::vec(any::<u8>(), 0..64)) {
        let upload = UploadId(format!("{id:032x}"));
        let mut frame = vec![0u8; CHUNK_HEADER_BYTES];
        prop_assert!(Chunk::write_header(&upload, offset, &mut frame));
        frame.extend_from_slice(&payload);
        let chunk = Chunk::parse(&frame).unwrap();
        prop_assert_eq!(chunk.upload, upload);
        prop_assert_eq!(chunk.offset, offset);
        prop_assert_eq!(chunk.payload, &payload[..]);
    }
}

//! The room state machine, input by input, as the browser would drive it.

use super::*;
use crate::protocol::{ErrorCode, UserId, UserName};

const NOW: f64 = 1_000_000.0;

fn member(id: &str, name: &str) -> Member {
    Member {
        user: UserId(id.into()),
        name: UserName::parse(name).unwrap(),
    }
}

fn me() -> Member {
    member("me", "Alice")
}

fn bob() -> Member {
    member("bob", "Bob")
}

fn code() -> RoomCode {
    RoomCode::parse("K7Q-DM3-XPA").unwrap()
}

fn message(seq: u64, who: Member, text: &str, id: &str) -> Event {
    Event {
        seq: Seq(seq),
        at: 0,
        who,
        kind: EventKind::Message {
            text: text.into(),
            client_id: ClientMsgId(id.into()),
            reply_to: None,
            edited: false,
            reactions: Vec::new(),
        },
    }
}

fn event(msg: Event) -> Input {
    Input::Server(ServerMsg::Event { event: msg })
}

/// A room with events 1..=n from Bob, connected.
fn live_room(n: u64) -> Room {
    let events = (1..=n)
        .map(|s| message(s, bob(), &format!("m{s}"), &format!("b{s}")))
        .collect();
    let history = HistoryPage {
        events,
        has_older: false,
    };
    let mut room = Room::new(code(), me(), history, vec![me()]);
    room.apply(Input::Opened, NOW);
    room
}

fn seqs(room: &Room) -> Vec<u64> {
    room.events.iter().map(|e| e.seq.0).collect()
}

fn sent(effects: &[Effect]) -> Vec<ClientMsg> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(msg) => Some(msg.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn opening_resumes_after_the_newest_event() {
    let mut room = Room::new(code(), me(), HistoryPage::default(), vec![]);
    let fx = room.apply(Input::Opened, NOW);
    assert_eq!(sent(&fx), [ClientMsg::Resume { after: Seq(0) }]);
    assert_eq!(
        room.status,
        Status::Connecting,
        "live once the server speaks"
    );
    room.apply(
        Input::Server(ServerMsg::Welcome {
            you: me(),
            latest: Seq(0),
        }),
        NOW,
    );
    assert_eq!(room.status, Status::Live);
}

#[test]
fn duplicate_events_are_dropped() {
    let mut room = live_room(3);
    room.apply(event(message(2, bob(), "again", "b2")), NOW);
    room.apply(event(message(3, bob(), "again", "b3")), NOW);
    assert_eq!(seqs(&room), [1, 2, 3]);
    room.apply(event(message(4, bob(), "new", "b4")), NOW);
    assert_eq!(seqs(&room), [1, 2, 3, 4]);
}

#[test]
fn an_event_after_a_gap_waits_and_asks_for_what_was_missed() {
    let mut room = live_room(3);
    let fx = room.apply(event(message(6, bob(), "early", "b6")), NOW);
    assert_eq!(seqs(&room), [1, 2, 3], "not shown out of order");
    assert_eq!(sent(&fx), [ClientMsg::Resume { after: Seq(3) }]);
    let fx = room.apply(event(message(7, bob(), "later", "b7")), NOW);
    assert!(sent(&fx).is_empty(), "one resume at a time");
    for seq in 4..=7 {
        room.apply(event(message(seq, bob(), "replayed", "r")), NOW);
    }
    assert_eq!(seqs(&room), [1, 2, 3, 4, 5, 6, 7]);
}

#[test]
fn a_reset_replaces_the_log() {
    let mut room = live_room(3);
    let newest: Vec<Event> = (100..=149)
        .map(|s| message(s, bob(), "new", &format!("n{s}")))
        .collect();
    room.apply(Input::Server(ServerMsg::Reset { events: newest }), NOW);
    assert_eq!(room.events.len(), 50);
    assert_eq!(room.latest(), Seq(149));
    assert!(room.has_older);
    room.apply(event(message(150, bob(), "live", "n150")), NOW);
    assert_eq!(room.latest(), Seq(150));
}

#[test]
fn a_resume_too_far_ahead_is_reset_back_to_the_server_s_history() {
    // The tab has events the server doesn't (its database was restored
    // from an older backup): the server's reset wins and live events flow.
    let mut room = live_room(0);
    room.events = vec![message(5_000, bob(), "from the future", "f")];
    let history: Vec<Event> = (1..=3).map(|s| message(s, bob(), "real", "r")).collect();
    room.apply(Input::Server(ServerMsg::Reset { events: history }), NOW);
    assert_eq!(seqs(&room), [1, 2, 3]);
    room.apply(event(message(4, bob(), "live", "l")), NOW);
    assert_eq!(
        seqs(&room),
        [1, 2, 3, 4],
        "the next live event isn't taken for a duplicate"
    );
}

#[test]
fn a_resume_too_far_back_is_reset_to_the_newest_events() {
    let mut room = live_room(10);
    let newest: Vec<Event> = (1_951..=2_000)
        .map(|s| message(s, bob(), "n", "n"))
        .collect();
    let fx = room.apply(Input::Server(ServerMsg::Reset { events: newest }), NOW);
    assert!(sent(&fx).is_empty(), "a reset is not a gap");
    assert_eq!(room.events.first().map(|e| e.seq), Some(Seq(1_951)));
    assert!(room.has_older, "older history can be loaded");
    room.apply(event(message(2_001, bob(), "live", "l")), NOW);
    assert_eq!(room.latest(), Seq(2_001));
}

#[test]
fn older_history_goes_in_front_without_duplicates() {
    let mut room = live_room(0);
    room.events = (51..=60).map(|s| message(s, bob(), "x", "x")).collect();
    room.has_older = true;
    let page = HistoryPage {
        events: (1..=55).map(|s| message(s, bob(), "x", "x")).collect(),
        has_older: false,
    };
    room.apply(Input::Older(page), NOW);
    assert_eq!(seqs(&room), (1..=60).collect::<Vec<_>>());
    assert!(!room.has_older);
}

#[test]
fn a_posted_message_is_pending_until_its_event_or_ack() {
    let mut room = live_room(1);
    let id = ClientMsgId("c1".into());
    let fx = room.apply(
        Input::Post {
            id: id.clone(),
            text: "hello".into(),
        },
        NOW,
    );
    assert_eq!(
        sent(&fx),
        [ClientMsg::Send {
            id: id.clone(),
            text: "hello".into(),
            reply_to: None,
        }]
    );
    assert_eq!(room.pending.len(), 1);
    // The ack before the event leaves it pending: the event is what shows.
    room.apply(
        Input::Server(ServerMsg::Ack {
            id: id.clone(),
            seq: Seq(2),
        }),
        NOW,
    );
    assert_eq!(room.pending.len(), 1);
    room.apply(event(message(2, me(), "hello", "c1")), NOW);
    assert!(room.pending.is_empty());
    assert_eq!(seqs(&room), [1, 2]);
}

#[test]
fn an_ack_after_the_event_clears_the_pending_copy() {
    let mut room = live_room(0);
    let id = ClientMsgId("c1".into());
    room.apply(
        Input::Post {
            id: id.clone(),
            text: "hi".into(),
        },
        NOW,
    );
    // The same client id from another of my tabs is a different event…
    room.events.push(message(1, me(), "hi", "c1"));
    room.apply(Input::Server(ServerMsg::Ack { id, seq: Seq(1) }), NOW);
    assert!(room.pending.is_empty());
}

#[test]
fn an_invalid_message_is_not_sent_and_says_why() {
    let mut room = live_room(0);
    let fx = room.apply(
        Input::Post {
            id: ClientMsgId("c1".into()),
            text: "   ".into(),
        },
        NOW,
    );
    assert!(fx.is_empty());
    assert!(room.pending.is_empty());
    assert_eq!(room.alert.as_deref(), Some("Type a message first."));
}

#[test]
fn pending_messages_are_resent_after_a_reconnect_but_not_refused_ones() {
    let mut room = live_room(0);
    room.apply(Input::Closed(None), NOW);
    assert_eq!(room.status, Status::Reconnecting);
    let fx = room.apply(
        Input::Post {
            id: ClientMsgId("c1".into()),
            text: "while away".into(),
        },
        NOW,
    );
    assert!(sent(&fx).is_empty(), "nothing is sent while disconnected");
    room.pending.push(Pending {
        id: ClientMsgId("c0".into()),
        text: "refused".into(),
        failed: Some("Too long".into()),
        reply_to: None,
    });
    let fx = room.apply(Input::Opened, NOW);
    assert_eq!(
        sent(&fx),
        [
            ClientMsg::Resume { after: Seq(0) },
            ClientMsg::Send {
                id: ClientMsgId("c1".into()),
                text: "while away".into(),
                reply_to: None,
            }
        ]
    );
}

#[test]
fn a_refused_message_is_marked_failed() {
    let mut room = live_room(0);
    let id = ClientMsgId("c1".into());
    room.apply(
        Input::Post {
            id: id.clone(),
            text: "x".into(),
        },
        NOW,
    );
    room.apply(
        Input::Server(ServerMsg::Error {
            code: ErrorCode::Unavailable,
            message: "The message could not be stored; try again.".into(),
            id: Some(id),
            upload: None,
            expected: None,
        }),
        NOW,
    );
    assert_eq!(
        room.pending[0].failed.as_deref(),
        Some("The message could not be stored; try again.")
    );
}

#[test]
fn closing_codes_say_what_happened() {
    let mut room = live_room(0);
    assert_eq!(room.apply(Input::Closed(Some(1000)), NOW), [Effect::Left]);
    room.apply(Input::Opened, NOW);
    room.apply(Input::Closed(Some(1008)), NOW);
    assert_eq!(
        room.alert.as_deref(),
        Some("Disconnected for sending too fast.")
    );
    room.apply(Input::Network(false), NOW);
    assert_eq!(room.status, Status::Offline);
    room.apply(Input::Network(true), NOW);
    assert_eq!(room.status, Status::Reconnecting);
}

#[test]
fn a_socket_that_outlives_a_network_blip_is_live_again() {
    let mut room = live_room(0);
    room.apply(Input::Network(false), NOW);
    assert_eq!(room.status, Status::Offline);
    room.apply(Input::Network(true), NOW);
    assert_eq!(room.status, Status::Live, "no message needed to say so");
}

#[test]
fn presence_replaces_who_is_here() {
    let mut room = live_room(0);
    room.apply(
        Input::Server(ServerMsg::Presence {
            members: vec![me(), bob()],
        }),
        NOW,
    );
    assert_eq!(room.members, [me(), bob()]);
    room.apply(
        Input::Server(ServerMsg::Presence {
            members: vec![me()],
        }),
        NOW,
    );
    assert_eq!(room.members, [me()]);
}

#[test]
fn typing_shows_for_a_while_and_ends_with_the_message() {
    let mut room = live_room(0);
    let typing = Input::Server(ServerMsg::Typing { who: bob() });
    room.apply(typing.clone(), NOW);
    room.apply(Input::Tick, NOW + TYPING_SHOWS - 1.0);
    assert_eq!(room.typing.len(), 1);
    room.apply(Input::Tick, NOW + TYPING_SHOWS + 1.0);
    assert!(room.typing.is_empty(), "expired");
    room.apply(typing, NOW);
    room.apply(event(message(1, bob(), "done", "b1")), NOW);
    assert!(room.typing.is_empty(), "their message ends it");
}

#[test]
fn this_tab_says_it_is_typing_at_most_every_few_seconds() {
    let mut room = live_room(0);
    assert_eq!(sent(&room.apply(Input::Typed, NOW)), [ClientMsg::Typing]);
    assert!(room.apply(Input::Typed, NOW + 1_000.0).is_empty());
    assert_eq!(
        sent(&room.apply(Input::Typed, NOW + TYPING_EVERY + 1.0)),
        [ClientMsg::Typing]
    );
}

#[test]
fn messages_from_others_while_hidden_count_and_notify() {
    let mut room = live_room(0);
    room.apply(Input::Hidden(true), NOW);
    let fx = room.apply(event(message(1, bob(), "psst", "b1")), NOW);
    assert_eq!(
        fx,
        [Effect::Notify {
            from: "Bob".into(),
            text: "psst".into()
        }]
    );
    room.apply(event(message(2, me(), "mine", "c2")), NOW);
    assert_eq!(room.unread, 1, "my own messages don't count");
    room.apply(Input::Hidden(false), NOW);
    assert_eq!(room.unread, 0);
}

mod uploads {
    use super::*;

    fn key() -> ClientMsgId {
        ClientMsgId("f-1".into())
    }

    fn id() -> UploadId {
        UploadId("ab".repeat(16))
    }

    fn file(size: u64) -> NewFile {
        NewFile {
            key: key(),
            name: "big.bin".into(),
            size,
            mime: "application/octet-stream".into(),
        }
    }

    fn reads(effects: &[Effect]) -> Vec<(u64, u64)> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::ReadChunk { start, end, .. } => Some((*start, *end)),
                _ => None,
            })
            .collect()
    }

    /// Shares a file and lets the server accept it at `offset`; returns
    /// the effects of the acceptance.
    fn accepted(room: &mut Room, size: u64, offset: u64) -> Vec<Effect> {
        let mut fx = room.apply(Input::Share(vec![file(size)]), NOW);
        if fx == [Effect::Hash(key())] {
            let hashed = Input::Hashed {
                key: key(),
                sha256: None,
            };
            fx = room.apply(hashed, NOW);
        }
        assert!(matches!(sent(&fx).as_slice(), [ClientMsg::Offer { .. }]));
        room.apply(
            Input::Server(ServerMsg::Upload {
                id: Some(key()),
                upload: id(),
                offset,
            }),
            NOW,
        )
    }

    fn read(room: &mut Room, start: u64) -> Vec<Effect> {
        let input = Input::ChunkRead {
            key: key(),
            start,
            frame: Some(vec![0; 8]),
        };
        room.apply(input, NOW)
    }

    #[test]
    fn small_files_are_hashed_before_the_offer() {
        let mut room = live_room(0);
        let fx = room.apply(Input::Share(vec![file(10)]), NOW);
        assert_eq!(fx, [Effect::Hash(key())]);
        let fx = room.apply(
            Input::Hashed {
                key: key(),
                sha256: Some("f".repeat(64)),
            },
            NOW,
        );
        assert!(matches!(
            sent(&fx).as_slice(),
            [ClientMsg::Offer {
                sha256: Some(_),
                size: 10,
                ..
            }]
        ));
    }

    #[test]
    fn chunks_go_one_read_at_a_time_within_the_window() {
        let size = 100 * CHUNK_BYTES;
        let mut room = live_room(0);
        let fx = accepted(&mut room, size, 0);
        assert!(fx
            .iter()
            .any(|e| matches!(e, Effect::Save(s) if s.upload == id())));
        assert_eq!(reads(&fx), [(0, CHUNK_BYTES)]);
        let mut start = 0;
        let mut frames = 0;
        loop {
            let fx = read(&mut room, start);
            frames += fx
                .iter()
                .filter(|e| matches!(e, Effect::SendBinary(_)))
                .count();
            match reads(&fx).as_slice() {
                [(next, _)] => start = *next,
                [] => break,
                more => panic!("one read at a time: {more:?}"),
            }
        }
        assert_eq!(
            frames as u64,
            WINDOW_BYTES / CHUNK_BYTES,
            "the window is full"
        );
        // An acknowledgement opens the window again.
        let fx = room.apply(
            Input::Server(ServerMsg::Received {
                upload: id(),
                offset: CHUNK_BYTES,
            }),
            NOW,
        );
        assert_eq!(reads(&fx), [(WINDOW_BYTES, WINDOW_BYTES + CHUNK_BYTES)]);
        assert_eq!(room.uploads[0].acked, CHUNK_BYTES);
    }

    #[test]
    fn an_upload_resumes_from_the_server_s_offset_and_stale_reads_are_dropped() {
        let size = 10 * CHUNK_BYTES;
        let mut room = live_room(0);
        accepted(&mut room, size, 0);
        room.apply(Input::Closed(None), NOW);
        // The read started before the drop comes back: nothing is sent.
        let fx = read(&mut room, 0);
        assert!(fx.is_empty(), "{fx:?}");
        let fx = room.apply(Input::Opened, NOW);
        assert!(sent(&fx).contains(&ClientMsg::ResumeUpload { upload: id() }));
        let fx = room.apply(
            Input::Server(ServerMsg::Upload {
                id: None,
                upload: id(),
                offset: 3 * CHUNK_BYTES,
            }),
            NOW,
        );
        assert_eq!(reads(&fx), [(3 * CHUNK_BYTES, 4 * CHUNK_BYTES)]);
        assert_eq!(room.uploads[0].acked, 3 * CHUNK_BYTES);
    }

    #[test]
    fn a_chunk_at_the_wrong_offset_continues_where_the_server_says() {
        let mut room = live_room(0);
        accepted(&mut room, 10 * CHUNK_BYTES, 0);
        read(&mut room, 0);
        let fx = room.apply(
            Input::Server(ServerMsg::Error {
                code: ErrorCode::BadOffset,
                message: "That chunk skips bytes.".into(),
                id: None,
                upload: Some(id()),
                expected: Some(CHUNK_BYTES / 2),
            }),
            NOW,
        );
        assert_eq!(
            reads(&fx),
            [(CHUNK_BYTES / 2, CHUNK_BYTES / 2 + CHUNK_BYTES)]
        );
        assert!(room.uploads[0].problem.is_none());
    }

    #[test]
    fn progress_updates_the_file_and_completion_forgets_the_upload() {
        let mut room = live_room(0);
        accepted(&mut room, 10, 0);
        room.apply(
            Input::Server(ServerMsg::Progress {
                upload: id(),
                received: 5,
                status: FileStatus::Uploading,
                dimensions: None,
            }),
            NOW,
        );
        assert_eq!(room.files[&id()].received, 5);
        assert_eq!(room.uploads.len(), 1);
        let fx = room.apply(
            Input::Server(ServerMsg::Progress {
                upload: id(),
                received: 10,
                status: FileStatus::Complete,
                dimensions: Some((4, 3)),
            }),
            NOW,
        );
        assert_eq!(fx, [Effect::Discard(key())]);
        assert!(room.uploads.is_empty());
        assert_eq!(room.files[&id()].status, FileStatus::Complete);
        assert_eq!(room.files[&id()].dimensions, Some((4, 3)));
    }

    #[test]
    fn cancelling_tells_the_server_and_forgets_the_upload() {
        let mut room = live_room(0);
        accepted(&mut room, 10 * CHUNK_BYTES, 0);
        let fx = room.apply(Input::Cancel(key()), NOW);
        assert_eq!(
            fx,
            [
                Effect::Send(ClientMsg::CancelUpload { upload: id() }),
                Effect::Discard(key())
            ]
        );
        assert!(room.uploads.is_empty());
    }

    #[test]
    fn deleting_a_file_still_uploading_stops_the_upload() {
        let mut room = live_room(0);
        accepted(&mut room, 10 * CHUNK_BYTES, 0);
        let shared = Event {
            seq: Seq(1),
            at: 0,
            who: me(),
            kind: EventKind::File {
                file: SharedFile {
                    id: id(),
                    name: "big.bin".into(),
                    size: 10 * CHUNK_BYTES,
                    mime: String::new(),
                    received: 0,
                    status: FileStatus::Uploading,
                    dimensions: None,
                },
            },
        };
        room.apply(event(shared), NOW);
        let fx = room.apply(event(deletion(2, bob(), 1)), NOW);
        assert_eq!(fx, [Effect::Discard(key())]);
        assert!(room.uploads.is_empty());
        assert_eq!(room.events[0].kind, EventKind::Tombstone { file: true });
    }

    #[test]
    fn a_refused_offer_keeps_the_entry_with_the_reason() {
        let mut room = live_room(0);
        room.apply(Input::Share(vec![file(1 << 40)]), NOW);
        let fx = room.apply(
            Input::Server(ServerMsg::Error {
                code: ErrorCode::FileTooLarge,
                message: "Files can be at most 4.0 GB; this one is 1024.0 GB.".into(),
                id: Some(key()),
                upload: None,
                expected: None,
            }),
            NOW,
        );
        assert_eq!(fx, [Effect::Discard(key())]);
        assert!(room.uploads[0]
            .problem
            .as_deref()
            .unwrap()
            .contains("4.0 GB"));
        assert_eq!(
            room.alert.as_deref(),
            Some("Couldn't share big.bin: Files can be at most 4.0 GB; this one is 1024.0 GB.")
        );
        let fx = room.apply(Input::Opened, NOW);
        assert!(
            !sent(&fx)
                .iter()
                .any(|m| matches!(m, ClientMsg::Offer { .. })),
            "not offered again"
        );
    }

    #[test]
    fn a_lost_file_asks_to_be_picked_again_and_then_resumes() {
        let mut room = live_room(0);
        accepted(&mut room, 10 * CHUNK_BYTES, 0);
        room.apply(
            Input::ChunkRead {
                key: key(),
                start: 0,
                frame: None,
            },
            NOW,
        );
        assert!(room.uploads[0].needs_file);
        room.apply(
            Input::Repicked {
                key: key(),
                size: 3,
            },
            NOW,
        );
        assert!(
            room.uploads[0].needs_file,
            "a file of another size is refused"
        );
        assert!(room
            .alert
            .as_deref()
            .unwrap()
            .contains("isn't the same file"));
        let fx = room.apply(
            Input::Repicked {
                key: key(),
                size: 10 * CHUNK_BYTES,
            },
            NOW,
        );
        assert_eq!(sent(&fx), [ClientMsg::ResumeUpload { upload: id() }]);
        assert!(!room.uploads[0].needs_file);
    }

    #[test]
    fn uploads_saved_before_a_reload_resume() {
        let mut room = live_room(0);
        let saved = SavedUpload {
            key: key(),
            upload: id(),
            name: "big.bin".into(),
            size: 99,
            mime: String::new(),
            has_file: true,
        };
        let fx = room.apply(Input::Restored(vec![saved.clone()]), NOW);
        assert_eq!(sent(&fx), [ClientMsg::ResumeUpload { upload: id() }]);
        let fx = room.apply(Input::Restored(vec![saved]), NOW);
        assert!(fx.is_empty(), "restored once");
        assert_eq!(room.uploads.len(), 1);
    }
}

fn deletion(seq: u64, who: Member, target: u64) -> Event {
    Event {
        seq: Seq(seq),
        at: 0,
        who,
        kind: EventKind::Deleted {
            target: Seq(target),
        },
    }
}

#[test]
fn a_deleted_message_becomes_a_tombstone_in_its_place() {
    let mut room = live_room(3);
    room.apply(Input::AskDelete(Some(Seq(2))), NOW);
    assert_eq!(room.confirm_delete, Some(Seq(2)));
    room.apply(Input::AskDelete(None), NOW);
    assert_eq!(room.confirm_delete, None, "cancelled");
    room.apply(Input::AskDelete(Some(Seq(2))), NOW);
    let fx = room.apply(Input::Delete(Seq(2)), NOW);
    assert_eq!(sent(&fx), [ClientMsg::Delete { target: Seq(2) }]);
    assert_eq!(room.confirm_delete, None);
    assert!(
        matches!(room.events[1].kind, EventKind::Message { .. }),
        "shown until the server says it's deleted"
    );

    room.apply(event(deletion(4, bob(), 2)), NOW);
    assert_eq!(seqs(&room), [1, 2, 3, 4], "the numbering goes on");
    assert_eq!(room.events[1].kind, EventKind::Tombstone { file: false });
    assert_eq!(room.events[1].who, bob(), "still by its author");
    room.apply(event(message(5, bob(), "next", "b5")), NOW);
    assert_eq!(seqs(&room), [1, 2, 3, 4, 5]);
    room.apply(event(deletion(6, bob(), 2)), NOW);
    assert_eq!(room.events[1].kind, EventKind::Tombstone { file: false });
}

#[test]
fn deleting_while_offline_is_refused_with_a_reason() {
    let mut room = live_room(2);
    room.apply(Input::Closed(None), NOW);
    let fx = room.apply(Input::Delete(Seq(1)), NOW);
    assert!(sent(&fx).is_empty());
    assert!(room.alert.as_deref().unwrap().contains("offline"));
}

#[test]
fn settings_frames_update_the_countdown_and_the_owners() {
    let mut room = live_room(1);
    room.apply(
        Input::Server(ServerMsg::Settings {
            expires_at: Some(42),
            locked: true,
            password: true,
            owners: vec![me().user],
        }),
        NOW,
    );
    assert_eq!(room.settings.expires_at, Some(42));
    assert!(room.settings.locked && room.settings.password);
    assert_eq!(room.settings.owners, [me().user]);
}

#[test]
fn removal_and_a_new_password_reload_the_page_which_says_why() {
    for code in [REMOVED, SIGNED_OUT, ROOM_GONE] {
        let mut room = live_room(1);
        let fx = room.apply(Input::Closed(Some(code)), NOW);
        assert_eq!(fx, [Effect::Reload], "{code}");
    }
    let mut room = live_room(1);
    room.apply(
        Input::Server(ServerMsg::Closing {
            reason: ClosingReason::Expired,
        }),
        NOW,
    );
    assert_eq!(room.alert.as_deref(), Some("This room has expired."));
}

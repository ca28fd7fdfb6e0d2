//! The browser's side of the room's WebSocket (hydrate only): connects,
//! resumes from the newest event it has, resends unconfirmed messages, and
//! reconnects with backoff when the connection drops.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures::channel::mpsc;
use futures::future::{select, Either};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, WebSocketError};
use leptos::html;
use leptos::prelude::*;

use crate::chat::{ChatState, Frame, Pending, Status};
use crate::protocol::{ClientMsg, EventKind, Member, RoomCode, ServerMsg};

/// Backoff bounds between reconnects, in milliseconds.
const BACKOFF_MIN: u32 = 500;
const BACKOFF_MAX: u32 = 15_000;
/// How long a typing notice shows, in milliseconds.
const TYPING_SHOWS: f64 = 5_000.0;

/// Starts the live connection for this room view; it stops when the view is
/// unmounted.
pub fn start(code: RoomCode, me: Member, state: ChatState, scroller: NodeRef<html::Div>) {
    let stopped = Arc::new(AtomicBool::new(false));
    on_cleanup({
        let stopped = stopped.clone();
        move || stopped.store(true, Ordering::Relaxed)
    });
    // After hydration: rendering the file controls earlier would not match
    // the server's HTML.
    Effect::new(move |_| state.hydrated.set(true));
    crate::transfer::restore(state, code.clone());
    crate::share::deliver(state, code.clone());
    local_time(state);
    follow_log(state, scroller);
    track_visibility(state);
    track_network(state);
    expire_typing(state);
    leptos::task::spawn_local(async move {
        let mut backoff = BACKOFF_MIN;
        loop {
            if stopped.load(Ordering::Relaxed) {
                return;
            }
            if let Ok(socket) = WebSocket::open(&socket_url(&code)) {
                match session(socket, &code, &me, state, &stopped).await {
                    Outcome::Stop => return,
                    Outcome::WasLive => backoff = BACKOFF_MIN,
                    Outcome::Failed => {}
                }
            }
            if stopped.load(Ordering::Relaxed) {
                return;
            }
            let _ = state.status.try_set(if online() {
                Status::Reconnecting
            } else {
                Status::Offline
            });
            // Jitter spreads a whole room's reconnects after a restart.
            let wait = backoff / 2 + (js_sys::Math::random() * f64::from(backoff / 2)) as u32;
            gloo_timers::future::TimeoutFuture::new(wait).await;
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    });
}

enum Outcome {
    /// The user left (here or in another tab): don't reconnect.
    Stop,
    /// Connected and then lost: reconnect soon.
    WasLive,
    /// Never got going: back off further.
    Failed,
}

async fn session(
    socket: WebSocket,
    code: &RoomCode,
    me: &Member,
    state: ChatState,
    stopped: &AtomicBool,
) -> Outcome {
    let (mut write, mut read) = socket.split();
    let (tx, mut rx) = mpsc::unbounded::<Frame>();
    let resume = ClientMsg::Resume {
        after: state.latest(),
    };
    if write.send(text(&resume)).await.is_err() {
        return Outcome::Failed;
    }
    // Anything unconfirmed goes again; the server stores each id once.
    let unsent: Vec<Pending> = state.pending.get_untracked();
    for pending in unsent.into_iter().filter(|p| p.failed.is_none()) {
        let _ = write
            .send(text(&ClientMsg::Send {
                id: pending.id,
                text: pending.text,
            }))
            .await;
    }
    state.outbox.set_value(Some(tx));
    crate::transfer::on_connect(state);
    let mut live = false;
    let outcome = loop {
        if stopped.load(Ordering::Relaxed) {
            break Outcome::Stop;
        }
        match select(read.next(), rx.next()).await {
            Either::Left((Some(Ok(Message::Text(frame))), _)) => {
                if !live {
                    live = true;
                    let _ = state.status.try_set(Status::Live);
                }
                if let Ok(msg) = serde_json::from_slice::<ServerMsg>(frame.as_bytes()) {
                    apply(msg, code, me, state);
                }
            }
            Either::Left((Some(Ok(Message::Bytes(_))), _)) => {}
            Either::Left((Some(Err(WebSocketError::ConnectionClose(close))), _)) => {
                if close.code == 1000 {
                    break Outcome::Stop;
                }
                if close.code == 1008 {
                    let _ = state
                        .alert
                        .try_set(Some("Disconnected for sending too fast.".to_owned()));
                }
                break if live {
                    Outcome::WasLive
                } else {
                    Outcome::Failed
                };
            }
            Either::Left(_) => {
                break if live {
                    Outcome::WasLive
                } else {
                    Outcome::Failed
                }
            }
            Either::Right((Some(frame), _)) => {
                let frame = match frame {
                    Frame::Text(msg) => text(&msg),
                    Frame::Binary(bytes) => Message::Bytes(bytes),
                };
                if write.send(frame).await.is_err() {
                    break Outcome::WasLive;
                }
            }
            Either::Right((None, _)) => break Outcome::Stop,
        }
    };
    state.outbox.try_set_value(None);
    if matches!(outcome, Outcome::Stop) && !stopped.load(Ordering::Relaxed) {
        // Left in another tab: this page is no longer the room.
        if let Some(window) = web_sys::window() {
            let _ = window.location().assign("/");
        }
    }
    outcome
}

fn text(msg: &ClientMsg) -> Message {
    Message::Text(serde_json::to_string(msg).unwrap_or_default())
}

/// Applies one server frame to the view's state.
fn apply(msg: ServerMsg, room: &RoomCode, me: &Member, state: ChatState) {
    if crate::transfer::on_message(state, &msg) {
        return;
    }
    match msg {
        ServerMsg::Welcome { .. } => {}
        ServerMsg::Event { event } => {
            if event.seq <= state.latest() {
                return;
            }
            if matches!(event.kind, EventKind::File { .. })
                && event.who.user != me.user
                && document().hidden()
            {
                state.unread.update(|n| *n += 1);
            }
            if let EventKind::Message { client_id, text } = &event.kind {
                if event.who.user == me.user {
                    state.pending.update(|p| p.retain(|p| &p.id != client_id));
                } else if document().hidden() {
                    state.unread.update(|n| *n += 1);
                    crate::notify::message(&room.to_string(), event.who.name.as_str(), text);
                }
                state
                    .typing
                    .update(|t| t.retain(|(m, _)| m.user != event.who.user));
            }
            state.events.update(|events| events.push(event));
        }
        ServerMsg::Ack { id, .. } => {
            // The event itself arrives (or arrived) through the broadcast;
            // this only clears the pending copy if that came first.
            let confirmed = state.events.with_untracked(|events| {
                events.iter().rev().take(200).any(
                    |e| matches!(&e.kind, EventKind::Message { client_id, .. } if *client_id == id),
                )
            });
            if confirmed {
                state.pending.update(|p| p.retain(|p| p.id != id));
            }
        }
        ServerMsg::Presence { members } => state.members.set(members),
        ServerMsg::Typing { who } => {
            let until = js_sys::Date::now() + TYPING_SHOWS;
            state.typing.update(|t| {
                t.retain(|(m, _)| m.user != who.user);
                t.push((who, until));
            });
        }
        ServerMsg::Reset { events } => {
            state.events.set(events);
            state.has_older.set(true);
        }
        // Handled by `transfer` above.
        ServerMsg::Upload { .. } | ServerMsg::Received { .. } | ServerMsg::Progress { .. } => {}
        ServerMsg::Error { message, id, .. } => match id {
            Some(id) => state.pending.update(|pending| {
                if let Some(p) = pending.iter_mut().find(|p| p.id == id) {
                    p.failed = Some(message);
                }
            }),
            None => state.alert.set(Some(message)),
        },
    }
}

/// `ws://host/ws/CODE` (or `wss:` on HTTPS) for the page's own origin.
fn socket_url(code: &RoomCode) -> String {
    let location = window().location();
    let scheme = if location.protocol().ok().as_deref() == Some("https:") {
        "wss"
    } else {
        "ws"
    };
    let host = location.host().unwrap_or_default();
    format!("{scheme}://{host}/ws/{code}")
}

/// Loads the page of history before the first shown event, keeping the
/// reader's place.
pub fn load_older(code: RoomCode, state: ChatState, scroller: NodeRef<html::Div>) {
    let Some(first) = state.events.with_untracked(|e| e.first().map(|e| e.seq)) else {
        return;
    };
    leptos::task::spawn_local(async move {
        let Ok(page) = crate::room::load_older(code.to_string(), first.0).await else {
            return;
        };
        let height_before = scroller
            .get_untracked()
            .map(|s| s.scroll_height())
            .unwrap_or(0);
        state.has_older.set(page.has_older);
        state.events.update(|events| {
            let mut older = page.events;
            older.retain(|e| e.seq < first);
            older.append(events);
            *events = older;
        });
        request_animation_frame(move || {
            if let Some(s) = scroller.get_untracked() {
                s.set_scroll_top(s.scroll_top() + s.scroll_height() - height_before);
            }
        });
    });
}

/// Whether the browser thinks it has a network.
fn online() -> bool {
    window().navigator().on_line()
}

/// Follows the browser's online and offline events.
fn track_network(state: ChatState) {
    let offline = window_event_listener_untyped("offline", move |_| {
        let _ = state.status.try_set(Status::Offline);
    });
    let online = window_event_listener_untyped("online", move |_| {
        if state.status.get_untracked() == Status::Offline {
            let _ = state.status.try_set(Status::Reconnecting);
        }
    });
    on_cleanup(move || {
        offline.remove();
        online.remove();
    });
}

/// Shows times in the reader's zone once hydrated.
fn local_time(state: ChatState) {
    let offset = -(js_sys::Date::new_0().get_timezone_offset() as i32);
    state.tz_offset.set(offset);
}

/// Keeps the log scrolled to the newest entry unless the reader scrolled up,
/// and loads older history when they reach the top.
fn follow_log(state: ChatState, scroller: NodeRef<html::Div>) {
    let stick = StoredValue::new(true);
    Effect::new(move |_| {
        let count = state.events.with(Vec::len) + state.pending.with(Vec::len);
        if stick.get_value() {
            request_animation_frame(move || {
                if let Some(s) = scroller.get_untracked() {
                    s.set_scroll_top(s.scroll_height());
                }
            });
        }
        count
    });
    Effect::new(move |_| {
        if let Some(el) = scroller.get() {
            let handle = el.clone();
            let listener = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
                let near_bottom =
                    handle.scroll_height() - handle.scroll_top() - handle.client_height() < 48;
                stick.set_value(near_bottom);
            });
            let _ =
                el.add_event_listener_with_callback("scroll", listener.as_ref().unchecked_ref());
            // The element lives as long as the view; so may the listener.
            listener.forget();
        }
    });
}

use wasm_bindgen::JsCast;

/// Clears the unread count when the tab is shown again.
fn track_visibility(state: ChatState) {
    let handle = window_event_listener_untyped("visibilitychange", move |_| {
        if !document().hidden() {
            state.unread.set(0);
        }
    });
    on_cleanup(move || handle.remove());
}

/// Drops typing notices after a few seconds.
fn expire_typing(state: ChatState) {
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let now = js_sys::Date::now();
            if state
                .typing
                .with_untracked(|t| t.iter().any(|(_, until)| *until < now))
            {
                state
                    .typing
                    .update(|t| t.retain(|(_, until)| *until >= now));
            }
        },
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
}

//! The browser glue for a room (hydrate only): performs the effects the
//! state machine asks for and feeds the browser's events back to it. The
//! socket is `socket.rs`, file reading and saved uploads `files.rs`.
//!
//! Nothing here renders or reaches into a view: it talks to the room only
//! through its [`RoomStore`].

mod files;
mod socket;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures::channel::mpsc::UnboundedSender;
use leptos::prelude::*;

use crate::client::{self, Input};
use crate::store::RoomStore;

/// A frame for the socket.
pub enum Frame {
    /// A JSON message.
    Text(String),
    /// A file chunk.
    Binary(Vec<u8>),
}

/// The live connection's outbox and whether the page still wants one.
#[derive(Default)]
struct Link {
    outbox: RefCell<Option<UnboundedSender<Frame>>>,
    // Atomic only because cleanups must be `Send`; the page has one thread.
    stopped: Arc<AtomicBool>,
}

impl Link {
    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }
}

/// Starts the glue for the room `store` holds; it stops when the room's
/// view is unmounted.
pub fn start(store: RoomStore) {
    let link = Rc::new(Link::default());
    let runner = {
        let link = link.clone();
        Rc::new(move |store: RoomStore, effects: Vec<client::Effect>| {
            for effect in effects {
                perform(&link, store, effect);
            }
        })
    };
    store.connect(runner);
    on_cleanup({
        let stopped = link.stopped.clone();
        move || stopped.store(true, Ordering::Relaxed)
    });
    // After hydration: rendering the file controls earlier would not match
    // the server's HTML. The reader's zone takes over from UTC then too.
    // Nothing changes the state before the page is hydrated: hydration
    // assumes the state the server rendered.
    Effect::new(move |_| {
        store.hydrated.set(true);
        store.zone.set(Some(browser_zone()));
        store.clock.set(crate::store::now_ms() as i64);
        // A page loaded offline (from the service worker's copy) hears no
        // `offline` event: start from what the browser knows now.
        if !window().navigator().on_line() {
            store.dispatch(Input::Network(false));
        }
        // Where the reader stopped last time: a "New" divider shows there.
        if let Some(seen) = seen_key(store).and_then(|key| storage()?.get_item(&key).ok()?) {
            if let Ok(seq) = seen.parse() {
                store.dispatch(Input::Seen(crate::protocol::Seq(seq)));
            }
        }
    });
    track_page(store);
    files::restore(store);
    crate::share::deliver(store);
    leptos::task::spawn_local(socket::run(store, link));
}

fn perform(link: &Rc<Link>, store: RoomStore, effect: client::Effect) {
    match effect {
        client::Effect::Send(msg) => {
            let text = serde_json::to_string(&msg).unwrap_or_default();
            send(link, Frame::Text(text));
        }
        client::Effect::SendBinary(bytes) => send(link, Frame::Binary(bytes)),
        client::Effect::Hash(key) => files::hash(store, key),
        client::Effect::ReadChunk {
            key,
            upload,
            start,
            end,
        } => files::read(store, key, upload, start, end),
        client::Effect::Save(saved) => files::save(store, saved),
        client::Effect::Discard(key) => files::discard(store, key),
        client::Effect::Notify { from, text } => {
            let room = store.state.with_untracked(|r| r.code.to_string());
            crate::notify::message(&room, &from, &text);
        }
        client::Effect::Reload => {
            link.stop();
            let _ = window().location().reload();
        }
        client::Effect::Left => {
            // Left (here or in another tab): this page is no longer the room.
            link.stop();
            let code = store.state.with_untracked(|r| r.code.clone());
            crate::page::go_to(&format!("/?left={code}"));
        }
    }
}

fn send(link: &Link, frame: Frame) {
    if let Some(outbox) = link.outbox.borrow().as_ref() {
        let _ = outbox.unbounded_send(frame);
    }
}

/// The tab's local storage, if the browser allows it.
fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// Where a room's last read event is kept in local storage.
fn seen_key(store: RoomStore) -> Option<String> {
    store
        .state
        .try_with_untracked(|r| format!("chatdrop-seen-{}", r.code))
}

/// Keeps the newest event as read, unless the tab was hidden (then what
/// arrived since is still unread).
fn save_seen(store: RoomStore) {
    let Some(latest) = store
        .state
        .try_with_untracked(|r| (!r.hidden).then(|| r.latest()))
        .flatten()
    else {
        return;
    };
    if let (Some(key), Some(storage)) = (seen_key(store), storage()) {
        let _ = storage.set_item(&key, &latest.0.to_string());
    }
}

/// Minutes east of UTC in the browser's zone, now.
fn browser_zone() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

/// Keeps the browser's zone in a cookie, so the server renders the next
/// page's times as the reader's clock shows them; called on every page once
/// hydrated.
pub fn remember_zone() {
    let cookie = format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        crate::store::ZONE_COOKIE,
        browser_zone()
    );
    let _ = js_sys::Reflect::set(&document(), &"cookie".into(), &cookie.into());
}

/// Follows the tab's visibility, the network, and the clock (typing
/// notices expire), for as long as the room is shown.
fn track_page(store: RoomStore) {
    let visibility = window_event_listener_untyped("visibilitychange", move |_| {
        let hidden = document().hidden();
        if hidden {
            save_seen(store);
        }
        store.dispatch(Input::Hidden(hidden));
    });
    // A reload or a closed tab: what was on screen counts as read.
    let leaving = window_event_listener_untyped("pagehide", move |_| save_seen(store));
    let offline = window_event_listener_untyped("offline", move |_| {
        store.dispatch(Input::Network(false));
    });
    let online = window_event_listener_untyped("online", move |_| {
        store.dispatch(Input::Network(true));
    });
    let ticks = set_interval_with_handle(
        move || {
            let typing = store.state.with_untracked(|r| !r.typing.is_empty());
            if typing {
                store.dispatch(Input::Tick);
            }
            // Countdowns move on by the minute; a second's resolution is
            // plenty and costs one comparison.
            let now = crate::store::now_ms() as i64;
            if now / 60_000 != store.clock.get_untracked() / 60_000 {
                store.clock.set(now);
            }
        },
        std::time::Duration::from_secs(1),
    )
    .ok();
    on_cleanup(move || {
        visibility.remove();
        leaving.remove();
        offline.remove();
        online.remove();
        if let Some(ticks) = ticks {
            ticks.clear();
        }
    });
}

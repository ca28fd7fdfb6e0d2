//! The room's WebSocket: connects, tells the state machine it opened (it
//! answers with the resume and resends), passes frames both ways, and
//! reconnects with backoff when the connection drops.

use std::rc::Rc;

use futures::channel::mpsc;
use futures::future::{select, Either};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, WebSocketError};
use leptos::prelude::*;

use super::{Frame, Link};
use crate::client::Input;
use crate::protocol::{RoomCode, ServerMsg};
use crate::store::RoomStore;

/// Backoff bounds between reconnects, in milliseconds.
const BACKOFF_MIN: u32 = 500;
const BACKOFF_MAX: u32 = 15_000;

/// Keeps the room connected until the page no longer shows it.
pub async fn run(store: RoomStore, link: Rc<Link>) {
    let Some(code) = store.state.try_with_untracked(|r| r.code.clone()) else {
        return;
    };
    let mut backoff = BACKOFF_MIN;
    while !link.stopped() {
        if let Ok(socket) = WebSocket::open(&socket_url(&code)) {
            if session(socket, store, &link).await {
                backoff = BACKOFF_MIN;
            }
        }
        if link.stopped() {
            return;
        }
        // Jitter spreads a whole room's reconnects after a restart.
        let wait = backoff / 2 + (js_sys::Math::random() * f64::from(backoff / 2)) as u32;
        backoff = if pause(wait, &link).await {
            BACKOFF_MIN
        } else {
            (backoff * 2).min(BACKOFF_MAX)
        };
    }
}

/// Waits `ms` before the next attempt, and while the device is offline
/// (trying then only fails); cut short when the network comes back, so
/// the room reconnects at once rather than after a long backoff. `true`
/// if it came back.
async fn pause(ms: u32, link: &Link) -> bool {
    const STEP: u32 = 250;
    let online = || window().navigator().on_line();
    let mut was_offline = !online();
    let mut waited = 0;
    while !link.stopped() && (waited < ms || !online()) {
        gloo_timers::future::TimeoutFuture::new(STEP).await;
        waited += STEP;
        match online() {
            true if was_offline => return true,
            true => {}
            false => was_offline = true,
        }
    }
    false
}

/// One connection, until it ends; `true` if it was live at some point.
async fn session(socket: WebSocket, store: RoomStore, link: &Link) -> bool {
    let (mut write, mut read) = socket.split();
    let (tx, mut rx) = mpsc::unbounded::<Frame>();
    link.outbox.replace(Some(tx));
    store.dispatch(Input::Opened);
    let mut live = false;
    let code = loop {
        if link.stopped() {
            break Some(1000);
        }
        match select(read.next(), rx.next()).await {
            Either::Left((Some(Ok(Message::Text(frame))), _)) => {
                live = true;
                if let Ok(msg) = serde_json::from_slice::<ServerMsg>(frame.as_bytes()) {
                    store.dispatch(Input::Server(msg));
                }
            }
            Either::Left((Some(Ok(Message::Bytes(_))), _)) => {}
            Either::Left((Some(Err(WebSocketError::ConnectionClose(close))), _)) => {
                break Some(close.code);
            }
            Either::Left(_) => break None,
            Either::Right((Some(frame), _)) => {
                let frame = match frame {
                    Frame::Text(text) => Message::Text(text),
                    Frame::Binary(bytes) => Message::Bytes(bytes),
                };
                if write.send(frame).await.is_err() {
                    break None;
                }
            }
            Either::Right((None, _)) => break None,
        }
    };
    link.outbox.replace(None);
    if !link.stopped() {
        store.dispatch(Input::Closed(code));
    }
    live
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

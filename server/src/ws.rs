//! `GET /ws/{code}`: checks who is asking, then upgrades to the room's
//! WebSocket (served by `socket.rs`).

use app::backend::Caller;
use app::protocol::{Member, RoomCode};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;

use crate::socket::{self, MAX_FRAME_BYTES};
use crate::state::AppState;

/// Reads start small: most frames are short, and the buffer is paid per
/// connection (axum's default is 128 KiB).
const READ_BUFFER: usize = 4 * 1024;
/// Frames are gathered up to this many bytes per write; a burst of
/// broadcasts becomes one syscall instead of one each.
const WRITE_BUFFER: usize = 8 * 1024;
/// Bytes a connection may have queued for a slow client before writes fail.
const MAX_WRITE_BUFFER: usize = 1024 * 1024;

/// Upgrades a member of room `code` to its WebSocket.
pub async fn upgrade(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
    ws: WebSocketUpgrade,
) -> Response {
    if !caller.same_origin {
        return (StatusCode::FORBIDDEN, "This origin may not connect.").into_response();
    }
    let Ok(code) = RoomCode::parse(&code) else {
        return (StatusCode::NOT_FOUND, "No such room.").into_response();
    };
    let Some(session) = caller.session else {
        return (StatusCode::UNAUTHORIZED, "Sign in first.").into_response();
    };
    if session.room.as_ref() != Some(&code) {
        return (StatusCode::FORBIDDEN, "You are not in this room.").into_response();
    }
    let chatdrop = &state.chatdrop;
    match chatdrop.store.room_exists(&code).await {
        Ok(true) => {}
        Ok(false) => return (StatusCode::NOT_FOUND, "No such room.").into_response(),
        Err(error) => return unavailable(error),
    }
    let room = match chatdrop.hub.room(&code).await {
        Ok(room) => room,
        Err(error) => return unavailable(error),
    };
    let me = Member {
        user: session.user,
        name: session.name,
    };
    let store = chatdrop.store.clone();
    let transfers = chatdrop.transfers.clone();
    let timings = chatdrop.timings;
    let shutdown = chatdrop.shutdown.clone();
    let tracker = chatdrop.sockets.clone();
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| {
            tracker.track_future(socket::serve(
                socket, room, me, store, transfers, timings, shutdown,
            ))
        })
}

fn unavailable(error: sqlx::Error) -> Response {
    tracing::error!(%error, "opening a room");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "The room is unavailable; try again.",
    )
        .into_response()
}

//! `GET /ws/{code}`: checks who is asking, then upgrades to the room's
//! WebSocket (served by `socket/`).
//!
//! The handshake is done here with tungstenite rather than axum's
//! `WebSocketUpgrade`, because closing per RFC 6455 after a protocol error
//! needs the raw connection (see `Outbox::close` in `socket/outbox.rs`), which axum's socket
//! doesn't give back.

use app::backend::Caller;
use app::error::AppError;
use app::protocol::{Member, RoomCode};
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;

use crate::listen::Slot;
use crate::socket::{self, MAX_FRAME_BYTES};
use crate::state::AppState;

/// Reads start small: most frames are short, and the buffer is paid per
/// connection.
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
    mut request: Request,
) -> Response {
    let Some(accept) = handshake(request.headers()) else {
        return (
            StatusCode::UPGRADE_REQUIRED,
            [(header::UPGRADE, "websocket")],
            "This address takes WebSocket connections only.",
        )
            .into_response();
    };
    if !caller.same_origin {
        return refused(AppError::ForeignOrigin);
    }
    let Ok(code) = RoomCode::parse(&code) else {
        return refused(AppError::UnknownRoom);
    };
    let Some(session) = caller.session else {
        return refused(AppError::NotSignedIn);
    };
    let chatdrop = state.chatdrop.clone();
    if let Err(error) = app::backend::Backend::check_member(&*chatdrop, &session, &code).await {
        return refused(error);
    }
    match chatdrop.store.room_exists(&code).await {
        Ok(true) => {}
        Ok(false) => return refused(AppError::UnknownRoom),
        Err(error) => return unavailable(error),
    }
    let room = match chatdrop.hub.room(&code).await {
        Ok(room) => room,
        Err(error) => return unavailable(error),
    };
    let Some(on_upgrade) = request
        .extensions_mut()
        .remove::<hyper::upgrade::OnUpgrade>()
    else {
        return (
            StatusCode::BAD_REQUEST,
            "This connection can't be upgraded.",
        )
            .into_response();
    };
    // The socket keeps its connection's place under the connection caps.
    let slot = request.extensions().get::<Slot>().cloned();
    let me = Member {
        user: session.user,
        name: session.name,
    };
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(Some(MAX_FRAME_BYTES))
        .max_frame_size(Some(MAX_FRAME_BYTES));
    let tasks = chatdrop.tasks.clone();
    tasks.spawn(async move {
        let _slot = slot;
        let upgraded = match on_upgrade.await {
            Ok(upgraded) => upgraded,
            Err(error) => {
                tracing::debug!(%error, "upgrade failed");
                return;
            }
        };
        let socket =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config))
                .await;
        socket::serve(socket, room, me, &chatdrop).await;
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_ACCEPT, accept)
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// The `Sec-WebSocket-Accept` value for a valid WebSocket handshake
/// request (RFC 6455 §4.2.1), or `None` if this isn't one.
fn handshake(headers: &HeaderMap) -> Option<HeaderValue> {
    let has_token = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|value| {
            value
                .to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    let version = headers.get(header::SEC_WEBSOCKET_VERSION)?;
    let key = headers.get(header::SEC_WEBSOCKET_KEY)?;
    if !has_token(header::CONNECTION, "upgrade")
        || !has_token(header::UPGRADE, "websocket")
        || version != "13"
    {
        return None;
    }
    HeaderValue::from_str(&derive_accept_key(key.as_bytes())).ok()
}

/// A refused upgrade, with the error's status and words.
fn refused(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::FORBIDDEN);
    (status, error.to_string()).into_response()
}

fn unavailable(error: sqlx::Error) -> Response {
    tracing::error!(%error, "opening a room");
    refused(AppError::RoomUnavailable)
}

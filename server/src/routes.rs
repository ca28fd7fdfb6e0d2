//! The original app's plain HTTP routes, for forms posted without
//! JavaScript: `POST /`, `GET /room`, `POST /leave`; and `POST /share`.
//!
//! Each calls the same action as its server function
//! ([`app::backend::sign_in`], [`app::backend::leave`]), so both paths
//! behave the same, Origin check included.

use app::backend::{leave, sign_in, Caller};
use app::error::AppError;
use app::model::{LoginForm, LoginPrefill};
use app::page::Page;
use app::protocol::LoginAction;
use axum::body::Body;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use crate::state::AppState;

/// The login form's fields; missing ones read as empty.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginFields {
    name: String,
    code: String,
    action: String,
    password: String,
    lifetime: String,
}

/// `POST /`: log in, then 303 to the room; on bad input, the login page
/// again with the typed values and an alert.
pub async fn post_login(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let fields = match Form::<LoginFields>::from_request(
        Request::from_parts(parts.clone(), body),
        &(),
    )
    .await
    {
        Ok(Form(fields)) => fields,
        Err(rejection) => return (StatusCode::BAD_REQUEST, rejection.body_text()).into_response(),
    };
    let page = Request::from_parts(parts, Body::empty());
    let form = LoginForm {
        name: fields.name.clone(),
        code: fields.code.clone(),
        action: LoginAction::from_form(&fields.action, &fields.code),
        password: fields.password,
        lifetime: fields.lifetime,
    };
    match sign_in(&*state.chatdrop, &caller, form).await {
        Ok((code, session)) => {
            see_other(&code.path(), Some(state.chatdrop.sessions.cookie(&session)))
        }
        // A foreign site learns nothing back, not even what it typed.
        Err(AppError::ForeignOrigin) => {
            let prefill = LoginPrefill {
                error: Some(AppError::ForeignOrigin),
                ..Default::default()
            };
            render_login(&state, page, prefill).await
        }
        Err(error) => {
            let prefill = LoginPrefill {
                name: fields.name,
                code: fields.code,
                needs_password: error.asks_for_password(),
                error: Some(error),
                ..Default::default()
            };
            render_login(&state, page, prefill).await
        }
    }
}

/// `GET /room`: 303 to the caller's room, or to `/` if they have none.
pub async fn get_room(Extension(caller): Extension<Caller>) -> Response {
    match caller.session.and_then(|s| s.room) {
        Some(code) => see_other(&code.path(), None),
        None => see_other("/", None),
    }
}

/// `POST /leave`: leave the room (keeping the name) and 303 to `/`.
pub async fn post_leave(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let room = caller.session.as_ref().and_then(|s| s.room.clone());
    match leave(&*state.chatdrop, &caller).await {
        Ok(session) => {
            let to = room.map_or_else(|| "/".to_owned(), |code| format!("/?left={code}"));
            see_other(&to, session.map(|s| state.chatdrop.sessions.cookie(&s)))
        }
        Err(error) => refusal(error),
    }
}

/// An owner action refused: the error's status and words.
pub(crate) fn refusal(error: AppError) -> Response {
    (
        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::FORBIDDEN),
        error.to_string(),
    )
        .into_response()
}

/// `POST /share`: what another app shares to the installed Chatdrop. The
/// service worker takes these posts and keeps what was shared in the
/// browser; one that reaches the server (no worker yet) is sent on to the
/// page, which says nothing arrived.
pub async fn post_share() -> Response {
    see_other("/share", None)
}

/// A 303 to `to`, optionally setting the session cookie.
pub(crate) fn see_other(to: &str, cookie: Option<String>) -> Response {
    let mut response = Redirect::to(to).into_response();
    if let Some(value) = cookie.and_then(|c| c.parse().ok()) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Renders the login page with `prefill`, under the error's status.
async fn render_login(state: &AppState, page: Request, mut prefill: LoginPrefill) -> Response {
    prefill.lifetimes = state.chatdrop.lifetimes.clone();
    prefill.options_html = app::options::options_html(&prefill.lifetimes);
    let status = prefill.error.as_ref().map_or(200, AppError::status);
    crate::pages::render(state, page, Page::Home(prefill), status).await
}

//! The seam between the shared app and the server that hosts it.
//!
//! Server functions live in this crate but storage, sessions and rate limits
//! live in `server`, which depends on us; so the server implements
//! [`Backend`] and hands it to Leptos as context. Server-only: compiled with
//! the `ssr` feature.

use std::net::IpAddr;
use std::sync::Arc;

use http::HeaderValue;
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{HistoryPage, LoginForm, RoomSettings, Session};
use crate::protocol::{ClientMsgId, Member, RoomCode, Seq, UserId};

/// Who is asking: put into every request's extensions by the server's
/// middleware before any handler or server function runs.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The peer address, used to throttle guessing.
    pub ip: IpAddr,
    /// The verified session cookie, if any.
    pub session: Option<Session>,
    /// Whether the request came from a page of this site (see `Origin`).
    pub same_origin: bool,
    /// The reader's time zone, minutes east of UTC, from the cookie their
    /// browser set ([`crate::store::ZONE_COOKIE`]).
    pub zone: Option<i32>,
    /// `scheme://host` people reach this server at, for invite links: the
    /// configured public URL, or as the caller addressed it.
    pub origin: String,
}

/// What the server does for the shared app.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Creates or joins a room as the login form asked, returning the room
    /// and the session to store in the cookie.
    async fn login(
        &self,
        caller: &Caller,
        form: LoginForm,
    ) -> Result<(RoomCode, Session), AppError>;

    /// Whether a room with this code exists.
    async fn room_exists(&self, code: &RoomCode) -> Result<bool, AppError>;

    /// A page of `code`'s history: the newest events, or those before
    /// `before`.
    async fn history(&self, code: &RoomCode, before: Option<Seq>) -> Result<HistoryPage, AppError>;

    /// Why room `code` is gone (`RoomExpired`, `RoomDeleted`), if it is.
    async fn gone(&self, code: &RoomCode) -> Result<Option<AppError>, AppError>;

    /// Whether `session` may use room `code`: it is their room, no owner
    /// removed them ([`AppError::Removed`]) and the password hasn't changed
    /// since they joined ([`AppError::PasswordChanged`]).
    async fn check_member(&self, session: &Session, code: &RoomCode) -> Result<(), AppError>;

    /// Room `code`'s settings.
    async fn settings(&self, code: &RoomCode) -> Result<RoomSettings, AppError>;

    /// Does what owner `by` asked in room `code` (checked: they own it).
    /// Returns the room's new password generation when it changed.
    async fn act(
        &self,
        code: &RoomCode,
        by: &Member,
        action: OwnerAction,
    ) -> Result<Option<i64>, AppError>;

    /// `who` deletes the message or file at `target` in room `code`: their
    /// own, or anyone's if `owner`.
    async fn delete_entry(
        &self,
        code: &RoomCode,
        who: &Member,
        owner: bool,
        target: Seq,
    ) -> Result<(), AppError>;

    /// The "Delete room after" choices this server offers.
    fn lifetimes(&self) -> crate::model::Lifetimes;

    /// Everyone who was ever in `code`, except those removed.
    async fn known_members(&self, code: &RoomCode) -> Result<Vec<Member>, AppError>;

    /// Who is online in `code`.
    fn members(&self, code: &RoomCode) -> Vec<Member>;

    /// Stores and broadcasts a message (the form used without JavaScript).
    async fn post_message(
        &self,
        who: &Member,
        code: &RoomCode,
        id: ClientMsgId,
        text: String,
        reply_to: Option<Seq>,
    ) -> Result<Seq, AppError>;

    /// `who` edits or reacts to a message in `code` (the forms used
    /// without JavaScript).
    async fn change(&self, code: &RoomCode, who: &Member, change: Change) -> Result<(), AppError>;

    /// `who` leaves `code` now: announced at once, their tabs closed.
    async fn leave_room(&self, who: &Member, code: &RoomCode);

    /// A `Set-Cookie` value that stores `session`, signed.
    fn session_cookie(&self, session: &Session) -> HeaderValue;
}

/// Signs the caller in as the login form asks: the one implementation
/// behind `POST /` and the `login` server function.
pub async fn sign_in(
    backend: &dyn Backend,
    caller: &Caller,
    form: LoginForm,
) -> Result<(RoomCode, Session), AppError> {
    if !caller.same_origin {
        return Err(AppError::ForeignOrigin);
    }
    backend.login(caller, form).await
}

/// Takes the caller out of their room (they keep their name): the one
/// implementation behind `POST /leave` and the `leave` server function.
/// Returns the session to store, if there is one.
pub async fn leave(backend: &dyn Backend, caller: &Caller) -> Result<Option<Session>, AppError> {
    if !caller.same_origin {
        return Err(AppError::ForeignOrigin);
    }
    let Some(mut session) = caller.session.clone() else {
        return Ok(None);
    };
    if let Some(code) = session.room.take() {
        let who = Member {
            user: session.user.clone(),
            name: session.name.clone(),
        };
        backend.leave_room(&who, &code).await;
    }
    Ok(Some(session))
}

/// Posts a message as the caller, who must be in room `code`: what the
/// message form without JavaScript does.
pub async fn post(
    backend: &dyn Backend,
    caller: &Caller,
    code: &RoomCode,
    id: ClientMsgId,
    text: String,
    reply_to: Option<Seq>,
) -> Result<Seq, AppError> {
    if !caller.same_origin {
        return Err(AppError::ForeignOrigin);
    }
    let who = member(backend, caller, code).await?;
    backend.post_message(&who, code, id, text, reply_to).await
}

/// A change to a message, from the forms used without JavaScript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Replace the text of one's own message.
    Edit { target: Seq, text: String },
    /// Toggle one's reaction with `emoji`.
    React { target: Seq, emoji: String },
}

/// Edits or reacts to a message as the caller, who must be in room `code`.
pub async fn change(
    backend: &dyn Backend,
    caller: &Caller,
    code: &RoomCode,
    change: Change,
) -> Result<(), AppError> {
    if !caller.same_origin {
        return Err(AppError::ForeignOrigin);
    }
    let who = member(backend, caller, code).await?;
    backend.change(code, &who, change).await
}

/// What a room's owners can do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OwnerAction {
    /// Take no new members (`true`), or take them again.
    Lock(bool),
    /// Delete the room for everyone, now.
    DeleteRoom,
    /// Remove a member: their tabs close and they can't come back while
    /// their session lasts.
    Remove(UserId),
    /// Make a member an owner too.
    Promote(UserId),
    /// Set the password (the raw field; empty removes it).
    Password(String),
    /// Set "Delete room after" (the raw field, seconds from now).
    Lifetime(String),
}

/// Does what an owner asked: the one implementation behind the settings
/// forms (`POST /room/{code}/settings` and the members list's "Remove").
/// Only an owner, in good standing, from this site, may. Returns the
/// caller's session when it changed (a new password keeps them in).
pub async fn owner_act(
    backend: &dyn Backend,
    caller: &Caller,
    code: &RoomCode,
    action: OwnerAction,
) -> Result<Option<Session>, AppError> {
    if !caller.same_origin {
        return Err(AppError::ForeignOrigin);
    }
    let who = member(backend, caller, code).await?;
    if !backend.settings(code).await?.owners.contains(&who.user) {
        return Err(AppError::NotOwner);
    }
    match &action {
        OwnerAction::Remove(user) if *user == who.user => return Err(AppError::RemoveYourself),
        OwnerAction::Password(password) => crate::protocol::check_room_password(password)?,
        _ => {}
    }
    let epoch = backend.act(code, &who, action).await?;
    Ok(epoch.and_then(|epoch| {
        let mut session = caller.session.clone()?;
        session.epoch = epoch;
        Some(session)
    }))
}

/// Deletes the message or file at `target` in room `code` as the caller:
/// what each entry's "Delete" form does without JavaScript.
pub async fn delete_entry(
    backend: &dyn Backend,
    caller: &Caller,
    code: &RoomCode,
    target: Seq,
) -> Result<(), AppError> {
    if !caller.same_origin {
        return Err(AppError::ForeignOrigin);
    }
    let who = member(backend, caller, code).await?;
    let owner = backend.settings(code).await?.owners.contains(&who.user);
    backend.delete_entry(code, &who, owner, target).await
}

/// The backend, as provided by the server.
pub fn backend() -> Result<Arc<dyn Backend>, AppError> {
    use_context::<Arc<dyn Backend>>().ok_or(AppError::Internal)
}

/// The caller of the current request.
pub fn caller() -> Result<Caller, AppError> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Caller>().cloned())
        .ok_or(AppError::Internal)
}

/// Stores `session` in the response's cookie.
pub fn set_session(backend: &dyn Backend, session: &Session) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.append_header(http::header::SET_COOKIE, backend.session_cookie(session));
    }
}

/// Turns an error into the response status of the current server function,
/// so a refusal is a 4xx, never the 500 server functions default to.
pub fn fail<T>(error: AppError) -> Result<T, AppError> {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(error.status()) {
            response.set_status(status);
        }
    }
    Err(error)
}

/// The caller as a member of room `code`, if they are in it (and in
/// good standing: see [`Backend::check_member`]).
pub async fn member(
    backend: &dyn Backend,
    caller: &Caller,
    code: &RoomCode,
) -> Result<Member, AppError> {
    let session = caller.session.as_ref().ok_or(AppError::NotSignedIn)?;
    backend.check_member(session, code).await?;
    Ok(Member {
        user: session.user.clone(),
        name: session.name.clone(),
    })
}

/// `scheme://host` as the caller addressed this server, for invite links.
pub fn origin(headers: &http::HeaderMap) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match header("host") {
        Some(host) => {
            let scheme = header("x-forwarded-proto").unwrap_or("http");
            format!("{scheme}://{host}")
        }
        None => String::new(),
    }
}

//! The owners' forms and each entry's "Delete", as plain HTTP posts that
//! work without JavaScript: `POST /room/{code}/settings` (every owner
//! action), `POST /room/{code}/remove` (the members list's "Remove") and
//! `POST /room/{code}/entries/delete`. Each answers with a page (303), and
//! calls the same action as the socket and the server functions.

use app::backend::{delete_entry, owner_act, Caller, OwnerAction};
use app::error::AppError;
use app::protocol::{RoomCode, Seq, UserId};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::{Extension, Form};
use serde::Deserialize;

use crate::routes::{refusal, see_other};
use crate::state::AppState;

/// The settings forms' fields; missing ones read as empty.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsFields {
    action: String,
    user: String,
    password: String,
    lifetime: String,
}

/// What a settings form asks for, or `None` for an unknown action.
fn action_of(fields: SettingsFields) -> Option<OwnerAction> {
    Some(match fields.action.as_str() {
        "lock" => OwnerAction::Lock(true),
        "unlock" => OwnerAction::Lock(false),
        "delete_room" => OwnerAction::DeleteRoom,
        "remove" => OwnerAction::Remove(UserId(fields.user)),
        "promote" => OwnerAction::Promote(UserId(fields.user)),
        "password" => OwnerAction::Password(fields.password),
        "lifetime" => OwnerAction::Lifetime(fields.lifetime),
        _ => return None,
    })
}

/// `POST /room/{code}/settings`: an owner's action, then the settings page
/// again saying what was done (`?done=`), or, after "Delete room now", the
/// room's address (which answers 410).
pub async fn post_settings(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
    Form(fields): Form<SettingsFields>,
) -> Response {
    let code = match RoomCode::parse(&code) {
        Ok(code) => code,
        Err(error) => return refusal(error),
    };
    let done = fields.action.clone();
    let Some(action) = action_of(fields) else {
        return refusal(AppError::UnknownAction);
    };
    let deleting = action == OwnerAction::DeleteRoom;
    match owner_act(&*state.chatdrop, &caller, &code, action).await {
        Ok(_) if deleting => see_other(&code.path(), None),
        Ok(session) => {
            let cookie = session.map(|s| state.chatdrop.sessions.cookie(&s));
            see_other(&format!("{}/settings?done={done}", code.path()), cookie)
        }
        Err(error) => refusal(error),
    }
}

/// The "Remove" form's field.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RemoveFields {
    user: String,
}

/// `POST /room/{code}/remove`: an owner removes a member from the members
/// list, then sees the settings page, which suggests locking the room or
/// changing its password too.
pub async fn post_remove(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
    Form(fields): Form<RemoveFields>,
) -> Response {
    let code = match RoomCode::parse(&code) {
        Ok(code) => code,
        Err(error) => return refusal(error),
    };
    let action = OwnerAction::Remove(UserId(fields.user));
    match owner_act(&*state.chatdrop, &caller, &code, action).await {
        Ok(_) => see_other(&format!("{}/settings?done=remove", code.path()), None),
        Err(error) => refusal(error),
    }
}

/// The "Delete" form's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteFields {
    seq: String,
    confirm: String,
}

/// `POST /room/{code}/entries/delete`: without `confirm=1`, the room again
/// asking to confirm (`?delete=SEQ`); with it, the message or file is
/// deleted and the room shown again.
pub async fn post_delete_entry(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
    Form(fields): Form<DeleteFields>,
) -> Response {
    let code = match RoomCode::parse(&code) {
        Ok(code) => code,
        Err(error) => return refusal(error),
    };
    let Ok(seq) = fields.seq.trim().parse::<u64>() else {
        return refusal(AppError::NothingToDelete);
    };
    if fields.confirm != "1" {
        return see_other(&format!("{}?delete={seq}#e{seq}", code.path()), None);
    }
    match delete_entry(&*state.chatdrop, &caller, &code, Seq(seq)).await {
        Ok(()) => see_other(&format!("{}#e{seq}", code.path()), None),
        Err(error) => refusal(error),
    }
}

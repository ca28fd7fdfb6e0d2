//! The server's side of [`app::backend::Backend`]: what logging in, creating
//! and joining rooms actually do.

use std::sync::Arc;

use app::backend::{Backend, Caller};
use app::error::AppError;
use app::model::{LoginForm, Session};
use app::protocol::{LoginAction, RoomCode, UserId, UserName};
use axum::http::HeaderValue;

use crate::sessions::Sessions;
use crate::store::Store;
use crate::throttle::JoinThrottle;

/// Storage, sessions and throttles, shared by every request.
#[derive(Clone)]
pub struct Chatdrop {
    /// The database.
    pub store: Store,
    /// Cookie signing.
    pub sessions: Sessions,
    /// Budgets for wrong room codes.
    pub throttle: Arc<JoinThrottle>,
}

#[async_trait::async_trait]
impl Backend for Chatdrop {
    async fn login(
        &self,
        caller: &Caller,
        form: LoginForm,
    ) -> Result<(RoomCode, Session), AppError> {
        let name = UserName::parse(&form.name)?;
        let user = caller
            .session
            .as_ref()
            .map(|s| s.user.clone())
            .unwrap_or_else(new_user_id);
        let code = match form.action {
            LoginAction::Create => self.store.create_room(&user).await.map_err(internal)?,
            LoginAction::Join => {
                self.throttle
                    .check(caller.ip)
                    .map_err(AppError::Throttled)?;
                let code = RoomCode::parse(&form.code)?;
                if !self.store.room_exists(&code).await.map_err(internal)? {
                    self.throttle.record_failure(caller.ip);
                    tracing::info!(ip = %caller.ip, "join with an unknown room code");
                    return Err(AppError::UnknownRoom);
                }
                code
            }
        };
        tracing::info!(room = %code, user = %user.0, action = ?form.action, "signed in");
        Ok((
            code.clone(),
            Session {
                user,
                name,
                room: Some(code),
            },
        ))
    }

    async fn room_exists(&self, code: &RoomCode) -> Result<bool, AppError> {
        self.store.room_exists(code).await.map_err(internal)
    }

    fn session_cookie(&self, session: &Session) -> HeaderValue {
        // Base64, a signature and fixed attributes: always a valid header.
        HeaderValue::from_str(&self.sessions.cookie(session))
            .unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

/// 128 random bits, in hex.
fn new_user_id() -> UserId {
    UserId(format!("{:032x}", rand::random::<u128>()))
}

/// Logs a storage failure and gives the user the generic message.
pub fn internal(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "storage failure");
    AppError::Internal
}

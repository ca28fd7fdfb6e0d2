//! The server's side of [`app::backend::Backend`]: what logging in, creating
//! and joining rooms actually do.

pub use crate::chatdrop::{internal, Chatdrop, HISTORY_PAGE};

use app::backend::{Backend, Caller, Change, OwnerAction};
use app::error::AppError;
use app::model::{HistoryPage, LoginForm, RoomSettings, Session};
use app::protocol::{ClientMsg, ClientMsgId, LoginAction, Member, RoomCode, Seq, UserId, UserName};
use axum::http::HeaderValue;

use crate::deletion::Gone;

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
        let (code, owner) = match form.action {
            LoginAction::Create => {
                self.new_rooms
                    .check(caller.ip)
                    .await
                    .map_err(AppError::TooManyRooms)?;
                let expires_at = self.expiry(&form.lifetime)?;
                let password = match form.password.as_str() {
                    "" => None,
                    password => Some(crate::passwords::hash(password.to_owned()).await?),
                };
                let code = self
                    .store
                    .create_room(&user, password.as_deref(), expires_at)
                    .await
                    .map_err(internal)?;
                self.new_rooms.spend(caller.ip).await;
                (code, true)
            }
            LoginAction::Join => {
                let code = self.admit(caller, &user, &form).await?;
                let owner = self.store.is_owner(&code, &user).await.map_err(internal)?;
                (code, owner)
            }
        };
        let epoch = self
            .store
            .access_epoch(&code)
            .await
            .map_err(internal)?
            .unwrap_or(0);
        tracing::info!(room = %code, user = %user.0, action = ?form.action, "signed in");
        Ok((
            code.clone(),
            Session {
                user,
                name,
                room: Some(code),
                epoch,
                owner,
            },
        ))
    }

    async fn room_exists(&self, code: &RoomCode) -> Result<bool, AppError> {
        self.store.room_exists(code).await.map_err(internal)
    }

    async fn history(&self, code: &RoomCode, before: Option<Seq>) -> Result<HistoryPage, AppError> {
        let mut events = self
            .store
            .events_before(code, before, HISTORY_PAGE + 1)
            .await
            .map_err(internal)?;
        let has_older = events.len() > HISTORY_PAGE as usize;
        if has_older {
            events.remove(0);
        }
        Ok(HistoryPage { events, has_older })
    }

    async fn check_member(&self, session: &Session, code: &RoomCode) -> Result<(), AppError> {
        if session.room.as_ref() != Some(code) {
            return Err(AppError::NotInRoom);
        }
        if self
            .store
            .is_banned(code, &session.user)
            .await
            .map_err(internal)?
        {
            return Err(AppError::Removed);
        }
        match self.store.access_epoch(code).await.map_err(internal)? {
            Some(epoch) if epoch == session.epoch => Ok(()),
            Some(_) => Err(AppError::PasswordChanged),
            None => Err(AppError::NotInRoom),
        }
    }

    async fn settings(&self, code: &RoomCode) -> Result<RoomSettings, AppError> {
        self.store.settings(code).await.map_err(internal)
    }

    async fn act(
        &self,
        code: &RoomCode,
        by: &Member,
        action: OwnerAction,
    ) -> Result<Option<i64>, AppError> {
        crate::owners::act(self, code, by, action).await
    }

    async fn delete_entry(
        &self,
        code: &RoomCode,
        who: &Member,
        owner: bool,
        target: Seq,
    ) -> Result<(), AppError> {
        crate::owners::delete_entry(self, code, who, owner, target).await
    }

    async fn gone(&self, code: &RoomCode) -> Result<Option<AppError>, AppError> {
        let gone = self.store.gone(code).await.map_err(internal)?;
        Ok(gone.map(|why| match why {
            Gone::Expired => AppError::RoomExpired,
            Gone::Deleted => AppError::RoomDeleted,
        }))
    }

    fn lifetimes(&self) -> app::model::Lifetimes {
        self.lifetimes.clone()
    }

    async fn known_members(&self, code: &RoomCode) -> Result<Vec<Member>, AppError> {
        self.store.known_members(code).await.map_err(internal)
    }

    fn members(&self, code: &RoomCode) -> Vec<Member> {
        self.hub
            .live(code)
            .map(|room| room.members())
            .unwrap_or_default()
    }

    async fn post_message(
        &self,
        who: &Member,
        code: &RoomCode,
        id: ClientMsgId,
        text: String,
        reply_to: Option<Seq>,
    ) -> Result<Seq, AppError> {
        // Forms posted without JavaScript carry no id of their own.
        let id = if id.0.is_empty() {
            ClientMsgId(format!("form-{:032x}", rand::random::<u128>()))
        } else {
            id
        };
        ClientMsg::validate_send(&id, &text)?;
        if let Some(target) = reply_to {
            self.store.check_reply(code, target).await?;
        }
        let room = self.hub.room(code).await.map_err(internal)?;
        room.post(who, id, text, reply_to).await.map_err(internal)
    }

    async fn change(&self, code: &RoomCode, who: &Member, change: Change) -> Result<(), AppError> {
        let room = self.hub.room(code).await.map_err(internal)?;
        match change {
            Change::Edit { target, text } => room.edit(who, target, text).await.map(drop),
            Change::React { target, emoji } => {
                room.react(who, target, &emoji, None).await.map(drop)
            }
        }
    }

    async fn leave_room(&self, who: &Member, code: &RoomCode) {
        match self.hub.room(code).await {
            Ok(room) => room.leave(who).await,
            Err(error) => {
                internal(error);
            }
        }
    }

    fn session_cookie(&self, session: &Session) -> HeaderValue {
        // Base64, a signature and fixed attributes: always a valid header.
        HeaderValue::from_str(&self.sessions.cookie(session))
            .unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

impl Chatdrop {
    /// The room a join asks for, if the code and (for a room with one) the
    /// password are right. Wrong codes and wrong passwords spend the same
    /// per-network budget, so neither can be guessed.
    async fn admit(
        &self,
        caller: &Caller,
        user: &UserId,
        form: &LoginForm,
    ) -> Result<RoomCode, AppError> {
        self.wrong_codes
            .check(caller.ip)
            .await
            .map_err(AppError::Throttled)?;
        let code = RoomCode::parse(&form.code)?;
        if let Some(why) = self.gone(&code).await? {
            return Err(why);
        }
        let Some(password_hash) = self.store.room_password(&code).await.map_err(internal)? else {
            self.wrong_codes.spend(caller.ip).await;
            tracing::info!(ip = %caller.ip, "join with an unknown room code");
            return Err(AppError::UnknownRoom);
        };
        if self.store.is_banned(&code, user).await.map_err(internal)? {
            return Err(AppError::Removed);
        }
        // Someone already in the room (their session says so, and the
        // password hasn't changed since) isn't asked.
        let member = match &caller.session {
            Some(session) => self.check_member(session, &code).await.is_ok(),
            None => false,
        };
        if !member && self.store.is_locked(&code).await.map_err(internal)? {
            return Err(AppError::RoomLocked);
        }
        match password_hash {
            Some(_) if member => {}
            Some(_) if form.password.is_empty() => return Err(AppError::RoomPasswordNeeded),
            Some(phc) if !crate::passwords::verify(form.password.clone(), phc.clone()).await => {
                self.wrong_codes.spend(caller.ip).await;
                tracing::info!(ip = %caller.ip, room = %code, "join with a wrong password");
                return Err(AppError::WrongRoomPassword);
            }
            Some(_) | None => {}
        }
        Ok(code)
    }
}

/// 128 random bits, in hex.
fn new_user_id() -> UserId {
    UserId(format!("{:032x}", rand::random::<u128>()))
}

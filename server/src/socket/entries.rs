//! The message half of a room's socket: posting (and replying), the
//! outcome of an edit or a reaction, and deleting.

use app::error::AppError;
use app::protocol::{ClientMsg, ClientMsgId, Seq, ServerMsg};

use super::outbox::Outbox;
use super::{Connection, Step};

impl Connection<'_> {
    /// Stores a message (a reply once what it answers is checked) and
    /// acknowledges it.
    pub(super) async fn post(
        &mut self,
        out: &mut Outbox,
        id: ClientMsgId,
        text: String,
        reply_to: Option<Seq>,
    ) -> Step {
        if let Err(error) = ClientMsg::validate_send(&id, &text) {
            return self.refuse(out, error, Some(id)).await;
        }
        if self.chatdrop.hooks.panic_on_message.as_deref() == Some(text.as_str()) {
            panic!("test hook: a socket task panics");
        }
        if let Some(target) = reply_to {
            if let Err(error) = self
                .chatdrop
                .store
                .check_reply(&self.room.code, target)
                .await
            {
                return self.refuse(out, error, Some(id)).await;
            }
        }
        match self.room.post(&self.me, id.clone(), text, reply_to).await {
            Ok(seq) => Ok(out.send(&ServerMsg::Ack { id, seq }).await?),
            Err(error) => {
                tracing::error!(%error, "storing a message");
                self.refuse(out, AppError::MessageNotStored, Some(id)).await
            }
        }
    }

    /// Reports a refused edit or reaction; a done one reaches this tab as
    /// its event.
    pub(super) async fn changed(
        &mut self,
        out: &mut Outbox,
        done: Result<Option<Seq>, AppError>,
    ) -> Step {
        match done {
            Ok(_) => Ok(()),
            Err(error) => self.refuse(out, error, None).await,
        }
    }

    /// Deletes a message or file, as `app::backend::delete_entry` does for
    /// the form; a refusal is an `error` frame.
    pub(super) async fn delete(&mut self, out: &mut Outbox, target: Seq) -> Step {
        let code = &self.room.code;
        let owner = match self.chatdrop.store.is_owner(code, &self.me.user).await {
            Ok(owner) => owner,
            Err(error) => {
                tracing::error!(%error, "checking an owner");
                return self.refuse(out, AppError::RoomUnavailable, None).await;
            }
        };
        let deleted = crate::owners::delete_entry(self.chatdrop, code, &self.me, owner, target);
        match deleted.await {
            Ok(()) => Ok(()),
            Err(error) => self.refuse(out, error, None).await,
        }
    }
}

//! What owners do to a room (lock, remove, promote, password, lifetime,
//! delete), and deleting one message or file, once the caller is checked
//! (`app::backend::owner_act` and `delete_entry`). Every change reaches the
//! room's tabs at once as a `settings` frame.

use app::backend::OwnerAction;
use app::error::AppError;
use app::protocol::{Member, RoomCode, Seq, ServerMsg, UserId};

use crate::chatdrop::{internal, Chatdrop};
use crate::deletion::Gone;
use crate::removal::Leftovers;
use crate::rooms::Kick;

/// Does `action` for owner `by` in room `code`; returns the new password
/// generation when it changed.
pub async fn act(
    chatdrop: &Chatdrop,
    code: &RoomCode,
    by: &Member,
    action: OwnerAction,
) -> Result<Option<i64>, AppError> {
    let store = &chatdrop.store;
    let mut epoch = None;
    match action {
        OwnerAction::Lock(locked) => {
            store.set_locked(code, locked).await.map_err(internal)?;
            tracing::info!(room = %code, locked, "room lock changed");
        }
        OwnerAction::DeleteRoom => {
            return chatdrop
                .delete_room(code, Gone::Deleted)
                .await
                .map(|()| None)
        }
        OwnerAction::Remove(user) => {
            let who = known_member(chatdrop, code, user).await?;
            store.ban(code, &who.user).await.map_err(internal)?;
            let room = chatdrop.hub.room(code).await.map_err(internal)?;
            room.remove_member(by, &who).await?;
            tracing::info!(room = %code, user = %who.user.0, "member removed");
        }
        OwnerAction::Promote(user) => {
            let who = known_member(chatdrop, code, user).await?;
            store.add_owner(code, &who.user).await.map_err(internal)?;
            tracing::info!(room = %code, user = %who.user.0, "owner added");
        }
        OwnerAction::Password(password) => {
            let hash = match password.as_str() {
                "" => None,
                _ => Some(crate::passwords::hash(password).await?),
            };
            let now = store
                .set_password(code, hash.as_deref())
                .await
                .map_err(internal)?;
            if hash.is_some() {
                // Everyone else joins again with the new password.
                let room = chatdrop.hub.room(code).await.map_err(internal)?;
                room.kick(Kick {
                    user: by.user.clone(),
                    others: true,
                    code: app::client::SIGNED_OUT,
                });
                epoch = Some(now);
            }
            tracing::info!(room = %code, password = hash.is_some(), "room password changed");
        }
        OwnerAction::Lifetime(field) => {
            let expires_at = chatdrop.expiry(&field)?;
            store
                .set_expires_at(code, expires_at)
                .await
                .map_err(internal)?;
            tracing::info!(room = %code, ?expires_at, "room lifetime changed");
        }
    }
    announce(chatdrop, code).await?;
    Ok(epoch)
}

/// Sends room `code`'s settings to all its tabs.
pub async fn announce(chatdrop: &Chatdrop, code: &RoomCode) -> Result<(), AppError> {
    let msg = settings_frame(chatdrop, code).await?;
    if let Some(room) = chatdrop.hub.live(code) {
        room.notify(&msg);
    }
    Ok(())
}

/// Room `code`'s settings as a frame.
pub async fn settings_frame(chatdrop: &Chatdrop, code: &RoomCode) -> Result<ServerMsg, AppError> {
    let settings = chatdrop.store.settings(code).await.map_err(internal)?;
    Ok(ServerMsg::Settings {
        expires_at: settings.expires_at,
        locked: settings.locked,
        password: settings.password,
        owners: settings.owners,
    })
}

/// `user` as room `code` knows them (their latest name there), if they
/// were ever in it.
async fn known_member(
    chatdrop: &Chatdrop,
    code: &RoomCode,
    user: UserId,
) -> Result<Member, AppError> {
    let name = chatdrop
        .store
        .member_name(code, &user)
        .await
        .map_err(internal)?
        .ok_or(AppError::NotAMember)?;
    Ok(Member { user, name })
}

/// `who` deletes the entry at `target` (see `removal.rs`), then its bytes
/// go from disk unless another record still uses them.
pub async fn delete_entry(
    chatdrop: &Chatdrop,
    code: &RoomCode,
    who: &Member,
    owner: bool,
    target: Seq,
) -> Result<(), AppError> {
    let room = chatdrop.hub.room(code).await.map_err(internal)?;
    let (_, leftovers) = room.delete_entry(who, owner, target).await?;
    let Leftovers { upload, sha256 } = leftovers;
    let mut uploads = Vec::new();
    if let Some(upload) = upload {
        // An upload still running stops, and no download goes on.
        chatdrop.transfers.drop_upload(&upload).await;
        chatdrop.downloads.revoke(&upload.0);
        uploads.push((upload.0, sha256));
    }
    // Also for a message: its text leaves the WAL.
    crate::deletion::remove_bytes(&chatdrop.store, &chatdrop.files, uploads)
        .await
        .map_err(internal)?;
    Ok(())
}

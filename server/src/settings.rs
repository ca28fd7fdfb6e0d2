//! What a room's owners control, in the database: who owns it, who was
//! removed, its password's generation, its lifetime, its lock.

use app::model::RoomSettings;
use app::protocol::{Member, RoomCode, UserId, UserName};

use crate::store::Store;

impl Store {
    /// Whether `user` owns room `code` (created it, or was made an owner).
    pub async fn is_owner(&self, code: &RoomCode, user: &UserId) -> Result<bool, sqlx::Error> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM room_owners WHERE room = $1 AND user_id = $2")
                .bind(code.as_str())
                .bind(&user.0)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.is_some())
    }

    /// Makes `user` an owner of room `code` (again: no change).
    pub async fn add_owner(&self, code: &RoomCode, user: &UserId) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO room_owners (room, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(code.as_str())
        .bind(&user.0)
        .execute(self.pool())
        .await
        .map(drop)
    }

    /// `user`'s latest name in room `code`'s history, if they were ever in
    /// it.
    pub async fn member_name(
        &self,
        code: &RoomCode,
        user: &UserId,
    ) -> Result<Option<UserName>, sqlx::Error> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT user_name FROM events WHERE room = $1 AND user_id = $2
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(code.as_str())
        .bind(&user.0)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.and_then(|(name,)| UserName::parse(&name).ok()))
    }

    /// Everyone who was ever in room `code` (by their latest name there),
    /// except those an owner removed: whom an owner may act on.
    pub async fn known_members(&self, code: &RoomCode) -> Result<Vec<Member>, sqlx::Error> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT user_id, user_name FROM events AS e
             WHERE room = $1 AND seq = (
                 SELECT MAX(seq) FROM events WHERE room = e.room AND user_id = e.user_id)
             AND user_id NOT IN (SELECT user_id FROM room_bans WHERE room = $1)
             ORDER BY lower(user_name), user_id",
        )
        .bind(code.as_str())
        .fetch_all(self.pool())
        .await?;
        Ok(crate::history::members_from(rows))
    }

    /// Removes `user` from room `code` for good: no longer an owner, and
    /// refused from now on.
    pub async fn ban(&self, code: &RoomCode, user: &UserId) -> Result<(), sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM room_owners WHERE room = $1 AND user_id = $2")
            .bind(code.as_str())
            .bind(&user.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO room_bans (room, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(code.as_str())
            .bind(&user.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// Whether an owner removed `user` from room `code`.
    pub async fn is_banned(&self, code: &RoomCode, user: &UserId) -> Result<bool, sqlx::Error> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM room_bans WHERE room = $1 AND user_id = $2")
                .bind(code.as_str())
                .bind(&user.0)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.is_some())
    }

    /// Room `code`'s password generation (`None`: no such room).
    pub async fn access_epoch(&self, code: &RoomCode) -> Result<Option<i64>, sqlx::Error> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT access_epoch FROM rooms WHERE code = $1 AND gone_at IS NULL")
                .bind(code.as_str())
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|(epoch,)| epoch))
    }

    /// Sets (or, with `None`, removes) room `code`'s password. Setting one
    /// starts a new generation, which signs out everyone who joined under
    /// the old one; returns the generation now in force.
    pub async fn set_password(
        &self,
        code: &RoomCode,
        password_hash: Option<&str>,
    ) -> Result<i64, sqlx::Error> {
        let (epoch,): (i64,) = sqlx::query_as(
            "UPDATE rooms SET password_hash = $1,
                 access_epoch = access_epoch + (CASE WHEN $2 IS NULL THEN 0 ELSE 1 END)
             WHERE code = $3 AND gone_at IS NULL RETURNING access_epoch",
        )
        .bind(password_hash)
        .bind(password_hash)
        .bind(code.as_str())
        .fetch_one(self.pool())
        .await?;
        Ok(epoch)
    }

    /// Room `code` is deleted at `expires_at` (ms; `None`: never).
    pub async fn set_expires_at(
        &self,
        code: &RoomCode,
        expires_at: Option<i64>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE rooms SET expires_at = $1 WHERE code = $2 AND gone_at IS NULL")
            .bind(expires_at)
            .bind(code.as_str())
            .execute(self.pool())
            .await
            .map(drop)
    }

    /// Room `code`'s settings as its members see them.
    pub async fn settings(&self, code: &RoomCode) -> Result<RoomSettings, sqlx::Error> {
        let row: Option<(Option<i64>, i64, i64)> = sqlx::query_as(
            "SELECT expires_at, locked,
                    CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END
             FROM rooms WHERE code = $1",
        )
        .bind(code.as_str())
        .fetch_optional(self.pool())
        .await?;
        let (expires_at, locked, password) = row.unwrap_or((None, 0, 0));
        let owners: Vec<(String,)> =
            sqlx::query_as("SELECT user_id FROM room_owners WHERE room = $1 ORDER BY user_id")
                .bind(code.as_str())
                .fetch_all(self.pool())
                .await?;
        Ok(RoomSettings {
            expires_at,
            locked: locked != 0,
            password: password != 0,
            owners: owners.into_iter().map(|(user,)| UserId(user)).collect(),
        })
    }
}

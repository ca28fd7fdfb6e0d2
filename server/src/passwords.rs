//! Room passwords: Argon2id with OWASP's parameters (the `argon2` crate's
//! defaults: 19 MiB, 2 passes, 1 lane), hashed and checked on a blocking
//! thread. Only the PHC string is kept; the password itself is never
//! stored or logged.

use app::error::AppError;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};

/// A password's PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub async fn hash(password: String) -> Result<String, AppError> {
    app::protocol::check_room_password(&password)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await
    .ok()
    .and_then(Result::ok)
    .ok_or(AppError::Internal)
}

/// Whether `password` is the one `phc` was made from.
pub async fn verify(password: String, phc: String) -> bool {
    if app::protocol::check_room_password(&password).is_err() {
        return false;
    }
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_checks_against_its_hash_only() {
        let phc = hash("correct horse".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(!phc.contains("correct horse"));
        assert!(verify("correct horse".into(), phc.clone()).await);
        assert!(!verify("correct hors".into(), phc.clone()).await);
        assert!(!verify("x".repeat(1025), phc).await);
    }

    #[tokio::test]
    async fn a_password_over_the_limit_is_refused_before_hashing() {
        assert_eq!(
            hash("é".repeat(513)).await,
            Err(AppError::RoomPasswordTooLong)
        );
    }
}

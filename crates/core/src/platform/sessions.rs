//! Sessions kept in the database, so any node can serve any request. The cookie carries a random
//! token; only its SHA-256 is stored. Each session has its own CSRF token, rotated with the session
//! on login and logout.

use sqlx::Row as _;

use super::Platform;
use super::clock::Clock as _;
use super::crypto::sha256_hex;
use super::db::Tx;
use crate::error::CoreError;

pub const SESSION_LIFETIME: i64 = 7 * 24 * 3600;
/// How long a phone proven in registration step 1, or an old phone proven before a change, counts.
pub const REGISTRATION_WINDOW: i64 = 30 * 60;
pub const OLD_PHONE_WINDOW: i64 = 10 * 60;

#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub csrf_token: String,
    pub user_id: Option<String>,
    pub verified_phone_sealed: Option<String>,
    pub verified_phone_until: Option<i64>,
    pub old_phone_until: Option<i64>,
}

/// A new session: the cookie value and the stored row.
pub struct NewSession {
    pub token: String,
    pub session: Session,
}

pub async fn create(
    platform: &Platform,
    user_id: Option<&str>,
    ip: &str,
) -> Result<NewSession, CoreError> {
    insert(platform.db.pool(), platform, user_id, ip).await
}

/// [`create`] inside the caller's transaction, so a sign-in commits with the change that
/// allowed it (a QR login's request spent, its audit event).
pub async fn create_in(
    tx: &mut Tx,
    platform: &Platform,
    user_id: Option<&str>,
    ip: &str,
) -> Result<NewSession, CoreError> {
    insert(&mut **tx, platform, user_id, ip).await
}

async fn insert<'e, E>(
    executor: E,
    platform: &Platform,
    user_id: Option<&str>,
    ip: &str,
) -> Result<NewSession, CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let token = platform.random.token()?;
    let csrf = platform.random.token()?;
    let now = platform.clock.now();
    let token_hash = sha256_hex(token.as_bytes());
    sqlx::query(
        "INSERT INTO sessions (token_hash, csrf_token, user_id, ip, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&token_hash)
    .bind(&csrf)
    .bind(user_id)
    .bind(ip)
    .bind(now)
    .bind(now + SESSION_LIFETIME)
    .execute(executor)
    .await?;
    Ok(NewSession {
        token,
        session: Session {
            token_hash,
            csrf_token: csrf,
            user_id: user_id.map(str::to_owned),
            verified_phone_sealed: None,
            verified_phone_until: None,
            old_phone_until: None,
        },
    })
}

pub async fn load(platform: &Platform, token: &str) -> Result<Option<Session>, CoreError> {
    let token_hash = sha256_hex(token.as_bytes());
    let row = sqlx::query(
        "SELECT csrf_token, user_id, verified_phone_sealed, verified_phone_until, old_phone_until, expires_at \
         FROM sessions WHERE token_hash = $1",
    )
    .bind(&token_hash)
    .fetch_optional(platform.db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let expires_at: i64 = row.try_get("expires_at")?;
    if expires_at <= platform.clock.now() {
        end(platform, &token_hash).await?;
        return Ok(None);
    }
    Ok(Some(Session {
        token_hash,
        csrf_token: row.try_get("csrf_token")?,
        user_id: row.try_get("user_id")?,
        verified_phone_sealed: row.try_get("verified_phone_sealed")?,
        verified_phone_until: row.try_get("verified_phone_until")?,
        old_phone_until: row.try_get("old_phone_until")?,
    }))
}

pub async fn end(platform: &Platform, token_hash: &str) -> Result<(), CoreError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(platform.db.pool())
        .await?;
    Ok(())
}

/// Ends every session of a user except `keep` (after a password reset or change).
pub async fn end_others(tx: &mut Tx, user_id: &str, keep: &str) -> Result<(), CoreError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn remember_verified_phone(
    platform: &Platform,
    session: &Session,
    sealed_phone: &str,
) -> Result<(), CoreError> {
    sqlx::query("UPDATE sessions SET verified_phone_sealed = $1, verified_phone_until = $2 WHERE token_hash = $3")
        .bind(sealed_phone)
        .bind(platform.clock.now() + REGISTRATION_WINDOW)
        .bind(&session.token_hash)
        .execute(platform.db.pool())
        .await?;
    Ok(())
}

pub async fn remember_old_phone(platform: &Platform, session: &Session) -> Result<(), CoreError> {
    sqlx::query("UPDATE sessions SET old_phone_until = $1 WHERE token_hash = $2")
        .bind(platform.clock.now() + OLD_PHONE_WINDOW)
        .bind(&session.token_hash)
        .execute(platform.db.pool())
        .await?;
    Ok(())
}

pub async fn forget_old_phone(tx: &mut Tx, session: &Session) -> Result<(), CoreError> {
    sqlx::query("UPDATE sessions SET old_phone_until = NULL WHERE token_hash = $1")
        .bind(&session.token_hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Deletes sessions past their life (called by housekeeping).
pub async fn purge(platform: &Platform) -> Result<u64, CoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(platform.clock.now())
        .execute(platform.db.pool())
        .await?;
    Ok(done.rows_affected())
}

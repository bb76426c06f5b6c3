//! Signing in by password (with captcha and lockout) or by SMS code (which registers an unknown
//! phone on the spot), resetting a forgotten password, and signing out.

use serde_json::json;
use sqlx::Row as _;

use super::Origin;
use super::fields::{Identifier, Password, Phone};
use super::store::{self, NewUser, User, UserView};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;
use crate::platform::crypto::{hash_password, verify_password};
use crate::platform::sessions::{self, NewSession, Session};
use crate::platform::sms_codes::{self, Purpose};
use crate::platform::{Platform, captcha};

/// Failures counted within this window lock the account…
pub const FAILURE_WINDOW: i64 = 15 * 60;
/// …when they reach this many…
pub const MAX_FAILURES: i64 = 5;
/// …for this long.
pub const LOCKOUT: i64 = 15 * 60;

pub struct LoginOutcome {
    pub user: UserView,
    pub must_set_password: bool,
    pub session: NewSession,
}

async fn audit(
    platform: &Platform,
    origin: &Origin,
    user_id: &str,
    action: &str,
    after: serde_json::Value,
) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let event = AuditEvent::new(user_id, action, format!("user:{user_id}"))
        .from_ip(&origin.ip)
        .change(serde_json::Value::Null, after);
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(())
}

async fn start_session(
    platform: &Platform,
    old: &Session,
    user: &User,
    origin: &Origin,
) -> Result<LoginOutcome, CoreError> {
    sessions::end(platform, &old.token_hash).await?;
    let session = sessions::create(platform, Some(&user.id), &origin.ip).await?;
    Ok(LoginOutcome {
        user: user.view(),
        must_set_password: user.password_hash.is_none(),
        session,
    })
}

fn locked(user: &User, now: i64) -> Option<CoreError> {
    user.locked_until.filter(|until| *until > now).map(|until| {
        PlatformError::AccountLocked {
            until,
            retry_after: until - now,
        }
        .into()
    })
}

/// Takes one of the account's login tries before the password is compared, in one conditional
/// statement: a failure window that has passed (or a lockout that has ended) starts the count
/// again, and the try that reaches [`MAX_FAILURES`] sets the lockout at once. However many
/// requests race, at most that many passwords are compared per window. `None` when the account
/// is locked.
async fn claim_try(
    platform: &Platform,
    user: &User,
    now: i64,
) -> Result<Option<(i64, Option<i64>)>, CoreError> {
    // The right-hand sides all read the row as it was, so `fresh` is spelled out in each.
    let row = sqlx::query(
        "UPDATE users SET \
         failed_logins = CASE WHEN first_failed_at IS NULL OR first_failed_at + $2 <= $3 \
             OR locked_until IS NOT NULL THEN 1 ELSE failed_logins + 1 END, \
         first_failed_at = CASE WHEN first_failed_at IS NULL OR first_failed_at + $2 <= $3 \
             OR locked_until IS NOT NULL THEN $3 ELSE first_failed_at END, \
         locked_until = CASE WHEN (CASE WHEN first_failed_at IS NULL OR first_failed_at + $2 <= $3 \
             OR locked_until IS NOT NULL THEN 1 ELSE failed_logins + 1 END) >= $4 THEN $5 ELSE NULL END \
         WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $3) \
         RETURNING failed_logins, locked_until",
    )
    .bind(&user.id)
    .bind(FAILURE_WINDOW)
    .bind(now)
    .bind(MAX_FAILURES)
    .bind(now + LOCKOUT)
    .fetch_optional(platform.db.pool())
    .await?;
    row.map(|row| {
        Ok::<_, CoreError>((
            row.try_get::<i64, _>("failed_logins")?,
            row.try_get::<Option<i64>, _>("locked_until")?,
        ))
    })
    .transpose()
}

/// The answer to a wrong password whose try was claimed: the try that set the lockout says so
/// (and audits it), the others are plain bad credentials.
async fn record_failure(
    platform: &Platform,
    origin: &Origin,
    user: &User,
    lock_until: Option<i64>,
) -> Result<CoreError, CoreError> {
    if let Some(until) = lock_until {
        audit(
            platform,
            origin,
            &user.id,
            "account.locked",
            json!({"until": until}),
        )
        .await?;
        tracing::warn!(user = %user.id, "account locked after repeated failed logins");
        return Ok(PlatformError::AccountLocked {
            until,
            retry_after: LOCKOUT,
        }
        .into());
    }
    Ok(PlatformError::BadCredentials.into())
}

/// The lockout answer for an account whose try could not be claimed.
async fn locked_now(platform: &Platform, user_id: &str, now: i64) -> Result<CoreError, CoreError> {
    let until = store::find_by_id(platform, user_id)
        .await?
        .and_then(|user| user.locked_until)
        .filter(|until| *until > now)
        .unwrap_or(now + LOCKOUT);
    Ok(PlatformError::AccountLocked {
        until,
        retry_after: until - now,
    }
    .into())
}

pub async fn login_password(
    platform: &Platform,
    session: &Session,
    origin: &Origin,
    identifier: &str,
    password: &str,
    captcha_id: &str,
    captcha_answer: &str,
) -> Result<LoginOutcome, CoreError> {
    captcha::check(platform, captcha_id, captcha_answer).await?;
    let now = platform.clock.now();
    let user = store::find_by_identifier(platform, &Identifier::parse(identifier)).await?;
    let Some(user) = user else {
        return Err(PlatformError::BadCredentials.into());
    };
    if let Some(error) = locked(&user, now) {
        return Err(error);
    }
    let Some(hash) = &user.password_hash else {
        return Err(PlatformError::BadCredentials.into());
    };
    let Some((_, lock_until)) = claim_try(platform, &user, now).await? else {
        return Err(locked_now(platform, &user.id, now).await?);
    };
    if !verify_password(password, hash).await {
        return Err(record_failure(platform, origin, &user, lock_until).await?);
    }
    sqlx::query("UPDATE users SET failed_logins = 0, first_failed_at = NULL, locked_until = NULL WHERE id = $1")
        .bind(&user.id)
        .execute(platform.db.pool())
        .await?;
    audit(
        platform,
        origin,
        &user.id,
        "account.login",
        json!({"method": "password"}),
    )
    .await?;
    start_session(platform, session, &user, origin).await
}

/// Signs in a user whose identity another check already proved (certificate login): refused
/// while the account is locked; audited with `method`.
pub async fn login_verified(
    platform: &Platform,
    session: &Session,
    origin: &Origin,
    user_id: &str,
    method: &str,
) -> Result<LoginOutcome, CoreError> {
    let user = store::find_by_id(platform, user_id)
        .await?
        .ok_or(PlatformError::BadCredentials)?;
    if let Some(error) = locked(&user, platform.clock.now()) {
        return Err(error);
    }
    audit(
        platform,
        origin,
        &user.id,
        "account.login",
        json!({ "method": method }),
    )
    .await?;
    start_session(platform, session, &user, origin).await
}

/// SMS login; an unknown phone becomes a new account that must set a password before anything else.
pub async fn login_sms(
    platform: &Platform,
    session: &Session,
    origin: &Origin,
    phone: &str,
    code: &str,
) -> Result<LoginOutcome, CoreError> {
    let phone = Phone::parse(phone, "phone")?;
    sms_codes::consume(platform, &phone, Purpose::Login, code).await?;
    let now = platform.clock.now();
    let user = if let Some(user) = store::find_by_phone(platform, &phone).await? {
        if let Some(error) = locked(&user, now) {
            return Err(error);
        }
        audit(
            platform,
            origin,
            &user.id,
            "account.login",
            json!({"method": "sms"}),
        )
        .await?;
        user
    } else {
        quick_register(platform, origin, &phone, now).await?
    };
    start_session(platform, session, &user, origin).await
}

/// Quick registration: an account with only a phone and no password yet.
async fn quick_register(
    platform: &Platform,
    origin: &Origin,
    phone: &Phone,
    now: i64,
) -> Result<User, CoreError> {
    let mut tx = platform.db.begin().await?;
    let new_user = NewUser {
        phone,
        login_name: None,
        email: None,
        real_name: None,
        password_hash: None,
    };
    let id = store::insert(platform, &mut tx, &new_user, now).await?;
    let event = AuditEvent::new(&id, "account.register", format!("user:{id}"))
        .from_ip(&origin.ip)
        .change(
            serde_json::Value::Null,
            json!({"phone": phone.masked(), "method": "sms-quick"}),
        );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    store::find_by_id(platform, &id)
        .await?
        .ok_or(PlatformError::NotFound.into())
}

/// Forgotten password: a code to the phone, then a new password. Ends every session of the
/// account and lifts a lockout. Answers the same for a phone without an account.
pub async fn reset_password(
    platform: &Platform,
    origin: &Origin,
    phone: &str,
    code: &str,
    new_password: &str,
) -> Result<(), CoreError> {
    let phone = Phone::parse(phone, "phone")?;
    let password = Password::parse(new_password, "new_password")?;
    // The code first: an unknown phone's code was never sent (`sms_codes::pretend`), so it
    // fails here exactly like a wrong code for a known one.
    sms_codes::consume(platform, &phone, Purpose::ResetPassword, code).await?;
    let user = store::find_by_phone(platform, &phone)
        .await?
        .ok_or(PlatformError::SmsCodeExpired)?;
    let now = platform.clock.now();
    let hash = hash_password(password.expose()).await?;
    let mut tx = platform.db.begin().await?;
    sqlx::query(
        "UPDATE users SET password_hash = $1, failed_logins = 0, first_failed_at = NULL, locked_until = NULL, updated_at = $2 WHERE id = $3",
    )
    .bind(&hash)
    .bind(now)
    .bind(&user.id)
    .execute(&mut *tx)
    .await?;
    sessions::end_others(&mut tx, &user.id, "").await?;
    let event = AuditEvent::new(
        &user.id,
        "account.password_reset",
        format!("user:{}", user.id),
    )
    .from_ip(&origin.ip);
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn logout(
    platform: &Platform,
    session: &Session,
    origin: &Origin,
) -> Result<(), CoreError> {
    if let Some(user_id) = &session.user_id {
        audit(
            platform,
            origin,
            user_id,
            "account.logout",
            serde_json::Value::Null,
        )
        .await?;
    }
    sessions::end(platform, &session.token_hash).await
}

//! The user center: password (first setting and change), login name, email, phone (old number
//! proven first, then the new one) and avatar.

use serde_json::json;

use super::Origin;
use super::fields::{Email, LoginName, Password, Phone};
use super::registration::{active_user, session_user};
use super::store::{self, User, UserView, unique_violation};
use crate::error::{CoreError, PlatformError};
use crate::platform::Platform;
use crate::platform::audit::AuditEvent;
use crate::platform::blobs::sniff_image;
use crate::platform::clock::Clock as _;
use crate::platform::crypto::{SealedAt, hash_password, verify_password};
use crate::platform::mask;
use crate::platform::sessions::{self, Session};
use crate::platform::sms_codes::{self, Purpose};

pub const AVATAR_LIMIT: usize = 2 * 1024 * 1024;

/// Runs one update of the user's row with its audit event in one transaction.
async fn update(
    platform: &Platform,
    origin: &Origin,
    user: &User,
    action: &str,
    change: (serde_json::Value, serde_json::Value),
    sql: &'static str,
    values: &[Option<String>],
) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let mut query = sqlx::query(sql);
    for value in values {
        query = query.bind(value.clone());
    }
    query
        .bind(now)
        .bind(&user.id)
        .execute(&mut *tx)
        .await
        .map_err(unique_violation)?;
    let event = AuditEvent::new(&user.id, action, format!("user:{}", user.id))
        .from_ip(&origin.ip)
        .change(change.0, change.1);
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(())
}

async fn reload(platform: &Platform, user: &User) -> Result<UserView, CoreError> {
    Ok(store::find_by_id(platform, &user.id)
        .await?
        .ok_or(PlatformError::NotFound)?
        .view())
}

/// For accounts made by SMS quick registration, which have no password yet.
pub async fn set_initial_password(
    platform: &Platform,
    session: &Session,
    origin: &Origin,
    password: &str,
) -> Result<(), CoreError> {
    let user = session_user(platform, session).await?;
    if user.password_hash.is_some() {
        return Err(PlatformError::PasswordAlreadySet.into());
    }
    let password = Password::parse(password, "password")?;
    let sql = "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3";
    let hash = hash_password(password.expose()).await?;
    update(
        platform,
        origin,
        &user,
        "account.password_set",
        (json!(null), json!(null)),
        sql,
        &[Some(hash)],
    )
    .await
}

pub async fn change_password(
    platform: &Platform,
    session: &Session,
    origin: &Origin,
    old: &str,
    new: &str,
) -> Result<(), CoreError> {
    let user = active_user(platform, session).await?;
    let current = user
        .password_hash
        .as_deref()
        .ok_or(PlatformError::PasswordSetupRequired)?;
    if !verify_password(old, current).await {
        return Err(PlatformError::WrongOldPassword.into());
    }
    let password = Password::parse(new, "new_password")?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash_password(password.expose()).await?)
        .bind(now)
        .bind(&user.id)
        .execute(&mut *tx)
        .await?;
    // Other devices signed in with the old password are signed out.
    sessions::end_others(&mut tx, &user.id, &session.token_hash).await?;
    let event = AuditEvent::new(
        &user.id,
        "account.password_change",
        format!("user:{}", user.id),
    )
    .from_ip(&origin.ip);
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn change_login_name(
    platform: &Platform,
    session: &Session,
    origin: &Origin,
    name: &str,
) -> Result<UserView, CoreError> {
    let user = active_user(platform, session).await?;
    let name = LoginName::parse(name)?;
    if user.login_name.as_deref().map(str::to_ascii_lowercase) != Some(name.key())
        && store::login_name_taken(platform, &name).await?
    {
        return Err(PlatformError::LoginNameTaken.into());
    }
    let sql =
        "UPDATE users SET login_name = $1, login_name_key = $2, updated_at = $3 WHERE id = $4";
    let change = (
        json!({"login_name": user.login_name}),
        json!({"login_name": name.as_str()}),
    );
    update(
        platform,
        origin,
        &user,
        "account.login_name_change",
        change,
        sql,
        &[Some(name.as_str().to_owned()), Some(name.key())],
    )
    .await?;
    reload(platform, &user).await
}

pub async fn change_email(
    platform: &Platform,
    session: &Session,
    origin: &Origin,
    email: &str,
) -> Result<UserView, CoreError> {
    let user = active_user(platform, session).await?;
    let email = Email::parse(email)?;
    if user.email.as_deref() != Some(email.as_str()) && store::email_taken(platform, &email).await?
    {
        return Err(PlatformError::EmailTaken.into());
    }
    let c = &platform.cipher;
    let sql = "UPDATE users SET email_index = $1, email_sealed = $2, email_masked = $3, updated_at = $4 WHERE id = $5";
    let values = [
        Some(c.blind_index("email", email.as_str())),
        Some(c.seal(
            SealedAt::new("users", "email_sealed", &user.id),
            email.as_str(),
        )?),
        Some(mask::email(email.as_str())),
    ];
    let change = (
        json!({"email": user.email.as_deref().map(mask::email)}),
        json!({"email": mask::email(email.as_str())}),
    );
    update(
        platform,
        origin,
        &user,
        "account.email_change",
        change,
        sql,
        &values,
    )
    .await?;
    reload(platform, &user).await
}

/// Phone change, step 1: the code sent to the current phone.
pub async fn verify_old_phone(
    platform: &Platform,
    session: &Session,
    code: &str,
) -> Result<(), CoreError> {
    let user = active_user(platform, session).await?;
    let phone = Phone::parse(&user.phone, "phone")?;
    sms_codes::consume(platform, &phone, Purpose::ChangePhoneOld, code).await?;
    sessions::remember_old_phone(platform, session).await
}

/// Phone change, step 2: the new phone and its code, within ten minutes of step 1.
pub async fn change_phone(
    platform: &Platform,
    session: &Session,
    origin: &Origin,
    phone: &str,
    code: &str,
) -> Result<UserView, CoreError> {
    let user = active_user(platform, session).await?;
    let now = platform.clock.now();
    if session.old_phone_until.is_none_or(|until| until <= now) {
        return Err(PlatformError::PhoneNotVerified.into());
    }
    let phone = Phone::parse(phone, "phone")?;
    if phone.as_str() == user.phone {
        return Err(PlatformError::SamePhone.into());
    }
    // Only someone who has the new phone learns that it belongs to another account.
    sms_codes::consume(platform, &phone, Purpose::ChangePhoneNew, code).await?;
    if store::find_by_phone(platform, &phone).await?.is_some() {
        return Err(PlatformError::PhoneTaken { field: "phone" }.into());
    }
    let c = &platform.cipher;
    let mut tx = platform.db.begin().await?;
    sqlx::query(
        "UPDATE users SET phone_index = $1, phone_sealed = $2, phone_masked = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(c.blind_index("phone", phone.as_str()))
    .bind(c.seal(
        SealedAt::new("users", "phone_sealed", &user.id),
        phone.as_str(),
    )?)
    .bind(phone.masked())
    .bind(now)
    .bind(&user.id)
    .execute(&mut *tx)
    .await
    .map_err(unique_violation)?;
    sessions::forget_old_phone(&mut tx, session).await?;
    let event = AuditEvent::new(
        &user.id,
        "account.phone_change",
        format!("user:{}", user.id),
    )
    .from_ip(&origin.ip)
    .change(
        json!({"phone": mask::phone(&user.phone)}),
        json!({"phone": phone.masked()}),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    reload(platform, &user).await
}

pub async fn set_avatar(
    platform: &Platform,
    session: &Session,
    origin: &Origin,
    bytes: &[u8],
) -> Result<UserView, CoreError> {
    let user = active_user(platform, session).await?;
    if bytes.len() > AVATAR_LIMIT {
        return Err(PlatformError::TooLarge {
            field: "avatar",
            limit: AVATAR_LIMIT,
        }
        .into());
    }
    let Some(content_type @ ("image/png" | "image/jpeg" | "image/gif")) = sniff_image(bytes) else {
        return Err(PlatformError::ImageUnsupported { field: "avatar" }.into());
    };
    let digest = platform.blobs.put(bytes).await?;
    let sql = "UPDATE users SET avatar_blob = $1, avatar_type = $2, updated_at = $3 WHERE id = $4";
    let change = (
        json!({"avatar": user.avatar_blob}),
        json!({"avatar": digest}),
    );
    update(
        platform,
        origin,
        &user,
        "account.avatar_change",
        change,
        sql,
        &[Some(digest.clone()), Some(content_type.to_owned())],
    )
    .await?;
    reload(platform, &user).await
}

pub struct Avatar {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

pub async fn avatar(platform: &Platform, session: &Session) -> Result<Avatar, CoreError> {
    let user = active_user(platform, session).await?;
    let (Some(digest), Some(content_type)) = (user.avatar_blob, user.avatar_type) else {
        return Err(PlatformError::NotFound.into());
    };
    Ok(Avatar {
        bytes: platform.blobs.get(&digest).await?,
        content_type,
    })
}

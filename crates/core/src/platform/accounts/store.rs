//! Reading and writing account rows; personal fields are sealed on the way in and opened on the
//! way out, and looked up by their blind index.

use serde::Serialize;
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::fields::{Email, Identifier, LoginName, Phone, RealName};
use crate::error::{CoreError, PlatformError};
use crate::platform::Platform;
use crate::platform::clock::rfc3339;
use crate::platform::crypto::SealedAt;
use crate::platform::db::Tx;
use crate::platform::mask;

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub login_name: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub real_name: Option<String>,
    pub password_hash: Option<String>,
    pub avatar_blob: Option<String>,
    pub avatar_type: Option<String>,
    pub failed_logins: i64,
    pub first_failed_at: Option<i64>,
    pub locked_until: Option<i64>,
    pub created_at: i64,
}

/// What the API shows of a user: personal data masked.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserView {
    pub id: String,
    pub login_name: Option<String>,
    pub real_name: Option<String>,
    pub phone_masked: String,
    pub email_masked: Option<String>,
    pub has_password: bool,
    pub has_avatar: bool,
    pub created_at: String,
}

impl User {
    pub fn view(&self) -> UserView {
        UserView {
            id: self.id.clone(),
            login_name: self.login_name.clone(),
            real_name: self.real_name.clone(),
            phone_masked: mask::phone(&self.phone),
            email_masked: self.email.as_deref().map(mask::email),
            has_password: self.password_hash.is_some(),
            has_avatar: self.avatar_blob.is_some(),
            created_at: rfc3339(self.created_at),
        }
    }
}

const COLUMNS: &str = "id, login_name, phone_sealed, email_sealed, real_name_sealed, password_hash, \
    avatar_blob, avatar_type, failed_logins, first_failed_at, locked_until, created_at";

fn open_optional(
    platform: &Platform,
    at: SealedAt<'_>,
    sealed: Option<String>,
) -> Result<Option<String>, CoreError> {
    sealed.map(|s| platform.cipher.open(at, &s)).transpose()
}

fn from_row(platform: &Platform, row: &AnyRow) -> Result<User, CoreError> {
    let id: String = row.try_get("id")?;
    let at = |column| SealedAt::new("users", column, &id);
    Ok(User {
        login_name: row.try_get("login_name")?,
        phone: platform.cipher.open(
            at("phone_sealed"),
            &row.try_get::<String, _>("phone_sealed")?,
        )?,
        email: open_optional(platform, at("email_sealed"), row.try_get("email_sealed")?)?,
        real_name: open_optional(
            platform,
            at("real_name_sealed"),
            row.try_get("real_name_sealed")?,
        )?,
        password_hash: row.try_get("password_hash")?,
        avatar_blob: row.try_get("avatar_blob")?,
        avatar_type: row.try_get("avatar_type")?,
        failed_logins: row.try_get("failed_logins")?,
        first_failed_at: row.try_get("first_failed_at")?,
        locked_until: row.try_get("locked_until")?,
        created_at: row.try_get("created_at")?,
        id,
    })
}

async fn find_where(
    platform: &Platform,
    column: &str,
    value: &str,
) -> Result<Option<User>, CoreError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE {column} = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(value)
        .fetch_optional(platform.db.pool())
        .await?;
    row.map(|r| from_row(platform, &r)).transpose()
}

pub async fn find_by_id(platform: &Platform, id: &str) -> Result<Option<User>, CoreError> {
    find_where(platform, "id", id).await
}

pub async fn find_by_phone(platform: &Platform, phone: &Phone) -> Result<Option<User>, CoreError> {
    find_where(
        platform,
        "phone_index",
        &platform.cipher.blind_index("phone", phone.as_str()),
    )
    .await
}

pub async fn find_by_identifier(
    platform: &Platform,
    identifier: &Identifier,
) -> Result<Option<User>, CoreError> {
    match identifier {
        Identifier::Phone(phone) => find_by_phone(platform, phone).await,
        Identifier::Email(email) => {
            find_where(
                platform,
                "email_index",
                &platform.cipher.blind_index("email", email.as_str()),
            )
            .await
        }
        Identifier::LoginName(key) => find_where(platform, "login_name_key", key).await,
    }
}

pub async fn login_name_taken(platform: &Platform, name: &LoginName) -> Result<bool, CoreError> {
    Ok(find_where(platform, "login_name_key", &name.key())
        .await?
        .is_some())
}

pub async fn email_taken(platform: &Platform, email: &Email) -> Result<bool, CoreError> {
    let index = platform.cipher.blind_index("email", email.as_str());
    Ok(find_where(platform, "email_index", &index).await?.is_some())
}

/// The fields of a new account; `None` for what quick registration does not ask.
pub struct NewUser<'a> {
    pub phone: &'a Phone,
    pub login_name: Option<&'a LoginName>,
    pub email: Option<&'a Email>,
    pub real_name: Option<&'a RealName>,
    pub password_hash: Option<String>,
}

pub async fn insert(
    platform: &Platform,
    tx: &mut Tx,
    user: &NewUser<'_>,
    now: i64,
) -> Result<String, CoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let c = &platform.cipher;
    let at = |column| SealedAt::new("users", column, &id);
    let seal = |column, v: Option<&str>| v.map(|v| c.seal(at(column), v)).transpose();
    let result = sqlx::query(
        "INSERT INTO users (id, login_name, login_name_key, phone_index, phone_sealed, phone_masked, \
         email_index, email_sealed, email_masked, real_name_sealed, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(&id)
    .bind(user.login_name.map(LoginName::as_str))
    .bind(user.login_name.map(LoginName::key))
    .bind(c.blind_index("phone", user.phone.as_str()))
    .bind(c.seal(at("phone_sealed"), user.phone.as_str())?)
    .bind(user.phone.masked())
    .bind(user.email.map(|e| c.blind_index("email", e.as_str())))
    .bind(seal("email_sealed", user.email.map(Email::as_str))?)
    .bind(user.email.map(|e| mask::email(e.as_str())))
    .bind(seal("real_name_sealed", user.real_name.map(RealName::as_str))?)
    .bind(&user.password_hash)
    .bind(now)
    .execute(&mut **tx)
    .await;
    match result {
        Ok(_) => Ok(id),
        Err(e) => Err(unique_violation(e)),
    }
}

/// Maps a unique-constraint failure (two registrations racing) to the conflict it means.
pub fn unique_violation(error: sqlx::Error) -> CoreError {
    let message = error.to_string();
    let is_unique = message.contains("UNIQUE")
        || message.contains("unique")
        || message.contains("duplicate key");
    if !is_unique {
        return PlatformError::Database(error).into();
    }
    if message.contains("login_name") {
        PlatformError::LoginNameTaken.into()
    } else if message.contains("email") {
        PlatformError::EmailTaken.into()
    } else if message.contains("phone") {
        PlatformError::PhoneTaken { field: "phone" }.into()
    } else {
        PlatformError::Database(error).into()
    }
}

//! Failed sign-ins are audited: every refused password or SMS-code login writes an
//! `account.login_failed` event with the reason, the masked identifier and the client address,
//! whether or not the account exists (so guessing campaigns show in the log).

use serde_json::json;

use super::Origin;
use super::fields::Identifier;
use super::login::{self, LoginOutcome};
use crate::error::CoreError;
use crate::platform::Platform;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;
use crate::platform::mask;
use crate::platform::sessions::Session;

/// The identifier as the log may show it: phones and e-mail addresses masked.
fn shown(identifier: &str) -> String {
    match Identifier::parse(identifier) {
        Identifier::Phone(phone) => phone.masked(),
        Identifier::Email(email) => mask::email(email.as_str()),
        Identifier::LoginName(_) => identifier.trim().chars().take(64).collect(),
    }
}

async fn record(
    platform: &Platform,
    origin: &Origin,
    method: &str,
    identifier: &str,
    error: &CoreError,
) -> Result<(), CoreError> {
    // Only refusals of the credentials count; a broken request or a database error is not a
    // failed login.
    if matches!(error.kind(), crate::ErrorKind::Internal) {
        return Ok(());
    }
    let event = AuditEvent::new(
        "anonymous",
        "account.login_failed",
        format!("login:{}", shown(identifier)),
    )
    .from_ip(&origin.ip)
    .change(
        serde_json::Value::Null,
        json!({"method": method, "reason": error.code()}),
    );
    let mut tx = platform.db.begin().await?;
    platform
        .audit
        .append(&mut tx, platform.clock.now(), &event)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// [`login::login_password`], with its refusals audited.
pub async fn login_password(
    platform: &Platform,
    session: &Session,
    origin: &Origin,
    identifier: &str,
    password: &str,
    captcha_id: &str,
    captcha_answer: &str,
) -> Result<LoginOutcome, CoreError> {
    let result = login::login_password(
        platform,
        session,
        origin,
        identifier,
        password,
        captcha_id,
        captcha_answer,
    )
    .await;
    if let Err(error) = &result {
        record(platform, origin, "password", identifier, error).await?;
    }
    result
}

/// [`login::login_sms`], with its refusals audited.
pub async fn login_sms(
    platform: &Platform,
    session: &Session,
    origin: &Origin,
    phone: &str,
    code: &str,
) -> Result<LoginOutcome, CoreError> {
    let result = login::login_sms(platform, session, origin, phone, code).await;
    if let Err(error) = &result {
        record(platform, origin, "sms", phone, error).await?;
    }
    result
}

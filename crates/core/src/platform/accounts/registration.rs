//! Registration: SMS codes for every purpose (behind a graphic captcha), proving the phone in
//! step 1, and creating the account in step 2.

use serde_json::json;

use super::Origin;
use super::fields::{Email, LoginName, Password, Phone, RealName};
use super::store::{self, NewUser, User, UserView};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;
use crate::platform::crypto::{SealedAt, hash_password};
use crate::platform::sessions::{self, NewSession, Session};
use crate::platform::sms_codes::{self, Purpose, SentCode};
use crate::platform::{Platform, captcha};

/// The signed-in user of a session, if any.
pub(super) async fn session_user(
    platform: &Platform,
    session: &Session,
) -> Result<User, CoreError> {
    let Some(id) = &session.user_id else {
        return Err(PlatformError::NotSignedIn.into());
    };
    store::find_by_id(platform, id)
        .await?
        .ok_or(PlatformError::NotSignedIn.into())
}

/// The signed-in user, who must have a password: accounts from SMS quick registration set one
/// before anything else.
pub(super) async fn active_user(platform: &Platform, session: &Session) -> Result<User, CoreError> {
    let user = session_user(platform, session).await?;
    if user.password_hash.is_none() {
        return Err(PlatformError::PasswordSetupRequired.into());
    }
    Ok(user)
}

/// Sends an SMS code after the graphic captcha passes. The answer never tells whether the phone
/// has an account: a registration or phone-change code goes to a taken phone too (its owner
/// learns `phone_taken` only after proving the code), and a reset for an unknown phone answers
/// like a sent code while sending nothing (its check then fails like a wrong code).
pub async fn send_code(
    platform: &Platform,
    session: &Session,
    phone: &str,
    purpose: Purpose,
    captcha_id: &str,
    captcha_answer: &str,
) -> Result<SentCode, CoreError> {
    let target = match purpose {
        // Application codes go to the numbers on the order, through the order's own endpoints.
        Purpose::SignApplication
        | Purpose::AuthoriseApplication
        | Purpose::RevokeCertificate
        | Purpose::UnlockToken
        | Purpose::CloudKey
        | Purpose::SignContract => {
            return Err(PlatformError::Invalid {
                field: "purpose",
                zh: "请在订单页面获取申请签署验证码",
                en: "Application codes are requested from the order",
            }
            .into());
        }
        Purpose::ChangePhoneOld => {
            Phone::parse(&active_user(platform, session).await?.phone, "phone")?
        }
        _ => Phone::parse(phone, "phone")?,
    };
    // Before the captcha is spent: without an SMS provider no code can be sent (503).
    if !platform.sms.configured() {
        return Err(PlatformError::ProviderNotConfigured { provider: "sms" }.into());
    }
    captcha::check(platform, captcha_id, captcha_answer).await?;
    match purpose {
        Purpose::ResetPassword if store::find_by_phone(platform, &target).await?.is_none() => {
            return sms_codes::pretend(platform, &target, purpose).await;
        }
        Purpose::ChangePhoneNew => {
            // The user's own number is no secret to them.
            let user = active_user(platform, session).await?;
            if user.phone == target.as_str() {
                return Err(PlatformError::SamePhone.into());
            }
        }
        _ => {}
    }
    sms_codes::send(platform, &target, purpose).await
}

/// The verified phone is sealed for the session row that remembers it.
fn verified_phone_at(session: &Session) -> SealedAt<'_> {
    SealedAt::new("sessions", "verified_phone_sealed", &session.token_hash)
}

/// Step 1: the phone, its SMS code and consent to the agreement. The proven phone is kept
/// (sealed) in the session for step 2.
pub async fn verify_registration_phone(
    platform: &Platform,
    session: &Session,
    phone: &str,
    code: &str,
    agree: bool,
) -> Result<String, CoreError> {
    let phone = Phone::parse(phone, "phone")?;
    if !agree {
        return Err(PlatformError::AgreementRequired.into());
    }
    // Only someone who has the phone learns that it already has an account.
    sms_codes::consume(platform, &phone, Purpose::Register, code).await?;
    if store::find_by_phone(platform, &phone).await?.is_some() {
        return Err(PlatformError::PhoneTaken { field: "phone" }.into());
    }
    let sealed = platform
        .cipher
        .seal(verified_phone_at(session), phone.as_str())?;
    sessions::remember_verified_phone(platform, session, &sealed).await?;
    Ok(phone.masked())
}

#[derive(Debug, Clone)]
pub struct RegisterInput {
    pub login_name: String,
    pub real_name: String,
    pub email: String,
    pub password: String,
}

/// Step 2: the account itself. Signs the new user in on a fresh session.
pub async fn register(
    platform: &Platform,
    session: &Session,
    origin: &Origin,
    input: &RegisterInput,
) -> Result<(UserView, NewSession), CoreError> {
    let now = platform.clock.now();
    let phone = match (&session.verified_phone_sealed, session.verified_phone_until) {
        (Some(sealed), Some(until)) if until > now => Phone::parse(
            &platform.cipher.open(verified_phone_at(session), sealed)?,
            "phone",
        )?,
        _ => return Err(PlatformError::PhoneNotVerified.into()),
    };
    let id = create_account(platform, &phone, input, None, &origin.ip).await?;
    sessions::end(platform, &session.token_hash).await?;
    let fresh = sessions::create(platform, Some(&id), &origin.ip).await?;
    let user = store::find_by_id(platform, &id)
        .await?
        .ok_or(PlatformError::NotFound)?;
    tracing::info!(user = %id, phone = %phone.masked(), "account registered");
    Ok((user.view(), fresh))
}

/// Creates an account whose phone is taken as proven (demo data, operator tooling). Idempotent:
/// an existing account with the same phone is returned unchanged.
pub async fn create_verified(
    platform: &Platform,
    phone: &str,
    input: &RegisterInput,
) -> Result<UserView, CoreError> {
    let phone = Phone::parse(phone, "phone")?;
    if let Some(user) = store::find_by_phone(platform, &phone).await? {
        return Ok(user.view());
    }
    let id = create_account(platform, &phone, input, Some("system"), "").await?;
    store::find_by_id(platform, &id)
        .await?
        .map(|u| u.view())
        .ok_or(PlatformError::NotFound.into())
}

/// Checks the fields of a new account and writes it with its audit event in one transaction.
/// The event's actor is the new user, unless an operator (`actor`) made the account.
async fn create_account(
    platform: &Platform,
    phone: &Phone,
    input: &RegisterInput,
    actor: Option<&str>,
    ip: &str,
) -> Result<String, CoreError> {
    let login_name = LoginName::parse(&input.login_name)?;
    let real_name = RealName::parse(&input.real_name)?;
    let email = Email::parse(&input.email)?;
    let password = Password::parse(&input.password, "password")?;
    if store::login_name_taken(platform, &login_name).await? {
        return Err(PlatformError::LoginNameTaken.into());
    }
    if store::email_taken(platform, &email).await? {
        return Err(PlatformError::EmailTaken.into());
    }
    let password_hash = hash_password(password.expose()).await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let new_user = NewUser {
        phone,
        login_name: Some(&login_name),
        email: Some(&email),
        real_name: Some(&real_name),
        password_hash: Some(password_hash),
    };
    let id = store::insert(platform, &mut tx, &new_user, now).await?;
    let action = if actor.is_some() {
        "account.create"
    } else {
        "account.register"
    };
    let event = AuditEvent::new(actor.unwrap_or(&id), action, format!("user:{id}"))
        .from_ip(ip)
        .change(
            serde_json::Value::Null,
            json!({"login_name": login_name.as_str(), "phone": phone.masked()}),
        );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(id)
}

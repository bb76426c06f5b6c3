//! SMS verification codes: 6 digits, 5 minutes of life, a 60-second gap between sends to one
//! number for one purpose, and 5 wrong tries burn the code.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row as _;

use super::Platform;
use super::accounts::fields::Phone;
use super::audit::AuditEvent;
use super::clock::Clock as _;
use super::providers::SmsMessage;
use crate::error::{CoreError, PlatformError};

pub const CODE_LIFETIME: i64 = 300;
pub use super::sms_limits::RESEND_GAP;
pub const MAX_TRIES: i64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Purpose {
    Register,
    Login,
    ResetPassword,
    ChangePhoneOld,
    ChangePhoneNew,
    /// The operator signs a certificate application (APP-10).
    SignApplication,
    /// The legal representative authorises an application (APP-10).
    AuthoriseApplication,
    /// The holder confirms revoking a certificate (LIFE-6).
    RevokeCertificate,
    /// The holder asks to unlock a USB key's PIN (LIFE-5).
    UnlockToken,
    /// The holder sets or resets a cloud certificate's signing PIN, or signs without it.
    CloudKey,
    /// A party confirms signing an e-contract (its intent, seed 004 §2.5.1.3).
    SignContract,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Login => "login",
            Self::ResetPassword => "reset_password",
            Self::ChangePhoneOld => "change_phone_old",
            Self::ChangePhoneNew => "change_phone_new",
            Self::SignApplication => "sign_application",
            Self::AuthoriseApplication => "authorise_application",
            Self::RevokeCertificate => "revoke_certificate",
            Self::UnlockToken => "unlock_token",
            Self::CloudKey => "cloud_key",
            Self::SignContract => "sign_contract",
        }
    }

    fn wording(self) -> &'static str {
        match self {
            Self::Register => "注册",
            Self::Login => "登录",
            Self::ResetPassword => "找回密码",
            Self::ChangePhoneOld => "验证原手机号",
            Self::ChangePhoneNew => "绑定新手机号",
            Self::SignApplication => "签署数字证书申请",
            Self::AuthoriseApplication => "授权办理数字证书",
            Self::RevokeCertificate => "注销数字证书",
            Self::UnlockToken => "解锁 USB Key",
            Self::CloudKey => "使用云证书",
            Self::SignContract => "签署电子合同",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SentCode {
    pub resend_after: i64,
    pub expires_in: i64,
}

/// Sends a new code to `phone` for `purpose` (after the resend gap).
pub async fn send(
    platform: &Platform,
    phone: &Phone,
    purpose: Purpose,
) -> Result<SentCode, CoreError> {
    issue(platform, phone, purpose, "", true, None).await
}

/// Answers exactly as [`send`] would, resend gap included, but sends nothing: the stored code
/// was never told to anyone, so every later check of it fails like a wrong code. For a number
/// the flow must not reveal as unknown (a password reset for a phone without an account).
pub async fn pretend(
    platform: &Platform,
    phone: &Phone,
    purpose: Purpose,
) -> Result<SentCode, CoreError> {
    issue(platform, phone, purpose, "", false, None).await
}

/// Sends a code that authorises only `subject` (e.g. `revoke:{serial}`): [`consume_for`] with
/// any other subject takes it for a wrong code (issue 12, finding 18). The subject goes into
/// the code's hash, so nothing else about codes changes.
pub async fn send_for(
    platform: &Platform,
    phone: &Phone,
    purpose: Purpose,
    subject: &str,
) -> Result<SentCode, CoreError> {
    issue(platform, phone, purpose, subject, true, None).await
}

/// [`send_for`] with the message naming what is confirmed in `wording` (after "您正在", e.g.
/// "批量签署 12 份合同") instead of the purpose's usual words.
pub async fn send_worded(
    platform: &Platform,
    phone: &Phone,
    purpose: Purpose,
    subject: &str,
    wording: &str,
) -> Result<SentCode, CoreError> {
    issue(platform, phone, purpose, subject, true, Some(wording)).await
}

async fn issue(
    platform: &Platform,
    phone: &Phone,
    purpose: Purpose,
    subject: &str,
    deliver: bool,
    wording: Option<&str>,
) -> Result<SentCode, CoreError> {
    if !platform.sms.configured() {
        return Err(PlatformError::ProviderNotConfigured { provider: "sms" }.into());
    }
    let now = platform.clock.now();
    let index = platform.cipher.blind_index("phone", phone.as_str());
    // The shared gate of every SMS a request sends: the resend gap, atomically, and the
    // number's daily cap.
    super::sms_limits::admit(platform, phone, purpose.as_str()).await?;
    let code = platform.random.digits(6)?;
    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = platform.db.begin().await?;
    // A new code replaces any earlier one for the same number and purpose.
    sqlx::query(
        "UPDATE sms_codes SET state = 'replaced' WHERE phone_index = $1 AND purpose = $2 AND state = 'open'",
    )
    .bind(&index)
    .bind(purpose.as_str())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO sms_codes (id, phone_index, purpose, code_hash, attempts, state, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, 0, 'open', $5, $6)",
    )
    .bind(&id)
    .bind(&index)
    .bind(purpose.as_str())
    .bind(code_hash(platform, &id, subject, &code))
    .bind(now)
    .bind(now + CODE_LIFETIME)
    .execute(&mut *tx)
    .await?;
    let sent = AuditEvent::new(
        "system",
        "sms.code_sent",
        format!("phone:{}", phone.masked()),
    )
    .change(
        serde_json::Value::Null,
        json!({"purpose": purpose.as_str()}),
    );
    platform.audit.append(&mut tx, now, &sent).await?;
    tx.commit().await?;
    if !deliver {
        tracing::info!(phone = %phone.masked(), purpose = purpose.as_str(), "sms code withheld");
        return Ok(SentCode {
            resend_after: RESEND_GAP,
            expires_in: CODE_LIFETIME,
        });
    }
    let message = SmsMessage {
        text: format!(
            "【Signet】您正在{}，验证码 {code}，5 分钟内有效。请勿将验证码告诉他人。",
            wording.unwrap_or(purpose.wording())
        ),
        code: Some(code),
    };
    platform.sms.send(phone.as_str(), &message).await?;
    tracing::info!(phone = %phone.masked(), purpose = purpose.as_str(), "sms code sent");
    Ok(SentCode {
        resend_after: RESEND_GAP,
        expires_in: CODE_LIFETIME,
    })
}

/// The stored hash of a code: bound to its row and to what it authorises.
fn code_hash(platform: &Platform, id: &str, subject: &str, code: &str) -> String {
    let bound = if subject.is_empty() {
        format!("{id}:{code}")
    } else {
        format!("{id}:{subject}:{code}")
    };
    platform.cipher.blind_index("sms", &bound)
}

/// Checks and consumes the current code. Each check first claims one of the code's tries in a
/// single conditional statement, and only then compares: however many requests race, at most
/// [`MAX_TRIES`] comparisons are ever made against one code, and the tries stick even when the
/// caller's request fails afterwards.
pub async fn consume(
    platform: &Platform,
    phone: &Phone,
    purpose: Purpose,
    code: &str,
) -> Result<(), CoreError> {
    consume_for(platform, phone, purpose, "", code).await
}

/// [`consume`] for a code sent by [`send_for`] with this `subject`.
pub async fn consume_for(
    platform: &Platform,
    phone: &Phone,
    purpose: Purpose,
    subject: &str,
    code: &str,
) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let index = platform.cipher.blind_index("phone", phone.as_str());
    let row = sqlx::query(
        "SELECT id, code_hash, state, expires_at FROM sms_codes \
         WHERE phone_index = $1 AND purpose = $2 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(&index)
    .bind(purpose.as_str())
    .fetch_optional(platform.db.pool())
    .await?;
    let Some(row) = row else {
        return Err(PlatformError::SmsCodeExpired.into());
    };
    let id: String = row.try_get("id")?;
    let state: String = row.try_get("state")?;
    let expires_at: i64 = row.try_get("expires_at")?;
    match state.as_str() {
        "burned" => return Err(PlatformError::SmsCodeBurned.into()),
        "open" if expires_at > now => {}
        _ => return Err(PlatformError::SmsCodeExpired.into()),
    }
    let claimed = sqlx::query(
        "UPDATE sms_codes SET attempts = attempts + 1 \
         WHERE id = $1 AND state = 'open' AND expires_at > $2 AND attempts < $3 \
         RETURNING attempts",
    )
    .bind(&id)
    .bind(now)
    .bind(MAX_TRIES)
    .fetch_optional(platform.db.pool())
    .await?;
    let Some(claimed) = claimed else {
        // Another request used the code, or took its last try, since it was read.
        return Err(closed_code(platform, &id).await?);
    };
    let attempt: i64 = claimed.try_get("attempts")?;
    let given = code.trim();
    let stored: String = row.try_get("code_hash")?;
    let matches = given.len() == 6 && code_hash(platform, &id, subject, given) == stored;
    if matches {
        let used =
            sqlx::query("UPDATE sms_codes SET state = 'used' WHERE id = $1 AND state = 'open'")
                .bind(&id)
                .execute(platform.db.pool())
                .await?;
        return if used.rows_affected() == 1 {
            Ok(())
        } else {
            Err(PlatformError::SmsCodeExpired.into())
        };
    }
    if attempt >= MAX_TRIES {
        sqlx::query("UPDATE sms_codes SET state = 'burned' WHERE id = $1 AND state = 'open'")
            .bind(&id)
            .execute(platform.db.pool())
            .await?;
        return Err(PlatformError::SmsCodeBurned.into());
    }
    Err(PlatformError::SmsCodeWrong {
        tries_left: MAX_TRIES - attempt,
    }
    .into())
}

/// Why a code read as open could not take a try: its tries are gone (burned, or all claimed by
/// checks still running), or it was used or expired.
async fn closed_code(platform: &Platform, id: &str) -> Result<CoreError, CoreError> {
    let row = sqlx::query("SELECT attempts, state FROM sms_codes WHERE id = $1")
        .bind(id)
        .fetch_one(platform.db.pool())
        .await?;
    let state: String = row.try_get("state")?;
    let attempts: i64 = row.try_get("attempts")?;
    Ok(
        if state == "burned" || (state == "open" && attempts >= MAX_TRIES) {
            PlatformError::SmsCodeBurned.into()
        } else {
            PlatformError::SmsCodeExpired.into()
        },
    )
}

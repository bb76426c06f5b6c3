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
use crate::error::CoreError;

pub const CODE_LIFETIME: i64 = 300;
pub const RESEND_GAP: i64 = 60;
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
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SentCode {
    pub resend_after: i64,
    pub expires_in: i64,
}

pub async fn send(
    platform: &Platform,
    phone: &Phone,
    purpose: Purpose,
) -> Result<SentCode, CoreError> {
    if !platform.sms.configured() {
        return Err(CoreError::ProviderNotConfigured { provider: "sms" });
    }
    let now = platform.clock.now();
    let index = platform.cipher.blind_index("phone", phone.as_str());
    let last = sqlx::query(
        "SELECT MAX(created_at) AS last FROM sms_codes WHERE phone_index = $1 AND purpose = $2",
    )
    .bind(&index)
    .bind(purpose.as_str())
    .fetch_one(platform.db.pool())
    .await?;
    if let Some(last) = last.try_get::<Option<i64>, _>("last")? {
        let wait = last + RESEND_GAP - now;
        if wait > 0 {
            return Err(CoreError::SmsTooSoon { retry_after: wait });
        }
    }
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
    .bind(platform.cipher.blind_index("sms", &format!("{id}:{code}")))
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
    let message = SmsMessage {
        text: format!(
            "【Signet】您正在{}，验证码 {code}，5 分钟内有效。请勿将验证码告诉他人。",
            purpose.wording()
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

/// Checks and consumes the current code. Wrong tries are counted in their own statements, so
/// they stick even when the caller's request fails afterwards.
pub async fn consume(
    platform: &Platform,
    phone: &Phone,
    purpose: Purpose,
    code: &str,
) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let index = platform.cipher.blind_index("phone", phone.as_str());
    let row = sqlx::query(
        "SELECT id, code_hash, attempts, state, expires_at FROM sms_codes \
         WHERE phone_index = $1 AND purpose = $2 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(&index)
    .bind(purpose.as_str())
    .fetch_optional(platform.db.pool())
    .await?;
    let Some(row) = row else {
        return Err(CoreError::SmsCodeExpired);
    };
    let id: String = row.try_get("id")?;
    let state: String = row.try_get("state")?;
    let attempts: i64 = row.try_get("attempts")?;
    let expires_at: i64 = row.try_get("expires_at")?;
    match state.as_str() {
        "burned" => return Err(CoreError::SmsCodeBurned),
        "open" if expires_at > now => {}
        _ => return Err(CoreError::SmsCodeExpired),
    }
    let given = code.trim();
    let stored: String = row.try_get("code_hash")?;
    let matches =
        given.len() == 6 && platform.cipher.blind_index("sms", &format!("{id}:{given}")) == stored;
    if matches {
        let used =
            sqlx::query("UPDATE sms_codes SET state = 'used' WHERE id = $1 AND state = 'open'")
                .bind(&id)
                .execute(platform.db.pool())
                .await?;
        return if used.rows_affected() == 1 {
            Ok(())
        } else {
            Err(CoreError::SmsCodeExpired)
        };
    }
    let attempts = attempts + 1;
    let burned = attempts >= MAX_TRIES;
    sqlx::query("UPDATE sms_codes SET attempts = $1, state = $2 WHERE id = $3 AND state = 'open'")
        .bind(attempts)
        .bind(if burned { "burned" } else { "open" })
        .bind(&id)
        .execute(platform.db.pool())
        .await?;
    if burned {
        Err(CoreError::SmsCodeBurned)
    } else {
        Err(CoreError::SmsCodeWrong {
            tries_left: MAX_TRIES - attempts,
        })
    }
}

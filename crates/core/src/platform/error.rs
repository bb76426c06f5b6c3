//! The platform floor's refusals (accounts, sessions, captchas, SMS codes, uploads, providers)
//! and its failures (database, internal), each with a stable code, a kind the server maps to a
//! status, the field at fault and messages in Chinese and English. The wings have their own
//! enums (`ca::CaError`, `desk::DeskError`, `contracts::ContractsError`); all of them travel as
//! a [`CoreError`](crate::error::CoreError).

use crate::error::{Description, ErrorKind};
use crate::platform::clock::{Timestamp, china_time_of_day};

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("invalid {field}")]
    Invalid {
        field: &'static str,
        zh: &'static str,
        en: &'static str,
    },
    #[error("agreement not accepted")]
    AgreementRequired,
    #[error("password too weak")]
    WeakPassword { field: &'static str },
    #[error("captcha wrong")]
    CaptchaWrong,
    #[error("captcha expired or already used")]
    CaptchaExpired,
    #[error("sms code wrong")]
    SmsCodeWrong { tries_left: i64 },
    #[error("sms code expired")]
    SmsCodeExpired,
    #[error("sms code burned")]
    SmsCodeBurned,
    #[error("sms sent too recently")]
    SmsTooSoon { retry_after: i64 },
    #[error("daily sms cap for this number reached")]
    SmsDailyLimit,
    #[error("phone already registered")]
    PhoneTaken { field: &'static str },
    #[error("login name taken")]
    LoginNameTaken,
    #[error("email taken")]
    EmailTaken,
    #[error("no account for this phone")]
    PhoneUnknown,
    #[error("bad credentials")]
    BadCredentials,
    #[error("account locked until {until}")]
    AccountLocked { until: Timestamp, retry_after: i64 },
    #[error("not signed in")]
    NotSignedIn,
    #[error("password must be set first")]
    PasswordSetupRequired,
    #[error("password already set")]
    PasswordAlreadySet,
    #[error("wrong old password")]
    WrongOldPassword,
    #[error("phone step not completed")]
    PhoneNotVerified,
    #[error("new phone equals old phone")]
    SamePhone,
    #[error("unsupported image")]
    ImageUnsupported { field: &'static str },
    #[error("file too large")]
    TooLarge { field: &'static str, limit: usize },
    #[error("too many requests")]
    RateLimited { retry_after: i64 },
    #[error("not found")]
    NotFound,
    // QR login (ACC-7).
    #[error("QR login expired")]
    QrLoginExpired,
    #[error("QR login already used")]
    QrLoginUsed,
    #[error("QR login refused on the phone")]
    QrLoginRefused,
    #[error("QR login not confirmed yet")]
    QrLoginPending,
    #[error("QR login of another session")]
    QrLoginOtherSession,
    /// The external provider this step needs (SMS, email, identity checks, a payment channel) is
    /// not configured on this server; other methods keep working.
    #[error("{provider} provider not configured")]
    ProviderNotConfigured { provider: &'static str },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal: {0}")]
    Internal(String),
}

impl PlatformError {
    /// The prefix of this wing's codes in problem `type`s (`platform.captcha_wrong`).
    pub const WING: &'static str = "platform";

    #[expect(
        clippy::too_many_lines,
        reason = "one table of every error's wording reads best in one place"
    )]
    pub fn describe(&self) -> Description {
        use ErrorKind as K;
        let d = |kind, code, field: Option<&'static str>, zh: &str, en: &str| Description {
            kind,
            code,
            field,
            zh: zh.to_owned(),
            en: en.to_owned(),
            retry_after: None,
        };
        match self {
            Self::Invalid { field, zh, en } => d(K::BadInput, "invalid_field", Some(field), zh, en),
            Self::AgreementRequired => d(
                K::BadInput,
                "agreement_required",
                Some("agree"),
                "请阅读并同意用户服务协议",
                "Please read and accept the service agreement",
            ),
            Self::WeakPassword { field } => d(
                K::BadInput,
                "weak_password",
                Some(field),
                "密码须为 8–16 位，且至少包含大写字母、小写字母、数字、符号中的三种",
                "The password must be 8–16 characters with at least three of: upper case, lower case, digits, symbols",
            ),
            Self::CaptchaWrong => d(
                K::BadInput,
                "captcha_wrong",
                Some("captcha_answer"),
                "图形验证码错误，请重新输入",
                "The captcha is wrong; please try the new one",
            ),
            Self::CaptchaExpired => d(
                K::BadInput,
                "captcha_expired",
                Some("captcha_answer"),
                "图形验证码已失效，请刷新后重新输入",
                "The captcha has expired or was already used; please refresh it",
            ),
            Self::SmsCodeWrong { tries_left } => Description {
                zh: format!("短信验证码错误，还可尝试 {tries_left} 次"),
                en: format!("The SMS code is wrong; {tries_left} tries left"),
                ..d(K::BadInput, "sms_code_wrong", Some("sms_code"), "", "")
            },
            Self::SmsCodeExpired => d(
                K::BadInput,
                "sms_code_expired",
                Some("sms_code"),
                "短信验证码已过期或未获取，请重新获取",
                "The SMS code has expired or was never sent; please request a new one",
            ),
            Self::SmsCodeBurned => d(
                K::BadInput,
                "sms_code_burned",
                Some("sms_code"),
                "短信验证码错误次数过多，已失效，请重新获取",
                "Too many wrong tries: this SMS code is void; please request a new one",
            ),
            Self::SmsTooSoon { retry_after } => Description {
                zh: format!("验证码发送过于频繁，请 {retry_after} 秒后再试"),
                en: format!("A code was just sent; try again in {retry_after} s"),
                retry_after: Some(*retry_after),
                ..d(K::TooMany, "sms_too_soon", Some("phone"), "", "")
            },
            Self::SmsDailyLimit => d(
                K::TooMany,
                "sms_daily_limit",
                Some("phone"),
                "该手机号今日接收的短信已达上限，请明天再试",
                "This number has received the most messages allowed today; try again tomorrow",
            ),
            Self::PhoneTaken { field } => d(
                K::Conflict,
                "phone_taken",
                Some(field),
                "该手机号已注册，请直接登录或找回密码",
                "This phone number is already registered; log in or reset the password",
            ),
            Self::LoginNameTaken => d(
                K::Conflict,
                "login_name_taken",
                Some("login_name"),
                "该用户名已被使用",
                "This login name is taken",
            ),
            Self::EmailTaken => d(
                K::Conflict,
                "email_taken",
                Some("email"),
                "该邮箱已被使用",
                "This email address is already in use",
            ),
            Self::PhoneUnknown => d(
                K::NotFound,
                "phone_unknown",
                Some("phone"),
                "该手机号未注册",
                "No account uses this phone number",
            ),
            Self::BadCredentials => d(
                K::Unauthorized,
                "bad_credentials",
                Some("password"),
                "用户名或密码错误",
                "Wrong login name or password",
            ),
            Self::AccountLocked { until, retry_after } => Description {
                zh: format!(
                    "登录失败次数过多，账号已临时锁定，请于 {} 后重试",
                    china_time_of_day(*until)
                ),
                en: format!(
                    "Too many failed logins: the account is locked; try again after {} (Beijing time)",
                    china_time_of_day(*until)
                ),
                retry_after: Some(*retry_after),
                ..d(K::Locked, "account_locked", None, "", "")
            },
            Self::NotSignedIn => d(
                K::Unauthorized,
                "not_signed_in",
                None,
                "请先登录",
                "Please log in first",
            ),
            Self::PasswordSetupRequired => d(
                K::Forbidden,
                "password_setup_required",
                None,
                "请先设置登录密码",
                "Please set a password first",
            ),
            Self::PasswordAlreadySet => d(
                K::Conflict,
                "password_already_set",
                None,
                "已设置过密码，请使用修改密码",
                "A password is already set; use change password",
            ),
            Self::WrongOldPassword => d(
                K::BadInput,
                "wrong_old_password",
                Some("old_password"),
                "原密码错误",
                "The current password is wrong",
            ),
            Self::PhoneNotVerified => d(
                K::Forbidden,
                "phone_not_verified",
                None,
                "请先完成手机号验证",
                "Please verify the phone number first",
            ),
            Self::SamePhone => d(
                K::BadInput,
                "same_phone",
                Some("phone"),
                "新手机号不能与原手机号相同",
                "The new phone number is the same as the old one",
            ),
            // The same formats the upload's hint names: materials also take BMP, avatars not.
            Self::ImageUnsupported { field } if *field == "avatar" => d(
                K::BadInput,
                "image_unsupported",
                Some(field),
                "文件不是支持的图片格式（JPG、PNG、GIF）",
                "The file is not a supported image (JPG, PNG, GIF)",
            ),
            Self::ImageUnsupported { field } => d(
                K::BadInput,
                "image_unsupported",
                Some(field),
                "文件不是支持的图片格式（JPG、PNG、GIF、BMP）",
                "The file is not a supported image (JPG, PNG, GIF, BMP)",
            ),
            Self::TooLarge { field, limit } => Description {
                zh: format!("文件过大，不能超过 {}", human_size(*limit)),
                en: format!("The file is too large; the limit is {}", human_size(*limit)),
                ..d(K::PayloadTooLarge, "too_large", Some(field), "", "")
            },
            Self::RateLimited { retry_after } => Description {
                retry_after: Some(*retry_after),
                ..d(
                    K::TooMany,
                    "rate_limited",
                    None,
                    "请求过于频繁，请稍后再试",
                    "Too many requests; please slow down",
                )
            },
            Self::NotFound => d(K::NotFound, "not_found", None, "未找到", "Not found"),
            Self::QrLoginExpired => d(
                K::Conflict,
                "qr_login_expired",
                None,
                "二维码已过期，请刷新后重新扫码",
                "This QR code has expired; refresh it and scan again",
            ),
            Self::QrLoginUsed => d(
                K::Conflict,
                "qr_login_used",
                None,
                "该二维码已被使用，请刷新后重新扫码",
                "This QR code was already used; refresh it and scan again",
            ),
            Self::QrLoginRefused => d(
                K::Conflict,
                "qr_login_refused",
                None,
                "已在手机上拒绝本次登录",
                "This login was refused on the phone",
            ),
            Self::QrLoginPending => d(
                K::Conflict,
                "qr_login_pending",
                None,
                "尚未在手机上确认登录",
                "The login has not been confirmed on the phone yet",
            ),
            Self::QrLoginOtherSession => d(
                K::Forbidden,
                "qr_login_other_session",
                None,
                "该二维码不是由当前浏览器生成的，请刷新页面后重新扫码",
                "This QR code was made for another browser session; reload the page and scan again",
            ),
            Self::ProviderNotConfigured { provider } => Description {
                zh: format!(
                    "本站尚未开通{}服务，请改用其他方式或联系客服",
                    provider_zh(provider)
                ),
                en: format!(
                    "This server has no {provider} provider configured; use another method or contact support"
                ),
                ..d(K::Unavailable, "provider_not_configured", None, "", "")
            },
            Self::Database(error) if is_busy(error) => Description {
                retry_after: Some(1),
                ..d(
                    K::Unavailable,
                    "busy",
                    None,
                    "系统繁忙，请稍后重试",
                    "The database is busy; please try again in a moment",
                )
            },
            Self::Database(_) | Self::Internal(_) => d(
                K::Internal,
                "internal",
                None,
                "服务暂时不可用，请稍后再试",
                "Something went wrong on our side; please try again later",
            ),
        }
    }
}

/// Whether the database turned the statement away for now (a lock it waited out, a pool with no
/// free connection, a transaction PostgreSQL chose to abort): nothing was written, and the same
/// request may succeed a moment later, so the caller hears "busy, retry", not "internal error".
pub fn is_busy(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(database) => database.code().is_some_and(|code| {
            // SQLite: BUSY (5) and LOCKED (6) with their extended codes (low byte 5 or 6), at
            // most four digits; PostgreSQL's SQLSTATEs always have five characters:
            // serialization_failure, deadlock_detected, lock_not_available.
            (code.len() <= 4 && code.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6)))
                || matches!(code.as_ref(), "40001" | "40P01" | "55P03")
        }),
        _ => false,
    }
}

fn provider_zh(provider: &str) -> &'static str {
    match provider {
        "sms" => "短信",
        "email" => "电子邮件",
        "identity" => "身份核验",
        "bank_transfer" => "对公打款",
        "payment" | "wechat" | "alipay" => "在线支付",
        "webhooks" => "Webhook 推送",
        _ => "该",
    }
}

fn human_size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{} KB", bytes / 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_message_names_the_retry_time() {
        let e = PlatformError::AccountLocked {
            until: 1_767_225_600,
            retry_after: 900,
        };
        let d = e.describe();
        assert_eq!(d.code, "account_locked");
        assert!(d.zh.contains("08:00"), "{}", d.zh);
        assert_eq!(d.retry_after, Some(900));
        assert_eq!(d.kind, ErrorKind::Locked);
    }

    #[test]
    fn internal_errors_say_nothing_internal() {
        let d = PlatformError::Internal("secret detail".into()).describe();
        assert!(!d.en.contains("secret"));
        assert_eq!(d.kind, ErrorKind::Internal);
        assert_eq!(human_size(2 * 1024 * 1024), "2 MB");
    }

    /// A second writer that cannot wait gets SQLite's BUSY: the caller is told to retry (503 with
    /// `Retry-After`), while any other database failure stays an internal error.
    #[tokio::test]
    async fn a_locked_database_is_busy_not_internal() {
        use sqlx::Connection as _;
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}?mode=rwc", dir.path().join("busy.db").display());
        let mut holder = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let mut waiter = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql("PRAGMA journal_mode = WAL; BEGIN IMMEDIATE")
            .execute(&mut holder)
            .await
            .unwrap();
        let error = sqlx::raw_sql("PRAGMA busy_timeout = 0; BEGIN IMMEDIATE")
            .execute(&mut waiter)
            .await
            .unwrap_err();
        assert!(is_busy(&error), "{error:?}");
        let d = PlatformError::Database(error).describe();
        assert_eq!(
            (d.kind, d.code, d.retry_after),
            (ErrorKind::Unavailable, "busy", Some(1))
        );

        let other = sqlx::raw_sql("SELECT * FROM no_such_table")
            .execute(&mut holder)
            .await
            .unwrap_err();
        assert!(!is_busy(&other), "{other:?}");
        assert_eq!(
            PlatformError::Database(other).describe().kind,
            ErrorKind::Internal
        );
        assert!(is_busy(&sqlx::Error::PoolTimedOut));
    }

    #[test]
    fn unconfigured_provider_is_unavailable_with_its_own_code() {
        let d = PlatformError::ProviderNotConfigured { provider: "sms" }.describe();
        assert_eq!(d.code, "provider_not_configured");
        assert_eq!(d.kind, ErrorKind::Unavailable);
        assert!(d.zh.contains("短信"), "{}", d.zh);
        assert!(d.en.contains("sms"), "{}", d.en);
    }
}

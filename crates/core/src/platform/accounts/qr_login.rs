//! QR login (SPEC ACC-7, seed 003's default login): the PC login page asks for a login request
//! and shows its link as a QR code; a phone signed in on the phone pages opens the link, sees
//! which browser asks, and confirms or refuses; the PC session that made the request, and only
//! it, then collects the sign-in. A request lives two minutes and works once. All its state is in
//! the database, so the phone and the PC may be served by different nodes.

use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use sqlx::Row as _;

use super::store::{self, User};
use super::{LoginOutcome, Origin};
use crate::error::{CoreError, PlatformError};
use crate::platform::Platform;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::sessions::{self, Session};
use crate::platform::{mask, waits};

/// How long a QR code can be scanned.
pub const LIFETIME: i64 = 120;
/// How long the PC has to collect a confirmed sign-in.
pub const COLLECT_WINDOW: i64 = 60;

/// The blind-index namespace of the secrets in QR links.
const SECRET_INDEX: &str = "qr-login";

/// A new login request for the PC page: `id` to wait on, `url` to show as a QR code.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QrLoginRequest {
    pub id: String,
    /// The phone page of the request (absolute when the server knows its public URL).
    pub url: String,
    pub expires_at: Timestamp,
}

/// Where a request stands; `expired` is read from the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QrLoginState {
    Pending,
    Confirmed,
    Refused,
    SignedIn,
    Expired,
}

impl QrLoginState {
    fn read(stored: &str, expires_at: Timestamp, now: Timestamp) -> Self {
        match stored {
            "signed_in" => Self::SignedIn,
            "refused" => Self::Refused,
            _ if expires_at <= now => Self::Expired,
            "confirmed" => Self::Confirmed,
            _ => Self::Pending,
        }
    }
}

/// What the phone is shown before it confirms: which browser asks, from where, since when.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QrLoginView {
    pub state: QrLoginState,
    /// e.g. `Chrome 131 · Windows`.
    pub browser: String,
    /// e.g. `203.0.*.*`.
    pub ip_masked: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Starts a login request for the PC session `session` (signed in or not).
pub async fn create(
    platform: &Platform,
    session: &Session,
    origin: &Origin,
    user_agent: &str,
) -> Result<QrLoginRequest, CoreError> {
    let id = platform.random.token()?;
    let secret = platform.random.token()?;
    let now = platform.clock.now();
    sqlx::query(
        "INSERT INTO qr_logins (id, secret_index, session_hash, state, browser, ip_masked, created_at, expires_at) \
         VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(platform.cipher.blind_index(SECRET_INDEX, &secret))
    .bind(&session.token_hash)
    .bind(browser_summary(user_agent))
    .bind(mask::ip(&origin.ip))
    .bind(now)
    .bind(now + LIFETIME)
    .execute(platform.db.pool())
    .await?;
    Ok(QrLoginRequest {
        id,
        url: platform.link(&format!("/m/qr-login/{secret}")),
        expires_at: now + LIFETIME,
    })
}

/// The request behind a QR link, for the signed-in phone about to confirm it: refused when
/// expired or already decided.
pub async fn scan(
    platform: &Platform,
    phone: &Session,
    secret: &str,
) -> Result<QrLoginView, CoreError> {
    phone.user_id.as_deref().ok_or(PlatformError::NotSignedIn)?;
    let row = sqlx::query(
        "SELECT state, browser, ip_masked, created_at, expires_at FROM qr_logins WHERE secret_index = $1",
    )
    .bind(platform.cipher.blind_index(SECRET_INDEX, secret))
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    let expires_at: Timestamp = row.try_get("expires_at")?;
    let state = QrLoginState::read(
        &row.try_get::<String, _>("state")?,
        expires_at,
        platform.clock.now(),
    );
    refuse_unless_pending(state)?;
    Ok(QrLoginView {
        state,
        browser: row.try_get("browser")?,
        ip_masked: row.try_get("ip_masked")?,
        created_at: row.try_get("created_at")?,
        expires_at,
    })
}

/// The refusal for a request that can no longer be decided.
fn refuse_unless_pending(state: QrLoginState) -> Result<(), CoreError> {
    match state {
        QrLoginState::Pending => Ok(()),
        QrLoginState::Expired => Err(PlatformError::QrLoginExpired.into()),
        QrLoginState::Confirmed | QrLoginState::Refused | QrLoginState::SignedIn => {
            Err(PlatformError::QrLoginUsed.into())
        }
    }
}

/// The phone's answer: `confirm` lets the PC collect a sign-in as the phone's user, otherwise
/// the request is refused. One decision per request, taken by one conditional update; the
/// audit event commits with it.
pub async fn decide(
    platform: &Platform,
    phone: &Session,
    secret: &str,
    confirm: bool,
) -> Result<QrLoginState, CoreError> {
    let user_id = phone.user_id.as_deref().ok_or(PlatformError::NotSignedIn)?;
    let index = platform.cipher.blind_index(SECRET_INDEX, secret);
    let now = platform.clock.now();
    let (state, expires_at) = if confirm {
        ("confirmed", now + COLLECT_WINDOW)
    } else {
        ("refused", now)
    };
    let mut tx = platform.db.begin().await?;
    let decided = sqlx::query(
        "UPDATE qr_logins SET state = $1, user_id = $2, decided_at = $3, expires_at = $4 \
         WHERE secret_index = $5 AND state = 'pending' AND expires_at > $3 RETURNING id",
    )
    .bind(state)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .bind(&index)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = decided else {
        drop(tx);
        // Nothing changed: say why from the row as it is.
        return Err(scan(platform, phone, secret)
            .await
            .err()
            .unwrap_or(PlatformError::QrLoginUsed.into()));
    };
    let id: String = row.try_get("id")?;
    let event = AuditEvent::new(
        user_id,
        &format!("account.qr_login.{state}"),
        format!("qr-login:{id}"),
    )
    .change(json!({"state": "pending"}), json!({ "state": state }));
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    waits::notify(platform);
    Ok(if confirm {
        QrLoginState::Confirmed
    } else {
        QrLoginState::Refused
    })
}

/// The request's state for the PC session that made it.
pub async fn status(
    platform: &Platform,
    session: &Session,
    id: &str,
) -> Result<QrLoginState, CoreError> {
    let row = sqlx::query("SELECT session_hash, state, expires_at FROM qr_logins WHERE id = $1")
        .bind(id)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or(PlatformError::NotFound)?;
    if row.try_get::<String, _>("session_hash")? != session.token_hash {
        return Err(PlatformError::QrLoginOtherSession.into());
    }
    Ok(QrLoginState::read(
        &row.try_get::<String, _>("state")?,
        row.try_get("expires_at")?,
        platform.clock.now(),
    ))
}

/// [`status`], held until it is no longer `pending` or `hold` has passed (long polling).
pub async fn wait(
    platform: &Platform,
    session: &Session,
    id: &str,
    hold: Duration,
) -> Result<QrLoginState, CoreError> {
    let changed = waits::until(platform, hold, move || async move {
        let state = status(platform, session, id).await?;
        Ok((state != QrLoginState::Pending).then_some(state))
    })
    .await?;
    Ok(changed.unwrap_or(QrLoginState::Pending))
}

/// Signs the PC session in as the user who confirmed its request: the request is spent, the old
/// session ends, a new one (new token, new CSRF token) starts and the login is audited, all in
/// one transaction. However many collect at once, one signs in.
pub async fn complete(
    platform: &Platform,
    session: &Session,
    origin: &Origin,
    id: &str,
) -> Result<LoginOutcome, CoreError> {
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let spent = sqlx::query(
        "UPDATE qr_logins SET state = 'signed_in' \
         WHERE id = $1 AND session_hash = $2 AND state = 'confirmed' AND expires_at > $3 \
         RETURNING user_id",
    )
    .bind(id)
    .bind(&session.token_hash)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = spent else {
        drop(tx);
        return Err(match status(platform, session, id).await? {
            QrLoginState::Pending => PlatformError::QrLoginPending,
            QrLoginState::Refused => PlatformError::QrLoginRefused,
            QrLoginState::Expired => PlatformError::QrLoginExpired,
            QrLoginState::Confirmed | QrLoginState::SignedIn => PlatformError::QrLoginUsed,
        }
        .into());
    };
    let user_id: String = row.try_get("user_id")?;
    let user = store::find_by_id(platform, &user_id)
        .await?
        .ok_or(PlatformError::NotFound)?;
    refuse_locked(&user, now)?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(&session.token_hash)
        .execute(&mut *tx)
        .await?;
    let fresh = sessions::create_in(&mut tx, platform, Some(&user.id), &origin.ip).await?;
    let event = AuditEvent::new(&user.id, "account.login", format!("user:{}", user.id))
        .from_ip(&origin.ip)
        .change(
            serde_json::Value::Null,
            json!({"method": "qr", "request": format!("qr-login:{id}")}),
        );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(LoginOutcome {
        must_set_password: user.password_hash.is_none(),
        user: user.view(),
        session: fresh,
    })
}

fn refuse_locked(user: &User, now: Timestamp) -> Result<(), CoreError> {
    match user.locked_until {
        Some(until) if until > now => Err(PlatformError::AccountLocked {
            until,
            retry_after: until - now,
        }
        .into()),
        _ => Ok(()),
    }
}

/// A short, human summary of a user agent (`Chrome 131 · Windows`), for the phone to recognise
/// the browser that asks; never the full string.
pub fn browser_summary(user_agent: &str) -> String {
    let version = |marker: &str| {
        user_agent.split(marker).nth(1).map(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .unwrap_or_default()
                .to_owned()
        })
    };
    let browser = [
        ("MicroMessenger/", "微信"),
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Version/", "Safari"),
    ]
    .into_iter()
    .find_map(|(marker, name)| {
        version(marker).map(|v| {
            if v.is_empty() {
                name.to_owned()
            } else {
                format!("{name} {v}")
            }
        })
    });
    let system = [
        ("Windows", "Windows"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Android", "Android"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(marker, _)| user_agent.contains(marker))
    .map(|(_, name)| name);
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} · {system}"),
        (Some(browser), None) => browser,
        (None, Some(system)) => system.to_owned(),
        (None, None) => "未知浏览器".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_are_summarised() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(browser_summary(chrome), "Chrome 131 · Windows");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86";
        assert_eq!(browser_summary(edge), "Edge 131 · Windows");
        let safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15";
        assert_eq!(browser_summary(safari), "Safari 17 · macOS");
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(browser_summary(firefox), "Firefox 133 · Linux");
        assert_eq!(browser_summary(""), "未知浏览器");
        assert_eq!(browser_summary("curl/8.5.0"), "未知浏览器");
    }

    #[test]
    fn states_read_expiry_from_the_time() {
        assert_eq!(
            QrLoginState::read("pending", 100, 99),
            QrLoginState::Pending
        );
        assert_eq!(
            QrLoginState::read("pending", 100, 100),
            QrLoginState::Expired
        );
        assert_eq!(
            QrLoginState::read("confirmed", 100, 101),
            QrLoginState::Expired
        );
        assert_eq!(
            QrLoginState::read("signed_in", 100, 101),
            QrLoginState::SignedIn
        );
        assert_eq!(
            QrLoginState::read("refused", 100, 101),
            QrLoginState::Refused
        );
        assert!(refuse_unless_pending(QrLoginState::Pending).is_ok());
        assert!(matches!(
            refuse_unless_pending(QrLoginState::Confirmed),
            Err(CoreError::Platform(PlatformError::QrLoginUsed))
        ));
    }
}

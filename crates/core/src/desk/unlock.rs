//! Unlocking a USB key's user PIN (LIFE-5), self-service: the holder proves the bound phone by
//! SMS code and gets a one-time unlock authorisation code (10 minutes); the key agent on the
//! holder's machine redeems it for the token's SO PIN, resets the user PIN through PKCS#11 and
//! replaces the SO PIN. The SO PIN was set at production and is kept sealed by the platform.
//!
//! No PIN passes through page JavaScript, and the code alone is worth nothing (finding 7):
//! - before asking for a code, the page has the agent make a random *redeemer secret*, which
//!   the agent keeps; the page only sees its SHA-256 (the *redeemer*), and the platform binds
//!   the code to it when the holder's session asks for the code ([`authorise`]);
//! - the agent redeems the code itself with the secret and a new SO PIN of its making
//!   ([`redeem`]): it gets the current SO PIN, and the new one is kept sealed as pending on the
//!   link;
//! - once the token took the new SO PIN, the agent confirms ([`confirm`]) and the pending SO
//!   PIN becomes the token's: every unlock rotates it.
//!
//! Every way a redemption can fail to prove itself (unknown code, used or expired code, another
//! token, wrong secret) gets the one answer `link_expired`, so the route tells a caller nothing.

use serde::Serialize;
use sqlx::Row as _;

use super::DeskError;
use super::certificates::{CertificateStatus, account_phone, held};
use super::orders::{self, Change, Event, Note, OrderState};
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::crypto::{SealedAt, sha256_hex};
use crate::platform::sms_codes::{self, Purpose};

/// How long an unlock authorisation code can be redeemed.
pub const UNLOCK_LIFETIME: i64 = 600;

/// How long after its code's lifetime a redeemed unlock can still be confirmed: the agent
/// confirms within seconds, but a slow token must not leave the SO PIN unrecorded.
pub const CONFIRM_GRACE: i64 = 600;

/// Longest SO PIN accepted from the agent (PKCS#11 tokens take at most a few dozen bytes).
const MAX_SO_PIN_BYTES: usize = 64;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnlockAuthorisation {
    /// Give this to the key agent that made the redeemer (`POST /v1/tokens/{serial}/unlock`
    /// with `unlock_code`): only it can redeem the code.
    pub unlock_code: String,
    pub token_serial: String,
    pub expires_at: Timestamp,
}

/// The agent's redeemer: lower-case hex SHA-256 of the secret it keeps.
fn redeemer(text: &str) -> Result<String, CoreError> {
    let text = text.trim().to_ascii_lowercase();
    if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(text)
    } else {
        Err(PlatformError::Invalid {
            field: "redeemer",
            zh: "请通过 Signet 证书助手申请解锁码（缺少证书助手生成的凭据）",
            en: "Ask for the unlock code through the Signet key agent: its redeemer is missing or malformed",
        }.into())
    }
}

fn not_a_token() -> CoreError {
    PlatformError::Invalid {
        field: "serial",
        zh: "只有 USB Key 证书可以解锁",
        en: "Only USB-key certificates can be unlocked",
    }
    .into()
}

/// Sends the unlock SMS code to the account's phone.
pub async fn send_code(
    platform: &Platform,
    user_id: &str,
    serial: &str,
) -> Result<sms_codes::SentCode, CoreError> {
    let cert = held(platform, user_id, serial).await?;
    if cert.medium != "usb_key" {
        return Err(not_a_token());
    }
    sms_codes::send(
        platform,
        &account_phone(platform, user_id).await?,
        Purpose::UnlockToken,
    )
    .await
}

/// Checks the SMS code and issues a one-time unlock authorisation code, redeemable only with
/// the secret whose SHA-256 is `redeemer` (made and kept by the holder's key agent).
pub async fn authorise(
    platform: &Platform,
    user_id: &str,
    serial: &str,
    sms_code: &str,
    redeemer: &str,
) -> Result<UnlockAuthorisation, CoreError> {
    let redeemer = self::redeemer(redeemer)?;
    let cert = held(platform, user_id, serial).await?;
    let token_serial = cert.token_serial.clone().ok_or_else(not_a_token)?;
    if cert.status == CertificateStatus::Revoked {
        return Err(crate::ca::CaError::AlreadyRevoked(cert.serial).into());
    }
    let phone = account_phone(platform, user_id).await?;
    sms_codes::consume(platform, &phone, Purpose::UnlockToken, sms_code).await?;
    let code = platform.random.digits(12)?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    sqlx::query(
        "INSERT INTO desk_links (token_hash, order_id, purpose, detail, used, expires_at, created_at, redeemer_hash) \
         VALUES ($1, $2, 'unlock', $3, 0, $4, $5, $6)",
    )
    .bind(platform.cipher.blind_index("unlock-code", &code))
    .bind(&cert.order_id)
    .bind(&cert.serial)
    .bind(now + UNLOCK_LIFETIME)
    .bind(now)
    .bind(&redeemer)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(
        format!("user:{user_id}"),
        "desk.token.unlock_authorised",
        format!("certificate:{}", cert.serial),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(UnlockAuthorisation {
        unlock_code: code,
        token_serial,
        expires_at: now + UNLOCK_LIFETIME,
    })
}

/// For a staff-approved unlock order waiting in "awaiting unlock": a one-time unlock code for the
/// token of the order's certificate (no SMS: the order was verified and reviewed), bound to the
/// agent's `redeemer` as in [`authorise`].
pub async fn authorise_order(
    platform: &Platform,
    order: &super::orders::Order,
    redeemer: &str,
) -> Result<UnlockAuthorisation, CoreError> {
    let redeemer = self::redeemer(redeemer)?;
    if order.kind != super::catalog::Business::Unlock
        || order.state != super::orders::OrderState::AwaitingUnlock
    {
        return Err(DeskError::Transition("download", order.state.as_str()).into());
    }
    let serial = order.target_serial.clone().ok_or_else(not_a_token)?;
    let token = sqlx::query("SELECT token_serial FROM desk_tokens WHERE certificate_serial = $1")
        .bind(&serial)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or_else(not_a_token)?;
    let code = platform.random.digits(12)?;
    let now = platform.clock.now();
    sqlx::query(
        "INSERT INTO desk_links (token_hash, order_id, purpose, detail, used, expires_at, created_at, redeemer_hash) \
         VALUES ($1, $2, 'unlock', $3, 0, $4, $5, $6)",
    )
    .bind(platform.cipher.blind_index("unlock-code", &code))
    .bind(&order.id)
    .bind(&serial)
    .bind(now + UNLOCK_LIFETIME)
    .bind(now)
    .bind(&redeemer)
    .execute(platform.db.pool())
    .await?;
    Ok(UnlockAuthorisation {
        unlock_code: code,
        token_serial: token.try_get("token_serial")?,
        expires_at: now + UNLOCK_LIFETIME,
    })
}

/// What the agent proves a redemption or confirmation with.
#[derive(Debug, Clone, Copy)]
pub struct Redeemer<'a> {
    /// The unlock code the holder was given.
    pub unlock_code: &'a str,
    /// The serial of the token in front of the agent.
    pub token_serial: &'a str,
    /// The secret whose SHA-256 the code was bound to.
    pub secret: &'a str,
}

/// An unlock link that proved itself: the code is known, bound to this token and to the
/// secret's hash. Anything else is [`DeskError::LinkExpired`], whatever it was.
struct ProvenLink {
    index: String,
    order_id: String,
    certificate_serial: String,
    user_id: String,
    used: bool,
    confirmed: bool,
    expires_at: i64,
    so_pin_sealed: Option<String>,
    new_so_pin_sealed: Option<String>,
}

async fn prove(platform: &Platform, redeemer: &Redeemer<'_>) -> Result<ProvenLink, CoreError> {
    let index = platform
        .cipher
        .blind_index("unlock-code", redeemer.unlock_code.trim());
    let row = sqlx::query(
        "SELECT l.order_id, l.detail, l.used, l.expires_at, l.redeemer_hash, l.confirmed_at, \
                l.new_so_pin_sealed, t.token_serial, t.user_id, t.so_pin_sealed \
         FROM desk_links l JOIN desk_tokens t ON t.certificate_serial = l.detail \
         WHERE l.token_hash = $1 AND l.purpose = 'unlock'",
    )
    .bind(&index)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(DeskError::LinkExpired)?;
    let bound: Option<String> = row.try_get("redeemer_hash")?;
    // Comparing digests of a 256-bit secret: equal prefixes tell an attacker nothing useful.
    let secret_ok = bound.is_some_and(|hash| hash == sha256_hex(redeemer.secret.trim().as_bytes()));
    let token_serial: String = row.try_get("token_serial")?;
    if !secret_ok || token_serial != redeemer.token_serial.trim() {
        return Err(DeskError::LinkExpired.into());
    }
    Ok(ProvenLink {
        index,
        order_id: row.try_get("order_id")?,
        certificate_serial: row.try_get("detail")?,
        user_id: row.try_get("user_id")?,
        used: row.try_get::<i64, _>("used")? != 0,
        confirmed: row.try_get::<Option<i64>, _>("confirmed_at")?.is_some(),
        expires_at: row.try_get("expires_at")?,
        so_pin_sealed: row.try_get("so_pin_sealed")?,
        new_so_pin_sealed: row.try_get("new_so_pin_sealed")?,
    })
}

/// Redeems an unlock code (once, before it expires) for the current SO PIN of the token it was
/// issued for; the agent proves itself with the redeemer secret and hands over `new_so_pin`, the
/// SO PIN it will set, which is kept sealed as pending until [`confirm`].
pub async fn redeem(
    platform: &Platform,
    redeemer: &Redeemer<'_>,
    new_so_pin: &str,
) -> Result<String, CoreError> {
    let now = platform.clock.now();
    let link = prove(platform, redeemer).await?;
    if link.used || link.expires_at <= now {
        return Err(DeskError::LinkExpired.into());
    }
    // Past this point the caller holds the code, the token and the secret: plain answers.
    let new_so_pin = new_so_pin.trim();
    if new_so_pin.is_empty()
        || new_so_pin.len() > MAX_SO_PIN_BYTES
        || new_so_pin.chars().any(char::is_control)
    {
        return Err(PlatformError::Invalid {
            field: "new_so_pin",
            zh: "新的管理员 PIN 格式不正确",
            en: "The new SO PIN is empty, too long or has control characters",
        }
        .into());
    }
    let sealed = link.so_pin_sealed.ok_or_else(|| PlatformError::Invalid {
        field: "token_serial",
        zh: "平台未保存该 USB Key 的管理员 PIN，请联系客服人工解锁",
        en: "The platform holds no SO PIN for this token; contact customer service",
    })?;
    let current = platform.cipher.open(
        super::production::so_pin_sealed_at(&link.certificate_serial),
        &sealed,
    )?;
    if current == new_so_pin {
        return Err(PlatformError::Invalid {
            field: "new_so_pin",
            zh: "新的管理员 PIN 不能与当前的相同",
            en: "The new SO PIN must differ from the current one",
        }
        .into());
    }
    let mut tx = platform.db.begin().await?;
    let used = sqlx::query(
        "UPDATE desk_links SET used = 1, new_so_pin_sealed = $2 WHERE token_hash = $1 AND used = 0",
    )
    .bind(&link.index)
    .bind(
        platform
            .cipher
            .seal(pending_so_pin_at(&link.index), new_so_pin)?,
    )
    .execute(&mut *tx)
    .await?;
    if used.rows_affected() != 1 {
        return Err(DeskError::LinkExpired.into());
    }
    let event = AuditEvent::new(
        "key-agent",
        "desk.token.unlock_redeemed",
        format!("certificate:{}", link.certificate_serial),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(current)
}

/// The agent set the pending SO PIN on the token: it becomes the token's SO PIN (for every
/// certificate of the holder on that token), and a staff-approved unlock order completes.
/// Once per redemption, within the code's lifetime and [`CONFIRM_GRACE`].
pub async fn confirm(platform: &Platform, redeemer: &Redeemer<'_>) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let link = prove(platform, redeemer).await?;
    let pending = match link.new_so_pin_sealed {
        Some(pending) if link.used && !link.confirmed && now < link.expires_at + CONFIRM_GRACE => {
            pending
        }
        _ => return Err(DeskError::LinkExpired.into()),
    };
    let mut tx = platform.db.begin().await?;
    let confirmed = sqlx::query(
        "UPDATE desk_links SET confirmed_at = $2, new_so_pin_sealed = NULL \
         WHERE token_hash = $1 AND used = 1 AND confirmed_at IS NULL",
    )
    .bind(&link.index)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if confirmed.rows_affected() != 1 {
        return Err(DeskError::LinkExpired.into());
    }
    // Renewals on the same token inherited its SO PIN: they all follow the token, each sealed
    // for its own row.
    let new_so_pin = platform
        .cipher
        .open(pending_so_pin_at(&link.index), &pending)?;
    let rows = sqlx::query(
        "SELECT certificate_serial FROM desk_tokens WHERE token_serial = $1 AND user_id = $2",
    )
    .bind(redeemer.token_serial.trim())
    .bind(&link.user_id)
    .fetch_all(&mut *tx)
    .await?;
    for row in rows {
        let serial: String = row.try_get("certificate_serial")?;
        sqlx::query("UPDATE desk_tokens SET so_pin_sealed = $1 WHERE certificate_serial = $2")
            .bind(
                platform
                    .cipher
                    .seal(super::production::so_pin_sealed_at(&serial), &new_so_pin)?,
            )
            .bind(&serial)
            .execute(&mut *tx)
            .await?;
    }
    let order = orders::load_in(platform, &mut tx, &link.order_id).await?;
    if order.kind == super::catalog::Business::Unlock && order.state == OrderState::AwaitingUnlock {
        orders::apply(
            platform,
            &mut tx,
            &order,
            &Change::new(Event::KeyDone, "key-agent", Note::Unlocked, now),
        )
        .await?;
    }
    let event = AuditEvent::new(
        "key-agent",
        "desk.token.so_pin_rotated",
        format!("certificate:{}", link.certificate_serial),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// Where the SO PIN an agent is about to set waits for its confirmation: the unlock link's row.
fn pending_so_pin_at(link_index: &str) -> SealedAt<'_> {
    SealedAt::new("desk_links", "new_so_pin_sealed", link_index)
}

//! The holder's certificates (LIFE-1): cloud and USB-key certificates the desk produced for a
//! user, with status, validity, token serial and any business in progress; revocation by the
//! holder after an SMS check (LIFE-6); the renewal window (LIFE-2); and the expiry reminders job
//! (LIFE-7).

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::DeskError;
use crate::Platform;
use crate::ca;
use crate::error::{CoreError, PlatformError};
use crate::platform::accounts::fields::Phone;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::ids::CertificateSerial;
use crate::platform::jobs::messages;
use crate::platform::machine::Machine as _;
use crate::platform::sms_codes::{self, Purpose};

mod detail;
mod status;
mod subject;

pub use detail::{CertificateDetail, CertificateFile, detail, file};
pub use status::{CertificateAction, CertificateEvent, CertificateStatus};
pub use subject::SubjectView;

use super::catalog::Business;

const DAY: i64 = 86_400;
/// Renewal opens this many days before expiry...
pub const RENEW_BEFORE_DAYS: i64 = 30;
/// ...and closes this many days after it.
pub const RENEW_AFTER_DAYS: i64 = 90;
/// Reminders go out this many days before expiry.
pub const REMINDER_DAYS: [i64; 2] = [30, 7];

/// One certificate as its holder sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeldCertificate {
    pub serial: String,
    /// The subject in RFC 4514 form, its ID number or credit code masked.
    pub subject: String,
    /// The subject as a person reads it (name, organisation, masked identifier).
    pub subject_view: SubjectView,
    /// `cloud` or `usb_key`.
    pub medium: String,
    pub token_serial: Option<String>,
    pub product_name: String,
    pub order_id: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    /// `active`, `expired` or `revoked`.
    pub status: CertificateStatus,
    pub days_left: i64,
    /// The account's phone, masked.
    pub bound_phone: String,
    /// An open order acting on this certificate (renewal, change, reissue, unlock), if any.
    pub business_in_progress: Option<String>,
    pub renewable: bool,
    /// A renewal or reissue of this certificate was completed.
    pub renewed: bool,
    /// What the holder may do now (`renew`, `change`, `reissue`, `unlock`, `revoke`).
    pub allowed_actions: Vec<CertificateAction>,
}

/// The part of a product's settings the action guards read.
#[derive(Deserialize)]
struct OfferedOnly {
    #[serde(default)]
    business: Vec<Business>,
}

/// Why `kind` cannot be opened on `held` now (`Ok` when it can); the product's offer is checked
/// when the order is created.
fn business_guard(held: &HeldCertificate, kind: Business, now: Timestamp) -> Result<(), CoreError> {
    if let Some(busy) = &held.business_in_progress {
        return Err(DeskError::RenewalRefused {
            zh: format!("该证书已有办理中的业务（{busy}），请在“我的订单”中继续"),
            en: format!("A {busy} order is already open on this certificate"),
        }
        .into());
    }
    let active = held.status == CertificateStatus::Active;
    match kind {
        Business::Renewal => {
            renewal_window(
                held.status == CertificateStatus::Revoked,
                held.not_after,
                now,
            )?;
        }
        Business::Change | Business::Reissue if !active => {
            return Err(DeskError::RenewalRefused {
                zh: "只有有效期内的证书可以办理变更或补办".into(),
                en: "Only a valid certificate can be changed or reissued".into(),
            }
            .into());
        }
        // Staff-approved unlock (seed 003): for a valid USB-key certificate.
        Business::Unlock if held.medium != "usb_key" || !active => {
            return Err(DeskError::RenewalRefused {
                zh: "只有有效期内的 USB Key 证书可以申请解锁".into(),
                en: "Only a valid USB-key certificate can be unlocked".into(),
            }
            .into());
        }
        Business::Change | Business::Reissue | Business::Unlock => {}
        Business::New => return Err(DeskError::BusinessNotOffered.into()),
    }
    if held.renewed && matches!(kind, Business::Renewal | Business::Reissue) {
        return Err(DeskError::RenewalRefused {
            zh: "该证书已办理过更新或补办，请对新证书办理业务".into(),
            en: "This certificate was already renewed or reissued; act on the new one".into(),
        }
        .into());
    }
    Ok(())
}

/// The holder's actions on `held`: each business its product offers and the guards allow, and
/// revocation when the table allows it.
fn certificate_actions(
    held: &HeldCertificate,
    offered: &[Business],
    now: Timestamp,
) -> Vec<CertificateAction> {
    let businesses = [
        (Business::Renewal, CertificateAction::Renew),
        (Business::Change, CertificateAction::Change),
        (Business::Reissue, CertificateAction::Reissue),
        (Business::Unlock, CertificateAction::Unlock),
    ];
    let mut actions: Vec<CertificateAction> = businesses
        .into_iter()
        .filter(|(kind, _)| offered.contains(kind) && business_guard(held, *kind, now).is_ok())
        .map(|(_, action)| action)
        .collect();
    if held.status.next(CertificateEvent::Revoke).is_some() {
        actions.push(CertificateAction::Revoke);
    }
    actions
}

/// The user's certificates; `expiring` keeps those expiring within 30 days.
pub async fn list(
    platform: &Platform,
    user_id: &str,
    expiring: bool,
) -> Result<Vec<HeldCertificate>, CoreError> {
    let now = platform.clock.now();
    let rows = sqlx::query(
        "SELECT c.serial, c.subject, c.not_before, c.not_after, c.status, h.medium, h.token_serial, \
         h.order_id, p.name AS product_name, p.settings, u.phone_masked, \
         (SELECT o2.kind FROM desk_orders o2 WHERE o2.target_serial = c.serial \
            AND o2.state NOT IN ('completed', 'cancelled', 'refunded') LIMIT 1) AS busy, \
         (SELECT COUNT(*) FROM desk_orders o3 WHERE o3.target_serial = c.serial \
            AND o3.kind IN ('renewal', 'reissue') AND o3.state = 'completed') AS succeeded \
         FROM (SELECT serial, order_id, user_id, 'cloud' AS medium, NULL AS token_serial FROM desk_cloud_keys \
               UNION ALL SELECT certificate_serial, order_id, user_id, 'usb_key', token_serial FROM desk_tokens) h \
         JOIN ca_certificates c ON c.serial = h.serial \
         JOIN desk_orders o ON o.id = h.order_id \
         JOIN desk_products p ON p.id = o.product_id \
         JOIN users u ON u.id = h.user_id \
         WHERE h.user_id = $1 ORDER BY c.not_after DESC",
    )
    .bind(user_id)
    .fetch_all(platform.db.pool())
    .await?;
    let mut out = Vec::new();
    for row in rows {
        let not_after: Timestamp = row.try_get("not_after")?;
        let revoked = row.try_get::<String, _>("status")? == "revoked";
        let status = if revoked {
            CertificateStatus::Revoked
        } else if not_after <= now {
            CertificateStatus::Expired
        } else {
            CertificateStatus::Active
        };
        let days_left = (not_after - now).div_euclid(DAY);
        if expiring && !(status == CertificateStatus::Active && days_left < RENEW_BEFORE_DAYS) {
            continue;
        }
        let busy: Option<String> = row.try_get("busy")?;
        // A certificate already renewed or reissued is not renewed again.
        let succeeded = row.try_get::<i64, _>("succeeded")? > 0;
        let settings: String = row.try_get("settings")?;
        let offered = serde_json::from_str::<OfferedOnly>(&settings)
            .map_err(|e| CoreError::internal(format!("product settings: {e}")))?
            .business;
        let subject_view = subject::view(&row.try_get::<String, _>("subject")?);
        let mut held = HeldCertificate {
            serial: row.try_get("serial")?,
            subject: subject_view.masked.clone(),
            subject_view,
            medium: row.try_get("medium")?,
            token_serial: row.try_get("token_serial")?,
            product_name: row.try_get("product_name")?,
            order_id: row.try_get("order_id")?,
            not_before: row.try_get("not_before")?,
            not_after,
            status,
            days_left,
            bound_phone: row.try_get("phone_masked")?,
            renewable: busy.is_none()
                && !succeeded
                && renewal_window(revoked, not_after, now).is_ok(),
            renewed: succeeded,
            business_in_progress: busy,
            allowed_actions: Vec::new(),
        };
        held.allowed_actions = certificate_actions(&held, &offered, now);
        out.push(held);
    }
    Ok(out)
}

/// Whether a certificate may be renewed now: fewer than 30 days left and at most 90 days past
/// expiry, never when revoked. The error says which rule and when the window opens.
pub fn renewal_window(
    revoked: bool,
    not_after: Timestamp,
    now: Timestamp,
) -> Result<(), CoreError> {
    if revoked {
        return Err(DeskError::RenewalRefused {
            zh: "证书已注销，不能更新，请重新申请".into(),
            en: "A revoked certificate cannot be renewed; apply for a new one".into(),
        }
        .into());
    }
    if not_after - now >= RENEW_BEFORE_DAYS * DAY {
        let opens = crate::platform::clock::rfc3339(not_after - RENEW_BEFORE_DAYS * DAY);
        return Err(DeskError::RenewalRefused {
            zh: format!(
                "证书有效期剩余 30 天以内才能更新，可于 {} 之后办理",
                &opens[..10]
            ),
            en: format!("Renewal opens 30 days before expiry, on {}", &opens[..10]),
        }
        .into());
    }
    if now - not_after > RENEW_AFTER_DAYS * DAY {
        return Err(DeskError::RenewalRefused {
            zh: "证书已过期超过 90 天，不能更新，请重新申请".into(),
            en: "The certificate expired more than 90 days ago; apply for a new one".into(),
        }
        .into());
    }
    Ok(())
}

/// A certificate of `user_id`, or not found (another user's serial reveals nothing).
pub async fn held(
    platform: &Platform,
    user_id: &str,
    serial: &str,
) -> Result<HeldCertificate, CoreError> {
    let serial = CertificateSerial::parse(serial).ok_or(PlatformError::NotFound)?;
    list(platform, user_id, false)
        .await?
        .into_iter()
        .find(|c| c.serial == serial.as_str())
        .ok_or(PlatformError::NotFound.into())
}

/// The phone bound to the account: where the holder's confirmation codes go.
pub(crate) async fn account_phone(platform: &Platform, user_id: &str) -> Result<Phone, CoreError> {
    let user = crate::platform::accounts::find_by_id(platform, user_id)
        .await?
        .ok_or(PlatformError::NotSignedIn)?;
    Phone::parse(&user.phone, "phone")
}

/// What a revocation code authorises: revoking this certificate, not another (issue 12,
/// finding 18).
fn revocation_subject(serial: &str) -> String {
    format!("revoke:{serial}")
}

/// Sends the SMS code that confirms a revocation to the account's phone.
pub async fn send_revocation_code(
    platform: &Platform,
    user_id: &str,
    serial: &str,
) -> Result<sms_codes::SentCode, CoreError> {
    let held = held(platform, user_id, serial).await?;
    let phone = account_phone(platform, user_id).await?;
    sms_codes::send_for(
        platform,
        &phone,
        Purpose::RevokeCertificate,
        &revocation_subject(&held.serial),
    )
    .await
}

/// Revokes a certificate of the holder after the SMS check (LIFE-6). OCSP answers `revoked` at
/// once (the CA's revision moves, so no cached answer is reused) and the next CRL lists it.
pub async fn revoke_by_holder(
    platform: &Platform,
    user_id: &str,
    serial: &str,
    reason: &str,
    sms_code: &str,
) -> Result<ca::Revoked, CoreError> {
    let held = held(platform, user_id, serial).await?;
    if held.status.next(CertificateEvent::Revoke).is_none() {
        return Err(ca::CaError::AlreadyRevoked(held.serial).into());
    }
    ca::parse_reason(reason)?;
    let phone = account_phone(platform, user_id).await?;
    sms_codes::consume_for(
        platform,
        &phone,
        Purpose::RevokeCertificate,
        &revocation_subject(&held.serial),
        sms_code,
    )
    .await?;
    ca::revoke(platform, &held.serial, reason, &format!("user:{user_id}")).await
}

/// Queues the 30- and 7-day expiry reminders that are due (LIFE-7) as outbox messages.
/// Idempotent: each certificate gets each reminder once, however often the job runs. Returns
/// how many were queued.
pub async fn send_expiry_reminders(platform: &Platform) -> Result<usize, CoreError> {
    let now = platform.clock.now();
    let mut sent = 0;
    for days in REMINDER_DAYS {
        let rows = sqlx::query(
            "SELECT c.serial, c.subject, c.not_after, o.id AS order_id, o.form_sealed, o.number FROM ca_certificates c \
             JOIN (SELECT serial, order_id FROM desk_cloud_keys UNION ALL \
                   SELECT certificate_serial, order_id FROM desk_tokens) h ON h.serial = c.serial \
             JOIN desk_orders o ON o.id = h.order_id \
             WHERE c.status = 'active' AND c.not_after > $1 AND c.not_after <= $2 \
             AND NOT EXISTS (SELECT 1 FROM desk_expiry_reminders r WHERE r.serial = c.serial AND r.days = $3)",
        )
        .bind(now)
        .bind(now + days * DAY)
        .bind(days)
        .fetch_all(platform.db.pool())
        .await?;
        for row in rows {
            let serial: String = row.try_get("serial")?;
            // The claim and the messages commit together: a second run racing this one claims
            // nothing and queues nothing; a crash before the commit leaves the reminder due.
            let mut tx = platform.db.begin().await?;
            let claimed = sqlx::query(
                "INSERT INTO desk_expiry_reminders (serial, days, sent_at) SELECT $1, $2, $3 \
                 WHERE NOT EXISTS (SELECT 1 FROM desk_expiry_reminders WHERE serial = $1 AND days = $2)",
            )
            .bind(&serial)
            .bind(days)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if claimed.rows_affected() != 1 {
                continue;
            }
            let order_id: String = row.try_get("order_id")?;
            let form: super::orders::ApplicationForm =
                serde_json::from_str(&platform.cipher.open(
                    super::orders::form_sealed_at(&order_id),
                    &row.try_get::<String, _>("form_sealed")?,
                )?)
                .map_err(|e| CoreError::internal(format!("order form: {e}")))?;
            let not_after: Timestamp = row.try_get("not_after")?;
            let date = crate::platform::clock::rfc3339(not_after);
            let text = format!(
                "【Signet】您的数字证书（序列号 {}…）将于 {} 到期，请在到期前登录办理更新：{}",
                &serial[..serial.len().min(8)],
                &date[..10],
                platform.link("/certificates")
            );
            if let Some(person) = form.person {
                let key = format!("desk.expiry:{serial}:{days}");
                messages::sms(
                    platform,
                    &mut tx,
                    &format!("{key}:sms"),
                    &person.phone,
                    &text,
                )
                .await?;
                if !person.email.is_empty() {
                    messages::email(
                        platform,
                        &mut tx,
                        &format!("{key}:email"),
                        &person.email,
                        &format!("数字证书将于 {} 到期", &date[..10]),
                        &text,
                    )
                    .await?;
                }
            }
            tx.commit().await?;
            sent += 1;
        }
    }
    Ok(sent)
}

/// Opens a renewal, change or reissue order on a certificate of the holder (LIFE-2 … LIFE-4):
/// the form of the order that produced it comes prefilled, to be checked and verified again.
/// Renewal is allowed only inside its window; no second business may be open on one
/// certificate.
pub async fn open_business(
    platform: &Platform,
    user_id: &str,
    serial: &str,
    kind: super::catalog::Business,
) -> Result<super::orders::Order, CoreError> {
    let held = held(platform, user_id, serial).await?;
    business_guard(&held, kind, platform.clock.now())?;
    let original = super::orders::load(platform, &held.order_id).await?;
    super::orders::create_for(
        platform,
        user_id,
        &original.product_id,
        kind,
        Some((&held.serial, original.form)),
    )
    .await
}

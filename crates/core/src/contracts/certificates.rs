//! The enterprise's certificates and certificate orders (§2.7.4–2.7.5), for its administrator:
//! certificates expiring within a month or expired, renewed through the desk; the desk orders of
//! the enterprise (certification, re-certification, renewals), read live from the desk (the
//! "refresh"), with continue and withdraw (refused when paid or approved).

use serde::Serialize;
use sqlx::Row as _;

use super::{ContractsError, access, enterprises};
use crate::Platform;
use crate::ca;
use crate::desk::Business;
use crate::desk::OrderState;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::{Clock as _, Timestamp};

/// A month, as §2.7.4 counts "expiring soon".
pub const EXPIRY_WINDOW: i64 = 30 * 24 * 3600;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnterpriseCertificate {
    pub serial: String,
    pub subject: String,
    pub ca: String,
    pub not_after: Timestamp,
    /// `active` or `revoked`.
    pub status: String,
    /// Expires within a month (and has not yet).
    pub expiring: bool,
    pub expired: bool,
    /// The enterprise's signing certificate now.
    pub current: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnterpriseOrder {
    pub order_id: String,
    pub number: String,
    /// `certify`, `recertify` or `renew`.
    pub purpose: String,
    pub state: OrderState,
    pub state_label: String,
    pub created_at: Timestamp,
    /// `continue` (in the desk's wizard) and `withdraw` when allowed.
    pub actions: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificatesPage {
    pub certificates: Vec<EnterpriseCertificate>,
    /// Those expiring within a month or expired (§2.7.4), renewable through the desk.
    pub renewal: Vec<EnterpriseCertificate>,
    pub orders: Vec<EnterpriseOrder>,
}

/// The administrator of the enterprise in any state (a renamed one renews and re-certifies too).
async fn admin(platform: &Platform, user_id: &str, enterprise_id: &str) -> Result<(), CoreError> {
    let found = access::membership(platform.db.pool(), enterprise_id, user_id).await?;
    if found.role != access::Role::Admin {
        return Err(ContractsError::RoleRequired("admin").into());
    }
    Ok(())
}

async fn order_ids(
    platform: &Platform,
    enterprise_id: &str,
) -> Result<Vec<(String, String)>, CoreError> {
    let rows = sqlx::query(
        "SELECT order_id, purpose FROM ec_enterprise_orders WHERE enterprise_id = $1 \
         ORDER BY created_at DESC, order_id",
    )
    .bind(enterprise_id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("order_id")?, r.try_get("purpose")?)))
        .collect()
}

/// The page of §2.7.4–2.7.5.
pub async fn page(
    platform: &Platform,
    user_id: &str,
    enterprise_id: &str,
) -> Result<CertificatesPage, CoreError> {
    admin(platform, user_id, enterprise_id).await?;
    let enterprise = enterprises::load(platform, enterprise_id).await?;
    let now = platform.clock.now();
    let mut certificates = Vec::new();
    let mut orders_out = Vec::new();
    for (order_id, purpose) in order_ids(platform, enterprise_id).await? {
        let order = crate::desk::load_order(platform, &order_id).await?;
        let mut actions = Vec::new();
        if !order.state.is_finished() {
            actions.push("continue");
            if enterprises::withdraw_block(&order).is_none() {
                actions.push("withdraw");
            }
        }
        if let Some(serial) = &order.certificate_serial {
            let info = ca::certificate(platform, serial).await?;
            certificates.push(EnterpriseCertificate {
                current: enterprise.certificate_serial.as_deref() == Some(serial.as_str()),
                expiring: info.not_after > now && info.not_after - now <= EXPIRY_WINDOW,
                expired: info.not_after <= now,
                serial: info.serial,
                subject: info.subject,
                ca: info.ca,
                not_after: info.not_after,
                status: info.status,
            });
        }
        orders_out.push(EnterpriseOrder {
            order_id: order.id.clone().into_string(),
            number: order.number.clone(),
            purpose,
            state: order.state,
            state_label: order.state.label().to_owned(),
            created_at: order.created_at,
            actions,
        });
    }
    let renewal = certificates
        .iter()
        .filter(|c| c.status == "active" && (c.expiring || c.expired))
        .cloned()
        .collect();
    Ok(CertificatesPage {
        certificates,
        renewal,
        orders: orders_out,
    })
}

/// Opens a renewal of one of the enterprise's certificates on the desk (inside the desk's
/// renewal window); returns the new order's id for the desk's wizard.
pub async fn renew(
    platform: &Platform,
    user_id: &str,
    enterprise_id: &str,
    serial: &str,
) -> Result<String, CoreError> {
    admin(platform, user_id, enterprise_id).await?;
    let page = page(platform, user_id, enterprise_id).await?;
    let serial = ca::normalise_serial(serial);
    if !page.certificates.iter().any(|c| c.serial == serial) {
        return Err(PlatformError::NotFound.into());
    }
    let order = crate::desk::open_business(platform, user_id, &serial, Business::Renewal).await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    enterprises::record_order(&mut tx, enterprise_id, &order.id, "renew", user_id, now).await?;
    tx.commit().await?;
    Ok(order.id.into_string())
}

/// Withdraws one of the enterprise's open certificate orders (§2.7.5).
pub async fn withdraw_order(
    platform: &Platform,
    user_id: &str,
    enterprise_id: &str,
    order_id: &str,
) -> Result<CertificatesPage, CoreError> {
    admin(platform, user_id, enterprise_id).await?;
    if !order_ids(platform, enterprise_id)
        .await?
        .iter()
        .any(|(id, _)| id == order_id)
    {
        return Err(PlatformError::NotFound.into());
    }
    let order = crate::desk::load_order(platform, order_id).await?;
    if let Some(why) = enterprises::withdraw_block(&order) {
        return Err(ContractsError::WithdrawRefused(why).into());
    }
    crate::desk::cancel_order(platform, &order, &format!("user:{user_id}")).await?;
    super::settle::order_settled(platform, order_id).await?;
    page(platform, user_id, enterprise_id).await
}

//! Billing (ES-5, seed 004 §2.3): packages of contract quota on a price list kept by staff,
//! bought by the enterprise administrator through the payment gateway; the quota stays a ledger
//! (`ec_quota_ledger`, see [`crate::contracts::tasks::quota`]) whose sum is the balance: a paid
//! purchase writes one `purchase` row, a lapsed one an `expiry` row. Records of purchases and of
//! signing (launches and refunds), with an Excel export, and invoices for what was paid.
//!
//! The gateway and its notification endpoint are the platform's: the server hands a verified
//! notification to [`purchases::settle`] first and to the desk when the payment id is not a
//! purchase. Nothing here knows the desk.

pub mod errors;
pub mod expiry;
pub mod invoices;
pub mod packages;
pub mod purchases;
pub mod records;

use serde::Serialize;

pub use expiry::{EXPIRE_PURCHASES, ExpirePurchases, SCHEDULE};

use crate::Platform;
use crate::contracts::access::{self, Role};
use crate::error::CoreError;

/// Every billing read and request is the enterprise administrator's: outsiders read not found,
/// other members are refused.
pub(crate) async fn scope(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
) -> Result<(), CoreError> {
    access::require(platform.db.pool(), enterprise_id, user_id, Role::Admin).await?;
    Ok(())
}

/// The head of the billing page.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillingSummary {
    /// Contracts left: the ledger's sum.
    pub balance: i64,
    /// Paid purchases minus invoices asked for, in fen.
    pub invoiceable_fen: i64,
    /// Paid purchases in all, in fen.
    pub paid_fen: i64,
}

pub async fn summary(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
) -> Result<BillingSummary, CoreError> {
    scope(platform, enterprise_id, user_id).await?;
    let pool = platform.db.pool();
    let paid: i64 = sqlx::Row::try_get(
        &sqlx::query(
            "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS n FROM ec_purchases \
             WHERE enterprise_id = $1 AND state = 'paid'",
        )
        .bind(enterprise_id)
        .fetch_one(pool)
        .await?,
        "n",
    )?;
    Ok(BillingSummary {
        balance: crate::contracts::tasks::quota::balance(pool, enterprise_id).await?,
        invoiceable_fen: invoices::invoiceable(pool, enterprise_id).await?,
        paid_fen: paid,
    })
}

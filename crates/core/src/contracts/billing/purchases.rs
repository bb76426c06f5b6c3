//! Buying a package (ES-5): the enterprise administrator opens a purchase, the payment gateway
//! (WeChat Pay / Alipay QR, the sandbox's pay page in demo) collects it, and the gateway's
//! verified notification settles it. A `paid` notification moves the purchase from `pending` to
//! `paid` with a conditional UPDATE and writes the ledger's `purchase` row in the same
//! transaction, so a notification delivered twice, or forty at once, credits the quota once.

use serde::Serialize;
use sqlx::Row as _;

use super::scope;
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::access::{self, Role};
use crate::contracts::tasks::quota;
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::providers::{Notification, PaymentRequest};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaPurchase {
    pub id: String,
    pub enterprise_id: String,
    pub package_id: String,
    pub package_name: String,
    pub contracts: i64,
    pub amount_fen: i64,
    pub validity_days: i64,
    /// `wechat` or `alipay`.
    pub channel: String,
    /// `pending`, `paid` or `failed`.
    pub state: String,
    /// What the payer scans (the sandbox's pay page), on the answer that opened the purchase.
    pub code_url: Option<String>,
    pub paid_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    /// When what was left of it expired (the expiry job ran for it).
    pub expired_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

const COLUMNS: &str = "id, enterprise_id, package_id, package_name, contracts, amount_fen, \
    validity_days, channel, state, paid_at, expires_at, expired_at, created_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<QuotaPurchase, CoreError> {
    Ok(QuotaPurchase {
        id: row.try_get("id")?,
        enterprise_id: row.try_get("enterprise_id")?,
        package_id: row.try_get("package_id")?,
        package_name: row.try_get("package_name")?,
        contracts: row.try_get("contracts")?,
        amount_fen: row.try_get("amount_fen")?,
        validity_days: row.try_get("validity_days")?,
        channel: row.try_get("channel")?,
        state: row.try_get("state")?,
        code_url: None,
        paid_at: row.try_get("paid_at")?,
        expires_at: row.try_get("expires_at")?,
        expired_at: row.try_get("expired_at")?,
        created_at: row.try_get("created_at")?,
    })
}

/// A purchase by id, whoever's (the notification path and the sandbox).
async fn load(platform: &Platform, id: &str) -> Result<Option<QuotaPurchase>, CoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ec_purchases WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(platform.db.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Whether a payment id at the gateway is a purchase of quota (else it is someone else's).
pub async fn owns(platform: &Platform, payment_id: &str) -> Result<bool, CoreError> {
    Ok(load(platform, payment_id).await?.is_some())
}

/// Opens a purchase of a package on sale and its payment with the gateway (administrator).
pub async fn create(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    package_id: &str,
    channel: &str,
) -> Result<QuotaPurchase, CoreError> {
    access::require(platform.db.pool(), enterprise_id, user_id, Role::Admin).await?;
    if !matches!(channel, "wechat" | "alipay") || !platform.payments.accepts(channel) {
        return Err(ContractsError::ChannelUnavailable(channel.to_owned()).into());
    }
    let package = super::packages::get(platform, package_id).await?;
    if !package.on_sale {
        return Err(ContractsError::PackageNotOnSale.into());
    }
    let id = uuid::Uuid::new_v4().to_string();
    let code = platform
        .payments
        .create(&PaymentRequest {
            payment_id: &id,
            channel,
            amount_fen: package.price_fen,
            description: &package.name,
        })
        .await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    sqlx::query(
        "INSERT INTO ec_purchases (id, enterprise_id, package_id, package_name, contracts, amount_fen, \
         validity_days, channel, state, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10)",
    )
    .bind(&id)
    .bind(enterprise_id)
    .bind(&package.id)
    .bind(&package.name)
    .bind(package.contracts)
    .bind(package.price_fen)
    .bind(package.validity_days)
    .bind(channel)
    .bind(user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(
        format!("user:{user_id}"),
        "contracts.purchase.create",
        format!("purchase:{id}"),
    )
    .change(
        serde_json::Value::Null,
        serde_json::json!({"enterprise": enterprise_id, "package": package.id,
            "contracts": package.contracts, "amount_fen": package.price_fen, "channel": channel}),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    let mut purchase = get(platform, enterprise_id, user_id, &id).await?;
    purchase.code_url = Some(code.code_url);
    Ok(purchase)
}

/// One purchase of the enterprise (administrator); another enterprise's id reads as not found.
pub async fn get(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    id: &str,
) -> Result<QuotaPurchase, CoreError> {
    scope(platform, enterprise_id, user_id).await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ec_purchases WHERE id = $1 AND enterprise_id = $2"
    )))
    .bind(id)
    .bind(enterprise_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    from_row(&row)
}

/// The enterprise's purchases, newest first (administrator).
pub async fn list(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
) -> Result<Vec<QuotaPurchase>, CoreError> {
    scope(platform, enterprise_id, user_id).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ec_purchases WHERE enterprise_id = $1 ORDER BY created_at DESC, id LIMIT 500"
    )))
    .bind(enterprise_id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Settles a gateway notification about a purchase, its signature already verified: the
/// notification must be new and its amount the purchase's. `Ok(None)` when the payment id is
/// not a purchase (it belongs to another part of the platform).
pub async fn settle(
    platform: &Platform,
    note: &Notification,
) -> Result<Option<QuotaPurchase>, CoreError> {
    let Some(purchase) = load(platform, &note.payment_id).await? else {
        return Ok(None);
    };
    if note.amount_fen != purchase.amount_fen {
        return Err(ContractsError::PaymentMismatch.into());
    }
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let fresh = sqlx::query(
        "INSERT INTO ec_purchase_notifications (notify_id, purchase_id, result, received_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (notify_id) DO NOTHING",
    )
    .bind(&note.notify_id)
    .bind(&purchase.id)
    .bind(&note.result)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if fresh.rows_affected() != 1 {
        return Err(ContractsError::NotificationReplayed.into());
    }
    let paid = note.result == "paid";
    // Only one transaction moves the purchase out of `pending` (PostgreSQL re-checks the
    // condition after waiting for the row; SQLite's write lock serialises them).
    let moved = sqlx::query(
        "UPDATE ec_purchases SET state = $1, transaction_ref = $2, paid_at = $3, expires_at = $4 \
         WHERE id = $5 AND state = 'pending'",
    )
    .bind(if paid { "paid" } else { "failed" })
    .bind(&note.transaction)
    .bind(paid.then_some(now))
    .bind(paid.then_some(now + purchase.validity_days * 86_400))
    .bind(&purchase.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved != 1 {
        // Another notification about a settled purchase (a second payment, a late one) changes nothing.
        return Err(ContractsError::NotificationReplayed.into());
    }
    if paid {
        quota::record_for_purchase(
            &mut tx,
            &purchase.enterprise_id,
            purchase.contracts,
            quota::PURCHASE,
            &purchase.id,
            "gateway",
            now,
        )
        .await?;
    }
    let event = AuditEvent::new(
        "gateway",
        if paid {
            "contracts.purchase.paid"
        } else {
            "contracts.purchase.failed"
        },
        format!("purchase:{}", purchase.id),
    )
    .change(
        serde_json::json!({"state": "pending"}),
        serde_json::json!({"state": if paid { "paid" } else { "failed" },
            "transaction": note.transaction, "amount_fen": note.amount_fen}),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    load(platform, &purchase.id).await
}

/// The sandbox pay page's buttons for a purchase: signs the notification a gateway would send
/// and settles it through the same path. Sandbox mode only; `Ok(None)` when the id is not a
/// purchase.
pub async fn sandbox_complete(
    platform: &Platform,
    payment_id: &str,
    paid: bool,
) -> Result<Option<QuotaPurchase>, CoreError> {
    let gateway = platform
        .sandbox_gateway
        .as_ref()
        .ok_or(PlatformError::NotFound)?;
    let Some(purchase) = load(platform, payment_id).await? else {
        return Ok(None);
    };
    let note = Notification {
        notify_id: uuid::Uuid::new_v4().to_string(),
        payment_id: purchase.id.clone(),
        amount_fen: purchase.amount_fen,
        result: if paid { "paid" } else { "failed" }.to_owned(),
        transaction: format!("SANDBOX{}", platform.random.digits(12)?),
    };
    let (body, signature) = gateway.sign(&note)?;
    let checked = platform
        .payments
        .verify(&body, &signature)
        .ok_or_else(|| CoreError::internal("sandbox notification did not verify"))?;
    settle(platform, &checked).await
}

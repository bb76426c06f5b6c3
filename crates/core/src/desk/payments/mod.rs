//! Paying for an order (APP-11): a payment is opened with the gateway (WeChat Pay or Alipay QR),
//! the gateway's signed notification settles it exactly once, and a paid order that is not yet
//! produced can be refunded. Amounts are integer fen throughout.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::DeskError;
use super::catalog::{self, InvoiceTiming};
use super::orders::{self, Change, Columns, Event, Note, Order, OrderState};
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::db::Tx;
use crate::platform::ids::Fen;
use crate::platform::jobs::{self, Handler, NewJob, RunningJob};
use crate::platform::machine::Machine as _;
use crate::platform::providers::{Notification, PaymentRequest};

mod status;

use status::PaymentChange;
pub use status::{PaymentEvent, PaymentStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Channel {
    Wechat,
    Alipay,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wechat => "wechat",
            Self::Alipay => "alipay",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    pub id: String,
    pub order_id: String,
    pub channel: String,
    pub amount_fen: Fen,
    /// `pending`, `paid`, `failed` or `refunded`.
    pub state: PaymentStatus,
    /// What the payer scans (the sandbox's pay page).
    pub code_url: Option<String>,
    pub paid_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<Payment, CoreError> {
    Ok(Payment {
        id: row.try_get("id")?,
        order_id: row.try_get("order_id")?,
        channel: row.try_get("channel")?,
        amount_fen: Fen::new(row.try_get("amount_fen")?),
        state: {
            let text: String = row.try_get("state")?;
            PaymentStatus::parse(&text)
                .ok_or_else(|| CoreError::internal(format!("payment state {text}")))?
        },
        code_url: None,
        paid_at: row.try_get("paid_at")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Opens a payment for what is left to pay: the order's price, or after a price rise the
/// difference to what was paid.
pub async fn create(
    platform: &Platform,
    order: &Order,
    channel: Channel,
) -> Result<Payment, CoreError> {
    order.check(Event::Paid)?;
    let now = platform.clock.now();
    let id = uuid::Uuid::new_v4().to_string();
    let product = catalog::product(platform, &order.product_id).await?;
    let amount = order.due_fen();
    let code = platform
        .payments
        .create(&PaymentRequest {
            payment_id: &id,
            channel: channel.as_str(),
            amount_fen: amount.get(),
            description: &product.name,
        })
        .await?;
    let mut tx = platform.db.begin().await?;
    sqlx::query(
        "INSERT INTO desk_payments (id, order_id, channel, amount_fen, state, created_at) \
         VALUES ($1, $2, $3, $4, 'pending', $5)",
    )
    .bind(&id)
    .bind(&order.id)
    .bind(channel.as_str())
    .bind(amount.get())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let event = crate::platform::audit::AuditEvent::new(
        format!("user:{}", order.user_id),
        "desk.payment.create",
        format!("order:{}", order.id),
    )
    .change(
        serde_json::Value::Null,
        serde_json::json!({"payment": id, "channel": channel.as_str(), "amount_fen": order.amount_fen.get()}),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(Payment {
        id,
        order_id: order.id.clone().into_string(),
        channel: channel.as_str().to_owned(),
        amount_fen: amount,
        state: PaymentStatus::Pending,
        code_url: Some(code.code_url),
        paid_at: None,
        created_at: now,
    })
}

pub async fn get(platform: &Platform, id: &str) -> Result<Payment, CoreError> {
    let row = sqlx::query(
        "SELECT id, order_id, channel, amount_fen, state, paid_at, created_at FROM desk_payments WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    from_row(&row)
}

pub async fn list(platform: &Platform, order_id: &str) -> Result<Vec<Payment>, CoreError> {
    let rows = sqlx::query(
        "SELECT id, order_id, channel, amount_fen, state, paid_at, created_at FROM desk_payments \
         WHERE order_id = $1 ORDER BY created_at DESC",
    )
    .bind(order_id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Settles a gateway notification: the signature must verify, the notification must be new, the
/// amount must match the payment. A successful payment moves the order on (and, for cloud
/// products with review done, produces at once).
pub async fn notify(
    platform: &Platform,
    body: &[u8],
    signature: &str,
) -> Result<Payment, CoreError> {
    let note: Notification = platform
        .payments
        .verify(body, signature)
        .ok_or(DeskError::BadNotification)?;
    settle(platform, note).await
}

/// [`notify`] for gateways that sign in several headers (WeChat Pay) or inside the body
/// (Alipay): `header` looks a request header up by its lower-case name.
pub async fn notify_request(
    platform: &Platform,
    body: &[u8],
    header: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<Payment, CoreError> {
    let note = platform
        .payments
        .verify_request(body, header)
        .ok_or(DeskError::BadNotification)?;
    settle(platform, note).await
}

async fn settle(platform: &Platform, note: Notification) -> Result<Payment, CoreError> {
    let payment = get(platform, &note.payment_id).await?;
    if note.amount_fen != payment.amount_fen.get() {
        return Err(DeskError::PaymentMismatch.into());
    }
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let fresh = sqlx::query(
        "INSERT INTO desk_payment_notifications (notify_id, payment_id, result, received_at) \
         SELECT $1, $2, $3, $4 WHERE NOT EXISTS \
         (SELECT 1 FROM desk_payment_notifications WHERE notify_id = $1)",
    )
    .bind(&note.notify_id)
    .bind(&payment.id)
    .bind(&note.result)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if fresh.rows_affected() != 1 {
        return Err(DeskError::NotificationReplayed.into());
    }
    if payment.state != PaymentStatus::Pending {
        // A second gateway notification about a settled payment (another notify id) changes nothing.
        return Err(DeskError::NotificationReplayed.into());
    }
    let paid = note.result == "paid";
    // Read before the payment moves: what the order still owed is the amount this one must pay.
    let order = orders::load_in(platform, &mut tx, &payment.order_id).await?;
    status::apply(
        &mut tx,
        &PaymentChange {
            id: &payment.id,
            from: payment.state,
            event: if paid {
                PaymentEvent::Settle
            } else {
                PaymentEvent::Fail
            },
            provider_ref: Some(&note.transaction),
            at: now,
        },
    )
    .await?
    .ok_or(DeskError::NotificationReplayed)?;
    let mut produce_now = false;
    let mut review_now = false;
    let mut invoice = false;
    if paid {
        if order.check(Event::Paid).is_err() || payment.amount_fen != order.due_fen() {
            // Paid after the order was cancelled (or paid twice, or a payment opened for an
            // amount the order no longer owes): the money goes back by itself.
            refund_later(&mut tx, &payment, now).await?;
            tx.commit().await?;
            tracing::info!(payment = %payment.id, order = %order.number, "late payment refunded");
            return get(platform, &payment.id).await;
        }
        let to = orders::apply(
            platform,
            &mut tx,
            &order,
            &Change::new(
                Event::Paid,
                "gateway",
                Note::Paid {
                    amount_fen: payment.amount_fen,
                    channel: payment.channel.clone(),
                },
                now,
            )
            .with(Columns {
                paid_at: Some(now),
                ..Columns::default()
            }),
        )
        .await?;
        produce_now = to == OrderState::AwaitingProduction;
        review_now = to == OrderState::AwaitingReview;
        // The invoice and a cloud order's issuance are jobs written with the payment.
        let product = catalog::product(platform, &order.product_id).await?;
        invoice =
            super::invoices::queue(&mut tx, now, &order, &product, InvoiceTiming::AfterPayment)
                .await?;
        if produce_now {
            super::production::queue_issuance(&mut tx, now, &order.id, &product).await?;
        }
    }
    tx.commit().await?;
    if review_now {
        super::review::approve_without_review(platform, &payment.order_id).await?;
    }
    if invoice {
        super::jobs::run_now(platform, &super::invoices::invoice_key(&payment.order_id)).await;
    }
    if produce_now {
        let order = orders::load(platform, &payment.order_id).await?;
        super::production::after_approval(platform, &order).await?;
    }
    get(platform, &payment.id).await
}

/// Refunds a paid order that has not been produced (APP-14), by staff or at the applicant's
/// request on a rejected order. The decision commits with the order's move; the gateway is
/// called by the outbox job it queues (keyed by the payment, so a second request or a repeated
/// job cannot refund twice).
pub async fn refund(platform: &Platform, order: &Order, actor: &str) -> Result<Order, CoreError> {
    order.check(Event::Refund)?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    // Every payment the order holds goes back (the price and, after an upgrade, the difference).
    let refunded = refund_all(&mut tx, &order.id, now).await?;
    if refunded.is_zero() {
        return Err(DeskError::NotPaid.into());
    }
    orders::apply(
        platform,
        &mut tx,
        order,
        &Change::new(
            Event::Refund,
            actor,
            Note::Refunded {
                amount_fen: refunded,
            },
            now,
        ),
    )
    .await?;
    super::notify::applicant(
        platform,
        &mut tx,
        order,
        "订单已退款",
        "已退款，款项将原路退回。",
    )
    .await?;
    tx.commit().await?;
    orders::load(platform, &order.id).await
}

/// Refunds, in `tx`, every paid payment of an order (each whole: a gateway refund is numbered
/// by its payment); the total. Of two concurrent refunds only one moves each payment; the other
/// finds it refunded and fails.
pub(crate) async fn refund_all(
    tx: &mut Tx,
    order_id: &str,
    now: Timestamp,
) -> Result<Fen, CoreError> {
    let rows = sqlx::query(
        "SELECT id, order_id, channel, amount_fen, state, paid_at, created_at FROM desk_payments \
         WHERE order_id = $1 AND state = 'paid' ORDER BY created_at",
    )
    .bind(order_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut total = Fen::ZERO;
    for row in &rows {
        let payment = from_row(row)?;
        refund_later(tx, &payment, now).await?;
        total = total
            .checked_add(payment.amount_fen)
            .ok_or_else(|| CoreError::internal("refund total overflows"))?;
    }
    Ok(total)
}

/// Marks a paid payment refunded and queues the gateway call, in `tx`.
async fn refund_later(tx: &mut Tx, payment: &Payment, now: Timestamp) -> Result<(), CoreError> {
    status::apply(
        tx,
        &PaymentChange {
            id: &payment.id,
            from: PaymentStatus::Paid,
            event: PaymentEvent::Refund,
            provider_ref: None,
            at: now,
        },
    )
    .await?
    .ok_or(DeskError::NotPaid)?;
    let job = NewJob::new(
        REFUND,
        format!("{REFUND}:{}", payment.id),
        serde_json::json!({
            "payment_id": payment.id,
            "channel": payment.channel,
            "amount_fen": payment.amount_fen.get(),
        }),
    );
    jobs::enqueue(tx, now, &job).await?;
    Ok(())
}

/// The job kind that returns a payment's money through the gateway.
pub const REFUND: &str = "desk.refund";

#[derive(Deserialize)]
struct RefundPayload {
    payment_id: String,
    channel: String,
    amount_fen: i64,
}

/// Calls the gateway's refund for a payment marked refunded. The payment id is the refund's
/// request number at the gateway, which refuses a second refund under the same number.
pub struct RefundHandler;

#[async_trait::async_trait]
impl Handler for RefundHandler {
    async fn run(&self, platform: &Platform, job: &RunningJob) -> Result<(), CoreError> {
        let payload: RefundPayload = serde_json::from_value(job.payload().clone())
            .map_err(|e| CoreError::internal(format!("refund job payload: {e}")))?;
        platform
            .payments
            .refund_on(&payload.channel, &payload.payment_id, payload.amount_fen)
            .await
    }
}

/// The sandbox pay page's button: builds and signs the notification a gateway would send, and
/// delivers it through the same path. Sandbox mode only.
pub async fn sandbox_complete(
    platform: &Platform,
    payment_id: &str,
    paid: bool,
) -> Result<Payment, CoreError> {
    let gateway = platform
        .sandbox_gateway
        .as_ref()
        .ok_or(PlatformError::NotFound)?;
    let payment = get(platform, payment_id).await?;
    let note = Notification {
        notify_id: uuid::Uuid::new_v4().to_string(),
        payment_id: payment.id.clone(),
        amount_fen: payment.amount_fen.get(),
        result: if paid { "paid" } else { "failed" }.to_owned(),
        transaction: format!("SANDBOX{}", platform.random.digits(12)?),
    };
    let (body, signature) = gateway.sign(&note)?;
    notify(platform, &body, &signature).await
}

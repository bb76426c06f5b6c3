//! E-invoices (APP-11): a PDF made when the product says (after payment or after shipment) by a
//! job (`desk.invoice`) the payment or the shipment writes in its own transaction, kept in the
//! blob store and emailed (through the outbox) to the address on the form.

use async_trait::async_trait;
use sqlx::Row as _;

use super::catalog::{InvoiceTiming, Product};
use super::orders::{self, Order};
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Clock as _;
use crate::platform::db::Tx;
use crate::platform::jobs::{Handler, NewJob, RunningJob};

/// The job that makes an order's invoice (payload `{"order_id": …}`, key [`invoice_key`]).
pub const INVOICE: &str = "desk.invoice";

/// One invoice per order.
pub fn invoice_key(order_id: &str) -> String {
    format!("{INVOICE}:{order_id}")
}

/// Writes, in the transaction of the payment or the shipment (`at`), the job making the order's
/// invoice when the applicant wants one and the product makes it then. Returns whether a job
/// was written (the caller runs it after its commit with [`super::jobs::run_now`]).
pub(crate) async fn queue(
    tx: &mut Tx,
    now: i64,
    order: &Order,
    product: &Product,
    at: InvoiceTiming,
) -> Result<bool, CoreError> {
    if product.settings.invoice != at || !order.form.invoice.wanted {
        return Ok(false);
    }
    crate::platform::jobs::enqueue(
        tx,
        now,
        &NewJob::new(
            INVOICE,
            invoice_key(&order.id),
            serde_json::json!({ "order_id": order.id }),
        )
        .at(now + super::production::INLINE_GRACE_SECONDS),
    )
    .await
}

/// Runs [`INVOICE`] jobs: the invoice row is the guard, so a second run makes nothing.
pub struct InvoiceHandler;

#[async_trait]
impl Handler for InvoiceHandler {
    async fn run(&self, platform: &Platform, job: &RunningJob) -> Result<(), CoreError> {
        let order_id = job.payload()["order_id"]
            .as_str()
            .ok_or_else(|| CoreError::internal("desk.invoice job without order_id"))?;
        let order = orders::load(platform, order_id).await?;
        let product = super::catalog::product(platform, &order.product_id).await?;
        issue(platform, &order, &product).await?;
        Ok(())
    }
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// Makes (once per order) the e-invoice PDF and emails it.
pub async fn issue(
    platform: &Platform,
    order: &Order,
    product: &Product,
) -> Result<String, CoreError> {
    if let Some(row) = sqlx::query("SELECT id FROM desk_invoices WHERE order_id = $1")
        .bind(&order.id)
        .fetch_optional(platform.db.pool())
        .await?
    {
        return Ok(row.try_get("id")?);
    }
    let invoice = &order.form.invoice;
    let now = platform.clock.now();
    let number = format!(
        "{}{}",
        &crate::platform::clock::rfc3339(now).replace('-', "")[..8],
        platform.random.digits(12)?
    );
    let doc = super::printouts::invoice(order, product, &number)?;
    let blob = platform.blobs.put(&doc).await?;
    let id = uuid::Uuid::new_v4().to_string();
    // The row and its e-mail commit together: the e-mail is an outbox job keyed by the invoice.
    let mut tx = platform.db.begin().await?;
    let written = sqlx::query(
        "INSERT INTO desk_invoices (id, order_id, blob, amount_fen, created_at) \
         SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM desk_invoices WHERE order_id = $2)",
    )
    .bind(&id)
    .bind(&order.id)
    .bind(&blob)
    .bind(order.amount_fen.get())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if written.rows_affected() != 1 {
        // Another request made the invoice first; its e-mail is already queued.
        tx.rollback().await?;
        let row = sqlx::query("SELECT id FROM desk_invoices WHERE order_id = $1")
            .bind(&order.id)
            .fetch_one(platform.db.pool())
            .await?;
        return Ok(row.try_get("id")?);
    }
    crate::platform::jobs::messages::email(
        platform,
        &mut tx,
        &format!("desk.invoice:{id}:email"),
        &invoice.email,
        &format!("电子发票：{}（订单 {}）", invoice.title, order.number),
        &format!(
            "您好：\n\n订单 {} 的电子发票已开具，金额 {} 元，发票号码 {number}。\n请登录 Signet，在订单详情中下载发票 PDF：{}\n\nSignet 数字证书服务",
            order.number,
            yuan(order.amount_fen.get()),
            // Absolute: the e-mail is read outside the site.
            platform.link(&format!("/orders/{}", order.id))
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The invoice PDF of an order, if one was made.
pub async fn pdf(platform: &Platform, order_id: &str) -> Result<Vec<u8>, CoreError> {
    let row = sqlx::query("SELECT blob FROM desk_invoices WHERE order_id = $1")
        .bind(order_id)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or(PlatformError::NotFound)?;
    platform.blobs.get(&row.try_get::<String, _>("blob")?).await
}

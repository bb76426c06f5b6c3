//! Invoices for quota bought: the invoiceable amount (paid purchases minus every invoice asked
//! for), the enterprise's invoice history, and a request for an e-invoice (普通发票: title, tax
//! number, e-mail; staff issue it and its PDF is e-mailed through the outbox) or a paper special
//! invoice (专用发票: the company's bank and address details and a mailing address, required;
//! staff issue it with the parcel's tracking number). A request reserves its amount at once, with
//! the enterprise's row locked, so requests racing cannot invoice more than was paid.

use serde::{Deserialize, Serialize};
use signet_pdf::document::{Block, TextDocument, render};
use sqlx::Row as _;

use super::scope;
use crate::Platform;
use crate::contracts::ContractsError;
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp, rfc3339};
use crate::platform::crypto::SealedAt;
use crate::platform::db::Backend;
use crate::platform::jobs::messages;
use crate::platform::mask;

/// What the administrator asks for.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaInvoiceRequest {
    /// `normal` (普通发票, e-mailed PDF) or `special` (专用发票, on paper by mail).
    pub kind: String,
    pub amount_fen: i64,
    pub title: String,
    pub tax_number: String,
    /// Where the e-invoice goes (`normal`).
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub bank: String,
    #[serde(default)]
    pub bank_account: String,
    #[serde(default)]
    pub company_address: String,
    #[serde(default)]
    pub company_phone: String,
    /// Where the paper invoice is mailed (`special`, required).
    #[serde(default)]
    pub mail_address: String,
    #[serde(default)]
    pub mail_recipient: String,
    #[serde(default)]
    pub mail_phone: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaInvoice {
    pub id: String,
    pub enterprise_id: String,
    pub kind: String,
    pub amount_fen: i64,
    pub title: String,
    pub tax_number: String,
    pub email: String,
    pub mail_address: String,
    pub mail_recipient: String,
    /// Masked in the enterprise's history; whole in the staff queue (they mail the invoice).
    pub mail_phone: String,
    /// `requested` or `issued`.
    pub state: String,
    pub number: Option<String>,
    pub tracking_number: Option<String>,
    pub created_at: Timestamp,
    pub issued_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, enterprise_id, kind, amount_fen, title, tax_number, email, \
    mail_address, mail_recipient, mail_phone, state, number, tracking_number, created_at, issued_at";

/// The columns that hold a person's contact details (the e-mail an e-invoice goes to; a paper
/// invoice's recipient, phone and address): sealed for their row, like every personal value.
const SEALED: [&str; 4] = ["email", "mail_address", "mail_recipient", "mail_phone"];

fn sealed_at<'a>(column: &'static str, invoice_id: &'a str) -> SealedAt<'a> {
    SealedAt::new("ec_invoices", column, invoice_id)
}

/// `text` sealed for its column and row; empty stays empty (a field the kind does not use).
fn seal(
    platform: &Platform,
    column: &'static str,
    invoice_id: &str,
    text: &str,
) -> Result<String, CoreError> {
    if text.is_empty() {
        return Ok(String::new());
    }
    platform.cipher.seal(sealed_at(column, invoice_id), text)
}

/// A sealed column opened; empty stays empty, and a value written in clear before the columns
/// were sealed is read as it is.
fn open(
    platform: &Platform,
    row: &sqlx::any::AnyRow,
    column: &'static str,
) -> Result<String, CoreError> {
    let value: String = row.try_get(column)?;
    if value.is_empty() || !value.starts_with("v2.") {
        return Ok(value);
    }
    let id: String = row.try_get("id")?;
    platform.cipher.open(sealed_at(column, &id), &value)
}

fn from_row(
    platform: &Platform,
    row: &sqlx::any::AnyRow,
    masked: bool,
) -> Result<QuotaInvoice, CoreError> {
    let phone = open(platform, row, "mail_phone")?;
    Ok(QuotaInvoice {
        id: row.try_get("id")?,
        enterprise_id: row.try_get("enterprise_id")?,
        kind: row.try_get("kind")?,
        amount_fen: row.try_get("amount_fen")?,
        title: row.try_get("title")?,
        tax_number: row.try_get("tax_number")?,
        email: open(platform, row, "email")?,
        mail_address: open(platform, row, "mail_address")?,
        mail_recipient: open(platform, row, "mail_recipient")?,
        mail_phone: if masked && !phone.is_empty() {
            mask::phone(&phone)
        } else {
            phone
        },
        state: row.try_get("state")?,
        number: row.try_get("number")?,
        tracking_number: row.try_get("tracking_number")?,
        created_at: row.try_get("created_at")?,
        issued_at: row.try_get("issued_at")?,
    })
}

fn refuse(field: &'static str, zh: &str, en: &str) -> CoreError {
    ContractsError::BillingInput {
        field,
        zh: zh.to_owned(),
        en: en.to_owned(),
    }
    .into()
}

fn filled(text: &str, max: usize) -> bool {
    let text = text.trim();
    !text.is_empty() && text.chars().count() <= max
}

/// Checks a request's fields (not yet its amount against what is invoiceable).
pub fn check(request: &QuotaInvoiceRequest) -> Result<(), CoreError> {
    if !matches!(request.kind.as_str(), "normal" | "special") {
        return Err(refuse(
            "kind",
            "发票类型只能是普通发票（normal）或专用发票（special）",
            "The invoice kind must be normal or special",
        ));
    }
    if request.amount_fen < 1 {
        return Err(refuse(
            "amount_fen",
            "开票金额须大于 0",
            "The amount must be more than zero",
        ));
    }
    if !filled(&request.title, 100) {
        return Err(refuse(
            "title",
            "请填写发票抬头（不超过 100 字）",
            "Enter the invoice title (at most 100 characters)",
        ));
    }
    let tax = request.tax_number.trim();
    if !(15..=20).contains(&tax.len()) || !tax.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(refuse(
            "tax_number",
            "纳税人识别号应为 15–20 位字母或数字",
            "The taxpayer number must be 15–20 letters or digits",
        ));
    }
    if request.kind == "normal" {
        let email = request.email.trim();
        if !filled(email, 200) || !email.contains('@') || email.starts_with('@') {
            return Err(refuse(
                "email",
                "请填写接收电子发票的邮箱",
                "Enter the e-mail address the e-invoice goes to",
            ));
        }
        return Ok(());
    }
    let required = [
        (
            "mail_address",
            &request.mail_address,
            "专用发票为纸质发票，须填写邮寄地址",
            "A special invoice is mailed on paper: the mailing address is required",
        ),
        (
            "mail_recipient",
            &request.mail_recipient,
            "请填写收件人",
            "Enter the recipient",
        ),
        (
            "mail_phone",
            &request.mail_phone,
            "请填写收件人电话",
            "Enter the recipient's phone",
        ),
        (
            "bank",
            &request.bank,
            "专用发票须填写开户行",
            "A special invoice needs the company's bank",
        ),
        (
            "bank_account",
            &request.bank_account,
            "专用发票须填写银行账号",
            "A special invoice needs the bank account",
        ),
        (
            "company_address",
            &request.company_address,
            "专用发票须填写注册地址",
            "A special invoice needs the registered address",
        ),
        (
            "company_phone",
            &request.company_phone,
            "专用发票须填写注册电话",
            "A special invoice needs the registered phone",
        ),
    ];
    for (field, value, zh, en) in required {
        if !filled(value, 200) {
            return Err(refuse(field, zh, en));
        }
    }
    Ok(())
}

/// Paid purchases minus every invoice asked for, in fen.
pub async fn invoiceable<'e, E>(executor: E, enterprise_id: &str) -> Result<i64, CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT CAST((SELECT COALESCE(SUM(amount_fen), 0) FROM ec_purchases \
           WHERE enterprise_id = $1 AND state = 'paid') \
         - (SELECT COALESCE(SUM(amount_fen), 0) FROM ec_invoices WHERE enterprise_id = $1) AS BIGINT) AS n",
    )
    .bind(enterprise_id)
    .fetch_one(executor)
    .await?;
    Ok(row.try_get("n")?)
}

/// Records a request (administrator), or refuses it with nothing written.
pub async fn request(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    input: &QuotaInvoiceRequest,
) -> Result<QuotaInvoice, CoreError> {
    scope(platform, enterprise_id, user_id).await?;
    check(input)?;
    let now = platform.clock.now();
    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = platform.db.begin().await?;
    let lock = match platform.db.backend() {
        Backend::Postgres => "SELECT id FROM ec_enterprises WHERE id = $1 FOR UPDATE",
        Backend::Sqlite => "SELECT id FROM ec_enterprises WHERE id = $1",
    };
    sqlx::query(lock)
        .bind(enterprise_id)
        .fetch_one(&mut *tx)
        .await?;
    let open = invoiceable(&mut *tx, enterprise_id).await?;
    if input.amount_fen > open {
        return Err(ContractsError::InvoiceOverAmount {
            asked: input.amount_fen,
            invoiceable: open,
        }
        .into());
    }
    let special = input.kind == "special";
    let keep = |text: &str, wanted: bool| {
        if wanted {
            text.trim().to_owned()
        } else {
            String::new()
        }
    };
    sqlx::query(
        "INSERT INTO ec_invoices (id, enterprise_id, kind, amount_fen, title, tax_number, email, bank, \
         bank_account, company_address, company_phone, mail_address, mail_recipient, mail_phone, state, \
         requested_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'requested', $15, $16)",
    )
    .bind(&id)
    .bind(enterprise_id)
    .bind(&input.kind)
    .bind(input.amount_fen)
    .bind(input.title.trim())
    .bind(input.tax_number.trim().to_ascii_uppercase())
    .bind(seal(platform, SEALED[0], &id, &keep(&input.email, !special))?)
    .bind(keep(&input.bank, special))
    .bind(keep(&input.bank_account, special))
    .bind(keep(&input.company_address, special))
    .bind(keep(&input.company_phone, special))
    .bind(seal(platform, SEALED[1], &id, &keep(&input.mail_address, special))?)
    .bind(seal(platform, SEALED[2], &id, &keep(&input.mail_recipient, special))?)
    .bind(seal(platform, SEALED[3], &id, &keep(&input.mail_phone, special))?)
    .bind(user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(
        format!("user:{user_id}"),
        "contracts.invoice.request",
        format!("invoice:{id}"),
    )
    .change(
        serde_json::Value::Null,
        serde_json::json!({"enterprise": enterprise_id, "kind": input.kind, "amount_fen": input.amount_fen}),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    one(platform, &id, true).await
}

async fn one(platform: &Platform, id: &str, masked: bool) -> Result<QuotaInvoice, CoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ec_invoices WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    from_row(platform, &row, masked)
}

/// The enterprise's invoices, newest first (administrator).
pub async fn list(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
) -> Result<Vec<QuotaInvoice>, CoreError> {
    scope(platform, enterprise_id, user_id).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ec_invoices WHERE enterprise_id = $1 ORDER BY created_at DESC, id LIMIT 500"
    )))
    .bind(enterprise_id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|row| from_row(platform, row, true))
        .collect()
}

/// The staff queue: invoices in `state` (`requested` by default), oldest first.
pub async fn queue(platform: &Platform, state: &str) -> Result<Vec<QuotaInvoice>, CoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ec_invoices WHERE state = $1 ORDER BY created_at, id LIMIT 500"
    )))
    .bind(state)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|row| from_row(platform, row, false))
        .collect()
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02} 元", fen / 100, fen % 100)
}

fn field(label: &str, value: impl Into<String>) -> Block {
    Block::Field {
        label: label.to_owned(),
        value: value.into(),
    }
}

fn pdf(invoice: &QuotaInvoice, number: &str) -> Result<Vec<u8>, CoreError> {
    let doc = TextDocument {
        title: "电子发票（普通发票）".into(),
        blocks: vec![
            field("发票号码", number),
            Block::Heading("购买方".into()),
            field("名称", invoice.title.clone()),
            field("纳税人识别号", invoice.tax_number.clone()),
            Block::Heading("项目".into()),
            field("货物或应税劳务名称", "*信息技术服务*电子合同签署服务"),
            field("价税合计", yuan(invoice.amount_fen)),
            field("销售方", "Signet 电子合同平台（示例）"),
        ],
    };
    render(&doc, None).map_err(|e| CoreError::internal(format!("pdf: {e}")))
}

/// Issues a requested invoice (staff): an e-invoice gets its PDF, kept in the blob store and
/// e-mailed through the outbox in the issuing transaction; a paper one needs the tracking number
/// of the parcel it went out in.
pub async fn issue(
    platform: &Platform,
    invoice_id: &str,
    staff_id: &str,
    tracking_number: Option<&str>,
) -> Result<QuotaInvoice, CoreError> {
    let invoice = one(platform, invoice_id, false).await?;
    if invoice.state != "requested" {
        return Err(ContractsError::InvoiceIssued.into());
    }
    let now = platform.clock.now();
    let number = format!(
        "{}{}",
        rfc3339(now).replace('-', "").get(..8).unwrap_or_default(),
        platform.random.digits(12)?
    );
    let special = invoice.kind == "special";
    let tracking = tracking_number.map(str::trim).unwrap_or_default();
    if special && !filled(tracking, 40) {
        return Err(refuse(
            "tracking_number",
            "纸质专用发票须填写快递单号",
            "A paper special invoice needs the parcel's tracking number",
        ));
    }
    let blob = if special {
        None
    } else {
        Some(platform.blobs.put(&pdf(&invoice, &number)?).await?)
    };
    let mut tx = platform.db.begin().await?;
    let moved = sqlx::query(
        "UPDATE ec_invoices SET state = 'issued', number = $1, blob = $2, tracking_number = $3, \
         issued_by = $4, issued_at = $5 WHERE id = $6 AND state = 'requested'",
    )
    .bind(&number)
    .bind(blob.as_deref())
    .bind(special.then_some(tracking))
    .bind(staff_id)
    .bind(now)
    .bind(invoice_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved != 1 {
        return Err(ContractsError::InvoiceIssued.into());
    }
    if !special {
        messages::email(
            platform,
            &mut tx,
            &format!("contracts.invoice:{invoice_id}:email"),
            &invoice.email,
            &format!("电子发票：{}", invoice.title),
            &format!(
                "您好：\n\n您申请的电子发票已开具，金额 {}，发票号码 {number}。\n请登录 Signet，在费用中心的发票记录中下载发票 PDF：{}\n\nSignet 电子合同平台",
                yuan(invoice.amount_fen),
                platform.link("/contracts/billing")
            ),
        )
        .await?;
    }
    let event = AuditEvent::new(
        format!("user:{staff_id}"),
        "contracts.invoice.issue",
        format!("invoice:{invoice_id}"),
    )
    .change(
        serde_json::json!({"state": "requested"}),
        serde_json::json!({"state": "issued", "number": number, "tracking_number": special.then_some(tracking)}),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    one(platform, invoice_id, false).await
}

/// An issued e-invoice's PDF (administrator of its enterprise).
pub async fn pdf_of(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    invoice_id: &str,
) -> Result<Vec<u8>, CoreError> {
    scope(platform, enterprise_id, user_id).await?;
    let blob: Option<String> =
        sqlx::query("SELECT blob FROM ec_invoices WHERE id = $1 AND enterprise_id = $2")
            .bind(invoice_id)
            .bind(enterprise_id)
            .fetch_optional(platform.db.pool())
            .await?
            .ok_or(PlatformError::NotFound)?
            .try_get("blob")?;
    platform
        .blobs
        .get(&blob.ok_or(PlatformError::NotFound)?)
        .await
}

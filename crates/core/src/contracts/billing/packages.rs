//! Packages of contract quota on the price list: staff set a name, how many contracts, the price
//! in fen, how many days a bought package stays valid, and whether it is on sale. A purchase
//! copies the package as it was sold, so later edits never change what was bought.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use crate::Platform;
use crate::contracts::ContractsError;
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaPackage {
    pub id: String,
    pub name: String,
    /// Contracts the package adds to the quota.
    pub contracts: i64,
    pub price_fen: i64,
    /// Days a bought package stays valid, from its payment.
    pub validity_days: i64,
    pub on_sale: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What staff enter for a package.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaPackageInput {
    pub name: String,
    pub contracts: i64,
    pub price_fen: i64,
    pub validity_days: i64,
    #[serde(default = "yes")]
    pub on_sale: bool,
}

fn yes() -> bool {
    true
}

const COLUMNS: &str =
    "id, name, contracts, price_fen, validity_days, on_sale, created_at, updated_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<QuotaPackage, CoreError> {
    Ok(QuotaPackage {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        contracts: row.try_get("contracts")?,
        price_fen: row.try_get("price_fen")?,
        validity_days: row.try_get("validity_days")?,
        on_sale: row.try_get::<i64, _>("on_sale")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
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

/// Checks a package's fields: a name of 1–40 characters, 1–1,000,000 contracts, a price of
/// 0.01–1,000,000 yuan, a validity of 1–3,650 days.
pub fn check(input: &QuotaPackageInput) -> Result<(), CoreError> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(refuse(
            "name",
            "套餐名称须为 1–40 个字",
            "The package name must be 1–40 characters",
        ));
    }
    if !(1..=1_000_000).contains(&input.contracts) {
        return Err(refuse(
            "contracts",
            "合同份数须在 1 到 1,000,000 之间",
            "The contract count must be between 1 and 1,000,000",
        ));
    }
    if !(1..=100_000_000).contains(&input.price_fen) {
        return Err(refuse(
            "price_fen",
            "价格须在 0.01 元到 1,000,000 元之间",
            "The price must be between 0.01 and 1,000,000 yuan",
        ));
    }
    if !(1..=3650).contains(&input.validity_days) {
        return Err(refuse(
            "validity_days",
            "有效期须在 1 到 3650 天之间",
            "The validity must be between 1 and 3650 days",
        ));
    }
    Ok(())
}

/// Every package (staff), newest first; or only those on sale (buyers), cheapest first.
pub async fn list(platform: &Platform, on_sale_only: bool) -> Result<Vec<QuotaPackage>, CoreError> {
    let sql = if on_sale_only {
        format!("SELECT {COLUMNS} FROM ec_packages WHERE on_sale = 1 ORDER BY price_fen, id")
    } else {
        format!("SELECT {COLUMNS} FROM ec_packages ORDER BY created_at DESC, id")
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(platform.db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(platform: &Platform, id: &str) -> Result<QuotaPackage, CoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ec_packages WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    from_row(&row)
}

/// Adds a package (staff), audited.
pub async fn create(
    platform: &Platform,
    input: &QuotaPackageInput,
    actor: &str,
) -> Result<QuotaPackage, CoreError> {
    check(input)?;
    let now = platform.clock.now();
    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = platform.db.begin().await?;
    sqlx::query(
        "INSERT INTO ec_packages (id, name, contracts, price_fen, validity_days, on_sale, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(input.name.trim())
    .bind(input.contracts)
    .bind(input.price_fen)
    .bind(input.validity_days)
    .bind(i64::from(input.on_sale))
    .bind(actor)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(actor, "contracts.package.create", format!("package:{id}"))
        .change(serde_json::Value::Null, audit_value(input));
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    get(platform, &id).await
}

/// Changes a package (staff), audited with the old and new values.
pub async fn update(
    platform: &Platform,
    id: &str,
    input: &QuotaPackageInput,
    actor: &str,
) -> Result<QuotaPackage, CoreError> {
    check(input)?;
    let before = get(platform, id).await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    sqlx::query(
        "UPDATE ec_packages SET name = $1, contracts = $2, price_fen = $3, validity_days = $4, \
         on_sale = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(input.name.trim())
    .bind(input.contracts)
    .bind(input.price_fen)
    .bind(input.validity_days)
    .bind(i64::from(input.on_sale))
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(
        actor,
        "contracts.package.update",
        format!("package:{id}"),
    )
    .change(
        serde_json::json!({"name": before.name, "contracts": before.contracts,
            "price_fen": before.price_fen, "validity_days": before.validity_days, "on_sale": before.on_sale}),
        audit_value(input),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    get(platform, id).await
}

fn audit_value(input: &QuotaPackageInput) -> serde_json::Value {
    serde_json::json!({"name": input.name.trim(), "contracts": input.contracts,
        "price_fen": input.price_fen, "validity_days": input.validity_days, "on_sale": input.on_sale})
}

/// The demo price list (`signet init --demo`), written once.
pub async fn seed_demo(platform: &Platform) -> Result<(), CoreError> {
    let any = sqlx::query("SELECT 1 AS one FROM ec_packages")
        .fetch_optional(platform.db.pool())
        .await?
        .is_some();
    if any {
        return Ok(());
    }
    for (name, contracts, price_fen, validity_days) in [
        ("体验包 10 份", 10, 5_000, 30),
        ("标准包 100 份", 100, 40_000, 365),
        ("企业包 1000 份", 1000, 300_000, 730),
    ] {
        let input = QuotaPackageInput {
            name: name.into(),
            contracts,
            price_fen,
            validity_days,
            on_sale: true,
        };
        create(platform, &input, "system:demo").await?;
    }
    Ok(())
}

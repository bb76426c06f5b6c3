//! What an enterprise's desk order finishing means for the enterprise. The desk knows nothing of
//! contracts: it queues a `desk.order_settled` job whenever an order completes, is cancelled or
//! refunded (`crate::desk::ORDER_SETTLED`), and this wing's handler reads the order and moves the
//! enterprise: completed → `certified` (the applicant its one administrator, the order's
//! certificate its signing certificate, the platform's business types copied); cancelled or
//! refunded → `withdrawn` (or back to `recertifying` after a rename). Idempotent: a repeated job,
//! or the withdraw request that already did it, changes nothing the second time. An
//! administrator claim's order makes its claimant the administrator (`members::claims`).

use async_trait::async_trait;
use sqlx::Row as _;

use crate::Platform;
use crate::desk::OrderState;
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;
use crate::platform::db::Tx;
use crate::platform::jobs::{Handler, RunningJob, messages};

/// The platform's business types (code, name, English name, fields every template must place).
pub const BUSINESS_TYPES: [(&str, &str, &str, &[&str]); 4] = [
    (
        "labour",
        "劳动合同",
        "Labour contract",
        &[
            "姓名",
            "身份证号",
            "岗位",
            "月工资",
            "合同开始日期",
            "合同结束日期",
        ],
    ),
    ("dispatch", "劳务派遣合同", "Labour dispatch contract", &[]),
    ("service", "劳务合同", "Service contract", &[]),
    ("other", "其他", "Other", &[]),
];

/// The handler of the desk's order-settled jobs.
pub struct OrderSettled;

#[async_trait]
impl Handler for OrderSettled {
    async fn run(&self, platform: &Platform, job: &RunningJob) -> Result<(), CoreError> {
        let order_id = job
            .payload()
            .get("order_id")
            .and_then(|v| v.as_str())
            .ok_or_else(|| CoreError::internal("order-settled job without order_id"))?
            .to_owned();
        order_settled(platform, &order_id).await
    }
}

/// Copies the platform's business types into the enterprise (those it has stay as they are).
async fn copy_business_types(
    platform: &Platform,
    tx: &mut Tx,
    enterprise_id: &str,
) -> Result<(), CoreError> {
    let now = platform.clock.now();
    for (code, name, name_en, fields) in BUSINESS_TYPES {
        let required =
            serde_json::to_string(fields).map_err(|e| CoreError::internal(format!("json: {e}")))?;
        sqlx::query(
            "INSERT INTO ec_business_types (id, enterprise_id, code, name, name_en, required_fields, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7) ON CONFLICT (enterprise_id, code) DO NOTHING",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(enterprise_id)
        .bind(code)
        .bind(name)
        .bind(name_en)
        .bind(required)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Moves the enterprise whose current order is `order_id` after the order finished; an
/// administrator claim's order goes to [`super::members::claims::settle`].
pub async fn order_settled(platform: &Platform, order_id: &str) -> Result<(), CoreError> {
    if super::members::claims::settle(platform, order_id).await? {
        return Ok(());
    }
    let Some(row) = sqlx::query(
        "SELECT id, name, credit_code, applicant_user_id, state FROM ec_enterprises WHERE order_id = $1",
    )
    .bind(order_id)
    .fetch_optional(platform.db.pool())
    .await?
    else {
        return Ok(());
    };
    let id: String = row.try_get("id")?;
    let order = crate::desk::load_order(platform, order_id).await?;
    let now = platform.clock.now();
    match order.state {
        OrderState::Completed => certify(platform, &row, &order).await?,
        OrderState::Cancelled | OrderState::Refunded => {
            let mut tx = platform.db.begin().await?;
            let moved = sqlx::query(
                "UPDATE ec_enterprises SET state = CASE WHEN certified_at IS NULL THEN 'withdrawn' \
                 ELSE 'recertifying' END, updated_at = $1 \
                 WHERE id = $2 AND order_id = $3 AND state = 'certifying'",
            )
            .bind(now)
            .bind(&id)
            .bind(order_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved > 0 {
                let event = AuditEvent::new(
                    format!("order:{order_id}"),
                    "contracts.enterprise.withdrawn",
                    format!("enterprise:{id}"),
                )
                .change(
                    serde_json::json!({ "state": "certifying" }),
                    serde_json::json!({ "order_state": order.state.as_str() }),
                );
                platform.audit.append(&mut tx, now, &event).await?;
            }
            tx.commit().await?;
        }
        _ => {}
    }
    Ok(())
}

/// The order completed: the enterprise is certified (once), its applicant the one administrator.
async fn certify(
    platform: &Platform,
    row: &sqlx::any::AnyRow,
    order: &crate::desk::Order,
) -> Result<(), CoreError> {
    let id: String = row.try_get("id")?;
    let order_id = order.id.as_str();
    let now = platform.clock.now();
    let name: String = row.try_get("name")?;
    let code: String = row.try_get("credit_code")?;
    // The certificate must name this enterprise: a form edited to another company in
    // the wizard certifies nothing here.
    let named = order
        .form
        .organisation
        .as_ref()
        .is_some_and(|o| o.id_number == code && o.name == name);
    if !named {
        tracing::warn!(enterprise = %id, order = %order_id, "certification order names another organisation");
        return Ok(());
    }
    let applicant: String = row.try_get("applicant_user_id")?;
    let mut tx = platform.db.begin().await?;
    let moved = sqlx::query(
        "UPDATE ec_enterprises SET state = 'certified', certificate_serial = $1, \
         certified_at = $2, updated_at = $2 \
         WHERE id = $3 AND order_id = $4 AND state IN ('certifying', 'recertifying')",
    )
    .bind(order.certificate_serial.clone())
    .bind(now)
    .bind(&id)
    .bind(order_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved == 0 {
        return Ok(());
    }
    let has_admin = sqlx::query(
        "SELECT 1 AS one FROM ec_members WHERE enterprise_id = $1 AND role = 'admin' AND state = 'active'",
    )
    .bind(&id)
    .fetch_optional(&mut *tx)
    .await?
    .is_some();
    if !has_admin {
        sqlx::query(
            "INSERT INTO ec_members (enterprise_id, user_id, role, state, decided_at, created_at, updated_at) \
             VALUES ($1, $2, 'admin', 'active', $3, $3, $3) \
             ON CONFLICT (enterprise_id, user_id) DO UPDATE SET role = 'admin', state = 'active', updated_at = $3",
        )
        .bind(&id)
        .bind(&applicant)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    copy_business_types(platform, &mut tx, &id).await?;
    let event = AuditEvent::new(
        format!("order:{order_id}"),
        "contracts.enterprise.certified",
        format!("enterprise:{id}"),
    )
    .change(
        serde_json::json!({ "state": row.try_get::<String, _>("state")? }),
        serde_json::json!({ "state": "certified", "certificate": order.certificate_serial, "admin": applicant }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    if let Some(person) = order.form.person.as_ref() {
        messages::sms(
            platform,
            &mut tx,
            &format!("contracts.certified:{id}:{order_id}:sms"),
            &person.phone,
            &format!(
                "【Signet】企业“{name}”已完成认证，您是该企业的管理员。登录后可切换到企业空间。"
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

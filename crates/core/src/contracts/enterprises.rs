//! Enterprise certification (ES-2, §2.2.3, §2.9.3.1): a real-named person applies for an
//! enterprise; the application is a desk order for the e-contract enterprise product the
//! settings name (the desk's wizard does the paperless checks, preview, authorisation code,
//! uploads and the SMS-signed application). The enterprise is `certifying` until the order
//! completes ([`super::settle`]); withdrawing cancels the order unless it was paid or approved.

use serde::{Deserialize, Serialize};
use signet_pki::ids::CreditCode;
use sqlx::Row as _;

use super::{ContractsError, access, persons, settings};
use crate::Platform;
use crate::desk::{ApplicationForm, Order, OrderState, Organisation, Person};
use crate::desk::{Business, Medium, Product};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::crypto::SealedAt;

/// What the applicant enters first (§2.2.3 "完善企业信息"); the rest is the desk's wizard.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertifyInput {
    pub name: String,
    /// The unified social credit code (统一社会信用代码).
    pub credit_code: String,
    pub legal_rep_name: String,
    pub legal_rep_id_number: String,
    pub legal_rep_phone: String,
}

/// An enterprise as its applicant and members see it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnterpriseView {
    pub id: String,
    pub name: String,
    pub credit_code: String,
    pub legal_rep_name_masked: String,
    /// `certifying`, `certified`, `withdrawn` or `recertifying`.
    pub state: String,
    /// 认证中 / 已认证 / 已撤销 / 待重新认证.
    pub state_label: String,
    /// `cloud` or `ukey`.
    pub medium: String,
    /// The certification order on the desk (open while certifying), its state and label.
    pub order_id: Option<String>,
    pub order_number: Option<String>,
    pub order_state: Option<OrderState>,
    pub order_state_label: Option<String>,
    pub certificate_serial: Option<String>,
    pub certified_at: Option<Timestamp>,
    /// The caller's role when an active member: `admin`, `delegate` or `member`.
    pub role: Option<String>,
    /// What the caller may do: `continue`, `withdraw`, `recertify`, `change`.
    pub actions: Vec<&'static str>,
    pub created_at: Timestamp,
}

/// The Chinese label of an enterprise state.
pub fn state_label(state: &str) -> &'static str {
    match state {
        "certifying" => "认证中",
        "certified" => "已认证",
        "withdrawn" => "已撤销",
        "recertifying" => "待重新认证",
        _ => "未知",
    }
}

pub(crate) fn legal_rep_sealed_at(id: &str) -> SealedAt<'_> {
    SealedAt::new("ec_enterprises", "legal_rep_name_sealed", id)
}

fn invalid(field: &'static str, zh: &'static str, en: &'static str) -> CoreError {
    PlatformError::Invalid { field, zh, en }.into()
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(e) => {
            e.is_unique_violation()
                || e.message().contains("UNIQUE")
                || e.message().contains("duplicate key")
        }
        _ => false,
    }
}

/// The enterprise row as stored.
#[derive(Debug, Clone)]
pub struct Enterprise {
    pub id: String,
    pub name: String,
    pub credit_code: String,
    pub legal_rep_name_masked: String,
    pub state: String,
    pub applicant_user_id: String,
    pub order_id: Option<String>,
    pub certificate_serial: Option<String>,
    pub medium: String,
    pub certified_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

const COLUMNS: &str = "id, name, credit_code, legal_rep_name_masked, state, applicant_user_id, \
    order_id, certificate_serial, medium, certified_at, created_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Enterprise, CoreError> {
    Ok(Enterprise {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        credit_code: row.try_get("credit_code")?,
        legal_rep_name_masked: row.try_get("legal_rep_name_masked")?,
        state: row.try_get("state")?,
        applicant_user_id: row.try_get("applicant_user_id")?,
        order_id: row.try_get("order_id")?,
        certificate_serial: row.try_get("certificate_serial")?,
        medium: row.try_get("medium")?,
        certified_at: row.try_get("certified_at")?,
        created_at: row.try_get("created_at")?,
    })
}

/// An enterprise by id, whoever asks (jobs, and callers that checked access).
pub async fn load(platform: &Platform, id: &str) -> Result<Enterprise, CoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ec_enterprises WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    from_row(&row)
}

/// The enterprise when the caller applied for it or is an active member; `NotFound` otherwise.
pub async fn visible(
    platform: &Platform,
    user_id: &str,
    id: &str,
) -> Result<(Enterprise, Option<access::Role>), CoreError> {
    let enterprise = load(platform, id).await?;
    let role = match access::membership(platform.db.pool(), id, user_id).await {
        Ok(found) => Some(found.role),
        Err(CoreError::Platform(PlatformError::NotFound)) => None,
        Err(e) => return Err(e),
    };
    if role.is_none() && enterprise.applicant_user_id != user_id {
        return Err(PlatformError::NotFound.into());
    }
    Ok((enterprise, role))
}

/// Whether an order was paid or approved: then it can no longer be withdrawn (§2.2.3.2).
pub(crate) fn withdraw_block(order: &Order) -> Option<&'static str> {
    if order.paid_fen.get() > 0 {
        return Some("paid");
    }
    let approved = matches!(
        order.state,
        OrderState::AwaitingProduction
            | OrderState::AwaitingDelivery
            | OrderState::AwaitingDownload
            | OrderState::AwaitingUpdate
            | OrderState::AwaitingRecovery
            | OrderState::AwaitingUnlock
            | OrderState::Completed
    ) || (order.state == OrderState::AwaitingPayment && order.review_first);
    approved.then_some("approved")
}

/// The view of `enterprise` for `user_id`.
pub async fn view(
    platform: &Platform,
    enterprise: &Enterprise,
    user_id: &str,
    role: Option<access::Role>,
) -> Result<EnterpriseView, CoreError> {
    let order = match &enterprise.order_id {
        Some(id) => Some(crate::desk::load_order(platform, id).await?),
        None => None,
    };
    let open = order.as_ref().filter(|o| !o.state.is_finished());
    let applicant = enterprise.applicant_user_id == user_id;
    let admin = role == Some(access::Role::Admin);
    let mut actions = Vec::new();
    let busy = matches!(enterprise.state.as_str(), "certifying" | "recertifying");
    if busy && open.is_some() && (applicant || admin) {
        actions.push("continue");
        if open.is_some_and(|o| withdraw_block(o).is_none()) {
            actions.push("withdraw");
        }
    }
    if enterprise.state == "recertifying" && open.is_none() && admin {
        actions.push("recertify");
    }
    if enterprise.state == "certified" && admin {
        actions.push("change");
    }
    Ok(EnterpriseView {
        id: enterprise.id.clone(),
        name: enterprise.name.clone(),
        credit_code: enterprise.credit_code.clone(),
        legal_rep_name_masked: enterprise.legal_rep_name_masked.clone(),
        state: enterprise.state.clone(),
        state_label: state_label(&enterprise.state).to_owned(),
        medium: enterprise.medium.clone(),
        order_id: enterprise.order_id.clone(),
        order_number: order.as_ref().map(|o| o.number.clone()),
        order_state: order.as_ref().map(|o| o.state),
        order_state_label: order.as_ref().map(|o| o.state.label().to_owned()),
        certificate_serial: enterprise.certificate_serial.clone(),
        certified_at: enterprise.certified_at,
        role: role.map(|r| r.as_str().to_owned()),
        actions,
        created_at: enterprise.created_at,
    })
}

/// The enterprise product enterprises certify with now (a system setting).
async fn product(platform: &Platform) -> Result<Product, CoreError> {
    let code = settings::get(platform, settings::ENTERPRISE_PRODUCT).await?;
    crate::desk::project_by_code(platform, settings::PROJECT)
        .await?
        .products
        .into_iter()
        .find(|p| p.code == code && p.active)
        .ok_or_else(|| CoreError::internal(format!("e-contract product {code} missing")))
}

/// Opens the desk order of a (re)certification, its form prefilled with the enterprise and the
/// applicant as operator. A form the desk refuses cancels the order again.
async fn open_order(
    platform: &Platform,
    user_id: &str,
    organisation: Organisation,
) -> Result<(Order, Product), CoreError> {
    let product = product(platform).await?;
    let order = crate::desk::create_order(platform, user_id, &product.id, Business::New).await?;
    let (name, id_number) = persons::identity(platform, user_id).await?;
    let user = crate::platform::accounts::find_by_id(platform, user_id)
        .await?
        .ok_or(PlatformError::NotSignedIn)?;
    let form = ApplicationForm {
        organisation: Some(organisation),
        person: Some(Person {
            name,
            id_number,
            phone: user.phone.clone(),
            email: user.email.clone().unwrap_or_default(),
            ..Person::default()
        }),
        ..order.form.clone()
    };
    let actor = format!("user:{user_id}");
    match crate::desk::save_order_form(platform, &order, form, &actor).await {
        Ok(order) => Ok((order, product)),
        Err(error) => {
            crate::desk::cancel_order(platform, &order, &actor).await?;
            Err(error)
        }
    }
}

/// Applies for an enterprise: validates, opens the desk order and writes the enterprise in
/// `certifying`. A credit code certified or being certified by someone else is refused (the
/// unique credit code decides between simultaneous applicants; the losers' orders are cancelled).
pub async fn apply(
    platform: &Platform,
    user_id: &str,
    input: &CertifyInput,
) -> Result<EnterpriseView, CoreError> {
    access::require_real_name(platform.db.pool(), user_id).await?;
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid(
            "name",
            "请填写企业名称（不超过 100 字）",
            "Give the enterprise's name (at most 100 characters)",
        ));
    }
    let code = CreditCode::parse(&crate::desk::strip_spaces(&input.credit_code))
        .map_err(|_| ContractsError::CreditCodeInvalid)?;
    let legal_rep = input.legal_rep_name.trim().to_owned();
    if legal_rep.is_empty() || legal_rep.chars().count() > 50 {
        return Err(invalid(
            "legal_rep_name",
            "请填写法定代表人姓名",
            "Give the legal representative's name",
        ));
    }
    refuse_taken(platform, user_id, code.as_str()).await?;
    let (order, product) = open_order(
        platform,
        user_id,
        Organisation {
            name: name.clone(),
            id_number: code.as_str().to_owned(),
            legal_rep_name: legal_rep.clone(),
            legal_rep_id_number: input.legal_rep_id_number.clone(),
            legal_rep_phone: input.legal_rep_phone.clone(),
            unique_identifier: String::new(),
        },
    )
    .await?;
    let medium = if product.settings.medium == Medium::Cloud {
        "cloud"
    } else {
        "ukey"
    };
    let claimed = claim(
        platform,
        user_id,
        &Claim {
            name: &name,
            code: code.as_str(),
            legal_rep: &legal_rep,
            order_id: &order.id,
            medium,
        },
    )
    .await;
    let id = match claimed {
        Ok(id) => id,
        Err(error) => {
            let actor = format!("user:{user_id}");
            crate::desk::cancel_order(platform, &order, &actor).await?;
            return Err(error);
        }
    };
    let (enterprise, role) = visible(platform, user_id, &id).await?;
    view(platform, &enterprise, user_id, role).await
}

/// Refuses a code that is certified or being certified (by the caller: continue it instead).
async fn refuse_taken(platform: &Platform, user_id: &str, code: &str) -> Result<(), CoreError> {
    let row =
        sqlx::query("SELECT state, applicant_user_id FROM ec_enterprises WHERE credit_code = $1")
            .bind(code)
            .fetch_optional(platform.db.pool())
            .await?;
    let Some(row) = row else { return Ok(()) };
    let state: String = row.try_get("state")?;
    if state == "withdrawn" {
        return Ok(());
    }
    let applicant: String = row.try_get("applicant_user_id")?;
    if applicant == user_id && state == "certifying" {
        return Err(ContractsError::CertificationOpen.into());
    }
    Err(ContractsError::CreditCodeTaken.into())
}

struct Claim<'a> {
    name: &'a str,
    code: &'a str,
    legal_rep: &'a str,
    order_id: &'a str,
    medium: &'a str,
}

/// Takes the credit code for the caller in one transaction: a withdrawn application's row is
/// reused, otherwise a new row is inserted; whoever loses a race gets `CreditCodeTaken`.
async fn claim(platform: &Platform, user_id: &str, claim: &Claim<'_>) -> Result<String, CoreError> {
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let reused =
        sqlx::query("SELECT id FROM ec_enterprises WHERE credit_code = $1 AND state = 'withdrawn'")
            .bind(claim.code)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| row.try_get::<String, _>("id"))
            .transpose()?;
    let id = reused
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let sealed = platform
        .cipher
        .seal(legal_rep_sealed_at(&id), claim.legal_rep)?;
    let masked = persons::mask_name(claim.legal_rep);
    let written = if reused.is_some() {
        sqlx::query(
            "UPDATE ec_enterprises SET name = $1, legal_rep_name_sealed = $2, legal_rep_name_masked = $3, \
             state = 'certifying', applicant_user_id = $4, order_id = $5, medium = $6, updated_at = $7 \
             WHERE id = $8 AND state = 'withdrawn'",
        )
        .bind(claim.name)
        .bind(&sealed)
        .bind(&masked)
        .bind(user_id)
        .bind(claim.order_id)
        .bind(claim.medium)
        .bind(now)
        .bind(&id)
        .execute(&mut *tx)
        .await
        .map(|done| done.rows_affected())
    } else {
        sqlx::query(
            "INSERT INTO ec_enterprises (id, name, credit_code, legal_rep_name_sealed, legal_rep_name_masked, \
             state, applicant_user_id, order_id, medium, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'certifying', $6, $7, $8, $9, $9)",
        )
        .bind(&id)
        .bind(claim.name)
        .bind(claim.code)
        .bind(&sealed)
        .bind(&masked)
        .bind(user_id)
        .bind(claim.order_id)
        .bind(claim.medium)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map(|done| done.rows_affected())
    };
    match written {
        Ok(1) => {}
        Ok(_) => return Err(ContractsError::CreditCodeTaken.into()),
        Err(e) if is_unique_violation(&e) => return Err(ContractsError::CreditCodeTaken.into()),
        Err(e) => return Err(e.into()),
    }
    record_order(&mut tx, &id, claim.order_id, "certify", user_id, now).await?;
    let event = AuditEvent::new(
        format!("user:{user_id}"),
        "contracts.enterprise.apply",
        format!("enterprise:{id}"),
    )
    .change(
        serde_json::Value::Null,
        serde_json::json!({ "name": claim.name, "credit_code": claim.code, "order": claim.order_id }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(id)
}

/// Links a desk order to the enterprise (§2.7.5 lists them).
pub(crate) async fn record_order(
    tx: &mut crate::platform::db::Tx,
    enterprise_id: &str,
    order_id: &str,
    purpose: &str,
    user_id: &str,
    now: Timestamp,
) -> Result<(), CoreError> {
    sqlx::query(
        "INSERT INTO ec_enterprise_orders (order_id, enterprise_id, purpose, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(order_id)
    .bind(enterprise_id)
    .bind(purpose)
    .bind(user_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// "My enterprises — certified by me" (§2.9.3.1): what the caller applied for (withdrawn ones
/// are cleared from the list) and what the caller administers.
pub async fn mine(platform: &Platform, user_id: &str) -> Result<Vec<EnterpriseView>, CoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ec_enterprises e WHERE (e.applicant_user_id = $1 AND e.state <> 'withdrawn') \
         OR EXISTS (SELECT 1 FROM ec_members m WHERE m.enterprise_id = e.id AND m.user_id = $1 \
                    AND m.role = 'admin' AND m.state = 'active') ORDER BY e.created_at DESC, e.id"
    )))
    .bind(user_id)
    .fetch_all(platform.db.pool())
    .await?;
    let mut out = Vec::new();
    for row in &rows {
        let enterprise = from_row(row)?;
        let role = match access::membership(platform.db.pool(), &enterprise.id, user_id).await {
            Ok(found) => Some(found.role),
            Err(CoreError::Platform(PlatformError::NotFound)) => None,
            Err(e) => return Err(e),
        };
        out.push(view(platform, &enterprise, user_id, role).await?);
    }
    Ok(out)
}

/// Withdraws an open (re)certification: the desk order is cancelled (the desk refuses a paid or
/// approved one, and so does this check first, with the reason); a first certification is then
/// `withdrawn`, a re-certification goes back to waiting for a restart.
pub async fn withdraw(
    platform: &Platform,
    user_id: &str,
    id: &str,
) -> Result<EnterpriseView, CoreError> {
    let (enterprise, role) = visible(platform, user_id, id).await?;
    if enterprise.applicant_user_id != user_id && role != Some(access::Role::Admin) {
        return Err(PlatformError::NotFound.into());
    }
    let order = match (&enterprise.order_id, enterprise.state.as_str()) {
        (Some(order_id), "certifying" | "recertifying") => {
            crate::desk::load_order(platform, order_id).await?
        }
        _ => return Err(ContractsError::EnterpriseState(enterprise.state.clone()).into()),
    };
    if order.state.is_finished() {
        return Err(ContractsError::EnterpriseState(enterprise.state.clone()).into());
    }
    if let Some(why) = withdraw_block(&order) {
        return Err(ContractsError::WithdrawRefused(why).into());
    }
    crate::desk::cancel_order(platform, &order, &format!("user:{user_id}")).await?;
    super::settle::order_settled(platform, &order.id).await?;
    let (enterprise, role) = visible(platform, user_id, id).await?;
    view(platform, &enterprise, user_id, role).await
}

/// Starts certification again after a rename (§2.9.3.1 c): a new desk order under the new name;
/// the administrator only.
pub async fn recertify(
    platform: &Platform,
    user_id: &str,
    id: &str,
) -> Result<EnterpriseView, CoreError> {
    let (enterprise, role) = visible(platform, user_id, id).await?;
    if role != Some(access::Role::Admin) {
        return Err(PlatformError::NotFound.into());
    }
    let open = match &enterprise.order_id {
        Some(order_id) => !crate::desk::load_order(platform, order_id)
            .await?
            .state
            .is_finished(),
        None => false,
    };
    if enterprise.state != "recertifying" || open {
        return Err(ContractsError::EnterpriseState(enterprise.state.clone()).into());
    }
    let legal_rep: String =
        sqlx::query("SELECT legal_rep_name_sealed FROM ec_enterprises WHERE id = $1")
            .bind(id)
            .fetch_one(platform.db.pool())
            .await?
            .try_get("legal_rep_name_sealed")?;
    let legal_rep = platform.cipher.open(legal_rep_sealed_at(id), &legal_rep)?;
    let (order, _) = open_order(
        platform,
        user_id,
        Organisation {
            name: enterprise.name.clone(),
            id_number: enterprise.credit_code.clone(),
            legal_rep_name: legal_rep,
            ..Organisation::default()
        },
    )
    .await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    sqlx::query("UPDATE ec_enterprises SET order_id = $1, updated_at = $2 WHERE id = $3")
        .bind(&order.id)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    record_order(&mut tx, id, &order.id, "recertify", user_id, now).await?;
    let event = AuditEvent::new(
        format!("user:{user_id}"),
        "contracts.enterprise.recertify",
        format!("enterprise:{id}"),
    )
    .change(
        serde_json::Value::Null,
        serde_json::json!({ "order": order.id }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    let (enterprise, role) = visible(platform, user_id, id).await?;
    view(platform, &enterprise, user_id, role).await
}

//! The one writer of new `ec_employees` rows and of their form links, and the two ways a row is
//! read: masked for lists, opened for the detail.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::EmployeeState;
use crate::Platform;
use crate::contracts::ContractsError;
use crate::error::CoreError;
use crate::platform::accounts::fields::Phone;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::crypto::SealedAt;
use crate::platform::db::Tx;
use crate::platform::jobs::messages;
use crate::platform::mask;

/// How long a form link works (a week: the employee may open the SMS days later).
pub const LINK_LIFETIME: Timestamp = 7 * 24 * 3600;
/// Blind-index kinds.
pub(super) const PHONE_INDEX: &str = "ec-employee-phone";
pub(super) const ID_INDEX: &str = "ec-employee-id";
const LINK_INDEX: &str = "ec-employee-link";

/// One employee as lists show it: phone and ID number masked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmployeeSummary {
    pub id: String,
    pub name: String,
    pub phone_masked: String,
    pub id_masked: Option<String>,
    pub department_id: Option<String>,
    pub department_name: Option<String>,
    pub position: Option<String>,
    pub state: EmployeeState,
    /// `single`, `import` or `qr`.
    pub source: String,
    pub reject_reason: Option<String>,
    pub hired_on: Option<String>,
    pub resigned_on: Option<String>,
    pub created_at: Timestamp,
    pub submitted_at: Option<Timestamp>,
}

/// One employee in full, for a delegate or the administrator (each view is audited).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmployeeDetail {
    #[serde(flatten)]
    pub summary: EmployeeSummary,
    pub phone: String,
    pub id_number: Option<String>,
    /// The other collected fields by code (see the field list).
    pub values: BTreeMap<String, String>,
}

/// The columns the views read, with the department's name.
pub(super) const COLUMNS: &str = "e.id, e.enterprise_id, e.name, e.phone_masked, e.id_masked, \
    e.department_id, d.name AS department_name, e.position, e.state, e.source, e.reject_reason, \
    e.hired_on, e.resigned_on, e.created_at, e.submitted_at, e.phone_sealed, e.id_sealed, \
    e.data_sealed";
pub(super) const FROM: &str = "ec_employees e LEFT JOIN ec_departments d ON d.id = e.department_id";

pub(super) fn summary(row: &AnyRow) -> Result<EmployeeSummary, CoreError> {
    let state: String = row.try_get("state")?;
    Ok(EmployeeSummary {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        phone_masked: row.try_get("phone_masked")?,
        id_masked: row.try_get("id_masked")?,
        department_id: row.try_get("department_id")?,
        department_name: row.try_get("department_name")?,
        position: row.try_get("position")?,
        state: EmployeeState::parse(&state)
            .ok_or_else(|| CoreError::internal(format!("employee state {state}")))?,
        source: row.try_get("source")?,
        reject_reason: row.try_get("reject_reason")?,
        hired_on: row.try_get("hired_on")?,
        resigned_on: row.try_get("resigned_on")?,
        created_at: row.try_get("created_at")?,
        submitted_at: row.try_get("submitted_at")?,
    })
}

pub(super) fn detail(platform: &Platform, row: &AnyRow) -> Result<EmployeeDetail, CoreError> {
    let summary = summary(row)?;
    let id = summary.id.clone();
    let open = |column: &'static str| -> Result<Option<String>, CoreError> {
        let sealed: Option<String> = row.try_get(column)?;
        sealed
            .map(|s| {
                platform
                    .cipher
                    .open(SealedAt::new("ec_employees", column, &id), &s)
            })
            .transpose()
    };
    let values = match open("data_sealed")? {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| CoreError::internal(format!("employee data: {e}")))?,
        None => BTreeMap::new(),
    };
    Ok(EmployeeDetail {
        phone: open("phone_sealed")?.unwrap_or_default(),
        id_number: open("id_sealed")?,
        values,
        summary,
    })
}

/// Maps a unique-index violation on insert or update to the duplicate it means.
pub(super) fn duplicate(error: sqlx::Error) -> CoreError {
    if let sqlx::Error::Database(e) = &error {
        let message = e.message();
        let unique = e.is_unique_violation()
            || message.contains("UNIQUE")
            || message.contains("duplicate key");
        if unique {
            let field = if message.contains("id_index") || message.contains("one_id") {
                "id_number"
            } else {
                "phone"
            };
            return ContractsError::EmployeeDuplicate(field).into();
        }
    }
    error.into()
}

/// A new onboarding as entered.
pub(super) struct NewEmployee<'a> {
    pub name: &'a str,
    pub phone: &'a Phone,
    pub id_number: Option<&'a signet_pki::ids::IdNumber>,
    pub department_id: Option<&'a str>,
    /// `single`, `import` or `qr`.
    pub source: &'static str,
    pub created_by: Option<&'a str>,
}

/// Inserts an `invited` row and returns its id and the form link's token. A phone or ID number
/// already onboarded (and not resigned) is [`ContractsError::EmployeeDuplicate`], decided by the
/// unique indexes, so parallel onboardings of one person leave one row.
pub(super) async fn insert(
    platform: &Platform,
    tx: &mut Tx,
    enterprise_id: &str,
    new: &NewEmployee<'_>,
) -> Result<(String, String), CoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = platform.clock.now();
    let token = platform.random.token()?;
    let seal = |column, value: &str| {
        platform
            .cipher
            .seal(SealedAt::new("ec_employees", column, &id), value)
    };
    let id_number = new.id_number.map(signet_pki::ids::IdNumber::as_str);
    sqlx::query(
        "INSERT INTO ec_employees (id, enterprise_id, name, phone_index, phone_sealed, phone_masked, \
           id_index, id_sealed, id_masked, department_id, source, state, link_hash, link_expires_at, \
           created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'invited', $12, $13, $14, $15, $15)",
    )
    .bind(&id)
    .bind(enterprise_id)
    .bind(new.name)
    .bind(platform.cipher.blind_index(PHONE_INDEX, new.phone.as_str()))
    .bind(seal("phone_sealed", new.phone.as_str())?)
    .bind(new.phone.masked())
    .bind(id_number.map(|n| platform.cipher.blind_index(ID_INDEX, n)))
    .bind(id_number.map(|n| seal("id_sealed", n)).transpose()?)
    .bind(id_number.map(mask::identifier))
    .bind(new.department_id)
    .bind(new.source)
    .bind(platform.cipher.blind_index(LINK_INDEX, &token))
    .bind(now + LINK_LIFETIME)
    .bind(new.created_by)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(duplicate)?;
    Ok((id, token))
}

/// A fresh link for an employee (the old one stops working); returns the token.
pub(super) async fn renew_link(
    platform: &Platform,
    tx: &mut Tx,
    employee_id: &str,
) -> Result<String, CoreError> {
    let token = platform.random.token()?;
    sqlx::query("UPDATE ec_employees SET link_hash = $1, link_expires_at = $2 WHERE id = $3")
        .bind(platform.cipher.blind_index(LINK_INDEX, &token))
        .bind(platform.clock.now() + LINK_LIFETIME)
        .bind(employee_id)
        .execute(&mut **tx)
        .await?;
    Ok(token)
}

/// The blind index a link's token is found by.
pub(super) fn link_hash(platform: &Platform, token: &str) -> String {
    platform.cipher.blind_index(LINK_INDEX, token)
}

/// The phone page of a form link.
pub fn form_path(token: &str) -> String {
    format!("/m/employee/{token}")
}

/// The employee's phone, opened from the row (for SMS).
pub(super) async fn phone_of(
    platform: &Platform,
    tx: &mut Tx,
    employee_id: &str,
) -> Result<String, CoreError> {
    let sealed: String = sqlx::query("SELECT phone_sealed FROM ec_employees WHERE id = $1")
        .bind(employee_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get("phone_sealed")?;
    platform.cipher.open(
        SealedAt::new("ec_employees", "phone_sealed", employee_id),
        &sealed,
    )
}

/// Queues an SMS to the employee in the change's transaction; `what` names the message in its
/// job key (one message per employee, event and link).
pub(super) async fn sms(
    platform: &Platform,
    tx: &mut Tx,
    employee_id: &str,
    what: &str,
    text: &str,
) -> Result<(), CoreError> {
    let phone = phone_of(platform, tx, employee_id).await?;
    let key = format!("ec-employee:{employee_id}:{what}:sms");
    messages::sms(platform, tx, &key, &phone, text).await
}

/// The enterprise's name for messages.
pub(super) async fn enterprise_name(tx: &mut Tx, enterprise_id: &str) -> Result<String, CoreError> {
    Ok(sqlx::query("SELECT name FROM ec_enterprises WHERE id = $1")
        .bind(enterprise_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get("name")?)
}

/// The SMS with a form link.
pub(super) fn invitation_text(platform: &Platform, enterprise: &str, token: &str) -> String {
    format!(
        "【豫云签】{enterprise}邀请您完成入职信息采集，请在 7 天内打开 {} 填写。",
        platform.link(&form_path(token))
    )
}

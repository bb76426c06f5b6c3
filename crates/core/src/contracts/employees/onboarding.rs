//! Onboarding (§2.4.2): one employee entered by a delegate, or a person who scanned the
//! enterprise's QR code; either way an `invited` row and an SMS with a one-time link to the phone
//! form, where the employee fills in the fields the enterprise collects.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row as _;

use super::fields::{self, FieldSpec};
use super::store::{self, NewEmployee};
use super::{Action, EmployeeState, departments, transition};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::access::{self, Role};
use crate::error::{CoreError, PlatformError};
use crate::platform::accounts::fields::Phone;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::crypto::SealedAt;
use crate::platform::db::Tx;
use crate::platform::mask;

/// What a single onboarding returns.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Onboarded {
    pub id: String,
    pub name: String,
    pub phone_masked: String,
    pub state: EmployeeState,
}

pub(super) async fn audit_onboard(
    platform: &Platform,
    tx: &mut Tx,
    actor: &str,
    enterprise_id: &str,
    employee_id: &str,
    source: &str,
) -> Result<(), CoreError> {
    let event = AuditEvent::new(
        actor,
        "contracts.employee.onboard",
        format!("employee:{employee_id}"),
    )
    .change(
        serde_json::Value::Null,
        serde_json::json!({"enterprise_id": enterprise_id, "source": source, "state": "invited"}),
    );
    platform
        .audit
        .append(tx, platform.clock.now(), &event)
        .await?;
    Ok(())
}

/// Enters one employee (name, mobile number, department) and sends the form link.
pub async fn single(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    name: &str,
    phone: &str,
    department_id: Option<&str>,
) -> Result<Onboarded, CoreError> {
    let name = fields::parse_name(name)?;
    let phone = Phone::parse(phone, "phone")?;
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, user_id, Role::Delegate).await?;
    if let Some(department) = department_id {
        departments::ensure_in(&mut *tx, enterprise_id, department).await?;
    }
    let new = NewEmployee {
        name: &name,
        phone: &phone,
        id_number: None,
        department_id,
        source: "single",
        created_by: Some(user_id),
    };
    let (id, token) = store::insert(platform, &mut tx, enterprise_id, &new).await?;
    let enterprise = store::enterprise_name(&mut tx, enterprise_id).await?;
    let text = store::invitation_text(platform, &enterprise, &token);
    store::sms(platform, &mut tx, &id, "invite", &text).await?;
    audit_onboard(
        platform,
        &mut tx,
        &format!("user:{user_id}"),
        enterprise_id,
        &id,
        "single",
    )
    .await?;
    tx.commit().await?;
    Ok(Onboarded {
        id,
        name,
        phone_masked: phone.masked(),
        state: EmployeeState::Invited,
    })
}

/// The enterprise's self-onboarding link (the web app shows it as a QR code).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinLink {
    /// Path of the phone page; `None` until a delegate creates the code.
    pub url: Option<String>,
}

fn join_path(code: &str) -> String {
    format!("/m/join/{code}")
}

/// The current self-onboarding link.
pub async fn join_link(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
) -> Result<JoinLink, CoreError> {
    access::require(platform.db.pool(), enterprise_id, user_id, Role::Delegate).await?;
    let code: Option<String> =
        sqlx::query("SELECT join_code FROM ec_employee_settings WHERE enterprise_id = $1")
            .bind(enterprise_id)
            .fetch_optional(platform.db.pool())
            .await?
            .map(|row| row.try_get("join_code"))
            .transpose()?
            .flatten();
    Ok(JoinLink {
        url: code.as_deref().map(join_path),
    })
}

/// Creates a new self-onboarding code; the previous QR code stops working.
pub async fn renew_join_link(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
) -> Result<JoinLink, CoreError> {
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, user_id, Role::Delegate).await?;
    let code = platform.random.token()?[..32].to_owned();
    let now = platform.clock.now();
    let defaults = serde_json::to_string(fields::DEFAULT_FIELDS)
        .map_err(|e| CoreError::internal(format!("employee fields: {e}")))?;
    sqlx::query(
        "INSERT INTO ec_employee_settings (enterprise_id, fields, join_code, updated_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (enterprise_id) DO UPDATE SET join_code = $3, updated_at = $4",
    )
    .bind(enterprise_id)
    .bind(&defaults)
    .bind(&code)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(
        format!("user:{user_id}"),
        "contracts.employee_join_link",
        format!("enterprise:{enterprise_id}"),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(JoinLink {
        url: Some(join_path(&code)),
    })
}

/// What the self-onboarding page shows.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinPage {
    pub enterprise_name: String,
}

/// The certified enterprise behind a QR code; `NotFound` for an unknown or replaced code.
async fn enterprise_of_code<'e, E>(executor: E, code: &str) -> Result<(String, String), CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT e.id, e.name FROM ec_employee_settings s JOIN ec_enterprises e ON e.id = s.enterprise_id \
         WHERE s.join_code = $1 AND e.state = 'certified'",
    )
    .bind(code)
    .fetch_optional(executor)
    .await?
    .ok_or(PlatformError::NotFound)?;
    Ok((row.try_get("id")?, row.try_get("name")?))
}

pub async fn join_page(platform: &Platform, code: &str) -> Result<JoinPage, CoreError> {
    let (_, enterprise_name) = enterprise_of_code(platform.db.pool(), code).await?;
    Ok(JoinPage { enterprise_name })
}

/// A person who scanned the QR code enters name and mobile number; the form link goes to that
/// number (so only its holder can go on). A number already onboarded is refused.
pub async fn join(
    platform: &Platform,
    code: &str,
    name: &str,
    phone: &str,
) -> Result<Onboarded, CoreError> {
    let name = fields::parse_name(name)?;
    let phone = Phone::parse(phone, "phone")?;
    let mut tx = platform.db.begin().await?;
    let (enterprise_id, enterprise) = enterprise_of_code(&mut *tx, code).await?;
    let new = NewEmployee {
        name: &name,
        phone: &phone,
        id_number: None,
        department_id: None,
        source: "qr",
        created_by: None,
    };
    let (id, token) = store::insert(platform, &mut tx, &enterprise_id, &new).await?;
    let text = store::invitation_text(platform, &enterprise, &token);
    store::sms(platform, &mut tx, &id, "invite", &text).await?;
    let actor = format!("phone:{}", phone.masked());
    audit_onboard(platform, &mut tx, &actor, &enterprise_id, &id, "qr").await?;
    tx.commit().await?;
    Ok(Onboarded {
        id,
        name,
        phone_masked: phone.masked(),
        state: EmployeeState::Invited,
    })
}

/// Sends a new form link to an employee who has not filled the form yet (the old link stops).
pub async fn resend(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    employee_id: &str,
) -> Result<(), CoreError> {
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, user_id, Role::Delegate).await?;
    let state = super::roster::state_of(&mut tx, enterprise_id, employee_id).await?;
    transition(state, Action::Resend)?;
    let token = store::renew_link(platform, &mut tx, employee_id).await?;
    let enterprise = store::enterprise_name(&mut tx, enterprise_id).await?;
    let text = store::invitation_text(platform, &enterprise, &token);
    store::sms(
        platform,
        &mut tx,
        employee_id,
        &format!("link:{}", &token[..12]),
        &text,
    )
    .await?;
    let event = AuditEvent::new(
        format!("user:{user_id}"),
        "contracts.employee.resend",
        format!("employee:{employee_id}"),
    );
    platform
        .audit
        .append(&mut tx, platform.clock.now(), &event)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// What the phone form shows: whose onboarding, which fields, and the department choices.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormPage {
    pub enterprise_name: String,
    pub name: String,
    pub phone_masked: String,
    pub fields: Vec<FieldSpec>,
    /// Departments to choose from when the `department` field is collected.
    pub departments: Vec<FormDepartment>,
    pub department_id: Option<String>,
    /// Why the form was sent back, when it was.
    pub reject_reason: Option<String>,
    pub expires_at: Timestamp,
    pub education: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormDepartment {
    pub id: String,
    pub name: String,
}

struct OpenForm {
    employee_id: String,
    enterprise_id: String,
    state: EmployeeState,
    name: String,
    phone_masked: String,
    department_id: Option<String>,
    reject_reason: Option<String>,
    expires_at: Timestamp,
}

/// The onboarding a link belongs to, while it works: unknown, replaced, used or expired links
/// and onboardings past the form are [`ContractsError::EmployeeLinkExpired`].
async fn open_form<'e, E>(
    platform: &Platform,
    executor: E,
    token: &str,
) -> Result<OpenForm, CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT e.id, e.enterprise_id, e.state, e.name, e.phone_masked, e.department_id, \
           e.reject_reason, e.link_expires_at FROM ec_employees e \
           JOIN ec_enterprises n ON n.id = e.enterprise_id AND n.state = 'certified' \
         WHERE e.link_hash = $1",
    )
    .bind(store::link_hash(platform, token))
    .fetch_optional(executor)
    .await?
    .ok_or(ContractsError::EmployeeLinkExpired)?;
    let state: String = row.try_get("state")?;
    let state = EmployeeState::parse(&state).ok_or(ContractsError::EmployeeLinkExpired)?;
    let expires_at: Timestamp = row
        .try_get::<Option<Timestamp>, _>("link_expires_at")?
        .unwrap_or(0);
    if expires_at <= platform.clock.now() || state.after(Action::Submit).is_none() {
        return Err(ContractsError::EmployeeLinkExpired.into());
    }
    Ok(OpenForm {
        employee_id: row.try_get("id")?,
        enterprise_id: row.try_get("enterprise_id")?,
        state,
        name: row.try_get("name")?,
        phone_masked: row.try_get("phone_masked")?,
        department_id: row.try_get("department_id")?,
        reject_reason: row.try_get("reject_reason")?,
        expires_at,
    })
}

/// The phone form of a link (no session: the link is the credential).
pub async fn form(platform: &Platform, token: &str) -> Result<FormPage, CoreError> {
    let pool = platform.db.pool();
    let open = open_form(platform, pool, token).await?;
    let selected = fields::selected(pool, &open.enterprise_id).await?;
    let departments = if selected.iter().any(|c| c == "department") {
        sqlx::query(
            "SELECT id, name FROM ec_departments WHERE enterprise_id = $1 ORDER BY position, name",
        )
        .bind(&open.enterprise_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| {
            Ok(FormDepartment {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
            })
        })
        .collect::<Result<_, CoreError>>()?
    } else {
        Vec::new()
    };
    let enterprise_name: String = sqlx::query("SELECT name FROM ec_enterprises WHERE id = $1")
        .bind(&open.enterprise_id)
        .fetch_one(pool)
        .await?
        .try_get("name")?;
    Ok(FormPage {
        enterprise_name,
        name: open.name,
        phone_masked: open.phone_masked,
        fields: selected
            .iter()
            .filter_map(|c| fields::spec(c))
            .cloned()
            .collect(),
        departments,
        department_id: open.department_id,
        reject_reason: open.reject_reason,
        expires_at: open.expires_at,
        education: fields::EDUCATION.to_vec(),
    })
}

/// The employee submits the form (once per link): values checked, personal data sealed, the
/// onboarding waits for approval.
pub async fn submit(
    platform: &Platform,
    token: &str,
    values: &BTreeMap<String, String>,
) -> Result<EmployeeState, CoreError> {
    let mut tx = platform.db.begin().await?;
    let open = open_form(platform, &mut *tx, token).await?;
    let next = transition(open.state, Action::Submit)?;
    let selected = fields::selected(&mut *tx, &open.enterprise_id).await?;
    let collected = fields::parse_values(&selected, values)?;
    let department_id = match collected.department_id.as_deref() {
        Some(chosen) => {
            departments::ensure_in(&mut *tx, &open.enterprise_id, chosen).await?;
            Some(chosen.to_owned())
        }
        None => open.department_id.clone(),
    };
    let id = &open.employee_id;
    let seal = |column, value: &str| {
        platform
            .cipher
            .seal(SealedAt::new("ec_employees", column, id), value)
    };
    let id_number = collected
        .id_number
        .as_ref()
        .map(signet_pki::ids::IdNumber::as_str);
    let data = serde_json::to_string(&collected.other)
        .map_err(|e| CoreError::internal(format!("employee data: {e}")))?;
    let now = platform.clock.now();
    let updated = sqlx::query(
        "UPDATE ec_employees SET name = $1, id_index = $2, id_sealed = $3, id_masked = $4, \
           data_sealed = $5, department_id = $6, position = $7, hired_on = $8, state = $9, \
           link_hash = NULL, link_expires_at = NULL, submitted_at = $10, updated_at = $10 \
         WHERE id = $11 AND state = $12",
    )
    .bind(&collected.name)
    .bind(id_number.map(|n| platform.cipher.blind_index(store::ID_INDEX, n)))
    .bind(id_number.map(|n| seal("id_sealed", n)).transpose()?)
    .bind(id_number.map(mask::identifier))
    .bind(seal("data_sealed", &data)?)
    .bind(department_id.as_deref())
    .bind(collected.position.as_deref())
    .bind(collected.hire_date.as_deref())
    .bind(next.as_str())
    .bind(now)
    .bind(id)
    .bind(open.state.as_str())
    .execute(&mut *tx)
    .await
    .map_err(store::duplicate)?;
    if updated.rows_affected() != 1 {
        return Err(ContractsError::EmployeeLinkExpired.into());
    }
    let event = AuditEvent::new(
        format!("employee:{id}"),
        "contracts.employee.submit",
        format!("employee:{id}"),
    )
    .change(
        serde_json::json!({"state": open.state.as_str()}),
        serde_json::json!({"state": next.as_str(), "fields": selected}),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(next)
}

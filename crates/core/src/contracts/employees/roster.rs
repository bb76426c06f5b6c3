//! Approval and the roster (§2.4.2–2.4.3): approve or reject a submitted form (SMS either way),
//! transfer to another department, resign with a date; the lists by stage, searched and filtered,
//! with phone and ID number masked, and the full detail for a delegate or the administrator.

use serde::Serialize;
use sqlx::Row as _;

use super::store::{self, EmployeeDetail, EmployeeSummary};
use super::{Action, EmployeeState, departments, fields, transition};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::access::{self, Role};
use crate::error::{CoreError, PlatformError};
use crate::platform::accounts::fields::Phone;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::db::Tx;

/// Which list: the onboarding desk (invited, submitted, rejected), the roster, the resigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Onboarding,
    Roster,
    Resigned,
}

impl View {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "onboarding" => Some(Self::Onboarding),
            "roster" => Some(Self::Roster),
            "resigned" => Some(Self::Resigned),
            _ => None,
        }
    }

    fn states(self) -> &'static str {
        match self {
            Self::Onboarding => "('invited', 'submitted', 'rejected')",
            Self::Roster => "('active')",
            Self::Resigned => "('resigned')",
        }
    }
}

/// A list request: the view, an optional state within it, a department, and a search text (a
/// name fragment, or a whole mobile number).
#[derive(Debug, Clone)]
pub struct Filter {
    pub view: View,
    pub state: Option<EmployeeState>,
    pub department_id: Option<String>,
    pub query: Option<String>,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmployeePage {
    pub total: i64,
    pub items: Vec<EmployeeSummary>,
}

/// One page of a list, masked.
pub async fn list(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    filter: &Filter,
) -> Result<EmployeePage, CoreError> {
    let pool = platform.db.pool();
    access::require(pool, enterprise_id, user_id, Role::Delegate).await?;
    let query = filter
        .query
        .as_deref()
        .map(fields::clean)
        .filter(|q| !q.is_empty());
    let phone_index = query
        .and_then(|q| Phone::parse(q, "q").ok())
        .map(|p| platform.cipher.blind_index(store::PHONE_INDEX, p.as_str()));
    let name_like = query.map(|q| {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    let conditions = format!(
        "e.enterprise_id = $1 AND e.state IN {} AND ($2 IS NULL OR e.state = $2) \
         AND ($3 IS NULL OR e.department_id = $3) \
         AND ($4 IS NULL OR e.name LIKE $4 ESCAPE '\\' OR e.phone_index = $5)",
        filter.view.states()
    );
    let state = filter.state.map(EmployeeState::as_str);
    let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM ec_employees e WHERE {conditions}"
    )))
    .bind(enterprise_id)
    .bind(state)
    .bind(filter.department_id.as_deref())
    .bind(name_like.as_deref())
    .bind(phone_index.as_deref().unwrap_or(""))
    .fetch_one(pool)
    .await?
    .try_get("n")?;
    let per_page = filter.per_page.clamp(1, 100);
    let offset = (filter.page.max(1) - 1).saturating_mul(per_page);
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM {} WHERE {conditions} ORDER BY e.updated_at DESC, e.id LIMIT $6 OFFSET $7",
        store::COLUMNS,
        store::FROM
    )))
    .bind(enterprise_id)
    .bind(state)
    .bind(filter.department_id.as_deref())
    .bind(name_like.as_deref())
    .bind(phone_index.as_deref().unwrap_or(""))
    .bind(per_page)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    Ok(EmployeePage {
        total,
        items: rows.iter().map(store::summary).collect::<Result<_, _>>()?,
    })
}

/// One employee in full; the view is audited (who saw whose personal data).
pub async fn detail(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    employee_id: &str,
) -> Result<EmployeeDetail, CoreError> {
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, user_id, Role::Delegate).await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM {} WHERE e.id = $1 AND e.enterprise_id = $2",
        store::COLUMNS,
        store::FROM
    )))
    .bind(employee_id)
    .bind(enterprise_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(PlatformError::NotFound)?;
    let detail = store::detail(platform, &row)?;
    let event = AuditEvent::new(
        format!("user:{user_id}"),
        "contracts.employee.view",
        format!("employee:{employee_id}"),
    );
    platform
        .audit
        .append(&mut tx, platform.clock.now(), &event)
        .await?;
    tx.commit().await?;
    Ok(detail)
}

/// The state of an employee of `enterprise_id`; `NotFound` for anyone else's.
pub(super) async fn state_of(
    tx: &mut Tx,
    enterprise_id: &str,
    employee_id: &str,
) -> Result<EmployeeState, CoreError> {
    let state: String =
        sqlx::query("SELECT state FROM ec_employees WHERE id = $1 AND enterprise_id = $2")
            .bind(employee_id)
            .bind(enterprise_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(PlatformError::NotFound)?
            .try_get("state")?;
    EmployeeState::parse(&state)
        .ok_or_else(|| CoreError::internal(format!("employee state {state}")))
}

/// Opens the change: checks the role, finds the employee in this enterprise (and the department
/// the move names: another enterprise's is not found, whatever the state), checks the move.
async fn begin(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    employee_id: &str,
    action: Action,
    department_id: Option<&str>,
) -> Result<(Tx, EmployeeState, EmployeeState), CoreError> {
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, user_id, Role::Delegate).await?;
    let state = state_of(&mut tx, enterprise_id, employee_id).await?;
    if let Some(department) = department_id {
        departments::ensure_in(&mut *tx, enterprise_id, department).await?;
    }
    let next = transition(state, action)?;
    Ok((tx, state, next))
}

/// A roster move: the extra column it sets (`, column = $6`, bound to `value`) and what the
/// audit event records besides the state.
struct Move<'a> {
    action: Action,
    set: &'static str,
    value: &'a str,
    detail: serde_json::Value,
}

/// Writes the move (only if the state is still `from`, so two decisions at once make one) and
/// its audit event.
async fn apply(
    platform: &Platform,
    tx: &mut Tx,
    user_id: &str,
    employee_id: &str,
    (from, to): (EmployeeState, EmployeeState),
    change: Move<'_>,
) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let updated = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE ec_employees SET state = $1, updated_at = $2, decided_by = $3, decided_at = $2{} \
         WHERE id = $4 AND state = $5",
        change.set
    )))
    .bind(to.as_str())
    .bind(now)
    .bind(user_id)
    .bind(employee_id)
    .bind(from.as_str())
    .bind(change.value)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() != 1 {
        // Someone else moved it first: refuse with the state it is in now.
        let state: String = sqlx::query("SELECT state FROM ec_employees WHERE id = $1")
            .bind(employee_id)
            .fetch_one(&mut **tx)
            .await?
            .try_get("state")?;
        let now_in = EmployeeState::parse(&state).unwrap_or(to);
        return Err(transition(now_in, change.action)
            .err()
            .unwrap_or_else(|| CoreError::internal("employee moved concurrently")));
    }
    let mut after = change.detail;
    after["state"] = serde_json::json!(to.as_str());
    let event = AuditEvent::new(
        format!("user:{user_id}"),
        &format!("contracts.employee.{}", action_name(change.action)),
        format!("employee:{employee_id}"),
    )
    .change(serde_json::json!({"state": from.as_str()}), after);
    platform.audit.append(tx, now, &event).await?;
    Ok(())
}

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Submit => "submit",
        Action::Approve => "approve",
        Action::Reject => "reject",
        Action::Transfer => "transfer",
        Action::Resign => "resign",
        Action::Resend => "resend",
    }
}

/// The calendar day in China of `at`, `YYYY-MM-DD`.
fn china_date(at: Timestamp) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::OffsetDateTime::from_unix_timestamp(at + 8 * 3600)
        .ok()
        .and_then(|t| t.date().format(&format).ok())
        .unwrap_or_default()
}

/// Approves a submitted form: the employee is on the roster (start date: the one collected, else
/// today), optionally placed in a department; an SMS tells them.
pub async fn approve(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    employee_id: &str,
    department_id: Option<&str>,
) -> Result<(), CoreError> {
    let (mut tx, from, to) = begin(
        platform,
        enterprise_id,
        user_id,
        employee_id,
        Action::Approve,
        department_id,
    )
    .await?;
    let today = china_date(platform.clock.now());
    let change = Move {
        action: Action::Approve,
        set: ", hired_on = COALESCE(hired_on, $6), reject_reason = NULL",
        value: &today,
        detail: serde_json::json!({"department_id": department_id}),
    };
    apply(platform, &mut tx, user_id, employee_id, (from, to), change).await?;
    if let Some(department) = department_id {
        sqlx::query("UPDATE ec_employees SET department_id = $1 WHERE id = $2")
            .bind(department)
            .bind(employee_id)
            .execute(&mut *tx)
            .await?;
    }
    let enterprise = store::enterprise_name(&mut tx, enterprise_id).await?;
    let text = format!("【豫云签】您提交的入职信息已通过{enterprise}的审核，欢迎加入！");
    store::sms(platform, &mut tx, employee_id, "approved", &text).await?;
    tx.commit().await?;
    Ok(())
}

/// Rejects a submitted form with a reason; the employee gets the reason and a new form link.
pub async fn reject(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    employee_id: &str,
    reason: &str,
) -> Result<(), CoreError> {
    let reason = fields::clean(reason);
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(PlatformError::Invalid {
            field: "reason",
            zh: "请填写驳回原因（不超过 200 个字）",
            en: "Give the reason for rejecting (at most 200 characters)",
        }
        .into());
    }
    let (mut tx, from, to) = begin(
        platform,
        enterprise_id,
        user_id,
        employee_id,
        Action::Reject,
        None,
    )
    .await?;
    let change = Move {
        action: Action::Reject,
        set: ", reject_reason = $6",
        value: reason,
        detail: serde_json::json!({"reason": reason}),
    };
    apply(platform, &mut tx, user_id, employee_id, (from, to), change).await?;
    let token = store::renew_link(platform, &mut tx, employee_id).await?;
    let enterprise = store::enterprise_name(&mut tx, enterprise_id).await?;
    let text = format!(
        "【豫云签】您提交的入职信息未通过{enterprise}的审核，原因：{reason}。请在 7 天内打开 {} 修改后重新提交。",
        platform.link(&store::form_path(&token))
    );
    store::sms(
        platform,
        &mut tx,
        employee_id,
        &format!("rejected:{}", &token[..12]),
        &text,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves an employee on the roster to another department of the enterprise.
pub async fn transfer(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    employee_id: &str,
    department_id: &str,
) -> Result<(), CoreError> {
    let (mut tx, from, to) = begin(
        platform,
        enterprise_id,
        user_id,
        employee_id,
        Action::Transfer,
        Some(department_id),
    )
    .await?;
    let current: Option<String> =
        sqlx::query("SELECT department_id FROM ec_employees WHERE id = $1")
            .bind(employee_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("department_id")?;
    if current.as_deref() == Some(department_id) {
        return Err(PlatformError::Invalid {
            field: "department_id",
            zh: "员工已在该部门",
            en: "The employee is already in this department",
        }
        .into());
    }
    let change = Move {
        action: Action::Transfer,
        set: ", department_id = $6",
        value: department_id,
        detail: serde_json::json!({"from_department": current, "department_id": department_id}),
    };
    apply(platform, &mut tx, user_id, employee_id, (from, to), change).await?;
    tx.commit().await?;
    Ok(())
}

/// Records a resignation on `date` (not before the start date); the employee moves to the
/// resigned list.
pub async fn resign(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    employee_id: &str,
    date: &str,
) -> Result<(), CoreError> {
    let date = fields::parse_date(date, "date")?;
    let (mut tx, from, to) = begin(
        platform,
        enterprise_id,
        user_id,
        employee_id,
        Action::Resign,
        None,
    )
    .await?;
    let hired: Option<String> = sqlx::query("SELECT hired_on FROM ec_employees WHERE id = $1")
        .bind(employee_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("hired_on")?;
    if hired.as_deref().is_some_and(|hired| date.as_str() < hired) {
        return Err(PlatformError::Invalid {
            field: "date",
            zh: "离职日期不能早于入职日期",
            en: "The leaving date cannot be before the start date",
        }
        .into());
    }
    let change = Move {
        action: Action::Resign,
        set: ", resigned_on = $6",
        value: &date,
        detail: serde_json::json!({"resigned_on": date}),
    };
    apply(platform, &mut tx, user_id, employee_id, (from, to), change).await?;
    tx.commit().await?;
    Ok(())
}

/// Who is on the roster (approved, not resigned) by ID number: the blind index of the number →
/// (employee id, name). Other wings check a person named with an ID number against it (a paper
/// archive's people) without opening any sealed value.
pub async fn by_id_number(
    platform: &Platform,
    enterprise_id: &str,
) -> Result<std::collections::HashMap<String, (String, String)>, CoreError> {
    let rows = sqlx::query(
        "SELECT id, name, id_index FROM ec_employees \
         WHERE enterprise_id = $1 AND state = $2 AND id_index IS NOT NULL",
    )
    .bind(enterprise_id)
    .bind(EmployeeState::Active.as_str())
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("id_index")?,
                (row.try_get("id")?, row.try_get("name")?),
            ))
        })
        .collect()
}

/// The blind index [`by_id_number`] is keyed by.
pub fn id_number_index(platform: &Platform, id_number: &str) -> String {
    platform.cipher.blind_index(store::ID_INDEX, id_number)
}

/// Puts a person straight on the roster, as approved, without the SMS form: the demo's staff
/// (`signet init --demo`) and test fixtures. Someone already onboarded (same phone or ID number)
/// is left as they are; returns the new employee's id when one was added.
pub async fn seed_active(
    platform: &Platform,
    enterprise_id: &str,
    name: &str,
    phone: &str,
    id_number: &str,
    created_by: &str,
) -> Result<Option<String>, CoreError> {
    let phone = Phone::parse(phone, "phone")?;
    let id_number =
        signet_pki::ids::IdNumber::parse(id_number).map_err(|_| PlatformError::Invalid {
            field: "id_number",
            zh: "身份证号码不正确",
            en: "Not a valid ID number",
        })?;
    let mut tx = platform.db.begin().await?;
    let inserted = store::insert(
        platform,
        &mut tx,
        enterprise_id,
        &store::NewEmployee {
            name,
            phone: &phone,
            id_number: Some(&id_number),
            department_id: None,
            source: "single",
            created_by: Some(created_by),
        },
    )
    .await;
    let (id, _) = match inserted {
        Ok(done) => done,
        Err(error) if error.as_wing::<ContractsError>().is_some() => return Ok(None),
        Err(error) => return Err(error),
    };
    let now = platform.clock.now();
    sqlx::query(
        "UPDATE ec_employees SET state = $1, link_hash = NULL, link_expires_at = NULL, \
           submitted_at = $2, decided_by = $3, decided_at = $2, updated_at = $2 WHERE id = $4",
    )
    .bind(EmployeeState::Active.as_str())
    .bind(now)
    .bind(created_by)
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

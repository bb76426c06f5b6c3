//! What parties and initiators do besides signing (ES-9, §2.5.1.4–9): a party allowed to refuse
//! voids the task with a reason; the initiator (or the launching enterprise's administrator)
//! withdraws one or many launched tasks with a reason — all or none — and the quota comes back
//! at once; and reminds a party whose turn it is by SMS, at most once an hour per party.

use sqlx::Row as _;

use super::super::{ContractsError, access};
use super::events::{self, NewEvent, Origin};
use super::progress::Contacts;
use super::signing::my_turn;
use super::{quota, state};
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::db::Tx;
use crate::platform::jobs::messages;

/// How often one party may be reminded.
pub const REMIND_EVERY: i64 = 3600;
/// Most tasks withdrawn at once.
pub const MAX_WITHDRAW: usize = 100;

fn reason_of(reason: &str) -> Result<String, CoreError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(PlatformError::Invalid {
            field: "reason",
            zh: "请填写原因（最多 500 字）",
            en: "Give a reason (at most 500 characters)",
        }
        .into());
    }
    Ok(reason.to_owned())
}

/// Voids a launched task in `tx`; `TaskClosed` when it is not launched any more.
async fn void(
    tx: &mut Tx,
    task_id: &str,
    why: &str,
    note: Option<&str>,
    now: Timestamp,
) -> Result<(), CoreError> {
    let voided = sqlx::query(
        "UPDATE ec_tasks SET state = 'void', void_reason = $1, void_note = $2, voided_at = $3, \
         updated_at = $3 WHERE id = $4 AND state = 'launched'",
    )
    .bind(why)
    .bind(note)
    .bind(now)
    .bind(task_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if voided == 0 {
        let state: String = sqlx::query("SELECT state FROM ec_tasks WHERE id = $1")
            .bind(task_id)
            .fetch_one(&mut **tx)
            .await?
            .try_get("state")?;
        return Err(ContractsError::TaskClosed(state).into());
    }
    Ok(())
}

/// Tells `phones` the task is void.
async fn notify_void(
    platform: &Platform,
    tx: &mut Tx,
    task_id: &str,
    title: &str,
    what: &str,
    phones: &[String],
) -> Result<(), CoreError> {
    for (i, phone) in phones.iter().enumerate() {
        messages::sms(
            platform,
            tx,
            &format!("contracts.task:{task_id}:void:{i}"),
            phone,
            &format!("【Signet】合同《{title}》已{what}，无需再签署。"),
        )
        .await?;
    }
    Ok(())
}

/// The caller's party refuses the task (where the initiator allowed it): the task is void.
pub async fn refuse(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
    reason: &str,
    origin: &Origin,
) -> Result<(), CoreError> {
    let turn = my_turn(platform, user_id, task_id).await?;
    if !turn.may_refuse {
        return Err(ContractsError::RefuseNotAllowed.into());
    }
    let reason = reason_of(reason)?;
    let contacts = Contacts::load(platform, task_id, user_id).await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    void(&mut tx, task_id, state::REFUSED, Some(&reason), now).await?;
    sqlx::query(
        "UPDATE ec_task_parties SET state = 'refused', refused_reason = $1, signed_by = $2 WHERE id = $3",
    )
    .bind(&reason)
    .bind(user_id)
    .bind(&turn.party_id)
    .execute(&mut *tx)
    .await?;
    events::append(
        &mut tx,
        task_id,
        &NewEvent {
            kind: events::REFUSED,
            actor: format!("user:{user_id}"),
            party_id: Some(&turn.party_id),
            phone_masked: Some(contacts.signer_masked.clone()),
            detail: serde_json::json!({ "reason": reason }),
            ..NewEvent::default()
        },
        origin,
        now,
    )
    .await?;
    let mut phones = vec![contacts.initiator.clone()];
    phones.extend(contacts.parties.values().flatten().cloned());
    phones.dedup();
    notify_void(platform, &mut tx, task_id, &turn.title, "被拒签", &phones).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `user_id` may manage the launched task: its initiator or the launching enterprise's
/// administrator. Others (outsiders and readers alike) get `NotFound`.
async fn managed(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
) -> Result<sqlx::any::AnyRow, CoreError> {
    let row = super::view::visible_row(platform, user_id, task_id).await?;
    let initiator: String = row.try_get("initiator_id")?;
    if initiator == user_id {
        return Ok(row);
    }
    let enterprise_id: String = row.try_get("enterprise_id")?;
    match access::membership(platform.db.pool(), &enterprise_id, user_id).await {
        Ok(m) if m.role == access::Role::Admin => Ok(row),
        _ => Err(PlatformError::NotFound.into()),
    }
}

/// Withdraws launched tasks (all or none) with a reason; each one's quota comes back at once.
pub async fn withdraw(
    platform: &Platform,
    user_id: &str,
    task_ids: &[String],
    reason: &str,
    origin: &Origin,
) -> Result<usize, CoreError> {
    if task_ids.is_empty() || task_ids.len() > MAX_WITHDRAW {
        return Err(PlatformError::Invalid {
            field: "task_ids",
            zh: "请选择 1–100 份要撤回的合同",
            en: "Choose 1–100 contracts to withdraw",
        }
        .into());
    }
    let reason = reason_of(reason)?;
    let mut tasks = Vec::new();
    for task_id in task_ids {
        let row = managed(platform, user_id, task_id).await?;
        let state: String = row.try_get("state")?;
        if state != state::LAUNCHED {
            return Err(ContractsError::TaskClosed(state).into());
        }
        let contacts = Contacts::load(platform, task_id, user_id).await?;
        tasks.push((
            task_id.clone(),
            row.try_get::<String, _>("enterprise_id")?,
            row.try_get::<String, _>("title")?,
            contacts,
        ));
    }
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    for (task_id, enterprise_id, title, contacts) in &tasks {
        void(&mut tx, task_id, state::WITHDRAWN, Some(&reason), now).await?;
        quota::refund(&mut tx, enterprise_id, task_id, user_id, now).await?;
        events::append(
            &mut tx,
            task_id,
            &NewEvent {
                kind: events::WITHDRAWN,
                actor: format!("user:{user_id}"),
                detail: serde_json::json!({ "reason": reason }),
                ..NewEvent::default()
            },
            origin,
            now,
        )
        .await?;
        let phones: Vec<String> = contacts.parties.values().flatten().cloned().collect();
        notify_void(platform, &mut tx, task_id, title, "被发起方撤回", &phones).await?;
    }
    tx.commit().await?;
    Ok(tasks.len())
}

/// Reminds the party `party_id` whose turn it is, by SMS; once an hour per party.
pub async fn remind(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
    party_id: &str,
    origin: &Origin,
) -> Result<(), CoreError> {
    let row = managed(platform, user_id, task_id).await?;
    let task_state: String = row.try_get("state")?;
    if task_state != state::LAUNCHED {
        return Err(ContractsError::TaskClosed(task_state).into());
    }
    let title: String = row.try_get("title")?;
    let party = sqlx::query(
        "SELECT state, reminded_at FROM ec_task_parties WHERE id = $1 AND task_id = $2",
    )
    .bind(party_id)
    .bind(task_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    if party.try_get::<String, _>("state")? != super::party_state::TO_SIGN {
        return Err(ContractsError::TaskParty {
            zh: "该签署方当前无需签署，不能催签".into(),
            en: "this party has nothing to sign now; it cannot be reminded".into(),
        }
        .into());
    }
    let contacts = Contacts::load(platform, task_id, user_id).await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let claimed = sqlx::query(
        "UPDATE ec_task_parties SET reminded_at = $1 WHERE id = $2 AND state = 'to_sign' \
         AND (reminded_at IS NULL OR reminded_at <= $3)",
    )
    .bind(now)
    .bind(party_id)
    .bind(now - REMIND_EVERY)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        let last: Option<i64> = party.try_get("reminded_at")?;
        let retry_after = last.map_or(REMIND_EVERY, |l| (l + REMIND_EVERY - now).max(1));
        return Err(ContractsError::RemindTooSoon { retry_after }.into());
    }
    events::append(
        &mut tx,
        task_id,
        &NewEvent {
            kind: events::REMINDED,
            actor: format!("user:{user_id}"),
            party_id: Some(party_id),
            ..NewEvent::default()
        },
        origin,
        now,
    )
    .await?;
    for (i, phone) in contacts
        .parties
        .get(party_id)
        .into_iter()
        .flatten()
        .enumerate()
    {
        messages::sms(
            platform,
            &mut tx,
            &format!("contracts.task:{task_id}:{party_id}:remind:{now}:{i}"),
            phone,
            &format!(
                "【Signet】提醒：合同《{title}》正等待您签署，请打开 {}/contracts/tasks/{task_id} 签署。",
                platform.public_url
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

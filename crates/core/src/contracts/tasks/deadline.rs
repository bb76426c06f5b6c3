//! Deadlines (ES-18): a launched task past its deadline becomes void (`expired`). A recurring
//! job does it; the schedule enqueues one job per period however many nodes run, and each task
//! is voided by a conditional UPDATE (PostgreSQL also skips rows another node holds, `FOR UPDATE
//! SKIP LOCKED`), so two nodes never void one task twice or log it twice.

use async_trait::async_trait;
use sqlx::Row as _;

use super::events::{self, NewEvent, Origin};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::clock::Clock as _;
use crate::platform::db::Backend;
use crate::platform::jobs::{RunningJob, Schedule, messages};

/// The job kind.
pub const EXPIRE: &str = "contracts.expire_tasks";
/// Every minute.
pub const SCHEDULE: Schedule = Schedule {
    name: "contracts.expire_tasks",
    kind: EXPIRE,
    every_seconds: 60,
};
/// Tasks voided per transaction.
const BATCH: i64 = 100;

/// Voids every launched task whose deadline passed; returns how many this call voided.
pub async fn expire_due(platform: &Platform) -> Result<usize, CoreError> {
    let mut total = 0;
    loop {
        let now = platform.clock.now();
        let lock = match platform.db.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let mut tx = platform.db.begin().await?;
        let due = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, title, initiator_id FROM ec_tasks WHERE state = 'launched' \
             AND deadline IS NOT NULL AND deadline <= $1 ORDER BY deadline, id LIMIT {BATCH}{lock}"
        )))
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        if due.is_empty() {
            return Ok(total);
        }
        for row in &due {
            let id: String = row.try_get("id")?;
            let voided = sqlx::query(
                "UPDATE ec_tasks SET state = 'void', void_reason = 'expired', voided_at = $1, \
                 updated_at = $1 WHERE id = $2 AND state = 'launched'",
            )
            .bind(now)
            .bind(&id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if voided == 0 {
                continue;
            }
            total += 1;
            events::append(
                &mut tx,
                &id,
                &NewEvent {
                    kind: events::EXPIRED,
                    actor: "system".into(),
                    ..NewEvent::default()
                },
                &Origin::default(),
                now,
            )
            .await?;
            let title: String = row.try_get("title")?;
            let initiator: String = row.try_get("initiator_id")?;
            let phone = super::launch::phone_of(platform, &initiator).await?;
            messages::sms(
                platform,
                &mut tx,
                &format!("contracts.task:{id}:expired"),
                &phone,
                &format!("【Signet】合同《{title}》已过签署截止时间，已自动作废。"),
            )
            .await?;
        }
        tx.commit().await?;
    }
}

/// The recurring job.
pub struct ExpireTasks;

#[async_trait]
impl crate::platform::jobs::Handler for ExpireTasks {
    async fn run(&self, platform: &Platform, _job: &RunningJob) -> Result<(), CoreError> {
        expire_due(platform).await.map(drop)
    }
}

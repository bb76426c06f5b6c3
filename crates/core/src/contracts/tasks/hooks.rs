//! The task events an enterprise's webhooks hear: each is announced in the transaction that
//! appends it to the task's log, so a committed change is announced once and a rolled-back one
//! never. The launching enterprise's endpoints receive them. A party's signature is announced
//! once (when its intent is confirmed with the stored revisions), not once per document; the
//! three ways a task becomes void share one event kind, with the reason in `data.event`.
//! Payloads carry ids, the log's sequence number and the level only: no names or phones.

use sqlx::Row as _;

use super::events::{self, NewEvent};
use crate::contracts::webhooks::{
    self, TASK_COMPLETED, TASK_LAUNCHED, TASK_SIGNED, TASK_VOID, WebhookEvent,
};
use crate::error::CoreError;
use crate::platform::clock::Timestamp;
use crate::platform::db::Tx;

/// The webhook kind a log event is announced as, if any.
pub fn webhook_kind(kind: &str) -> Option<&'static str> {
    match kind {
        events::LAUNCHED => Some(TASK_LAUNCHED),
        events::INTENT_CONFIRMED => Some(TASK_SIGNED),
        events::COMPLETED => Some(TASK_COMPLETED),
        events::REFUSED | events::WITHDRAWN | events::EXPIRED => Some(TASK_VOID),
        _ => None,
    }
}

/// Announces the log event `seq` of `task_id` to the launching enterprise's endpoints, in `tx`.
pub(super) async fn announce(
    tx: &mut Tx,
    task_id: &str,
    seq: i64,
    event: &NewEvent<'_>,
    now: Timestamp,
) -> Result<(), CoreError> {
    let Some(kind) = webhook_kind(event.kind) else {
        return Ok(());
    };
    let enterprise_id: String = sqlx::query("SELECT enterprise_id FROM ec_tasks WHERE id = $1")
        .bind(task_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get("enterprise_id")?;
    let mut data = serde_json::json!({ "event": event.kind, "seq": seq });
    if let Some(party_id) = event.party_id {
        data["party_id"] = party_id.into();
    }
    if let Some(level) = event.detail.get("level") {
        data["level"] = level.clone();
    }
    webhooks::emit(
        tx,
        now,
        &enterprise_id,
        WebhookEvent {
            kind,
            task_id: task_id.to_owned(),
            data,
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_announced_kind_is_a_kind_endpoints_can_subscribe_to() {
        let kinds = [
            events::LAUNCHED,
            events::SMS_SENT,
            events::INTENT_CONFIRMED,
            events::SIGNED,
            events::COMPLETED,
            events::REFUSED,
            events::WITHDRAWN,
            events::EXPIRED,
            events::REMINDED,
            events::VIEWED,
        ];
        let announced: Vec<_> = kinds.iter().filter_map(|k| webhook_kind(k)).collect();
        assert_eq!(
            announced,
            [
                TASK_LAUNCHED,
                TASK_SIGNED,
                TASK_COMPLETED,
                TASK_VOID,
                TASK_VOID,
                TASK_VOID
            ]
        );
        assert!(announced.iter().all(|k| webhooks::EVENT_KINDS.contains(k)));
    }
}

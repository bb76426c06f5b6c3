//! The status of one identity-check session and its table, with the sessions' only writer after
//! creation: a check answered, handed to a person, expired or tried again.

use serde::{Deserialize, Serialize};

use crate::Platform;
use crate::error::CoreError;
use crate::platform::clock::Timestamp;
use crate::platform::machine::Machine;

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum VerificationStatus {
    /// Waiting for the person (face link, micro-deposit amount).
    Pending,
    Passed,
    Failed,
    /// Handed to a reviewer (offline mail, three wrong amounts).
    Manual,
    Expired,
}

/// What happens to a pending session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationEvent {
    Pass,
    Fail,
    HandOver,
    Expire,
    /// A wrong answer with tries left: the session stays pending, one try used.
    WrongAnswer,
}

impl Machine for VerificationStatus {
    type Event = VerificationEvent;

    const STATES: &'static [Self] = &[
        Self::Pending,
        Self::Passed,
        Self::Failed,
        Self::Manual,
        Self::Expired,
    ];
    const EVENTS: &'static [VerificationEvent] = &[
        VerificationEvent::Pass,
        VerificationEvent::Fail,
        VerificationEvent::HandOver,
        VerificationEvent::Expire,
        VerificationEvent::WrongAnswer,
    ];

    fn next(self, event: VerificationEvent) -> Option<Self> {
        use VerificationEvent as E;
        match (self, event) {
            (Self::Pending, E::Pass) => Some(Self::Passed),
            (Self::Pending, E::Fail) => Some(Self::Failed),
            (Self::Pending, E::HandOver) => Some(Self::Manual),
            (Self::Pending, E::Expire) => Some(Self::Expired),
            (Self::Pending, E::WrongAnswer) => Some(Self::Pending),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Manual => "manual",
            Self::Expired => "expired",
        }
    }
}

impl VerificationStatus {
    /// The party needs no further check (passed, or a person decides).
    pub fn settles_party(self) -> bool {
        matches!(self, Self::Passed | Self::Manual)
    }
}

/// A session's move: the status and attempts it was read with (the guard against a racing
/// answer), the event, and the detail shown afterwards.
pub(super) struct SessionChange<'a> {
    pub id: &'a str,
    pub from: VerificationStatus,
    pub attempts_read: i64,
    pub event: VerificationEvent,
    /// The person typed an answer (micro-deposit): one of the tries is used.
    pub counts_try: bool,
    pub detail: Option<&'a super::CheckDetail>,
    pub at: Timestamp,
}

/// Applies a session's move. `Ok(None)` when the table refuses it or another answer changed the
/// session first (nothing written); `Ok(Some(status))` after the write.
pub(super) async fn apply(
    platform: &Platform,
    change: &SessionChange<'_>,
) -> Result<Option<VerificationStatus>, CoreError> {
    let Some(to) = change.from.next(change.event) else {
        return Ok(None);
    };
    let mut tx = platform.db.begin().await?;
    let done = sqlx::query(
        "UPDATE desk_verifications SET state = $1, attempts = attempts + $2, \
         detail = COALESCE($3, detail), detail_code = COALESCE($8, detail_code), \
         detail_params = COALESCE($9, detail_params), updated_at = $4 \
         WHERE id = $5 AND state = $6 AND attempts = $7",
    )
    .bind(to.as_str())
    .bind(i64::from(change.counts_try))
    .bind(
        change
            .detail
            .map(|d| d.text(super::super::orders::Lang::ZhCn)),
    )
    .bind(change.at)
    .bind(change.id)
    .bind(change.from.as_str())
    .bind(change.attempts_read)
    .bind(change.detail.map(super::CheckDetail::code))
    .bind(change.detail.map(super::CheckDetail::stored_params))
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(None);
    }
    // Every outcome of a check is audited with the move that recorded it.
    let event = crate::platform::audit::AuditEvent::new(
        "system",
        "desk.verification.outcome",
        format!("verification:{}", change.id),
    )
    .change(
        serde_json::json!({"state": change.from.as_str()}),
        serde_json::json!({"state": to.as_str(), "counts_try": change.counts_try}),
    );
    platform.audit.append(&mut tx, change.at, &event).await?;
    tx.commit().await?;
    Ok(Some(to))
}

/// Expires the pending sessions of `method` for a party of the order (a new micro-deposit
/// replaces the one before, so two cannot be answered side by side).
pub(super) async fn expire_pending(
    platform: &Platform,
    order_id: &str,
    party: &str,
    method: &str,
    at: Timestamp,
) -> Result<(), CoreError> {
    debug_assert_eq!(
        VerificationStatus::Pending.next(VerificationEvent::Expire),
        Some(VerificationStatus::Expired)
    );
    sqlx::query(
        "UPDATE desk_verifications SET state = 'expired', updated_at = $1 \
         WHERE order_id = $2 AND party = $3 AND method = $4 AND state = 'pending'",
    )
    .bind(at)
    .bind(order_id)
    .bind(party)
    .bind(method)
    .execute(platform.db.pool())
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{VerificationEvent as E, VerificationStatus as S};
    use crate::platform::machine::{Machine as _, assert_table};

    #[test]
    fn every_edge_of_the_session_table() {
        assert_table::<S>(&[
            (S::Pending, E::Pass, S::Passed),
            (S::Pending, E::Fail, S::Failed),
            (S::Pending, E::HandOver, S::Manual),
            (S::Pending, E::Expire, S::Expired),
            (S::Pending, E::WrongAnswer, S::Pending),
        ]);
        for status in [S::Passed, S::Failed, S::Manual, S::Expired] {
            assert!(status.is_final(), "{status:?}");
        }
        assert_eq!(S::Pending.allowed().len(), 5);
    }
}

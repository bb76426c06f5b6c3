//! The status of one payment and its table, with the payments' only writer after creation: the
//! gateway's answer settles a pending payment once; a paid one can be refunded.

use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::platform::clock::Timestamp;
use crate::platform::db::Tx;
use crate::platform::machine::Machine;

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PaymentStatus {
    Pending,
    Paid,
    Failed,
    Refunded,
}

/// What happens to a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentEvent {
    /// The gateway says the money arrived.
    Settle,
    /// The gateway says the payment failed.
    Fail,
    Refund,
}

impl Machine for PaymentStatus {
    type Event = PaymentEvent;

    const STATES: &'static [Self] = &[Self::Pending, Self::Paid, Self::Failed, Self::Refunded];
    const EVENTS: &'static [PaymentEvent] = &[
        PaymentEvent::Settle,
        PaymentEvent::Fail,
        PaymentEvent::Refund,
    ];

    fn next(self, event: PaymentEvent) -> Option<Self> {
        match (self, event) {
            (Self::Pending, PaymentEvent::Settle) => Some(Self::Paid),
            (Self::Pending, PaymentEvent::Fail) => Some(Self::Failed),
            (Self::Paid, PaymentEvent::Refund) => Some(Self::Refunded),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Failed => "failed",
            Self::Refunded => "refunded",
        }
    }
}

/// A payment's move and the columns that change with it.
pub(super) struct PaymentChange<'a> {
    pub id: &'a str,
    pub from: PaymentStatus,
    pub event: PaymentEvent,
    /// The gateway's transaction id (settle, fail).
    pub provider_ref: Option<&'a str>,
    pub at: Timestamp,
}

/// Applies a payment's move in `tx`: only from the status it was read in, so a second answer
/// about the same payment changes nothing. `Ok(None)` when refused or already moved.
pub(super) async fn apply(
    tx: &mut Tx,
    change: &PaymentChange<'_>,
) -> Result<Option<PaymentStatus>, CoreError> {
    let Some(to) = change.from.next(change.event) else {
        return Ok(None);
    };
    let done = sqlx::query(
        "UPDATE desk_payments SET state = $1, provider_ref = COALESCE($2, provider_ref), \
         paid_at = CASE WHEN $1 = 'paid' THEN $3 ELSE paid_at END, \
         refunded_at = CASE WHEN $1 = 'refunded' THEN $3 ELSE refunded_at END \
         WHERE id = $4 AND state = $5",
    )
    .bind(to.as_str())
    .bind(change.provider_ref)
    .bind(change.at)
    .bind(change.id)
    .bind(change.from.as_str())
    .execute(&mut **tx)
    .await?;
    Ok((done.rows_affected() == 1).then_some(to))
}

#[cfg(test)]
mod tests {
    use super::{PaymentEvent as E, PaymentStatus as S};
    use crate::platform::machine::{Machine as _, assert_table};

    #[test]
    fn every_edge_of_the_payment_table() {
        assert_table::<S>(&[
            (S::Pending, E::Settle, S::Paid),
            (S::Pending, E::Fail, S::Failed),
            (S::Paid, E::Refund, S::Refunded),
        ]);
        assert!(S::Failed.is_final() && S::Refunded.is_final());
        assert!(!S::Paid.is_final());
    }
}

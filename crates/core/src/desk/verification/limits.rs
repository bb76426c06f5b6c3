//! How often a party of an order may be checked (issue 12, finding 5): each three-/four-factor
//! lookup costs a fee and answers whether data belong together, each micro-deposit moves money
//! and brings tries. A conditional increment reserves one before the provider is called, so
//! parallel requests cannot overshoot; wrong deposit amounts count across deposits.

use sqlx::Row as _;

use super::Party;
use crate::Platform;
use crate::desk::DeskError;
use crate::error::CoreError;

/// Three- and four-factor lookups per party and order, together.
pub const MAX_LOOKUPS: i64 = 3;
/// Micro-deposits per party and order.
pub const MAX_DEPOSITS: i64 = 2;

/// What a reservation is for.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Lookup,
    Deposit,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Lookup => "lookup",
            Self::Deposit => "deposit",
        }
    }

    fn cap(self) -> i64 {
        match self {
            Self::Lookup => MAX_LOOKUPS,
            Self::Deposit => MAX_DEPOSITS,
        }
    }
}

/// Takes one check of `kind` for `party` of the order, or refuses with
/// `verification_attempts_exhausted` (nothing else changes).
pub(super) async fn reserve(
    platform: &Platform,
    order_id: &str,
    party: Party,
    kind: Kind,
) -> Result<(), CoreError> {
    sqlx::query(
        "INSERT INTO desk_check_quota (order_id, party, kind, used) VALUES ($1, $2, $3, 0) \
         ON CONFLICT (order_id, party, kind) DO NOTHING",
    )
    .bind(order_id)
    .bind(party.as_str())
    .bind(kind.as_str())
    .execute(platform.db.pool())
    .await?;
    let taken = sqlx::query(
        "UPDATE desk_check_quota SET used = used + 1 \
         WHERE order_id = $1 AND party = $2 AND kind = $3 AND used < $4",
    )
    .bind(order_id)
    .bind(party.as_str())
    .bind(kind.as_str())
    .bind(kind.cap())
    .execute(platform.db.pool())
    .await?;
    if taken.rows_affected() == 1 {
        Ok(())
    } else {
        Err(DeskError::VerificationAttemptsExhausted.into())
    }
}

/// Amounts already typed for the party's earlier micro-deposits that did not pass: a new
/// deposit continues from there instead of bringing three fresh tries.
pub(super) async fn deposit_tries_used(
    platform: &Platform,
    order_id: &str,
    party: Party,
) -> Result<i64, CoreError> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(attempts), 0) AS BIGINT) AS used FROM desk_verifications \
         WHERE order_id = $1 AND party = $2 AND method = 'micro_deposit' AND state <> 'passed'",
    )
    .bind(order_id)
    .bind(party.as_str())
    .fetch_one(platform.db.pool())
    .await?;
    Ok(row.try_get("used")?)
}

//! The micro-deposit's second half (APP-4): the applicant types the amount received; three
//! wrong amounts hand the organisation to a reviewer; the amount is good for 72 hours.

use super::status::{self, SessionChange, VerificationEvent, VerificationStatus};
use super::{CheckDetail, DEPOSIT_TRIES, Started, advance, invalid, one};
use crate::Platform;
use crate::desk::DeskError;
use crate::desk::catalog::Method;
use crate::desk::orders::{Order, OrderState};
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Clock as _;

/// The applicant enters the micro-deposit amount, in yuan (`0.37`) or fen (`37` with `fen`).
pub async fn confirm_deposit(
    platform: &Platform,
    order: &Order,
    verification_id: &str,
    amount_yuan: &str,
) -> Result<Started, CoreError> {
    let (current, order_id, secret) = one(platform, verification_id, &order.form).await?;
    if order_id != order.id || current.method != Method::MicroDeposit {
        return Err(PlatformError::NotFound.into());
    }
    let now = platform.clock.now();
    if current.state != VerificationStatus::Pending || order.state != OrderState::Verifying {
        return Err(DeskError::VerificationClosed.into());
    }
    let change = |event, counts_try, detail| SessionChange {
        id: verification_id,
        from: current.state,
        attempts_read: current.attempts,
        event,
        counts_try,
        detail,
        at: now,
    };
    if current.expires_at <= now {
        status::apply(platform, &change(VerificationEvent::Expire, false, None)).await?;
        return Err(DeskError::VerificationClosed.into());
    }
    let given = parse_yuan(amount_yuan).ok_or_else(|| {
        invalid(
            "amount",
            "请输入到账金额，例如 0.37",
            "Enter the amount received, e.g. 0.37",
        )
    })?;
    let expected: i64 = secret
        .map(|s| {
            platform
                .cipher
                .open(super::secret_sealed_at(verification_id), &s)
        })
        .transpose()?
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| CoreError::internal("micro-deposit without amount"))?;
    let attempts = current.attempts + 1;
    let (event, detail) = if given == expected {
        (VerificationEvent::Pass, Some(CheckDetail::DepositPassed))
    } else if attempts >= DEPOSIT_TRIES {
        (VerificationEvent::HandOver, Some(CheckDetail::DepositTries))
    } else {
        (VerificationEvent::WrongAnswer, None)
    };
    // Only the row still pending with the attempts read is changed: two racing answers cannot
    // both count as the same try.
    let Some(state) = status::apply(platform, &change(event, true, detail.as_ref())).await? else {
        return Err(DeskError::VerificationClosed.into());
    };
    if state == VerificationStatus::Pending {
        return Err(DeskError::WrongAmount {
            tries_left: DEPOSIT_TRIES - attempts,
        }
        .into());
    }
    let order_state = advance(platform, &order.id).await?;
    let (verification, _, _) = one(platform, verification_id, &order.form).await?;
    Ok(Started {
        verification,
        order_state,
        face_url: None,
    })
}

/// `0.37`, `0.5`, `1` or `1.00` yuan as fen; `None` if it is not an amount.
pub fn parse_yuan(text: &str) -> Option<i64> {
    let text = text.trim().trim_start_matches('¥');
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

#[cfg(test)]
mod tests {
    #[test]
    fn yuan_amounts() {
        assert_eq!(super::parse_yuan("0.37"), Some(37));
        assert_eq!(super::parse_yuan("0.5"), Some(50));
        assert_eq!(super::parse_yuan("1"), Some(100));
        assert_eq!(super::parse_yuan("¥1.00"), Some(100));
        assert_eq!(super::parse_yuan("0.371"), None);
        assert_eq!(super::parse_yuan("-1"), None);
        assert_eq!(super::parse_yuan("abc"), None);
        assert_eq!(super::parse_yuan(""), None);
    }
}

//! When the checks of an order are done: every party passed or went to a person, by a check of
//! the data the form names now; the hand-overs stay flags for the reviewer; a price lowered after
//! payment is refunded before review; and the offline mail flow hands the open parties to a person.

use super::status::VerificationStatus;
use super::{CheckDetail, NewSession, current, insert, list, requirements};
use crate::Platform;
use crate::desk::DeskError;
use crate::desk::catalog::{self, Method};
use crate::desk::orders::{self, Change, Columns, Event, Note, Order, OrderState};
use crate::error::CoreError;
use crate::platform::clock::{Clock as _, Timestamp};

/// The offline mail flow (APP-15): the applicant mails the signed paper form; every party not
/// yet checked goes to a reviewer, and the order moves on.
pub async fn choose_offline(platform: &Platform, order: &Order) -> Result<OrderState, CoreError> {
    if order.state != OrderState::Verifying {
        return Err(DeskError::Transition("verify", order.state.as_str()).into());
    }
    let product = catalog::product(platform, &order.product_id).await?;
    let done = current(platform, order).await?;
    for requirement in requirements(&product, &order.form) {
        if done
            .iter()
            .any(|v| v.party == requirement.party && v.state.settles_party())
        {
            continue;
        }
        let method = requirement
            .methods
            .first()
            .copied()
            .unwrap_or(Method::ThreeFactor);
        insert(
            platform,
            order,
            &NewSession {
                id: None,
                party: requirement.party,
                method,
                state: VerificationStatus::Manual,
                attempts: 0,
                secret: None,
                detail: CheckDetail::OfflineForm,
                expires_at: platform.clock.now(),
            },
        )
        .await?;
    }
    advance(platform, &order.id).await
}

/// Moves a verifying order on once every party passed or went to a person, by a check of the
/// data the form holds now; flags the latter.
pub(super) async fn advance(platform: &Platform, order_id: &str) -> Result<OrderState, CoreError> {
    let order = orders::load(platform, order_id).await?;
    if order.state != OrderState::Verifying {
        return Ok(order.state);
    }
    let product = catalog::product(platform, &order.product_id).await?;
    // Only checks of the identities the form names now count (a form edited after a pass
    // needs a new check).
    let all = list(platform, &order).await?;
    for requirement in requirements(&product, &order.form) {
        let settled = all
            .iter()
            .any(|v| v.current && v.party == requirement.party && v.state.settles_party());
        if !settled {
            return Ok(order.state);
        }
    }
    // Every hand-over to a person stays a flag (a code, see `orders::flags`) for the reviewer, even when the party passed
    // another way afterwards (or the form was edited since).
    let manual: Vec<String> = all
        .iter()
        .rev()
        .filter(|v| v.state == VerificationStatus::Manual)
        .map(|v| v.result().hand_over().flag(v.party.as_str()))
        .collect();
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let order = orders::load_in(platform, &mut tx, order_id).await?;
    if order.state != OrderState::Verifying {
        return Ok(order.state);
    }
    let order = refund_surplus(platform, &mut tx, order, now).await?;
    let flags = (!manual.is_empty()).then(|| {
        let mut flags = order.flags.clone();
        for flag in manual {
            if !flags.contains(&flag) {
                flags.push(flag);
            }
        }
        flags
    });
    let to = orders::apply(
        platform,
        &mut tx,
        &order,
        &Change::new(Event::Verified, "system", Note::Verified, now).with(Columns {
            flags,
            ..Columns::default()
        }),
    )
    .await?;
    tx.commit().await?;
    if to == OrderState::AwaitingReview {
        return crate::desk::review::approve_without_review(platform, order_id).await;
    }
    Ok(to)
}

/// A price lowered after payment (an order edited after rejection): before review, what was paid
/// goes back through the outbox (gateway refunds are whole payments) and the new price is paid
/// like a first one. The order as it stands afterwards.
async fn refund_surplus(
    platform: &Platform,
    tx: &mut crate::platform::db::Tx,
    order: Order,
    now: Timestamp,
) -> Result<Order, CoreError> {
    if order.paid_fen.get() <= order.amount_fen.get() {
        return Ok(order);
    }
    let refunded = crate::desk::payments::refund_all(tx, &order.id, now).await?;
    let event = crate::platform::audit::AuditEvent::new(
        "system",
        "desk.order.refund_surplus",
        format!("order:{}", order.id),
    )
    .change(
        serde_json::json!({ "paid_fen": order.paid_fen, "amount_fen": order.amount_fen }),
        serde_json::json!({ "refunded_fen": refunded }),
    );
    platform.audit.append(tx, now, &event).await?;
    crate::desk::notify::applicant(
        platform,
        tx,
        &order,
        "订单金额已变更",
        &format!(
            "金额已变更为 {} 元，原付款 {} 元将原路退回，请按新金额支付。",
            order.amount_fen.yuan(),
            refunded.yuan()
        ),
    )
    .await?;
    orders::load_in(platform, tx, &order.id).await
}

//! The CA staff's side (APP-12, APP-13): the review queue, approve or reject with a reason, ship
//! with a tracking number, refund. Applicants are told by SMS and email. Dual control: nobody
//! approves, rejects or refunds an application they made themselves.

use super::DeskError;
use super::catalog::Business;
use super::orders::{self, Change, Columns, Event, Note, Order, OrderState};
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Clock as _;

/// Refuses a decision on the reviewer's own application (issue 12, finding 8): a reviewer who is
/// also an applicant could otherwise approve data nobody else looked at, or pay themselves back.
/// `reviewer` is the actor, `user:{id}`.
fn refuse_own(order: &Order, reviewer: &str) -> Result<(), CoreError> {
    if reviewer.strip_prefix("user:") == Some(order.user_id.as_str()) {
        return Err(DeskError::OwnApplication.into());
    }
    Ok(())
}

/// Approves an order under review. A paid cloud order's issuance is queued with the approval
/// and run right after it commits (a worker retries it when that run fails).
pub async fn approve(
    platform: &Platform,
    order: &Order,
    reviewer: &str,
) -> Result<Order, CoreError> {
    refuse_own(order, reviewer)?;
    approve_as(platform, order, reviewer, Note::Approved).await
}

/// LIFE-2 ("optional review before download"): a renewal of a product whose renewals need no
/// review is approved by the system as soon as it reaches review, unless the automatic checks
/// flagged something for a person. Returns the order's state afterwards.
pub async fn approve_without_review(
    platform: &Platform,
    order_id: &str,
) -> Result<OrderState, CoreError> {
    let order = orders::load(platform, order_id).await?;
    if order.state != OrderState::AwaitingReview
        || order.kind != Business::Renewal
        || !order.flags.is_empty()
    {
        return Ok(order.state);
    }
    let product = super::catalog::product(platform, &order.product_id).await?;
    if product.settings.renewal_review {
        return Ok(order.state);
    }
    match approve_as(platform, &order, "system", Note::ApprovedWithoutReview).await {
        Ok(order) => Ok(order.state),
        // Another request moved the order first (its version changed): that one goes on.
        Err(e) if matches!(e.as_wing(), Some(DeskError::Transition(..))) => {
            Ok(orders::load(platform, order_id).await?.state)
        }
        Err(e) => Err(e),
    }
}

async fn approve_as(
    platform: &Platform,
    order: &Order,
    reviewer: &str,
    note: Note,
) -> Result<Order, CoreError> {
    order.check(Event::Approve)?;
    let product = super::catalog::product(platform, &order.product_id).await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let to = orders::apply(
        platform,
        &mut tx,
        order,
        &Change::new(Event::Approve, reviewer, note, now),
    )
    .await?;
    if to == OrderState::AwaitingProduction {
        super::production::queue_issuance(&mut tx, now, &order.id, &product).await?;
    }
    let text = if to == OrderState::AwaitingPayment {
        "已审核通过，请登录完成支付。"
    } else if product.settings.issues_certificate {
        "已审核通过，正在为您制作证书。"
    } else {
        "已审核通过，申请已办结。"
    };
    super::notify::applicant(platform, &mut tx, order, "审核已通过", text).await?;
    tx.commit().await?;
    let order = orders::load(platform, &order.id).await?;
    if to == OrderState::AwaitingPayment {
        return Ok(order);
    }
    super::production::after_approval(platform, &order).await
}

/// Rejects an order with the reason the applicant will see; they edit and resubmit.
pub async fn reject(
    platform: &Platform,
    order: &Order,
    reviewer: &str,
    reason: &str,
) -> Result<Order, CoreError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(DeskError::ReasonRequired.into());
    }
    refuse_own(order, reviewer)?;
    order.check(Event::Reject)?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    orders::apply(
        platform,
        &mut tx,
        order,
        &Change::new(
            Event::Reject,
            reviewer,
            Note::Rejected {
                reason: reason.to_owned(),
            },
            now,
        )
        .with(Columns {
            reject_reason: Some(Some(reason.to_owned())),
            ..Columns::default()
        }),
    )
    .await?;
    super::notify::applicant(
        platform,
        &mut tx,
        order,
        "审核未通过",
        &format!("未通过审核，原因：{reason}。请登录修改后重新提交。"),
    )
    .await?;
    tx.commit().await?;
    orders::load(platform, &order.id).await
}

/// Refunds a paid order that was not produced, on a reviewer's decision (the applicant's own
/// request after a rejection goes to [`super::payments::refund`] directly).
pub async fn refund(
    platform: &Platform,
    order: &Order,
    reviewer: &str,
) -> Result<Order, CoreError> {
    refuse_own(order, reviewer)?;
    super::payments::refund(platform, order, reviewer).await
}

/// Records the courier's tracking number; the order completes and the applicant is told.
pub async fn ship(
    platform: &Platform,
    order: &Order,
    producer: &str,
    courier: &str,
    tracking_number: &str,
) -> Result<Order, CoreError> {
    let tracking = super::orders::strip_spaces(tracking_number);
    if tracking.len() < 6
        || tracking.len() > 40
        || !tracking.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(PlatformError::Invalid {
            field: "tracking_number",
            zh: "快递单号应为 6–40 位字母或数字",
            en: "The tracking number must be 6–40 letters or digits",
        }
        .into());
    }
    order.check(Event::Shipped)?;
    let product = super::catalog::product(platform, &order.product_id).await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let courier = courier.trim();
    orders::apply(
        platform,
        &mut tx,
        order,
        &Change::new(
            Event::Shipped,
            producer,
            Note::Shipped {
                courier: courier.to_owned(),
                tracking: tracking.clone(),
            },
            now,
        )
        .with(Columns {
            tracking_number: Some(format!("{courier} {tracking}").trim().to_owned()),
            ..Columns::default()
        }),
    )
    .await?;
    super::notify::applicant(
        platform,
        &mut tx,
        order,
        "证书已发货",
        &format!("的 USB Key 已发货，{courier} 单号 {tracking}。"),
    )
    .await?;
    let invoice = super::invoices::queue(
        &mut tx,
        now,
        order,
        &product,
        super::catalog::InvoiceTiming::AfterShipment,
    )
    .await?;
    tx.commit().await?;
    if invoice {
        super::jobs::run_now(platform, &super::invoices::invoice_key(&order.id)).await;
    }
    orders::load(platform, &order.id).await
}

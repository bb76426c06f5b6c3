//! The order state machine: every state of seed 003 §5 and the transitions between them as one
//! table. A transition not in the table is refused before anything is written.

use serde::{Deserialize, Serialize};

use super::super::catalog::Medium;

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OrderState {
    /// 草稿: the applicant fills the wizard.
    Drafting,
    /// 身份核验中: submitted and signed; the product's identity checks are running.
    Verifying,
    /// 待支付
    AwaitingPayment,
    /// 待审核
    AwaitingReview,
    /// 已驳回: the applicant edits (back to drafting) and resubmits.
    Rejected,
    /// 待制证
    AwaitingProduction,
    /// 待更新: a renewed or changed certificate waits to be written to the holder's key.
    AwaitingUpdate,
    /// 待恢复: a reissued certificate waits to be written to a replacement key.
    AwaitingRecovery,
    /// 待配送: produced onto a USB key, waiting for a tracking number.
    AwaitingDelivery,
    /// 待下载: the applicant downloads onto a key they hold.
    AwaitingDownload,
    /// 待解锁
    AwaitingUnlock,
    /// 已完成
    Completed,
    /// 已取消
    Cancelled,
    /// 已退款
    Refunded,
}

pub const ALL_STATES: [OrderState; 14] = [
    OrderState::Drafting,
    OrderState::Verifying,
    OrderState::AwaitingPayment,
    OrderState::AwaitingReview,
    OrderState::Rejected,
    OrderState::AwaitingProduction,
    OrderState::AwaitingUpdate,
    OrderState::AwaitingRecovery,
    OrderState::AwaitingDelivery,
    OrderState::AwaitingDownload,
    OrderState::AwaitingUnlock,
    OrderState::Completed,
    OrderState::Cancelled,
    OrderState::Refunded,
];

impl OrderState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Drafting => "drafting",
            Self::Verifying => "verifying",
            Self::AwaitingPayment => "awaiting_payment",
            Self::AwaitingReview => "awaiting_review",
            Self::Rejected => "rejected",
            Self::AwaitingProduction => "awaiting_production",
            Self::AwaitingUpdate => "awaiting_update",
            Self::AwaitingRecovery => "awaiting_recovery",
            Self::AwaitingDelivery => "awaiting_delivery",
            Self::AwaitingDownload => "awaiting_download",
            Self::AwaitingUnlock => "awaiting_unlock",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        ALL_STATES.into_iter().find(|s| s.as_str() == text)
    }

    /// The Chinese label the applicant sees.
    pub fn label(self) -> &'static str {
        match self {
            Self::Drafting => "草稿",
            Self::Verifying => "身份核验中",
            Self::AwaitingPayment => "待支付",
            Self::AwaitingReview => "待审核",
            Self::Rejected => "已驳回",
            Self::AwaitingProduction => "待制证",
            Self::AwaitingUpdate => "待更新",
            Self::AwaitingRecovery => "待恢复",
            Self::AwaitingDelivery => "待配送",
            Self::AwaitingDownload => "待下载",
            Self::AwaitingUnlock => "待解锁",
            Self::Completed => "已完成",
            Self::Cancelled => "已取消",
            Self::Refunded => "已退款",
        }
    }

    pub fn label_of(text: &str) -> &'static str {
        Self::parse(text).map_or("未知", Self::label)
    }

    /// Finished orders no longer hold the "one open order per ID and business" slot.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled | Self::Refunded)
    }
}

/// What happens to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// The applicant changes the form (a rejected order goes back to drafting).
    Edit,
    /// Submitted and signed; identity checks start.
    Submit,
    /// Every identity check passed (or was handed to a person).
    Verified,
    /// Payment confirmed by the gateway.
    Paid,
    /// A reviewer approved.
    Approve,
    /// A reviewer rejected, with a reason.
    Reject,
    /// Certificates made: onto a USB key (then delivery), or cloud (then completed).
    ProducedToToken,
    ProducedToCloud,
    /// Ready for the applicant's own key.
    ReadyForDownload,
    /// The applicant's key received the certificate.
    Downloaded,
    /// Approved, and the product issues no certificate: the order is done.
    Concluded,
    /// Staff entered the tracking number.
    Shipped,
    /// A renewal/change/reissue/unlock needs the holder's key.
    AwaitKeyUpdate,
    AwaitRecovery,
    AwaitUnlock,
    /// The holder's key was updated, recovered or unlocked.
    KeyDone,
    Cancel,
    Refund,
    /// One certificate of a multi-certificate order was written to a key; more to come.
    TokenWritten,
    /// The applicant changed the shipping address (until a tracking number exists).
    ChangeShipping,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Edit => "edit",
            Self::Submit => "submit",
            Self::Verified => "verified",
            Self::Paid => "paid",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::ProducedToToken => "produced_to_token",
            Self::ProducedToCloud => "produced_to_cloud",
            Self::ReadyForDownload => "ready_for_download",
            Self::Downloaded => "downloaded",
            Self::Concluded => "concluded",
            Self::Shipped => "shipped",
            Self::AwaitKeyUpdate => "await_key_update",
            Self::AwaitRecovery => "await_recovery",
            Self::AwaitUnlock => "await_unlock",
            Self::KeyDone => "key_done",
            Self::Cancel => "cancel",
            Self::Refund => "refund",
            Self::TokenWritten => "token_written",
            Self::ChangeShipping => "shipping",
        }
    }

    /// The verb used in refusals.
    pub fn action(self) -> &'static str {
        match self {
            Self::Edit => "save",
            Self::Submit => "submit",
            Self::Verified => "verify",
            Self::Paid => "pay",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::ProducedToToken
            | Self::ProducedToCloud
            | Self::ReadyForDownload
            | Self::AwaitKeyUpdate
            | Self::AwaitRecovery
            | Self::AwaitUnlock
            | Self::Concluded => "produce",
            Self::Downloaded | Self::KeyDone | Self::TokenWritten => "download",
            Self::Shipped => "ship",
            Self::Cancel => "cancel",
            Self::Refund => "refund",
            Self::ChangeShipping => "change_shipping",
        }
    }
}

/// What the guards of a transition look at.
#[derive(Debug, Clone, Copy)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent yes/no facts of an order that the guards read, not a state"
)]
pub struct Facts {
    pub review_first: bool,
    /// Money is held for the order (a paid payment not refunded): it is refunded, not cancelled.
    pub paid: bool,
    /// Part of the price is still to be paid: nothing paid yet, or the price rose after a
    /// payment (an order edited after rejection pays the difference before review). `false` for
    /// an order with nothing to pay (an unlock).
    pub due: bool,
    /// A tracking number exists: the parcel has left.
    pub shipped: bool,
}

/// The next state, or `None` when the event is not allowed in `from`.
#[expect(
    clippy::match_same_arms,
    reason = "one row per transition reads as the table it is"
)]
pub fn next(from: OrderState, event: Event, facts: Facts) -> Option<OrderState> {
    use Event as E;
    use OrderState as S;
    let after_review = || {
        if facts.due {
            S::AwaitingPayment
        } else {
            S::AwaitingProduction
        }
    };
    Some(match (from, event) {
        // A failed identity check can be fixed by editing the form and signing again.
        (S::Drafting | S::Rejected | S::Verifying, E::Edit) => S::Drafting,
        (S::Drafting, E::Submit) => S::Verifying,
        // Review first, or nothing left to pay (a rejected order resubmitted at the price paid).
        (S::Verifying, E::Verified) if facts.review_first || !facts.due => S::AwaitingReview,
        (S::Verifying, E::Verified) => S::AwaitingPayment,
        (S::AwaitingPayment, E::Paid) if facts.due && facts.review_first => S::AwaitingProduction,
        (S::AwaitingPayment, E::Paid) if facts.due => S::AwaitingReview,
        (S::AwaitingReview, E::Approve) => after_review(),
        (S::AwaitingReview, E::Reject) => S::Rejected,
        (S::AwaitingProduction, E::ProducedToToken) => S::AwaitingDelivery,
        (S::AwaitingProduction, E::ReadyForDownload) => S::AwaitingDownload,
        (S::AwaitingProduction, E::AwaitKeyUpdate) => S::AwaitingUpdate,
        (S::AwaitingProduction, E::AwaitRecovery) => S::AwaitingRecovery,
        (S::AwaitingProduction, E::AwaitUnlock) => S::AwaitingUnlock,
        (S::AwaitingProduction, E::ProducedToCloud | E::Concluded)
        | (S::AwaitingDownload, E::Downloaded) => S::Completed,
        (S::AwaitingDelivery, E::Shipped) => S::Completed,
        (S::AwaitingUpdate | S::AwaitingRecovery | S::AwaitingUnlock, E::KeyDone) => S::Completed,
        // Before money moves an order can simply be cancelled.
        (
            S::Drafting | S::Verifying | S::AwaitingPayment | S::AwaitingReview | S::Rejected,
            E::Cancel,
        ) if !facts.paid => S::Cancelled,
        // Paid but nothing produced yet: the money goes back.
        (S::AwaitingReview | S::Rejected | S::AwaitingProduction, E::Refund) if facts.paid => {
            S::Refunded
        }
        // Further certificates of a multi-certificate order, before the last one moves it on.
        (
            S::AwaitingProduction | S::AwaitingDownload | S::AwaitingUpdate | S::AwaitingRecovery,
            E::TokenWritten,
        ) => from,
        (_, E::ChangeShipping) if !from.is_finished() && !facts.shipped => from,
        _ => return None,
    })
}

pub const ALL_EVENTS: [Event; 20] = [
    Event::Edit,
    Event::Submit,
    Event::Verified,
    Event::Paid,
    Event::Approve,
    Event::Reject,
    Event::ProducedToToken,
    Event::ProducedToCloud,
    Event::ReadyForDownload,
    Event::Downloaded,
    Event::Concluded,
    Event::Shipped,
    Event::AwaitKeyUpdate,
    Event::AwaitRecovery,
    Event::AwaitUnlock,
    Event::KeyDone,
    Event::Cancel,
    Event::Refund,
    Event::TokenWritten,
    Event::ChangeShipping,
];

/// The event that writing a certificate to a key means, by the product's medium and the order's
/// state: `None` when no key may receive a certificate now.
pub fn key_write_event(medium: Medium, state: OrderState) -> Option<Event> {
    use OrderState as S;
    match (medium, state) {
        (Medium::UsbKey, S::AwaitingProduction) => Some(Event::ProducedToToken),
        (Medium::OwnKey, S::AwaitingDownload) => Some(Event::Downloaded),
        (Medium::UsbKey, S::AwaitingUpdate | S::AwaitingRecovery) => Some(Event::KeyDone),
        _ => None,
    }
}

/// Who looks at an order: the actions offered differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Applicant,
    Staff,
}

/// What a caller may do with an order now, as the web app names its buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Action {
    /// Open the wizard or the order page to go on (edit, sign, verify or pay).
    Continue,
    /// Save the form.
    Save,
    /// Sign and submit.
    Submit,
    Pay,
    Cancel,
    Refund,
    ChangeShipping,
    /// Write the certificate to a key the holder has (own key, renewal, recovery).
    Download,
    Approve,
    Reject,
    /// Write the certificate to a USB key at the token station.
    Produce,
    Ship,
}

pub const ALL_ACTIONS: [Action; 12] = [
    Action::Continue,
    Action::Save,
    Action::Submit,
    Action::Pay,
    Action::Cancel,
    Action::Refund,
    Action::ChangeShipping,
    Action::Download,
    Action::Approve,
    Action::Reject,
    Action::Produce,
    Action::Ship,
];

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Continue => "continue",
            Self::Save => "save",
            Self::Submit => "submit",
            Self::Pay => "pay",
            Self::Cancel => "cancel",
            Self::Refund => "refund",
            Self::ChangeShipping => "change_shipping",
            Self::Download => "download",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Produce => "produce",
            Self::Ship => "ship",
        }
    }
}

/// Whether `viewer` may take `action` on an order in `state` with `facts`, for a product of
/// `medium`: the transition table decides, plus the few rules about who acts.
pub fn allows(
    viewer: Viewer,
    action: Action,
    state: OrderState,
    facts: Facts,
    medium: Medium,
) -> bool {
    let can = |event| next(state, event, facts).is_some();
    let key_event = key_write_event(medium, state);
    match (viewer, action) {
        (Viewer::Applicant, Action::Continue) => can(Event::Edit) || can(Event::Paid),
        (Viewer::Applicant, Action::Save) => can(Event::Edit),
        (Viewer::Applicant, Action::Submit) => can(Event::Submit),
        (Viewer::Applicant, Action::Pay) => can(Event::Paid),
        (Viewer::Applicant, Action::Cancel) => can(Event::Cancel),
        // An applicant asks for the money back only after a rejection; staff at any time the
        // table allows.
        (Viewer::Applicant, Action::Refund) => state == OrderState::Rejected && can(Event::Refund),
        (Viewer::Staff, Action::Refund) => can(Event::Refund),
        (Viewer::Applicant, Action::ChangeShipping) => {
            medium == Medium::UsbKey && can(Event::ChangeShipping)
        }
        // The holder's key client writes to a key the holder has; staff write new USB keys.
        (Viewer::Applicant, Action::Download) => {
            state != OrderState::AwaitingProduction && key_event.is_some_and(can)
        }
        (Viewer::Staff, Action::Approve) => can(Event::Approve),
        (Viewer::Staff, Action::Reject) => can(Event::Reject),
        (Viewer::Staff, Action::Produce) => {
            state == OrderState::AwaitingProduction && key_event.is_some_and(can)
        }
        (Viewer::Staff, Action::Ship) => can(Event::Shipped),
        _ => false,
    }
}

/// Every action `viewer` may take now, in a stable order.
pub fn allowed_actions(
    viewer: Viewer,
    state: OrderState,
    facts: Facts,
    medium: Medium,
) -> Vec<Action> {
    ALL_ACTIONS
        .into_iter()
        .filter(|action| allows(viewer, *action, state, facts, medium))
        .collect()
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;

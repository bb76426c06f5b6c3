//! Employees of an enterprise (ES-6, seed 004 §2.4): the onboarding field set, onboarding (single,
//! Excel, QR self-onboarding) with an SMS link to a phone form, approval, the roster with
//! transfers and resignations, and the directory's department tree.
//!
//! Every route takes the enterprise id from the request and checks the caller with
//! [`super::access::require`] first (a delegate or the administrator manages employees), so an
//! employee or department of another enterprise reads as not found.

pub mod departments;
pub mod fields;
pub mod import;
pub mod onboarding;
pub mod roster;
mod store;

pub use store::{EmployeeDetail, EmployeeSummary};

use serde::Serialize;

/// Where an onboarding stands. The allowed moves are [`TRANSITIONS`]; anything else is refused
/// with [`super::ContractsError::EmployeeState`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EmployeeState {
    /// Entered (single, Excel or QR); the SMS link to the phone form is out.
    Invited,
    /// The employee filled the form; waiting for the administrator.
    Submitted,
    /// Sent back with a reason and a new link.
    Rejected,
    /// Approved: on the roster.
    Active,
    /// Left the enterprise on `resigned_on`.
    Resigned,
}

/// What is done to an onboarding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Submit,
    Approve,
    Reject,
    Transfer,
    Resign,
    Resend,
}

/// Every allowed move: (from, action, to). Tests walk each edge and each missing one.
pub const TRANSITIONS: &[(EmployeeState, Action, EmployeeState)] = &[
    (
        EmployeeState::Invited,
        Action::Submit,
        EmployeeState::Submitted,
    ),
    (
        EmployeeState::Rejected,
        Action::Submit,
        EmployeeState::Submitted,
    ),
    (
        EmployeeState::Invited,
        Action::Resend,
        EmployeeState::Invited,
    ),
    (
        EmployeeState::Rejected,
        Action::Resend,
        EmployeeState::Rejected,
    ),
    (
        EmployeeState::Submitted,
        Action::Approve,
        EmployeeState::Active,
    ),
    (
        EmployeeState::Submitted,
        Action::Reject,
        EmployeeState::Rejected,
    ),
    (
        EmployeeState::Active,
        Action::Transfer,
        EmployeeState::Active,
    ),
    (
        EmployeeState::Active,
        Action::Resign,
        EmployeeState::Resigned,
    ),
];

impl EmployeeState {
    pub const ALL: [Self; 5] = [
        Self::Invited,
        Self::Submitted,
        Self::Rejected,
        Self::Active,
        Self::Resigned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Submitted => "submitted",
            Self::Rejected => "rejected",
            Self::Active => "active",
            Self::Resigned => "resigned",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Invited => "待采集",
            Self::Submitted => "待审核",
            Self::Rejected => "已驳回",
            Self::Active => "在职",
            Self::Resigned => "已离职",
        }
    }

    /// Where `action` leads from here, if it is allowed.
    pub fn after(self, action: Action) -> Option<Self> {
        TRANSITIONS
            .iter()
            .find(|(from, done, _)| *from == self && *done == action)
            .map(|(_, _, to)| *to)
    }
}

impl Action {
    pub const ALL: [Self; 6] = [
        Self::Submit,
        Self::Approve,
        Self::Reject,
        Self::Transfer,
        Self::Resign,
        Self::Resend,
    ];

    /// The English past participle the refusal names (`approved`, `transferred`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submitted",
            Self::Approve => "approved",
            Self::Reject => "rejected",
            Self::Transfer => "transferred",
            Self::Resign => "resigned",
            Self::Resend => "sent a new link",
        }
    }
}

/// The Chinese wording of an action named by [`Action::as_str`], for the refusal.
pub fn action_zh(action: &str) -> &'static str {
    match action {
        "submitted" => "提交信息",
        "approved" => "审核通过",
        "rejected" => "驳回",
        "transferred" => "调岗",
        "resigned" => "办理离职",
        "sent a new link" => "重新发送链接",
        _ => "执行此操作",
    }
}

/// The state after `action`, or the refusal naming the current state.
pub fn transition(
    state: EmployeeState,
    action: Action,
) -> Result<EmployeeState, crate::error::CoreError> {
    state.after(action).ok_or_else(|| {
        super::ContractsError::EmployeeState {
            action: action.as_str(),
            state: state.as_str().to_owned(),
        }
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::{Action, EmployeeState, TRANSITIONS, transition};

    #[test]
    fn every_edge_and_every_missing_edge() {
        for state in EmployeeState::ALL {
            assert_eq!(EmployeeState::parse(state.as_str()), Some(state));
            for action in Action::ALL {
                let listed = TRANSITIONS
                    .iter()
                    .find(|(from, done, _)| *from == state && *done == action);
                match (listed, transition(state, action)) {
                    (Some((_, _, to)), Ok(next)) => assert_eq!(*to, next),
                    (None, Err(error)) => {
                        assert_eq!(error.code(), "employee_state");
                        let zh = error.describe().zh;
                        assert!(zh.contains(state.name_zh()), "{zh}");
                        assert!(!zh.contains("执行此操作"), "{zh}");
                    }
                    (listed, result) => panic!("{state:?} {action:?}: {listed:?} vs {result:?}"),
                }
            }
        }
        // Nothing leaves `resigned`: re-hiring is a new onboarding.
        assert!(
            Action::ALL
                .iter()
                .all(|a| EmployeeState::Resigned.after(*a).is_none())
        );
        assert_eq!(EmployeeState::parse("pending"), None);
    }
}

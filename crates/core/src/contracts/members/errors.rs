//! The wording of the members part's refusals ([`ContractsError`]'s `-- members --` section),
//! kept here so the wing's `describe` stays short.

use crate::contracts::ContractsError;
use crate::error::{Description, ErrorKind};

#[expect(
    clippy::too_many_lines,
    reason = "one arm per refusal of the members part, as the wing's own table"
)]
pub(crate) fn describe(error: &ContractsError) -> Description {
    use ErrorKind as K;
    let d = |kind, code, field: Option<&'static str>, zh: String, en: String| Description {
        kind,
        code,
        field,
        zh,
        en,
        retry_after: None,
    };
    match error {
        ContractsError::AlreadyMember => d(
            K::Conflict,
            "already_member",
            Some("enterprise_id"),
            "您已是该企业的成员".into(),
            "You are already a member of this enterprise".into(),
        ),
        ContractsError::JoinPending => d(
            K::Conflict,
            "join_pending",
            Some("enterprise_id"),
            "您加入该企业的申请正在审核中，请勿重复申请".into(),
            "Your request to join this enterprise is already waiting for review".into(),
        ),
        ContractsError::RequestNotPending => d(
            K::Conflict,
            "join_request_not_pending",
            None,
            "该申请已处理或已撤销".into(),
            "This request has already been decided or withdrawn".into(),
        ),
        ContractsError::BusinessTypeInactive => d(
            K::Conflict,
            "business_type_inactive",
            Some("business_type_ids"),
            "该业务类型已停用".into(),
            "This business type is switched off".into(),
        ),
        ContractsError::BusinessTypeTaken => d(
            K::Conflict,
            "business_type_taken",
            Some("name"),
            "已有同名的业务类型".into(),
            "A business type of this name already exists".into(),
        ),
        ContractsError::TakeoverRequired => d(
            K::Conflict,
            "takeover_required",
            Some("takeover_user_id"),
            "该成员仍有合同权限，请指定接手人后再删除".into(),
            "This member still holds contracts; name who takes them over first".into(),
        ),
        ContractsError::AdminStays => d(
            K::Conflict,
            "admin_stays",
            Some("user_id"),
            "企业管理员不能被删除或退出，请先转让管理员".into(),
            "The administrator cannot be removed or leave; transfer the role first".into(),
        ),
        ContractsError::NotOneself => d(
            K::BadInput,
            "not_oneself",
            Some("user_id"),
            "不能对自己执行此操作".into(),
            "You cannot do this to yourself".into(),
        ),
        ContractsError::NotLegalRep => d(
            K::Forbidden,
            "not_legal_rep",
            None,
            "您的实名信息与该企业的法定代表人不一致".into(),
            "Your verified name is not the enterprise's legal representative".into(),
        ),
        ContractsError::ClaimOpen => d(
            K::Conflict,
            "admin_claim_open",
            Some("enterprise_id"),
            "您对该企业的管理员申领正在办理中，请在“我的订单”中继续".into(),
            "Your claim of this enterprise's administrator role is open; continue it under My orders".into(),
        ),
        ContractsError::ClaimClosed(state) => d(
            K::Conflict,
            "admin_claim_closed",
            None,
            format!(
                "该管理员申领已{}，不能撤销",
                match state.as_str() {
                    "done" => "生效",
                    "void" => "办结（未生效）",
                    "withdrawn" => "撤销",
                    _ => "结束",
                }
            ),
            format!("This administrator claim is {state}; it cannot be withdrawn"),
        ),
        ContractsError::AdminClaimMoved => d(
            K::Conflict,
            "admin_claim_moved",
            None,
            "管理员申领已改为通过办理台订单办理：请在“我加入的企业”中点击“申请成为管理员”（接口：POST /api/v1/enterprises/{id}/admin-claims）".into(),
            "Claiming the administrator role is now a desk order: use “Claim the administrator role” under My joined enterprises (API: POST /api/v1/enterprises/{id}/admin-claims)".into(),
        ),
        _ => d(
            K::Internal,
            "internal",
            None,
            "内部错误".into(),
            "Internal error".into(),
        ),
    }
}

//! The wording of the tasks part's refusals ([`ContractsError`]'s `-- tasks --` section).

use crate::contracts::ContractsError;
use crate::error::{Description, ErrorKind};

/// A task state in Chinese.
fn state_zh(state: &str) -> &'static str {
    match state {
        "completed" => "已完成",
        "void" => "已作废",
        _ => "签署中",
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "one arm per refusal: the texts read best as one table"
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
        ContractsError::QuotaShort { missing } => d(
            K::Conflict,
            "quota_short",
            None,
            format!("企业合同份数不足，还差 {missing} 份，请先购买"),
            format!("The enterprise's contract quota is short by {missing}; buy more first"),
        ),
        ContractsError::NotYourTurn => d(
            K::Conflict,
            "not_your_turn",
            None,
            "还未轮到您签署，请等待前序签署方完成".into(),
            "It is not your turn to sign yet; wait for the parties before you".into(),
        ),
        ContractsError::AlreadySigned => d(
            K::Conflict,
            "already_signed",
            None,
            "您已签署过该合同".into(),
            "You have already signed this contract".into(),
        ),
        ContractsError::TaskClosed(state) => d(
            K::Conflict,
            "task_closed",
            None,
            format!("合同{}，不能再进行此操作", state_zh(state)),
            format!("The contract is {state}; this can no longer be done"),
        ),
        ContractsError::RefuseNotAllowed => d(
            K::Forbidden,
            "refuse_not_allowed",
            None,
            "发起方未允许您拒签该合同".into(),
            "The initiator did not allow you to refuse this contract".into(),
        ),
        ContractsError::RemindTooSoon { retry_after } => Description {
            retry_after: Some(*retry_after),
            ..d(
                K::TooMany,
                "remind_too_soon",
                None,
                "每位签署方一小时内只能催签一次，请稍后再试".into(),
                "Each party can be reminded once an hour; try again later".into(),
            )
        },
        ContractsError::SealNotGranted => d(
            K::Forbidden,
            "seal_not_granted",
            Some("seal_id"),
            "您没有该印章的使用授权，请联系企业管理员".into(),
            "You are not granted this seal; ask the enterprise administrator".into(),
        ),
        ContractsError::HandwritingRequired => d(
            K::Conflict,
            "handwriting_required",
            Some("personal_seal"),
            "请先在手机上采集手写签名".into(),
            "Capture your handwritten signature on the phone first".into(),
        ),
        ContractsError::TaskDocument { zh, en } => d(
            K::BadInput,
            "task_document",
            Some("documents"),
            format!("合同文件不符合要求：{zh}"),
            format!("A contract document is not acceptable: {en}"),
        ),
        ContractsError::TaskParty { zh, en } => d(
            K::BadInput,
            "task_party",
            Some("parties"),
            format!("签署方不符合要求：{zh}"),
            format!("A party is not acceptable: {en}"),
        ),
        ContractsError::RidingSeal { field, zh, en } => d(
            K::BadInput,
            "riding_seal",
            Some(field),
            format!("骑缝章设置不符合要求：{zh}"),
            format!("The riding seal is not acceptable: {en}"),
        ),
        ContractsError::EvidenceNotReady { completed: true } => Description {
            retry_after: Some(10),
            ..d(
                K::Conflict,
                "evidence_pending",
                None,
                "出证包正在生成，请稍后再下载".into(),
                "The evidence package is being made; download it again shortly".into(),
            )
        },
        ContractsError::EvidenceNotReady { completed: false } => d(
            K::Conflict,
            "evidence_not_completed",
            None,
            "合同尚未签署完成，完成后才能下载出证包".into(),
            "The contract is not completed yet; its evidence package comes after completion".into(),
        ),
        ContractsError::NothingToSign => d(
            K::Conflict,
            "nothing_to_sign",
            None,
            "该合同中没有待您签署的内容".into(),
            "There is nothing in this contract for you to sign".into(),
        ),
        ContractsError::PageNotFound => d(
            K::NotFound,
            "page_not_found",
            None,
            "未找到该页：请核对合同页面上二维码的链接".into(),
            "No such page: check the link of the QR code on the contract's page".into(),
        ),
        ContractsError::PageImageUnavailable => d(
            K::Unavailable,
            "page_image_unavailable",
            None,
            "暂时无法显示该页的图像，请稍后再试".into(),
            "The page's image cannot be shown right now; try again later".into(),
        ),
        ContractsError::BatchSignTasks { zh, en } => d(
            K::BadInput,
            "batch_sign_tasks",
            Some("task_ids"),
            format!("批量签署的合同不符合要求：{zh}"),
            format!("The contracts to sign in a batch are not acceptable: {en}"),
        ),
        ContractsError::BatchSignTask {
            task_id,
            kind,
            code,
            zh,
            en,
        } => d(
            *kind,
            *code,
            Some("task_ids"),
            format!("合同 {task_id}：{zh}"),
            format!("Contract {task_id}: {en}"),
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

//! The wording of the bulk launch's refusals ([`ContractsError`]'s `-- bulk launch --` section).
//! The workbook's own problems (not a spreadsheet, header, too many rows) reuse the employee
//! import's refusals, whose texts name no employee.

use crate::contracts::ContractsError;
use crate::error::{Description, ErrorKind};

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
        ContractsError::BulkEmpty => d(
            K::BadInput,
            "bulk_empty",
            Some("file"),
            "文件中没有可发起的合同数据行".into(),
            "The file holds no contract rows".into(),
        ),
        ContractsError::BulkInvalidRows { count } => d(
            K::Conflict,
            "bulk_invalid_rows",
            Some("valid_only"),
            format!("有 {count} 行未通过校验；请修改后重新上传，或选择只发起通过校验的行"),
            format!(
                "{count} rows failed the checks; correct them and upload again, or choose to launch only the rows that pass"
            ),
        ),
        ContractsError::BulkState(state) => d(
            K::Conflict,
            "bulk_state",
            None,
            format!(
                "该批次{}，不能再次发起",
                if state == "done" {
                    "已发起完成"
                } else {
                    "正在发起"
                }
            ),
            format!("This batch is {state}; it cannot be launched again"),
        ),
        ContractsError::BulkRowInvalid => d(
            K::Conflict,
            "bulk_row_invalid",
            Some("row"),
            "该行未通过校验，请先修改错误".into(),
            "This row failed the checks; correct its errors first".into(),
        ),
        ContractsError::BulkParty { zh, en } => d(
            K::BadInput,
            "bulk_party",
            Some("parties"),
            format!("签署方设置不符合要求：{zh}"),
            format!("The parties are not acceptable: {en}"),
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

//! The wording of the paper archive's refusals ([`ContractsError`]'s `-- archives --` section).

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
        ContractsError::ArchiveInput { field, zh, en } => d(
            K::BadInput,
            "archive_input",
            Some(*field),
            zh.clone(),
            en.clone(),
        ),
        ContractsError::ArchiveScan(problem) => {
            let (zh, en) = problem.words();
            d(K::BadInput, problem.code(), Some("file"), zh, en)
        }
        ContractsError::ArchiveNotZip => d(
            K::BadInput,
            "archive_not_zip",
            Some("file"),
            "请上传 zip 压缩包（内含填好的 Excel 和其中列出的 PDF 文件）".into(),
            "Upload a zip holding the filled Excel and the PDFs it names".into(),
        ),
        ContractsError::ArchivePackage { count } => d(
            K::BadInput,
            "archive_package",
            Some("file"),
            format!("归档包有 {count} 处错误，未归档任何合同；请按错误列表修改后重新上传"),
            format!(
                "The archive package has {count} errors; nothing was archived. Correct what is listed and upload again"
            ),
        ),
        ContractsError::ArchiveVoid => d(
            K::Conflict,
            "archive_void",
            None,
            "该归档已作废".into(),
            "This archive is already void".into(),
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

//! The wording of the templates' refusals (the variants in `ContractsError`'s templates section).

use super::FileProblem;
use crate::contracts::ContractsError;
use crate::error::{Description, ErrorKind};

/// How many refused values a message names before "…".
const NAMED: usize = 5;

/// The description of a templates refusal; another variant gets a generic conflict.
#[expect(
    clippy::too_many_lines,
    reason = "one arm per refusal, each with its two languages"
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
        ContractsError::TemplateFile(problem) => {
            let (code, zh, en) = file_problem(*problem);
            d(K::BadInput, code, Some("file"), zh.into(), en.into())
        }
        ContractsError::TemplateLayout(e) => d(
            K::BadInput,
            "template_layout",
            Some("layout"),
            format!("{}（{}）", e.zh, e.at),
            format!("{} ({})", e.en, e.at),
        ),
        ContractsError::TemplateIncomplete {
            missing_fields,
            missing_roles,
        } => {
            let mut zh = Vec::new();
            let mut en = Vec::new();
            if !missing_fields.is_empty() {
                zh.push(format!(
                    "业务类型要求的字段尚未放置：{}",
                    missing_fields.join("、")
                ));
                en.push(format!(
                    "fields the business type requires are not placed: {}",
                    missing_fields.join(", ")
                ));
            }
            for role in missing_roles {
                let (z, e) = if *role == "enterprise" {
                    (
                        "至少需要一个企业签署角色",
                        "at least one enterprise role is needed",
                    )
                } else {
                    (
                        "至少需要一个个人签署角色",
                        "at least one person role is needed",
                    )
                };
                zh.push(z.into());
                en.push(e.into());
            }
            d(
                K::Conflict,
                "template_incomplete",
                Some("fields"),
                format!("模板不能发布：{}", zh.join("；")),
                format!("The template cannot be published: {}", en.join("; ")),
            )
        }
        ContractsError::TemplateNotPublished => d(
            K::Conflict,
            "template_not_published",
            Some("template_id"),
            "该模板尚未发布，草稿不能用于发起签署".into(),
            "This template is not published; a draft cannot be launched".into(),
        ),
        ContractsError::TemplateFieldTaken => d(
            K::Conflict,
            "template_field_taken",
            Some("key"),
            "已有同名字段（含平台标准字段）".into(),
            "A field of this name exists (the platform's standard fields included)".into(),
        ),
        ContractsError::TemplateValues(errors) => {
            let named = |zh: bool| {
                let mut parts: Vec<String> = errors
                    .iter()
                    .take(NAMED)
                    .map(|e| {
                        if zh {
                            format!("“{}”{}", e.field, e.message_zh)
                        } else {
                            format!("{}: {}", e.field, e.message_en)
                        }
                    })
                    .collect();
                if errors.len() > NAMED {
                    parts.push("…".into());
                }
                parts
            };
            d(
                K::BadInput,
                "template_values",
                Some("values"),
                format!(
                    "有 {} 个字段的值不正确：{}",
                    errors.len(),
                    named(true).join("；")
                ),
                format!(
                    "{} values are refused: {}",
                    errors.len(),
                    named(false).join("; ")
                ),
            )
        }
        _ => d(
            K::Conflict,
            "conflict",
            None,
            "操作无法完成".into(),
            "The request cannot be completed".into(),
        ),
    }
}

fn file_problem(problem: FileProblem) -> (&'static str, &'static str, &'static str) {
    match problem {
        FileProblem::Kind => (
            "template_file_kind",
            "模板文件须为 PDF 或 Word（.docx）文件",
            "The template file must be a PDF or a Word (.docx) file",
        ),
        FileProblem::Encrypted => (
            "template_pdf_encrypted",
            "该 PDF 已加密（设有密码或权限限制），请上传未加密的文件",
            "This PDF is encrypted (a password or permissions); upload an unencrypted file",
        ),
        FileProblem::Corrupt => (
            "template_pdf_corrupt",
            "该 PDF 文件已损坏或不完整，无法读取",
            "This PDF is damaged or incomplete and cannot be read",
        ),
        FileProblem::NoPages => (
            "template_pdf_empty",
            "该 PDF 没有任何页面",
            "This PDF has no pages",
        ),
        FileProblem::Signed => (
            "template_pdf_signed",
            "该 PDF 已含签名，签名后的文件不能作为模板",
            "This PDF is already signed; a signed file cannot be a template",
        ),
        FileProblem::TooManyPages => (
            "template_pdf_pages",
            "模板最多 200 页",
            "A template has at most 200 pages",
        ),
        FileProblem::DocxUnconvertible => (
            "template_docx_unconvertible",
            "无法将该 Word 文件转换为 PDF（文件已损坏或不是有效的 .docx），请在 Word 中另存后重试，或直接上传 PDF",
            "This Word file cannot be converted to PDF (damaged or not a valid .docx); save it again in Word and retry, or upload a PDF",
        ),
        FileProblem::ConverterMissing => (
            "template_converter_missing",
            "服务器未安装 LibreOffice，暂不能转换 Word 文件，请上传 PDF",
            "LibreOffice is not installed on this server, so Word files cannot be converted; upload a PDF",
        ),
    }
}

//! The wording of the seals' refusals (the variants in `ContractsError`'s seals section), kept
//! here so the wing's `describe` stays one arm per part.

use crate::contracts::ContractsError;
use crate::error::{Description, ErrorKind};

/// The description of a seals refusal; another variant gets a generic conflict.
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
        ContractsError::SealUnusable => d(
            K::Conflict,
            "seal_unusable",
            Some("seal_id"),
            "该印章已停用或作废，不能授权或使用".into(),
            "This seal is disabled or void; it cannot be granted or used".into(),
        ),
        ContractsError::SealImageNotPng => d(
            K::BadInput,
            "seal_image_not_png",
            Some("image"),
            "印章图片必须是 PNG 文件".into(),
            "The seal image must be a PNG file".into(),
        ),
        ContractsError::SealImageNotTransparent => d(
            K::BadInput,
            "seal_image_not_transparent",
            Some("image"),
            "印章图片必须是透明背景的 PNG（带透明通道）".into(),
            "The seal image must be a PNG with a transparent background (an alpha channel)".into(),
        ),
        ContractsError::SealImageEmpty => d(
            K::BadInput,
            "seal_image_empty",
            Some("image"),
            "印章图片是空白的".into(),
            "The seal image is blank".into(),
        ),
        ContractsError::SealImageTooBig { max_side } => d(
            K::BadInput,
            "seal_image_too_big",
            Some("image"),
            format!("印章图片的宽和高不能超过 {max_side} 像素"),
            format!("The seal image may be at most {max_side} pixels wide and high"),
        ),
        ContractsError::SealExists => d(
            K::Conflict,
            "seal_exists",
            Some("seal_type"),
            "该类型的印章已存在，可替换其图片".into(),
            "A seal of this type exists; replace its image instead".into(),
        ),
        ContractsError::SealState { state } => d(
            K::Conflict,
            "seal_state",
            Some("seal_id"),
            match state.as_str() {
                "void" => "该印章已作废，不能再操作".into(),
                "active" => "该印章已是启用状态".into(),
                _ => "该印章已是停用状态".into(),
            },
            format!("The seal is {state}; this cannot be done now"),
        ),
        ContractsError::SealNoCertificate => d(
            K::Conflict,
            "seal_no_certificate",
            Some("enterprise_id"),
            "企业证书尚未签发，印章须绑定企业证书".into(),
            "The enterprise has no certificate yet; seals are bound to it".into(),
        ),
        ContractsError::SealText { what } => d(
            K::BadInput,
            "seal_text",
            Some("name"),
            format!("印章文字无法生成：{what}"),
            format!("The seal's text cannot be drawn: {what}"),
        ),
        _ => d(
            K::Conflict,
            "seal_conflict",
            None,
            "印章操作未能完成".into(),
            "The seal operation could not be completed".into(),
        ),
    }
}

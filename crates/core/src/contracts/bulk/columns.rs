//! The workbook's columns, made from the task's templates: one per launcher field (a key shared
//! by several templates is one column), then one mobile column per person role. The `.xlsx`
//! carries them as its header row (text cells, so ID and mobile numbers keep every digit), the
//! enterprise's known values in the first data row, a sheet of instructions and a hidden sheet
//! describing each column.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::contracts::templates::{FieldKind, RoleKind, TemplateField, TemplateVersion};
use crate::error::CoreError;

/// A column of the workbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Column {
    /// Its header (row 1).
    pub header: String,
    pub kind: ColumnKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ColumnKind {
    /// A field the launcher fills, by key.
    Field { key: String },
    /// The mobile number of the person who signs as `role`.
    Mobile { role: String },
}

/// The person roles of the versions (by key, first name wins), in the templates' order.
pub fn person_roles(versions: &[TemplateVersion]) -> Vec<(String, String)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for role in versions.iter().flat_map(|v| &v.roles) {
        if role.kind == RoleKind::Person && seen.insert(role.key.clone()) {
            out.push((role.key.clone(), role.name.clone()));
        }
    }
    out
}

/// The columns of the versions' workbook.
pub fn columns(versions: &[TemplateVersion]) -> Vec<Column> {
    let mut headers = BTreeSet::new();
    let mut out = Vec::new();
    for field in versions
        .iter()
        .flat_map(|v| &v.fields)
        .filter(|f| f.role.is_none())
    {
        if headers.insert(field.key.clone()) {
            out.push(Column {
                header: field.key.clone(),
                kind: ColumnKind::Field {
                    key: field.key.clone(),
                },
            });
        }
    }
    for (key, name) in person_roles(versions) {
        let mut header = format!("{name}手机号");
        if !headers.insert(header.clone()) {
            header = format!("{name}（{key}）手机号");
            headers.insert(header.clone());
        }
        out.push(Column {
            header,
            kind: ColumnKind::Mobile { role: key },
        });
    }
    out
}

/// Every field of the versions with `key`, the launcher's.
pub fn fields_of<'a>(versions: &'a [TemplateVersion], key: &str) -> Vec<&'a TemplateField> {
    versions
        .iter()
        .flat_map(|v| &v.fields)
        .filter(|f| f.role.is_none() && f.key == key)
        .collect()
}

fn kind_zh(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "文本",
        FieldKind::Date => "日期（2026-01-05、2026/1/5、2026年1月5日 或 Excel 日期）",
        FieldKind::Number => "数字",
        FieldKind::IdNumber => "身份证号（18 位，末位 x 大小写均可）",
        FieldKind::Mobile => "手机号（11 位）",
    }
}

/// The `.xlsx`: sheet 1 `合同` (the header row, `prefill` in row 2 under the columns it names),
/// sheet 2 `填写说明`, and the hidden sheet `columns` (one row per column: header, type, field
/// key or role, required, format, templates).
pub fn workbook(
    versions: &[TemplateVersion],
    columns: &[Column],
    prefill: &BTreeMap<String, String>,
) -> Result<Vec<u8>, CoreError> {
    use rust_xlsxwriter::{Format, Workbook};
    let failed = |e: rust_xlsxwriter::XlsxError| CoreError::internal(format!("workbook: {e}"));
    let mut workbook = Workbook::new();
    let text = Format::new().set_num_format("@");
    let bold = Format::new().set_bold().set_num_format("@");
    let sheet = workbook.add_worksheet();
    sheet.set_name("合同").map_err(failed)?;
    for (column, spec) in (0u16..).zip(columns) {
        sheet.set_column_width(column, 22).map_err(failed)?;
        sheet.set_column_format(column, &text).map_err(failed)?;
        sheet
            .write_string_with_format(0, column, &spec.header, &bold)
            .map_err(failed)?;
        if let ColumnKind::Field { key } = &spec.kind
            && let Some(value) = prefill.get(key)
        {
            sheet
                .write_string_with_format(1, column, value, &text)
                .map_err(failed)?;
        }
    }
    let notes = workbook.add_worksheet();
    notes.set_name("填写说明").map_err(failed)?;
    notes.set_column_width(0, 100).map_err(failed)?;
    let lines = [
        "每行一份合同，第 1 行表头请勿修改、删除或调换顺序；不要合并单元格；一次最多 10,000 行；空行会被跳过。",
        "第 2 行已预填本企业的固定信息，请在每一行填写或复制。",
        "日期可写作 2026-01-05、2026/1/5、2026年1月5日，或使用 Excel 日期格式。",
        "身份证号须为 18 位且校验位正确，末位 x 大小写均可；手机号须为签署人注册时的 11 位手机号。",
        "姓名须与该手机号注册人的实名一致；内容过长、放不进合同中的位置时会提示修改。",
        "公式单元格按 Excel 保存的计算结果读取，系统不会重新计算公式。",
    ];
    for (row, line) in (0u32..).zip(lines) {
        notes.write_string(row, 0, line).map_err(failed)?;
    }
    let described = workbook.add_worksheet();
    described.set_name("columns").map_err(failed)?;
    described.set_hidden(true);
    for (column, title) in
        (0u16..).zip(["header", "type", "key", "required", "format", "templates"])
    {
        described.write_string(0, column, title).map_err(failed)?;
    }
    for (row, spec) in (1u32..).zip(columns) {
        let (kind, key, required, format, templates) = match &spec.kind {
            ColumnKind::Field { key } => {
                let fields = fields_of(versions, key);
                let first = fields.first().map_or(FieldKind::Text, |f| f.kind);
                let names: Vec<&str> = versions
                    .iter()
                    .filter(|v| v.fields.iter().any(|f| f.role.is_none() && &f.key == key))
                    .map(|v| v.name.as_str())
                    .collect();
                (
                    first.as_str(),
                    key.clone(),
                    fields.iter().any(|f| f.required),
                    kind_zh(first),
                    names.join("、"),
                )
            }
            ColumnKind::Mobile { role } => (
                "mobile",
                role.clone(),
                true,
                kind_zh(FieldKind::Mobile),
                String::new(),
            ),
        };
        for (column, value) in (0u16..).zip([
            spec.header.as_str(),
            kind,
            key.as_str(),
            if required { "yes" } else { "no" },
            format,
            templates.as_str(),
        ]) {
            described.write_string(row, column, value).map_err(failed)?;
        }
    }
    workbook.save_to_buffer().map_err(failed)
}

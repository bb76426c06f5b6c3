//! Reading an uploaded workbook: only an `.xlsx` (anything else is refused before the parser
//! sees it), its first sheet, the header checked against the columns (same texts, same order),
//! blank rows skipped, at most [`MAX_ROWS`] data rows, merged regions found. Formula cells give
//! the value Excel saved with them; nothing is evaluated. Dates stored as Excel dates come out as
//! their serial numbers, which the value checks read as dates.

use calamine::Data;

use super::columns::Column;
use super::{MAX_BYTES, MAX_ROWS};
use crate::contracts::ContractsError;
use crate::contracts::excel::{FirstSheet, first_sheet};
use crate::contracts::templates::values::clean;
use crate::error::CoreError;

/// A data row: its number as Excel shows it (the header is row 1) and its cells by column
/// (`None`: an error value such as `#DIV/0!`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataRow {
    pub row: u32,
    pub cells: Vec<Option<String>>,
}

/// The data rows of an upload and the Excel rows inside merged regions.
#[derive(Debug, Clone)]
pub struct Upload {
    pub rows: Vec<DataRow>,
    pub merged_rows: Vec<u32>,
}

/// A cell as text: whole numbers without a fraction (a mobile number Excel kept as a number),
/// Excel dates as their serial number, spaces (full-width included) trimmed.
pub(crate) fn cell_text(cell: &Data) -> Option<String> {
    let text = match cell {
        Data::Empty => String::new(),
        Data::Error(_) => return None,
        Data::String(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) if f.fract().abs() < f64::EPSILON && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            let serial = d.as_f64();
            if serial.fract().abs() < f64::EPSILON {
                format!("{serial:.0}")
            } else {
                serial.to_string()
            }
        }
        Data::DateTimeIso(s) => s.split('T').next().unwrap_or_default().to_owned(),
    };
    Some(clean(&text))
}

/// Reads the upload against `columns`.
pub fn read(bytes: &[u8], columns: &[Column]) -> Result<Upload, CoreError> {
    let FirstSheet { range, merged } = first_sheet(bytes, MAX_BYTES, MAX_ROWS)?;
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let width = columns.len();
    let mut header: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for (offset, cells) in range.rows().enumerate() {
        let index = first_row as usize + offset;
        let mut texts: Vec<Option<String>> = vec![Some(String::new()); first_column as usize];
        texts.extend(cells.iter().take(width + 64).map(cell_text));
        if index == 0 {
            header = texts.into_iter().map(Option::unwrap_or_default).collect();
            continue;
        }
        let blank = texts.iter().all(|c| c.as_deref() == Some(""));
        if blank {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(ContractsError::ImportTooManyRows(MAX_ROWS).into());
        }
        // Values beyond the columns are an error of the header (checked below) or ignored blanks.
        texts.resize(width.max(texts.len()), Some(String::new()));
        rows.push(DataRow {
            row: u32::try_from(index + 1).unwrap_or(u32::MAX),
            cells: texts,
        });
    }
    let expected: Vec<&str> = columns.iter().map(|c| c.header.as_str()).collect();
    let header_ok = header.len() >= expected.len()
        && header[..expected.len()]
            .iter()
            .map(String::as_str)
            .eq(expected.iter().copied())
        && header[expected.len()..].iter().all(String::is_empty);
    if !header_ok {
        return Err(ContractsError::ImportHeader(expected.join(" | ")).into());
    }
    if rows.is_empty() {
        return Err(ContractsError::BulkEmpty.into());
    }
    let mut merged_rows: Vec<u32> = merged
        .iter()
        .flat_map(|(a, b)| *a..=*b)
        .filter(|r| *r > 0)
        .map(|r| r + 1)
        .collect();
    merged_rows.sort_unstable();
    merged_rows.dedup();
    Ok(Upload { rows, merged_rows })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::io::Cursor;

    use calamine::{Reader as _, SheetVisible, Xlsx};

    use super::*;
    use crate::contracts::bulk::columns::{self, ColumnKind};
    use crate::contracts::templates::{
        FieldKind, FontChoice, PartyRole, Placement, RoleKind, TemplateField, TemplateVersion,
        VersionState,
    };

    fn field(key: &str, kind: FieldKind, role: Option<&str>) -> TemplateField {
        TemplateField {
            key: key.into(),
            kind,
            role: role.map(str::to_owned),
            font: FontChoice::Sans,
            size: 12.0,
            min_size: 7.0,
            required: true,
            date_format: None,
            placements: vec![Placement {
                page: 1,
                x: 10.0,
                y: 10.0,
                w: 200.0,
                h: 20.0,
            }],
        }
    }

    fn version(name: &str, fields: Vec<TemplateField>) -> TemplateVersion {
        TemplateVersion {
            id: format!("{name}-v"),
            template_id: name.into(),
            enterprise_id: "e".into(),
            business_type_id: "bt".into(),
            name: name.into(),
            version: 1,
            state: VersionState::Published,
            pdf_blob: String::new(),
            page_count: 1,
            pages: Vec::new(),
            roles: vec![
                PartyRole {
                    key: "A".into(),
                    kind: RoleKind::Enterprise,
                    name: "甲方".into(),
                },
                PartyRole {
                    key: "B".into(),
                    kind: RoleKind::Person,
                    name: "乙方".into(),
                },
            ],
            fields,
            signing: Vec::new(),
        }
    }

    #[test]
    fn the_workbook_reads_back_with_its_header_prefill_and_hidden_description() {
        let versions = [
            version(
                "劳动合同",
                vec![
                    field("姓名", FieldKind::Text, None),
                    field("用人单位", FieldKind::Text, None),
                    field("紧急联系人", FieldKind::Text, Some("B")),
                ],
            ),
            version(
                "保密协议",
                vec![
                    field("姓名", FieldKind::Text, None),
                    field("签订日期", FieldKind::Date, None),
                ],
            ),
        ];
        let columns = columns::columns(&versions);
        let headers: Vec<&str> = columns.iter().map(|c| c.header.as_str()).collect();
        // A shared key is one column; a party's own field is none; a mobile per person role.
        assert_eq!(headers, ["姓名", "用人单位", "签订日期", "乙方手机号"]);
        assert_eq!(columns[3].kind, ColumnKind::Mobile { role: "B".into() });
        let prefill = BTreeMap::from([("用人单位".to_owned(), "示例公司".to_owned())]);
        let bytes = columns::workbook(&versions, &columns, &prefill).unwrap();

        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
        let sheets = book.sheets_metadata().to_vec();
        assert_eq!(sheets.len(), 3);
        assert_eq!(sheets[0].name, "合同");
        assert_eq!(sheets[0].visible, SheetVisible::Visible);
        assert_eq!(sheets[2].name, "columns");
        assert_eq!(sheets[2].visible, SheetVisible::Hidden);
        let described = book.worksheet_range("columns").unwrap();
        let row = |r: usize| -> Vec<String> {
            described
                .rows()
                .nth(r)
                .unwrap()
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(row(0)[..4], ["header", "type", "key", "required"]);
        assert_eq!(row(3)[..4], ["签订日期", "date", "签订日期", "yes"]);
        assert_eq!(row(4)[..3], ["乙方手机号", "mobile", "B"]);

        // The upload reader accepts its own workbook: the prefilled row is the first data row.
        let upload = read(&bytes, &columns).unwrap();
        assert_eq!(upload.rows.len(), 1);
        assert_eq!(upload.rows[0].row, 2);
        assert_eq!(upload.rows[0].cells[1].as_deref(), Some("示例公司"));
        // A reordered header is refused.
        let mut swapped = columns.clone();
        swapped.swap(0, 1);
        let refused = read(&bytes, &swapped).unwrap_err();
        assert_eq!(refused.code(), "import_header");
    }
}

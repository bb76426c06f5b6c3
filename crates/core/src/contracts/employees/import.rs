//! Batch onboarding from Excel (§2.4.2): the downloadable template, and the reading of an
//! uploaded workbook into rows with an error per bad row (with its row number). A file with any
//! bad row imports nothing; a good one onboards every row in one transaction, each with its SMS.

use std::collections::HashMap;

use calamine::Data;
use serde::Serialize;
use signet_pki::ids::IdNumber;
use sqlx::Row as _;

use super::departments::{self, Department};
use super::fields::{clean, parse_id_number, parse_name};
use super::onboarding::audit_onboard;
use super::store::{self, NewEmployee};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::access::{self, Role};
use crate::contracts::excel::{FirstSheet, first_sheet};
use crate::error::CoreError;
use crate::platform::accounts::fields::Phone;

/// The template's columns, in order (row 1 of the first sheet).
pub const HEADER: [&str; 4] = ["姓名", "手机号", "身份证号", "部门"];
/// Most data rows one file may carry.
pub const MAX_ROWS: usize = 10_000;
/// Largest upload accepted (a full 10,000-row file is well under 1 MiB).
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

/// What is wrong with one row (`row` as Excel numbers it, the header being row 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowError {
    pub row: u32,
    /// The header of the column at fault, when one is.
    pub column: Option<String>,
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

/// One good row.
#[derive(Debug, Clone)]
pub struct Row {
    pub row: u32,
    pub name: String,
    pub phone: Phone,
    pub id_number: Option<IdNumber>,
    /// The department's text as written (resolved against the tree later).
    pub department: Option<String>,
}

/// The result of an import: how many were onboarded, or why none were.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub imported: usize,
    pub errors: Vec<RowError>,
}

fn row_error(
    row: u32,
    column: Option<usize>,
    code: &'static str,
    zh: String,
    en: String,
) -> RowError {
    RowError {
        row,
        column: column.map(|c| HEADER[c].to_owned()),
        code,
        zh,
        en,
    }
}

/// A cell as text: numbers typed into a text column (a mobile number Excel kept as a number)
/// are written without a fraction; full-width and ordinary spaces at the ends trimmed.
fn cell_text(cell: &Data) -> String {
    let text = match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract().abs() < f64::EPSILON && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    };
    clean(&text).to_owned()
}

/// The cells of a workbook's first sheet by absolute position (row 0 is Excel's row 1), and its
/// merged regions as (first row, last row) pairs.
#[derive(Debug)]
pub struct Sheet {
    pub rows: Vec<Vec<String>>,
    pub merged: Vec<(u32, u32)>,
}

/// Opens the upload as an `.xlsx` workbook; anything else (a renamed text file, an image, a
/// damaged zip) is [`ContractsError::ImportNotExcel`].
pub fn read_sheet(bytes: &[u8]) -> Result<Sheet, CoreError> {
    let FirstSheet { range, merged } = first_sheet(bytes, MAX_BYTES, MAX_ROWS)?;
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let mut rows = vec![Vec::new(); first_row as usize];
    for cells in range.rows() {
        let mut row = vec![String::new(); first_column as usize];
        row.extend(cells.iter().take(HEADER.len() + 16).map(cell_text));
        rows.push(row);
    }
    Ok(Sheet { rows, merged })
}

/// Checks the sheet row by row: the header, blank rows skipped, merged cells refused, each value
/// parsed (ID numbers' check characters; a lower-case `x` read as `X`; spaces trimmed), and
/// duplicates within the file refused. Returns the good rows, or every error found.
#[expect(
    clippy::too_many_lines,
    reason = "the row checks read best top to bottom in one place"
)]
pub fn parse(sheet: &Sheet) -> Result<Result<Vec<Row>, Vec<RowError>>, CoreError> {
    let header: Vec<&str> = sheet
        .rows
        .first()
        .map(|r| r.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let header_ok = header.len() >= HEADER.len()
        && header[..HEADER.len()] == HEADER
        && header[HEADER.len()..].iter().all(|c| c.is_empty());
    if !header_ok {
        return Err(ContractsError::ImportHeader(HEADER.join(" | ")).into());
    }
    let blank = |r: &Vec<String>| r.iter().all(String::is_empty);
    let count = sheet.rows.iter().skip(1).filter(|r| !blank(r)).count();
    if count > MAX_ROWS {
        return Err(ContractsError::ImportTooManyRows(MAX_ROWS).into());
    }
    if count == 0 {
        return Err(ContractsError::ImportEmpty.into());
    }
    let mut errors = Vec::new();
    for (first, last) in &sheet.merged {
        for row in *first..=*last {
            errors.push(row_error(
                row + 1,
                None,
                "merged_cells",
                format!(
                    "第 {} 行含有合并单元格，请取消合并后每行填写一名员工",
                    row + 1
                ),
                format!(
                    "Row {} has merged cells; unmerge them and put one employee per row",
                    row + 1
                ),
            ));
        }
    }
    let mut good = Vec::new();
    let mut phones: HashMap<String, u32> = HashMap::new();
    let mut ids: HashMap<String, u32> = HashMap::new();
    for (index, cells) in sheet.rows.iter().enumerate().skip(1) {
        if blank(cells) {
            continue;
        }
        let row = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let cell = |c: usize| cells.get(c).map_or("", String::as_str);
        if sheet
            .merged
            .iter()
            .any(|(a, b)| (*a..=*b).contains(&(row - 1)))
        {
            continue;
        }
        let before = errors.len();
        let name = parse_name(cell(0)).map_err(|e| {
            errors.push(row_error(
                row,
                Some(0),
                "name_invalid",
                e.describe().zh,
                e.describe().en,
            ));
        });
        let phone = Phone::parse(cell(1), "phone").map_err(|e| {
            errors.push(row_error(
                row,
                Some(1),
                "phone_invalid",
                e.describe().zh,
                e.describe().en,
            ));
        });
        let id_number = if cell(2).is_empty() {
            Ok(None)
        } else {
            parse_id_number(cell(2)).map(Some).map_err(|e| {
                errors.push(row_error(
                    row,
                    Some(2),
                    "id_number_invalid",
                    e.describe().zh,
                    e.describe().en,
                ));
            })
        };
        if let Ok(phone) = &phone
            && let Some(first) = phones.insert(phone.as_str().to_owned(), row)
        {
            phones.insert(phone.as_str().to_owned(), first);
            errors.push(row_error(
                row,
                Some(1),
                "duplicate_in_file",
                format!("手机号与第 {first} 行重复"),
                format!("The mobile number repeats row {first}"),
            ));
        }
        if let Ok(Some(number)) = &id_number
            && let Some(first) = ids.insert(number.as_str().to_owned(), row)
        {
            ids.insert(number.as_str().to_owned(), first);
            errors.push(row_error(
                row,
                Some(2),
                "duplicate_in_file",
                format!("身份证号与第 {first} 行重复"),
                format!("The ID number repeats row {first}"),
            ));
        }
        if errors.len() == before
            && let (Ok(name), Ok(phone), Ok(id_number)) = (name, phone, id_number)
        {
            let department = Some(cell(3).to_owned()).filter(|d| !d.is_empty());
            good.push(Row {
                row,
                name,
                phone,
                id_number,
                department,
            });
        }
    }
    if errors.is_empty() {
        Ok(Ok(good))
    } else {
        errors.sort_by_key(|e| e.row);
        Ok(Err(errors))
    }
}

/// Imports an uploaded workbook into the enterprise: every row onboarded with its SMS, or none
/// (the report then lists every bad row). Rows already on the list (by mobile or ID number, not
/// resigned) and department names that match no department, or several, are bad rows.
#[expect(
    clippy::too_many_lines,
    reason = "the roster checks and the inserts share one transaction"
)]
pub async fn import(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    bytes: &[u8],
) -> Result<ImportReport, CoreError> {
    access::require(platform.db.pool(), enterprise_id, user_id, Role::Delegate).await?;
    let sheet = read_sheet(bytes)?;
    let rows = match parse(&sheet)? {
        Ok(rows) => rows,
        Err(errors) => {
            return Ok(ImportReport {
                imported: 0,
                errors,
            });
        }
    };
    let tree: Vec<Department> = departments::list(platform, enterprise_id, user_id).await?;
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, user_id, Role::Delegate).await?;
    let existing = sqlx::query(
        "SELECT phone_index, id_index FROM ec_employees WHERE enterprise_id = $1 AND state <> 'resigned'",
    )
    .bind(enterprise_id)
    .fetch_all(&mut *tx)
    .await?;
    let mut taken_phones = std::collections::HashSet::new();
    let mut taken_ids = std::collections::HashSet::new();
    for row in &existing {
        taken_phones.insert(row.try_get::<String, _>("phone_index")?);
        if let Some(id) = row.try_get::<Option<String>, _>("id_index")? {
            taken_ids.insert(id);
        }
    }
    let mut errors = Vec::new();
    let mut placed = Vec::with_capacity(rows.len());
    for row in &rows {
        if taken_phones.contains(
            &platform
                .cipher
                .blind_index(store::PHONE_INDEX, row.phone.as_str()),
        ) {
            errors.push(row_error(
                row.row,
                Some(1),
                "duplicate_on_roster",
                "该手机号已在本企业员工名单中".into(),
                "This mobile number is already on the enterprise's employee list".into(),
            ));
        }
        if let Some(number) = &row.id_number
            && taken_ids.contains(
                &platform
                    .cipher
                    .blind_index(store::ID_INDEX, number.as_str()),
            )
        {
            errors.push(row_error(
                row.row,
                Some(2),
                "duplicate_on_roster",
                "该身份证号已在本企业员工名单中".into(),
                "This ID number is already on the enterprise's employee list".into(),
            ));
        }
        let department = match row.department.as_deref() {
            None => None,
            Some(text) => {
                let found = departments::resolve(&tree, text);
                if found.is_none() {
                    errors.push(row_error(row.row, Some(3), "department_unknown",
                        format!("找不到唯一的部门“{text}”，请填写已建部门的名称或完整路径（如 总部/财务部）"),
                        format!("No single department is named \"{text}\"; write an existing department's name or full path (e.g. HQ/Finance)")));
                }
                found.map(|d| d.id.clone())
            }
        };
        placed.push(department);
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Ok(ImportReport {
            imported: 0,
            errors,
        });
    }
    let enterprise = store::enterprise_name(&mut tx, enterprise_id).await?;
    let actor = format!("user:{user_id}");
    for (row, department) in rows.iter().zip(&placed) {
        let new = NewEmployee {
            name: &row.name,
            phone: &row.phone,
            id_number: row.id_number.as_ref(),
            department_id: department.as_deref(),
            source: "import",
            created_by: Some(user_id),
        };
        let (id, token) = store::insert(platform, &mut tx, enterprise_id, &new).await?;
        let text = store::invitation_text(platform, &enterprise, &token);
        store::sms(platform, &mut tx, &id, "invite", &text).await?;
        audit_onboard(platform, &mut tx, &actor, enterprise_id, &id, "import").await?;
    }
    tx.commit().await?;
    Ok(ImportReport {
        imported: rows.len(),
        errors: Vec::new(),
    })
}

/// The template: the header row on the first sheet (text columns, so mobile and ID numbers keep
/// every digit) and the rules on a second.
pub fn template() -> Result<Vec<u8>, CoreError> {
    use rust_xlsxwriter::{Format, Workbook};
    let failed = |e: rust_xlsxwriter::XlsxError| CoreError::internal(format!("template: {e}"));
    let mut workbook = Workbook::new();
    let text = Format::new().set_num_format("@");
    let bold = Format::new().set_bold().set_num_format("@");
    let sheet = workbook.add_worksheet();
    sheet.set_name("员工").map_err(failed)?;
    for (column, title) in (0u16..).zip(HEADER) {
        sheet.set_column_width(column, 24).map_err(failed)?;
        sheet.set_column_format(column, &text).map_err(failed)?;
        sheet
            .write_string_with_format(0, column, title, &bold)
            .map_err(failed)?;
    }
    let notes = workbook.add_worksheet();
    notes.set_name("填写说明").map_err(failed)?;
    notes.set_column_width(0, 90).map_err(failed)?;
    let lines = [
        "每行填写一名员工，第 1 行表头请勿修改；不要合并单元格；一次最多 10,000 行。",
        "姓名、手机号必填；身份证号可留空，由员工在手机上填写；末位 x 大小写均可。",
        "部门填写已建部门的名称，重名时填写完整路径，如 总部/财务部；可留空。",
        "导入后系统向每名员工发送短信链接，员工在手机上填写入职信息后由管理员审核。",
    ];
    for (row, line) in (0u32..).zip(lines) {
        notes.write_string(row, 0, line).map_err(failed)?;
    }
    workbook.save_to_buffer().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(rows: &[&[&str]]) -> Sheet {
        Sheet {
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| clean(c).to_owned()).collect())
                .collect(),
            merged: Vec::new(),
        }
    }

    #[test]
    fn rows_are_cleaned_and_checked() {
        let good = sheet(&[
            &HEADER,
            &[
                "\u{3000}张三\u{3000}",
                "13900000001",
                "11010519491231002x",
                "",
            ],
            &["", "", "", ""],
            &["李四", "139 0000 0002", "", "总部/财务部"],
        ]);
        let rows = parse(&good).unwrap().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "张三");
        assert_eq!(
            rows[0].id_number.as_ref().unwrap().as_str(),
            "11010519491231002X"
        );
        assert_eq!((rows[0].row, rows[1].row), (2, 4));
        assert_eq!(rows[1].department.as_deref(), Some("总部/财务部"));
    }

    #[test]
    fn bad_rows_are_listed_with_their_numbers() {
        let bad = sheet(&[
            &HEADER,
            &["张三", "13900000001", "110105194912310021", ""],
            &["李四", "12345", "", ""],
            &["王五", "13900000001", "", ""],
            &["", "13900000004", "", ""],
        ]);
        let errors = parse(&bad).unwrap().unwrap_err();
        let found: Vec<(u32, &str)> = errors.iter().map(|e| (e.row, e.code)).collect();
        assert_eq!(
            found,
            [
                (2, "id_number_invalid"),
                (3, "phone_invalid"),
                (4, "duplicate_in_file"),
                (5, "name_invalid")
            ]
        );
        assert!(errors[2].zh.contains("第 2 行"), "{}", errors[2].zh);
    }

    #[test]
    fn whole_file_refusals() {
        let wrong = sheet(&[
            &["姓名", "电话", "身份证号", "部门"],
            &["张三", "13900000001", "", ""],
        ]);
        assert_eq!(parse(&wrong).unwrap_err().code(), "import_header");
        let empty = sheet(&[&HEADER, &["", "", "", ""]]);
        assert_eq!(parse(&empty).unwrap_err().code(), "import_empty");
        let mut big = sheet(&[&HEADER]);
        for i in 0..=MAX_ROWS {
            big.rows.push(vec![
                "张三".into(),
                format!("139{i:08}"),
                String::new(),
                String::new(),
            ]);
        }
        assert_eq!(parse(&big).unwrap_err().code(), "import_too_many_rows");
        big.rows.pop();
        assert_eq!(parse(&big).unwrap().unwrap().len(), MAX_ROWS);
        assert_eq!(
            read_sheet(b"name,phone\n").unwrap_err().code(),
            "import_not_excel"
        );
        assert_eq!(
            read_sheet(b"PK\x03\x04garbage").unwrap_err().code(),
            "import_not_excel"
        );
    }

    #[test]
    fn the_template_reads_back_as_an_empty_import() {
        let bytes = template().unwrap();
        let read = read_sheet(&bytes).unwrap();
        assert_eq!(read.rows[0], HEADER);
        assert_eq!(parse(&read).unwrap_err().code(), "import_empty");
    }
}

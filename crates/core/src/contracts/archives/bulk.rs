//! Bulk archive (§2.5.2.2): download the Excel template of a business type, fill one row per
//! paper contract (the PDF's file name, the person, the contract's fields; the enterprise party
//! is the archiving enterprise for every row), zip it with the PDFs, upload. Every entry of the
//! zip ([`super::package`]) and every row is checked, and every PDF a row names is read; the
//! upload is archived only when nothing is wrong, all of it in one transaction — otherwise
//! every problem is listed by row and column or by entry, and nothing is stored.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::package::{self, Package, PackageProblem};
use super::parties::{Person, Roster};
use super::scan::{self, Scan};
use super::store::{Context, NewArchive, write};
use super::{BulkInput, PersonInput};
use crate::Platform;
use crate::contracts::bulk::sheet::cell_text;
use crate::contracts::excel::{FirstSheet, first_sheet};
use crate::contracts::persons::mask_name;
use crate::error::CoreError;

/// The fixed columns, before the contract's fields.
pub const FILE: &str = "文件名";
pub const TITLE: &str = "合同名称";
pub const NAME: &str = "姓名";
pub const ID_NUMBER: &str = "身份证号";
/// Most rows of one upload.
pub const MAX_ROWS: usize = 2000;

/// A row that passed, as the check shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowSummary {
    pub row: u32,
    pub file: String,
    pub title: String,
    /// The person's masked name.
    pub person: String,
    pub pages: i64,
}

/// What a check of an upload found.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkCheck {
    /// Data rows read.
    pub rows: usize,
    /// The rows without a problem.
    pub passed: Vec<RowSummary>,
    /// Every problem, by row and column or by zip entry.
    pub problems: Vec<PackageProblem>,
}

/// A stored bulk archive.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkArchived {
    pub batch_id: String,
    pub archives: usize,
    pub archive_ids: Vec<String>,
}

/// The header of the template of `fields`.
fn header(fields: &[super::fields::ArchiveField]) -> Vec<String> {
    [FILE, TITLE, NAME, ID_NUMBER]
        .into_iter()
        .map(str::to_owned)
        .chain(fields.iter().map(|f| f.key.clone()))
        .collect()
}

/// The Excel template of the business type.
pub async fn workbook(
    platform: &Platform,
    user_id: &str,
    enterprise_id: &str,
    business_type_id: &str,
) -> Result<Vec<u8>, CoreError> {
    use rust_xlsxwriter::{Format, Workbook};
    let context = Context::load(platform, enterprise_id, business_type_id, user_id).await?;
    let fields = context.fields(platform).await?;
    let failed =
        |e: rust_xlsxwriter::XlsxError| CoreError::internal(format!("archive template: {e}"));
    let mut book = Workbook::new();
    let text = Format::new().set_num_format("@");
    let bold = Format::new().set_bold().set_num_format("@");
    let sheet = book.add_worksheet();
    sheet.set_name("归档信息").map_err(failed)?;
    for (column, title) in (0u16..).zip(header(&fields)) {
        sheet.set_column_width(column, 22).map_err(failed)?;
        sheet.set_column_format(column, &text).map_err(failed)?;
        sheet
            .write_string_with_format(0, column, title, &bold)
            .map_err(failed)?;
    }
    let notes = book.add_worksheet();
    notes.set_name("填写说明").map_err(failed)?;
    notes.set_column_width(0, 100).map_err(failed)?;
    let mut lines = vec![
        format!(
            "业务类型：{}。每行填写一份纸质合同，第 1 行表头请勿修改；不要合并单元格；一次最多 {MAX_ROWS} 行。",
            context.business_type.name
        ),
        "文件名（必填）：该合同扫描件 PDF 在压缩包中的文件名，如 张三.pdf；放在子文件夹中时写 文件夹/张三.pdf。".into(),
        "合同名称（选填）：留空时使用发起归档时填写的任务名称。".into(),
        format!(
            "姓名、身份证号（必填）：个人签约方，须是“{}”员工花名册中的在职员工；企业签约方为本企业，无需填写。",
            context.enterprise_name
        ),
    ];
    for field in &fields {
        let kind = match field.kind {
            crate::contracts::templates::FieldKind::Date => "日期，如 2027-01-04",
            crate::contracts::templates::FieldKind::Number => "数字",
            crate::contracts::templates::FieldKind::IdNumber => "身份证号",
            crate::contracts::templates::FieldKind::Mobile => "手机号",
            crate::contracts::templates::FieldKind::Text => "文字",
        };
        let need = if field.required { "必填" } else { "选填" };
        lines.push(format!("{}（{need}）：{kind}。", field.key));
    }
    lines.push(
        "填好后，把本 Excel 和所有 PDF 一起压缩成一个 zip 文件上传；压缩包中不能有其他文件。"
            .into(),
    );
    for (row, line) in (0u32..).zip(lines) {
        notes.write_string(row, 0, line).map_err(failed)?;
    }
    book.save_to_buffer().map_err(failed)
}

/// A row read from the workbook.
struct SheetRow {
    row: u32,
    cells: BTreeMap<String, String>,
}

/// The workbook's data rows by header, or the problems of its form.
fn read_rows(
    name: &str,
    bytes: &[u8],
    expected: &[String],
) -> Result<Vec<SheetRow>, Vec<PackageProblem>> {
    let as_problem = |error: CoreError| {
        let d = error.describe();
        vec![PackageProblem::entry(name, d.code, d.zh, d.en)]
    };
    let FirstSheet { range, merged } = first_sheet(
        bytes,
        usize::try_from(package::MAX_WORKBOOK).unwrap_or(usize::MAX),
        MAX_ROWS,
    )
    .map_err(as_problem)?;
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let mut header: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for (offset, cells) in range.rows().enumerate() {
        let index = first_row as usize + offset;
        let mut texts: Vec<String> = vec![String::new(); first_column as usize];
        texts.extend(
            cells
                .iter()
                .take(expected.len() + 16)
                .map(|c| cell_text(c).unwrap_or_default()),
        );
        if index == 0 {
            header = texts;
            continue;
        }
        if texts.iter().all(String::is_empty) {
            continue;
        }
        texts.resize(expected.len().max(texts.len()), String::new());
        let row = u32::try_from(index + 1).unwrap_or(u32::MAX);
        rows.push(SheetRow {
            row,
            cells: expected.iter().cloned().zip(texts).collect(),
        });
    }
    while header.last().is_some_and(String::is_empty) {
        header.pop();
    }
    if header != expected {
        return Err(vec![PackageProblem::row(
            1,
            None,
            "archive_header",
            format!(
                "表头与模板不一致，应为：{}；请重新下载模板填写",
                expected.join(" | ")
            ),
            format!(
                "The header differs from the template's: {}; download the template again",
                expected.join(" | ")
            ),
        )]);
    }
    if rows.len() > MAX_ROWS {
        return Err(vec![PackageProblem::entry(
            name,
            "archive_too_many_rows",
            format!("超过 {MAX_ROWS} 行，请分批归档"),
            format!("More than {MAX_ROWS} rows; archive in several batches"),
        )]);
    }
    if rows.is_empty() {
        return Err(vec![PackageProblem::entry(
            name,
            "archive_no_rows",
            "Excel 中没有填写任何合同".into(),
            "The workbook holds no contract rows".into(),
        )]);
    }
    let merged: BTreeSet<u32> = merged
        .iter()
        .flat_map(|(a, b)| *a..=*b)
        .filter(|r| *r > 0)
        .map(|r| r + 1)
        .collect();
    if !merged.is_empty() {
        return Err(merged
            .into_iter()
            .map(|row| {
                PackageProblem::row(
                    row,
                    None,
                    "archive_merged_cells",
                    "含有合并单元格，请取消合并后逐行填写".into(),
                    "Has merged cells; unmerge them and fill each row".into(),
                )
            })
            .collect());
    }
    Ok(rows)
}

/// A row that passed its own checks, waiting for its PDF's.
struct PendingRow {
    row: u32,
    title: String,
    file: String,
    index: usize,
    /// The person and values, when the row's own checks passed.
    checked: Option<(Person, BTreeMap<String, String>)>,
}

/// A row with every check passed.
struct ReadyRow {
    row: u32,
    title: String,
    file: String,
    index: usize,
    person: Person,
    values: BTreeMap<String, String>,
    scan: Scan,
}

/// Everything checked: ready to store.
pub struct Prepared {
    context: Context,
    title: String,
    package: Package,
    rows: Vec<ReadyRow>,
}

/// Checks an upload: every entry, row and PDF. Returns what was found, and what to store when
/// nothing is wrong.
#[expect(
    clippy::too_many_lines,
    reason = "the checks of an upload read best top to bottom in one place"
)]
pub async fn check(
    platform: &Platform,
    user_id: &str,
    enterprise_id: &str,
    input: &BulkInput,
    zip: Vec<u8>,
) -> Result<(BulkCheck, Option<Prepared>), CoreError> {
    let context = Context::load(platform, enterprise_id, &input.business_type_id, user_id).await?;
    let title = super::title(&input.title).map_err(|(zh, en)| {
        crate::contracts::ContractsError::ArchiveInput {
            field: "title",
            zh: zh.into(),
            en: en.into(),
        }
    })?;
    let fields = context.fields(platform).await?;
    let expected = header(&fields);
    let roster = Roster::load(platform, enterprise_id).await?;
    let (mut package, sheet) = tokio::task::spawn_blocking(move || {
        let package = package::open(zip)?;
        let sheet = package
            .workbook
            .as_ref()
            .map(|(name, bytes)| read_rows(name, bytes, &expected));
        Ok::<_, CoreError>((package, sheet))
    })
    .await
    .map_err(|e| CoreError::internal(format!("archive zip: {e}")))??;
    let mut problems = std::mem::take(&mut package.problems);
    let sheet_rows = match sheet {
        Some(Ok(rows)) => rows,
        Some(Err(found)) => {
            problems.extend(found);
            Vec::new()
        }
        None => Vec::new(),
    };
    let by_base: BTreeMap<String, Vec<String>> =
        package.pdfs.keys().fold(BTreeMap::new(), |mut map, path| {
            let base = path.rsplit('/').next().unwrap_or(path).to_owned();
            map.entry(base).or_default().push(path.clone());
            map
        });
    let mut claimed: BTreeSet<String> = BTreeSet::new();
    let mut pending = Vec::new();
    let mut rows_read = 0;
    for sheet_row in sheet_rows {
        rows_read += 1;
        let row = sheet_row.row;
        let cell = |key: &str| sheet_row.cells.get(key).cloned().unwrap_or_default();
        let before = problems.len();
        let mut problem = |column: &str, code: &'static str, zh: String, en: String| {
            problems.push(PackageProblem::row(row, Some(column), code, zh, en));
        };
        // The file.
        let named = package::normalise(&cell(FILE));
        let mut found = None;
        if named.is_empty() {
            problem(
                FILE,
                "archive_row_no_file",
                "请填写 PDF 文件名".into(),
                "Name the PDF file".into(),
            );
        } else if !named.to_ascii_lowercase().ends_with(".pdf") {
            problem(
                FILE,
                "archive_row_not_pdf",
                format!("{named} 不是 PDF 文件名（应以 .pdf 结尾）"),
                format!("{named} is not a PDF file name (.pdf)"),
            );
        } else {
            let path = if package.pdfs.contains_key(&named) {
                Some(named.clone())
            } else {
                match by_base.get(&named).map(Vec::as_slice) {
                    Some([only]) => Some(only.clone()),
                    _ => None,
                }
            };
            match path {
                None => problem(
                    FILE,
                    "archive_row_missing_file",
                    format!("压缩包中没有文件 {named}"),
                    format!("The zip has no file {named}"),
                ),
                Some(path) if !claimed.insert(path.clone()) => problem(
                    FILE,
                    "archive_row_file_twice",
                    format!("文件 {named} 已被前面的行使用，每份 PDF 只能归档一次"),
                    format!(
                        "{named} is already named by an earlier row; each PDF is archived once"
                    ),
                ),
                Some(path) => found = Some(path),
            }
        }
        // The title.
        let own = cell(TITLE);
        let row_title = if own.is_empty() {
            title.clone()
        } else {
            match super::title(&own) {
                Ok(t) => t,
                Err((zh, en)) => {
                    problem(TITLE, "archive_row_title", zh.into(), en.into());
                    String::new()
                }
            }
        };
        // The person.
        let person = roster
            .check(
                platform,
                &PersonInput {
                    name: cell(NAME),
                    id_number: cell(ID_NUMBER),
                },
            )
            .map_err(|refused| {
                problem(refused.column, "archive_row_person", refused.zh, refused.en);
            })
            .ok();
        // The contract's fields.
        let values: BTreeMap<String, String> = fields
            .iter()
            .map(|f| (f.key.clone(), cell(&f.key)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let values = match super::fields::check(&fields, &values) {
            Ok(values) => Some(values),
            Err(errors) => {
                for e in errors {
                    problems.push(PackageProblem::row(
                        row,
                        Some(&e.field),
                        "archive_row_field",
                        e.message_zh,
                        e.message_en,
                    ));
                }
                None
            }
        };
        if let Some(path) = found {
            // The PDF is read even when the row has problems, so its own are listed too.
            let checked = match (person, values) {
                (Some(person), Some(values)) if problems.len() == before => Some((person, values)),
                _ => None,
            };
            pending.push(PendingRow {
                row,
                title: row_title,
                index: package.pdfs[&path].1,
                file: path,
                checked,
            });
        }
    }
    for (path, (name, _)) in &package.pdfs {
        if !claimed.contains(path) {
            problems.push(PackageProblem::entry(
                name,
                "archive_entry_extra",
                "Excel 中没有任何一行引用该文件；请删除它或补填对应的行".into(),
                "No row of the workbook names this file; remove it or add its row".into(),
            ));
        }
    }
    // Every named PDF is read and checked.
    let (package, scanned) = tokio::task::spawn_blocking(move || {
        let mut package = package;
        let scanned: Vec<(PendingRow, Result<Scan, package::Refusal>)> = pending
            .into_iter()
            .map(|p| {
                let result = package
                    .read_entry(p.index, scan::MAX_BYTES as u64)
                    .and_then(|bytes| {
                        scan::inspect(&bytes).map_err(|problem| {
                            let (zh, en) = problem.words();
                            (problem.code(), zh, en)
                        })
                    });
                (p, result)
            })
            .collect();
        (package, scanned)
    })
    .await
    .map_err(|e| CoreError::internal(format!("archive scan: {e}")))?;
    let mut ready = Vec::new();
    let mut passed = Vec::new();
    for (pending, result) in scanned {
        match (result, pending.checked) {
            (Err((code, zh, en)), _) => problems.push(PackageProblem::row(
                pending.row,
                Some(FILE),
                code,
                format!("{}：{zh}", pending.file),
                format!("{}: {en}", pending.file),
            )),
            (Ok(scan), Some((person, values))) => {
                passed.push(RowSummary {
                    row: pending.row,
                    file: pending.file.clone(),
                    title: pending.title.clone(),
                    person: mask_name(&person.name),
                    pages: scan.pages,
                });
                ready.push(ReadyRow {
                    row: pending.row,
                    title: pending.title,
                    file: pending.file,
                    index: pending.index,
                    person,
                    values,
                    scan,
                });
            }
            (Ok(_), None) => {}
        }
    }
    if rows_read == 0 && problems.is_empty() {
        problems.push(PackageProblem::entry(
            "",
            "archive_no_rows",
            "Excel 中没有填写任何合同".into(),
            "The workbook holds no contract rows".into(),
        ));
    }
    problems.sort_by(|a, b| (a.row.unwrap_or(0), &a.entry).cmp(&(b.row.unwrap_or(0), &b.entry)));
    passed.sort_by_key(|r| r.row);
    let found = BulkCheck {
        rows: rows_read,
        passed,
        problems,
    };
    let prepared = found.problems.is_empty().then(|| Prepared {
        context,
        title,
        package,
        rows: ready,
    });
    Ok((found, prepared))
}

/// Checks an upload and, when nothing is wrong, archives every row; otherwise returns the
/// check, having stored nothing.
pub async fn archive(
    platform: &Platform,
    user_id: &str,
    enterprise_id: &str,
    input: &BulkInput,
    zip: Vec<u8>,
) -> Result<Result<BulkArchived, BulkCheck>, CoreError> {
    let (found, prepared) = check(platform, user_id, enterprise_id, input, zip).await?;
    let Some(Prepared {
        context,
        title,
        mut package,
        rows,
    }) = prepared
    else {
        return Ok(Err(found));
    };
    let mut archives = Vec::with_capacity(rows.len());
    for ready in rows {
        let index = ready.index;
        let (back, bytes) = tokio::task::spawn_blocking(move || {
            let bytes = package.read_entry(index, scan::MAX_BYTES as u64);
            (package, bytes)
        })
        .await
        .map_err(|e| CoreError::internal(format!("archive read: {e}")))?;
        package = back;
        let bytes =
            bytes.map_err(|(_, _, en)| CoreError::internal(format!("archive read: {en}")))?;
        let digest = platform.blobs.put(&bytes).await?;
        if digest != ready.scan.sha256 {
            return Err(CoreError::internal("archive PDF changed between reads"));
        }
        archives.push(NewArchive {
            title: ready.title,
            file_name: ready.file,
            scan: ready.scan,
            values: ready.values,
            persons: vec![ready.person],
            batch_row: Some(i64::from(ready.row)),
        });
    }
    let count = archives.len();
    let (archive_ids, batch) = write(platform, &context, Some(&title), archives).await?;
    Ok(Ok(BulkArchived {
        batch_id: batch.ok_or_else(|| CoreError::internal("bulk archive without a batch"))?,
        archives: count,
        archive_ids,
    }))
}

//! Bulk paper archives (ES-10 §2.5.2.2): the Excel template of a business type; a zip of the
//! filled workbook and the PDFs it names is checked entry by entry and row by row; any problem
//! — names escaping the folder, absolute paths, symbolic links, a zip bomb, missing, extra and
//! non-PDF files, encrypted and corrupt PDFs, people not on the roster, bad fields — is listed
//! by entry or by row and column, and nothing is stored (no archive, no report, no blob); the
//! fixed zip archives every row in one go.

use std::io::{Cursor, Write as _};

use calamine::{Reader as _, Xlsx};
use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::contracts::demo::ROSTER;
use zip::write::SimpleFileOptions;

use super::archives::{Archiving, archives_count, archiving, upload};
use super::bulk_support::{Cell, workbook};
use super::support::count;
use super::tasks_support::{PDF, id_number};
use super::templates_bad::encrypted;
use crate::support::{TestApp, problem};

/// What a zip entry is.
enum Entry<'a> {
    File(&'a str, Vec<u8>),
    Link(&'a str, &'a str),
}

fn zip_of(entries: Vec<Entry<'_>>) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default();
    for entry in entries {
        match entry {
            Entry::File(name, data) => {
                out.start_file(name, options).unwrap();
                out.write_all(&data).unwrap();
            }
            Entry::Link(name, target) => out.add_symlink(name, target, options).unwrap(),
        }
    }
    out.finish().unwrap().into_inner()
}

/// The header of the downloaded template.
async fn template_header(a: &Archiving) -> Vec<String> {
    let response =
        a.w.admin
            .get(&format!(
                "/api/v1/enterprises/{}/archive-workbook?business_type_id={}",
                a.w.enterprise_id, a.labour
            ))
            .await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    assert_eq!(names, ["归档信息", "填写说明"]);
    let range = book.worksheet_range("归档信息").unwrap();
    range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// A workbook row: file, person, and the labour fields (start date `start`).
fn row<'a>(file: &'a str, name: &'a str, id: &'a str, start: &'a str) -> Vec<Cell<'a>> {
    vec![
        Cell::Text(file),
        Cell::Blank,
        Cell::Text(name),
        Cell::Text(id),
        Cell::Text("焊工"),
        Cell::Text("8000"),
        Cell::Text(start),
        Cell::Text("2029-01-04"),
    ]
}

fn sheet(header: &[String], rows: Vec<Vec<Cell<'_>>>) -> Vec<u8> {
    let mut all = vec![header.iter().map(|h| Cell::Text(h)).collect::<Vec<_>>()];
    all.extend(rows);
    workbook(&all, |_| {})
}

async fn send(client: &TestApp, a: &Archiving, path: &str, zip: Vec<u8>) -> reqwest::Response {
    let spec = json!({"business_type_id": a.labour, "title": "2026 年入职劳动合同（纸质）"});
    let path = format!(
        "/api/v1/enterprises/{}/archives/bulk{path}",
        a.w.enterprise_id
    );
    upload(client, &path, &spec, "archive.zip", zip).await
}

async fn check(a: &Archiving, zip: Vec<u8>) -> Value {
    let response = send(&a.w.admin, a, "/check", zip).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn has(found: &Value, code: &str, row: Option<u32>, column: Option<&str>, entry: Option<&str>) {
    let problems = found["problems"].as_array().unwrap();
    let hit = problems.iter().any(|p| {
        p["code"] == code
            && row.is_none_or(|r| p["row"] == r)
            && column.is_none_or(|c| p["column"] == c)
            && entry.is_none_or(|e| p["entry"] == e)
    });
    assert!(
        hit,
        "{code} at row {row:?} column {column:?} entry {entry:?} not in {found:#}"
    );
    for p in problems {
        assert!(!p["zh"].as_str().unwrap().is_empty(), "{p}");
    }
}

async fn nothing_stored(app: &TestApp, blobs_before: usize) {
    assert_eq!(archives_count(app).await, 0);
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM ec_archive_batches",
            &[]
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM ec_regulator_reports",
            &[]
        )
        .await,
        0
    );
    assert_eq!(app.platform.blobs.list().await.unwrap().len(), blobs_before);
}

#[tokio::test]
async fn one_bad_entry_is_listed_and_stores_nothing_then_the_fixed_zip_archives_every_row() {
    let a = archiving().await;
    let header = template_header(&a).await;
    assert_eq!(
        header[..5],
        ["文件名", "合同名称", "姓名", "身份证号", "岗位"]
    );
    let rows = sheet(
        &header,
        vec![
            row("张三.pdf", ROSTER[0].0, ROSTER[0].2, "2026-01-05"),
            row("李四.pdf", ROSTER[1].0, ROSTER[1].2, "2026/2/1"),
            row("合同/王五.pdf", ROSTER[2].0, ROSTER[2].2, "2026年3月1日"),
        ],
    );
    let good = |extra: Option<Entry<'static>>| {
        let mut entries = vec![
            Entry::File("入职归档/归档信息.xlsx", rows.clone()),
            Entry::File("入职归档/张三.pdf", PDF.to_vec()),
            Entry::File("入职归档/李四.pdf", PDF.to_vec()),
            Entry::File("入职归档/合同/王五.pdf", PDF.to_vec()),
            Entry::File("__MACOSX/._张三.pdf", b"junk".to_vec()),
        ];
        entries.extend(extra);
        zip_of(entries)
    };
    let blobs_before = a.w.admin.platform.blobs.list().await.unwrap().len();
    let bad = good(Some(Entry::File("入职归档/说明.txt", b"hello".to_vec())));
    let found = check(&a, bad.clone()).await;
    assert_eq!(found["rows"], 3);
    assert_eq!(found["passed"].as_array().unwrap().len(), 3, "{found:#}");
    assert_eq!(found["problems"].as_array().unwrap().len(), 1, "{found:#}");
    has(
        &found,
        "archive_entry_not_pdf",
        None,
        None,
        Some("入职归档/说明.txt"),
    );
    let refused = send(&a.w.admin, &a, "", bad).await;
    let body = problem(refused, StatusCode::BAD_REQUEST, "archive_package").await;
    assert_eq!(body["errors"].as_array().unwrap().len(), 1);
    nothing_stored(&a.w.admin, blobs_before).await;

    let response = send(&a.w.admin, &a, "", good(None)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let done: Value = response.json().await.unwrap();
    assert_eq!(done["archives"], 3);
    assert_eq!(archives_count(&a.w.admin).await, 3);
    let batch = done["batch_id"].as_str().unwrap();
    assert_eq!(
        count(
            &a.w.admin.platform,
            "SELECT COUNT(*) FROM ec_archives WHERE batch_id = $1 AND title = '2026 年入职劳动合同（纸质）'",
            &[batch]
        )
        .await,
        3
    );
    assert_eq!(
        count(
            &a.w.admin.platform,
            "SELECT COUNT(*) FROM ec_regulator_reports WHERE subject_kind = 'archive'",
            &[]
        )
        .await,
        3
    );
    let id = done["archive_ids"][2].as_str().unwrap();
    let view: Value =
        a.w.admin
            .get(&format!("/api/v1/archives/{id}"))
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(view["file_name"], "合同/王五.pdf");
    assert_eq!(view["fields"]["合同开始日期"], "2026-03-01");
    assert_eq!(view["parties"][1]["name"], "王*");
}

#[tokio::test]
async fn every_zip_and_row_problem_is_named_and_nothing_is_stored() {
    let a = archiving().await;
    let header = template_header(&a).await;
    let stranger = id_number(902);
    let rows = sheet(
        &header,
        vec![
            row("张三.pdf", ROSTER[0].0, ROSTER[0].2, "2026-01-05"),
            row("李四.pdf", ROSTER[1].0, ROSTER[1].2, "2026-01-05"),
            row("missing.pdf", ROSTER[2].0, ROSTER[2].2, "2026-01-05"),
            row("赵六.pdf", "赵六", &stranger, "2026-01-05"),
            row("张三2.pdf", ROSTER[0].0, ROSTER[0].2, "2026-13-45"),
            row("fake.pdf", ROSTER[2].0, ROSTER[2].2, "2026-01-05"),
            row("scan.docx", ROSTER[2].0, ROSTER[2].2, "2026-01-05"),
        ],
    );
    let mut corrupt = PDF.to_vec();
    corrupt.truncate(PDF.len() / 3);
    let zeros = vec![0u8; 8 * 1024 * 1024];
    let zip = zip_of(vec![
        Entry::File("归档信息.xlsx", rows),
        Entry::File("张三.pdf", PDF.to_vec()),
        Entry::File("李四.pdf", encrypted()),
        Entry::File("赵六.pdf", PDF.to_vec()),
        Entry::File("张三2.pdf", corrupt),
        Entry::File("fake.pdf", b"\x89PNG\r\n\x1a\n".to_vec()),
        Entry::File("extra.pdf", PDF.to_vec()),
        Entry::File("../escape.pdf", PDF.to_vec()),
        Entry::File("/etc/absolute.pdf", PDF.to_vec()),
        Entry::Link("link.pdf", "/etc/passwd"),
        Entry::File("bomb.pdf", zeros),
    ]);
    let found = check(&a, zip.clone()).await;
    assert_eq!(found["rows"], 7);
    let passed: Vec<i64> = found["passed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["row"].as_i64().unwrap())
        .collect();
    assert_eq!(passed, [2], "{found:#}");
    has(
        &found,
        "archive_pdf_encrypted",
        Some(3),
        Some("文件名"),
        None,
    );
    has(
        &found,
        "archive_row_missing_file",
        Some(4),
        Some("文件名"),
        None,
    );
    has(
        &found,
        "archive_row_person",
        Some(5),
        Some("身份证号"),
        None,
    );
    has(
        &found,
        "archive_row_field",
        Some(6),
        Some("合同开始日期"),
        None,
    );
    has(&found, "archive_pdf_corrupt", Some(6), Some("文件名"), None);
    has(&found, "archive_not_pdf", Some(7), Some("文件名"), None);
    has(&found, "archive_row_not_pdf", Some(8), Some("文件名"), None);
    has(&found, "archive_entry_extra", None, None, Some("extra.pdf"));
    has(
        &found,
        "archive_entry_escapes",
        None,
        None,
        Some("../escape.pdf"),
    );
    has(
        &found,
        "archive_entry_absolute",
        None,
        None,
        Some("/etc/absolute.pdf"),
    );
    has(
        &found,
        "archive_entry_symlink",
        None,
        None,
        Some("link.pdf"),
    );
    has(&found, "archive_entry_bomb", None, None, Some("bomb.pdf"));

    let blobs_before = a.w.admin.platform.blobs.list().await.unwrap().len();
    let refused = send(&a.w.admin, &a, "", zip).await;
    let body = problem(refused, StatusCode::BAD_REQUEST, "archive_package").await;
    assert_eq!(body["errors"], found["problems"]);
    nothing_stored(&a.w.admin, blobs_before).await;
}

#[tokio::test]
async fn uploads_that_are_not_archive_zips_are_refused_whole() {
    let a = archiving().await;
    let header = template_header(&a).await;
    let not_zip = send(&a.w.admin, &a, "/check", PDF.to_vec()).await;
    problem(not_zip, StatusCode::BAD_REQUEST, "archive_not_zip").await;
    let broken = send(&a.w.admin, &a, "", b"PK\x03\x04broken".to_vec()).await;
    problem(broken, StatusCode::BAD_REQUEST, "archive_not_zip").await;

    let no_workbook = check(&a, zip_of(vec![Entry::File("张三.pdf", PDF.to_vec())])).await;
    has(&no_workbook, "archive_no_workbook", None, None, Some(""));
    let mut wrong = header.clone();
    wrong.swap(2, 3);
    let wrong_header = check(
        &a,
        zip_of(vec![Entry::File(
            "a.xlsx",
            sheet(
                &wrong,
                vec![row("张三.pdf", ROSTER[0].0, ROSTER[0].2, "2026-01-05")],
            ),
        )]),
    )
    .await;
    has(&wrong_header, "archive_header", Some(1), None, None);
    let empty = check(
        &a,
        zip_of(vec![Entry::File("a.xlsx", sheet(&header, vec![]))]),
    )
    .await;
    has(&empty, "archive_no_rows", None, None, Some("a.xlsx"));
    let two = check(
        &a,
        zip_of(vec![
            Entry::File("a.xlsx", sheet(&header, vec![])),
            Entry::File("b.xlsx", sheet(&header, vec![])),
        ]),
    )
    .await;
    has(&two, "archive_many_workbooks", None, None, Some(""));
    // A member of no enterprise, and a spec without a business type.
    let spec = json!({"title": "x"});
    let path = format!(
        "/api/v1/enterprises/{}/archives/bulk/check",
        a.w.enterprise_id
    );
    let response = upload(&a.w.admin, &path, &spec, "a.zip", Vec::new()).await;
    problem(response, StatusCode::BAD_REQUEST, "invalid_field").await;
    assert_eq!(archives_count(&a.w.admin).await, 0);
}

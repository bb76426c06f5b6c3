//! Batch onboarding's bad input (issue 14): each refused with a clear error and nothing changed;
//! the accepted oddities (blank rows, a lower-case `x`, full-width spaces) normalised.

use reqwest::StatusCode;
use serde_json::Value;

use super::support::{Ent, bad_id_number, header, id_number, row, workbook, workbook_with};
use crate::support::problem;

/// Uploads `file` and expects a refusal with `code`; nothing is onboarded.
async fn refused(ent: &Ent, file: Vec<u8>, code: &str) -> Value {
    let body = problem(ent.upload(file).await, StatusCode::BAD_REQUEST, code).await;
    assert_eq!(ent.employee_count().await, 0, "{code} changed something");
    body
}

/// The row errors of a refused upload, as (row, column, code).
fn row_errors(body: &Value) -> Vec<(u64, String, String)> {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(!e["zh"].as_str().unwrap().is_empty() && !e["en"].as_str().unwrap().is_empty());
            (
                e["row"].as_u64().unwrap(),
                e["column"].as_str().unwrap_or("").to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_wrong_header_is_refused() {
    let ent = Ent::start().await;
    let file = workbook(&[
        row(&["名字", "手机", "身份证号", "部门"]),
        row(&["张三", "13800000101", "", ""]),
    ]);
    let body = refused(&ent, file, "import_header").await;
    assert!(
        body["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("姓名 | 手机号 | 身份证号 | 部门")
    );
}

#[tokio::test]
async fn a_non_excel_file_renamed_xlsx_is_refused() {
    let ent = Ent::start().await;
    refused(
        &ent,
        b"\xe5\xa7\x93\xe5\x90\x8d,\xe6\x89\x8b\xe6\x9c\xba\xe5\x8f\xb7\n".to_vec(),
        "import_not_excel",
    )
    .await;
    // A zip that is no workbook, and a PNG, are no better.
    refused(
        &ent,
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00broken".to_vec(),
        "import_not_excel",
    )
    .await;
    refused(&ent, b"\x89PNG\r\n\x1a\n".to_vec(), "import_not_excel").await;
}

#[tokio::test]
async fn a_sheet_of_10001_rows_is_refused_and_10000_accepted_by_the_parser() {
    let ent = Ent::start().await;
    let mut rows = vec![header()];
    for i in 0..10_001u32 {
        rows.push(row(&["员工", &format!("137{i:08}"), "", ""]));
    }
    let body = refused(&ent, workbook(&rows), "import_too_many_rows").await;
    assert!(body["message"]["zh-CN"].as_str().unwrap().contains("10000"));
}

#[tokio::test]
async fn merged_cells_are_refused_with_their_rows() {
    let ent = Ent::start().await;
    let rows = vec![
        header(),
        row(&["张三", "13800000201", "", ""]),
        row(&["", "13800000202", "", ""]),
        row(&["李四", "13800000203", "", ""]),
    ];
    let file = workbook_with(&rows, |sheet| {
        sheet
            .merge_range(1, 0, 2, 0, "张三", &rust_xlsxwriter::Format::new())
            .unwrap();
    });
    let body = refused(&ent, file, "import_rows").await;
    let errors = row_errors(&body);
    assert_eq!(
        errors,
        [
            (2, String::new(), "merged_cells".to_owned()),
            (3, String::new(), "merged_cells".to_owned())
        ]
    );
}

#[tokio::test]
async fn wrong_check_characters_and_duplicates_are_listed_by_row() {
    let ent = Ent::start().await;
    // One already on the list.
    ent.onboarded("老员工", "13800000300", None).await;
    let before = ent.employee_count().await;
    let rows = vec![
        header(),
        row(&["张三", "13800000301", &bad_id_number(1), ""]),
        row(&["李四", "13800000302", &id_number(2), ""]),
        row(&["王五", "13800000302", "", ""]),
        row(&["赵六", "13800000303", &id_number(2), ""]),
        row(&["孙七", "13800000300", "", ""]),
        row(&["周八", "13800000304", "", "不存在的部门"]),
    ];
    let response = ent.upload(workbook(&rows)).await;
    let body = problem(response, StatusCode::BAD_REQUEST, "import_rows").await;
    let errors = row_errors(&body);
    assert_eq!(
        errors,
        [
            (2, "身份证号".to_owned(), "id_number_invalid".to_owned()),
            (4, "手机号".to_owned(), "duplicate_in_file".to_owned()),
            (5, "身份证号".to_owned(), "duplicate_in_file".to_owned()),
        ]
    );
    assert!(
        body["errors"][1]["zh"]
            .as_str()
            .unwrap()
            .contains("第 3 行")
    );
    assert_eq!(ent.employee_count().await, before);
    // With the file's own mistakes fixed, the roster's duplicate and the unknown department show.
    let rows = vec![
        header(),
        row(&["孙七", "13800000300", "", ""]),
        row(&["周八", "13800000304", "", "不存在的部门"]),
    ];
    let body = problem(
        ent.upload(workbook(&rows)).await,
        StatusCode::BAD_REQUEST,
        "import_rows",
    )
    .await;
    assert_eq!(
        row_errors(&body),
        [
            (2, "手机号".to_owned(), "duplicate_on_roster".to_owned()),
            (3, "部门".to_owned(), "department_unknown".to_owned()),
        ]
    );
    assert_eq!(ent.employee_count().await, before);
}

#[tokio::test]
async fn blank_rows_are_skipped_lower_case_x_and_full_width_spaces_normalised() {
    let ent = Ent::start().await;
    let hq = ent.department("总部", None).await;
    ent.department("财务部", Some(&hq)).await;
    let other = ent.department("分公司", None).await;
    ent.department("财务部", Some(&other)).await;
    let lower_x = id_number(7).to_lowercase();
    assert!(lower_x.ends_with('x'), "fixture: {lower_x}");
    let rows = vec![
        header(),
        row(&[
            "\u{3000}张三\u{3000}",
            "\u{3000}13800000401 ",
            &lower_x,
            "总部/财务部",
        ]),
        row(&["", "", "", ""]),
        row(&["   ", "\u{3000}", "", ""]),
        row(&["李　四", "13800000402", "", "分公司 / 财务部"]),
    ];
    let response = ent.upload(workbook(&rows)).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    let list = ent.list("view=onboarding").await;
    assert_eq!(list["total"], 2);
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"张三") && names.contains(&"李四"),
        "{names:?}"
    );
    let zhang = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "张三")
        .unwrap();
    let detail: Value = ent
        .app
        .get(&ent.path(&format!("/employees/{}", zhang["id"].as_str().unwrap())))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["id_number"], id_number(7).to_uppercase());
    assert_eq!(detail["phone"], "13800000401");
    // An ambiguous department name alone is a bad row.
    let body = problem(
        ent.upload(workbook(&[
            header(),
            row(&["王五", "13800000403", "", "财务部"]),
        ]))
        .await,
        StatusCode::BAD_REQUEST,
        "import_rows",
    )
    .await;
    assert_eq!(body["errors"][0]["code"], "department_unknown");
}

#[tokio::test]
async fn the_template_downloads_and_an_empty_one_is_refused() {
    let ent = Ent::start().await;
    let response = ent.app.get("/api/v1/employee-template.xlsx").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let bytes = response.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"PK"));
    refused(&ent, bytes, "import_empty").await;
}

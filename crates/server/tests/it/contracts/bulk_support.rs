//! The world of the bulk-launch tests: the task world (demo enterprise, quota, real-named
//! persons), a published labour-contract template, and workbooks built cell by cell.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use sqlx::Row as _;

use super::tasks_support::{Person, World, person, world};
use super::templates::{PDF2, body, full_layout, upload};
use crate::support::TestApp;

/// The workbook's header for the labour template: its six launcher fields, then party B's mobile.
pub const HEADER: [&str; 7] = [
    "姓名",
    "身份证号",
    "岗位",
    "月工资",
    "合同开始日期",
    "合同结束日期",
    "乙方（劳动者）手机号",
];

pub struct Bulk {
    pub w: World,
    /// The enterprise's 劳动合同 business type.
    pub labour: String,
    /// A published template of it (two pages, roles A enterprise and B person).
    pub template: String,
    pub zhang: Person,
    pub li: Person,
}

pub async fn bulk_world() -> Bulk {
    let w = world().await;
    let labour: String = sqlx::query(
        "SELECT id FROM ec_business_types WHERE enterprise_id = $1 AND code = 'labour'",
    )
    .bind(&w.enterprise_id)
    .fetch_one(w.admin.platform.db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap();
    let template =
        published_template(&w.admin, &w.enterprise_id, &labour, "劳动合同（标准版）").await;
    let zhang = person(&w, 7_401, "张三").await;
    let li = person(&w, 7_402, "李四").await;
    Bulk {
        w,
        labour,
        template,
        zhang,
        li,
    }
}

/// A template uploaded, laid out with the labour fields and published; its id.
pub async fn published_template(
    admin: &TestApp,
    enterprise_id: &str,
    business_type: &str,
    name: &str,
) -> String {
    let tid = draft_template(admin, enterprise_id, business_type, name).await;
    let base = format!("/api/v1/enterprises/{enterprise_id}/templates");
    body(
        admin
            .post(&format!("{base}/{tid}/publish"), json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    tid
}

/// A template laid out but left a draft; its id.
pub async fn draft_template(
    admin: &TestApp,
    enterprise_id: &str,
    business_type: &str,
    name: &str,
) -> String {
    let created = body(
        upload(admin, enterprise_id, business_type, name, PDF2.to_vec()).await,
        StatusCode::CREATED,
    )
    .await;
    let tid = created["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/enterprises/{enterprise_id}/templates");
    body(
        admin
            .put(&format!("{base}/{tid}/draft"), full_layout())
            .await,
        StatusCode::OK,
    )
    .await;
    tid
}

/// A cell to write.
#[derive(Clone, Copy)]
pub enum Cell<'a> {
    Text(&'a str),
    /// A number (an Excel date when it is a day count under a date format).
    Number(f64),
    Date(f64),
    /// A formula and the result Excel saved with it.
    Formula(&'a str, &'a str),
    Blank,
}

/// A workbook: `rows` from row 1 on the first sheet, then `extra` on the sheet.
pub fn workbook(
    rows: &[Vec<Cell<'_>>],
    extra: impl FnOnce(&mut rust_xlsxwriter::Worksheet),
) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (r, row) in (0u32..).zip(rows) {
        for (c, cell) in (0u16..).zip(row) {
            match cell {
                Cell::Text(text) => {
                    sheet.write_string(r, c, *text).unwrap();
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n).unwrap();
                }
                Cell::Date(n) => {
                    sheet.write_number_with_format(r, c, *n, &date).unwrap();
                }
                Cell::Formula(formula, result) => {
                    sheet
                        .write_formula(
                            r,
                            c,
                            rust_xlsxwriter::Formula::new(*formula).set_result(*result),
                        )
                        .unwrap();
                }
                Cell::Blank => {}
            }
        }
    }
    extra(sheet);
    book.save_to_buffer().unwrap()
}

pub fn header() -> Vec<Cell<'static>> {
    HEADER.iter().map(|h| Cell::Text(h)).collect()
}

/// A good row for `person` named `name`.
pub fn good_row<'a>(name: &'a str, id_number: &'a str, phone: &'a str) -> Vec<Cell<'a>> {
    vec![
        Cell::Text(name),
        Cell::Text(id_number),
        Cell::Text("软件工程师"),
        Cell::Text("12,000"),
        Cell::Text("2026-01-05"),
        Cell::Text("2029/1/4"),
        Cell::Text(phone),
    ]
}

/// The spec of a serial bulk launch of `template`: person B first, the enterprise A last.
pub fn spec(labour: &str, template: &str) -> Value {
    json!({
        "business_type_id": labour,
        "title": "劳动合同（{姓名}）",
        "order": "serial",
        "template_ids": [template],
        "parties": [{"role": "B", "may_refuse": true}, {"role": "A"}]
    })
}

/// Uploads a workbook with `spec`.
pub async fn upload_rows(
    client: &TestApp,
    enterprise_id: &str,
    spec: &Value,
    file: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new()
        .text("spec", spec.to_string())
        .part("file", Part::bytes(file).file_name("rows.xlsx"));
    client
        .client
        .post(client.url(&format!(
            "/api/v1/enterprises/{enterprise_id}/bulk-launches"
        )))
        .header("x-csrf-token", &client.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// A count from one SQL query with one text bind.
pub async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(bind)
        .fetch_one(app.platform.db.pool())
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

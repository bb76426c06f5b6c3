//! The contracts the two-node test launches: a labour template for the demo enterprise, bulk
//! workbooks whose every row names the demo member, and a one-document task with a deadline.

use base64::Engine as _;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use super::node::Node;
use super::web::{Web, expect};

/// A two-page contract rendered by LibreOffice.
const PDF: &[u8] = include_bytes!("../../../../pdf/tests/fixtures/libreoffice-contract2.pdf");

/// The demo member who signs every row (`signet init --demo`): real-named, so a row's signer.
pub const MEMBER_LOGIN: &str = "ecmember";
pub const MEMBER_NAME: &str = "孙成员";
pub const MEMBER_ID: &str = "110105199202020020";
pub const MEMBER_PHONE: &str = "13800000005";
/// The demo enterprise's administrator.
pub const ADMIN_LOGIN: &str = "ecadmin";
pub const ADMIN_PHONE: &str = "13800000003";
pub const DEMO_PASSWORD: &str = "Demo@2026";
pub const DEMO_CREDIT_CODE: &str = "91350100M000100Y43";

const HEADER: [&str; 7] = [
    "姓名",
    "身份证号",
    "岗位",
    "月工资",
    "合同开始日期",
    "合同结束日期",
    "乙方（劳动者）手机号",
];

/// The demo enterprise and its 劳动合同 business type, as its administrator sees them.
pub struct Enterprise {
    pub id: String,
    pub labour: String,
}

pub async fn demo_enterprise(admin: &Web, node: &Node) -> Enterprise {
    let mine = admin.get_ok(node, "/api/v1/me/enterprises").await;
    let id = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["credit_code"] == DEMO_CREDIT_CODE)
        .unwrap_or_else(|| panic!("no demo enterprise: {mine}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let types = admin
        .get_ok(node, &format!("/api/v1/enterprises/{id}/business-types"))
        .await;
    let labour = types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "labour")
        .unwrap_or_else(|| panic!("no labour type: {types}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Enterprise { id, labour }
}

fn placed(page: u32, y: f32) -> Value {
    json!({"page": page, "x": 300.0, "y": y, "w": 200.0, "h": 20.0})
}

/// The labour fields on page 1, the enterprise's company seal and the person's name seal on
/// page 2.
fn layout() -> Value {
    let kinds = ["text", "id_number", "text", "number", "date", "date"];
    let fields: Vec<Value> = HEADER[..6]
        .iter()
        .zip(kinds)
        .zip((0_u8..).map(|i| 120.0 + 30.0 * f32::from(i)))
        .map(|((key, kind), y)| json!({"key": key, "kind": kind, "placements": [placed(1, y)]}))
        .collect();
    json!({
        "roles": [{"key": "A", "kind": "enterprise", "name": "甲方（用人单位）"},
                  {"key": "B", "kind": "person", "name": "乙方（劳动者）"}],
        "fields": fields,
        "signing": [
            {"id": "a-company", "role": "A", "kind": "company", "page": 2, "x": 100, "y": 600, "w": 120, "h": 120},
            {"id": "b-name", "role": "B", "kind": "name_seal", "page": 2, "x": 350, "y": 620, "w": 80, "h": 80}
        ]
    })
}

/// Uploads the template on `upload`, saves its layout on `edit` and publishes it on `upload`:
/// one administrator's session going back and forth. Its id.
pub async fn publish_template(admin: &Web, upload: &Node, edit: &Node, e: &Enterprise) -> String {
    let base = format!("/api/v1/enterprises/{}/templates", e.id);
    let form = Form::new()
        .text("name", "劳动合同（两节点）")
        .text("business_type_id", e.labour.clone())
        .part("file", Part::bytes(PDF.to_vec()).file_name("labour.pdf"));
    let created = expect(
        admin.multipart(upload, &base, form).await,
        StatusCode::CREATED,
    )
    .await;
    let template = created["id"].as_str().unwrap().to_owned();
    expect(
        admin
            .send(
                edit,
                reqwest::Method::PUT,
                &format!("{base}/{template}/draft"),
                &layout(),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    expect(
        admin
            .post(upload, &format!("{base}/{template}/publish"), &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    template
}

/// A workbook of `rows` rows, each a contract for the demo member whose 岗位 is
/// `{prefix}{row number}` (so that every row's task has a title of its own).
pub fn workbook(prefix: &str, rows: usize) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, header) in (0_u16..).zip(HEADER) {
        sheet.write_string(0, c, header).unwrap();
    }
    for (r, n) in (1_u32..).zip(0..rows) {
        let position = format!("{prefix}{n:04}");
        let row = [
            MEMBER_NAME,
            MEMBER_ID,
            position.as_str(),
            "12,000",
            "2026-01-05",
            "2029-01-04",
            MEMBER_PHONE,
        ];
        for (c, value) in (0_u16..).zip(row) {
            sheet.write_string(r, c, value).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// Uploads `file` as a bulk launch of `template` (the person first, the enterprise last; titles
/// `劳动合同（{岗位}）`; no page QR codes, to keep the fill quick) and returns the checked batch.
pub async fn upload_batch(
    admin: &Web,
    node: &Node,
    e: &Enterprise,
    template: &str,
    file: Vec<u8>,
) -> Value {
    let spec = json!({
        "business_type_id": e.labour,
        "title": "劳动合同（{岗位}）",
        "order": "serial",
        "template_ids": [template],
        "page_qr": false,
        "parties": [{"role": "B"}, {"role": "A"}]
    });
    let form = Form::new()
        .text("spec", spec.to_string())
        .part("file", Part::bytes(file).file_name("rows.xlsx"));
    let batch = expect(
        admin
            .multipart(
                node,
                &format!("/api/v1/enterprises/{}/bulk-launches", e.id),
                form,
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(batch["state"], "validated", "{batch}");
    assert_eq!(batch["invalid_rows"], 0, "{batch}");
    batch
}

/// Starts the launch job of `batch` on `node`.
pub async fn launch_batch(admin: &Web, node: &Node, batch: &str) {
    let started = expect(
        admin
            .post(
                node,
                &format!("/api/v1/bulk-launches/{batch}/launch"),
                &json!({}),
            )
            .await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(started["state"], "launching", "{started}");
}

/// Launches a one-document task for the demo member with `deadline` (Unix seconds); its id.
pub async fn launch_with_deadline(
    admin: &Web,
    node: &Node,
    e: &Enterprise,
    deadline: i64,
) -> String {
    let body = json!({
        "business_type_id": e.labour,
        "title": "劳动合同（限期）",
        "order": "serial",
        "deadline": deadline,
        "parties": [
            {"role": "B", "kind": "person", "phone": MEMBER_PHONE},
            {"role": "A", "kind": "enterprise", "enterprise_id": e.id}
        ],
        "documents": [{
            "name": "劳动合同",
            "pdf": base64::engine::general_purpose::STANDARD.encode(PDF),
            "spots": [
                {"id": "a1", "role": "A", "kind": "company", "page": 2, "x": 360.0, "y": 560.0, "w": 120.0, "h": 120.0},
                {"id": "b1", "role": "B", "kind": "name_seal", "page": 2, "x": 90.0, "y": 580.0, "w": 80.0, "h": 80.0}
            ]
        }]
    });
    let launched = expect(
        admin
            .post(node, &format!("/api/v1/enterprises/{}/tasks", e.id), &body)
            .await,
        StatusCode::CREATED,
    )
    .await;
    launched["id"].as_str().unwrap().to_owned()
}

//! Templates through the API (issue 15, ES-11): upload, draft, publish naming what is missing,
//! new versions that leave the published one (and contracts launched from it) alone, the PDF
//! for the editor, the filled preview (never a page more), and custom fields.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use signet_core::contracts::templates;

use super::support::{enterprise, person};
use crate::support::{TestApp, app, problem};

/// A two-page contract from LibreOffice (A4).
pub(crate) const PDF2: &[u8] =
    include_bytes!("../../../../pdf/tests/fixtures/libreoffice-contract2.pdf");

pub(crate) const REQUIRED: [&str; 6] = [
    "姓名",
    "身份证号",
    "岗位",
    "月工资",
    "合同开始日期",
    "合同结束日期",
];

pub(crate) struct Setup {
    pub app: TestApp,
    pub admin: TestApp,
    pub ent: super::support::Enterprise,
}

/// A server, an administrator, their certified enterprise whose 劳动合同 requires the six
/// labour fields.
pub(crate) async fn setup(tail: u32) -> Setup {
    let app = app().start().await;
    let (admin, admin_id) = person(&app, tail, Some("王五")).await;
    let code = format!("91410100MA{tail:08}");
    let ent = enterprise(
        &app.platform,
        &admin_id,
        "模板公司",
        &code,
        "王五",
        "certified",
    )
    .await;
    sqlx::query("UPDATE ec_business_types SET required_fields = $1 WHERE id = $2")
        .bind(serde_json::to_string(&REQUIRED).unwrap())
        .bind(&ent.labour)
        .execute(app.platform.db.pool())
        .await
        .unwrap();
    Setup { app, admin, ent }
}

pub(crate) async fn upload(
    client: &TestApp,
    enterprise_id: &str,
    business_type_id: &str,
    name: &str,
    file: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new()
        .text("name", name.to_owned())
        .text("business_type_id", business_type_id.to_owned())
        .part("file", Part::bytes(file).file_name("template.bin"));
    client
        .client
        .post(client.url(&format!("/api/v1/enterprises/{enterprise_id}/templates")))
        .header("x-csrf-token", &client.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn body(response: reqwest::Response, status: StatusCode) -> Value {
    let got = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn placed(page: u32, x: f32, y: f32, w: f32, h: f32) -> Value {
    json!({"page": page, "x": x, "y": y, "w": w, "h": h})
}

/// A layout with both roles, the six required fields (姓名 twice), a party-B field and spots.
pub(crate) fn full_layout() -> Value {
    let mut fields: Vec<Value> = REQUIRED
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let kind = match *key {
                "身份证号" => "id_number",
                "月工资" => "number",
                "合同开始日期" | "合同结束日期" => "date",
                _ => "text",
            };
            #[expect(clippy::cast_precision_loss, reason = "six rows")]
            let y = 120.0 + 30.0 * i as f32;
            json!({"key": key, "kind": kind, "placements": [placed(1, 300.0, y, 200.0, 20.0)]})
        })
        .collect();
    fields[0]["placements"]
        .as_array_mut()
        .unwrap()
        .push(placed(2, 100.0, 600.0, 150.0, 20.0));
    fields.push(
        json!({"key": "紧急联系人", "kind": "text", "role": "B", "required": false,
        "placements": [placed(2, 100.0, 640.0, 150.0, 20.0)]}),
    );
    json!({
        "roles": [{"key": "A", "kind": "enterprise", "name": "甲方（用人单位）"},
                  {"key": "B", "kind": "person", "name": "乙方（劳动者）"}],
        "fields": fields,
        "signing": [
            {"id": "a-company", "role": "A", "kind": "company", "page": 2, "x": 100, "y": 700, "w": 120, "h": 120},
            {"id": "b-hand", "role": "B", "kind": "handwriting", "page": 2, "x": 350, "y": 700, "w": 120, "h": 60},
            {"id": "b-date", "role": "B", "kind": "sign_date", "page": 2, "x": 350, "y": 770, "w": 120, "h": 20}
        ]
    })
}

pub(crate) fn values() -> BTreeMap<String, String> {
    [
        ("姓名", "张三"),
        ("身份证号", "11010519491231002x"),
        ("岗位", "软件工程师"),
        ("月工资", "12,000"),
        ("合同开始日期", "46027"),
        ("合同结束日期", "2029/1/4"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn page_count(pdf: &[u8]) -> usize {
    lopdf::Document::load_mem(pdf).unwrap().get_pages().len()
}

#[tokio::test]
async fn a_template_is_drafted_published_and_versioned() {
    let Setup { app, admin, ent } = setup(3101).await;
    let base = format!("/api/v1/enterprises/{}/templates", ent.id);

    let created = body(
        upload(
            &admin,
            &ent.id,
            &ent.labour,
            "劳动合同（标准版）",
            PDF2.to_vec(),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let tid = created["id"].as_str().unwrap().to_owned();
    let v1 = created["version"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["version"]["state"], "draft");
    assert_eq!(created["version"]["version"], 1);
    assert_eq!(created["version"]["page_count"], 2);
    let width = created["version"]["pages"][0]["width"].as_f64().unwrap();
    assert!((width - 595.0).abs() < 1.0, "A4 width, got {width}");
    assert_eq!(created["published_version_id"], Value::Null);
    assert_eq!(created["business_type"]["required_fields"], json!(REQUIRED));

    // The editor reads the version's PDF.
    let pdf = admin.get(&format!("{base}/{tid}/versions/{v1}/pdf")).await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert_eq!(pdf.bytes().await.unwrap().as_ref(), PDF2);

    // A draft cannot launch; publishing an empty draft names what is missing.
    let err = templates::published(&app.platform, &ent.id, &tid)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "template_not_published");
    let refused = problem(
        admin
            .post(&format!("{base}/{tid}/publish"), json!({}))
            .await,
        StatusCode::CONFLICT,
        "template_incomplete",
    )
    .await;
    let message = refused["message"]["zh-CN"].as_str().unwrap();
    assert!(
        message.contains("姓名") && message.contains("合同结束日期"),
        "{message}"
    );
    assert!(
        message.contains("企业签署角色") && message.contains("个人签署角色"),
        "{message}"
    );

    // Without 月工资 the refusal names only it.
    let mut layout = full_layout();
    let fields = layout["fields"].as_array_mut().unwrap();
    fields.retain(|f| f["key"] != "月工资");
    body(
        admin.put(&format!("{base}/{tid}/draft"), layout).await,
        StatusCode::OK,
    )
    .await;
    let refused = problem(
        admin
            .post(&format!("{base}/{tid}/publish"), json!({}))
            .await,
        StatusCode::CONFLICT,
        "template_incomplete",
    )
    .await;
    let message = refused["message"]["en"].as_str().unwrap();
    assert!(
        message.contains("月工资") && !message.contains("姓名"),
        "{message}"
    );

    let saved = body(
        admin
            .put(&format!("{base}/{tid}/draft"), full_layout())
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(saved["version"]["id"], v1.as_str());
    assert_eq!(
        saved["version"]["fields"][0]["placements"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(saved["version"]["fields"][0]["size"], 12.0);
    let published = body(
        admin
            .post(&format!("{base}/{tid}/publish"), json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(published["version"]["state"], "published");
    assert_eq!(published["published_version_id"], v1.as_str());
    let launched_from = templates::published(&app.platform, &ent.id, &tid)
        .await
        .unwrap();
    assert_eq!(launched_from.id, v1);

    // Editing the published template makes version 2 as a draft; version 1 still launches.
    let mut renamed = full_layout();
    renamed["name"] = json!("劳动合同（2027 版）");
    renamed["fields"][2]["size"] = json!(14.0);
    let edited = body(
        admin.put(&format!("{base}/{tid}/draft"), renamed).await,
        StatusCode::OK,
    )
    .await;
    let v2 = edited["version"]["id"].as_str().unwrap().to_owned();
    assert_ne!(v2, v1);
    assert_eq!(edited["version"]["version"], 2);
    assert_eq!(edited["version"]["state"], "draft");
    assert_eq!(edited["published_version_id"], v1.as_str());
    assert_eq!(edited["name"], "劳动合同（2027 版）");
    assert_eq!(
        templates::published(&app.platform, &ent.id, &tid)
            .await
            .unwrap()
            .id,
        v1
    );
    let list = body(admin.get(&base).await, StatusCode::OK).await;
    assert_eq!(list[0]["version"], 2);
    assert_eq!(list[0]["state"], "draft");
    assert_eq!(list[0]["published_version_id"], v1.as_str());

    body(
        admin
            .post(&format!("{base}/{tid}/publish"), json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let now = templates::published(&app.platform, &ent.id, &tid)
        .await
        .unwrap();
    assert_eq!((now.id.as_str(), now.version), (v2.as_str(), 2));
    assert!((now.fields[2].size - 14.0).abs() < f32::EPSILON);
    // A contract launched from version 1 keeps it, unchanged.
    let old = templates::version(&app.platform, &v1).await.unwrap();
    assert_eq!(old.state, templates::VersionState::Superseded);
    assert!((old.fields[2].size - 12.0).abs() < f32::EPSILON);
    assert_eq!(
        old,
        templates::TemplateVersion {
            state: old.state,
            name: old.name.clone(),
            ..launched_from.clone()
        }
    );

    // The list filters by business type.
    let by_type = body(
        admin
            .get(&format!("{base}?business_type={}", ent.dispatch))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_type, json!([]));
    let by_type = body(
        admin
            .get(&format!("{base}?business_type={}", ent.labour))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_type.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_preview_fills_every_placement_without_adding_a_page() {
    let Setup { app, admin, ent } = setup(3102).await;
    let base = format!("/api/v1/enterprises/{}/templates", ent.id);
    let created = body(
        upload(&admin, &ent.id, &ent.labour, "劳动合同", PDF2.to_vec()).await,
        StatusCode::CREATED,
    )
    .await;
    let tid = created["id"].as_str().unwrap().to_owned();
    body(
        admin
            .put(&format!("{base}/{tid}/draft"), full_layout())
            .await,
        StatusCode::OK,
    )
    .await;

    let mut given = values();
    // A long address-like position shrinks and wraps inside its 200 × 20 box.
    given.insert(
        "岗位".into(),
        "高级软件工程师（负责电子合同平台的研发与维护工作）".into(),
    );
    let response = admin
        .post(&format!("{base}/{tid}/preview"), json!({ "values": given }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let filled = response.bytes().await.unwrap().to_vec();
    assert_eq!(
        page_count(&filled),
        2,
        "filling never changes the page count"
    );
    assert!(
        filled.starts_with(PDF2),
        "one incremental revision over the template"
    );
    let text = pdftotext(&filled);
    assert_eq!(
        text.matches("张三").count(),
        2,
        "both placements of 姓名: {text}"
    );
    assert!(text.contains("11010519491231002X"), "{text}");
    assert!(
        text.contains("2026年01月05日") && text.contains("2029年01月04日"),
        "{text}"
    );
    assert!(text.contains("12000"), "{text}");
    assert!(text.replace(' ', "").contains("第2页/共2页"), "{text}");

    // Refused values are named, field by field.
    let mut bad = values();
    bad.insert("身份证号".into(), "110105194912310021".into());
    bad.insert("合同开始日期".into(), "2026-02-30".into());
    bad.insert("岗位".into(), "很长".repeat(80));
    let response = admin
        .post(&format!("{base}/{tid}/preview"), json!({ "values": bad }))
        .await;
    let refused = problem(response, StatusCode::BAD_REQUEST, "template_values").await;
    let fields: Vec<&str> = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["身份证号", "岗位", "合同开始日期"]);
    assert!(
        refused["errors"][1]["message_zh"]
            .as_str()
            .unwrap()
            .contains("放不下")
    );

    // The core's prepared template fills many rows from one parse, each keeping two pages.
    let version =
        templates::store::current(&app.platform, &ent.id, &tid, &admin_id(&app, &ent.id).await)
            .await
            .unwrap();
    let pdf = app.platform.blobs.get(&version.pdf_blob).await.unwrap();
    let prepared = templates::PreparedTemplate::new(&pdf, &version).unwrap();
    for name in ["李四", "欧阳娜娜", "Mary Ann"] {
        let mut row = values();
        row.insert("姓名".into(), name.into());
        let normalised = templates::validate_values(&version, &row).unwrap();
        let options = templates::FillOptions {
            page_qr: Some("https://signet.test/v/1/p/{page}".into()),
            page_numbers: true,
        };
        let filled = prepared.fill(&normalised, &options).unwrap();
        assert_eq!(page_count(&filled.pdf), 2);
        assert_eq!(filled.spots.len(), 3);
        assert!(pdftotext(&filled.pdf).contains(name));
    }
}

async fn admin_id(app: &TestApp, enterprise_id: &str) -> String {
    use sqlx::Row as _;
    sqlx::query("SELECT user_id FROM ec_members WHERE enterprise_id = $1 AND role = 'admin'")
        .bind(enterprise_id)
        .fetch_one(app.platform.db.pool())
        .await
        .unwrap()
        .try_get("user_id")
        .unwrap()
}

#[tokio::test]
async fn a_word_file_is_converted_by_libreoffice() {
    let Setup {
        app: _app,
        admin,
        ent,
    } = setup(3103).await;
    // A real .docx, made by LibreOffice from the fixtures' HTML contract.
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("contract.html");
    std::fs::write(
        &html,
        include_str!("../../../../pdf/tests/fixtures/contract1.html"),
    )
    .unwrap();
    let status = std::process::Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}/profile",
            dir.path().display()
        ))
        .args([
            "--headless",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
        ])
        .arg(dir.path())
        .arg(&html)
        .output()
        .expect("LibreOffice (libreoffice-writer-nogui) is installed by the test command");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let docx = std::fs::read(dir.path().join("contract.docx")).unwrap();

    let created = body(
        upload(&admin, &ent.id, &ent.labour, "Word 模板", docx).await,
        StatusCode::CREATED,
    )
    .await;
    assert!(created["version"]["page_count"].as_u64().unwrap() >= 1);
    let (tid, vid) = (
        created["id"].as_str().unwrap(),
        created["version"]["id"].as_str().unwrap(),
    );
    let pdf = admin
        .get(&format!(
            "/api/v1/enterprises/{}/templates/{tid}/versions/{vid}/pdf",
            ent.id
        ))
        .await
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(
        pdftotext(&pdf).contains("双方同意"),
        "the contract's text survives conversion"
    );
}

#[tokio::test]
async fn custom_fields_join_the_standard_list() {
    let Setup { app, admin, ent } = setup(3104).await;
    let path = format!("/api/v1/enterprises/{}/template-fields", ent.id);
    let list = body(admin.get(&path).await, StatusCode::OK).await;
    let standard = list.as_array().unwrap().len();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|f| f["key"] == "身份证号" && f["kind"] == "id_number")
    );

    let added = body(
        admin
            .post(
                &path,
                json!({"key": "工号", "kind": "text", "label_en": "Staff number"}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    problem(
        admin
            .post(&path, json!({"key": "工号", "kind": "number"}))
            .await,
        StatusCode::CONFLICT,
        "template_field_taken",
    )
    .await;
    problem(
        admin
            .post(&path, json!({"key": "姓名", "kind": "text"}))
            .await,
        StatusCode::CONFLICT,
        "template_field_taken",
    )
    .await;
    let list = body(admin.get(&path).await, StatusCode::OK).await;
    assert_eq!(list.as_array().unwrap().len(), standard + 1);
    assert_eq!(list[standard]["key"], "工号");
    assert_eq!(list[standard]["standard"], false);

    // Another enterprise's field id is not found; its own is removed.
    let (other, other_id) = person(&app, 3199, Some("赵六")).await;
    let other_ent = enterprise(
        &app.platform,
        &other_id,
        "别家公司",
        "91410100MA00003199",
        "赵六",
        "certified",
    )
    .await;
    let id = added["id"].as_str().unwrap();
    problem(
        other
            .send(
                reqwest::Method::DELETE,
                &format!("/api/v1/enterprises/{}/template-fields/{id}", other_ent.id),
                None,
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let gone = admin
        .send(reqwest::Method::DELETE, &format!("{path}/{id}"), None)
        .await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        body(admin.get(&path).await, StatusCode::OK)
            .await
            .as_array()
            .unwrap()
            .len(),
        standard
    );
}

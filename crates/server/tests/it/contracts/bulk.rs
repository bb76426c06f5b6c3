//! Launch from templates and bulk launch from Excel (issue 15): the form fill, the workbook, the
//! upload checked row by row, the preview, the launch as a job in chunks — its progress, a
//! resumed run launching each row once, the quota refused up front — and 40 launches of one
//! batch at once starting one job.

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::contracts::bulk;

use super::bulk_support::{
    Cell, HEADER, bulk_world, count, draft_template, good_row, header, published_template, spec,
    upload_rows, workbook,
};
use super::tasks_support::{balance, document, id_number, task};
use super::templates::{body, values};
use crate::support::problem;

#[expect(
    clippy::needless_pass_by_value,
    reason = "callers build the values inline"
)]
fn launch_body(b: &super::bulk_support::Bulk, template: &str, values: Value) -> Value {
    json!({
        "business_type_id": b.labour,
        "title": "劳动合同（张三）",
        "order": "serial",
        "parties": [
            {"role": "B", "kind": "person", "phone": b.zhang.phone},
            {"role": "A", "kind": "enterprise", "enterprise_id": b.w.enterprise_id}
        ],
        "documents": [{"template_id": template, "values": values}]
    })
}

#[tokio::test]
async fn a_task_launches_from_a_published_template_and_values_filled_with_qr_codes() {
    let b = bulk_world().await;
    let before = balance(&b.w.admin, &b.w.enterprise_id).await;
    let path = format!(
        "/api/v1/enterprises/{}/tasks/from-templates",
        b.w.enterprise_id
    );
    let launched = body(
        b.w.admin
            .post(&path, launch_body(&b, &b.template, json!(values())))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let id = launched["id"].as_str().unwrap().to_owned();
    assert_eq!(balance(&b.w.admin, &b.w.enterprise_id).await, before - 1);
    let view = task(&b.zhang.app, &id).await;
    assert_eq!(view["documents"][0]["name"], "劳动合同（标准版）");
    assert_eq!(view["parties"][0]["state"], "to_sign");
    let pdf = document(&b.zhang.app, &id).await;
    assert!(
        pdf.starts_with(super::templates::PDF2),
        "the fill is an incremental revision"
    );
    let parsed = lopdf::Document::load_mem(&pdf).unwrap();
    assert_eq!(parsed.get_pages().len(), 2, "never a page more");
    let version: String =
        sqlx::query_scalar("SELECT template_version_id FROM ec_task_documents WHERE task_id = $1")
            .bind(&id)
            .fetch_one(b.w.admin.platform.db.pool())
            .await
            .unwrap();
    let published = signet_core::contracts::templates::published(
        &b.w.admin.platform,
        &b.w.enterprise_id,
        &b.template,
    )
    .await
    .unwrap();
    assert_eq!(version, published.id);
    // The spots are the template's: B's handwriting and date, A's company seal.
    let spots: Vec<&str> = view["documents"][0]["spots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(spots, ["a-company", "b-hand", "b-date"]);

    // Labour contracts carry page QR codes by default: without them the file is smaller.
    let mut plain = launch_body(&b, &b.template, json!(values()));
    plain["page_qr"] = json!(false);
    let plain_id = body(b.w.admin.post(&path, plain).await, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let plain_pdf = document(&b.zhang.app, &plain_id).await;
    assert!(
        pdf.len() > plain_pdf.len() + 500,
        "{} vs {}",
        pdf.len(),
        plain_pdf.len()
    );
}

#[tokio::test]
async fn a_template_launch_refuses_drafts_others_and_bad_values_changing_nothing() {
    let b = bulk_world().await;
    let path = format!(
        "/api/v1/enterprises/{}/tasks/from-templates",
        b.w.enterprise_id
    );
    let before = balance(&b.w.admin, &b.w.enterprise_id).await;
    let tasks_before = count(
        &b.w.admin,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ec_tasks WHERE enterprise_id = $1",
        &b.w.enterprise_id,
    )
    .await;

    let draft = draft_template(&b.w.admin, &b.w.enterprise_id, &b.labour, "草稿模板").await;
    problem(
        b.w.admin
            .post(&path, launch_body(&b, &draft, json!(values())))
            .await,
        StatusCode::CONFLICT,
        "template_not_published",
    )
    .await;
    problem(
        b.w.admin
            .post(&path, launch_body(&b, "no-such-template", json!(values())))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // A published template of another business type.
    let other_type: String = sqlx::query_scalar(
        "SELECT id FROM ec_business_types WHERE enterprise_id = $1 AND code = 'other'",
    )
    .bind(&b.w.enterprise_id)
    .fetch_one(b.w.admin.platform.db.pool())
    .await
    .unwrap();
    let other = published_template(&b.w.admin, &b.w.enterprise_id, &other_type, "其他合同").await;
    let refused = problem(
        b.w.admin
            .post(&path, launch_body(&b, &other, json!(values())))
            .await,
        StatusCode::BAD_REQUEST,
        "task_document",
    )
    .await;
    assert!(
        refused["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("业务类型")
    );
    // Bad values: every refused field named.
    let mut bad = values();
    bad.insert("身份证号".into(), "110105194912310021".into());
    bad.insert("合同开始日期".into(), "明天".into());
    bad.remove("岗位");
    let refused = problem(
        b.w.admin
            .post(&path, launch_body(&b, &b.template, json!(bad)))
            .await,
        StatusCode::BAD_REQUEST,
        "template_values",
    )
    .await;
    let text = refused.to_string();
    for field in ["身份证号", "合同开始日期", "岗位"] {
        assert!(text.contains(field), "{field} in {text}");
    }
    assert_eq!(balance(&b.w.admin, &b.w.enterprise_id).await, before);
    let tasks_after = count(
        &b.w.admin,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ec_tasks WHERE enterprise_id = $1",
        &b.w.enterprise_id,
    )
    .await;
    assert_eq!(tasks_after, tasks_before);
}

fn rows_of(view: &Value) -> Vec<(u64, bool)> {
    view["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_u64().unwrap(), r["ok"].as_bool().unwrap()))
        .collect()
}

fn errors_of(view: &Value, row: u64) -> Vec<(String, String)> {
    view["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["row"] == row)
        .unwrap()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["column"].as_str().unwrap_or("-").to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one batch from the workbook to its last row launched"
)]
async fn a_workbook_is_checked_by_row_and_column_then_launched_in_chunks_each_row_once() {
    let b = bulk_world().await;
    let app = &b.w.admin;
    // The workbook made from the template.
    let xlsx = app
        .get(&format!(
            "/api/v1/enterprises/{}/bulk-launches/workbook?business_type_id={}&template_ids={}",
            b.w.enterprise_id, b.labour, b.template
        ))
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK\x03\x04"));

    let zhang_id = id_number(7_401).to_lowercase();
    let zhang_id = format!("\u{3000}{zhang_id}\u{3000}");
    let li_id = id_number(7_402);
    let mut wrong_digit = id_number(7_403);
    let last = wrong_digit.pop().unwrap();
    wrong_digit.push(if last == '0' { '1' } else { '0' });
    let long = "高级".repeat(200);
    let zhang_plain = id_number(7_401);
    let file = workbook(
        &[
            header(),
            // 2: full-width spaces and a lower-case x; the start date as an Excel date.
            {
                let mut row = good_row("张三", &zhang_id, &b.zhang.phone);
                row[4] = Cell::Date(46_027.0);
                row
            },
            // 3: blank, skipped.
            vec![Cell::Blank; 7],
            // 4: the salary a formula (its saved result is used), the date as text.
            {
                let mut row = good_row("李四", &li_id, &b.li.phone);
                row[3] = Cell::Formula("=4000*2", "8000");
                row[5] = Cell::Text("2029年1月4日");
                row
            },
            // 5: a wrong check digit, a position too long for its box, a name that is not the
            // registered person's.
            {
                let mut row = good_row("王五", &wrong_digit, &b.li.phone);
                row[2] = Cell::Text(&long);
                row
            },
            // 6: an unregistered mobile and no end date.
            {
                let mut row = good_row("赵六", &li_id, "13912345678");
                row[5] = Cell::Blank;
                row
            },
            // 7: the same person again (a second contract), the salary a number.
            {
                let mut row = good_row("张三", &zhang_plain, &b.zhang.phone);
                row[3] = Cell::Number(9000.0);
                row
            },
        ],
        |_| {},
    );
    let view = body(
        upload_rows(app, &b.w.enterprise_id, &spec(&b.labour, &b.template), file).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        rows_of(&view),
        [(2, true), (4, true), (5, false), (6, false), (7, true)],
        "{view}"
    );
    assert_eq!(view["state"], "validated");
    assert_eq!(view["valid_rows"], 3);
    assert_eq!(view["invalid_rows"], 2);
    let row_five = errors_of(&view, 5);
    assert!(
        row_five.contains(&("身份证号".into(), "value_invalid".into())),
        "{row_five:?}"
    );
    assert!(
        row_five.contains(&("岗位".into(), "value_invalid".into())),
        "{row_five:?}"
    );
    assert!(
        row_five.contains(&("姓名".into(), "name_mismatch".into())),
        "{row_five:?}"
    );
    let row_six = errors_of(&view, 6);
    assert!(
        row_six.contains(&(HEADER[6].into(), "person_unregistered".into())),
        "{row_six:?}"
    );
    assert!(
        row_six.contains(&("合同结束日期".into(), "value_invalid".into())),
        "{row_six:?}"
    );
    let batch = view["id"].as_str().unwrap().to_owned();

    // A row's contract as it will be; a refused row has none.
    let preview = app
        .get(&format!("/api/v1/bulk-launches/{batch}/rows/2/pdf"))
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    let pdf = preview.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(
        lopdf::Document::load_mem(&pdf).unwrap().get_pages().len(),
        2
    );
    problem(
        app.get(&format!("/api/v1/bulk-launches/{batch}/rows/5/pdf"))
            .await,
        StatusCode::CONFLICT,
        "bulk_row_invalid",
    )
    .await;
    // Another person does not see the batch.
    problem(
        b.zhang
            .app
            .get(&format!("/api/v1/bulk-launches/{batch}"))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // With refused rows, launching needs the choice.
    problem(
        app.post(&format!("/api/v1/bulk-launches/{batch}/launch"), json!({}))
            .await,
        StatusCode::CONFLICT,
        "bulk_invalid_rows",
    )
    .await;
    // A quota short by one is refused up front, naming it; nothing moves.
    let balance_before = balance(app, &b.w.enterprise_id).await;
    signet_core::contracts::tasks::quota::grant(
        &app.platform,
        &b.w.enterprise_id,
        2 - balance_before,
        "grant",
        "test",
    )
    .await
    .unwrap();
    let short = problem(
        app.post(
            &format!("/api/v1/bulk-launches/{batch}/launch"),
            json!({"valid_only": true}),
        )
        .await,
        StatusCode::CONFLICT,
        "quota_short",
    )
    .await;
    assert!(
        short["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("还差 1 份"),
        "{short}"
    );
    let still: Value = app
        .get(&format!("/api/v1/bulk-launches/{batch}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["state"], "validated");
    assert!(still["job"].is_null());
    signet_core::contracts::tasks::quota::grant(
        &app.platform,
        &b.w.enterprise_id,
        98,
        "grant",
        "test",
    )
    .await
    .unwrap();

    let started = body(
        app.post(
            &format!("/api/v1/bulk-launches/{batch}/launch"),
            json!({"valid_only": true}),
        )
        .await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(started["state"], "launching");
    assert_eq!(started["total"], 3);
    assert_eq!(started["job"]["status"], "queued");

    // A run stopped after its first chunk of two rows (the server killed) …
    let handled = bulk::run_chunks(&app.platform, &batch, 2, Some(1), None)
        .await
        .unwrap();
    assert_eq!(handled, 2);
    let midway: Value = app
        .get(&format!("/api/v1/bulk-launches/{batch}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(midway["launched"], 2);
    assert_eq!(midway["failed"], 0);
    assert_eq!(midway["state"], "launching");
    assert_eq!(balance(app, &b.w.enterprise_id).await, 98);
    // … then the job runs to the end: the third row only.
    signet_core::platform::jobs::drain(&app.platform, &signet_core::job_handlers())
        .await
        .unwrap();
    let done: Value = app
        .get(&format!("/api/v1/bulk-launches/{batch}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["launched"], 3);
    assert_eq!(done["job"]["status"], "done");
    assert_eq!(done["job"]["done"], 3);
    assert_eq!(balance(app, &b.w.enterprise_id).await, 97);
    let states: Vec<(u64, String)> = done["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            (2, "launched".into()),
            (4, "launched".into()),
            (5, "skipped".into()),
            (6, "skipped".into()),
            (7, "launched".into())
        ]
    );
    let launched = count(
        app,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ec_tasks WHERE title LIKE '劳动合同（%' AND enterprise_id = $1",
        &b.w.enterprise_id,
    )
    .await;
    assert_eq!(launched, 3, "each row launched once");
    // Another run finds nothing to do.
    assert_eq!(
        bulk::run_chunks(&app.platform, &batch, 2, None, None)
            .await
            .unwrap(),
        0
    );
    assert_eq!(balance(app, &b.w.enterprise_id).await, 97);

    // Each row's task: the row's name in its title, the person first, the values filled.
    let li_task = done["rows"][1]["task_id"].as_str().unwrap().to_owned();
    let view = task(&b.li.app, &li_task).await;
    assert_eq!(view["title"], "劳动合同（李四）");
    assert_eq!(view["parties"][0]["state"], "to_sign");
    assert_eq!(view["parties"][0]["mine"], true);
    assert_eq!(view["parties"][1]["state"], "waiting");
    // The person was told through the outbox.
    let told = count(
        app,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM jobs WHERE idempotency_key LIKE $1",
        &format!("%contracts.task:{li_task}:%"),
    )
    .await;
    assert!(told >= 1, "an SMS job for the first party");
    // A second launch of the batch is refused.
    problem(
        app.post(
            &format!("/api/v1/bulk-launches/{batch}/launch"),
            json!({"valid_only": true}),
        )
        .await,
        StatusCode::CONFLICT,
        "bulk_state",
    )
    .await;
}

#[tokio::test]
async fn forty_launches_of_one_batch_at_once_start_one_job() {
    let b = bulk_world().await;
    let app = &b.w.admin;
    let file = workbook(
        &[
            header(),
            good_row("张三", &id_number(7_401), &b.zhang.phone),
        ],
        |_| {},
    );
    let view = body(
        upload_rows(app, &b.w.enterprise_id, &spec(&b.labour, &b.template), file).await,
        StatusCode::CREATED,
    )
    .await;
    let batch = view["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/bulk-launches/{batch}/launch");
    let handles: Vec<_> = (0..40)
        .map(|_| {
            let client = app.client.clone();
            let csrf = app.csrf.clone();
            let full = app.url(&path);
            tokio::spawn(async move {
                client
                    .post(full)
                    .header("x-csrf-token", csrf)
                    .json(&json!({"valid_only": true}))
                    .send()
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut answers = Vec::new();
    for handle in handles {
        answers.push(handle.await.unwrap());
    }
    let mut accepted = 0;
    for answer in answers {
        match answer.status() {
            StatusCode::ACCEPTED => accepted += 1,
            StatusCode::CONFLICT => {
                let body: Value = answer.json().await.unwrap();
                assert_eq!(body["code"], "bulk_state", "{body}");
            }
            other => panic!("unexpected {other}: {}", answer.text().await.unwrap()),
        }
    }
    assert_eq!(accepted, 1);
    let jobs = count(
        app,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM jobs WHERE idempotency_key = $1",
        &format!("{}:{batch}", bulk::BULK_LAUNCH),
    )
    .await;
    assert_eq!(jobs, 1);
}

#[tokio::test]
async fn rows_whose_quota_ran_out_after_the_start_fail_with_the_reason_and_the_rest_launch() {
    let b = bulk_world().await;
    let app = &b.w.admin;
    let (zhang, li) = (id_number(7_401), id_number(7_402));
    let file = workbook(
        &[
            header(),
            good_row("张三", &zhang, &b.zhang.phone),
            good_row("李四", &li, &b.li.phone),
            good_row("张三", &zhang, &b.zhang.phone),
        ],
        |_| {},
    );
    let view = body(
        upload_rows(app, &b.w.enterprise_id, &spec(&b.labour, &b.template), file).await,
        StatusCode::CREATED,
    )
    .await;
    let batch = view["id"].as_str().unwrap().to_owned();
    body(
        app.post(&format!("/api/v1/bulk-launches/{batch}/launch"), json!({}))
            .await,
        StatusCode::ACCEPTED,
    )
    .await;
    // Another launch spends all but two contracts meanwhile.
    let left = balance(app, &b.w.enterprise_id).await;
    signet_core::contracts::tasks::quota::grant(
        &app.platform,
        &b.w.enterprise_id,
        2 - left,
        "grant",
        "test",
    )
    .await
    .unwrap();
    assert_eq!(
        bulk::run_chunks(&app.platform, &batch, 2, None, None)
            .await
            .unwrap(),
        3
    );
    let done: Value = app
        .get(&format!("/api/v1/bulk-launches/{batch}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["state"], "done");
    assert_eq!(done["launched"], 2);
    assert_eq!(done["failed"], 1);
    assert_eq!(done["rows"][2]["state"], "failed");
    assert_eq!(done["rows"][2]["ok"], false);
    assert_eq!(
        done["rows"][2]["errors"][0]["code"], "quota_short",
        "{done}"
    );
    assert!(done["rows"][2]["task_id"].is_null());
    assert_eq!(balance(app, &b.w.enterprise_id).await, 0);
}

//! A bulk launch with a riding seal (issue 15): the enterprise role's seal and page range in the
//! batch's spec reach every row's task; a bad one is refused at upload with nothing stored.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::bulk_support::{bulk_world, count, good_row, header, spec, upload_rows, workbook};
use super::tasks_support::{id_number, task};
use super::templates::body;
use crate::support::problem;

#[tokio::test]
async fn every_row_of_a_bulk_launch_carries_the_riding_seal_and_bad_ones_are_refused() {
    let b = bulk_world().await;
    let app = &b.w.admin;
    let company: String =
        sqlx::query_scalar("SELECT id FROM ec_seals WHERE enterprise_id = $1 AND kind = 'company'")
            .bind(&b.w.enterprise_id)
            .fetch_one(app.platform.db.pool())
            .await
            .unwrap();
    let zhang = id_number(7_401);
    let file = || {
        workbook(
            &[header(), good_row("张三", &zhang, &b.zhang.phone)],
            |_| {},
        )
    };
    let batches = "SELECT CAST(COUNT(*) AS BIGINT) FROM ec_bulk_batches WHERE enterprise_id = $1";
    let before = count(app, batches, &b.w.enterprise_id).await;

    // Refused: on the person role; a range past the template's two pages.
    let mut on_person = spec(&b.labour, &b.template);
    on_person["parties"][0]["riding_seal"] = json!({"seal_id": company, "pages": "all"});
    let answer = problem(
        upload_rows(app, &b.w.enterprise_id, &on_person, file()).await,
        StatusCode::BAD_REQUEST,
        "riding_seal",
    )
    .await;
    assert_eq!(answer["field"], "riding_seal", "{answer}");
    let mut too_far = spec(&b.labour, &b.template);
    too_far["parties"][1]["riding_seal"] =
        json!({"seal_id": company, "pages": {"from": 2, "to": 3}});
    let answer = problem(
        upload_rows(app, &b.w.enterprise_id, &too_far, file()).await,
        StatusCode::BAD_REQUEST,
        "riding_seal",
    )
    .await;
    assert_eq!(answer["field"], "riding_seal.pages", "{answer}");
    assert_eq!(count(app, batches, &b.w.enterprise_id).await, before);

    let mut riding = spec(&b.labour, &b.template);
    riding["parties"][1]["riding_seal"] = json!({"seal_id": company, "pages": "all"});
    let view = body(
        upload_rows(app, &b.w.enterprise_id, &riding, file()).await,
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
    signet_core::platform::jobs::drain(&app.platform, &signet_core::job_handlers())
        .await
        .unwrap();
    let done: Value = app
        .get(&format!("/api/v1/bulk-launches/{batch}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["launched"], 1, "{done}");
    let task_id = done["rows"][0]["task_id"].as_str().unwrap().to_owned();
    let view = task(app, &task_id).await;
    assert_eq!(view["parties"][1]["role"], "A");
    assert_eq!(
        view["parties"][1]["riding_seal"],
        json!({"seal_id": company, "pages": "all"}),
        "{view}"
    );
    assert!(view["parties"][0]["riding_seal"].is_null());
}

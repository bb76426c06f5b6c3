//! Riding seals (骑缝章) in tasks (issue 15): an enterprise party launched with one signs one
//! slice per page in range under its own certificate besides its main seal, and the completed
//! file passes `signet_pdf`, pyHanko and pdfsig; every bad riding seal is refused at launch
//! naming its field with nothing stored, and a signer without the grant on it cannot sign.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::{add_member, enterprise, grant_seal, seal};
use super::tasks_support::{
    World, balance, document, launch, launch_body, pdfsig, person, pyhanko, roots_pem, sign,
    signed_ok, snapshot, task, verify, world,
};
use crate::support::{phone, problem};

async fn seal_of(w: &World, kind: &str) -> String {
    sqlx::query_scalar("SELECT id FROM ec_seals WHERE enterprise_id = $1 AND kind = $2")
        .bind(&w.enterprise_id)
        .bind(kind)
        .fetch_one(w.admin.platform.db.pool())
        .await
        .unwrap()
}

/// The person (role B) first, then the enterprise (role A) with `riding`.
fn body_with(w: &World, person_phone: &str, riding: &Value) -> Value {
    launch_body(
        &w.bt,
        "serial",
        json!([
            {"role": "B", "kind": "person", "phone": person_phone},
            {"role": "A", "kind": "enterprise", "enterprise_id": w.enterprise_id, "riding_seal": riding}
        ]),
    )
}

/// How many signature fields of each name prefix the file has.
fn field_names(pdf: &[u8]) -> Vec<String> {
    let parsed = lopdf::Document::load_mem(pdf).unwrap();
    let mut names = Vec::new();
    for object in parsed.objects.values() {
        if let Ok(dict) = object.as_dict()
            && dict.get(b"FT").and_then(|v| v.as_name()).ok() == Some(b"Sig".as_slice())
            && let Ok(name) = dict.get(b"T").and_then(|v| v.as_str())
        {
            names.push(String::from_utf8_lossy(name).into_owned());
        }
    }
    names.sort();
    names
}

#[tokio::test]
async fn the_enterprise_signs_a_riding_seal_over_every_page_and_the_file_validates() {
    let w = world().await;
    let zhang = person(&w, 7_501, "张三").await;
    let company = seal_of(&w, "company").await;
    let riding = json!({"seal_id": company, "pages": "all"});
    let id = launch(
        &w.admin,
        &w.enterprise_id,
        &body_with(&w, &zhang.phone, &riding),
    )
    .await;
    // The task shows the riding seal with its party, and only there.
    let view = task(&w.admin, &id).await;
    assert!(view["parties"][0]["riding_seal"].is_null(), "{view}");
    assert_eq!(view["parties"][1]["riding_seal"], riding, "{view}");

    signed_ok(&zhang.app, &zhang.phone, &id, json!({})).await;
    let done = signed_ok(&w.admin, &phone(7_100), &id, json!({})).await;
    assert_eq!(done["state"], "completed", "{done}");

    let signed = document(&w.admin, &id).await;
    // The fixture has two pages: two slices, the enterprise's seal, the person's seal.
    let names = field_names(&signed);
    let slices = names.iter().filter(|n| n.starts_with("RidingSeal")).count();
    assert_eq!(slices, 2, "{names:?}");
    let (count, ok, report) = verify(&w.admin, &signed).await;
    // Two slices, the enterprise's main signature, the person's, the document timestamp.
    assert!(ok && count == 5, "{report}");
    let enterprise_signatures = report["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s.to_string().contains(signet_core::contracts::demo::NAME))
        .count();
    assert_eq!(
        enterprise_signatures, 3,
        "every slice is the enterprise's own signature: {report}"
    );
    let dir = tempfile::tempdir().unwrap();
    let roots = roots_pem(&w.admin).await;
    if let Some((ok, text)) = pyhanko(dir.path(), &roots, &signed).await {
        assert!(ok, "pyHanko:\n{text}");
    }
    if let Some((count, ok, text)) = pdfsig(dir.path(), &roots, &signed) {
        assert!(ok && count == 4, "pdfsig:\n{text}");
    }
}

#[tokio::test]
async fn a_page_range_rides_the_pages_asked_and_a_form_launch_takes_it_too() {
    let w = world().await;
    let zhang = person(&w, 7_511, "张三").await;
    let contract = seal_of(&w, "contract").await;
    let riding = json!({"seal_id": contract, "pages": {"from": 1, "to": 2}});
    let id = launch(
        &w.admin,
        &w.enterprise_id,
        &body_with(&w, &zhang.phone, &riding),
    )
    .await;
    let stored: (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT riding_seal_id, riding_pages FROM ec_task_parties WHERE task_id = $1 AND role_key = 'A'",
    )
    .bind(&id)
    .fetch_one(w.admin.platform.db.pool())
    .await
    .unwrap();
    assert_eq!(stored.0.as_deref(), Some(contract.as_str()));
    assert_eq!(
        serde_json::from_str::<Value>(stored.1.as_deref().unwrap()).unwrap(),
        json!({"from": 1, "to": 2})
    );
    signed_ok(&zhang.app, &zhang.phone, &id, json!({})).await;
    signed_ok(&w.admin, &phone(7_100), &id, json!({})).await;
    let signed = document(&w.admin, &id).await;
    let (count, ok, report) = verify(&w.admin, &signed).await;
    assert!(ok && count == 5, "{report}");
}

#[tokio::test]
async fn bad_riding_seals_are_refused_at_launch_naming_the_field_and_storing_nothing() {
    let w = world().await;
    let zhang = person(&w, 7_521, "张三").await;
    let company = seal_of(&w, "company").await;
    // A seal that may not ride: the enterprise's date stamp (made when the demo has none).
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT id FROM ec_seals WHERE enterprise_id = $1 AND kind = 'date' AND state <> 'void'",
    )
    .bind(&w.enterprise_id)
    .fetch_optional(w.admin.platform.db.pool())
    .await
    .unwrap();
    let date = match existing {
        Some(id) => id,
        None => {
            seal(
                &w.admin.platform,
                &w.enterprise_id,
                "date",
                "日期章",
                "active",
            )
            .await
        }
    };
    let other = enterprise(
        &w.admin.platform,
        &w.admin_id,
        "别家公司",
        "91110000RIDING0001",
        "王五",
        "certified",
    )
    .await;
    let quota = balance(&w.admin, &w.enterprise_id).await;
    let tasks = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM ec_tasks WHERE enterprise_id = $1",
        )
        .bind(&w.enterprise_id)
        .fetch_one(w.admin.platform.db.pool())
        .await
        .unwrap()
    };
    let before = tasks().await;
    let path = format!("/api/v1/enterprises/{}/tasks", w.enterprise_id);
    let refused = |body: Value, field: &'static str| {
        let admin = &w.admin;
        let path = path.clone();
        async move {
            let answer = problem(
                admin.post(&path, body).await,
                StatusCode::BAD_REQUEST,
                "riding_seal",
            )
            .await;
            assert_eq!(answer["field"], field, "{answer}");
            answer
        }
    };

    // A person party cannot carry one.
    let person_riding = launch_body(
        &w.bt,
        "serial",
        json!([
            {"role": "B", "kind": "person", "phone": zhang.phone,
             "riding_seal": {"seal_id": company, "pages": "all"}},
            {"role": "A", "kind": "enterprise", "enterprise_id": w.enterprise_id}
        ]),
    );
    let answer = refused(person_riding, "riding_seal").await;
    assert!(answer.to_string().contains("个人"), "{answer}");
    // Another enterprise's seal, a date stamp, a seal that does not exist.
    for seal in [&other.company_seal, &date, &"no-such-seal".to_owned()] {
        refused(
            body_with(&w, &zhang.phone, &json!({"seal_id": seal, "pages": "all"})),
            "riding_seal.seal_id",
        )
        .await;
    }
    // Pages outside the two-page document, one page, backwards, from zero.
    for pages in [
        json!({"from": 1, "to": 3}),
        json!({"from": 2, "to": 2}),
        json!({"from": 2, "to": 1}),
        json!({"from": 0, "to": 2}),
    ] {
        let answer = refused(
            body_with(
                &w,
                &zhang.phone,
                &json!({"seal_id": company, "pages": pages}),
            ),
            "riding_seal.pages",
        )
        .await;
        assert!(answer.to_string().contains("1–2"), "{answer}");
    }
    // A shape that is neither "all" nor a range.
    let shapeless = body_with(
        &w,
        &zhang.phone,
        &json!({"seal_id": company, "pages": "some"}),
    );
    let response = w.admin.post(&path, shapeless).await;
    assert!(response.status().is_client_error(), "{}", response.status());

    assert_eq!(tasks().await, before, "nothing launched");
    assert_eq!(balance(&w.admin, &w.enterprise_id).await, quota);
}

#[tokio::test]
async fn a_signer_without_the_grant_on_the_riding_seal_cannot_sign() {
    let w = world().await;
    let zhang = person(&w, 7_531, "张三").await;
    let clerk = person(&w, 7_532, "钱七").await;
    add_member(&w.admin.platform, &w.enterprise_id, &clerk.id, "member").await;
    // The clerk holds the company seal (the main spot's) but not the contract seal that rides.
    let company = seal_of(&w, "company").await;
    let contract = seal_of(&w, "contract").await;
    grant_seal(
        &w.admin.platform,
        &w.enterprise_id,
        &company,
        &clerk.id,
        &w.admin_id,
    )
    .await;
    let body = launch_body(
        &w.bt,
        "unordered",
        json!([
            {"role": "A", "kind": "enterprise", "enterprise_id": w.enterprise_id,
             "riding_seal": {"seal_id": contract, "pages": "all"}},
            {"role": "B", "kind": "person", "phone": zhang.phone}
        ]),
    );
    let id = launch(&w.admin, &w.enterprise_id, &body).await;
    let start = snapshot(&w.admin, &id).await;
    let response = sign(&clerk.app, &clerk.phone, &id, json!({})).await;
    problem(response, StatusCode::FORBIDDEN, "seal_not_granted").await;
    assert_eq!(snapshot(&w.admin, &id).await, start, "nothing signed");
    // The administrator may use every seal: the same task signs.
    let done = signed_ok(&w.admin, &phone(7_100), &id, json!({})).await;
    assert_eq!(done["parties"][0]["state"], "signed", "{done}");
    let (count, ok, report) = verify(&w.admin, &document(&w.admin, &id).await).await;
    assert!(ok && count == 3, "two slices and the main seal: {report}");
}

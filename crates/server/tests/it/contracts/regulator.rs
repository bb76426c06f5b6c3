//! Reports to the supervising platform (ES-17): a completed contract is reported once through
//! the outbox, with a body signed by the platform (checked here by `openssl cms`) and its
//! document hash timestamped (checked by `openssl ts`); a regulator that is down, slow or
//! answers nonsense is retried with the same bytes and key; one that repeats a key's receipt
//! changes nothing more; after the last attempt the report fails and staff resend it; the
//! sandbox's own receiver refuses forged reports.

use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::contracts::regulator::{self, MAX_ATTEMPTS};
use signet_core::platform::jobs::{self, queue};

use super::bulk_support::bulk_world;
use super::regulator_receiver::{Answer, Regulator};
use super::tasks_support::{
    World, launch_person_then_enterprise, person, roots_pem, signed_ok, task, world_on,
};
use super::templates::values;
use crate::support::{TestApp, app, phone, problem};

async fn drain(app: &TestApp) {
    jobs::drain(&app.platform, &signet_core::job_handlers())
        .await
        .unwrap();
}

/// Launches and completes the usual task (the person `tail`, then the enterprise); its id.
async fn completed(w: &World, tail: u32) -> String {
    let zhang = person(w, tail, "张三丰").await;
    let id = launch_person_then_enterprise(w, &zhang.phone).await;
    signed_ok(&zhang.app, &zhang.phone, &id, json!({})).await;
    let done = signed_ok(&w.admin, &phone(7_100), &id, json!({})).await;
    assert_eq!(done["state"], "completed");
    id
}

fn reports(view: &Value) -> &Vec<Value> {
    view["regulator"].as_array().unwrap()
}

/// Runs `openssl` in `dir`; its status and output.
pub(crate) fn openssl(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test]
async fn a_completed_contract_is_reported_once_signed_and_timestamped() {
    let regulator = Regulator::start(vec![], Answer::receipt("ZJ-2026-0001")).await;
    let w = world_on(app().with_ca().regulator(&regulator.url)).await;
    let id = completed(&w, 7_501).await;

    let view = task(&w.admin, &id).await;
    assert_eq!(reports(&view).len(), 1);
    assert_eq!(reports(&view)[0]["state"], "pending");
    assert_eq!(reports(&view)[0]["state_label"], "待上报");
    assert!(
        regulator.seen().is_empty(),
        "sent by the job, not the request"
    );

    drain(&w.admin).await;
    let view = task(&w.admin, &id).await;
    let report = &reports(&view)[0];
    assert_eq!(report["state"], "reported", "{report}");
    assert_eq!(report["state_label"], "已上报");
    assert_eq!(report["receipt_id"], "ZJ-2026-0001");
    assert_eq!(report["attempts"], 1);
    // A party who is not of the launching enterprise does not see the reports.
    let seen = regulator.seen();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(
        request.header("idempotency-key"),
        report["id"].as_str().unwrap()
    );
    assert_eq!(request.header("signet-report-kind"), "report");
    assert_eq!(request.header("signet-report-format"), regulator::FORMAT);
    assert!(
        request
            .header("content-type")
            .starts_with("application/json")
    );

    let body = request.json();
    assert_eq!(body["format"], regulator::FORMAT);
    assert_eq!(body["kind"], "report");
    assert_eq!(body["subject"]["id"], id.as_str());
    assert_eq!(body["contract"]["signature_level"], "PAdES-B-LTA");
    assert_eq!(body["employer"]["credit_code"].as_str().unwrap().len(), 18);
    let person = &body["parties"][0];
    assert_eq!(person["kind"], "person");
    assert_eq!(person["name"], "张三丰");
    assert_eq!(
        person["id_number"],
        super::tasks_support::id_number(7_501).as_str()
    );
    assert!(person["signed_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["parties"][1]["kind"], "enterprise");
    let document = &body["documents"][0];
    assert_eq!(document["sha256"], view["documents"][0]["sha256"]);

    // The signature covers these exact bytes, under a certificate of the platform's CA.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("body.json"), &request.body).unwrap();
    let signature = STANDARD.decode(request.header("signet-signature")).unwrap();
    std::fs::write(dir.path().join("sig.der"), &signature).unwrap();
    std::fs::write(dir.path().join("roots.pem"), roots_pem(&w.admin).await).unwrap();
    let verify = [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        "sig.der",
        "-content",
        "body.json",
        "-CAfile",
        "roots.pem",
        "-purpose",
        "any",
        "-out",
        "/dev/null",
    ];
    let (ok, out) = openssl(dir.path(), &verify);
    assert!(ok, "{out}");
    let mut changed = request.body.clone();
    let at = changed.len() / 2;
    changed[at] ^= 0x01;
    std::fs::write(dir.path().join("body.json"), &changed).unwrap();
    assert!(!openssl(dir.path(), &verify).0, "a changed body fails");

    // The document's hash carries a timestamp of the platform's TSA.
    let token = STANDARD
        .decode(document["timestamp_token"].as_str().unwrap())
        .unwrap();
    std::fs::write(dir.path().join("token.der"), token).unwrap();
    let (ok, certs) = openssl(
        dir.path(),
        &["pkcs7", "-inform", "DER", "-in", "sig.der", "-print_certs"],
    );
    assert!(ok, "{certs}");
    std::fs::write(dir.path().join("chain.pem"), certs).unwrap();
    let sha = document["sha256"].as_str().unwrap();
    let (ok, out) = openssl(
        dir.path(),
        &[
            "ts",
            "-verify",
            "-digest",
            sha,
            "-token_in",
            "-in",
            "token.der",
            "-CAfile",
            "roots.pem",
            "-untrusted",
            "chain.pem",
        ],
    );
    assert!(ok && out.contains("Verification: OK"), "{out}");

    // Done once: more runs of the jobs send nothing more.
    w.admin.advance_clock(queue::BACKOFF_CAP_SECONDS + 1).await;
    drain(&w.admin).await;
    assert_eq!(regulator.seen().len(), 1);
}

#[tokio::test]
async fn a_labour_contract_reports_its_elements_from_the_template_fields() {
    let b = bulk_world().await;
    let path = format!(
        "/api/v1/enterprises/{}/tasks/from-templates",
        b.w.enterprise_id
    );
    let mut fields = values();
    fields.insert("姓名".into(), "张三".into());
    let launched =
        b.w.admin
            .post(
                &path,
                json!({
                    "business_type_id": b.labour,
                    "title": "劳动合同（张三）",
                    "order": "serial",
                    "parties": [
                        {"role": "B", "kind": "person", "phone": b.zhang.phone},
                        {"role": "A", "kind": "enterprise", "enterprise_id": b.w.enterprise_id}
                    ],
                    "documents": [{"template_id": b.template, "values": fields}]
                }),
            )
            .await;
    assert_eq!(launched.status(), StatusCode::CREATED);
    let id = launched.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The values are kept sealed: the ID number is nowhere in the clear.
    let stored: String = sqlx::query_scalar::<_, String>(
        "SELECT field_values FROM ec_task_documents WHERE task_id = $1",
    )
    .bind(&id)
    .fetch_one(b.w.admin.platform.db.pool())
    .await
    .unwrap();
    assert!(!stored.contains("11010519491231002"), "{stored}");

    signed_ok(
        &b.zhang.app,
        &b.zhang.phone,
        &id,
        json!({"personal_seal": "name"}),
    )
    .await;
    signed_ok(&b.w.admin, &phone(7_100), &id, json!({})).await;
    drain(&b.w.admin).await;
    let received: Value = b.w.admin.get("/dev/regulator").await.json().await.unwrap();
    assert_eq!(received[0]["subject_id"], id.as_str(), "{received}");
    assert_eq!(received[0]["deliveries"], 1);
    assert!(
        received[0]["signer"].as_str().unwrap().contains("监管上报"),
        "{received}"
    );
    assert!(!received.to_string().contains("11010519491231002"));
    let view = task(&b.w.admin, &id).await;
    assert_eq!(reports(&view)[0]["state"], "reported");
    assert!(
        reports(&view)[0]["receipt_id"]
            .as_str()
            .unwrap()
            .starts_with("DEV-")
    );
    // The body as sent (kept sealed with the report) names the labour elements.
    let report_id = reports(&view)[0]["id"].as_str().unwrap().to_owned();
    let body = sent_body(&b.w.admin, &report_id).await;
    let labour = &body["labour"];
    assert_eq!(labour["employee"]["name"], "张三");
    assert_eq!(labour["employee"]["id_number"], "11010519491231002X");
    assert_eq!(labour["job"], "软件工程师");
    assert_eq!(labour["term"]["end"], "2029-01-04");
    assert_eq!(labour["term"]["open_ended"], false);
    assert_eq!(body["documents"][0]["fields"]["岗位"], "软件工程师");
}

/// The body kept for a report, opened: the exact text every attempt sends.
async fn sent_text(app: &TestApp, report_id: &str) -> String {
    let sealed: String = sqlx::query_scalar::<_, String>(
        "SELECT body_sealed FROM ec_regulator_reports WHERE id = $1",
    )
    .bind(report_id)
    .fetch_one(app.platform.db.pool())
    .await
    .unwrap();
    app.platform
        .cipher
        .open(
            signet_core::platform::crypto::SealedAt::new(
                "ec_regulator_reports",
                "body_sealed",
                report_id,
            ),
            &sealed,
        )
        .unwrap()
}

async fn sent_body(app: &TestApp, report_id: &str) -> Value {
    serde_json::from_str(&sent_text(app, report_id).await).unwrap()
}

#[tokio::test]
async fn a_regulator_down_slow_or_malformed_is_retried_with_the_same_bytes() {
    let regulator = Regulator::start(
        vec![
            Answer::new(500, "internal error"),
            Answer::too_late(),
            Answer::new(200, "OK"),
            Answer::new(200, r#"{"status":"accepted"}"#),
        ],
        Answer::receipt("ZJ-7"),
    )
    .await;
    let w = world_on(app().with_ca().regulator(&regulator.url)).await;
    let id = completed(&w, 7_502).await;
    let errors = ["HTTP 500", "timeout", "应答格式不正确", "应答格式不正确"];
    for (attempt, expected) in errors.iter().enumerate() {
        drain(&w.admin).await;
        let view = task(&w.admin, &id).await;
        let report = &reports(&view)[0];
        assert_eq!(report["state"], "pending", "{report}");
        assert_eq!(report["attempts"], attempt + 1);
        let error = report["last_error"].as_str().unwrap();
        assert!(error.contains(expected), "{attempt}: {error}");
        w.admin.advance_clock(queue::BACKOFF_CAP_SECONDS + 1).await;
    }
    drain(&w.admin).await;
    let view = task(&w.admin, &id).await;
    let report = &reports(&view)[0];
    assert_eq!(report["state"], "reported", "{report}");
    assert_eq!(report["receipt_id"], "ZJ-7");
    assert_eq!(report["last_error"], Value::Null);
    let seen = regulator.seen();
    assert_eq!(seen.len(), 5);
    for request in &seen {
        assert_eq!(
            request.body, seen[0].body,
            "every attempt sends the same bytes"
        );
        assert_eq!(
            request.header("idempotency-key"),
            seen[0].header("idempotency-key")
        );
        assert_eq!(
            request.header("signet-signature"),
            seen[0].header("signet-signature")
        );
    }
}

#[tokio::test]
async fn a_receipt_answered_twice_for_one_key_reports_once() {
    // The first delivery arrives but its answer is lost (503); the repeat is answered with the
    // receipt the regulator already gave that key.
    let regulator = Regulator::start(
        vec![Answer::new(503, "busy")],
        Answer::new(409, r#"{"receipt_id":"ZJ-9","duplicate":true}"#),
    )
    .await;
    let w = world_on(app().with_ca().regulator(&regulator.url)).await;
    let id = completed(&w, 7_503).await;
    drain(&w.admin).await;
    w.admin.advance_clock(queue::BACKOFF_CAP_SECONDS + 1).await;
    drain(&w.admin).await;
    let view = task(&w.admin, &id).await;
    let report = &reports(&view)[0];
    assert_eq!(report["state"], "reported", "{report}");
    assert_eq!(report["receipt_id"], "ZJ-9");
    assert_eq!(report["attempts"], 2);
    // A third answer for the key changes nothing: the report is not sent again.
    w.admin.advance_clock(queue::BACKOFF_CAP_SECONDS + 1).await;
    drain(&w.admin).await;
    assert_eq!(regulator.seen().len(), 2);
    assert_eq!(task(&w.admin, &id).await["regulator"][0]["attempts"], 2);
}

#[tokio::test]
async fn after_the_last_attempt_the_report_fails_and_staff_resend_it() {
    let regulator = Regulator::start(vec![], Answer::new(502, "bad gateway")).await;
    let w = world_on(app().with_ca().regulator(&regulator.url)).await;
    let id = completed(&w, 7_504).await;
    for _ in 0..MAX_ATTEMPTS + 2 {
        drain(&w.admin).await;
        w.admin.advance_clock(queue::BACKOFF_CAP_SECONDS + 1).await;
    }
    assert_eq!(
        regulator.seen().len(),
        usize::try_from(MAX_ATTEMPTS).unwrap()
    );
    let view = task(&w.admin, &id).await;
    let report = reports(&view)[0].clone();
    assert_eq!(report["state"], "failed");
    assert_eq!(report["state_label"], "上报失败");
    let report_id = report["id"].as_str().unwrap().to_owned();
    let job = queue::by_key(
        &w.admin.platform,
        &format!("{}:{report_id}", regulator::JOB_KIND),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(job.status, jobs::Status::Dead);

    // Staff only: an enterprise administrator without a staff role is refused.
    let list = "/api/v1/staff/regulator-reports?state=failed";
    problem(w.admin.get(list).await, StatusCode::FORBIDDEN, "staff_only").await;
    problem(
        w.admin.get("/api/v1/staff/dashboard").await,
        StatusCode::FORBIDDEN,
        "staff_only",
    )
    .await;
    let resend = format!("/api/v1/staff/regulator-reports/{report_id}/resend");
    problem(
        w.admin.post(&resend, json!({})).await,
        StatusCode::FORBIDDEN,
        "staff_only",
    )
    .await;
    signet_core::desk::roles::grant(
        &w.admin.platform,
        &w.admin_id,
        signet_core::desk::roles::Role::Reviewer,
        "test",
    )
    .await
    .unwrap();
    // The operator's counts say so, on the staff dashboard and in /metrics.
    let dashboard: Value = w
        .admin
        .get("/api/v1/staff/dashboard?days=7")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dashboard["reports_failed"], 1, "{dashboard}");
    assert_eq!(dashboard["contracts_completed"], 1);
    assert_eq!(dashboard["days"].as_array().unwrap().len(), 7);
    assert_eq!(dashboard["days"][6]["completed"], 1, "{dashboard}");
    assert!(dashboard["jobs_dead"].as_i64().unwrap() >= 1);
    let metrics = w.admin.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("signet_regulator_reports{state=\"failed\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("signet_contracts{state=\"completed\"} 1"));
    let failed: Value = w.admin.get(list).await.json().await.unwrap();
    assert_eq!(failed[0]["id"], report_id.as_str(), "{failed}");
    assert_eq!(failed[0]["subject_id"], id.as_str());
    assert_eq!(failed[0]["last_status"], 502);
    problem(
        w.admin
            .get("/api/v1/staff/regulator-reports?state=lost")
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    problem(
        w.admin
            .post(
                "/api/v1/staff/regulator-reports/no-such-report/resend",
                json!({}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    regulator.answer(Answer::receipt("ZJ-11"));
    assert_eq!(
        w.admin.post(&resend, json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    // A report waiting to be sent cannot be resent again.
    problem(
        w.admin.post(&resend, json!({})).await,
        StatusCode::CONFLICT,
        "report_not_failed",
    )
    .await;
    assert_eq!(
        task(&w.admin, &id).await["regulator"][0]["state_label"],
        "待上报"
    );
    drain(&w.admin).await;
    let report = &task(&w.admin, &id).await["regulator"][0];
    assert_eq!(report["state"], "reported", "{report}");
    assert_eq!(report["receipt_id"], "ZJ-11");
    let seen = regulator.seen();
    assert_eq!(seen.last().unwrap().body, seen[0].body, "the same bytes");
}

#[tokio::test]
async fn a_regulator_that_refuses_fails_the_report_at_once() {
    let regulator = Regulator::start(vec![], Answer::new(422, r#"{"error":"缺少岗位"}"#)).await;
    let w = world_on(app().with_ca().regulator(&regulator.url)).await;
    let id = completed(&w, 7_505).await;
    drain(&w.admin).await;
    let report = &task(&w.admin, &id).await["regulator"][0];
    assert_eq!(report["state"], "failed", "{report}");
    assert_eq!(report["attempts"], 1);
    assert!(report["last_error"].as_str().unwrap().contains("422"));
    w.admin.advance_clock(queue::BACKOFF_CAP_SECONDS + 1).await;
    drain(&w.admin).await;
    assert_eq!(regulator.seen().len(), 1, "no retry of a refusal");
}

#[tokio::test]
async fn a_void_after_a_report_sends_a_void_report() {
    let regulator = Regulator::start(vec![], Answer::receipt("ZJ-20")).await;
    let w = world_on(app().with_ca().regulator(&regulator.url)).await;
    let id = completed(&w, 7_506).await;
    drain(&w.admin).await;
    let platform = &w.admin.platform;
    let now = signet_core::platform::clock::Clock::now(&*platform.clock);
    let mut tx = platform.db.begin().await.unwrap();
    let void = regulator::queue_void(&mut tx, now, regulator::subject::TASK, &id)
        .await
        .unwrap();
    assert!(void.is_some());
    // Once per subject.
    let again = regulator::queue_void(&mut tx, now, regulator::subject::TASK, &id)
        .await
        .unwrap();
    assert!(again.is_none());
    // A subject never reported has nothing to void.
    let none = regulator::queue_void(&mut tx, now, regulator::subject::TASK, "no-such-task")
        .await
        .unwrap();
    assert!(none.is_none());
    tx.commit().await.unwrap();
    drain(&w.admin).await;
    let seen = regulator.seen();
    assert_eq!(seen.len(), 2);
    let body = seen[1].json();
    assert_eq!(body["kind"], "void");
    assert_eq!(body["voids"], seen[0].header("idempotency-key"));
    assert_eq!(seen[1].header("signet-report-kind"), "void");
    let statuses = task(&w.admin, &id).await["regulator"].clone();
    assert_eq!(statuses.as_array().unwrap().len(), 2, "{statuses}");
    assert!(
        statuses
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["state"] == "reported")
    );
}

#[tokio::test]
async fn the_sandbox_receiver_refuses_forged_reports_and_keeps_nothing_of_them() {
    let w = world_on(app().with_ca()).await;
    let id = completed(&w, 7_507).await;
    drain(&w.admin).await;
    let received: Value = w.admin.get("/dev/regulator").await.json().await.unwrap();
    assert_eq!(received.as_array().unwrap().len(), 1, "{received}");
    let key = received[0]["idempotency_key"].as_str().unwrap().to_owned();
    let report_id = task(&w.admin, &id).await["regulator"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(key, report_id);
    let sealed: (String, String) =
        sqlx::query_as("SELECT body_sealed, signature FROM ec_regulator_reports WHERE id = $1")
            .bind(&report_id)
            .fetch_one(w.admin.platform.db.pool())
            .await
            .unwrap();
    let body = sent_text(&w.admin, &report_id).await;
    let signature = sealed.1;
    let sha = signet_core::platform::crypto::sha256_hex(body.as_bytes());

    let client = reqwest::Client::new();
    let post = |key: &str, sha: &str, signature: &str, body: String| {
        client
            .post(w.admin.url("/dev/regulator"))
            .header("Idempotency-Key", key)
            .header("Signet-Body-SHA256", sha)
            .header("Signet-Signature", signature)
            .body(body)
            .send()
    };
    // A body changed after signing (its digest header matching the change).
    let forged = body.replace("张三丰", "李四");
    let forged_sha = signet_core::platform::crypto::sha256_hex(forged.as_bytes());
    let answer = post("forged-1", &forged_sha, &signature, forged.clone())
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert!(answer.text().await.unwrap().contains("签名无效"));
    // A digest header that does not match, no signature, no key, not JSON.
    let cases = [
        post("forged-2", &sha, &signature, forged).await.unwrap(),
        post("forged-3", &sha, "", body.clone()).await.unwrap(),
        post("", &sha, &signature, body.clone()).await.unwrap(),
        post(
            "forged-4",
            &signet_core::platform::crypto::sha256_hex(b"x"),
            &signature,
            "x".into(),
        )
        .await
        .unwrap(),
    ];
    for answer in cases {
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    }
    // The genuine report again: the same receipt, counted as a repeat.
    let again: Value = post(&key, &sha, &signature, body)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["receipt_id"], received[0]["receipt_id"]);
    assert_eq!(again["duplicate"], true);
    let after: Value = w.admin.get("/dev/regulator").await.json().await.unwrap();
    assert_eq!(
        after.as_array().unwrap().len(),
        1,
        "nothing forged kept: {after}"
    );
    assert_eq!(after[0]["deliveries"], 2);
}

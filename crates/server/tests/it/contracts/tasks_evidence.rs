//! The evidence package of a completed document: queued by the completing transaction, made once
//! by its job, downloaded by the task's readers, and checked offline by `evidence::check` against
//! the platform's roots; refused (409) before completion or before the job ran, 404 to others.

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::contracts::evidence;

use super::tasks_support::{
    launch_person_then_enterprise, person, roots_pem, signed_ok, task, world,
};
use crate::support::{phone, problem};

async fn drain(app: &crate::support::TestApp) {
    signet_core::platform::jobs::drain(&app.platform, &signet_core::job_handlers())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_completed_document_has_one_evidence_package_that_checks_offline() {
    let w = world().await;
    let zhang = person(&w, 7_401, "张三丰").await;
    let stranger = person(&w, 7_402, "路人甲").await;
    let id = launch_person_then_enterprise(&w, &zhang.phone).await;
    let view: Value = task(&w.admin, &id).await;
    let document = view["documents"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/tasks/{id}/documents/{document}/evidence");

    signed_ok(&zhang.app, &zhang.phone, &id, json!({})).await;
    problem(
        zhang.app.get(&path).await,
        StatusCode::CONFLICT,
        "evidence_not_completed",
    )
    .await;
    signed_ok(&w.admin, &phone(7_100), &id, json!({})).await;
    // Completed, but the job has not run yet.
    problem(
        zhang.app.get(&path).await,
        StatusCode::CONFLICT,
        "evidence_pending",
    )
    .await;

    drain(&w.admin).await;
    let response = zhang.app.get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let zip = response.bytes().await.unwrap().to_vec();
    let roots =
        x509_cert::Certificate::load_pem_chain(roots_pem(&w.admin).await.as_bytes()).unwrap();
    let now = signet_core::platform::clock::Clock::now(&*w.admin.platform.clock);
    let verdict = evidence::check(&zip, roots, signet_core::ca::system_time(now));
    let failures: Vec<_> = verdict.failures().collect();
    assert!(verdict.ok, "{failures:?}");
    assert!(!verdict.trust_from_package);
    // launched, two SMS codes, two intents, two signatures, completed.
    assert_eq!(verdict.events, 8);
    let header = verdict.task.unwrap();
    assert_eq!(header.task_id, id);

    // The same bytes for the initiator; made once, whatever the job does again.
    let again = w.admin.get(&path).await.bytes().await.unwrap().to_vec();
    assert_eq!(again, zip);
    assert_eq!(
        signet_core::contracts::tasks::evidence::build_for_task(&w.admin.platform, &id)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        w.admin.get(&path).await.bytes().await.unwrap().to_vec(),
        zip
    );

    // Someone who is not a party, and a document of no such task: 404, nothing of it.
    problem(
        stranger.app.get(&path).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        zhang
            .app
            .get(&format!("/api/v1/tasks/{id}/documents/nope/evidence"))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

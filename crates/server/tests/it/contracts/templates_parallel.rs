//! Templates under 40 requests at once: editing a published template makes exactly one new
//! draft, and publishing it leaves exactly one published version (both databases; the partial
//! unique indexes and the template row lock hold it).

use reqwest::StatusCode;
use serde_json::json;

use super::members_admin::at_once;
use super::support::count;
use super::templates::{PDF2, Setup, body, full_layout, setup, upload};

#[tokio::test]
async fn forty_edits_and_publishes_at_once_leave_one_draft_then_one_published_version() {
    let Setup { app, admin, ent } = setup(3301).await;
    let created = body(
        upload(&admin, &ent.id, &ent.labour, "劳动合同", PDF2.to_vec()).await,
        StatusCode::CREATED,
    )
    .await;
    let tid = created["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/enterprises/{}/templates/{tid}", ent.id);
    body(
        admin.put(&format!("{base}/draft"), full_layout()).await,
        StatusCode::OK,
    )
    .await;
    body(
        admin.post(&format!("{base}/publish"), json!({})).await,
        StatusCode::OK,
    )
    .await;

    let edits: Vec<_> = (0..40)
        .map(|i| {
            let mut layout = full_layout();
            layout["fields"][2]["size"] = json!(10.0 + f64::from(i % 5));
            let request = admin
                .client
                .put(admin.url(&format!("{base}/draft")))
                .header("x-csrf-token", &admin.csrf)
                .json(&layout);
            tokio::spawn(async move { request.send().await.unwrap().status() })
        })
        .collect();
    for handle in edits {
        assert_eq!(handle.await.unwrap(), StatusCode::OK);
    }
    let versions = async |state: &str| {
        count(
            &app.platform,
            "SELECT COUNT(*) FROM ec_template_versions WHERE template_id = $1 AND state = $2",
            &[&tid, state],
        )
        .await
    };
    assert_eq!(versions("draft").await, 1);
    assert_eq!(versions("published").await, 1);

    let statuses = at_once(
        &admin,
        &format!("{base}/publish"),
        std::iter::repeat_n(json!({}), 40),
    )
    .await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    assert_eq!(versions("draft").await, 0);
    assert_eq!(versions("published").await, 1);
    assert_eq!(versions("superseded").await, 1);
    let published = signet_core::contracts::templates::published(&app.platform, &ent.id, &tid)
        .await
        .unwrap();
    assert_eq!(published.version, 2);
}

//! What the launch page offers (issue 15, ES-7): the administrator sees every active business
//! type with its published templates (never a draft), a member only the types they hold, a
//! member holding none an empty list, and someone outside the enterprise 404.

use reqwest::StatusCode;
use serde_json::Value;

use super::bulk_support::{bulk_world, draft_template};
use super::support::{add_member, hold_business_type};
use super::tasks_support::{balance, person};
use super::templates::body;

#[tokio::test]
async fn the_launch_page_offers_the_callers_types_and_their_published_templates() {
    let b = bulk_world().await;
    let draft = draft_template(&b.w.admin, &b.w.enterprise_id, &b.labour, "未发布的模板").await;
    let path = format!("/api/v1/enterprises/{}/launch-options", b.w.enterprise_id);

    let admin = body(b.w.admin.get(&path).await, StatusCode::OK).await;
    assert_eq!(
        admin["balance"].as_i64(),
        Some(balance(&b.w.admin, &b.w.enterprise_id).await)
    );
    let types = admin["business_types"].as_array().unwrap();
    assert!(types.len() > 1, "{admin}");
    let labour = types.iter().find(|t| t["id"] == b.labour.as_str()).unwrap();
    assert_eq!(labour["page_qr"], true);
    let offered = labour["templates"].as_array().unwrap();
    assert_eq!(offered.len(), 1, "only the published template: {labour}");
    assert_eq!(offered[0]["id"], b.template.as_str());
    assert_ne!(offered[0]["id"], draft.as_str());
    assert_eq!(offered[0]["page_count"], 2);
    let roles: Vec<&str> = offered[0]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(
        roles.contains(&"enterprise") && roles.contains(&"person"),
        "{roles:?}"
    );
    let keys: Vec<&str> = offered[0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"姓名") && keys.contains(&"身份证号"),
        "{keys:?}"
    );
    let mut unique = keys.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), keys.len(), "each field once: {keys:?}");
    for other in types.iter().filter(|t| t["id"] != b.labour.as_str()) {
        assert_eq!(other["page_qr"], false, "{other}");
    }

    // A member sees only the types they hold; holding none, nothing.
    let member = person(&b.w, 7_451, "周成员").await;
    add_member(
        &b.w.admin.platform,
        &b.w.enterprise_id,
        &member.id,
        "member",
    )
    .await;
    let none = body(member.app.get(&path).await, StatusCode::OK).await;
    assert_eq!(none["business_types"], Value::Array(vec![]));
    hold_business_type(
        &b.w.admin.platform,
        &b.w.enterprise_id,
        &member.id,
        &b.labour,
    )
    .await;
    let held = body(member.app.get(&path).await, StatusCode::OK).await;
    let held = held["business_types"].as_array().unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["id"], b.labour.as_str());
    assert_eq!(held[0]["templates"][0]["id"], b.template.as_str());

    // Someone outside the enterprise learns nothing.
    let outsider = b.zhang.app.get(&path).await;
    assert_eq!(outsider.status(), StatusCode::NOT_FOUND);
}

//! The administrator's log of seal grants and uses (ES-13, §2.8), filtered and paged; other
//! enterprises' events never appear.

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::contracts::members::logs::SEAL_USE;
use signet_core::platform::audit::AuditEvent;
use signet_core::platform::clock::Clock as _;

use super::support::{add_member, enterprise, person};
use crate::support::{app, problem};

#[tokio::test]
async fn the_log_lists_grants_revocations_and_uses_with_filters_and_pages() {
    let app = app().start().await;
    let (admin, admin_id) = person(&app, 3001, Some("王五")).await;
    let (member, member_id) = person(&app, 3002, Some("李四")).await;
    let (other_admin, other_admin_id) = person(&app, 3003, Some("钱七")).await;
    let (_second, second_id) = person(&app, 3004, Some("孙八")).await;
    let ent = enterprise(
        &app.platform,
        &admin_id,
        "日志公司",
        "91410100MA00000101",
        "王五",
        "certified",
    )
    .await;
    let other = enterprise(
        &app.platform,
        &other_admin_id,
        "别家公司",
        "91410100MA00000102",
        "钱七",
        "certified",
    )
    .await;
    add_member(&app.platform, &ent.id, &member_id, "member").await;
    add_member(&app.platform, &ent.id, &second_id, "member").await;
    add_member(&app.platform, &other.id, &member_id, "member").await;
    let put = |e: &str, u: &str| format!("/api/v1/enterprises/{e}/members/{u}");

    let start = app.platform.clock.now();
    // Grants: member gets both seals, second gets the company seal; then member loses one.
    let both = json!({"grants": [{"seal_id": ent.company_seal}, {"seal_id": ent.contract_seal}]});
    assert_eq!(
        admin.put(&put(&ent.id, &member_id), both).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        admin
            .put(
                &put(&ent.id, &second_id),
                json!({"grants": [{"seal_id": ent.company_seal}]})
            )
            .await
            .status(),
        StatusCode::OK
    );
    app.advance_clock(100).await;
    let later = app.platform.clock.now();
    assert_eq!(
        admin
            .put(
                &put(&ent.id, &member_id),
                json!({"grants": [{"seal_id": ent.contract_seal}]})
            )
            .await
            .status(),
        StatusCode::OK
    );
    // The other enterprise grants too: never in our log.
    assert_eq!(
        other_admin
            .put(
                &put(&other.id, &member_id),
                json!({"grants": [{"seal_id": other.company_seal}]})
            )
            .await
            .status(),
        StatusCode::OK
    );
    // A use of a seal, as part 2's signing will write it.
    let mut tx = app.platform.db.begin().await.unwrap();
    let event = AuditEvent::new(
        member_id.as_str(),
        SEAL_USE,
        format!("seal:{}", ent.contract_seal),
    )
    .change(
        Value::Null,
        json!({"enterprise_id": ent.id, "user_id": member_id, "contract_id": "c-1"}),
    );
    app.platform
        .audit
        .append(&mut tx, app.platform.clock.now(), &event)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let admin_ref = &admin;
    let log = |query: &str| {
        let path = format!("/api/v1/enterprises/{}/seal-log{query}", ent.id);
        async move { admin_ref.get(&path).await }
    };
    let all: Value = log("").await.json().await.unwrap();
    assert_eq!(all["total"], 5, "{all}");
    assert_eq!(all["entries"][0]["action"], SEAL_USE);
    assert_eq!(all["entries"][0]["user_id"], member_id.as_str());
    assert_eq!(all["entries"][1]["action"], "contracts.seal_revoke");
    assert_eq!(all["entries"][1]["seal_name"], "日志公司公章");
    assert!(!all.to_string().contains(&other.company_seal));

    let by_seal: Value = log(&format!("?seal_id={}", ent.company_seal))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_seal["total"], 3);
    let by_member: Value = log(&format!("?user_id={member_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_member["total"], 4, "{by_member}");
    let by_second: Value = log(&format!("?user_id={second_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_second["total"], 1);
    let grants: Value = log("?action=contracts.seal_grant")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(grants["total"], 3);
    let early: Value = log(&format!("?from={start}&to={later}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(early["total"], 3, "{early}");
    let recent: Value = log(&format!("?from={later}")).await.json().await.unwrap();
    assert_eq!(recent["total"], 2);
    let page2: Value = log("?per_page=2&page=2").await.json().await.unwrap();
    assert_eq!(page2["entries"].as_array().unwrap().len(), 2);
    assert_eq!(page2["entries"][0]["seq"], all["entries"][2]["seq"]);
    let page3: Value = log("?per_page=2&page=3").await.json().await.unwrap();
    assert_eq!(page3["entries"].as_array().unwrap().len(), 1);

    problem(
        log("?action=contracts.admin_transfer").await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    problem(
        member
            .get(&format!("/api/v1/enterprises/{}/seal-log", ent.id))
            .await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
    problem(
        other_admin
            .get(&format!("/api/v1/enterprises/{}/seal-log", ent.id))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

//! The members list and business types (§2.7.2): edits, removal, a removed member acting, the
//! administrator's business types; each refusal leaving everything as it was.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::members::sms_jobs;
use super::support::{count, enterprise, person, snapshot};
use crate::support::{app, problem};

#[tokio::test]
async fn members_are_edited_and_removed_and_a_removed_member_can_do_nothing() {
    let app = app().start().await;
    let (admin, admin_id) = person(&app, 1401, Some("王五")).await;
    let (member, member_id) = person(&app, 1402, Some("李四")).await;
    let (delegate, delegate_id) = person(&app, 1403, Some("周九")).await;
    let (_outsider, outsider_id) = person(&app, 1404, Some("吴十")).await;
    let ent = enterprise(
        &app.platform,
        &admin_id,
        "己公司",
        "91410100MA00000041",
        "王五",
        "certified",
    )
    .await;
    let other = enterprise(
        &app.platform,
        &outsider_id,
        "庚公司",
        "91410100MA00000042",
        "吴十",
        "certified",
    )
    .await;
    super::support::add_member(&app.platform, &ent.id, &member_id, "member").await;
    super::support::add_member(&app.platform, &ent.id, &delegate_id, "delegate").await;
    let member_path = format!("/api/v1/enterprises/{}/members/{member_id}", ent.id);

    let edited = admin
        .put(&member_path, json!({"business_type_ids": [ent.labour, ent.dispatch], "grants": [{"seal_id": ent.company_seal}, {"seal_id": ent.contract_seal}]}))
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!(edited["business_types"].as_array().unwrap().len(), 2);
    assert_eq!(edited["grants"].as_array().unwrap().len(), 2);
    let edited: Value = admin.put(&member_path, json!({"business_type_ids": [ent.dispatch], "grants": [{"seal_id": ent.contract_seal}]})).await.json().await.unwrap();
    assert_eq!(edited["business_types"][0]["code"], "dispatch");
    assert_eq!(edited["grants"].as_array().unwrap().len(), 1);
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'contracts.seal_revoke'",
            &[]
        )
        .await,
        1
    );

    // Refusals: a member editing, a delegate editing a delegate, a seal of another enterprise,
    // the administrator's role by edit, another enterprise's member.
    let before = snapshot(&app.platform, &ent.id).await;
    problem(
        member.put(&member_path, json!({"grants": []})).await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
    problem(
        delegate
            .put(
                &format!("/api/v1/enterprises/{}/members/{delegate_id}", ent.id),
                json!({"grants": [{"seal_id": ent.company_seal}]}),
            )
            .await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
    problem(
        admin
            .put(
                &member_path,
                json!({"grants": [{"seal_id": other.company_seal}]}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        admin
            .put(
                &format!("/api/v1/enterprises/{}/members/{admin_id}", ent.id),
                json!({"role": "member"}),
            )
            .await,
        StatusCode::CONFLICT,
        "admin_stays",
    )
    .await;
    problem(
        admin
            .put(
                &format!("/api/v1/enterprises/{}/members/{outsider_id}", ent.id),
                json!({"grants": []}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        admin
            .put(
                &format!("/api/v1/enterprises/{}/members/{outsider_id}", other.id),
                json!({"grants": []}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(snapshot(&app.platform, &ent.id).await, before);

    let remove = |id: &str| format!("/api/v1/enterprises/{}/members/{id}/remove", ent.id);
    problem(
        admin.post(&remove(&admin_id), json!({})).await,
        StatusCode::BAD_REQUEST,
        "not_oneself",
    )
    .await;
    problem(
        delegate.post(&remove(&admin_id), json!({})).await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
    problem(
        member.post(&remove(&delegate_id), json!({})).await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
    problem(
        admin
            .post(
                &remove(&member_id),
                json!({"takeover_user_id": outsider_id}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    problem(
        admin
            .post(&remove(&member_id), json!({"takeover_user_id": member_id}))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    assert_eq!(snapshot(&app.platform, &ent.id).await, before);

    let removed = admin
        .post(
            &remove(&member_id),
            json!({"takeover_user_id": delegate_id}),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        sms_jobs(
            &app,
            &format!("member:{}:{member_id}:%:removed:sms", ent.id)
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM ec_seal_grants WHERE user_id = $1 AND revoked_at IS NULL",
            &[&member_id]
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM ec_member_business_types WHERE user_id = $1",
            &[&member_id]
        )
        .await,
        0
    );
    assert!(
        !signet_core::contracts::grants::may_use(
            &app.platform,
            &ent.id,
            &ent.contract_seal,
            &member_id
        )
        .await
        .unwrap()
    );

    // The removed member acting: not found everywhere, and nothing granted through them.
    problem(
        member
            .get(&format!("/api/v1/enterprises/{}/business-types", ent.id))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        member
            .get(&format!("/api/v1/enterprises/{}/members", ent.id))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        member
            .post(
                &format!("/api/v1/enterprises/{}/membership/withdraw", ent.id),
                json!({}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        member
            .post(
                &format!("/api/v1/enterprises/{}/admin/transfer", ent.id),
                json!({"user_id": delegate_id}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        admin
            .post(
                &format!(
                    "/api/v1/enterprises/{}/join-requests/{member_id}/approve",
                    ent.id
                ),
                json!({"role": "member"}),
            )
            .await,
        StatusCode::CONFLICT,
        "join_request_not_pending",
    )
    .await;
    problem(
        admin
            .put(
                &member_path,
                json!({"grants": [{"seal_id": ent.company_seal}]}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let members: Value = admin
        .get(&format!("/api/v1/enterprises/{}/members", ent.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(members.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_administrator_manages_business_types() {
    let app = app().start().await;
    let (admin, admin_id) = person(&app, 1501, Some("王五")).await;
    let (member, member_id) = person(&app, 1502, Some("李四")).await;
    let (other_admin, other_admin_id) = person(&app, 1503, Some("钱七")).await;
    let ent = enterprise(
        &app.platform,
        &admin_id,
        "辛公司",
        "91410100MA00000051",
        "王五",
        "certified",
    )
    .await;
    let other = enterprise(
        &app.platform,
        &other_admin_id,
        "壬公司",
        "91410100MA00000052",
        "钱七",
        "certified",
    )
    .await;
    super::support::add_member(&app.platform, &ent.id, &member_id, "delegate").await;
    let types = format!("/api/v1/enterprises/{}/business-types", ent.id);

    let added = admin
        .post(
            &types,
            json!({"name": "采购合同", "name_en": "Purchase contract"}),
        )
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let added: Value = added.json().await.unwrap();
    assert!(added["code"].as_str().unwrap().starts_with("custom_"));
    let before = snapshot(&app.platform, &ent.id).await;
    problem(
        admin.post(&types, json!({"name": "劳动合同"})).await,
        StatusCode::CONFLICT,
        "business_type_taken",
    )
    .await;
    problem(
        admin.post(&types, json!({"name": ""})).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    problem(
        member.post(&types, json!({"name": "销售合同"})).await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
    problem(
        other_admin.post(&types, json!({"name": "销售合同"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        admin
            .put(
                &format!("{types}/{}", other.labour),
                json!({"name": "改名"}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        admin
            .put(
                &format!("{types}/{}", ent.labour),
                json!({"name": "劳务派遣合同"}),
            )
            .await,
        StatusCode::CONFLICT,
        "business_type_taken",
    )
    .await;
    assert_eq!(snapshot(&app.platform, &ent.id).await, before);

    let renamed: Value = admin
        .put(
            &format!("{types}/{}", added["id"].as_str().unwrap()),
            json!({"name": "采购框架合同"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renamed["name"], "采购框架合同");
    let off: Value = admin
        .put(&format!("{types}/{}", ent.labour), json!({"active": false}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(off["active"], false);
    let listed: Value = admin.get(&types).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 3);
    assert_eq!(
        listed[2]["active"], false,
        "switched-off types last: {listed}"
    );
    let options: Value = admin
        .get(&format!("/api/v1/enterprises/{}/grant-options", ent.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(options["business_types"].as_array().unwrap().len(), 2);
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'contracts.business_type'",
            &[]
        )
        .await,
        3
    );
}

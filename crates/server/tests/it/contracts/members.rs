//! Joining, review, the members list and business types (ES-3, §2.2.4, §2.7.1–2.7.2), and each
//! refusal leaving everything as it was.

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::platform::clock::Clock as _;

use super::support::{count, enterprise, person, seal, snapshot};
use crate::support::{app, problem};

pub(super) async fn sms_jobs(app: &crate::support::TestApp, pattern: &str) -> i64 {
    count(
        &app.platform,
        "SELECT COUNT(*) FROM jobs WHERE kind = 'platform.sms' AND idempotency_key LIKE $1",
        &[pattern],
    )
    .await
}

#[tokio::test]
async fn a_person_finds_joins_and_is_approved_with_role_types_and_grants() {
    let app = app().start().await;
    let (admin, admin_id) = person(&app, 1001, Some("王五")).await;
    let (applicant, applicant_id) = person(&app, 1002, Some("李四")).await;
    let ent = enterprise(
        &app.platform,
        &admin_id,
        "河南示例科技有限公司",
        "91410100MA00000001",
        "王五",
        "certified",
    )
    .await;
    let other = enterprise(
        &app.platform,
        &admin_id,
        "河南认证中有限公司",
        "91410100MA00000002",
        "王五",
        "certifying",
    )
    .await;

    // Only certified enterprises are found, by part of the name or by the credit code.
    let found: Value = applicant
        .get("/api/v1/enterprise-directory?q=河南")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["id"], ent.id.as_str());
    assert!(found[0]["my_state"].is_null());
    let by_code: Value = applicant
        .get("/api/v1/enterprise-directory?q=91410100ma00000001")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_code[0]["id"], ent.id.as_str());
    let none: Value = applicant
        .get("/api/v1/enterprise-directory?q=91410100MA00000002")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        none.as_array().unwrap().len(),
        0,
        "{} is not certified",
        other.id
    );

    let asked = applicant
        .post(
            &format!("/api/v1/enterprises/{}/join-requests", ent.id),
            json!({"reason": "我是人事部的新同事"}),
        )
        .await;
    assert_eq!(asked.status(), StatusCode::CREATED);
    let mine: Value = applicant
        .get("/api/v1/me/joined-enterprises")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine[0]["state"], "pending");
    assert_eq!(mine[0]["name"], "河南示例科技有限公司");

    let requests: Value = admin
        .get(&format!("/api/v1/enterprises/{}/join-requests", ent.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(requests[0]["user_id"], applicant_id.as_str());
    assert_eq!(requests[0]["reason"], "我是人事部的新同事");
    assert_eq!(requests[0]["name_masked"], "李*");
    assert!(
        requests[0]["phone_masked"]
            .as_str()
            .unwrap()
            .contains("****")
    );
    let options: Value = admin
        .get(&format!("/api/v1/enterprises/{}/grant-options", ent.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(options["business_types"].as_array().unwrap().len(), 2);
    assert_eq!(options["seals"].as_array().unwrap().len(), 2);

    let until = app.platform.clock.now() + 30 * 86_400;
    let approved = admin
        .post(
            &format!("/api/v1/enterprises/{}/join-requests/{applicant_id}/approve", ent.id),
            json!({"role": "member", "business_type_ids": [ent.labour], "grants": [{"seal_id": ent.company_seal, "expires_at": until}]}),
        )
        .await;
    assert_eq!(
        approved.status(),
        StatusCode::NO_CONTENT,
        "{}",
        approved.text().await.unwrap()
    );
    assert_eq!(
        sms_jobs(
            &app,
            &format!("member:{}:{applicant_id}:%:approved:sms", ent.id)
        )
        .await,
        1
    );

    let members: Value = admin
        .get(&format!("/api/v1/enterprises/{}/members", ent.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(members.as_array().unwrap().len(), 2);
    assert_eq!(members[0]["role"], "admin");
    let member = &members[1];
    assert_eq!(member["user_id"], applicant_id.as_str());
    assert_eq!(member["role"], "member");
    assert_eq!(member["business_types"][0]["name"], "劳动合同");
    assert_eq!(member["grants"][0]["seal_id"], ent.company_seal.as_str());
    assert_eq!(member["grants"][0]["expires_at"], until);
    assert!(
        !member.to_string().contains("13900001002"),
        "phones are masked: {member}"
    );
    assert!(
        signet_core::contracts::grants::may_use(
            &app.platform,
            &ent.id,
            &ent.company_seal,
            &applicant_id
        )
        .await
        .unwrap()
    );
    assert!(
        !signet_core::contracts::grants::may_use(
            &app.platform,
            &ent.id,
            &ent.contract_seal,
            &applicant_id
        )
        .await
        .unwrap()
    );
    let mine: Value = applicant
        .get("/api/v1/me/joined-enterprises")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine[0]["state"], "active");
    assert_eq!(mine[0]["role"], "member");

    // The member sees the types but manages nothing.
    assert_eq!(
        applicant
            .get(&format!("/api/v1/enterprises/{}/business-types", ent.id))
            .await
            .status(),
        StatusCode::OK
    );
    problem(
        applicant
            .get(&format!("/api/v1/enterprises/{}/members", ent.id))
            .await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
}

#[tokio::test]
async fn joining_refuses_unknown_uncertified_twice_and_before_real_name() {
    let app = app().start().await;
    let (admin, admin_id) = person(&app, 1101, Some("王五")).await;
    let (applicant, applicant_id) = person(&app, 1102, Some("李四")).await;
    let (stranger, _) = person(&app, 1103, None).await;
    let ent = enterprise(
        &app.platform,
        &admin_id,
        "甲公司",
        "91410100MA00000011",
        "王五",
        "certified",
    )
    .await;
    let pending = enterprise(
        &app.platform,
        &admin_id,
        "乙公司",
        "91410100MA00000012",
        "王五",
        "certifying",
    )
    .await;
    let reason = json!({"reason": "入职"});

    problem(
        applicant
            .post(
                "/api/v1/enterprises/no-such-enterprise/join-requests",
                reason.clone(),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        applicant
            .post(
                &format!("/api/v1/enterprises/{}/join-requests", pending.id),
                reason.clone(),
            )
            .await,
        StatusCode::CONFLICT,
        "enterprise_not_certified",
    )
    .await;
    problem(
        stranger
            .post(
                &format!("/api/v1/enterprises/{}/join-requests", ent.id),
                reason.clone(),
            )
            .await,
        StatusCode::FORBIDDEN,
        "real_name_required",
    )
    .await;
    problem(
        stranger.get("/api/v1/enterprise-directory?q=甲公司").await,
        StatusCode::FORBIDDEN,
        "real_name_required",
    )
    .await;
    problem(
        applicant
            .post(
                &format!("/api/v1/enterprises/{}/join-requests", ent.id),
                json!({"reason": "  "}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM ec_members WHERE user_id <> $1",
            &[&admin_id]
        )
        .await,
        0
    );

    let path = format!("/api/v1/enterprises/{}/join-requests", ent.id);
    assert_eq!(
        applicant.post(&path, reason.clone()).await.status(),
        StatusCode::CREATED
    );
    let before = snapshot(&app.platform, &ent.id).await;
    problem(
        applicant.post(&path, reason.clone()).await,
        StatusCode::CONFLICT,
        "join_pending",
    )
    .await;
    assert_eq!(snapshot(&app.platform, &ent.id).await, before);
    // The administrator asking to join their own enterprise is already a member.
    problem(
        admin.post(&path, reason.clone()).await,
        StatusCode::CONFLICT,
        "already_member",
    )
    .await;
    assert_eq!(snapshot(&app.platform, &ent.id).await, before);
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM ec_members WHERE user_id = $1",
            &[&applicant_id]
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_request_is_withdrawn_rejected_and_asked_again_on_the_same_row() {
    let app = app().start().await;
    let (admin, admin_id) = person(&app, 1201, Some("王五")).await;
    let (applicant, applicant_id) = person(&app, 1202, Some("李四")).await;
    let ent = enterprise(
        &app.platform,
        &admin_id,
        "丙公司",
        "91410100MA00000021",
        "王五",
        "certified",
    )
    .await;
    let path = format!("/api/v1/enterprises/{}/join-requests", ent.id);
    let withdraw = format!("/api/v1/enterprises/{}/membership/withdraw", ent.id);

    assert_eq!(
        applicant
            .post(&path, json!({"reason": "第一次"}))
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        applicant.post(&withdraw, json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    let mine: Value = applicant
        .get("/api/v1/me/joined-enterprises")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 0);
    problem(
        applicant.post(&withdraw, json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        admin
            .post(
                &format!("{path}/{applicant_id}/approve"),
                json!({"role": "member"}),
            )
            .await,
        StatusCode::CONFLICT,
        "join_request_not_pending",
    )
    .await;

    assert_eq!(
        applicant
            .post(&path, json!({"reason": "第二次"}))
            .await
            .status(),
        StatusCode::CREATED
    );
    problem(
        admin
            .post(
                &format!("{path}/{applicant_id}/reject"),
                json!({"reason": ""}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    assert_eq!(
        admin
            .post(
                &format!("{path}/{applicant_id}/reject"),
                json!({"reason": "查无此人"})
            )
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        sms_jobs(
            &app,
            &format!("member:{}:{applicant_id}:%:rejected:sms", ent.id)
        )
        .await,
        1
    );
    let mine: Value = applicant
        .get("/api/v1/me/joined-enterprises")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine[0]["state"], "rejected");
    assert_eq!(mine[0]["decision_reason"], "查无此人");

    assert_eq!(
        applicant
            .post(&path, json!({"reason": "第三次"}))
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM ec_members WHERE user_id = $1",
            &[&applicant_id]
        )
        .await,
        1
    );
    let approved = admin
        .post(
            &format!("{path}/{applicant_id}/approve"),
            json!({"role": "member", "grants": [{"seal_id": ent.company_seal}]}),
        )
        .await;
    assert_eq!(approved.status(), StatusCode::NO_CONTENT);
    problem(
        applicant.post(&path, json!({"reason": "再来"})).await,
        StatusCode::CONFLICT,
        "already_member",
    )
    .await;

    // Leaving revokes the grants; the administrator cannot leave.
    assert_eq!(
        applicant.post(&withdraw, json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    assert!(
        !signet_core::contracts::grants::may_use(
            &app.platform,
            &ent.id,
            &ent.company_seal,
            &applicant_id
        )
        .await
        .unwrap()
    );
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM ec_seal_grants WHERE user_id = $1 AND revoked_at IS NULL",
            &[&applicant_id]
        )
        .await,
        0
    );
    problem(
        admin.post(&withdraw, json!({})).await,
        StatusCode::CONFLICT,
        "admin_stays",
    )
    .await;
}

#[tokio::test]
async fn approval_refuses_other_enterprises_members_and_unusable_seals() {
    let app = app().start().await;
    let (admin, admin_id) = person(&app, 1301, Some("王五")).await;
    let (other_admin, other_admin_id) = person(&app, 1302, Some("钱七")).await;
    let (applicant, applicant_id) = person(&app, 1303, Some("李四")).await;
    let (member, member_id) = person(&app, 1304, Some("孙八")).await;
    let (delegate, delegate_id) = person(&app, 1305, Some("周九")).await;
    let ent = enterprise(
        &app.platform,
        &admin_id,
        "丁公司",
        "91410100MA00000031",
        "王五",
        "certified",
    )
    .await;
    let other = enterprise(
        &app.platform,
        &other_admin_id,
        "戊公司",
        "91410100MA00000032",
        "钱七",
        "certified",
    )
    .await;
    super::support::add_member(&app.platform, &ent.id, &member_id, "member").await;
    super::support::add_member(&app.platform, &ent.id, &delegate_id, "delegate").await;
    let disabled = seal(&app.platform, &ent.id, "legal_rep", "法人章", "disabled").await;
    let void = seal(&app.platform, &ent.id, "date", "日期章", "void").await;
    let join = |id: &str| format!("/api/v1/enterprises/{id}/join-requests");
    assert_eq!(
        applicant
            .post(&join(&other.id), json!({"reason": "入职"}))
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        applicant
            .post(&join(&ent.id), json!({"reason": "入职"}))
            .await
            .status(),
        StatusCode::CREATED
    );
    let approve =
        |id: &str| format!("/api/v1/enterprises/{id}/join-requests/{applicant_id}/approve");
    let before = snapshot(&app.platform, &ent.id).await;
    let before_other = snapshot(&app.platform, &other.id).await;

    // Another enterprise's request: through its id (not our enterprise) or ours (not our request).
    problem(
        admin
            .post(&approve(&other.id), json!({"role": "member"}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        other_admin
            .post(
                &format!(
                    "/api/v1/enterprises/{}/join-requests/{member_id}/approve",
                    other.id
                ),
                json!({"role": "member"}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        admin.get(&join(&other.id)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Another enterprise's seal or business type.
    problem(
        admin
            .post(
                &approve(&ent.id),
                json!({"role": "member", "grants": [{"seal_id": other.company_seal}]}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        admin
            .post(
                &approve(&ent.id),
                json!({"role": "member", "business_type_ids": [other.labour]}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // A member approving; a delegate making a delegate.
    problem(
        member
            .post(&approve(&ent.id), json!({"role": "member"}))
            .await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
    problem(
        delegate
            .post(&approve(&ent.id), json!({"role": "delegate"}))
            .await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
    problem(
        admin
            .post(&approve(&ent.id), json!({"role": "admin"}))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    // Disabled and void seals; an expiry in the past.
    for seal_id in [&disabled, &void] {
        problem(
            admin
                .post(
                    &approve(&ent.id),
                    json!({"role": "member", "grants": [{"seal_id": seal_id}]}),
                )
                .await,
            StatusCode::CONFLICT,
            "seal_unusable",
        )
        .await;
    }
    problem(
        admin.post(&approve(&ent.id), json!({"role": "member", "grants": [{"seal_id": ent.company_seal, "expires_at": 1}]})).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    // A switched-off business type.
    sqlx::query("UPDATE ec_business_types SET active = 0 WHERE id = $1")
        .bind(&ent.dispatch)
        .execute(app.platform.db.pool())
        .await
        .unwrap();
    problem(
        admin
            .post(
                &approve(&ent.id),
                json!({"role": "member", "business_type_ids": [ent.dispatch]}),
            )
            .await,
        StatusCode::CONFLICT,
        "business_type_inactive",
    )
    .await;
    let before = {
        let mut b = before;
        b[3] = snapshot(&app.platform, &ent.id).await[3].clone();
        b
    };
    assert_eq!(
        snapshot(&app.platform, &ent.id).await,
        before,
        "nothing changed"
    );
    assert_eq!(snapshot(&app.platform, &other.id).await, before_other);
    assert_eq!(sms_jobs(&app, "member:%").await, 0);
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'contracts.seal_grant'",
            &[]
        )
        .await,
        0
    );

    // A delegate may approve a member.
    let ok = delegate.post(&approve(&ent.id), json!({"role": "member", "business_type_ids": [ent.labour], "grants": [{"seal_id": ent.contract_seal}]})).await;
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    problem(
        admin
            .post(&approve(&ent.id), json!({"role": "member"}))
            .await,
        StatusCode::CONFLICT,
        "join_request_not_pending",
    )
    .await;
}

//! The one administrator: transfer (§2.7, §2.9.3), exactly one afterwards, also under 40
//! parallel requests. The claim is a desk order: `ec_enterprise::claims`.

use reqwest::StatusCode;
use serde_json::json;

use super::support::{add_member, count, enterprise, person, silent_person, snapshot};
use crate::support::{app, problem};

async fn admins(app: &crate::support::TestApp, enterprise_id: &str) -> Vec<String> {
    use sqlx::Row as _;
    sqlx::query("SELECT user_id FROM ec_members WHERE enterprise_id = $1 AND role = 'admin' AND state = 'active'")
        .bind(enterprise_id)
        .fetch_all(app.platform.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("user_id").unwrap())
        .collect()
}

#[tokio::test]
async fn the_administrator_transfers_the_role_and_becomes_a_delegate() {
    let app = app().start().await;
    let (admin, admin_id) = person(&app, 2001, Some("王五")).await;
    let (member, member_id) = person(&app, 2002, Some("李四")).await;
    let (_outsider, outsider_id) = person(&app, 2003, Some("吴十")).await;
    let ent = enterprise(
        &app.platform,
        &admin_id,
        "癸公司",
        "91410100MA00000061",
        "王五",
        "certified",
    )
    .await;
    add_member(&app.platform, &ent.id, &member_id, "member").await;
    let path = format!("/api/v1/enterprises/{}/admin/transfer", ent.id);

    let before = snapshot(&app.platform, &ent.id).await;
    problem(
        admin.post(&path, json!({"user_id": outsider_id})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        admin.post(&path, json!({"user_id": admin_id})).await,
        StatusCode::BAD_REQUEST,
        "not_oneself",
    )
    .await;
    problem(
        member.post(&path, json!({"user_id": member_id})).await,
        StatusCode::BAD_REQUEST,
        "not_oneself",
    )
    .await;
    problem(
        member.post(&path, json!({"user_id": admin_id})).await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
    assert_eq!(snapshot(&app.platform, &ent.id).await, before);
    assert_eq!(admins(&app, &ent.id).await, vec![admin_id.clone()]);

    assert_eq!(
        admin
            .post(&path, json!({"user_id": member_id}))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(admins(&app, &ent.id).await, vec![member_id.clone()]);
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM ec_members WHERE user_id = $1 AND role = 'delegate'",
            &[&admin_id]
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'contracts.admin_transfer'",
            &[]
        )
        .await,
        1
    );
    // The former administrator can no longer transfer; the new one can hand it back.
    problem(
        admin.post(&path, json!({"user_id": member_id})).await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
    assert_eq!(
        member
            .post(&path, json!({"user_id": admin_id}))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(admins(&app, &ent.id).await, vec![admin_id]);
}

#[tokio::test]
async fn forty_parallel_transfers_leave_exactly_one_administrator() {
    let app = app().start().await;
    let (admin, admin_id) = person(&app, 2101, Some("王五")).await;
    let ent = enterprise(
        &app.platform,
        &admin_id,
        "并发公司",
        "91410100MA00000071",
        "王五",
        "certified",
    )
    .await;
    let mut targets = Vec::new();
    for n in 0..40 {
        let id = silent_person(&app.platform, 2200 + n).await;
        add_member(&app.platform, &ent.id, &id, "member").await;
        targets.push(id);
    }
    let path = format!("/api/v1/enterprises/{}/admin/transfer", ent.id);
    let statuses = at_once(
        &admin,
        &path,
        targets.iter().map(|to| json!({"user_id": to})),
    )
    .await;
    let won = statuses
        .iter()
        .filter(|s| **s == StatusCode::NO_CONTENT)
        .count();
    assert_eq!(won, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::NO_CONTENT || *s == StatusCode::FORBIDDEN),
        "{statuses:?}"
    );
    let now = admins(&app, &ent.id).await;
    assert_eq!(now.len(), 1);
    assert!(targets.contains(&now[0]));
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'contracts.admin_transfer'",
            &[]
        )
        .await,
        1
    );
}

/// Posts every body to `path` at once (one task each) and returns the statuses in order.
pub async fn at_once(
    client: &crate::support::TestApp,
    path: &str,
    bodies: impl Iterator<Item = serde_json::Value>,
) -> Vec<StatusCode> {
    let handles: Vec<_> = bodies
        .map(|body| {
            let request = client
                .client
                .post(client.url(path))
                .header("x-csrf-token", &client.csrf)
                .json(&body);
            tokio::spawn(async move { request.send().await.unwrap().status() })
        })
        .collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test]
async fn forty_parallel_approvals_of_one_request_approve_it_once() {
    let app = app().start().await;
    let (admin, admin_id) = person(&app, 2401, Some("王五")).await;
    let (applicant, applicant_id) = person(&app, 2402, Some("李四")).await;
    let ent = enterprise(
        &app.platform,
        &admin_id,
        "审批公司",
        "91410100MA00000091",
        "王五",
        "certified",
    )
    .await;
    let asked = applicant
        .post(
            &format!("/api/v1/enterprises/{}/join-requests", ent.id),
            json!({"reason": "入职"}),
        )
        .await;
    assert_eq!(asked.status(), StatusCode::CREATED);
    let path = format!(
        "/api/v1/enterprises/{}/join-requests/{applicant_id}/approve",
        ent.id
    );
    let body = json!({"role": "member", "business_type_ids": [ent.labour], "grants": [{"seal_id": ent.company_seal}]});
    let statuses = at_once(&admin, &path, std::iter::repeat_n(body, 40)).await;
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::NO_CONTENT)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::NO_CONTENT || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'contracts.join_approve'",
            &[]
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM ec_seal_grants WHERE user_id = $1",
            &[&applicant_id]
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app.platform,
            "SELECT COUNT(*) FROM jobs WHERE idempotency_key LIKE $1",
            &[&format!("member:{}:{applicant_id}:%:approved:sms", ent.id)]
        )
        .await,
        1
    );
}

//! Every refusal of the task flow, each a clear problem with nothing changed: out of turn, twice,
//! a void or completed task, a wrong or replayed SMS code, a seal not granted, another person's
//! task, refusing without the right, withdrawing a completed task, reminding twice in an hour,
//! and launches that do not hold together.

use reqwest::StatusCode;
use serde_json::json;

use super::support::{add_member, grant_seal};
use super::tasks_support::{
    balance, intent_code, launch, launch_body, launch_person_then_enterprise, list_ids, person,
    sign, signed_ok, snapshot, task, world,
};
use crate::support::{phone, problem};

#[tokio::test]
async fn signing_refusals_change_nothing() {
    let w = world().await;
    let zhang = person(&w, 7_301, "张三").await;
    let outsider = person(&w, 7_302, "赵六").await;
    let id = launch_person_then_enterprise(&w, &zhang.phone).await;
    let start = snapshot(&w.admin, &id).await;

    // Out of turn: the enterprise signs after the person.
    let early = w
        .admin
        .post(&format!("/api/v1/tasks/{id}/sign-code"), json!({}))
        .await;
    problem(early, StatusCode::CONFLICT, "not_your_turn").await;
    let early = w
        .admin
        .post(
            &format!("/api/v1/tasks/{id}/sign"),
            json!({"sms_code": "123456"}),
        )
        .await;
    problem(early, StatusCode::CONFLICT, "not_your_turn").await;

    // Another person's task: not found, whatever is asked.
    for path in ["", "/sign-code", "/sign", "/refuse", "/remind"] {
        let response = if path.is_empty() {
            outsider.app.get(&format!("/api/v1/tasks/{id}")).await
        } else {
            outsider
                .app
                .post(
                    &format!("/api/v1/tasks/{id}{path}"),
                    json!({"sms_code": "123456", "reason": "x", "party_id": "x"}),
                )
                .await
        };
        problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert!(list_ids(&outsider.app, "others").await.is_empty());
    let doc = task(&zhang.app, &id).await["documents"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pdf = outsider
        .app
        .get(&format!("/api/v1/tasks/{id}/documents/{doc}/pdf"))
        .await;
    assert_eq!(pdf.status(), StatusCode::NOT_FOUND);

    // A wrong code, then the right one replayed on another task.
    let code = intent_code(&zhang.app, &zhang.phone, &id).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let response = zhang
        .app
        .post(
            &format!("/api/v1/tasks/{id}/sign"),
            json!({"sms_code": wrong}),
        )
        .await;
    problem(response, StatusCode::BAD_REQUEST, "sms_code_wrong").await;
    // Refusing without the right.
    let response = zhang
        .app
        .post(
            &format!("/api/v1/tasks/{id}/refuse"),
            json!({"reason": "不同意"}),
        )
        .await;
    problem(response, StatusCode::FORBIDDEN, "refuse_not_allowed").await;
    assert_eq!(snapshot(&w.admin, &id).await, start);

    let response = zhang
        .app
        .post(
            &format!("/api/v1/tasks/{id}/sign"),
            json!({"sms_code": code}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let second = launch_person_then_enterprise(&w, &zhang.phone).await;
    let second_start = snapshot(&w.admin, &second).await;
    let replay = zhang
        .app
        .post(
            &format!("/api/v1/tasks/{second}/sign"),
            json!({"sms_code": code}),
        )
        .await;
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert_eq!(snapshot(&w.admin, &second).await, second_start);

    // Twice.
    let after_one = snapshot(&w.admin, &id).await;
    let again = zhang
        .app
        .post(&format!("/api/v1/tasks/{id}/sign-code"), json!({}))
        .await;
    problem(again, StatusCode::CONFLICT, "already_signed").await;
    let again = zhang
        .app
        .post(
            &format!("/api/v1/tasks/{id}/sign"),
            json!({"sms_code": code}),
        )
        .await;
    problem(again, StatusCode::CONFLICT, "already_signed").await;
    assert_eq!(snapshot(&w.admin, &id).await, after_one);

    // A completed task: signing and withdrawing it are refused.
    signed_ok(&w.admin, &phone(7_100), &id, json!({})).await;
    let completed = snapshot(&w.admin, &id).await;
    let response = zhang
        .app
        .post(&format!("/api/v1/tasks/{id}/sign-code"), json!({}))
        .await;
    problem(response, StatusCode::CONFLICT, "task_closed").await;
    let quota = balance(&w.admin, &w.enterprise_id).await;
    let response = w
        .admin
        .post(
            "/api/v1/tasks/withdraw",
            json!({"task_ids": [second, id], "reason": "发错了"}),
        )
        .await;
    problem(response, StatusCode::CONFLICT, "task_closed").await;
    assert_eq!(snapshot(&w.admin, &id).await, completed);
    assert_eq!(
        snapshot(&w.admin, &second).await,
        second_start,
        "all or none"
    );
    assert_eq!(balance(&w.admin, &w.enterprise_id).await, quota);

    // Withdrawing the launched one: void, and its contract comes back at once.
    let response = w
        .admin
        .post(
            "/api/v1/tasks/withdraw",
            json!({"task_ids": [second], "reason": "发错了"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(balance(&w.admin, &w.enterprise_id).await, quota + 1);
    let view = task(&w.admin, &second).await;
    assert_eq!(view["state"], "void");
    assert_eq!(view["void_reason"], "withdrawn");
    assert_eq!(list_ids(&zhang.app, "void").await, vec![second.clone()]);
    // A void task: nothing more.
    let response = zhang
        .app
        .post(&format!("/api/v1/tasks/{second}/sign-code"), json!({}))
        .await;
    problem(response, StatusCode::CONFLICT, "task_closed").await;
    let response = w
        .admin
        .post(
            "/api/v1/tasks/withdraw",
            json!({"task_ids": [second], "reason": "再撤"}),
        )
        .await;
    problem(response, StatusCode::CONFLICT, "task_closed").await;
    assert_eq!(
        balance(&w.admin, &w.enterprise_id).await,
        quota + 1,
        "one refund"
    );
}

#[tokio::test]
async fn seals_refusal_reminders_and_bad_launches() {
    let w = world().await;
    let zhang = person(&w, 7_311, "张三").await;
    let clerk = person(&w, 7_312, "钱七").await;
    add_member(&w.admin.platform, &w.enterprise_id, &clerk.id, "member").await;
    // The clerk holds the contract seal only; the spot asks for the company seal.
    let contract_seal: String = sqlx::query_scalar(
        "SELECT id FROM ec_seals WHERE enterprise_id = $1 AND kind = 'contract'",
    )
    .bind(&w.enterprise_id)
    .fetch_one(w.admin.platform.db.pool())
    .await
    .unwrap();
    let company_seal: String =
        sqlx::query_scalar("SELECT id FROM ec_seals WHERE enterprise_id = $1 AND kind = 'company'")
            .bind(&w.enterprise_id)
            .fetch_one(w.admin.platform.db.pool())
            .await
            .unwrap();
    grant_seal(
        &w.admin.platform,
        &w.enterprise_id,
        &contract_seal,
        &clerk.id,
        &w.admin_id,
    )
    .await;
    let body = launch_body(
        &w.bt,
        "unordered",
        json!([
            {"role": "A", "kind": "enterprise", "enterprise_id": w.enterprise_id},
            {"role": "B", "kind": "person", "phone": zhang.phone, "may_refuse": true}
        ]),
    );
    let id = launch(&w.admin, &w.enterprise_id, &body).await;
    assert_eq!(list_ids(&clerk.app, "to_sign").await, vec![id.clone()]);
    let start = snapshot(&w.admin, &id).await;
    let response = sign(&clerk.app, &clerk.phone, &id, json!({})).await;
    problem(response, StatusCode::FORBIDDEN, "seal_not_granted").await;
    w.admin.advance_clock(61).await;
    let response = sign(
        &clerk.app,
        &clerk.phone,
        &id,
        json!({"seal_id": company_seal}),
    )
    .await;
    problem(response, StatusCode::FORBIDDEN, "seal_not_granted").await;
    assert_eq!(snapshot(&w.admin, &id).await, start);

    // Reminding: once an hour per party.
    let party_b = task(&w.admin, &id).await["parties"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let remind = format!("/api/v1/tasks/{id}/remind");
    let first = w.admin.post(&remind, json!({"party_id": party_b})).await;
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    let reminded = snapshot(&w.admin, &id).await;
    w.admin.advance_clock(1800).await;
    let twice = w.admin.post(&remind, json!({"party_id": party_b})).await;
    let body_twice = problem(twice, StatusCode::TOO_MANY_REQUESTS, "remind_too_soon").await;
    assert!(body_twice.to_string().contains("小时"), "{body_twice}");
    assert_eq!(snapshot(&w.admin, &id).await, reminded);
    // A party cannot remind; an outsider's reminder is not found.
    let response = zhang.app.post(&remind, json!({"party_id": party_b})).await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
    w.admin.advance_clock(1801).await;
    let later = w.admin.post(&remind, json!({"party_id": party_b})).await;
    assert_eq!(later.status(), StatusCode::NO_CONTENT);

    // Refusal with the right: the task is void for everyone.
    let response = zhang
        .app
        .post(
            &format!("/api/v1/tasks/{id}/refuse"),
            json!({"reason": " "}),
        )
        .await;
    problem(response, StatusCode::BAD_REQUEST, "invalid_field").await;
    let response = zhang
        .app
        .post(
            &format!("/api/v1/tasks/{id}/refuse"),
            json!({"reason": "薪资与约定不符"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let view = task(&w.admin, &id).await;
    assert_eq!(view["state"], "void");
    assert_eq!(view["void_reason"], "refused");
    assert_eq!(view["void_note"], "薪资与约定不符");
    assert_eq!(view["parties"][1]["state"], "refused");
    assert!(list_ids(&clerk.app, "to_sign").await.is_empty());
    let response = w.admin.post(&remind, json!({"party_id": party_b})).await;
    problem(response, StatusCode::CONFLICT, "task_closed").await;

    // Launches that do not hold together: nothing written, no quota spent.
    let quota = balance(&w.admin, &w.enterprise_id).await;
    let count = |w: &super::tasks_support::World| {
        let pool = w.admin.platform.db.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM ec_tasks")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let tasks_before = count(&w).await;
    let stranger = person(&w, 7_313, "孙八").await;
    let bad_cases = [
        (
            {
                let mut b = body.clone();
                b["documents"][0]["pdf"] = json!("bm90IGEgcGRm");
                b
            },
            "task_document",
        ),
        (
            {
                let mut b = body.clone();
                b["documents"][0]["spots"][0]["y"] = json!(800.0);
                b
            },
            "task_document",
        ),
        (
            {
                let mut b = body.clone();
                b["documents"][0]["spots"][1]["kind"] = json!("company");
                b
            },
            "task_document",
        ),
        (
            {
                let mut b = body.clone();
                b["parties"][1]["phone"] = json!("13800000000");
                b
            },
            "task_party",
        ),
        (
            {
                let mut b = body.clone();
                b["parties"][1]["role"] = json!("A");
                b
            },
            "task_party",
        ),
        (
            {
                let mut b = body.clone();
                b["title"] = json!("");
                b
            },
            "invalid_field",
        ),
    ];
    for (bad, code) in bad_cases {
        let response = w
            .admin
            .post(
                &format!("/api/v1/enterprises/{}/tasks", w.enterprise_id),
                bad,
            )
            .await;
        problem(response, StatusCode::BAD_REQUEST, code).await;
    }
    // Another enterprise's id, and a person outside the enterprise.
    let response = stranger
        .app
        .post(
            &format!("/api/v1/enterprises/{}/tasks", w.enterprise_id),
            body.clone(),
        )
        .await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(count(&w).await, tasks_before);
    assert_eq!(balance(&w.admin, &w.enterprise_id).await, quota);
}

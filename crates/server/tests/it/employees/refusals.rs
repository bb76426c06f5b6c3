//! Every refusal of the employee routes: roles, other enterprises' ids (404, never their data),
//! forbidden state moves, expired and spent links; each changes nothing.

use reqwest::StatusCode;
use serde_json::json;

use super::support::{Ent, fill_form, form_token, id_number, insert_enterprise};
use crate::support::{PASSWORD, problem};

#[tokio::test]
async fn outsiders_and_other_enterprises_ids_are_not_found() {
    let ent = Ent::start().await;
    let finance = ent.department("财务部", None).await;
    let mine = ent.onboarded("张三", "13800000501", Some(&finance)).await;
    // A second enterprise with its own administrator, department and employee.
    let (other_admin, other_admin_id) = ent.person(70_000_002, "otheradmin", None).await;
    let other = insert_enterprise(&ent.app, &other_admin_id, 2, "另一家企业有限公司").await;
    let theirs_response = other_admin
        .post(
            &format!("/api/v1/enterprises/{other}/employees"),
            json!({"name": "外人", "phone": "13800000502"}),
        )
        .await;
    assert_eq!(theirs_response.status(), StatusCode::CREATED);
    let theirs: serde_json::Value = theirs_response.json().await.unwrap();
    let theirs = theirs["id"].as_str().unwrap().to_owned();
    let their_department: serde_json::Value = other_admin
        .post(
            &format!("/api/v1/enterprises/{other}/departments"),
            json!({"name": "外部门"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let their_department = their_department["id"].as_str().unwrap().to_owned();

    // Their enterprise through my session: 404 on every route.
    for path in [
        format!("/api/v1/enterprises/{other}/employees"),
        format!("/api/v1/enterprises/{other}/employees/{theirs}"),
        format!("/api/v1/enterprises/{other}/departments"),
        format!("/api/v1/enterprises/{other}/employee-fields"),
        format!("/api/v1/enterprises/{other}/employee-join-link"),
    ] {
        problem(ent.app.get(&path).await, StatusCode::NOT_FOUND, "not_found").await;
    }
    // Their employee or department under my enterprise: 404 too.
    problem(
        ent.app
            .get(&ent.path(&format!("/employees/{theirs}")))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    for action in ["approve", "reject", "resend", "resign", "transfer"] {
        let body = json!({"reason": "x", "date": "2027-01-01", "department_id": finance});
        problem(
            ent.app
                .post(&ent.path(&format!("/employees/{theirs}/{action}")), body)
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    for (method, path, body) in [
        (
            "PUT",
            format!("/departments/{their_department}"),
            json!({"name": "改名"}),
        ),
        (
            "PUT",
            format!("/departments/{their_department}/parent"),
            json!({"parent_id": null}),
        ),
        (
            "DELETE",
            format!("/departments/{their_department}"),
            json!({}),
        ),
        (
            "PUT",
            format!("/departments/{finance}/parent"),
            json!({"parent_id": their_department}),
        ),
        (
            "POST",
            "/departments".to_owned(),
            json!({"name": "子部门", "parent_id": their_department}),
        ),
        (
            "POST",
            "/employees".to_owned(),
            json!({"name": "李四", "phone": "13800000503", "department_id": their_department}),
        ),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        problem(
            ent.app.send(method, &ent.path(&path), Some(body)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    // Transferring mine into their department: 404 as well.
    problem(
        ent.app
            .post(
                &ent.path(&format!("/employees/{mine}/transfer")),
                json!({"department_id": their_department}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // A signed-in person with no membership sees nothing of mine either.
    let (stranger, _) = ent.person(70_000_003, "stranger", None).await;
    problem(
        stranger.get(&ent.path("/employees")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        stranger.get(&ent.path("/departments")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Nothing changed on their side.
    let their_name: String = sqlx::query_scalar("SELECT name FROM ec_departments WHERE id = $1")
        .bind(&their_department)
        .fetch_one(ent.app.platform.db.pool())
        .await
        .unwrap();
    assert_eq!(their_name, "外部门");
}

#[tokio::test]
async fn members_may_not_manage_employees_and_delegates_may() {
    let ent = Ent::start().await;
    let (member, _) = ent.person(70_000_004, "plainmember", Some("member")).await;
    let (delegate, _) = ent.person(70_000_005, "delegate", Some("delegate")).await;
    problem(
        member
            .post(
                &ent.path("/employees"),
                json!({"name": "张三", "phone": "13800000601"}),
            )
            .await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
    problem(
        member.get(&ent.path("/employees")).await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
    problem(
        member
            .post(&ent.path("/departments"), json!({"name": "部门"}))
            .await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
    // A member reads the tree (pickers need it); a delegate manages employees.
    assert_eq!(
        member.get(&ent.path("/departments")).await.status(),
        StatusCode::OK
    );
    let response = delegate
        .post(
            &ent.path("/employees"),
            json!({"name": "张三", "phone": "13800000601"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(ent.employee_count().await, 1);
    // A removed member acts no more.
    sqlx::query("UPDATE ec_members SET state = 'removed' WHERE user_id <> $1")
        .bind(&ent.admin_id)
        .execute(ent.app.platform.db.pool())
        .await
        .unwrap();
    problem(
        delegate.get(&ent.path("/employees")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn an_uncertified_enterprise_cannot_onboard() {
    let ent = Ent::start().await;
    sqlx::query("UPDATE ec_enterprises SET state = 'recertifying' WHERE id = $1")
        .bind(&ent.id)
        .execute(ent.app.platform.db.pool())
        .await
        .unwrap();
    problem(
        ent.onboard("张三", "13800000701", None).await,
        StatusCode::CONFLICT,
        "enterprise_not_certified",
    )
    .await;
    assert_eq!(ent.employee_count().await, 0);
}

#[tokio::test]
async fn state_moves_out_of_order_are_refused() {
    let ent = Ent::start().await;
    let dept = ent.department("部门", None).await;
    let id = ent.onboarded("张三", "13800000801", None).await;
    let path = |action: &str| ent.path(&format!("/employees/{id}/{action}"));
    // Not submitted yet: no approval, rejection, transfer or resignation.
    for (action, body) in [
        ("approve", json!({})),
        ("reject", json!({"reason": "资料不全"})),
        ("transfer", json!({"department_id": dept})),
        ("resign", json!({"date": "2027-01-01"})),
    ] {
        let body = problem(
            ent.app.post(&path(action), body).await,
            StatusCode::CONFLICT,
            "employee_state",
        )
        .await;
        assert!(
            body["message"]["zh-CN"]
                .as_str()
                .unwrap()
                .contains("待采集")
        );
    }
    // Bad values.
    problem(
        ent.onboard("", "13800000802", None).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    problem(
        ent.onboard("李四", "1380000", None).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    problem(
        ent.onboard("李四", "13800000801", None).await,
        StatusCode::CONFLICT,
        "employee_duplicate",
    )
    .await;
    let token = form_token(&ent.app, "13800000801").await;
    assert_eq!(
        fill_form(&ent.app, &token, &id_number(81)).await.status(),
        StatusCode::OK
    );
    problem(
        ent.app.post(&path("resend"), json!({})).await,
        StatusCode::CONFLICT,
        "employee_state",
    )
    .await;
    problem(
        ent.app.post(&path("reject"), json!({"reason": "  "})).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    assert_eq!(
        ent.app.post(&path("approve"), json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    problem(
        ent.app.post(&path("approve"), json!({})).await,
        StatusCode::CONFLICT,
        "employee_state",
    )
    .await;
    problem(
        ent.app
            .post(&path("resign"), json!({"date": "2027-02-30"}))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    // Another employee with the same ID number cannot submit.
    ent.onboarded("王五", "13800000803", None).await;
    let token = form_token(&ent.app, "13800000803").await;
    problem(
        fill_form(&ent.app, &token, &id_number(81)).await,
        StatusCode::CONFLICT,
        "employee_duplicate",
    )
    .await;
    // An expired link (the administrator signs in again: sessions last a week too).
    let zhao = ent.onboarded("赵六", "13800000804", None).await;
    let token = form_token(&ent.app, "13800000804").await;
    ent.app.advance_clock(7 * 24 * 3600 + 1).await;
    let phone = ent.app.clone_signed_out().await;
    problem(
        phone.get(&format!("/api/v1/employee-forms/{token}")).await,
        StatusCode::BAD_REQUEST,
        "employee_link_expired",
    )
    .await;
    problem(
        phone
            .get(&format!("/api/v1/employee-forms/{}", "0".repeat(64)))
            .await,
        StatusCode::BAD_REQUEST,
        "employee_link_expired",
    )
    .await;
    // After a resend the new link works again.
    let mut admin = ent.app.clone_signed_out().await;
    assert_eq!(
        admin.login("entadmin", PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        admin
            .post(&ent.path(&format!("/employees/{zhao}/resend")), json!({}))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let fresh = form_token(&ent.app, "13800000804").await;
    assert_ne!(fresh, token);
    assert_eq!(
        fill_form(&ent.app, &fresh, &id_number(84)).await.status(),
        StatusCode::OK
    );
}

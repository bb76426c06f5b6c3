//! Frequent contacts (常用联系人, issue 15, ES-7): added, listed masked and deleted by the members
//! allowed to launch; the same mobile or enterprise again updates its entry (also 40 at once);
//! the list is capped; a launch names a contact by id and the server fills in the mobile; another
//! enterprise's contact is 404 with nothing changed; bad input is 400 naming the field; and the
//! mobile and ID number are not stored in clear.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use signet_core::platform::clock::Clock as _;
use sqlx::Row as _;

use super::support::{add_member, enterprise, hold_business_type, silent_person};
use super::tasks_support::{
    World, balance, id_number, launch, launch_body, list_ids, person, task, world,
};
use crate::support::{TestApp, phone, problem};

fn path(enterprise_id: &str) -> String {
    format!("/api/v1/enterprises/{enterprise_id}/contacts")
}

async fn add(app: &TestApp, enterprise_id: &str, body: Value, status: StatusCode) -> Value {
    let response = app.post(&path(enterprise_id), body).await;
    let got = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(got, status, "{body}");
    body
}

async fn listed(app: &TestApp, enterprise_id: &str) -> Vec<Value> {
    let response = app.get(&path(enterprise_id)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["max"], 500);
    body["contacts"].as_array().unwrap().clone()
}

async fn delete(app: &TestApp, enterprise_id: &str, id: &str) -> reqwest::Response {
    app.send(
        Method::DELETE,
        &format!("{}/{id}", path(enterprise_id)),
        None,
    )
    .await
}

async fn rows(w: &World) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM ec_contacts")
        .fetch_one(w.admin.platform.db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

/// Another certified enterprise with its own administrator.
async fn other_enterprise(w: &World, tail: u32, name: &str) -> String {
    let admin = silent_person(&w.admin.platform, tail).await;
    enterprise(
        &w.admin.platform,
        &admin,
        name,
        &format!("91410100MA4{tail:07}"),
        "王法人",
        "certified",
    )
    .await
    .id
}

#[tokio::test]
async fn contacts_are_added_listed_masked_updated_instead_of_doubled_and_deleted() {
    let w = world().await;
    let mobile = phone(7_301);
    let id = id_number(301);
    let added = add(
        &w.admin,
        &w.enterprise_id,
        json!({"kind": "person", "name": "陈 小 明", "phone": format!("+86 {mobile}"),
               "id_number": id.to_lowercase(), "note": "供应商联系人"}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(added["kind"], "person");
    assert_eq!(added["name"], "陈 小 明");
    assert_eq!(
        added["phone_masked"],
        format!("{}****{}", &mobile[..3], &mobile[7..])
    );
    assert_eq!(added["id_masked"].as_str().unwrap().len(), id.len());
    assert!(added["id_masked"].as_str().unwrap().contains("****"));
    assert_eq!(added["note"], "供应商联系人");
    assert!(added.get("phone").is_none(), "{added}");

    // The same mobile again updates the entry (new name, note removed, ID number kept out).
    let again = add(
        &w.admin,
        &w.enterprise_id,
        json!({"kind": "person", "name": "陈小明", "phone": mobile}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["id"], added["id"]);
    assert_eq!(again["name"], "陈小明");
    assert_eq!(again["note"], Value::Null);
    assert_eq!(again["id_masked"], Value::Null);

    // An enterprise is kept by reference and shown under its current name.
    let other = other_enterprise(&w, 7_302, "郑州联系人科技有限公司").await;
    let firm = add(
        &w.admin,
        &w.enterprise_id,
        json!({"kind": "enterprise", "enterprise_id": other, "note": "长期客户"}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(firm["name"], "郑州联系人科技有限公司");
    assert_eq!(firm["certified"], true);
    // By its credit code (as the web form asks) it is the same entry.
    let twice = add(
        &w.admin,
        &w.enterprise_id,
        json!({"kind": "enterprise", "credit_code": " 91410100ma40007302 "}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(twice["id"], firm["id"]);
    sqlx::query("UPDATE ec_enterprises SET name = '郑州联系人新名称有限公司' WHERE id = $1")
        .bind(&other)
        .execute(w.admin.platform.db.pool())
        .await
        .unwrap();

    let list = listed(&w.admin, &w.enterprise_id).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let text = serde_json::to_string(&list).unwrap();
    assert!(!text.contains(&mobile) && !text.contains(&id), "{text}");
    assert!(text.contains("郑州联系人新名称有限公司"), "{text}");
    let found = w
        .admin
        .get(&format!("{}?q=小明", path(&w.enterprise_id)))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(found["contacts"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["contacts"][0]["id"], added["id"]);

    // At rest neither the mobile nor the ID number is in clear in any column.
    add(
        &w.admin,
        &w.enterprise_id,
        json!({"kind": "person", "name": "陈小明", "phone": mobile, "id_number": id}),
        StatusCode::OK,
    )
    .await;
    let stored = sqlx::query(
        "SELECT COALESCE(name, '') || COALESCE(phone_sealed, '') || COALESCE(phone_masked, '') || \
         COALESCE(id_sealed, '') || COALESCE(id_masked, '') || COALESCE(note, '') || dedupe_key \
         AS everything, phone_sealed, id_sealed FROM ec_contacts WHERE kind = 'person'",
    )
    .fetch_all(w.admin.platform.db.pool())
    .await
    .unwrap();
    assert_eq!(stored.len(), 1);
    let everything: String = stored[0].try_get("everything").unwrap();
    assert!(!everything.contains(&mobile), "{everything}");
    assert!(!everything.contains(&id), "{everything}");
    assert!(!everything.contains(&mobile[3..7]), "{everything}");
    assert!(
        stored[0]
            .try_get::<Option<String>, _>("phone_sealed")
            .unwrap()
            .is_some()
    );
    assert!(
        stored[0]
            .try_get::<Option<String>, _>("id_sealed")
            .unwrap()
            .is_some()
    );

    let gone = delete(&w.admin, &w.enterprise_id, added["id"].as_str().unwrap()).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    assert_eq!(listed(&w.admin, &w.enterprise_id).await.len(), 1);
    let twice = delete(&w.admin, &w.enterprise_id, added["id"].as_str().unwrap()).await;
    problem(twice, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn bad_contacts_are_refused_naming_the_field_and_nothing_is_written() {
    let w = world().await;
    let mobile = phone(7_311);
    let mut bad_id = id_number(10);
    let last = if bad_id.ends_with('0') { "1" } else { "0" };
    bad_id.replace_range(17.., last);
    let not_certified = {
        let admin = silent_person(&w.admin.platform, 7_312).await;
        enterprise(
            &w.admin.platform,
            &admin,
            "认证中企业",
            "91410100MA40007312",
            "李法人",
            "certifying",
        )
        .await
        .id
    };
    let cases = [
        (
            json!({"kind": "person", "name": "甲", "phone": "1234567"}),
            "phone",
        ),
        (
            json!({"kind": "person", "name": "甲", "phone": "12345678901"}),
            "phone",
        ),
        (json!({"kind": "person", "name": "甲"}), "phone"),
        (json!({"kind": "person", "phone": mobile}), "name"),
        (
            json!({"kind": "person", "name": "  ", "phone": mobile}),
            "name",
        ),
        (
            json!({"kind": "person", "name": "甲", "phone": mobile, "id_number": bad_id}),
            "id_number",
        ),
        (
            json!({"kind": "person", "name": "甲", "phone": mobile, "id_number": "12345"}),
            "id_number",
        ),
        (
            json!({"kind": "person", "name": "甲", "phone": mobile, "note": "长".repeat(101)}),
            "note",
        ),
        (
            json!({"kind": "robot", "name": "甲", "phone": mobile}),
            "kind",
        ),
        (json!({"kind": "enterprise"}), "credit_code"),
        (
            json!({"kind": "enterprise", "credit_code": "91410100MA40007312"}),
            "credit_code",
        ),
        (
            json!({"kind": "enterprise", "enterprise_id": "no-such"}),
            "enterprise_id",
        ),
        (
            json!({"kind": "enterprise", "enterprise_id": not_certified}),
            "enterprise_id",
        ),
    ];
    for (body, field) in cases {
        let response = w.admin.post(&path(&w.enterprise_id), body.clone()).await;
        let refused = problem(response, StatusCode::BAD_REQUEST, "invalid_field").await;
        assert_eq!(refused["field"], field, "{body} → {refused}");
    }
    assert_eq!(rows(&w).await, 0);
}

#[tokio::test]
async fn only_members_who_may_launch_manage_contacts_and_other_tenants_ids_are_404() {
    let w = world().await;
    let ours = add(
        &w.admin,
        &w.enterprise_id,
        json!({"kind": "person", "name": "我方联系人", "phone": phone(7_321)}),
        StatusCode::CREATED,
    )
    .await;

    // Another enterprise with a contact of its own.
    let (other_admin_app, other_admin) =
        super::support::person(&w.admin, 7_322, Some("吴管理")).await;
    let theirs_enterprise = enterprise(
        &w.admin.platform,
        &other_admin,
        "他方企业有限公司",
        "91410100MA40007322",
        "吴法人",
        "certified",
    )
    .await
    .id;
    let theirs = add(
        &other_admin_app,
        &theirs_enterprise,
        json!({"kind": "person", "name": "他方联系人", "phone": phone(7_323)}),
        StatusCode::CREATED,
    )
    .await;
    let their_id = theirs["id"].as_str().unwrap();

    // Our administrator cannot delete it through our enterprise, nor read their list.
    let refused = delete(&w.admin, &w.enterprise_id, their_id).await;
    problem(refused, StatusCode::NOT_FOUND, "not_found").await;
    let refused = delete(&w.admin, &theirs_enterprise, their_id).await;
    problem(refused, StatusCode::NOT_FOUND, "not_found").await;
    let outsider = w.admin.get(&path(&theirs_enterprise)).await;
    assert_eq!(outsider.status(), StatusCode::NOT_FOUND);
    assert_eq!(listed(&other_admin_app, &theirs_enterprise).await.len(), 1);

    // A launch naming their contact is 404 and nothing is spent or written.
    let before = balance(&w.admin, &w.enterprise_id).await;
    let body = launch_body(
        &w.bt,
        "serial",
        json!([
            {"role": "B", "contact_id": their_id},
            {"role": "A", "kind": "enterprise", "enterprise_id": w.enterprise_id}
        ]),
    );
    let response = w
        .admin
        .post(
            &format!("/api/v1/enterprises/{}/tasks", w.enterprise_id),
            body,
        )
        .await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(balance(&w.admin, &w.enterprise_id).await, before);
    assert!(list_ids(&w.admin, "initiated").await.is_empty());

    // A member holding no business type may not; holding one, may.
    let (member_app, member) = super::support::person(&w.admin, 7_324, Some("钱成员")).await;
    add_member(&w.admin.platform, &w.enterprise_id, &member, "member").await;
    let refused = member_app.get(&path(&w.enterprise_id)).await;
    problem(refused, StatusCode::FORBIDDEN, "launch_not_allowed").await;
    let refused = member_app
        .post(
            &path(&w.enterprise_id),
            json!({"kind": "person", "name": "某人", "phone": phone(7_325)}),
        )
        .await;
    problem(refused, StatusCode::FORBIDDEN, "launch_not_allowed").await;
    hold_business_type(&w.admin.platform, &w.enterprise_id, &member, &w.bt).await;
    assert_eq!(listed(&member_app, &w.enterprise_id).await.len(), 1);
    let gone = delete(&member_app, &w.enterprise_id, ours["id"].as_str().unwrap()).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    assert_eq!(rows(&w).await, 1, "only theirs is left");
}

#[tokio::test]
async fn the_list_is_capped_but_a_listed_contact_can_still_be_updated() {
    let w = world().await;
    let mobile = phone(7_331);
    add(
        &w.admin,
        &w.enterprise_id,
        json!({"kind": "person", "name": "第一位", "phone": mobile}),
        StatusCode::CREATED,
    )
    .await;
    let now = w.admin.platform.clock.now();
    for i in 1..500 {
        sqlx::query(
            "INSERT INTO ec_contacts (id, enterprise_id, kind, dedupe_key, name, created_at, updated_at) \
             VALUES ($1, $2, 'person', $3, $4, $5, $5)",
        )
        .bind(format!("filler-{i}"))
        .bind(&w.enterprise_id)
        .bind(format!("p:filler-{i}"))
        .bind(format!("填充{i}"))
        .bind(now)
        .execute(w.admin.platform.db.pool())
        .await
        .unwrap();
    }
    let full = w
        .admin
        .post(
            &path(&w.enterprise_id),
            json!({"kind": "person", "name": "第五百零一位", "phone": phone(7_332)}),
        )
        .await;
    let body = problem(full, StatusCode::CONFLICT, "contacts_full").await;
    assert!(
        body["message"]["zh-CN"].as_str().unwrap().contains("500"),
        "{body}"
    );
    assert_eq!(rows(&w).await, 500);
    add(
        &w.admin,
        &w.enterprise_id,
        json!({"kind": "person", "name": "第一位（改）", "phone": mobile}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(rows(&w).await, 500);
}

#[tokio::test]
async fn forty_adds_of_one_mobile_at_once_leave_one_contact() {
    let w = world().await;
    let mobile = phone(7_341);
    let mut calls = Vec::new();
    for i in 0..40 {
        let client = w.admin.client.clone();
        let csrf = w.admin.csrf.clone();
        let url = w.admin.url(&path(&w.enterprise_id));
        let body = json!({"kind": "person", "name": format!("同一人{i}"), "phone": mobile});
        calls.push(tokio::spawn(async move {
            client
                .post(url)
                .header("x-csrf-token", csrf)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut created = 0;
    for call in calls {
        match call.await.unwrap() {
            StatusCode::CREATED => created += 1,
            StatusCode::OK => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(rows(&w).await, 1);
}

#[tokio::test]
async fn a_launch_names_contacts_and_the_server_fills_in_who_signs() {
    let w = world().await;
    let signer = person(&w, 7_351, "孙签署").await;
    let contact = add(
        &w.admin,
        &w.enterprise_id,
        json!({"kind": "person", "name": "孙签署", "phone": signer.phone, "id_number": id_number(7_351)}),
        StatusCode::CREATED,
    )
    .await;
    let firm = add(
        &w.admin,
        &w.enterprise_id,
        json!({"kind": "enterprise", "enterprise_id": w.enterprise_id}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(contact["last_used_at"], Value::Null);
    let before = balance(&w.admin, &w.enterprise_id).await;
    let body = launch_body(
        &w.bt,
        "serial",
        json!([
            {"role": "B", "contact_id": contact["id"]},
            {"role": "A", "contact_id": firm["id"]}
        ]),
    );
    let task_id = launch(&w.admin, &w.enterprise_id, &body).await;
    assert_eq!(balance(&w.admin, &w.enterprise_id).await, before - 1);
    let view = task(&w.admin, &task_id).await;
    let parties = view["parties"].as_array().unwrap();
    let b = parties.iter().find(|p| p["role"] == "B").unwrap();
    assert_eq!(b["kind"], "person");
    let a = parties.iter().find(|p| p["role"] == "A").unwrap();
    assert_eq!(a["kind"], "enterprise");
    assert_eq!(a["enterprise_id"], w.enterprise_id.as_str());
    assert!(list_ids(&signer.app, "to_sign").await.contains(&task_id));
    let list = listed(&w.admin, &w.enterprise_id).await;
    assert!(list.iter().all(|c| c["last_used_at"].is_i64()), "{list:?}");

    // A contact whose ID number is not the real name of its mobile's account is refused.
    let stranger = person(&w, 7_352, "周别人").await;
    let wrong = add(
        &w.admin,
        &w.enterprise_id,
        json!({"kind": "person", "name": "周别人", "phone": stranger.phone, "id_number": id_number(7_351)}),
        StatusCode::CREATED,
    )
    .await;
    let body = launch_body(
        &w.bt,
        "serial",
        json!([
            {"role": "B", "contact_id": wrong["id"]},
            {"role": "A", "kind": "enterprise", "enterprise_id": w.enterprise_id}
        ]),
    );
    let response = w
        .admin
        .post(
            &format!("/api/v1/enterprises/{}/tasks", w.enterprise_id),
            body,
        )
        .await;
    problem(response, StatusCode::BAD_REQUEST, "task_party").await;
    // A contact of the wrong kind for the role is refused too.
    let body = launch_body(
        &w.bt,
        "serial",
        json!([
            {"role": "B", "kind": "enterprise", "contact_id": contact["id"]},
            {"role": "A", "kind": "enterprise", "enterprise_id": w.enterprise_id}
        ]),
    );
    let response = w
        .admin
        .post(
            &format!("/api/v1/enterprises/{}/tasks", w.enterprise_id),
            body,
        )
        .await;
    problem(response, StatusCode::BAD_REQUEST, "task_party").await;
    assert_eq!(balance(&w.admin, &w.enterprise_id).await, before - 1);
}

//! The onboarding flows end to end: single and Excel onboarding, the phone form, approval and
//! rejection with their SMS, the roster with transfer and resignation, QR self-onboarding.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row as _;

use super::support::{Ent, fill_form, form_token, header, id_number, messages, row, workbook};
use crate::support::problem;

#[tokio::test]
async fn two_employees_onboard_fill_their_forms_and_are_approved() {
    let ent = Ent::start().await;
    let finance = ent.department("财务部", None).await;
    // One entered by hand …
    let first = ent.onboarded("张三", "13800000001", Some(&finance)).await;
    // … one from the Excel template's columns.
    let file = workbook(&[header(), row(&["李四", "13800000002", "", "财务部"])]);
    let response = ent.upload(file).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["imported"], 1);

    let waiting = ent.list("view=onboarding&state=invited").await;
    assert_eq!(waiting["total"], 2);
    for item in waiting["items"].as_array().unwrap() {
        assert!(item["phone_masked"].as_str().unwrap().contains("****"));
        assert_eq!(item["department_name"], "财务部");
    }
    // Each gets an SMS link and fills the form on the phone.
    for (n, phone) in [(1, "13800000001"), (2, "13800000002")] {
        let sms = messages(&ent.app, phone).await;
        assert!(
            sms.iter().any(|m| m.contains("豫云示范科技有限公司")),
            "{sms:?}"
        );
        let token = form_token(&ent.app, phone).await;
        let response = fill_form(&ent.app, &token, &id_number(n)).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{}",
            response.text().await.unwrap()
        );
    }
    let submitted = ent.list("view=onboarding&state=submitted").await;
    assert_eq!(submitted["total"], 2);
    assert_eq!(
        submitted["items"][0]["id_masked"].as_str().unwrap().len(),
        18
    );
    assert!(
        submitted["items"][0]["id_masked"]
            .as_str()
            .unwrap()
            .contains("**********")
    );

    // Personal data is sealed at rest: neither phone nor ID number nor card in clear.
    let rows = sqlx::query("SELECT * FROM ec_employees")
        .fetch_all(ent.app.platform.db.pool())
        .await
        .unwrap();
    for stored in &rows {
        for column in [
            "phone_sealed",
            "id_sealed",
            "data_sealed",
            "phone_index",
            "id_index",
        ] {
            let value: Option<String> = stored.try_get(column).unwrap();
            let value = value.unwrap_or_default();
            for secret in [
                "13800000001",
                "13800000002",
                &id_number(1),
                "4111111111111111",
            ] {
                assert!(!value.contains(secret), "{column} holds {secret}");
            }
        }
    }

    // The administrator sees the full data in the detail, and approves.
    let detail: Value = ent
        .app
        .get(&ent.path(&format!("/employees/{first}")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["phone"], "13800000001");
    assert_eq!(detail["id_number"], id_number(1));
    assert_eq!(detail["values"]["bank_card"], "4111111111111111");
    assert_eq!(detail["position"], "会计");
    for item in submitted["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        let response = ent
            .app
            .post(&ent.path(&format!("/employees/{id}/approve")), json!({}))
            .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    let roster = ent.list("view=roster").await;
    assert_eq!(roster["total"], 2);
    assert_eq!(roster["items"][0]["hired_on"], "2026-12-01");
    let sms = messages(&ent.app, "13800000002").await;
    assert!(sms.iter().any(|m| m.contains("已通过")), "{sms:?}");
    // Search by name fragment and by whole mobile number; filter by department.
    assert_eq!(ent.list("view=roster&q=%E5%BC%A0").await["total"], 1);
    assert_eq!(
        ent.list("view=roster&q=13800000002").await["items"][0]["name"],
        "李四"
    );
    assert_eq!(
        ent.list(&format!("view=roster&department_id={finance}"))
            .await["total"],
        2
    );
    // Each state change wrote an audit event.
    let events: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE action LIKE 'contracts.employee.%'")
            .fetch_one(ent.app.platform.db.pool())
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
    // 2 onboard + 2 submit + 1 view + 2 approve.
    assert_eq!(events, 7);
}

#[tokio::test]
async fn a_rejected_form_is_sent_back_with_the_reason_and_a_new_link() {
    let ent = Ent::start().await;
    let id = ent.onboarded("王五", "13800000011", None).await;
    let first_token = form_token(&ent.app, "13800000011").await;
    assert_eq!(
        fill_form(&ent.app, &first_token, &id_number(11))
            .await
            .status(),
        StatusCode::OK
    );
    let response = ent
        .app
        .post(
            &ent.path(&format!("/employees/{id}/reject")),
            json!({"reason": "银行卡号与本人不符"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let sms = messages(&ent.app, "13800000011").await;
    let rejection = sms
        .iter()
        .find(|m| m.contains("银行卡号与本人不符"))
        .unwrap();
    assert!(rejection.contains("/m/employee/"));
    let second_token = form_token(&ent.app, "13800000011").await;
    assert_ne!(first_token, second_token);
    // The first link is spent; the new one shows the reason and works once.
    let anonymous = ent.app.clone_signed_out().await;
    problem(
        anonymous
            .get(&format!("/api/v1/employee-forms/{first_token}"))
            .await,
        StatusCode::BAD_REQUEST,
        "employee_link_expired",
    )
    .await;
    let page: Value = anonymous
        .get(&format!("/api/v1/employee-forms/{second_token}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["reject_reason"], "银行卡号与本人不符");
    assert_eq!(
        fill_form(&ent.app, &second_token, &id_number(11))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        ent.list("view=onboarding&state=submitted").await["total"],
        1
    );
}

#[tokio::test]
async fn roster_transfer_and_resignation() {
    let ent = Ent::start().await;
    let sales = ent.department("销售部", None).await;
    let service = ent.department("客服部", None).await;
    let id = ent.onboarded("赵六", "13800000021", Some(&sales)).await;
    let token = form_token(&ent.app, "13800000021").await;
    assert_eq!(
        fill_form(&ent.app, &token, &id_number(21)).await.status(),
        StatusCode::OK
    );
    let approve = ent
        .app
        .post(&ent.path(&format!("/employees/{id}/approve")), json!({}))
        .await;
    assert_eq!(approve.status(), StatusCode::NO_CONTENT);
    let moved = ent
        .app
        .post(
            &ent.path(&format!("/employees/{id}/transfer")),
            json!({"department_id": service}),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        ent.list("view=roster").await["items"][0]["department_name"],
        "客服部"
    );
    // Leaving before the start date is refused; on a later date it is recorded.
    problem(
        ent.app
            .post(
                &ent.path(&format!("/employees/{id}/resign")),
                json!({"date": "2026-11-30"}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    let resigned = ent
        .app
        .post(
            &ent.path(&format!("/employees/{id}/resign")),
            json!({"date": "2027-03-31"}),
        )
        .await;
    assert_eq!(resigned.status(), StatusCode::NO_CONTENT);
    assert_eq!(ent.list("view=roster").await["total"], 0);
    let gone = ent.list("view=resigned").await;
    assert_eq!(gone["items"][0]["resigned_on"], "2027-03-31");
    // Resigned, the same person may be onboarded again (a new row).
    ent.onboarded("赵六", "13800000021", None).await;
    assert_eq!(ent.employee_count().await, 2);
}

#[tokio::test]
async fn qr_self_onboarding() {
    let ent = Ent::start().await;
    let none: Value = ent
        .app
        .get(&ent.path("/employee-join-link"))
        .await
        .json()
        .await
        .unwrap();
    assert!(none["url"].is_null());
    let link: Value = ent
        .app
        .post(&ent.path("/employee-join-link"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let url = link["url"].as_str().unwrap().to_owned();
    let code = url.rsplit('/').next().unwrap().to_owned();
    let phone = ent.app.clone_signed_out().await;
    let page: Value = phone
        .get(&format!("/api/v1/employee-join/{code}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["enterprise_name"], "豫云示范科技有限公司");
    let joined = phone
        .post(
            &format!("/api/v1/employee-join/{code}"),
            json!({"name": "孙七", "phone": "13800000031"}),
        )
        .await;
    assert_eq!(joined.status(), StatusCode::CREATED);
    let token = form_token(&ent.app, "13800000031").await;
    assert_eq!(
        fill_form(&ent.app, &token, &id_number(31)).await.status(),
        StatusCode::OK
    );
    let list = ent.list("view=onboarding").await;
    assert_eq!(list["items"][0]["source"], "qr");
    assert_eq!(list["items"][0]["state"], "submitted");
    // The same number again is refused; a renewed code retires the old one.
    problem(
        phone
            .post(
                &format!("/api/v1/employee-join/{code}"),
                json!({"name": "孙七", "phone": "13800000031"}),
            )
            .await,
        StatusCode::CONFLICT,
        "employee_duplicate",
    )
    .await;
    ent.app
        .post(&ent.path("/employee-join-link"), json!({}))
        .await;
    problem(
        phone.get(&format!("/api/v1/employee-join/{code}")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn the_field_set_is_chosen_and_shapes_the_phone_form() {
    let ent = Ent::start().await;
    let set: Value = ent
        .app
        .get(&ent.path("/employee-fields"))
        .await
        .json()
        .await
        .unwrap();
    assert!(set["catalog"].as_array().unwrap().len() >= 16);
    let chosen: Value = ent
        .app
        .put(
            &ent.path("/employee-fields"),
            json!({"fields": ["education", "emergency_phone"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        chosen["selected"],
        json!(["name", "phone", "id_number", "education", "emergency_phone"])
    );
    problem(
        ent.app
            .put(&ent.path("/employee-fields"), json!({"fields": ["salary"]}))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    ent.onboarded("周八", "13800000041", None).await;
    let token = form_token(&ent.app, "13800000041").await;
    let phone = ent.app.clone_signed_out().await;
    let page: Value = phone
        .get(&format!("/api/v1/employee-forms/{token}"))
        .await
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = page["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["name", "phone", "id_number", "education", "emergency_phone"]
    );
    // A bad emergency phone is refused and changes nothing; then the good form goes through.
    let mut values = json!({"name": "周八", "id_number": id_number(41), "education": "本科", "emergency_phone": "123"});
    let path = format!("/api/v1/employee-forms/{token}");
    let body = problem(
        phone.post(&path, json!({"values": values})).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    assert_eq!(body["field"], "emergency_phone");
    assert_eq!(ent.list("view=onboarding&state=invited").await["total"], 1);
    values["emergency_phone"] = json!("13900000000");
    assert_eq!(
        phone.post(&path, json!({"values": values})).await.status(),
        StatusCode::OK
    );
    // The link worked once.
    problem(
        phone.post(&path, json!({"values": values})).await,
        StatusCode::BAD_REQUEST,
        "employee_link_expired",
    )
    .await;
}

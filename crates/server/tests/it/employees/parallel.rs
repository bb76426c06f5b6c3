//! The one-person-once rule under load: 40 onboardings of one mobile number into one enterprise
//! at once (single, Excel and QR mixed) leave exactly one employee row.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::{Ent, header, row, workbook};

#[tokio::test]
async fn forty_parallel_onboardings_of_one_phone_make_one_employee() {
    let ent = Ent::start().await;
    let link: Value = ent
        .app
        .post(&ent.path("/employee-join-link"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let code = link["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let phone = "13800001000";
    let file = workbook(&[header(), row(&["张三", phone, "", ""])]);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let client = ent.app.client.clone();
        let csrf = ent.app.csrf.clone();
        let base = ent.app.base.clone();
        let path = ent.path("");
        let code = code.clone();
        let file = file.clone();
        tasks.push(tokio::spawn(async move {
            let request = match i % 3 {
                0 => client
                    .post(format!("{base}{path}/employees"))
                    .json(&json!({"name": "张三", "phone": phone})),
                1 => client
                    .post(format!("{base}{path}/employees/import"))
                    .multipart(reqwest::multipart::Form::new().part(
                        "file",
                        reqwest::multipart::Part::bytes(file).file_name("a.xlsx"),
                    )),
                _ => client
                    .post(format!("{base}/api/v1/employee-join/{code}"))
                    .json(&json!({"name": "张三", "phone": phone})),
            };
            let response = request.header("x-csrf-token", csrf).send().await.unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (status, body)
        }));
    }
    let mut created = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        if status == StatusCode::CREATED {
            created += 1;
        } else {
            // The losers are told why: a duplicate (by the index, or the import's roster check).
            let code = body["code"].as_str().unwrap_or_default();
            let row_code = body["errors"][0]["code"].as_str().unwrap_or_default();
            assert!(
                code == "employee_duplicate" || row_code == "duplicate_on_roster",
                "{status} {body}"
            );
        }
    }
    assert_eq!(created, 1);
    assert_eq!(ent.employee_count().await, 1);
    // And exactly one SMS link went out.
    let sms = super::support::messages(&ent.app, phone).await;
    assert_eq!(sms.iter().filter(|m| m.contains("/m/employee/")).count(), 1);
}

//! Forty accounts real-name themselves with one ID number at once: exactly one person (and one
//! certificate). Then forty real-named people certify the same credit code at once: exactly one
//! enterprise row, `certifying`; everyone else is told the code is taken, and their desk orders
//! are cancelled. Run on both databases (`SIGNET_TEST_DATABASE_URL` for PostgreSQL); on SQLite
//! writers queue on the write lock, and no answer is a 500.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::{company, count, real_name};
use crate::desk::support::{Desk, id_number};
use crate::support::phone;

const PEOPLE: u32 = 40;

#[tokio::test]
async fn forty_people_certifying_one_code_at_once_make_one_enterprise() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("error")
        .with_test_writer()
        .try_init();
    let desk = Desk::start().await;
    let mut people = Vec::new();
    for i in 0..PEOPLE {
        let mut person = desk.app.clone_signed_out().await;
        person
            .register(&phone(50_001_000 + i), &format!("racer{i}"))
            .await;
        let texts: Value = person
            .get("/api/v1/contracts/consent-texts")
            .await
            .json()
            .await
            .unwrap();
        let accepted: Vec<Value> = texts
            .as_array()
            .unwrap()
            .iter()
            .map(|t| json!({"document": t["document"], "version": t["version"]}))
            .collect();
        person
            .post("/api/v1/me/consents", json!({ "accepted": accepted }))
            .await;
        people.push(person);
    }
    // One ID number, forty accounts at once, on both databases: every answer 200 or 409.
    let shared = json!({"name": "赵竞争", "id_number": id_number("11010119900320000"), "method": "carrier3"});
    let mut tries = tokio::task::JoinSet::new();
    for (i, person) in people.iter().enumerate() {
        let request = person
            .client
            .post(person.url("/api/v1/me/real-name"))
            .header("x-csrf-token", &person.csrf)
            .json(&shared);
        tries.spawn(async move {
            let answer = request.send().await.unwrap();
            (i, answer.status(), answer.text().await.unwrap())
        });
    }
    let mut winner = None;
    for (i, status, text) in tries.join_all().await {
        if status == StatusCode::OK {
            assert!(
                winner.is_none(),
                "two accounts real-named with one ID: {text}"
            );
            winner = Some(i);
        } else {
            assert_eq!(status, StatusCode::CONFLICT, "{text}");
            let problem: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(problem["code"], "id_number_taken", "{problem}");
        }
    }
    assert!(winner.is_some());
    assert_eq!(
        count(
            &desk.app,
            "SELECT COUNT(*) AS n FROM ec_persons WHERE user_id <> $1",
            ""
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &desk.app,
            "SELECT COUNT(*) AS n FROM ec_person_keys WHERE user_id <> $1",
            ""
        )
        .await,
        1
    );
    for (i, person) in people.iter().enumerate() {
        if Some(i) != winner {
            real_name(person, "赵竞争", &format!("110101199003{:05}", 10_000 + i)).await;
        }
    }
    let body = company("福州竞速科技有限公司", "91350100M001000Y4");
    let mut tries = tokio::task::JoinSet::new();
    for person in &people {
        let request = person
            .client
            .post(person.url("/api/v1/enterprises"))
            .header("x-csrf-token", &person.csrf)
            .json(&body);
        tries.spawn(async move {
            let answer = request.send().await.unwrap();
            (answer.status(), answer.text().await.unwrap())
        });
    }
    let answers: Vec<(StatusCode, String)> = tries.join_all().await;
    let mut created = 0;
    let mut taken = 0;
    for (status, text) in answers {
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                let problem: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(problem["code"], "credit_code_taken", "{problem}");
                taken += 1;
            }
            other => panic!("unexpected {other}: {text}"),
        }
    }
    assert_eq!((created, taken), (1, PEOPLE - 1));
    let app = &desk.app;
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM ec_enterprises WHERE state = 'certifying' AND name = $1",
            "福州竞速科技有限公司"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM ec_enterprises WHERE id <> $1",
            ""
        )
        .await,
        1
    );
    // Only the winner's desk order is open.
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM desk_orders WHERE state <> 'cancelled' AND id <> $1",
            ""
        )
        .await,
        1
    );
}

//! Forty real-named people certify the same credit code at once: exactly one enterprise row,
//! `certifying`; everyone else is told the code is taken, and their desk orders are cancelled.
//! Meant for PostgreSQL (`SIGNET_TEST_DATABASE_URL`); on SQLite the writers queue.

use reqwest::StatusCode;
use serde_json::Value;

use super::support::{company, count, real_name};
use crate::desk::support::Desk;
use crate::support::phone;

const PEOPLE: u32 = 40;

#[tokio::test]
async fn forty_people_certifying_one_code_at_once_make_one_enterprise() {
    let desk = Desk::start().await;
    let mut people = Vec::new();
    for i in 0..PEOPLE {
        let mut person = desk.app.clone_signed_out().await;
        person
            .register(&phone(50_001_000 + i), &format!("racer{i}"))
            .await;
        real_name(&person, "赵竞争", &format!("110101199003{:05}", 10_000 + i)).await;
        people.push(person);
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

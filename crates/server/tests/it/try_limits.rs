//! Try limits under parallel requests (issue 12, finding 3): SMS codes, the login lockout and the
//! cloud-signing PIN each compare at most five guesses, however many requests race. The races
//! show on PostgreSQL (`SIGNET_TEST_DATABASE_URL`); SQLite's single writer runs the same tests.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::desk::lifecycle::cloud_certificate;
use crate::desk::support::Desk;
use crate::support::{PASSWORD, TestApp, app, phone, problem};

/// How many requests race in each test.
pub const PARALLEL: usize = 40;

/// Posts every body to `path` at once (each on its own task, through the app's session) and
/// returns each answer's status and body, in the order given.
pub async fn parallel_posts(
    app: &TestApp,
    path: &str,
    bodies: Vec<Value>,
) -> Vec<(StatusCode, Value)> {
    let mut tasks = Vec::new();
    for body in bodies {
        let request = app
            .client
            .post(app.url(path))
            .header("x-csrf-token", &app.csrf)
            .json(&body);
        tasks.push(tokio::spawn(async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (status, body)
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

/// How many answers carried each problem code (`"ok"` for a success).
fn tally(answers: &[(StatusCode, Value)]) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for (status, body) in answers {
        let code = if status.is_success() {
            "ok".to_owned()
        } else {
            body["code"].as_str().unwrap_or("?").to_owned()
        };
        *counts.entry(code).or_insert(0) += 1;
    }
    counts
}

fn count(counts: &std::collections::BTreeMap<String, usize>, code: &str) -> usize {
    counts.get(code).copied().unwrap_or(0)
}

/// A six-digit code that is not `right`.
fn wrong_code(right: &str, n: usize) -> String {
    let guess = format!(
        "{:06}",
        (right.parse::<usize>().unwrap() + 1 + n) % 1_000_000
    );
    assert_ne!(guess, right);
    guess
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn finding_3_sms_code_tries_hold_under_40_parallel_guesses() {
    let app = app().start().await;
    let number = phone(31_000_001);
    let code = app.code_for(&number, "login").await;
    let bodies = (0..PARALLEL)
        .map(|n| json!({"phone": number, "sms_code": wrong_code(&code, n)}))
        .collect();
    let answers = parallel_posts(&app, "/api/v1/login/sms", bodies).await;
    let counts = tally(&answers);
    // Four wrong answers, the fifth burns the code; every other guess is never compared.
    assert!(count(&counts, "sms_code_wrong") < 5, "{counts:?}");
    assert_eq!(
        count(&counts, "sms_code_wrong") + count(&counts, "sms_code_burned"),
        PARALLEL,
        "{counts:?}"
    );
    // The code is gone: even the right one no longer signs in, and nobody was registered.
    let right = app
        .post(
            "/api/v1/login/sms",
            json!({"phone": number, "sms_code": code}),
        )
        .await;
    problem(right, StatusCode::BAD_REQUEST, "sms_code_burned").await;
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn finding_3_login_lockout_holds_under_40_parallel_wrong_passwords() {
    let mut app = app().start().await;
    app.register(&phone(31_000_002), "racer").await;
    app.logout().await;
    let mut bodies = Vec::new();
    for _ in 0..PARALLEL {
        let (captcha_id, captcha_answer) = app.captcha().await;
        bodies.push(json!({"identifier": "racer", "password": "Wrong#2026", "captcha_id": captcha_id, "captcha_answer": captcha_answer}));
    }
    let answers = parallel_posts(&app, "/api/v1/login/password", bodies).await;
    let counts = tally(&answers);
    assert!(count(&counts, "bad_credentials") < 5, "{counts:?}");
    assert_eq!(
        count(&counts, "bad_credentials") + count(&counts, "account_locked"),
        PARALLEL,
        "{counts:?}"
    );
    // Locked: the right password waits out the lock like after five sequential failures.
    problem(
        app.login("racer", PASSWORD).await,
        StatusCode::LOCKED,
        "account_locked",
    )
    .await;
    app.advance_clock(901).await;
    assert_eq!(app.login("racer", PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn finding_3_cloud_pin_lockout_holds_under_40_parallel_wrong_pins() {
    let desk = Desk::start().await;
    let (_, serial) = cloud_certificate(&desk, "13500000031").await;
    desk.app
        .post(
            &format!("/api/v1/certificates/{serial}/cloud-code"),
            json!({}),
        )
        .await;
    let code = desk.app.inbox_code(&phone(50_000_001)).await;
    let set = desk
        .app
        .put(
            &format!("/api/v1/certificates/{serial}/cloud-pin"),
            json!({"pin": "246810", "sms_code": code}),
        )
        .await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let sign_path = format!("/api/v1/certificates/{serial}/cloud-sign");
    let data = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b"contract");
    let bodies = (0..PARALLEL)
        .map(|n| json!({"data": data, "authorisation": {"pin": format!("{:06}", 100_000 + n)}}))
        .collect();
    let answers = parallel_posts(&desk.app, &sign_path, bodies).await;
    let counts = tally(&answers);
    // Five wrong answers at most (the fifth sets the lock), the rest find it locked.
    assert!(count(&counts, "invalid_field") <= 5, "{counts:?}");
    assert_eq!(
        count(&counts, "invalid_field") + count(&counts, "account_locked"),
        PARALLEL,
        "{counts:?}"
    );
    problem(
        desk.app
            .post(
                &sign_path,
                json!({"data": data, "authorisation": {"pin": "246810"}}),
            )
            .await,
        StatusCode::LOCKED,
        "account_locked",
    )
    .await;
}

//! QR login (ACC-7): a PC session's request, confirmed by a signed-in phone, signs that PC session
//! in, learnt by long polling within two seconds (also when the phone is served by another node);
//! and each refusal: expired, used, refused, another session, a signed-out phone, twice.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_server::{AppState, ServerConfig};
use sqlx::Row as _;

use crate::support::{TestApp, app, phone, problem};

/// A login request made by `pc`: its id and the secret in its link.
async fn request(pc: &TestApp) -> (String, String) {
    let response = pc.post("/api/v1/qr-logins", json!({})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let url = body["url"].as_str().unwrap();
    let secret = url.rsplit_once("/m/qr-login/").unwrap().1.to_owned();
    assert_eq!(secret.len(), 64, "{url}");
    (body["id"].as_str().unwrap().to_owned(), secret)
}

/// A second client, registered and signed in: the phone.
async fn signed_in_phone(pc: &TestApp, tail: u32) -> TestApp {
    let mut phone_app = pc.clone_signed_out().await;
    phone_app
        .register(&phone(tail), &format!("qrphone{tail}"))
        .await;
    phone_app
}

async fn qr_logins(pc: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = $1 AND after_state LIKE '%\"qr\"%'",
    )
    .bind(action)
    .fetch_one(pc.platform.db.pool())
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_request_signs_in_the_pc_that_showed_it() {
    let mut pc = app().start().await;
    let phone_app = signed_in_phone(&pc, 7_001).await;
    let csrf_before = pc.csrf.clone();
    let (id, secret) = request(&pc).await;

    // The PC holds a long poll while the phone looks and confirms.
    let waiting = {
        let (client, url) = (
            pc.client.clone(),
            pc.url(&format!("/api/v1/qr-logins/{id}/wait?hold=20")),
        );
        tokio::spawn(async move {
            let body: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            (Instant::now(), body)
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let shown: Value = phone_app
        .get(&format!("/api/v1/qr-scans/{secret}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["state"], "pending", "{shown}");
    assert_eq!(shown["ip_masked"], "127.0.*.*");
    assert!(shown["browser"].as_str().is_some_and(|b| !b.is_empty()));
    let confirmed = phone_app
        .post(&format!("/api/v1/qr-scans/{secret}/confirm"), json!({}))
        .await;
    let confirmed_at = Instant::now();
    assert_eq!(confirmed.status(), StatusCode::OK);
    let (learnt_at, body) = waiting.await.unwrap();
    assert_eq!(body["state"], "confirmed", "{body}");
    assert!(
        learnt_at.duration_since(confirmed_at) < Duration::from_secs(2),
        "the PC learnt it {:?} after the confirmation",
        learnt_at.duration_since(confirmed_at)
    );

    let signed_in = pc
        .post(&format!("/api/v1/qr-logins/{id}/complete"), json!({}))
        .await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let body: Value = signed_in.json().await.unwrap();
    assert_eq!(body["user"]["login_name"], "qrphone7001");
    let session = pc.refresh_session().await;
    assert_eq!(session["user"]["login_name"], "qrphone7001");
    assert_ne!(
        pc.csrf, csrf_before,
        "the CSRF token rotates with the sign-in"
    );
    assert_eq!(qr_logins(&pc, "account.login").await, 1);

    // Spent: the phone cannot confirm it again, nor the PC collect it twice.
    problem(
        phone_app
            .post(&format!("/api/v1/qr-scans/{secret}/confirm"), json!({}))
            .await,
        StatusCode::CONFLICT,
        "qr_login_used",
    )
    .await;
    problem(
        phone_app.get(&format!("/api/v1/qr-scans/{secret}")).await,
        StatusCode::CONFLICT,
        "qr_login_used",
    )
    .await;
    // The new session is not the one that made the request.
    problem(
        pc.post(&format!("/api/v1/qr-logins/{id}/complete"), json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "qr_login_other_session",
    )
    .await;
    assert_eq!(qr_logins(&pc, "account.login").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_clear_and_change_nothing() {
    let mut pc = app().start().await;
    let phone_app = signed_in_phone(&pc, 7_002).await;
    let stranger = pc.clone_signed_out().await;
    let (id, secret) = request(&pc).await;

    // A signed-out phone sees nothing and confirms nothing.
    problem(
        stranger.get(&format!("/api/v1/qr-scans/{secret}")).await,
        StatusCode::UNAUTHORIZED,
        "not_signed_in",
    )
    .await;
    problem(
        stranger
            .post(&format!("/api/v1/qr-scans/{secret}/confirm"), json!({}))
            .await,
        StatusCode::UNAUTHORIZED,
        "not_signed_in",
    )
    .await;
    // Another session may not poll or collect it.
    problem(
        stranger
            .get(&format!("/api/v1/qr-logins/{id}/wait?hold=0"))
            .await,
        StatusCode::FORBIDDEN,
        "qr_login_other_session",
    )
    .await;
    problem(
        stranger
            .post(&format!("/api/v1/qr-logins/{id}/complete"), json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "qr_login_other_session",
    )
    .await;
    // Not confirmed yet: the PC cannot collect, and its poll still says pending.
    problem(
        pc.post(&format!("/api/v1/qr-logins/{id}/complete"), json!({}))
            .await,
        StatusCode::CONFLICT,
        "qr_login_pending",
    )
    .await;
    let polled: Value = pc
        .get(&format!("/api/v1/qr-logins/{id}/wait?hold=1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(polled["state"], "pending");
    // An unknown secret.
    problem(
        phone_app
            .get(&format!("/api/v1/qr-scans/{}", "0".repeat(64)))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Confirming twice: the second is refused.
    let first = phone_app
        .post(&format!("/api/v1/qr-scans/{secret}/confirm"), json!({}))
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    problem(
        phone_app
            .post(&format!("/api/v1/qr-scans/{secret}/confirm"), json!({}))
            .await,
        StatusCode::CONFLICT,
        "qr_login_used",
    )
    .await;
    problem(
        phone_app
            .post(&format!("/api/v1/qr-scans/{secret}/refuse"), json!({}))
            .await,
        StatusCode::CONFLICT,
        "qr_login_used",
    )
    .await;
    // A confirmation left uncollected for more than a minute expires.
    pc.advance_clock(61).await;
    problem(
        pc.post(&format!("/api/v1/qr-logins/{id}/complete"), json!({}))
            .await,
        StatusCode::CONFLICT,
        "qr_login_expired",
    )
    .await;
    assert_eq!(qr_logins(&pc, "account.login").await, 0);
    assert!(pc.refresh_session().await["user"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_or_expired_request_cannot_sign_in() {
    let pc = app().start().await;
    let phone_app = signed_in_phone(&pc, 7_003).await;

    let (id, secret) = request(&pc).await;
    let refused = phone_app
        .post(&format!("/api/v1/qr-scans/{secret}/refuse"), json!({}))
        .await;
    assert_eq!(refused.status(), StatusCode::OK);
    let polled: Value = pc
        .get(&format!("/api/v1/qr-logins/{id}/wait?hold=5"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(polled["state"], "refused");
    problem(
        pc.post(&format!("/api/v1/qr-logins/{id}/complete"), json!({}))
            .await,
        StatusCode::CONFLICT,
        "qr_login_refused",
    )
    .await;
    problem(
        phone_app
            .post(&format!("/api/v1/qr-scans/{secret}/confirm"), json!({}))
            .await,
        StatusCode::CONFLICT,
        "qr_login_used",
    )
    .await;

    // Two minutes later a code no longer scans, and the PC's poll answers at once.
    let (id, secret) = request(&pc).await;
    pc.advance_clock(121).await;
    problem(
        phone_app.get(&format!("/api/v1/qr-scans/{secret}")).await,
        StatusCode::CONFLICT,
        "qr_login_expired",
    )
    .await;
    problem(
        phone_app
            .post(&format!("/api/v1/qr-scans/{secret}/confirm"), json!({}))
            .await,
        StatusCode::CONFLICT,
        "qr_login_expired",
    )
    .await;
    let started = Instant::now();
    let polled: Value = pc
        .get(&format!("/api/v1/qr-logins/{id}/wait?hold=20"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(polled["state"], "expired");
    assert!(started.elapsed() < Duration::from_secs(2));
    let decided: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM qr_logins WHERE state IN ('confirmed', 'signed_in')",
    )
    .fetch_one(pc.platform.db.pool())
    .await
    .unwrap();
    assert_eq!(decided, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_served_by_another_node_is_seen_within_two_seconds() {
    let pc = app().start().await;
    // A second node on the same database serves the phone.
    let platform = signet_core::Platform::open(&pc.config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(
        platform,
        ServerConfig {
            writes_per_minute: 10_000,
            guarded_per_minute: 10_000,
            ..ServerConfig::default()
        },
    );
    tokio::spawn(signet_server::serve(listener, state));
    let mut phone_app = signed_in_phone(&pc, 7_004).await;
    phone_app.base = other;
    phone_app.refresh_session().await;

    let (id, secret) = request(&pc).await;
    let waiting = {
        let (client, url) = (
            pc.client.clone(),
            pc.url(&format!("/api/v1/qr-logins/{id}/wait?hold=20")),
        );
        tokio::spawn(async move {
            let body: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            (Instant::now(), body)
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let confirmed = phone_app
        .post(&format!("/api/v1/qr-scans/{secret}/confirm"), json!({}))
        .await;
    let confirmed_at = Instant::now();
    assert_eq!(confirmed.status(), StatusCode::OK);
    let (learnt_at, body) = waiting.await.unwrap();
    assert_eq!(body["state"], "confirmed");
    assert!(learnt_at.duration_since(confirmed_at) < Duration::from_secs(2));
}

/// Forty confirmations of one code at once (and then forty collections): one of each succeeds,
/// and exactly one session is signed in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_parallel_confirmations_sign_in_once() {
    let pc = app().start().await;
    let phone_app = signed_in_phone(&pc, 7_005).await;
    let (id, secret) = request(&pc).await;

    let mut confirms = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let (client, url, csrf) = (
            phone_app.client.clone(),
            phone_app.url(&format!("/api/v1/qr-scans/{secret}/confirm")),
            phone_app.csrf.clone(),
        );
        confirms.spawn(async move {
            client
                .post(url)
                .header("x-csrf-token", csrf)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let statuses = confirms.join_all().await;
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT)
    );

    let mut completes = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let (client, url, csrf) = (
            pc.client.clone(),
            pc.url(&format!("/api/v1/qr-logins/{id}/complete")),
            pc.csrf.clone(),
        );
        completes.spawn(async move {
            client
                .post(url)
                .header("x-csrf-token", csrf)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let statuses = completes.join_all().await;
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    let user_id: String = sqlx::query("SELECT user_id FROM qr_logins WHERE id = $1")
        .bind(&id)
        .fetch_one(pc.platform.db.pool())
        .await
        .unwrap()
        .try_get("user_id")
        .unwrap();
    // The phone's own session and the one QR sign-in.
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
        .bind(&user_id)
        .fetch_one(pc.platform.db.pool())
        .await
        .unwrap();
    assert_eq!(sessions, 2);
    assert_eq!(qr_logins(&pc, "account.login").await, 1);
    let confirmations: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'account.qr_login.confirmed'",
    )
    .fetch_one(pc.platform.db.pool())
    .await
    .unwrap();
    assert_eq!(confirmations, 1);
}

//! Finding 14: rate limits keyed on the real client behind a trusted proxy, account guards that
//! hold across nodes on one database, `/pki` and session-opening reads limited, and the purge
//! job that deletes expired codes, captchas, challenges and counters.

use std::sync::Arc;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use signet_core::Platform;
use signet_core::platform::PlatformConfig;
use signet_core::platform::jobs;
use signet_core::testing::sandbox_config;
use signet_server::{AppState, ClientAddress, ServerConfig};

use crate::support::{app, phone};

/// A server on `config`'s database (a second call is a second node on the same database).
async fn node(config: &PlatformConfig, server: ServerConfig) -> (String, Arc<Platform>) {
    let platform = Platform::open(config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(platform, server);
    let platform = state.platform.clone();
    tokio::spawn(signet_server::serve(listener, state));
    (base, platform)
}

fn generous() -> ServerConfig {
    ServerConfig {
        writes_per_minute: 10_000,
        pki_per_minute: 10_000,
        guarded_per_minute: 10_000,
        ..ServerConfig::default()
    }
}

async fn csrf(client: &Client, base: &str) -> String {
    let body: Value = client
        .get(format!("{base}/api/v1/session"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["csrf_token"].as_str().unwrap().to_owned()
}

async fn count(platform: &Platform, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(platform.db.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn finding_14_login_tries_are_counted_in_the_database_across_two_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox_config(dir.path()).await;
    let limited = ServerConfig {
        guarded_per_minute: 5,
        ..generous()
    };
    let (a, _) = node(&config, limited.clone()).await;
    let (b, platform) = node(&config, limited).await;
    let client = Client::builder().cookie_store(true).build().unwrap();
    // Sessions live in the database: node A's cookie and CSRF token are good on node B.
    let token = csrf(&client, &a).await;
    let mut tries = tokio::task::JoinSet::new();
    for n in 0..40 {
        let base = if n % 2 == 0 { a.clone() } else { b.clone() };
        let (client, token) = (client.clone(), token.clone());
        tries.spawn(async move {
            client
                .post(format!("{base}/api/v1/login/password"))
                .header("x-csrf-token", token)
                .json(&json!({"identifier": format!("nobody{n}"), "password": "Wrong#2026", "captcha_id": "none", "captcha_answer": "none"}))
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let statuses: Vec<StatusCode> = tries.join_all().await;
    let passed = statuses
        .iter()
        .filter(|s| **s != StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(passed, 5, "{statuses:?}");
    let counted: i64 = sqlx::query_scalar(
        "SELECT CAST(SUM(hits) AS BIGINT) FROM rate_counters WHERE bucket = 'login'",
    )
    .fetch_one(platform.db.pool())
    .await
    .unwrap();
    assert_eq!(counted, 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_14_behind_a_trusted_proxy_each_client_has_its_own_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox_config(dir.path()).await;
    let proxied = ServerConfig {
        writes_per_minute: 3,
        client_address: ClientAddress::new(Some("X-Forwarded-For"), &["127.0.0.1".into()]).unwrap(),
        ..generous()
    };
    let (base, platform) = node(&config, proxied).await;
    // Each client behind the proxy opens its own session and makes writes.
    let write = async |client: &Client, forwarded: &str, token: &str| {
        client
            .post(format!("{base}/api/v1/captcha"))
            .header("x-forwarded-for", forwarded)
            .header("x-csrf-token", token)
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status()
    };
    let open = async |forwarded: &str| {
        let client = Client::builder().cookie_store(true).build().unwrap();
        let body: Value = client
            .get(format!("{base}/api/v1/session"))
            .header("x-forwarded-for", forwarded)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = body["csrf_token"].as_str().unwrap().to_owned();
        (client, token)
    };
    let (alice, alice_token) = open("203.0.113.1").await;
    let (bob, bob_token) = open("203.0.113.2").await;
    for _ in 0..3 {
        assert_eq!(
            write(&alice, "203.0.113.1", &alice_token).await,
            StatusCode::OK
        );
    }
    assert_eq!(
        write(&alice, "203.0.113.1", &alice_token).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A forged entry on the left changes nothing: the proxy appended the real address.
    assert_eq!(
        write(&alice, "198.51.100.99, 203.0.113.1", &alice_token).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Bob behind the same proxy is not Alice.
    assert_eq!(write(&bob, "203.0.113.2", &bob_token).await, StatusCode::OK);
    // The session remembers the client's address, not the proxy's.
    let ips: Vec<Option<String>> = sqlx::query_scalar("SELECT ip FROM sessions ORDER BY ip")
        .fetch_all(platform.db.pool())
        .await
        .unwrap();
    assert_eq!(
        ips,
        [
            Some("203.0.113.1".to_owned()),
            Some("203.0.113.2".to_owned())
        ]
    );

    // A server without the setting believes no header: everyone shares the peer's bucket.
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox_config(dir.path()).await;
    let (direct, _) = node(
        &config,
        ServerConfig {
            writes_per_minute: 3,
            ..generous()
        },
    )
    .await;
    let client = Client::builder().cookie_store(true).build().unwrap();
    let token = csrf(&client, &direct).await;
    let mut statuses = Vec::new();
    for n in 0..4 {
        statuses.push(
            client
                .post(format!("{direct}/api/v1/captcha"))
                .header("x-forwarded-for", format!("203.0.113.{n}"))
                .header("x-csrf-token", &token)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .status(),
        );
    }
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_14_pki_and_cookieless_session_reads_are_limited() {
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox_config(dir.path()).await;
    let (base, platform) = node(
        &config,
        ServerConfig {
            writes_per_minute: 10,
            pki_per_minute: 10,
            ..generous()
        },
    )
    .await;
    let client = Client::new();
    let mut pki = Vec::new();
    for _ in 0..15 {
        let response = client
            .post(format!("{base}/pki/ecc/ocsp"))
            .body(&b"junk"[..])
            .send()
            .await
            .unwrap();
        pki.push(response.status());
    }
    assert!(
        pki[..10]
            .iter()
            .all(|s| *s != StatusCode::TOO_MANY_REQUESTS),
        "{pki:?}"
    );
    assert!(
        pki[10..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{pki:?}"
    );

    // A cookie-less `GET /session` writes a session row: it is counted like a write.
    let mut opened = Vec::new();
    for _ in 0..15 {
        opened.push(
            client
                .get(format!("{base}/api/v1/session"))
                .send()
                .await
                .unwrap()
                .status(),
        );
    }
    assert!(
        opened[..10].iter().all(|s| *s == StatusCode::OK),
        "{opened:?}"
    );
    assert!(
        opened[10..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{opened:?}"
    );
    assert_eq!(count(&platform, "sessions").await, 10);
}

#[tokio::test]
async fn finding_14_expired_codes_captchas_challenges_and_counters_are_purged_by_the_job() {
    let app = app().start().await;
    let platform = &app.platform;
    let code = app.request_code(&phone(14_000_001), "register").await;
    assert_eq!(code.status(), StatusCode::OK);
    app.post("/api/v1/captcha", json!({})).await;
    let challenge = app
        .post("/api/v1/login/certificate/challenge", json!({}))
        .await;
    assert_eq!(challenge.status(), StatusCode::OK);
    let login = app
        .post(
            "/api/v1/login/password",
            json!({"identifier": "nobody", "password": "Wrong#2026"}),
        )
        .await;
    assert_ne!(login.status(), StatusCode::TOO_MANY_REQUESTS);
    for table in ["sms_codes", "captchas", "cert_challenges", "rate_counters"] {
        assert!(count(platform, table).await > 0, "{table}");
    }
    // Two days on, the hourly schedules run once and delete what expired.
    app.advance_clock(2 * 86_400 + 60).await;
    jobs::schedules::ensure(platform, &signet_core::job_schedules())
        .await
        .unwrap();
    jobs::schedules::tick(platform).await.unwrap();
    jobs::drain(platform, &signet_core::job_handlers())
        .await
        .unwrap();
    for table in ["sms_codes", "captchas", "cert_challenges", "rate_counters"] {
        assert_eq!(count(platform, table).await, 0, "{table}");
    }
}

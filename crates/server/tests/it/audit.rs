//! Finding 9: refused sign-ins and SMS sends are audited, each with the client's address.

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Row as _;

use crate::support::{PASSWORD, TestApp, app, phone, problem};

/// `(target, ip, after)` of every event named `action`.
async fn events(app: &TestApp, action: &str) -> Vec<(String, String, Value)> {
    sqlx::query("SELECT target, ip, after_state FROM audit_log WHERE action = $1 ORDER BY seq")
        .bind(action)
        .fetch_all(app.platform.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|row| {
            let after: String = row.try_get("after_state").unwrap();
            (
                row.try_get("target").unwrap(),
                row.try_get("ip").unwrap(),
                serde_json::from_str(&after).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn finding_9_failed_logins_and_sms_sends_are_audited_with_the_address() {
    let mut app = app().start().await;
    let number = phone(30_000_090);
    app.register(&number, "audited").await;
    let sent = events(&app, "sms.code_sent").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].1, "127.0.0.1");
    assert!(
        !sent[0].0.contains(&number),
        "the phone is masked: {}",
        sent[0].0
    );
    assert_eq!(sent[0].2["purpose"], "register");
    app.logout().await;
    problem(
        app.login("audited", "Wrong#2026").await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    )
    .await;
    problem(
        app.login("nobody", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    )
    .await;
    let failed = events(&app, "account.login_failed").await;
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(failed[0].0, "login:audited");
    assert_eq!(failed[1].0, "login:nobody");
    for (_, ip, after) in &failed {
        assert_eq!(ip, "127.0.0.1");
        assert_eq!(after["reason"], "bad_credentials");
        assert_eq!(after["method"], "password");
    }
    // A good login is not a failure.
    assert_eq!(
        app.login("audited", PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(events(&app, "account.login_failed").await.len(), 2);
}

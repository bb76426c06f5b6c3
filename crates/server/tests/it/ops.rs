//! Health, metrics and the OpenAPI document.

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::app;

#[tokio::test]
async fn healthz_names_the_database() {
    let app = app().start().await;
    let body: Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], signet_core::testing::backend_name());
}

#[tokio::test]
async fn metrics_count_requests() {
    let app = app().start().await;
    app.get("/healthz").await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(text.contains("signet_http_requests_total"), "{text}");
}

#[tokio::test]
async fn the_openapi_document_lists_every_account_route() {
    let app = app().start().await;
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/session",
        "/api/v1/captcha",
        "/api/v1/sms-codes",
        "/api/v1/register/phone",
        "/api/v1/register",
        "/api/v1/login/password",
        "/api/v1/login/sms",
        "/api/v1/logout",
        "/api/v1/password/reset",
        "/api/v1/me",
        "/api/v1/me/password",
        "/api/v1/me/password/initial",
        "/api/v1/me/login-name",
        "/api/v1/me/email",
        "/api/v1/me/phone",
        "/api/v1/me/phone/verify-old",
        "/api/v1/me/avatar",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from OpenAPI"
        );
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

#[tokio::test]
async fn unknown_api_paths_answer_problem_json() {
    let app = app().start().await;
    let response = app.get("/api/v1/does-not-exist").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}

//! The problem `type` names the wing an error comes from (`/problems/{wing}.{code}`) while `code`
//! stays the bare, public one.

use reqwest::StatusCode;

use crate::support::{app, problem};

#[tokio::test]
async fn problem_types_carry_the_wing_and_codes_stay_bare() {
    let app = app().start().await;
    let unknown_ca = app.get("/pki/nope/crl").await;
    let body = problem(unknown_ca, StatusCode::NOT_FOUND, "ca_unknown").await;
    assert_eq!(body["type"], "/problems/ca.ca_unknown", "{body}");

    let route = app.get("/api/v1/no-such-route").await;
    let body = problem(route, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(body["type"], "/problems/api.not_found", "{body}");

    let csrf = app
        .client
        .post(app.url("/api/v1/logout"))
        .send()
        .await
        .unwrap();
    let body = problem(csrf, StatusCode::FORBIDDEN, "csrf_failed").await;
    assert_eq!(body["type"], "/problems/api.csrf_failed", "{body}");

    let signed_out = app.get("/api/v1/me").await;
    let body = problem(signed_out, StatusCode::UNAUTHORIZED, "not_signed_in").await;
    assert_eq!(body["type"], "/problems/platform.not_signed_in", "{body}");
}

//! `GET /v1/hello`: how a page detects the agent without an error in the browser's console.
//!
//! A `fetch` to a port where nothing listens is logged by the browser as a failed resource; a
//! frame whose navigation fails is not. So the page frames this address, hidden, and waits for
//! the message the answer posts to the platform's origin (and to no other): `{agent, version}`.
//! The answer may be framed by the platform alone (`frame-ancestors`) and runs no script but
//! its own (a `script-src` hash).

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::Digest as _;

use super::Shared;

/// Where the hello page answers.
pub(crate) const PATH: &str = "/v1/hello";

pub(crate) async fn hello(State(agent): State<Shared>) -> Response {
    let message = serde_json::json!({
        "agent": "signet-agent",
        "version": env!("CARGO_PKG_VERSION"),
    });
    let target = serde_json::Value::String(agent.platform.clone());
    let script = format!("parent.postMessage({message},{target});");
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&script));
    let page = format!(
        "<!doctype html><meta charset=\"utf-8\"><title>signet-agent</title><script>{script}</script>"
    );
    let policy = format!(
        "default-src 'none'; script-src 'sha256-{hash}'; frame-ancestors {}",
        agent.platform
    );
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        page,
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

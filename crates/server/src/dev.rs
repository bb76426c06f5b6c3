//! Sandbox-only routes: the dev inbox (every SMS, email and captcha answer the sandbox kept, after
//! running the outbox jobs that are due) and the movable platform clock (CA staff only). The
//! router mounts these only in sandbox mode.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use signet_core::platform::providers::SandboxMessage;
use signet_core::{CoreError, PlatformError};

use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(inbox))
        .route("/clock", post(clock))
        .route("/payments/{id}", post(complete_payment))
        .route("/face/{token}", post(finish_face))
        .merge(crate::dev_regulator::routes())
}

#[derive(Deserialize)]
struct PaymentResult {
    /// `paid` or `failed`.
    result: String,
}

/// The sandbox pay page's buttons: the sandbox gateway signs a notification and delivers it
/// through the same path real gateways use.
async fn complete_payment(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    crate::api::ApiJson(body): crate::api::ApiJson<PaymentResult>,
) -> ApiResult<Response> {
    let paid = match body.result.as_str() {
        "paid" => true,
        "failed" => false,
        _ => return Err(ApiError::Malformed("result must be paid or failed".into())),
    };
    // A purchase of contract quota, or else a desk order's payment.
    if let Some(purchase) =
        signet_core::contracts::billing::purchases::sandbox_complete(&state.platform, &id, paid)
            .await?
    {
        return Ok(Json(purchase).into_response());
    }
    let payment = signet_core::desk::payments::sandbox_complete(&state.platform, &id, paid).await?;
    Ok(Json(payment).into_response())
}

#[derive(Deserialize)]
struct FaceResult {
    passed: bool,
}

/// The sandbox face-check page's pass/fail buttons.
async fn finish_face(
    State(state): State<AppState>,
    axum::extract::Path(token): axum::extract::Path<String>,
    crate::api::ApiJson(body): crate::api::ApiJson<FaceResult>,
) -> ApiResult<Response> {
    // A real-name link of the e-contract platform, or else a desk order's check.
    if let Some(state) =
        signet_core::contracts::realname::finish_face(&state.platform, &token, body.passed).await?
    {
        return Ok(Json(json!({ "real_name_state": state })).into_response());
    }
    let order_state =
        signet_core::desk::verification::finish_face(&state.platform, &token, body.passed).await?;
    Ok(Json(json!({ "order_state": order_state })).into_response())
}

#[derive(Deserialize)]
struct InboxQuery {
    to: Option<String>,
    limit: Option<i64>,
}

async fn inbox(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<InboxQuery>,
) -> ApiResult<Response> {
    let inbox = state
        .platform
        .sandbox
        .as_ref()
        .ok_or(ApiError::RouteNotFound)?;
    // The inbox shows what is due: messages still waiting in the outbox go out first, so a
    // script or test that reads it right after a request sees that request's messages.
    signet_core::platform::jobs::drain(&state.platform, &signet_core::job_handlers()).await?;
    let to = q.to.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let messages = inbox
        .list(to, q.limit.unwrap_or(200).clamp(1, 1000))
        .await?;
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if wants_html && to.is_none() {
        return Ok(Html(render(&messages)).into_response());
    }
    Ok(Json(messages).into_response())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn render(messages: &[SandboxMessage]) -> String {
    use std::fmt::Write as _;
    let mut rows = String::new();
    for m in messages {
        let channel = match m.channel.as_str() {
            "sms" => "短信",
            "email" => "邮件",
            "captcha" => "图形验证码",
            other => other,
        };
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><b>{}</b></td><td>{}</td></tr>",
            escape(&m.created_at),
            channel,
            escape(&m.to),
            escape(m.code.as_deref().unwrap_or("")),
            escape(&format!("{} {}", m.subject, m.body)),
        );
    }
    format!(
        "<!doctype html><html lang=zh-CN><meta charset=utf-8><meta name=viewport content='width=device-width'>\
         <title>沙箱收件箱 · Signet</title>\
         <style>body{{font-family:sans-serif;margin:1.5rem}}table{{border-collapse:collapse;width:100%}}\
         td,th{{border:1px solid #ddd;padding:.4rem;text-align:left;font-size:14px}}th{{background:#f5f7fa}}</style>\
         <h1>沙箱收件箱 <small>Sandbox inbox</small></h1>\
         <p>沙箱模式下，短信、邮件不会真正发出，而是保存在这里；图形验证码的答案也列在这里，便于演示和测试。</p>\
         <table><tr><th>时间 (UTC)</th><th>类型</th><th>收件人</th><th>验证码</th><th>内容</th></tr>{rows}</table></html>"
    )
}

#[derive(Deserialize)]
struct ClockRequest {
    advance_seconds: i64,
}

/// Moves the platform clock forward. Every session and code of every user is subject to it, so
/// only CA staff may move it, even in the sandbox.
async fn clock(
    State(state): State<AppState>,
    ctx: crate::session::Ctx,
    body: Result<Json<ClockRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let user = ctx
        .session()?
        .user_id
        .clone()
        .ok_or(PlatformError::NotSignedIn)?;
    let roles = signet_core::desk::roles::roles_of(&state.platform, &user).await?;
    if roles.is_empty() {
        return Err(ApiError::Core(CoreError::from(
            signet_core::desk::DeskError::StaffOnly,
        )));
    }
    let Json(body) = body?;
    if !(0..=10 * 365 * 86_400).contains(&body.advance_seconds) {
        return Err(ApiError::from(PlatformError::Invalid {
            field: "advance_seconds",
            zh: "只能向前拨动时钟，且不超过十年",
            en: "The clock only moves forward, by at most ten years",
        }));
    }
    let offset = state.platform.clock.advance(body.advance_seconds);
    Ok(Json(json!({"offset_seconds": offset})))
}

//! QR login (ACC-7): the PC page's request, its long poll and its collection; the signed-in
//! phone's view of the request and its answer.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use signet_core::platform::accounts::qr_login::{self, QrLoginRequest, QrLoginState, QrLoginView};
use signet_core::platform::waits::MAX_HOLD;
use utoipa::ToSchema;

use super::SetCookie;
use super::login::{LoginOut, signed_in};
use crate::problem::{ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct QrLoginStateOut {
    pub state: QrLoginState,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct HoldQuery {
    /// Seconds to hold while nothing changes (0–25, default 25).
    pub hold: Option<u64>,
}

impl HoldQuery {
    pub fn duration(&self) -> Duration {
        self.hold
            .map_or(MAX_HOLD, Duration::from_secs)
            .min(MAX_HOLD)
    }
}

/// A QR login request for this browser's session (two minutes, once): show `url` as a QR code.
#[utoipa::path(post, path = "/api/v1/qr-logins", tag = "accounts",
    responses((status = 201, body = QrLoginRequest), (status = 403, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> ApiResult<(StatusCode, Json<QrLoginRequest>)> {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let request =
        qr_login::create(&state.platform, ctx.session()?, &ctx.origin, user_agent).await?;
    Ok((StatusCode::CREATED, Json(request)))
}

/// Long poll: answers when the request is no longer `pending` (confirmed, refused, expired,
/// signed in), or after `hold` seconds with `pending`. Only the session that made it may ask.
#[utoipa::path(get, path = "/api/v1/qr-logins/{id}/wait", tag = "accounts", params(HoldQuery),
    responses((status = 200, body = QrLoginStateOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn wait(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(query): Query<HoldQuery>,
) -> ApiResult<Json<QrLoginStateOut>> {
    let state = qr_login::wait(&state.platform, ctx.session()?, &id, query.duration()).await?;
    Ok(Json(QrLoginStateOut { state }))
}

/// Signs this session in as the phone's user once the phone confirmed (new session cookie and
/// CSRF token).
#[utoipa::path(post, path = "/api/v1/qr-logins/{id}/complete", tag = "accounts",
    responses((status = 200, body = LoginOut), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn complete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<(SetCookie, Json<LoginOut>)> {
    let outcome = qr_login::complete(&state.platform, ctx.session()?, &ctx.origin, &id).await?;
    Ok(signed_in(&state, outcome))
}

/// What the signed-in phone is asked to confirm: the browser, its masked address, the time.
#[utoipa::path(get, path = "/api/v1/qr-scans/{secret}", tag = "accounts",
    responses((status = 200, body = QrLoginView), (status = 401, body = Problem), (status = 409, body = Problem)))]
pub async fn scan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(secret): Path<String>,
) -> ApiResult<Json<QrLoginView>> {
    Ok(Json(
        qr_login::scan(&state.platform, ctx.session()?, &secret).await?,
    ))
}

/// The phone confirms: the PC that showed the code is signed in as this user.
#[utoipa::path(post, path = "/api/v1/qr-scans/{secret}/confirm", tag = "accounts",
    responses((status = 200, body = QrLoginStateOut), (status = 401, body = Problem), (status = 409, body = Problem)))]
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(secret): Path<String>,
) -> ApiResult<Json<QrLoginStateOut>> {
    let state = qr_login::decide(&state.platform, ctx.session()?, &secret, true).await?;
    Ok(Json(QrLoginStateOut { state }))
}

/// The phone refuses: the code stops working.
#[utoipa::path(post, path = "/api/v1/qr-scans/{secret}/refuse", tag = "accounts",
    responses((status = 200, body = QrLoginStateOut), (status = 401, body = Problem), (status = 409, body = Problem)))]
pub async fn refuse(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(secret): Path<String>,
) -> ApiResult<Json<QrLoginStateOut>> {
    let state = qr_login::decide(&state.platform, ctx.session()?, &secret, false).await?;
    Ok(Json(QrLoginStateOut { state }))
}

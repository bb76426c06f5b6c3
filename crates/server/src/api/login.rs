//! Signing in and out, and resetting a forgotten password.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use signet_core::platform::accounts::{self, LoginOutcome, UserView};
use utoipa::ToSchema;

use super::{ApiJson, SetCookie, set_cookie};
use crate::problem::{ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct LoginOut {
    pub user: UserView,
    pub must_set_password: bool,
}

pub fn signed_in(state: &AppState, outcome: LoginOutcome) -> (SetCookie, Json<LoginOut>) {
    (
        set_cookie(state, Some(&outcome.session.token)),
        Json(LoginOut {
            user: outcome.user,
            must_set_password: outcome.must_set_password,
        }),
    )
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordLoginIn {
    /// Login name, phone or email.
    pub identifier: String,
    pub password: String,
    pub captcha_id: String,
    pub captcha_answer: String,
}

/// Login by name, phone or email with password and captcha. Five failures in 15 minutes lock the
/// account for 15 minutes.
#[utoipa::path(post, path = "/api/v1/login/password", tag = "accounts", request_body = PasswordLoginIn,
    responses((status = 200, body = LoginOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 423, body = Problem)))]
pub async fn by_password(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<PasswordLoginIn>,
) -> ApiResult<(SetCookie, Json<LoginOut>)> {
    let outcome = accounts::login_password(
        &state.platform,
        ctx.session()?,
        &ctx.origin,
        &body.identifier,
        &body.password,
        &body.captcha_id,
        &body.captcha_answer,
    )
    .await?;
    Ok(signed_in(&state, outcome))
}

#[derive(Deserialize, ToSchema)]
pub struct SmsLoginIn {
    pub phone: String,
    pub sms_code: String,
}

/// Login by SMS code; an unknown phone is registered on the spot and must set a password.
#[utoipa::path(post, path = "/api/v1/login/sms", tag = "accounts", request_body = SmsLoginIn,
    responses((status = 200, body = LoginOut), (status = 400, body = Problem), (status = 423, body = Problem)))]
pub async fn by_sms(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<SmsLoginIn>,
) -> ApiResult<(SetCookie, Json<LoginOut>)> {
    let outcome = accounts::login_sms(
        &state.platform,
        ctx.session()?,
        &ctx.origin,
        &body.phone,
        &body.sms_code,
    )
    .await?;
    Ok(signed_in(&state, outcome))
}

/// Ends the session and clears its cookie.
#[utoipa::path(post, path = "/api/v1/logout", tag = "accounts", responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> ApiResult<(StatusCode, SetCookie)> {
    accounts::logout(&state.platform, ctx.session()?, &ctx.origin).await?;
    Ok((StatusCode::NO_CONTENT, set_cookie(&state, None)))
}

#[derive(Deserialize, ToSchema)]
pub struct ResetPasswordIn {
    pub phone: String,
    pub sms_code: String,
    pub new_password: String,
}

/// Forgotten password: phone, SMS code, new password. Signs out every session of the account.
#[utoipa::path(post, path = "/api/v1/password/reset", tag = "accounts", request_body = ResetPasswordIn,
    responses((status = 204), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<ResetPasswordIn>,
) -> ApiResult<StatusCode> {
    accounts::reset_password(
        &state.platform,
        &ctx.origin,
        &body.phone,
        &body.sms_code,
        &body.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

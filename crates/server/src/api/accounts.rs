//! Registration: step 1 proves the phone, step 2 creates the account and signs it in.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use signet_core::platform::accounts::{self, RegisterInput, UserView};
use utoipa::ToSchema;

use super::{ApiJson, SetCookie, set_cookie};
use crate::problem::{ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct VerifyPhoneIn {
    pub phone: String,
    pub sms_code: String,
    #[serde(default)]
    pub agree: bool,
}

#[derive(Serialize, ToSchema)]
pub struct VerifyPhoneOut {
    pub phone_masked: String,
}

/// Registration step 1: phone, SMS code and consent to the agreement.
#[utoipa::path(post, path = "/api/v1/register/phone", tag = "accounts", request_body = VerifyPhoneIn,
    responses((status = 200, body = VerifyPhoneOut), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn verify_phone(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<VerifyPhoneIn>,
) -> ApiResult<Json<VerifyPhoneOut>> {
    let phone_masked = accounts::verify_registration_phone(
        &state.platform,
        ctx.session()?,
        &body.phone,
        &body.sms_code,
        body.agree,
    )
    .await?;
    Ok(Json(VerifyPhoneOut { phone_masked }))
}

#[derive(Deserialize, ToSchema)]
pub struct RegisterIn {
    pub login_name: String,
    pub real_name: String,
    pub email: String,
    pub password: String,
}

/// Registration step 2: the account, signed in on a fresh session.
#[utoipa::path(post, path = "/api/v1/register", tag = "accounts", request_body = RegisterIn,
    responses((status = 201, body = UserView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<RegisterIn>,
) -> ApiResult<(StatusCode, SetCookie, Json<UserView>)> {
    let input = RegisterInput {
        login_name: body.login_name,
        real_name: body.real_name,
        email: body.email,
        password: body.password,
    };
    let (user, session) =
        accounts::register(&state.platform, ctx.session()?, &ctx.origin, &input).await?;
    Ok((
        StatusCode::CREATED,
        set_cookie(&state, Some(&session.token)),
        Json(user),
    ))
}

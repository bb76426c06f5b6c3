//! Certificate login (LIFE-8, ACC-3): bind a token certificate to the account by signing a
//! challenge through the key agent, then log in by signing a fresh one; unbind.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use signet_core::desk::cert_login::{self, Challenge};
use utoipa::ToSchema;

use super::desk::user_id;
use super::login::{LoginOut, signed_in};
use super::{ApiJson, SetCookie};
use crate::problem::{ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct SignedChallengeIn {
    pub challenge_id: String,
    /// The token's certificate, base64 DER or PEM.
    pub certificate: String,
    /// The token's signature over the challenge's UTF-8 bytes, base64.
    pub signature: String,
}

/// A one-time challenge to sign for certificate login (5 minutes).
#[utoipa::path(post, path = "/api/v1/login/certificate/challenge", tag = "accounts",
    responses((status = 200, body = Challenge)))]
pub async fn login_challenge(State(state): State<AppState>) -> ApiResult<Json<Challenge>> {
    Ok(Json(
        cert_login::challenge(&state.platform, "login", None).await?,
    ))
}

/// Logs in with a bound certificate that signed the challenge.
#[utoipa::path(post, path = "/api/v1/login/certificate", tag = "accounts", request_body = SignedChallengeIn,
    responses((status = 200, body = LoginOut), (status = 400, body = Problem), (status = 423, body = Problem)))]
pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<SignedChallengeIn>,
) -> ApiResult<(SetCookie, Json<LoginOut>)> {
    let outcome = cert_login::login(
        &state.platform,
        ctx.session()?,
        &ctx.origin,
        &body.challenge_id,
        &body.certificate,
        &body.signature,
    )
    .await?;
    Ok(signed_in(&state, outcome))
}

/// A one-time challenge to sign for binding a certificate to the signed-in account.
#[utoipa::path(post, path = "/api/v1/me/certificates/challenge", tag = "user-center",
    responses((status = 200, body = Challenge), (status = 401, body = Problem)))]
pub async fn bind_challenge(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Challenge>> {
    let user = user_id(&ctx)?;
    Ok(Json(
        cert_login::challenge(&state.platform, "bind", Some(&user)).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct BindingsOut {
    pub serials: Vec<String>,
}

/// Binds the certificate that signed the challenge.
#[utoipa::path(post, path = "/api/v1/me/certificates", tag = "user-center", request_body = SignedChallengeIn,
    responses((status = 201, body = BindingsOut), (status = 400, body = Problem)))]
pub async fn bind(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<SignedChallengeIn>,
) -> ApiResult<(StatusCode, Json<BindingsOut>)> {
    let user = user_id(&ctx)?;
    cert_login::bind(
        &state.platform,
        &user,
        &body.challenge_id,
        &body.certificate,
        &body.signature,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(BindingsOut {
            serials: cert_login::bindings(&state.platform, &user).await?,
        }),
    ))
}

/// The certificates bound to the account.
#[utoipa::path(get, path = "/api/v1/me/certificates", tag = "user-center",
    responses((status = 200, body = BindingsOut)))]
pub async fn bindings(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<BindingsOut>> {
    let user = user_id(&ctx)?;
    Ok(Json(BindingsOut {
        serials: cert_login::bindings(&state.platform, &user).await?,
    }))
}

/// Unbinds a certificate.
#[utoipa::path(delete, path = "/api/v1/me/certificates/{serial}", tag = "user-center",
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn unbind(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(serial): Path<String>,
) -> ApiResult<StatusCode> {
    let user = user_id(&ctx)?;
    cert_login::unbind(&state.platform, &user, &serial).await?;
    Ok(StatusCode::NO_CONTENT)
}

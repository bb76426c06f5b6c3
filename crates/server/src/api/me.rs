//! The user center: profile, password, login name, email, phone and avatar.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use signet_core::PlatformError;
use signet_core::platform::accounts::fields::AVATAR_FIELD;
use signet_core::platform::accounts::{self, UserView, find_by_id};
use utoipa::ToSchema;

use super::ApiJson;
use crate::problem::{ApiError, ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

/// The signed-in user, personal data masked.
#[utoipa::path(get, path = "/api/v1/me", tag = "user-center",
    responses((status = 200, body = UserView), (status = 401, body = Problem)))]
pub async fn show(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<UserView>> {
    let user_id = ctx
        .session()?
        .user_id
        .clone()
        .ok_or(PlatformError::NotSignedIn)?;
    let user = find_by_id(&state.platform, &user_id)
        .await?
        .ok_or(PlatformError::NotSignedIn)?;
    Ok(Json(user.view()))
}

#[derive(Deserialize, ToSchema)]
pub struct InitialPasswordIn {
    pub password: String,
}

/// Sets the first password of an account made by SMS quick registration.
#[utoipa::path(post, path = "/api/v1/me/password/initial", tag = "user-center", request_body = InitialPasswordIn,
    responses((status = 204), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn set_initial_password(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<InitialPasswordIn>,
) -> ApiResult<StatusCode> {
    accounts::set_initial_password(&state.platform, ctx.session()?, &ctx.origin, &body.password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct ChangePasswordIn {
    pub old_password: String,
    pub new_password: String,
}

/// Changes the password; other sessions of the account are signed out.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "user-center", request_body = ChangePasswordIn,
    responses((status = 204), (status = 400, body = Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<ChangePasswordIn>,
) -> ApiResult<StatusCode> {
    accounts::change_password(
        &state.platform,
        ctx.session()?,
        &ctx.origin,
        &body.old_password,
        &body.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct LoginNameIn {
    pub login_name: String,
}

#[utoipa::path(put, path = "/api/v1/me/login-name", tag = "user-center", request_body = LoginNameIn,
    responses((status = 200, body = UserView), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn change_login_name(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<LoginNameIn>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(
        accounts::change_login_name(
            &state.platform,
            ctx.session()?,
            &ctx.origin,
            &body.login_name,
        )
        .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct EmailIn {
    pub email: String,
}

#[utoipa::path(put, path = "/api/v1/me/email", tag = "user-center", request_body = EmailIn,
    responses((status = 200, body = UserView), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn change_email(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<EmailIn>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(
        accounts::change_email(&state.platform, ctx.session()?, &ctx.origin, &body.email).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct SmsCodeOnlyIn {
    pub sms_code: String,
}

/// Phone change, step 1: the code sent to the current phone (purpose `change_phone_old`).
#[utoipa::path(post, path = "/api/v1/me/phone/verify-old", tag = "user-center", request_body = SmsCodeOnlyIn,
    responses((status = 204), (status = 400, body = Problem)))]
pub async fn verify_old_phone(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<SmsCodeOnlyIn>,
) -> ApiResult<StatusCode> {
    accounts::verify_old_phone(&state.platform, ctx.session()?, &body.sms_code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct NewPhoneIn {
    pub phone: String,
    pub sms_code: String,
}

/// Phone change, step 2: the new phone and its code (purpose `change_phone_new`).
#[utoipa::path(put, path = "/api/v1/me/phone", tag = "user-center", request_body = NewPhoneIn,
    responses((status = 200, body = UserView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn change_phone(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<NewPhoneIn>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(
        accounts::change_phone(
            &state.platform,
            ctx.session()?,
            &ctx.origin,
            &body.phone,
            &body.sms_code,
        )
        .await?,
    ))
}

fn multipart_error(error: &axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::from(PlatformError::TooLarge {
            field: AVATAR_FIELD,
            limit: accounts::AVATAR_LIMIT,
        })
    } else {
        ApiError::Malformed(error.body_text())
    }
}

/// Uploads an avatar: multipart field `avatar`, PNG, JPEG or GIF by content, at most 2 MiB.
#[utoipa::path(post, path = "/api/v1/me/avatar", tag = "user-center",
    request_body(content_type = "multipart/form-data", description = "field `avatar`"),
    responses((status = 200, body = UserView), (status = 400, body = Problem), (status = 413, body = Problem)))]
pub async fn upload_avatar(
    State(state): State<AppState>,
    ctx: Ctx,
    mut multipart: Multipart,
) -> ApiResult<Json<UserView>> {
    let session = ctx.session()?;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e))?
    {
        if field.name() == Some(AVATAR_FIELD) {
            let bytes = field.bytes().await.map_err(|e| multipart_error(&e))?;
            return Ok(Json(
                accounts::set_avatar(&state.platform, session, &ctx.origin, &bytes).await?,
            ));
        }
    }
    Err(ApiError::from(PlatformError::ImageUnsupported {
        field: AVATAR_FIELD,
    }))
}

/// The signed-in user's avatar image.
#[utoipa::path(get, path = "/api/v1/me/avatar", tag = "user-center",
    responses((status = 200, content_type = "image/png"), (status = 404, body = Problem)))]
pub async fn avatar(State(state): State<AppState>, ctx: Ctx) -> ApiResult<impl IntoResponse> {
    let avatar = accounts::avatar(&state.platform, ctx.session()?).await?;
    Ok((
        [
            (header::CONTENT_TYPE, avatar.content_type),
            (header::CACHE_CONTROL, "private, max-age=60".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        avatar.bytes,
    ))
}

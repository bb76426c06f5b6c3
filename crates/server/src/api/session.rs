//! The session (with its CSRF token), graphic captchas and SMS codes.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use signet_core::platform::accounts::{UserView, find_by_id};
use signet_core::platform::captcha::{self, IssuedCaptcha};
use signet_core::platform::sessions;
use signet_core::platform::sms_codes::{Purpose, SentCode};
use utoipa::ToSchema;

use super::{ApiJson, SetCookie, set_cookie};
use crate::problem::{ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct SessionOut {
    pub csrf_token: String,
    pub user: Option<UserView>,
    pub must_set_password: bool,
}

/// The current session; starts an anonymous one (and sets its cookie) when there is none.
#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses((status = 200, body = SessionOut)))]
pub async fn current(
    State(state): State<AppState>,
    ctx: Ctx,
) -> ApiResult<(Option<SetCookie>, Json<SessionOut>)> {
    let (session, cookie) = if let Some(session) = ctx.session {
        (session, None)
    } else {
        let fresh = sessions::create(&state.platform, None, &ctx.origin.ip).await?;
        (fresh.session, Some(set_cookie(&state, Some(&fresh.token))))
    };
    let user = match &session.user_id {
        Some(id) => find_by_id(&state.platform, id).await?,
        None => None,
    };
    let must_set_password = user.as_ref().is_some_and(|u| u.password_hash.is_none());
    Ok((
        cookie,
        Json(SessionOut {
            csrf_token: session.csrf_token,
            user: user.map(|u| u.view()),
            must_set_password,
        }),
    ))
}

/// A new graphic captcha (single use, five minutes).
#[utoipa::path(post, path = "/api/v1/captcha", tag = "session",
    responses((status = 200, body = IssuedCaptcha), (status = 403, body = Problem)))]
pub async fn captcha(State(state): State<AppState>) -> ApiResult<Json<IssuedCaptcha>> {
    Ok(Json(captcha::issue(&state.platform).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct SmsCodeIn {
    #[serde(default)]
    pub phone: String,
    pub purpose: Purpose,
    pub captcha_id: String,
    pub captcha_answer: String,
}

/// Sends a 6-digit SMS code after the captcha passes.
#[utoipa::path(post, path = "/api/v1/sms-codes", tag = "session", request_body = SmsCodeIn,
    responses((status = 200, body = SentCode), (status = 400, body = Problem), (status = 409, body = Problem), (status = 429, body = Problem)))]
pub async fn sms_code(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<SmsCodeIn>,
) -> ApiResult<Json<SentCode>> {
    let session = ctx.session()?;
    let sent = signet_core::platform::accounts::send_code(
        &state.platform,
        session,
        &body.phone,
        body.purpose,
        &body.captcha_id,
        &body.captcha_answer,
    )
    .await?;
    Ok(Json(sent))
}

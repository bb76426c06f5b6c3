//! `/api/v1`: routes, the JSON extractor whose rejections become problem+json, and the OpenAPI
//! document generated from the handlers' annotations.

mod accounts;
mod login;
mod me;
mod session;

use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{get, post, put};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

use crate::problem::ApiError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/session", get(session::current))
        .route("/captcha", post(session::captcha))
        .route("/sms-codes", post(session::sms_code))
        .route("/register/phone", post(accounts::verify_phone))
        .route("/register", post(accounts::register))
        .route("/login/password", post(login::by_password))
        .route("/login/sms", post(login::by_sms))
        .route("/logout", post(login::logout))
        .route("/password/reset", post(login::reset_password))
        .route("/me", get(me::show))
        .route("/me/password/initial", post(me::set_initial_password))
        .route("/me/password", put(me::change_password))
        .route("/me/login-name", put(me::change_login_name))
        .route("/me/email", put(me::change_email))
        .route("/me/phone/verify-old", post(me::verify_old_phone))
        .route("/me/phone", put(me::change_phone))
        .route("/me/avatar", post(me::upload_avatar).get(me::avatar))
}

/// A JSON body whose rejection (bad syntax, wrong types, missing fields) is a problem+json 400.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<T>::from_request(request, state).await?;
        Ok(Self(value))
    }
}

/// The `Set-Cookie` header that carries a new session (or clears it).
pub type SetCookie = [(HeaderName, HeaderValue); 1];

pub fn set_cookie(state: &AppState, token: Option<&str>) -> SetCookie {
    [(header::SET_COOKIE, crate::session::set_cookie(state, token))]
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Signet API",
        description = "Accounts and sessions of the Signet certificate and e-contract platform. \
                       Every state-changing request carries the session's CSRF token in X-CSRF-Token; \
                       errors are RFC 9457 problem+json with a stable code."
    ),
    paths(
        session::current, session::captcha, session::sms_code,
        accounts::verify_phone, accounts::register,
        login::by_password, login::by_sms, login::logout, login::reset_password,
        me::show, me::set_initial_password, me::change_password, me::change_login_name,
        me::change_email, me::verify_old_phone, me::change_phone, me::upload_avatar, me::avatar,
    ),
    tags((name = "session"), (name = "accounts"), (name = "user-center"))
)]
struct ApiDoc;

/// The OpenAPI document as JSON.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

async fn openapi() -> impl axum::response::IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json())
}

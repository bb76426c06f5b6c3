//! `/api/v1`: routes and the OpenAPI document from one list, and the JSON extractor whose
//! rejections become problem+json.

mod accounts;
mod agent;
mod cert_login;
mod certificate_detail;
mod certificates;
mod contracts;
mod desk;
mod files;
mod gateway_notify;
mod jobs;
mod login;
mod me;
mod qr_login;
mod regulator;
mod session;
mod staff;
mod station;
mod verify;
mod verify_page;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::{HeaderName, HeaderValue, header};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;

use crate::problem::ApiError;
use crate::state::AppState;

/// `/api/v1` for the application's router (mounted at the root: the paths are absolute).
pub fn routes() -> Router<AppState> {
    api().split_for_parts().0
}

/// The OpenAPI document of the same routes.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

/// Every route with its OpenAPI description, declared once: `routes!` registers a handler on the
/// method and path of its `#[utoipa::path]` and adds that operation to the document, so the two
/// cannot drift. Add routes only this way (the route test checks this).
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(openapi))
        .merge(account_routes())
        .merge(desk_routes())
        .merge(staff_routes())
        .merge(certificate_routes())
        .merge(jobs::routes())
        .merge(regulator::routes())
        .merge(contracts::routes())
        .merge(verify::routes())
        .merge(verify_page::routes())
        .routes(routes!(agent::releases))
}

/// Sessions, registration, sign-in and the user centre.
fn account_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(session::current))
        .routes(routes!(session::captcha))
        .routes(routes!(session::sms_code))
        .routes(routes!(accounts::verify_phone))
        .routes(routes!(accounts::register))
        .routes(routes!(login::by_password))
        .routes(routes!(login::by_sms))
        .routes(routes!(login::logout))
        .routes(routes!(login::reset_password))
        .routes(routes!(qr_login::create))
        .routes(routes!(qr_login::wait))
        .routes(routes!(qr_login::complete))
        .routes(routes!(qr_login::scan))
        .routes(routes!(qr_login::confirm))
        .routes(routes!(qr_login::refuse))
        .routes(routes!(me::show))
        .routes(routes!(me::set_initial_password))
        .routes(routes!(me::change_password))
        .routes(routes!(me::change_login_name))
        .routes(routes!(me::change_email))
        .routes(routes!(me::verify_old_phone))
        .routes(routes!(me::change_phone))
        .routes(routes!(me::upload_avatar, me::avatar))
}

/// The holder's certificates, unlock and certificate login.
fn certificate_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(certificates::list))
        .routes(routes!(certificate_detail::detail))
        .routes(routes!(certificate_detail::download))
        .routes(routes!(cert_login::login_challenge))
        .routes(routes!(cert_login::login))
        .routes(routes!(cert_login::bind_challenge))
        .routes(routes!(cert_login::bind, cert_login::bindings))
        .routes(routes!(cert_login::unbind))
        .routes(routes!(certificates::revocation_code))
        .routes(routes!(certificates::revoke))
        .routes(routes!(certificates::open_business))
        .routes(routes!(certificates::key_update))
        .routes(routes!(certificates::unlock_code))
        .routes(routes!(certificates::unlock_authorisation))
        .routes(routes!(certificates::redeem_unlock))
        .routes(routes!(certificates::confirm_unlock))
        .routes(routes!(certificates::cloud_code))
        .routes(routes!(certificates::cloud_pin))
        .routes(routes!(certificates::cloud_sign))
        .routes(routes!(certificates::order_unlock_authorisation))
}

/// The applicant's side of the registration desk.
fn desk_routes() -> OpenApiRouter<AppState> {
    let uploads = DefaultBodyLimit::max(desk::MAX_UPLOAD + 64 * 1024);
    OpenApiRouter::new()
        .routes(routes!(desk::catalog_list))
        .routes(routes!(desk::catalog_one))
        .routes(routes!(desk::create, desk::list))
        .routes(routes!(desk::show))
        .routes(routes!(desk::save_form))
        .routes(routes!(desk::update_shipping))
        .routes(routes!(desk::upload_material).layer(uploads))
        .routes(routes!(desk::upload_link))
        .routes(routes!(desk::mobile_upload_info, desk::mobile_upload).layer(uploads))
        .routes(routes!(desk::my_materials))
        .routes(routes!(desk::material))
        .routes(routes!(desk::signing_code))
        .routes(routes!(desk::submit))
        .routes(routes!(desk::start_verification))
        .routes(routes!(desk::confirm_deposit))
        .routes(routes!(desk::offline))
        .routes(routes!(desk::application_form))
        .routes(routes!(desk::authorisation_letter))
        .routes(routes!(desk::invoice))
        .routes(routes!(desk::pay, desk::payments_of))
        .routes(routes!(desk::cancel))
        .routes(routes!(desk::refund))
        .routes(routes!(desk::certificates))
        .routes(routes!(desk::payment_notify))
        .routes(routes!(gateway_notify::wechat))
        .routes(routes!(gateway_notify::alipay))
}

/// The staff console.
fn staff_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(staff::my_roles))
        .routes(routes!(staff::queue))
        .routes(routes!(staff::order))
        .routes(routes!(staff::approve))
        .routes(routes!(staff::reject))
        .routes(routes!(staff::ship))
        .routes(routes!(station::plan, station::produce))
        .routes(routes!(staff::refund))
        .routes(routes!(staff::material))
        .routes(routes!(staff::revoke))
        .routes(routes!(staff::catalog))
        .routes(routes!(staff::save_project))
        .routes(routes!(staff::save_product))
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
    tags((name = "session"), (name = "accounts"), (name = "user-center"), (name = "desk"), (name = "staff"), (name = "certificates"), (name = "jobs"), (name = "verify"))
)]
struct ApiDoc;

/// The OpenAPI document as JSON.
pub fn openapi_json() -> String {
    openapi_document().to_pretty_json().unwrap_or_default()
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "session",
    responses((status = 200, content_type = "application/json", description = "OpenAPI 3.1")))]
async fn openapi() -> impl axum::response::IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json())
}

//! `/api/v1`: routes, the JSON extractor whose rejections become problem+json, and the OpenAPI
//! document generated from the handlers' annotations.

mod accounts;
mod cert_login;
mod certificates;
mod desk;
mod jobs;
mod login;
mod me;
mod session;
mod staff;

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
        .merge(desk_routes())
        .merge(certificate_routes())
        .merge(jobs::routes())
}

/// The holder's certificates, unlock and certificate login.
fn certificate_routes() -> Router<AppState> {
    Router::new()
        .route("/certificates", get(certificates::list))
        .route(
            "/login/certificate/challenge",
            post(cert_login::login_challenge),
        )
        .route("/login/certificate", post(cert_login::login))
        .route(
            "/me/certificates/challenge",
            post(cert_login::bind_challenge),
        )
        .route(
            "/me/certificates",
            post(cert_login::bind).get(cert_login::bindings),
        )
        .route(
            "/me/certificates/{serial}",
            axum::routing::delete(cert_login::unbind),
        )
        .route(
            "/certificates/{serial}/revocation-code",
            post(certificates::revocation_code),
        )
        .route("/certificates/{serial}/revoke", post(certificates::revoke))
        .route(
            "/certificates/{serial}/orders",
            post(certificates::open_business),
        )
        .route("/orders/{id}/key-update", post(certificates::key_update))
        .route(
            "/certificates/{serial}/unlock-code",
            post(certificates::unlock_code),
        )
        .route(
            "/certificates/{serial}/unlock-authorisation",
            post(certificates::unlock_authorisation),
        )
        .route("/token-unlock/{code}", post(certificates::redeem_unlock))
        .route(
            "/certificates/{serial}/cloud-code",
            post(certificates::cloud_code),
        )
        .route(
            "/certificates/{serial}/cloud-pin",
            put(certificates::cloud_pin),
        )
        .route(
            "/certificates/{serial}/cloud-sign",
            post(certificates::cloud_sign),
        )
        .route(
            "/orders/{id}/unlock-authorisation",
            post(certificates::order_unlock_authorisation),
        )
}

fn desk_routes() -> Router<AppState> {
    use axum::extract::DefaultBodyLimit;
    let uploads = DefaultBodyLimit::max(desk::MAX_UPLOAD + 64 * 1024);
    Router::new()
        .route("/catalog", get(desk::catalog_list))
        .route("/catalog/{code}", get(desk::catalog_one))
        .route("/orders", post(desk::create).get(desk::list))
        .route("/orders/{id}", get(desk::show))
        .route("/orders/{id}/form", put(desk::save_form))
        .route("/orders/{id}/shipping", put(desk::update_shipping))
        .route(
            "/orders/{id}/materials",
            post(desk::upload_material).layer(uploads),
        )
        .route("/orders/{id}/upload-links", post(desk::upload_link))
        .route(
            "/mobile-upload/{token}",
            get(desk::mobile_upload_info)
                .post(desk::mobile_upload)
                .layer(uploads),
        )
        .route("/materials", get(desk::my_materials))
        .route("/materials/{id}", get(desk::material))
        .route("/orders/{id}/signing-code", post(desk::signing_code))
        .route("/orders/{id}/submit", post(desk::submit))
        .route("/orders/{id}/verifications", post(desk::start_verification))
        .route(
            "/orders/{id}/verifications/{vid}/deposit",
            post(desk::confirm_deposit),
        )
        .route("/orders/{id}/offline", post(desk::offline))
        .route(
            "/orders/{id}/application-form.pdf",
            get(desk::application_form),
        )
        .route(
            "/orders/{id}/authorisation-letter.pdf",
            get(desk::authorisation_letter),
        )
        .route("/orders/{id}/invoice.pdf", get(desk::invoice))
        .route(
            "/orders/{id}/payments",
            post(desk::pay).get(desk::payments_of),
        )
        .route("/orders/{id}/cancel", post(desk::cancel))
        .route("/orders/{id}/refund", post(desk::refund))
        .route("/orders/{id}/certificates", get(desk::certificates))
        .route("/payments/notify", post(desk::payment_notify))
        .route("/staff/roles", get(staff::my_roles))
        .route("/staff/orders", get(staff::queue))
        .route("/staff/orders/{id}", get(staff::order))
        .route("/staff/orders/{id}/approve", post(staff::approve))
        .route("/staff/orders/{id}/reject", post(staff::reject))
        .route("/staff/orders/{id}/ship", post(staff::ship))
        .route("/staff/orders/{id}/refund", post(staff::refund))
        .route("/staff/materials/{id}", get(staff::material))
        .route("/staff/certificates/{serial}/revoke", post(staff::revoke))
        .route("/staff/catalog/projects", put(staff::save_project))
        .route(
            "/staff/catalog/projects/{id}/products",
            put(staff::save_product),
        )
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
        desk::catalog_list, desk::catalog_one, desk::create, desk::list, desk::show, desk::save_form,
        desk::update_shipping, desk::upload_material, desk::my_materials, desk::material,
        desk::upload_link, desk::mobile_upload_info, desk::mobile_upload, desk::signing_code,
        desk::submit, desk::start_verification, desk::confirm_deposit, desk::offline,
        desk::application_form, desk::authorisation_letter, desk::invoice, desk::pay,
        desk::payments_of, desk::payment_notify, desk::cancel, desk::refund, desk::certificates,
        staff::my_roles, staff::queue, staff::order, staff::material, staff::approve, staff::reject,
        staff::ship, staff::refund, staff::save_project, staff::save_product, staff::revoke,
        certificates::list, certificates::revocation_code, certificates::revoke,
        certificates::open_business, certificates::key_update, certificates::unlock_code,
        certificates::unlock_authorisation, certificates::redeem_unlock,
        certificates::order_unlock_authorisation, certificates::cloud_code, certificates::cloud_pin,
        certificates::cloud_sign,
        cert_login::login_challenge, cert_login::login, cert_login::bind_challenge,
        cert_login::bind, cert_login::bindings, cert_login::unbind,
    ),
    tags((name = "session"), (name = "accounts"), (name = "user-center"), (name = "desk"), (name = "staff"), (name = "certificates"))
)]
struct ApiDoc;

/// The OpenAPI document as JSON.
pub fn openapi_json() -> String {
    let mut doc = ApiDoc::openapi();
    doc.merge(jobs::JobsDoc::openapi());
    doc.to_pretty_json().unwrap_or_default()
}

async fn openapi() -> impl axum::response::IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json())
}

//! The applicant's orders: opening, the wizard's form, signing and submitting, printouts,
//! cancelling, and the certificates an order produced.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use signet_core::ca::CertificateInfo;
use signet_core::desk::catalog::{self, Business};
use signet_core::desk::orders::{
    self, ApplicationForm, OrderDetail, OrderFilter, OrderLine, Shipping, SubmitInput,
};
use signet_core::desk::{printouts, production};
use signet_core::platform::sms_codes::SentCode;
use utoipa::ToSchema;

use super::{detail_of, my_order, pdf, user_id};
use crate::api::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct NewOrderIn {
    pub product_id: String,
    /// `new` (default), `renewal`, `change`, `reissue` or `unlock`.
    #[serde(default)]
    pub kind: Option<Business>,
}

/// Opens an order for a product (drafting).
#[utoipa::path(post, path = "/api/v1/orders", tag = "desk", request_body = NewOrderIn,
    responses((status = 201, body = OrderDetail), (status = 404, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<NewOrderIn>,
) -> ApiResult<impl IntoResponse> {
    let order = orders::create(
        &state.platform,
        &user_id(&ctx)?,
        &body.product_id,
        body.kind.unwrap_or(Business::New),
    )
    .await?;
    Ok((StatusCode::CREATED, detail_of(&state, &order).await?))
}

/// The user's orders: unfinished (default) or finished, with filters.
#[utoipa::path(get, path = "/api/v1/orders", tag = "desk", params(OrderFilter),
    responses((status = 200, body = [OrderLine])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(filter): Query<OrderFilter>,
) -> ApiResult<Json<Vec<OrderLine>>> {
    Ok(Json(
        orders::list_for_user(&state.platform, &user_id(&ctx)?, &filter).await?,
    ))
}

/// One order with its form, checks, certificates and history.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "desk",
    responses((status = 200, body = OrderDetail), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderDetail>> {
    let order = my_order(&state, &ctx, &id).await?;
    detail_of(&state, &order).await
}

/// Saves the wizard's form (any step); the price is recomputed.
#[utoipa::path(put, path = "/api/v1/orders/{id}/form", tag = "desk", request_body = ApplicationForm,
    responses((status = 200, body = OrderDetail), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn save_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<ApplicationForm>,
) -> ApiResult<Json<OrderDetail>> {
    let order = my_order(&state, &ctx, &id).await?;
    let actor = format!("user:{}", order.user_id);
    let order = orders::save_form(&state.platform, &order, form, &actor).await?;
    detail_of(&state, &order).await
}

/// Changes the shipping address until a tracking number exists.
#[utoipa::path(put, path = "/api/v1/orders/{id}/shipping", tag = "desk", request_body = Shipping,
    responses((status = 200, body = OrderDetail), (status = 409, body = Problem)))]
pub async fn update_shipping(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(shipping): ApiJson<Shipping>,
) -> ApiResult<Json<OrderDetail>> {
    let order = my_order(&state, &ctx, &id).await?;
    let order = orders::update_shipping(&state.platform, &order, shipping).await?;
    detail_of(&state, &order).await
}

#[derive(Deserialize, ToSchema)]
pub struct SigningCodeIn {
    /// Send the authorisation code to the legal representative instead of the operator.
    #[serde(default)]
    pub legal_rep: bool,
    /// A solved graphic captcha (`POST /captcha`), spent by this request.
    #[serde(default)]
    pub captcha_id: String,
    #[serde(default)]
    pub captcha_answer: String,
}

/// Sends the application-signing SMS code (APP-10) after the captcha passes.
#[utoipa::path(post, path = "/api/v1/orders/{id}/signing-code", tag = "desk", request_body = SigningCodeIn,
    responses((status = 200, body = SentCode), (status = 400, body = Problem), (status = 429, body = Problem)))]
pub async fn signing_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SigningCodeIn>,
) -> ApiResult<Json<SentCode>> {
    let order = my_order(&state, &ctx, &id).await?;
    Ok(Json(
        orders::send_signing_code(
            &state.platform,
            &order,
            body.legal_rep,
            &body.captcha_id,
            &body.captcha_answer,
        )
        .await?,
    ))
}

/// Signs and submits the application; identity checks start.
#[utoipa::path(post, path = "/api/v1/orders/{id}/submit", tag = "desk", request_body = SubmitInput,
    responses((status = 200, body = OrderDetail), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SubmitInput>,
) -> ApiResult<Json<OrderDetail>> {
    let order = my_order(&state, &ctx, &id).await?;
    let order = orders::submit(&state.platform, &order, &body, &ctx.origin).await?;
    detail_of(&state, &order).await
}

/// The printable application form (offline mail flow).
#[utoipa::path(get, path = "/api/v1/orders/{id}/application-form.pdf", tag = "desk",
    responses((status = 200, content_type = "application/pdf")))]
pub async fn application_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let order = my_order(&state, &ctx, &id).await?;
    let product = catalog::product(&state.platform, &order.product_id).await?;
    let bytes = printouts::application_form(&order, &product)?;
    Ok(pdf(bytes, &format!("application-{}.pdf", order.number)))
}

/// The authorisation letter, prefilled.
#[utoipa::path(get, path = "/api/v1/orders/{id}/authorisation-letter.pdf", tag = "desk",
    responses((status = 200, content_type = "application/pdf")))]
pub async fn authorisation_letter(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let order = my_order(&state, &ctx, &id).await?;
    let bytes = printouts::authorisation_letter(&order)?;
    Ok(pdf(bytes, &format!("authorisation-{}.pdf", order.number)))
}

/// Cancels an unpaid order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "desk",
    responses((status = 200, body = OrderDetail), (status = 409, body = Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderDetail>> {
    let order = my_order(&state, &ctx, &id).await?;
    let actor = format!("user:{}", order.user_id);
    let order = orders::cancel(&state.platform, &order, &actor).await?;
    detail_of(&state, &order).await
}

/// The certificates an order produced, with their chains (PEM).
#[utoipa::path(get, path = "/api/v1/orders/{id}/certificates", tag = "desk",
    responses((status = 200, body = [CertificateInfo])))]
pub async fn certificates(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<CertificateInfo>>> {
    let order = my_order(&state, &ctx, &id).await?;
    Ok(Json(
        production::certificates(&state.platform, &order.id).await?,
    ))
}

//! Payments: opening one, the gateway's notification, the invoice and refunds.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use signet_core::desk::invoices;
use signet_core::desk::orders::{self, OrderDetail};
use signet_core::desk::payments::{self, Channel, Payment};
use utoipa::ToSchema;

use super::{detail_of, my_order, pdf};
use crate::api::ApiJson;
use crate::problem::{ApiError, ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

/// The order's e-invoice.
#[utoipa::path(get, path = "/api/v1/orders/{id}/invoice.pdf", tag = "desk",
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = Problem)))]
pub async fn invoice(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let order = my_order(&state, &ctx, &id).await?;
    let bytes = invoices::pdf(&state.platform, &order.id).await?;
    Ok(pdf(bytes, &format!("invoice-{}.pdf", order.number)))
}

#[derive(Deserialize, ToSchema)]
pub struct PayIn {
    pub channel: Channel,
}

/// Opens a payment (WeChat Pay or Alipay QR code).
#[utoipa::path(post, path = "/api/v1/orders/{id}/payments", tag = "desk", request_body = PayIn,
    responses((status = 201, body = Payment), (status = 409, body = Problem)))]
pub async fn pay(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PayIn>,
) -> ApiResult<impl IntoResponse> {
    let order = my_order(&state, &ctx, &id).await?;
    let payment = payments::create(&state.platform, &order, body.channel).await?;
    Ok((StatusCode::CREATED, Json(payment)))
}

/// The order's payments.
#[utoipa::path(get, path = "/api/v1/orders/{id}/payments", tag = "desk",
    responses((status = 200, body = [Payment])))]
pub async fn payments_of(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Payment>>> {
    let order = my_order(&state, &ctx, &id).await?;
    Ok(Json(payments::list(&state.platform, &order.id).await?))
}

/// A payment gateway's signed notification (no session; the signature is the credential).
#[utoipa::path(post, path = "/api/v1/payments/notify", tag = "desk",
    request_body(content = signet_core::platform::providers::Notification, description = "signed with X-Signet-Signature"),
    responses((status = 200, body = Payment, description = "the payment settled (a desk order's payment, or a quota purchase as `Purchase`)"),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 409, body = Problem)))]
pub async fn payment_notify(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse as _;
    let signature = headers
        .get("x-signet-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // A purchase of contract quota settles in the e-contract wing; any other payment is the desk's.
    if let Some(note) = state.platform.payments.verify(&body, signature)
        && let Some(purchase) =
            signet_core::contracts::billing::purchases::settle(&state.platform, &note).await?
    {
        return Ok(Json(purchase).into_response());
    }
    Ok(Json(payments::notify(&state.platform, &body, signature).await?).into_response())
}

/// Asks for the money back on a paid order that was rejected.
#[utoipa::path(post, path = "/api/v1/orders/{id}/refund", tag = "desk",
    responses((status = 200, body = OrderDetail), (status = 409, body = Problem)))]
pub async fn refund(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderDetail>> {
    let order = my_order(&state, &ctx, &id).await?;
    if order.state != orders::OrderState::Rejected {
        return Err(ApiError::Core(
            signet_core::desk::DeskError::Transition("refund", order.state.as_str()).into(),
        ));
    }
    let actor = format!("user:{}", order.user_id);
    let order = payments::refund(&state.platform, &order, &actor).await?;
    detail_of(&state, &order).await
}

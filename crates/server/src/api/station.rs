//! The producer's station in the staff console (issue 13): the browser drives the tokens on the
//! producer's machine through the key agent; these routes say what to make and issue each
//! certificate from the request made on a token. Producers only.

use axum::Json;
use axum::extract::{Path, State};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use signet_core::PlatformError;
use signet_core::ca::CertificateInfo;
use signet_core::desk::orders::{self, Lang, OrderDetail, Viewer};
use signet_core::desk::roles::Role;
use signet_core::desk::station::{self, Made, Plan};
use utoipa::ToSchema;

use super::ApiJson;
use super::staff::staff;
use crate::problem::{ApiError, ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

/// What to make on the next token of a USB-key order awaiting production.
#[utoipa::path(get, path = "/api/v1/staff/orders/{id}/production", tag = "staff",
    responses((status = 200, body = Plan), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Plan>> {
    staff(&state, &ctx, Role::Producer).await?;
    let order = orders::load(&state.platform, &id).await?;
    Ok(Json(station::plan(&state.platform, &order).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProducedIn {
    /// The PKCS#10 request the key agent made on the token (base64 DER or PEM).
    pub csr: String,
    pub token_serial: String,
    #[serde(default)]
    pub token_model: String,
    /// The token's SO PIN: the one the agent set when it initialised the token, or the one the
    /// producer knows for a token initialised before. Kept sealed, never shown.
    #[serde(default)]
    pub so_pin: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProducedOut {
    /// The certificate to write to the token next to its key.
    pub certificate: CertificateInfo,
    /// The order after it: `awaiting_delivery` once the last certificate is made.
    pub order: OrderDetail,
}

/// Issues one certificate of a USB-key order from a request made on a token at the producer's
/// station; the last one moves the order on to shipping. One more than paid for is refused.
#[utoipa::path(post, path = "/api/v1/staff/orders/{id}/production", tag = "staff", request_body = ProducedIn,
    responses((status = 200, body = ProducedOut), (status = 400, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn produce(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ProducedIn>,
) -> ApiResult<Json<ProducedOut>> {
    let staff_id = staff(&state, &ctx, Role::Producer).await?;
    let order = orders::load(&state.platform, &id).await?;
    let csr = if body.csr.trim_start().starts_with("-----BEGIN") {
        body.csr.into_bytes()
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(body.csr.trim())
            .map_err(|_| {
                ApiError::from(PlatformError::Invalid {
                    field: "csr",
                    zh: "证书请求不是有效的 base64",
                    en: "The request is not valid base64",
                })
            })?
    };
    let certificate = station::produce(
        &state.platform,
        &order,
        &Made {
            csr: &csr,
            token_serial: &body.token_serial,
            token_model: &body.token_model,
            so_pin: body.so_pin.as_deref(),
        },
        &format!("user:{staff_id}"),
    )
    .await?;
    let order = orders::load(&state.platform, &id).await?;
    Ok(Json(ProducedOut {
        certificate,
        order: orders::detail_for(&state.platform, &order, Viewer::Staff, Lang::ZhCn).await?,
    }))
}

//! Enterprise certification and management of the e-contract platform: apply, my enterprises,
//! withdraw, restart after a rename, information change, the enterprise's certificates and
//! certificate orders. An id of an enterprise the caller has nothing to do with answers 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use signet_core::CoreError;
use signet_core::ca::{self, CertificateInfo};
use signet_core::contracts::certificates::{self, CertificatesPage};
use signet_core::contracts::changes::{self, ChangeInput};
use signet_core::contracts::enterprises::{self, CertifyInput, EnterpriseView};
use signet_core::contracts::{ContractsError, settings};
use signet_core::desk::roles::{self, Role};
use utoipa::ToSchema;

use crate::api::ApiJson;
use crate::api::desk::user_id;
use crate::problem::{ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

/// Applies for an enterprise: opens the desk order (continue it in the desk's wizard at
/// `/orders/{order_id}`) and records the enterprise as `certifying`.
#[utoipa::path(post, path = "/api/v1/enterprises", tag = "contracts", request_body = CertifyInput,
    responses((status = 201, body = EnterpriseView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn certify(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<CertifyInput>,
) -> ApiResult<impl IntoResponse> {
    let view = enterprises::apply(&state.platform, &user_id(&ctx)?, &body).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// My enterprises: those the caller applied for (not withdrawn) or administers.
#[utoipa::path(get, path = "/api/v1/me/enterprises", tag = "contracts",
    responses((status = 200, body = [EnterpriseView]), (status = 401, body = Problem)))]
pub async fn mine(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Vec<EnterpriseView>>> {
    Ok(Json(
        enterprises::mine(&state.platform, &user_id(&ctx)?).await?,
    ))
}

/// One enterprise, for its applicant and members.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}", tag = "contracts",
    responses((status = 200, body = EnterpriseView), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<EnterpriseView>> {
    let user = user_id(&ctx)?;
    let (enterprise, role) = enterprises::visible(&state.platform, &user, &id).await?;
    Ok(Json(
        enterprises::view(&state.platform, &enterprise, &user, role).await?,
    ))
}

/// Withdraws the open certification (refused once paid or approved).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/withdraw", tag = "contracts",
    responses((status = 200, body = EnterpriseView), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<EnterpriseView>> {
    Ok(Json(
        enterprises::withdraw(&state.platform, &user_id(&ctx)?, &id).await?,
    ))
}

/// Starts certification again after a rename (administrator).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/recertify", tag = "contracts",
    responses((status = 200, body = EnterpriseView), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn recertify(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<EnterpriseView>> {
    Ok(Json(
        enterprises::recertify(&state.platform, &user_id(&ctx)?, &id).await?,
    ))
}

/// Information change (administrator): a new name (all seals void, grants revoked, certify
/// again) and/or a new legal representative (the legal-rep seal void, its grants revoked).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/change", tag = "contracts", request_body = ChangeInput,
    responses((status = 200, body = EnterpriseView), (status = 400, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ChangeInput>,
) -> ApiResult<Json<EnterpriseView>> {
    Ok(Json(
        changes::change(&state.platform, &user_id(&ctx)?, &id, &body).await?,
    ))
}

/// The enterprise's signing certificate (members).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/certificate", tag = "contracts",
    responses((status = 200, body = CertificateInfo), (status = 404, body = Problem)))]
pub async fn certificate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<CertificateInfo>> {
    let user = user_id(&ctx)?;
    let (enterprise, role) = enterprises::visible(&state.platform, &user, &id).await?;
    let serial = enterprise
        .certificate_serial
        .filter(|_| role.is_some())
        .ok_or(CoreError::from(ContractsError::NotCertified))?;
    Ok(Json(ca::certificate(&state.platform, &serial).await?))
}

/// The enterprise's certificates (those expiring within a month or expired listed for renewal)
/// and certificate orders, read live from the desk (administrator).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/certificates", tag = "contracts",
    responses((status = 200, body = CertificatesPage), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn certificates_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<CertificatesPage>> {
    Ok(Json(
        certificates::page(&state.platform, &user_id(&ctx)?, &id).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct OrderOut {
    /// The desk order to continue in the wizard (`/orders/{order_id}`).
    pub order_id: String,
}

/// Opens a renewal of one of the enterprise's certificates on the desk (administrator).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/certificates/{serial}/renew", tag = "contracts",
    responses((status = 201, body = OrderOut), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn renew(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, serial)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let order_id = certificates::renew(&state.platform, &user_id(&ctx)?, &id, &serial).await?;
    Ok((StatusCode::CREATED, Json(OrderOut { order_id })))
}

/// Withdraws one of the enterprise's certificate orders (refused once paid or approved).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/orders/{order_id}/withdraw", tag = "contracts",
    responses((status = 200, body = CertificatesPage), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn withdraw_order(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, order_id)): Path<(String, String)>,
) -> ApiResult<Json<CertificatesPage>> {
    Ok(Json(
        certificates::withdraw_order(&state.platform, &user_id(&ctx)?, &id, &order_id).await?,
    ))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct EcSettings {
    /// `econtract-org-cloud` or `econtract-org-ukey`: what enterprises certify with.
    pub enterprise_product: String,
    /// `ecc` or `sm2`: the hierarchy of persons' certificates.
    pub certificate_family: String,
}

/// The e-contract platform's settings (channel administrators change them).
#[utoipa::path(put, path = "/api/v1/staff/econtract-settings", tag = "staff", request_body = EcSettings,
    responses((status = 200, body = EcSettings), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<EcSettings>,
) -> ApiResult<Json<EcSettings>> {
    let staff = user_id(&ctx)?;
    roles::require(&state.platform, &staff, Role::ChannelAdmin).await?;
    let actor = format!("user:{staff}");
    settings::check(settings::ENTERPRISE_PRODUCT, &body.enterprise_product)?;
    settings::check(settings::CERTIFICATE_FAMILY, &body.certificate_family)?;
    for (key, value) in [
        (settings::ENTERPRISE_PRODUCT, &body.enterprise_product),
        (settings::CERTIFICATE_FAMILY, &body.certificate_family),
    ] {
        if settings::get(&state.platform, key).await? != *value {
            settings::set(&state.platform, key, value, &actor).await?;
        }
    }
    Ok(Json(body))
}

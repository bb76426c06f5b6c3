//! The holder's certificates (LIFE-1 … LIFE-7): list, revoke after an SMS check, open a
//! renewal, change or reissue, and write a renewed certificate from the holder's token.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use signet_core::PlatformError;
use signet_core::ca::CertificateInfo;
use signet_core::desk::catalog::Business;
use signet_core::desk::certificates::{self, HeldCertificate};
use signet_core::desk::cloud::{self, Authorisation};
use signet_core::desk::orders::{self, OrderDetail};
use signet_core::desk::production::{self, TokenProduction};
use signet_core::desk::unlock::{self, UnlockAuthorisation};
use signet_core::platform::sms_codes::SentCode;
use utoipa::ToSchema;

use super::ApiJson;
use super::desk::user_id;
use crate::problem::{ApiError, ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
pub struct CertificatesQuery {
    /// Only those expiring within a month.
    #[serde(default)]
    pub expiring: bool,
}

/// The user's cloud and USB-key certificates.
#[utoipa::path(get, path = "/api/v1/certificates", tag = "certificates", params(CertificatesQuery),
    responses((status = 200, body = [HeldCertificate]), (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CertificatesQuery>,
) -> ApiResult<Json<Vec<HeldCertificate>>> {
    Ok(Json(
        certificates::list(&state.platform, &user_id(&ctx)?, q.expiring).await?,
    ))
}

/// Sends the SMS code that confirms a revocation to the account's phone.
#[utoipa::path(post, path = "/api/v1/certificates/{serial}/revocation-code", tag = "certificates",
    responses((status = 200, body = SentCode), (status = 404, body = Problem), (status = 429, body = Problem)))]
pub async fn revocation_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(serial): Path<String>,
) -> ApiResult<Json<SentCode>> {
    Ok(Json(
        certificates::send_revocation_code(&state.platform, &user_id(&ctx)?, &serial).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct RevokeIn {
    /// `key-compromise`, `affiliation-changed`, `superseded`, `cessation-of-operation`, …
    pub reason: String,
    pub sms_code: String,
}

#[derive(Serialize, ToSchema)]
pub struct RevokedOut {
    pub serial: String,
    pub reason: String,
    pub revoked_at: i64,
}

/// Revokes one of the user's certificates; OCSP answers `revoked` at once.
#[utoipa::path(post, path = "/api/v1/certificates/{serial}/revoke", tag = "certificates", request_body = RevokeIn,
    responses((status = 200, body = RevokedOut), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(serial): Path<String>,
    ApiJson(body): ApiJson<RevokeIn>,
) -> ApiResult<Json<RevokedOut>> {
    let done = certificates::revoke_by_holder(
        &state.platform,
        &user_id(&ctx)?,
        &serial,
        &body.reason,
        &body.sms_code,
    )
    .await?;
    Ok(Json(RevokedOut {
        serial: done.serial,
        reason: done.reason.to_owned(),
        revoked_at: done.revoked_at,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct BusinessIn {
    /// `renewal`, `change` or `reissue`.
    pub kind: Business,
}

/// Opens a renewal, change or reissue order on a certificate (renewal only inside its window).
#[utoipa::path(post, path = "/api/v1/certificates/{serial}/orders", tag = "certificates", request_body = BusinessIn,
    responses((status = 201, body = OrderDetail), (status = 409, body = Problem)))]
pub async fn open_business(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(serial): Path<String>,
    ApiJson(body): ApiJson<BusinessIn>,
) -> ApiResult<impl IntoResponse> {
    let order =
        certificates::open_business(&state.platform, &user_id(&ctx)?, &serial, body.kind).await?;
    Ok((
        StatusCode::CREATED,
        Json(orders::detail(&state.platform, &order).await?),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct KeyUpdateIn {
    /// The PKCS#10 request made on the holder's token (base64 DER or PEM).
    pub csr: String,
    pub token_serial: String,
}

/// Issues the renewed (or changed, reissued) certificate from a request made on the holder's
/// token, or an own-key order's certificate; the key agent then writes it to the token. A new
/// USB key (`awaiting_production`) is the CA staff's to produce: `409 order_state`.
#[utoipa::path(post, path = "/api/v1/orders/{id}/key-update", tag = "certificates", request_body = KeyUpdateIn,
    responses((status = 200, body = CertificateInfo), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn key_update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<KeyUpdateIn>,
) -> ApiResult<Json<CertificateInfo>> {
    let user = user_id(&ctx)?;
    let order = orders::load_owned(&state.platform, &id, &user).await?;
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
    let actor = format!("user:{user}");
    Ok(Json(
        production::write_holder_key(
            &state.platform,
            &order,
            &TokenProduction {
                csr: &csr,
                token_serial: &body.token_serial,
                token_model: "holder token",
                so_pin: None,
                actor: &actor,
            },
        )
        .await?,
    ))
}

/// Sends the SMS code that authorises unlocking a USB key's PIN.
#[utoipa::path(post, path = "/api/v1/certificates/{serial}/unlock-code", tag = "certificates",
    responses((status = 200, body = SentCode), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn unlock_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(serial): Path<String>,
) -> ApiResult<Json<SentCode>> {
    Ok(Json(
        unlock::send_code(&state.platform, &user_id(&ctx)?, &serial).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct UnlockIn {
    pub sms_code: String,
    /// The key agent's redeemer (`POST /v1/tokens/{serial}/unlock-redeemer` on the agent): the
    /// SHA-256, in hex, of a secret only the agent knows. The code is redeemable with it only.
    pub redeemer: String,
}

/// Checks the SMS code and returns a one-time unlock authorisation code for the key agent,
/// bound to the agent's redeemer.
#[utoipa::path(post, path = "/api/v1/certificates/{serial}/unlock-authorisation", tag = "certificates", request_body = UnlockIn,
    responses((status = 200, body = UnlockAuthorisation), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn unlock_authorisation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(serial): Path<String>,
    ApiJson(body): ApiJson<UnlockIn>,
) -> ApiResult<Json<UnlockAuthorisation>> {
    Ok(Json(
        unlock::authorise(
            &state.platform,
            &user_id(&ctx)?,
            &serial,
            &body.sms_code,
            &body.redeemer,
        )
        .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct RedeemIn {
    /// The serial of the token the key agent is about to unlock.
    pub token_serial: String,
    /// The secret whose SHA-256 the code was bound to.
    pub redeemer_secret: String,
    /// The SO PIN the agent will set on the token; pending until it confirms.
    pub new_so_pin: String,
}

#[derive(Serialize, ToSchema)]
pub struct RedeemOut {
    /// The token's current SO PIN: the key agent uses it for `C_InitPIN` and to set the new
    /// one, and never displays it.
    pub so_pin: String,
}

/// The key agent redeems an unlock code (once) for the token's SO PIN. No session: the code and
/// the redeemer secret bound to it are the credential. Every failure to prove them is the same
/// `400 link_expired`.
#[utoipa::path(post, path = "/api/v1/token-unlock/{code}", tag = "certificates", request_body = RedeemIn,
    responses((status = 200, body = RedeemOut), (status = 400, body = Problem)))]
pub async fn redeem_unlock(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<RedeemIn>,
) -> ApiResult<Json<RedeemOut>> {
    let redeemer = unlock::Redeemer {
        unlock_code: &code,
        token_serial: &body.token_serial,
        secret: &body.redeemer_secret,
    };
    Ok(Json(RedeemOut {
        so_pin: unlock::redeem(&state.platform, &redeemer, &body.new_so_pin).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ConfirmUnlockIn {
    pub token_serial: String,
    pub redeemer_secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct ConfirmUnlockOut {
    pub ok: bool,
}

/// The key agent set the new SO PIN on the token: the platform keeps it from now on (and a
/// staff-approved unlock order completes). Same credential and same single failure answer as
/// redeeming.
#[utoipa::path(post, path = "/api/v1/token-unlock/{code}/confirm", tag = "certificates", request_body = ConfirmUnlockIn,
    responses((status = 200, body = ConfirmUnlockOut), (status = 400, body = Problem)))]
pub async fn confirm_unlock(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<ConfirmUnlockIn>,
) -> ApiResult<Json<ConfirmUnlockOut>> {
    let redeemer = unlock::Redeemer {
        unlock_code: &code,
        token_serial: &body.token_serial,
        secret: &body.redeemer_secret,
    };
    unlock::confirm(&state.platform, &redeemer).await?;
    Ok(Json(ConfirmUnlockOut { ok: true }))
}

#[derive(Deserialize, ToSchema)]
pub struct OrderUnlockIn {
    /// The key agent's redeemer, as for `unlock-authorisation` of a certificate.
    pub redeemer: String,
}

/// For an approved unlock order (awaiting unlock): a one-time unlock code for the key agent,
/// bound to its redeemer; the order completes when the agent confirms the unlock.
#[utoipa::path(post, path = "/api/v1/orders/{id}/unlock-authorisation", tag = "certificates", request_body = OrderUnlockIn,
    responses((status = 200, body = UnlockAuthorisation), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn order_unlock_authorisation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OrderUnlockIn>,
) -> ApiResult<Json<UnlockAuthorisation>> {
    let order = orders::load_owned(&state.platform, &id, &user_id(&ctx)?).await?;
    Ok(Json(
        unlock::authorise_order(&state.platform, &order, &body.redeemer).await?,
    ))
}

/// Sends the SMS code that sets a cloud certificate's signing PIN or authorises one signature.
#[utoipa::path(post, path = "/api/v1/certificates/{serial}/cloud-code", tag = "certificates",
    responses((status = 200, body = SentCode), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn cloud_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(serial): Path<String>,
) -> ApiResult<Json<SentCode>> {
    Ok(Json(
        cloud::send_code(&state.platform, &user_id(&ctx)?, &serial).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CloudPinIn {
    /// 6–8 digits.
    pub pin: String,
    pub sms_code: String,
}

/// Sets or resets the signing PIN of a cloud certificate (after the SMS check).
#[utoipa::path(put, path = "/api/v1/certificates/{serial}/cloud-pin", tag = "certificates", request_body = CloudPinIn,
    responses((status = 204), (status = 400, body = Problem)))]
pub async fn cloud_pin(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(serial): Path<String>,
    ApiJson(body): ApiJson<CloudPinIn>,
) -> ApiResult<StatusCode> {
    cloud::set_pin(
        &state.platform,
        &user_id(&ctx)?,
        &serial,
        &body.pin,
        &body.sms_code,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct CloudSignIn {
    /// The bytes to sign, base64.
    pub data: String,
    pub authorisation: Authorisation,
}

#[derive(Serialize, ToSchema)]
pub struct CloudSignOut {
    /// base64 (DER `SEQUENCE { r, s }` for ECDSA/SM2, PKCS#1 v1.5 for RSA).
    pub signature: String,
}

/// Signs with a cloud certificate's key, authorised by the signing PIN or an SMS code.
#[utoipa::path(post, path = "/api/v1/certificates/{serial}/cloud-sign", tag = "certificates", request_body = CloudSignIn,
    responses((status = 200, body = CloudSignOut), (status = 400, body = Problem), (status = 423, body = Problem)))]
pub async fn cloud_sign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(serial): Path<String>,
    ApiJson(body): ApiJson<CloudSignIn>,
) -> ApiResult<Json<CloudSignOut>> {
    let data = base64::engine::general_purpose::STANDARD
        .decode(body.data.trim())
        .map_err(|_| {
            ApiError::from(PlatformError::Invalid {
                field: "data",
                zh: "待签名数据不是有效的 base64",
                en: "The data is not valid base64",
            })
        })?;
    let signature = cloud::sign(
        &state.platform,
        &user_id(&ctx)?,
        &serial,
        &data,
        &body.authorisation,
    )
    .await?;
    Ok(Json(CloudSignOut {
        signature: base64::engine::general_purpose::STANDARD.encode(signature),
    }))
}

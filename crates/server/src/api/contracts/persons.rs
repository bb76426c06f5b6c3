//! The person's side of the e-contract platform: the texts to consent to, consent, real-name
//! authentication, the person's cloud certificate and spaces.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use signet_core::ca::CertificateInfo;
use signet_core::contracts::consent::{self, Acceptance, ConsentText};
use signet_core::contracts::persons::{self, PersonView};
use signet_core::contracts::realname::{self, RealNameCheck, RealNameInput};
use signet_core::contracts::signing_key::{self, PinStatus};
use signet_core::contracts::spaces::{self, Spaces};
use signet_core::platform::sms_codes::SentCode;
use utoipa::ToSchema;

use crate::api::ApiJson;
use crate::api::desk::user_id;
use crate::problem::{ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

/// The texts a person consents to before real-name authentication, with their versions.
#[utoipa::path(get, path = "/api/v1/contracts/consent-texts", tag = "contracts",
    responses((status = 200, body = [ConsentText])))]
pub async fn consent_texts() -> Json<Vec<ConsentText>> {
    Json(consent::TEXTS.to_vec())
}

#[derive(Deserialize, ToSchema)]
pub struct ConsentIn {
    /// Every current text with the version read.
    pub accepted: Vec<Acceptance>,
}

/// Records the caller's consent (time, IP, user agent, versions).
#[utoipa::path(post, path = "/api/v1/me/consents", tag = "contracts", request_body = ConsentIn,
    responses((status = 204), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn consent(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ConsentIn>,
) -> ApiResult<StatusCode> {
    let origin = consent::Origin {
        ip: ctx.origin.ip.clone(),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    };
    consent::accept(&state.platform, &user_id(&ctx)?, &body.accepted, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct RealNameStatus {
    /// Consented to the current version of every text.
    pub consented: bool,
    /// Set once real-named.
    pub person: Option<PersonView>,
}

/// Whether the caller consented and is real-named.
#[utoipa::path(get, path = "/api/v1/me/real-name", tag = "contracts",
    responses((status = 200, body = RealNameStatus), (status = 401, body = Problem)))]
pub async fn real_name_status(
    State(state): State<AppState>,
    ctx: Ctx,
) -> ApiResult<Json<RealNameStatus>> {
    let user = user_id(&ctx)?;
    Ok(Json(RealNameStatus {
        consented: consent::current(&state.platform, &user).await?,
        person: persons::find(&state.platform, &user).await?,
    }))
}

/// Starts real-name authentication: `carrier3` and `bank4` answer at once (passing issues the
/// person's cloud certificate); `face` sends a link to the account's phone.
#[utoipa::path(post, path = "/api/v1/me/real-name", tag = "contracts", request_body = RealNameInput,
    responses((status = 200, body = RealNameCheck), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn real_name(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<RealNameInput>,
) -> ApiResult<Json<RealNameCheck>> {
    Ok(Json(
        realname::start(&state.platform, &user_id(&ctx)?, &body).await?,
    ))
}

/// The caller's personal cloud certificate (issued at real-name authentication).
#[utoipa::path(get, path = "/api/v1/me/person-certificate", tag = "contracts",
    responses((status = 200, body = CertificateInfo), (status = 403, body = Problem)))]
pub async fn person_certificate(
    State(state): State<AppState>,
    ctx: Ctx,
) -> ApiResult<Json<CertificateInfo>> {
    Ok(Json(
        persons::certificate(&state.platform, &user_id(&ctx)?).await?,
    ))
}

/// The caller's spaces: personal, and each enterprise they are an active member of.
#[utoipa::path(get, path = "/api/v1/me/spaces", tag = "contracts",
    responses((status = 200, body = Spaces), (status = 401, body = Problem)))]
pub async fn my_spaces(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<Spaces>> {
    Ok(Json(spaces::list(&state.platform, &user_id(&ctx)?).await?))
}

/// Whether the caller set the signing PIN of their personal cloud key, and any lockout.
#[utoipa::path(get, path = "/api/v1/me/signing-pin", tag = "contracts",
    responses((status = 200, body = PinStatus), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn signing_pin_status(
    State(state): State<AppState>,
    ctx: Ctx,
) -> ApiResult<Json<PinStatus>> {
    Ok(Json(
        signing_key::status(&state.platform, &user_id(&ctx)?).await?,
    ))
}

/// Sends the SMS code (to the account's phone) that sets the signing PIN or authorises one use of
/// the personal cloud key.
#[utoipa::path(post, path = "/api/v1/me/signing-pin/code", tag = "contracts",
    responses((status = 200, body = SentCode), (status = 403, body = Problem), (status = 429, body = Problem)))]
pub async fn signing_pin_code(
    State(state): State<AppState>,
    ctx: Ctx,
) -> ApiResult<Json<SentCode>> {
    Ok(Json(
        signing_key::send_code(&state.platform, &user_id(&ctx)?).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct SigningPinIn {
    /// 6–8 digits.
    pub pin: String,
    pub sms_code: String,
}

/// Sets or changes the signing PIN of the caller's personal cloud key (after the SMS check;
/// clears a lockout).
#[utoipa::path(put, path = "/api/v1/me/signing-pin", tag = "contracts", request_body = SigningPinIn,
    responses((status = 204), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn set_signing_pin(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<SigningPinIn>,
) -> ApiResult<StatusCode> {
    signing_key::set_pin(&state.platform, &user_id(&ctx)?, &body.pin, &body.sms_code).await?;
    Ok(StatusCode::NO_CONTENT)
}

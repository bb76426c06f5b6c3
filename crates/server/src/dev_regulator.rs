//! The sandbox's stand-in regulator (`/dev/regulator`, sandbox mode only): it receives reports as
//! a real receiver would and lists what it got; CA staff can take it down and bring it back
//! (`POST /dev/regulator/outage`) to show a report waiting, retried, then reported.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use signet_core::contracts::regulator::sandbox::{self, Answer, Delivery};
use signet_core::{CoreError, PlatformError};

use crate::problem::ApiResult;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/regulator", get(received).post(receive))
        .route("/regulator/outage", post(outage))
}

/// Checks a report and answers its receipt (the same one for every delivery of a key), 400
/// naming why it refused it, or 503 during an outage.
async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let answer = sandbox::receive(
        &state.platform,
        &Delivery {
            idempotency_key: header("idempotency-key"),
            body_sha256: header("signet-body-sha256"),
            signature: header("signet-signature"),
            body: &body,
        },
    )
    .await?;
    let status = match answer {
        Answer::Receipt { .. } => StatusCode::OK,
        Answer::Refused { .. } => StatusCode::BAD_REQUEST,
        Answer::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
    };
    Ok((status, Json(answer)).into_response())
}

#[derive(Deserialize)]
struct ReceivedQuery {
    limit: Option<i64>,
}

/// What the stand-in regulator received, latest first (no personal data).
async fn received(
    State(state): State<AppState>,
    Query(q): Query<ReceivedQuery>,
) -> ApiResult<Json<Vec<sandbox::Received>>> {
    Ok(Json(
        sandbox::list(&state.platform, q.limit.unwrap_or(100)).await?,
    ))
}

#[derive(Deserialize)]
struct OutageRequest {
    down: bool,
}

/// Takes the stand-in regulator down (it answers 503) or brings it back; CA staff only, like
/// the clock.
async fn outage(
    State(state): State<AppState>,
    ctx: crate::session::Ctx,
    crate::api::ApiJson(body): crate::api::ApiJson<OutageRequest>,
) -> ApiResult<Json<serde_json::Value>> {
    let user = ctx
        .session()?
        .user_id
        .clone()
        .ok_or(PlatformError::NotSignedIn)?;
    if signet_core::desk::roles::roles_of(&state.platform, &user)
        .await?
        .is_empty()
    {
        return Err(CoreError::from(signet_core::desk::DeskError::StaffOnly).into());
    }
    sandbox::set_outage(body.down);
    Ok(Json(serde_json::json!({ "down": body.down })))
}

//! Where WeChat Pay and Alipay deliver payment notifications. No session: the vendor's signature
//! is the credential. Each vendor wants its own acknowledgement, and a notification already
//! settled is acknowledged too (the vendor stops retrying; nothing changes twice).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use signet_core::CoreError;
use signet_core::contracts::ContractsError;
use signet_core::contracts::billing::purchases;
use signet_core::desk::DeskError;
use signet_core::desk::payments;

use crate::state::AppState;

async fn settle(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<(), CoreError> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    // A purchase of contract quota settles in the e-contract wing; any other payment is the desk's.
    if let Some(note) = state.platform.payments.verify_request(body, &header) {
        match purchases::settle(&state.platform, &note).await {
            Ok(Some(_)) => return Ok(()),
            Ok(None) => {}
            Err(error) if matches!(error.as_wing(), Some(ContractsError::NotificationReplayed)) => {
                return Ok(());
            }
            Err(error) => return Err(error),
        }
    }
    match payments::notify_request(&state.platform, body, &header).await {
        Ok(_) => Ok(()),
        Err(error) if matches!(error.as_wing(), Some(DeskError::NotificationReplayed)) => Ok(()),
        Err(error) => Err(error),
    }
}

/// The answer's status for a refused notification: a bad signature or a wrong amount will not
/// get better by retrying.
fn refused_status(error: &CoreError) -> StatusCode {
    if matches!(error.as_wing(), Some(DeskError::BadNotification)) {
        StatusCode::UNAUTHORIZED
    } else if matches!(error.as_wing(), Some(ContractsError::PaymentMismatch)) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

/// WeChat Pay API v3: 200 on success; 4xx/5xx with `{"code":"FAIL"}` makes it retry.
#[utoipa::path(post, path = "/api/v1/payments/notify/wechat", tag = "desk",
    request_body(content = String, description = "WeChat Pay API v3 notification, signed (Wechatpay-Signature) and encrypted (AES-256-GCM)"),
    responses((status = 204, description = "accepted"), (status = 401, description = "signature refused; WeChat Pay retries")))]
pub async fn wechat(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match settle(&state, &headers, &body).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => {
            tracing::warn!(%error, "WeChat Pay notification refused");
            let status = refused_status(&error);
            (
                status,
                Json(json!({"code": "FAIL", "message": error.code()})),
            )
                .into_response()
        }
    }
}

/// Alipay: the plain text `success` stops its retries; anything else means "try again".
#[utoipa::path(post, path = "/api/v1/payments/notify/alipay", tag = "desk",
    request_body(content = String, description = "Alipay notification form, signed with RSA2"),
    responses((status = 200, description = "`success` when accepted, `fail` otherwise")))]
pub async fn alipay(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match settle(&state, &headers, &body).await {
        Ok(()) => "success".into_response(),
        Err(error) => {
            tracing::warn!(%error, "Alipay notification refused");
            "fail".into_response()
        }
    }
}

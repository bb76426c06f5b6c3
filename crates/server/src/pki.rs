//! `/pki/{ca}/…`: CA certificates, CRLs, the OCSP responder (RFC 6960, POST and GET) and the
//! time-stamp authority (RFC 3161). No cookies, no CSRF, no state change: plain cacheable HTTP.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use signet_core::ca;

use crate::problem::ApiResult;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/{ca}/ca.crt", get(certificate))
        .route("/{ca}/crl", get(crl))
        .route("/{ca}/ocsp", post(ocsp_post))
        .route("/{ca}/ocsp/{*request}", get(ocsp_get))
        .route("/{ca}/tsa", post(tsa))
}

fn der(content_type: &'static str, body: Vec<u8>, max_age: Option<u32>) -> Response {
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Some(value) =
        max_age.and_then(|s| HeaderValue::from_str(&format!("public, max-age={s}")).ok())
    {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

async fn certificate(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    let body = ca::ca_certificate(&state.platform, &name).await?;
    Ok(der("application/pkix-cert", body, Some(86_400)))
}

async fn crl(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult<Response> {
    let body = ca::crl(&state.platform, &name).await?;
    Ok(der("application/pkix-crl", body, Some(60)))
}

async fn ocsp_post(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let answer = ca::ocsp(&state.platform, &name, &body).await?;
    Ok(der("application/ocsp-response", answer, None))
}

/// RFC 6960 appendix A.1: `GET {url}/{url-encoding of base-64 encoding of the DER request}`.
async fn ocsp_get(
    State(state): State<AppState>,
    Path((name, request)): Path<(String, String)>,
) -> ApiResult<Response> {
    // Path extraction has already percent-decoded it; some clients send URL-safe base64.
    let request = request.trim_start_matches('/');
    let bytes = STANDARD
        .decode(request)
        .or_else(|_| URL_SAFE.decode(request))
        .unwrap_or_default();
    let answer = ca::ocsp(&state.platform, &name, &bytes).await?;
    Ok(der("application/ocsp-response", answer, Some(300)))
}

async fn tsa(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let reply = ca::timestamp(&state.platform, &name, &body).await?;
    Ok(der("application/timestamp-reply", reply, None))
}

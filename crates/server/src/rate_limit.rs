//! Per-address limits on state-changing requests (login tries, SMS sends, registrations), on top
//! of the per-account lockout and per-number SMS gap kept in the database.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use signet_core::CoreError;

use crate::problem::ApiError;
use crate::state::AppState;

pub struct Limiter {
    writes: DefaultKeyedRateLimiter<IpAddr>,
}

impl Limiter {
    pub fn new(per_minute: u32) -> Self {
        let quota =
            Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN));
        Self {
            writes: RateLimiter::keyed(quota),
        }
    }
}

pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // OCSP and TSA posts under `/pki` change nothing and must keep answering under load.
    let write = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) && !request.uri().path().starts_with("/pki/");
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if let (true, Some(ip)) = (write, ip)
        && state.limiter.writes.check_key(&ip).is_err()
    {
        return ApiError::Core(CoreError::RateLimited { retry_after: 60 }).into_response();
    }
    next.run(request).await
}

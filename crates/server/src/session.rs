//! The session cookie, the request's session and client address, and the CSRF guard that every
//! state-changing request passes.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use signet_core::PlatformError;
use signet_core::platform::accounts::Origin;
use signet_core::platform::sessions::{self, SESSION_LIFETIME, Session};

use crate::client_ip::ClientIp;
use crate::problem::ApiError;
use crate::state::AppState;

pub const COOKIE: &str = "signet_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

pub fn token_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// `Set-Cookie` for a session token (hex, so nothing to escape); `None` clears the cookie.
pub fn set_cookie(state: &AppState, token: Option<&str>) -> HeaderValue {
    let max_age = if token.is_some() { SESSION_LIFETIME } else { 0 };
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        token.unwrap_or("")
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The client's address and the session, if the cookie names a live one.
pub struct Ctx {
    pub origin: Origin,
    pub session: Option<Session>,
}

impl Ctx {
    pub fn session(&self) -> Result<&Session, ApiError> {
        self.session
            .as_ref()
            .ok_or(ApiError::from(PlatformError::NotSignedIn))
    }
}

/// The client's address as `client_ip` worked it out (behind a trusted proxy: the forwarded one).
fn client_ip(parts: &Parts) -> String {
    if let Some(ClientIp(ip)) = parts.extensions.get::<ClientIp>() {
        return ip.to_string();
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_default()
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let origin = Origin {
            ip: client_ip(parts),
        };
        // The CSRF guard has already loaded the session of a state-changing request.
        if let Some(session) = parts.extensions.get::<Session>() {
            return Ok(Self {
                origin,
                session: Some(session.clone()),
            });
        }
        let session = match token_from(&parts.headers) {
            Some(token) => sessions::load(&state.platform, &token).await?,
            None => None,
        };
        Ok(Self { origin, session })
    }
}

/// Serves the request with its client address as the one every audit event it causes records
/// (the core fills an event's empty address from it).
pub async fn audit_client_ip(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let ip = client_ip(&parts);
    let request = Request::from_parts(parts, body);
    signet_core::platform::audit::with_client_ip(ip, next.run(request)).await
}

/// Refuses a state-changing request unless it carries the session's CSRF token in
/// `X-CSRF-Token`; the loaded session rides along in the request for the handler.
pub async fn csrf_guard(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // `/pki` answers relying parties (OCSP, TSA): no cookies, no state changed, so no CSRF.
    // Payment notifications carry the gateway's signature and phone uploads a one-time link
    // token instead of a session: neither rides on cookies, so neither can be forged cross-site.
    let path = request.uri().path();
    let exempt = path.starts_with("/pki/")
        || path == "/api/v1/payments/notify"
        || path.starts_with("/api/v1/payments/notify/")
        || path.starts_with("/api/v1/mobile-upload/")
        // The key agent redeems an unlock code: the code and the redeemer secret bound to it,
        // not a cookie, are its credential.
        || path.starts_with("/api/v1/token-unlock/")
        // Public verification changes nothing and needs no session: any script may post a PDF.
        || path == "/api/v1/verify"
        // The sandbox's pay and face pages stand for a phone that has no session either.
        || path.starts_with("/dev/payments/")
        || path.starts_with("/dev/face/")
        // The sandbox's regulator receiver stands for the regulator's server: the report's
        // signature, not a cookie, is its credential.
        || path == "/dev/regulator";
    if safe || exempt {
        return next.run(request).await;
    }
    let Some(token) = token_from(request.headers()) else {
        return ApiError::Csrf.into_response();
    };
    let session = match sessions::load(&state.platform, &token).await {
        Ok(Some(session)) => session,
        Ok(None) => return ApiError::Csrf.into_response(),
        Err(error) => return ApiError::Core(error).into_response(),
    };
    let given = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !constant_time_eq(given.as_bytes(), session.csrf_token.as_bytes()) {
        return ApiError::Csrf.into_response();
    }
    request.extensions_mut().insert(session);
    next.run(request).await
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

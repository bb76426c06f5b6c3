//! Per-client limits (the client as `client_ip` works it out, behind a trusted proxy too):
//! - requests that guard accounts — SMS sends, logins and code checks, PIN tries — count in the
//!   database (`platform::rate_counters`), so the limit holds across every node on it;
//! - other state-changing requests count in this process, and so, in a bucket of the same size,
//!   does the `GET /session` that opens a session (it writes a row);
//! - the public page of a page QR code (`GET /api/v1/verify/…`) counts like a write, as
//!   `POST /api/v1/verify` does: it needs no session and makes the server render a page;
//! - `/pki` (OCSP, TSA, CRLs, CA certificates) has its own, much larger, per-process budget: it
//!   changes nothing but makes the server sign.
//!
//! These sit on top of the per-account lockouts and per-number SMS gaps kept in the database.

use std::net::IpAddr;
use std::num::NonZeroU32;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use signet_core::PlatformError;
use signet_core::platform::rate_counters;

use crate::client_ip::ClientIp;
use crate::problem::ApiError;
use crate::session::token_from;
use crate::state::{AppState, ServerConfig};

/// The window of the database counters.
const GUARD_WINDOW_SECONDS: i64 = 60;

pub struct Limiter {
    writes: DefaultKeyedRateLimiter<IpAddr>,
    sessions: DefaultKeyedRateLimiter<IpAddr>,
    pki: DefaultKeyedRateLimiter<IpAddr>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl Limiter {
    pub fn new(config: &ServerConfig) -> Self {
        Self {
            writes: RateLimiter::keyed(per_minute(config.writes_per_minute)),
            sessions: RateLimiter::keyed(per_minute(config.writes_per_minute)),
            pki: RateLimiter::keyed(per_minute(config.pki_per_minute)),
        }
    }
}

/// What a request costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Reads: free.
    Read,
    /// `/pki/…`.
    Pki,
    /// A state-changing request.
    Write,
    /// A read without a session cookie: it opens a session, a row in the database.
    OpensSession,
    /// A request that guards an account: a write counted in the database bucket too.
    Guarded(&'static str),
}

/// The bucket of a request that sends an SMS, checks a password or code, or tries a PIN.
fn guarded_bucket(method: &Method, path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path
        .strip_prefix("/api/v1/")?
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match (method.as_str(), segments.as_slice()) {
        (
            "POST",
            ["sms-codes"]
            | ["orders", _, "signing-code"]
            | [
                "certificates",
                _,
                "revocation-code" | "cloud-code" | "unlock-code",
            ],
        ) => Some("sms"),
        (
            "POST",
            ["login", "password" | "sms" | "certificate"]
            | ["password", "reset"]
            | ["register"]
            | ["register", "phone"]
            | ["me", "phone", "verify-old"]
            | ["certificates", _, "revoke"],
        ) => Some("login"),
        ("PUT", ["certificates", _, "cloud-pin"])
        | ("POST", ["certificates", _, "cloud-sign"] | ["token-unlock", _]) => Some("pin"),
        _ => None,
    }
}

fn classify(request: &Request) -> Class {
    let method = request.method();
    let path = request.uri().path();
    if path.starts_with("/pki/") {
        return Class::Pki;
    }
    if matches!(*method, Method::GET | Method::HEAD) && path.starts_with("/api/v1/verify/") {
        return Class::Write;
    }
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        // A read without a session cookie opens a session: a row in the database.
        let opens_session = path == "/api/v1/session" && token_from(request.headers()).is_none();
        return if opens_session {
            Class::OpensSession
        } else {
            Class::Read
        };
    }
    guarded_bucket(method, path).map_or(Class::Write, Class::Guarded)
}

fn limited(retry_after: i64) -> Response {
    ApiError::from(PlatformError::RateLimited { retry_after }).into_response()
}

pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(client) = request.extensions().get::<ClientIp>().copied() else {
        return next.run(request).await;
    };
    let key = client.limit_key();
    let limiter = &state.limiter;
    match classify(&request) {
        Class::Read => {}
        Class::Pki => {
            if limiter.pki.check_key(&key).is_err() {
                return limited(1);
            }
        }
        Class::Write => {
            if limiter.writes.check_key(&key).is_err() {
                return limited(60);
            }
        }
        Class::OpensSession => {
            if limiter.sessions.check_key(&key).is_err() {
                return limited(60);
            }
        }
        Class::Guarded(bucket) => {
            if limiter.writes.check_key(&key).is_err() {
                return limited(60);
            }
            let counted = rate_counters::hit(
                &state.platform,
                bucket,
                &key.to_string(),
                GUARD_WINDOW_SECONDS,
                state.config.guarded_per_minute,
            )
            .await;
            if let Err(error) = counted {
                return ApiError::Core(error).into_response();
            }
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_requests_that_guard_accounts_have_their_buckets() {
        let post = Method::POST;
        for (path, bucket) in [
            ("/api/v1/sms-codes", Some("sms")),
            ("/api/v1/orders/o1/signing-code", Some("sms")),
            ("/api/v1/certificates/ab/cloud-code", Some("sms")),
            ("/api/v1/login/password", Some("login")),
            ("/api/v1/login/sms", Some("login")),
            ("/api/v1/password/reset", Some("login")),
            ("/api/v1/certificates/ab/cloud-sign", Some("pin")),
            ("/api/v1/token-unlock/123", Some("pin")),
            ("/api/v1/orders", None),
            ("/api/v1/captcha", None),
        ] {
            assert_eq!(guarded_bucket(&post, path), bucket, "{path}");
        }
        assert_eq!(
            guarded_bucket(&Method::PUT, "/api/v1/certificates/ab/cloud-pin"),
            Some("pin")
        );
        assert_eq!(guarded_bucket(&Method::GET, "/api/v1/login/password"), None);
    }

    #[test]
    fn the_public_page_of_a_page_qr_code_counts_like_a_write() {
        let get = |path: &str| {
            Request::builder()
                .method(Method::GET)
                .uri(path)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        for path in [
            "/api/v1/verify/tasks/t/documents/0/pages/1",
            "/api/v1/verify/tasks/t/documents/0/pages/1/png",
        ] {
            assert_eq!(classify(&get(path)), Class::Write, "{path}");
        }
        assert_eq!(classify(&get("/api/v1/tasks/t")), Class::Read);
    }
}

//! Security headers on every response (issue 12, finding 18): a content security policy that
//! lets the web app load only its own scripts and talk only to this server and the key agent on
//! loopback, no framing (clickjacking), no referrer (face-check and upload links carry tokens in
//! their paths), no MIME sniffing, and HSTS when the public URL is https.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// Styles may be inline: Element Plus positions popups with `style` attributes. Scripts may not.
/// `connect-src` names the key agent's loopback address (`web/src/composables/useKeyAgent.ts`),
/// and so does `frame-src`: the page detects the agent by framing its `/v1/hello`, which a
/// browser does without logging an error when nothing listens (issue 13).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
    connect-src 'self' http://127.0.0.1:17780; frame-src 'self' http://127.0.0.1:17780; object-src 'none'; base-uri 'self'; \
    form-action 'self'; frame-ancestors 'none'";

/// A year, subdomains included: once a browser has seen the platform over https it never tries
/// plain http again.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if state.config.secure_cookies {
        set(header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT_SECURITY);
    }
    response
}

//! What the agent answers when something goes wrong: `{"code", "message"}` and a status.
//!
//! Token failures keep [`TokenError::code`]; the agent's own refusals use `agent.*` codes.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use signet_pki::PkiError;

use super::throttle::PinKind;
use crate::error::TokenError;

/// A refusal or failure, as the agent reports it.
#[derive(Debug)]
pub(crate) enum AgentError {
    /// The token (or the PKI code under it) said no.
    Token(TokenError),
    /// A PIN field was missing or empty.
    PinRequired(&'static str),
    /// The request's body or parameters do not make sense.
    BadRequest(String),
    /// The body is over [`super::MAX_BODY_BYTES`].
    BodyTooLarge,
    /// The body is not declared as JSON.
    NotJson,
    /// The request came from a web origin other than the platform's.
    OriginRefused(String),
    /// The `Host` does not name loopback (DNS rebinding) or is missing.
    HostRefused(String),
    /// A browser request from another site that carries no `Origin`.
    CrossSite(String),
    /// No such endpoint.
    NotFound,
    /// The endpoint exists, but not for this method.
    MethodNotAllowed,
    /// The agent signs only the platform's own login and binding challenges.
    ChallengeRefused(String),
    /// Too many wrong PINs of this kind for this token lately; retry after this many seconds.
    PinThrottled { kind: PinKind, retry_after: u64 },
    /// The token says one more wrong PIN of this kind locks it: the agent does not try it.
    PinFinalTry(PinKind),
    /// An unlock with a code, but the agent holds no redeemer secret for this token (none was
    /// asked for, it expired, or the agent restarted).
    NoRedeemer,
    /// The platform could not be reached, or failed.
    PlatformUnreachable(String),
    /// The platform refused the unlock code: its problem code and message.
    PlatformRefused { code: String, message: String },
    /// The token was unlocked, but neither could the platform be told its new SO PIN nor could
    /// the old one be put back.
    UnlockUnconfirmed,
    /// The agent itself failed.
    Internal(String),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: String,
}

impl AgentError {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::Token(error) => error.code(),
            Self::PinRequired(_) => "agent.pin_required",
            Self::BadRequest(_) => "agent.bad_request",
            Self::BodyTooLarge => "agent.body_too_large",
            Self::NotJson => "agent.not_json",
            Self::OriginRefused(_) => "agent.origin_refused",
            Self::HostRefused(_) => "agent.host_refused",
            Self::CrossSite(_) => "agent.cross_site",
            Self::NotFound => "agent.not_found",
            Self::MethodNotAllowed => "agent.method_not_allowed",
            Self::ChallengeRefused(_) => "agent.challenge_refused",
            Self::PinThrottled { .. } => "agent.pin_throttled",
            Self::PinFinalTry(_) => "agent.pin_final_try",
            Self::NoRedeemer => "agent.no_redeemer",
            Self::PlatformUnreachable(_) => "agent.platform_unreachable",
            Self::PlatformRefused { .. } => "agent.unlock_code_refused",
            Self::UnlockUnconfirmed => "agent.unlock_unconfirmed",
            Self::Internal(_) => "agent.internal",
        }
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::Token(error) => token_status(error),
            Self::PinRequired(_) | Self::BadRequest(_) | Self::PlatformRefused { .. } => {
                StatusCode::BAD_REQUEST
            }
            Self::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::OriginRefused(_)
            | Self::HostRefused(_)
            | Self::CrossSite(_)
            | Self::ChallengeRefused(_) => StatusCode::FORBIDDEN,
            Self::PinThrottled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PinFinalTry(_) => StatusCode::LOCKED,
            Self::NoRedeemer => StatusCode::CONFLICT,
            Self::PlatformUnreachable(_) | Self::UnlockUnconfirmed => StatusCode::BAD_GATEWAY,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub(crate) fn message(&self) -> String {
        match self {
            Self::Token(error) => error.to_string(),
            Self::PinRequired(field) => format!("`{field}` is required: enter the PIN"),
            Self::BadRequest(reason) => format!("bad request: {reason}"),
            Self::BodyTooLarge => format!(
                "the request is larger than {} KiB",
                super::MAX_BODY_BYTES / 1024
            ),
            Self::NotJson => "send the body as JSON (Content-Type: application/json)".into(),
            Self::OriginRefused(origin) => format!(
                "this agent answers only the Signet platform it was started for, not {origin}"
            ),
            Self::HostRefused(host) => format!(
                "the agent answers only requests addressed to 127.0.0.1, [::1] or localhost, \
                 not `{host}`"
            ),
            Self::CrossSite(site) => {
                format!("a {site} browser request without an Origin header is refused")
            }
            Self::NotFound => "no such endpoint: see /v1/status".into(),
            Self::MethodNotAllowed => "this endpoint does not take that method".into(),
            Self::ChallengeRefused(reason) => format!(
                "the agent signs only the Signet platform's login and binding challenges \
                 (`signet-login:<nonce>:<time>`, `signet-bind:<nonce>:<time>`): {reason}"
            ),
            Self::PinThrottled { kind, retry_after } => format!(
                "too many wrong {} tries for this token: to keep it from locking, the agent \
                 tries no more for {} min",
                kind.name(),
                retry_after.div_ceil(60)
            ),
            Self::PinFinalTry(kind) => format!(
                "one more wrong {} would lock this token, so the agent does not try it: unlock \
                 the PIN with an unlock code from the platform, or ask customer service",
                kind.name()
            ),
            Self::NoRedeemer => "the agent holds no redeemer for this token (it expired, or the \
                agent restarted): ask for a new unlock code"
                .into(),
            Self::PlatformUnreachable(reason) => {
                format!("the agent could not reach the platform: {reason}")
            }
            Self::PlatformRefused { code, message } => {
                format!("the platform refused the unlock code ({code}): {message}")
            }
            Self::UnlockUnconfirmed => {
                "the user PIN was reset, but the platform could not be told \
                the token's new SO PIN: contact customer service before the next unlock"
                    .into()
            }
            Self::Internal(reason) => format!("the agent failed: {reason}"),
        }
    }
}

/// The HTTP status of a token failure: 401 for a wrong PIN, 423 for a locked one, 404 for
/// an unknown token or key, 409 for a token in the wrong state, 400 for bad input, 500 for
/// the module failing.
pub(crate) fn token_status(error: &TokenError) -> StatusCode {
    match error {
        TokenError::PinIncorrect | TokenError::SoPinIncorrect | TokenError::NotLoggedIn => {
            StatusCode::UNAUTHORIZED
        }
        TokenError::PinLocked | TokenError::SoPinLocked => StatusCode::LOCKED,
        TokenError::TokenNotFound(_) | TokenError::KeyNotFound(_) | TokenError::TokenRemoved => {
            StatusCode::NOT_FOUND
        }
        TokenError::AmbiguousToken { .. }
        | TokenError::TokenNotInitialized(_)
        | TokenError::TokenAlreadyInitialized(_)
        | TokenError::UserPinNotInitialized
        | TokenError::KeyIdInUse(_) => StatusCode::CONFLICT,
        TokenError::NoModule
        | TokenError::ModuleLoad { .. }
        | TokenError::Pkcs11 { .. }
        | TokenError::AgentNotLoopback(_)
        | TokenError::AgentOrigin(_)
        | TokenError::AgentHttp(_)
        | TokenError::Pki(PkiError::Pkcs11(_) | PkiError::Signing(_) | PkiError::Encoding(_)) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::BAD_REQUEST,
    }
}

impl From<TokenError> for AgentError {
    fn from(error: TokenError) -> Self {
        Self::Token(error)
    }
}

impl From<PkiError> for AgentError {
    fn from(error: PkiError) -> Self {
        Self::Token(error.into())
    }
}

impl From<JsonRejection> for AgentError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Self::BodyTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::NotJson,
            _ => Self::BadRequest(rejection.body_text()),
        }
    }
}

impl From<PathRejection> for AgentError {
    fn from(rejection: PathRejection) -> Self {
        Self::BadRequest(rejection.body_text())
    }
}

impl IntoResponse for AgentError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(code = self.code(), "{}", self.message());
        }
        let body = ErrorBody {
            code: self.code(),
            message: self.message(),
        };
        let mut response = (status, Json(body)).into_response();
        if let Self::PinThrottled { retry_after, .. } = self {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyId;

    #[test]
    fn statuses_follow_what_the_holder_can_do() {
        let cases = [
            (TokenError::PinIncorrect, 401),
            (TokenError::SoPinIncorrect, 401),
            (TokenError::PinLocked, 423),
            (TokenError::SoPinLocked, 423),
            (TokenError::TokenNotFound("x".into()), 404),
            (TokenError::KeyNotFound(KeyId::new(*b"k").unwrap()), 404),
            (TokenError::UserPinNotInitialized, 409),
            (TokenError::PinRule("short".into()), 400),
            (TokenError::InvalidKeyId("zz".into()), 400),
            (PkiError::InvalidName("x".into()).into(), 400),
            (PkiError::Pkcs11("x".into()).into(), 500),
            (
                TokenError::Pkcs11 {
                    function: "Sign".into(),
                    reason: "GeneralError".into(),
                },
                500,
            ),
        ];
        for (error, status) in cases {
            let code = error.code();
            let agent = AgentError::from(error);
            assert_eq!(agent.status().as_u16(), status, "{code}");
            assert_eq!(agent.code(), code);
        }
        assert_eq!(AgentError::PinRequired("pin").status(), 400);
        assert_eq!(AgentError::OriginRefused("x".into()).status(), 403);
        assert_eq!(
            AgentError::HostRefused("x".into()).code(),
            "agent.host_refused"
        );
    }
}

//! Every error leaves as RFC 9457 `application/problem+json` with a stable code and messages in
//! Chinese and English. 5xx bodies say nothing internal; the cause goes to the log.

use axum::Json;
use axum::extract::Request;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use signet_core::error::Description;
use signet_core::{CoreError, ErrorKind, PlatformError};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Messages {
    #[serde(rename = "zh-CN")]
    pub zh_cn: String,
    pub en: String,
}

/// The error body of every failed request.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub code: String,
    pub message: Messages,
    pub field: Option<String>,
    pub retry_after: Option<i64>,
}

#[derive(Debug)]
pub enum ApiError {
    Core(CoreError),
    Csrf,
    /// What was malformed, in words that never quote the request's content.
    Malformed(String),
    RouteNotFound,
}

impl From<CoreError> for ApiError {
    fn from(error: CoreError) -> Self {
        Self::Core(error)
    }
}

impl From<PlatformError> for ApiError {
    fn from(error: PlatformError) -> Self {
        Self::Core(error.into())
    }
}

impl From<JsonRejection> for ApiError {
    /// Only what kind of malformation: serde's message quotes the offending value (a PIN typed
    /// as a number, say), and it would go to the log (issue 12, finding 18).
    fn from(rejection: JsonRejection) -> Self {
        let what = match rejection {
            JsonRejection::JsonDataError(_) => "JSON of the wrong shape (a type, field or value)",
            JsonRejection::JsonSyntaxError(_) => "JSON syntax error",
            JsonRejection::MissingJsonContentType(_) => "no Content-Type: application/json",
            JsonRejection::BytesRejection(_) => "the body could not be read",
            _ => "malformed JSON body",
        };
        Self::Malformed(what.to_owned())
    }
}

fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::BadInput => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Locked => StatusCode::LOCKED,
        ErrorKind::TooMany => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    /// Where the error comes from: a wing of `signet-core`, or `api` for the HTTP layer's own
    /// refusals (CSRF, malformed body, unknown route).
    fn wing(&self) -> &'static str {
        match self {
            Self::Core(error) => error.wing(),
            Self::Csrf | Self::Malformed(_) | Self::RouteNotFound => "api",
        }
    }

    fn describe(&self) -> Description {
        let plain = |kind, code, zh: &str, en: &str| Description {
            kind,
            code,
            field: None,
            zh: zh.to_owned(),
            en: en.to_owned(),
            retry_after: None,
        };
        match self {
            Self::Core(error) => error.describe(),
            Self::Csrf => plain(
                ErrorKind::Forbidden,
                "csrf_failed",
                "页面已过期，请刷新页面后重试",
                "The page has expired (CSRF check failed); reload it and try again",
            ),
            Self::Malformed(_) => plain(
                ErrorKind::BadInput,
                "malformed_request",
                "请求格式错误",
                "The request is malformed",
            ),
            Self::RouteNotFound => plain(
                ErrorKind::NotFound,
                "not_found",
                "接口不存在",
                "No such endpoint",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let d = self.describe();
        let status = status_of(d.kind);
        match &self {
            Self::Core(
                e @ CoreError::Platform(PlatformError::Database(_) | PlatformError::Internal(_)),
            ) => {
                tracing::error!(error = %e, "request failed");
            }
            Self::Malformed(detail) => tracing::info!(%detail, "malformed request"),
            _ => tracing::debug!(code = d.code, "request refused"),
        }
        let body = Problem {
            kind: format!("/problems/{}.{}", self.wing(), d.code),
            title: d.en.clone(),
            status: status.as_u16(),
            code: d.code.to_owned(),
            message: Messages {
                zh_cn: d.zh,
                en: d.en,
            },
            field: d.field.map(str::to_owned),
            retry_after: d.retry_after,
        };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = d.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            headers.insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// Unknown paths under `/api`, `/pki` and `/dev` answer problem+json instead of the web app's page.
pub async fn json_not_found(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let api = path.starts_with("/api/")
        || path.starts_with("/dev/")
        || path == "/dev"
        || path.starts_with("/pki/");
    if api
        && response
            .extensions()
            .get::<crate::web::SpaFallback>()
            .is_some()
    {
        return ApiError::RouteNotFound.into_response();
    }
    response
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A 400 problem for `error` with the list of what was refused beside it (rows of an import,
/// fields of a form), as `{ …problem, "errors": [...] }`.
pub fn refused_with<E: serde::Serialize>(error: &CoreError, errors: Vec<E>) -> Response {
    #[derive(serde::Serialize)]
    struct Body<E> {
        #[serde(flatten)]
        problem: Problem,
        errors: Vec<E>,
    }
    let wing = error.wing();
    let d = error.describe();
    let problem = Problem {
        kind: format!("/problems/{wing}.{}", d.code),
        title: d.en.clone(),
        status: StatusCode::BAD_REQUEST.as_u16(),
        code: d.code.to_owned(),
        message: Messages {
            zh_cn: d.zh,
            en: d.en,
        },
        field: d.field.map(str::to_owned),
        retry_after: None,
    };
    let mut response = (StatusCode::BAD_REQUEST, Json(Body { problem, errors })).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

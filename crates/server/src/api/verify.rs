//! `POST /api/v1/verify` (ES-15): anyone uploads a signed PDF — multipart field `file` from
//! the public page, or the PDF itself as the body (`Content-Type: application/pdf`) from a
//! script — and gets the verification report in words. No session and no CSRF token: it
//! changes nothing. Rate-limited like every other public write; 50 MB at most.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest as _, Multipart, Request, State};
use axum::http::{StatusCode, header};
use signet_core::PlatformError;
use signet_core::contracts::verification::{self, MAX_PDF, VerificationReport};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;

use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(verify).layer(DefaultBodyLimit::max(MAX_PDF + 64 * 1024)))
}

fn too_large() -> ApiError {
    ApiError::from(PlatformError::TooLarge {
        field: "file",
        limit: MAX_PDF,
    })
}

fn no_file() -> ApiError {
    ApiError::from(PlatformError::Invalid {
        field: "file",
        zh: "请选择要验证的 PDF 文件",
        en: "Choose the PDF file to verify",
    })
}

/// The `file` field of a multipart body.
async fn from_multipart(mut multipart: Multipart) -> Result<Bytes, ApiError> {
    let error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::Malformed(e.body_text())
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(error)? {
        if field.name() == Some("file") {
            return field.bytes().await.map_err(error);
        }
    }
    Err(no_file())
}

/// Verifies every signature of a PDF against this platform's CA and says, in Chinese and
/// English, who signed, under which certificate (issued here or elsewhere), when, what each
/// signature covers and what changed after it.
#[utoipa::path(post, path = "/api/v1/verify", tag = "verify",
    request_body(content_type = "multipart/form-data",
        description = "field `file`: the PDF, 50 MB at most (or the PDF itself as the body, with \
                       Content-Type: application/pdf)"),
    responses((status = 200, body = VerificationReport), (status = 400, body = Problem),
        (status = 413, body = Problem), (status = 429, body = Problem)))]
pub async fn verify(
    State(state): State<AppState>,
    request: Request,
) -> ApiResult<Json<VerificationReport>> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let bytes = if multipart {
        let multipart = Multipart::from_request(request, &state)
            .await
            .map_err(|e| ApiError::Malformed(e.body_text()))?;
        from_multipart(multipart).await?
    } else {
        Bytes::from_request(request, &state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::Malformed(e.body_text())
            }
        })?
    };
    if bytes.len() > MAX_PDF {
        return Err(too_large());
    }
    if bytes.is_empty() {
        return Err(no_file());
    }
    Ok(Json(
        verification::verify(&state.platform, bytes.to_vec()).await?,
    ))
}

//! One of the holder's certificates in full (its fields and chain) and its files (PEM, DER, the
//! chain): another user's serial answers 404.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use signet_core::desk::certificates::{self, CertificateDetail, CertificateFile};
use utoipa::ToSchema;

use super::desk::user_id;
use crate::problem::{ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

/// One of the user's certificates: subject (masked), issuer, chain, validity, PEM.
#[utoipa::path(get, path = "/api/v1/certificates/{serial}", tag = "certificates",
    responses((status = 200, body = CertificateDetail), (status = 404, body = Problem)))]
pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(serial): Path<String>,
) -> ApiResult<Json<CertificateDetail>> {
    Ok(Json(
        certificates::detail(&state.platform, &user_id(&ctx)?, &serial).await?,
    ))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
pub struct DownloadQuery {
    /// `pem`, `der` or `chain` (the certificate then its CAs, PEM).
    pub format: String,
}

/// Downloads one of the user's certificates.
#[utoipa::path(get, path = "/api/v1/certificates/{serial}/download", tag = "certificates", params(DownloadQuery),
    responses((status = 200, content_type = "application/x-pem-file"), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(serial): Path<String>,
    Query(q): Query<DownloadQuery>,
) -> ApiResult<impl IntoResponse> {
    let format = CertificateFile::parse(&q.format)?;
    let bytes = certificates::file(&state.platform, &user_id(&ctx)?, &serial, format).await?;
    let (content_type, extension) = format.content_type();
    // The serial is hex once `file` found it; nothing else reaches the header.
    let name: String = serial.chars().filter(char::is_ascii_hexdigit).collect();
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{extension}\""),
            ),
        ],
        bytes,
    ))
}

//! The public page a page QR code opens (ES-15): `GET /api/v1/verify/tasks/{task}/documents/
//! {document}/pages/{page}` (the page's facts, JSON) and `…/png` (that one page rendered). No
//! session: the URL is printed on the contract. Both count in the public per-client budget
//! (`rate_limit`), as the image makes the server render.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use signet_core::contracts::ContractsError;
use signet_core::contracts::tasks::public_page::{self, PublicPage};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::files::{self, Caching};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(page))
        .routes(routes!(page_png))
}

/// The document's position and the page from the URL; anything but numbers is no page.
fn numbers(document: &str, page: &str) -> Result<(u32, u32), ApiError> {
    let number = |s: &str| {
        // `u32::from_str` takes a leading `+`; a URL printed by us never has one.
        s.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| s.parse::<u32>().ok())
            .flatten()
            .ok_or_else(|| {
                ApiError::from(signet_core::CoreError::from(ContractsError::PageNotFound))
            })
    };
    Ok((number(document)?, number(page)?))
}

/// One page of a contract as the platform holds it now: the contract's state, the document's
/// name and page count, the parties under masked names and whether each has signed. `document`
/// is 0-based, `page` 1-based, as printed in the page's QR code.
#[utoipa::path(get, path = "/api/v1/verify/tasks/{task}/documents/{document}/pages/{page}",
    tag = "verify",
    params(("task" = String, Path), ("document" = String, Path, description = "0-based"),
        ("page" = String, Path, description = "1-based")),
    responses((status = 200, body = PublicPage), (status = 404, body = Problem),
        (status = 429, body = Problem)))]
pub async fn page(
    State(state): State<AppState>,
    Path((task, document, page)): Path<(String, String, String)>,
) -> ApiResult<Json<PublicPage>> {
    let (document, page) = numbers(&document, &page)?;
    Ok(Json(
        public_page::show(&state.platform, &task, document, page).await?,
    ))
}

/// That page of the electronic original (its latest revision) rendered as a PNG image.
#[utoipa::path(get, path = "/api/v1/verify/tasks/{task}/documents/{document}/pages/{page}/png",
    tag = "verify",
    params(("task" = String, Path), ("document" = String, Path, description = "0-based"),
        ("page" = String, Path, description = "1-based")),
    responses((status = 200, content_type = "image/png"), (status = 404, body = Problem),
        (status = 429, body = Problem), (status = 503, body = Problem)))]
pub async fn page_png(
    State(state): State<AppState>,
    Path((task, document, page)): Path<(String, String, String)>,
) -> ApiResult<impl IntoResponse> {
    let (document, page) = numbers(&document, &page)?;
    let png = state
        .page_images
        .png(&state.platform, &task, document, page)
        .await?;
    // The latest revision changes when a party signs: the browser asks again every time (the
    // server keeps the image per revision, so that is cheap).
    Ok(files::file(
        "image/png",
        None,
        Caching::NoStore,
        png.as_ref().clone(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_numbers_name_a_page() {
        assert_eq!(numbers("0", "12").ok(), Some((0, 12)));
        for (document, page) in [
            ("a", "1"),
            ("0", "+1"),
            ("0", "-1"),
            ("0", ""),
            ("0", "1.0"),
        ] {
            assert!(numbers(document, page).is_err(), "{document}/{page}");
        }
        assert!(numbers("0", "99999999999").is_err());
    }
}

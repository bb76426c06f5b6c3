//! Frequent contacts (常用联系人, ES-7 §2.5.1.1.3): the parties an enterprise adds most often,
//! listed masked, added (the same mobile or enterprise again updates its entry) and deleted by
//! the members allowed to launch. A launch party names one by `contact_id`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use signet_core::contracts::contacts::{self, Contact, ContactList, NewContact};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::ApiJson;
use crate::api::desk::user_id;
use crate::problem::{ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(delete))
}

#[derive(Deserialize, IntoParams)]
pub struct ContactQuery {
    /// Keeps the contacts whose name or note contains it.
    #[serde(default)]
    pub q: Option<String>,
}

/// The enterprise's frequent contacts, mobile and ID numbers masked, most recently used first.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/contacts", tag = "contracts", params(ContactQuery),
    responses((status = 200, body = ContactList), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(query): Query<ContactQuery>,
) -> ApiResult<Json<ContactList>> {
    Ok(Json(
        contacts::list(&state.platform, &id, &user_id(&ctx)?, query.q.as_deref()).await?,
    ))
}

/// Adds a frequent contact (201), or updates the entry of the same mobile or enterprise (200).
/// A malformed mobile or ID number is 400 naming the field; past the cap 409 `contacts_full`.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/contacts", tag = "contracts", request_body = NewContact,
    responses((status = 201, body = Contact), (status = 200, body = Contact), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewContact>,
) -> ApiResult<(StatusCode, Json<Contact>)> {
    let saved = contacts::save(&state.platform, &id, &user_id(&ctx)?, &body).await?;
    let status = if saved.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(saved.contact)))
}

/// Deletes a frequent contact; another enterprise's contact is 404.
#[utoipa::path(delete, path = "/api/v1/enterprises/{id}/contacts/{contact_id}", tag = "contracts",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, contact_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    contacts::delete(&state.platform, &id, &user_id(&ctx)?, &contact_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! Contract tasks (ES-7 launch, ES-8 signing, ES-9 lists and actions): launch from rendered PDFs
//! with their signing spots, the six lists, one task, its documents, the SMS intent code,
//! signing, refusal, withdrawal and reminders. A task the caller may not see answers 404.

use axum::Json;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use signet_core::PlatformError;
use signet_core::contracts::tasks::batch_sign::{
    self as batches, BatchSignInput, BatchSignView, BatchStarted, BatchTasks,
};
use signet_core::contracts::tasks::events::Origin;
use signet_core::contracts::tasks::{
    self, LaunchDocument, LaunchInput, LaunchParty, ListQuery, OrderKind, SignInput, SigningSpot,
    TaskList, TaskView,
};
use signet_core::platform::clock::Timestamp;
use signet_core::platform::sms_codes::SentCode;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;

use crate::api::ApiJson;
use crate::api::desk::user_id;
use crate::api::files::{self, Caching};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

/// A launch carries its PDFs in base64: room for 20 MB documents.
const LAUNCH_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The task routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(launch).layer(DefaultBodyLimit::max(LAUNCH_BODY_LIMIT)))
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(document))
        .routes(routes!(evidence))
        .routes(routes!(sign_code))
        .routes(routes!(sign))
        .routes(routes!(batch_sign_code))
        .routes(routes!(batch_sign))
        .routes(routes!(batch_sign_view))
        .routes(routes!(refuse))
        .routes(routes!(withdraw))
        .routes(routes!(remind))
}

pub(super) fn origin(ctx: &Ctx, headers: &HeaderMap) -> Origin {
    Origin {
        ip: Some(ctx.origin.ip.clone()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(300).collect()),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct LaunchDocumentIn {
    pub name: String,
    /// The rendered PDF, base64.
    pub pdf: String,
    #[serde(default)]
    pub spots: Vec<SigningSpot>,
}

#[derive(Deserialize, ToSchema)]
pub struct LaunchIn {
    pub business_type_id: String,
    pub title: String,
    #[serde(default)]
    pub confidential: bool,
    /// Unix seconds; past it the task becomes void.
    #[serde(default)]
    pub deadline: Option<Timestamp>,
    pub order: OrderKind,
    pub parties: Vec<LaunchParty>,
    /// Phones of registered, real-named persons to copy.
    #[serde(default)]
    pub cc: Vec<String>,
    pub documents: Vec<LaunchDocumentIn>,
}

#[derive(Serialize, ToSchema)]
pub struct Launched {
    pub id: String,
}

/// Launches a task of the enterprise from rendered PDFs and their signing spots; spends one
/// contract of the enterprise's quota.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/tasks", tag = "contracts", request_body = LaunchIn,
    responses((status = 201, body = Launched), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn launch(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<LaunchIn>,
) -> ApiResult<(StatusCode, Json<Launched>)> {
    let user = user_id(&ctx)?;
    let mut documents = Vec::new();
    for document in body.documents {
        let pdf = STANDARD.decode(document.pdf.trim()).map_err(|_| {
            ApiError::from(PlatformError::Invalid {
                field: "documents",
                zh: "合同文件须为 base64 编码的 PDF",
                en: "Each document must be a base64-encoded PDF",
            })
        })?;
        documents.push(LaunchDocument {
            name: document.name,
            template_version_id: None,
            pdf,
            spots: document.spots,
            values: std::collections::BTreeMap::new(),
        });
    }
    let input = LaunchInput {
        enterprise_id: id,
        business_type_id: body.business_type_id,
        title: body.title,
        confidential: body.confidential,
        deadline: body.deadline,
        order: body.order,
        parties: body.parties,
        cc: body.cc,
        documents,
    };
    let task = tasks::launch(&state.platform, &user, input, &origin(&ctx, &headers)).await?;
    Ok((StatusCode::CREATED, Json(Launched { id: task })))
}

/// One page of a list: `to_sign` (待我签署), `others` (待他人签署), `completed`, `void`,
/// `initiated` (我发起的) or `cc` (抄送我的).
#[utoipa::path(get, path = "/api/v1/tasks", tag = "contracts", params(ListQuery),
    responses((status = 200, body = TaskList), (status = 400, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<TaskList>> {
    Ok(Json(
        tasks::list(&state.platform, &user_id(&ctx)?, &query).await?,
    ))
}

/// The task as the caller may see it.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "contracts",
    responses((status = 200, body = TaskView), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<TaskView>> {
    Ok(Json(
        tasks::show(&state.platform, &user_id(&ctx)?, &id).await?,
    ))
}

/// The current revision of a document of the task.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/documents/{document_id}/pdf", tag = "contracts",
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = Problem)))]
pub async fn document(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, document_id)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let (_, pdf) = tasks::document_pdf(&state.platform, &user_id(&ctx)?, &id, &document_id).await?;
    Ok(files::pdf(
        Some(&format!("contract-{document_id}.pdf")),
        Caching::NoStore,
        pdf,
    ))
}

/// The evidence package of a completed document (a zip: the signed PDF, the events as JSON in a
/// hash chain, and the report signed by the platform), made once by a job after completion.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/documents/{document_id}/evidence", tag = "contracts",
    responses((status = 200, content_type = "application/zip"), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, document_id)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let (name, zip) =
        tasks::evidence_zip(&state.platform, &user_id(&ctx)?, &id, &document_id).await?;
    Ok(files::file(
        "application/zip",
        Some(&name),
        Caching::NoStore,
        zip,
    ))
}

/// Sends the SMS code that confirms the caller's intent to sign (to their own phone).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/sign-code", tag = "contracts",
    responses((status = 200, body = SentCode), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 429, body = Problem)))]
pub async fn sign_code(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<SentCode>> {
    Ok(Json(
        tasks::send_code(
            &state.platform,
            &user_id(&ctx)?,
            &id,
            &origin(&ctx, &headers),
        )
        .await?,
    ))
}

/// Signs for the caller's party whose turn it is: seals at its spots, PAdES B-T under the
/// party's own certificate; the last signature completes the task (B-LTA).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/sign", tag = "contracts", request_body = SignInput,
    responses((status = 200, body = TaskView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn sign(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SignInput>,
) -> ApiResult<Json<TaskView>> {
    Ok(Json(
        tasks::sign(
            &state.platform,
            &user_id(&ctx)?,
            &id,
            &body,
            &origin(&ctx, &headers),
        )
        .await?,
    ))
}

/// Sends ONE SMS code confirming the intent to sign all these tasks (1 to 1000 where the caller
/// is the party to sign now, under one identity); the message names how many.
#[utoipa::path(post, path = "/api/v1/tasks/batch-sign/code", tag = "contracts", request_body = BatchTasks,
    responses((status = 200, body = SentCode), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 429, body = Problem)))]
pub async fn batch_sign_code(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiJson(body): ApiJson<BatchTasks>,
) -> ApiResult<Json<SentCode>> {
    Ok(Json(
        batches::send_code(
            &state.platform,
            &user_id(&ctx)?,
            &body.task_ids,
            &origin(&ctx, &headers),
        )
        .await?,
    ))
}

/// Confirms a batch with its code: a job signs each task as the single signature would, with
/// these seal choices. 202 with the batch's id; its progress at `GET …/batch-sign/{id}`.
#[utoipa::path(post, path = "/api/v1/tasks/batch-sign", tag = "contracts", request_body = BatchSignInput,
    responses((status = 202, body = BatchStarted), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn batch_sign(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiJson(body): ApiJson<BatchSignInput>,
) -> ApiResult<(StatusCode, Json<BatchStarted>)> {
    let started = batches::start(
        &state.platform,
        &user_id(&ctx)?,
        &body,
        &origin(&ctx, &headers),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(started)))
}

/// The caller's batch: progress (done of total) and the tasks that failed, with why.
#[utoipa::path(get, path = "/api/v1/tasks/batch-sign/{batch_id}", tag = "contracts",
    responses((status = 200, body = BatchSignView), (status = 404, body = Problem)))]
pub async fn batch_sign_view(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(batch_id): Path<String>,
) -> ApiResult<Json<BatchSignView>> {
    Ok(Json(
        batches::view(&state.platform, &user_id(&ctx)?, &batch_id).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ReasonIn {
    pub reason: String,
}

/// Refuses the task (where allowed): it becomes void.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/refuse", tag = "contracts", request_body = ReasonIn,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn refuse(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReasonIn>,
) -> ApiResult<StatusCode> {
    tasks::refuse(
        &state.platform,
        &user_id(&ctx)?,
        &id,
        &body.reason,
        &origin(&ctx, &headers),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct WithdrawIn {
    pub task_ids: Vec<String>,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct Withdrawn {
    pub withdrawn: usize,
}

/// Withdraws launched tasks the caller initiated (all or none); their quota comes back.
#[utoipa::path(post, path = "/api/v1/tasks/withdraw", tag = "contracts", request_body = WithdrawIn,
    responses((status = 200, body = Withdrawn), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiJson(body): ApiJson<WithdrawIn>,
) -> ApiResult<Json<Withdrawn>> {
    let withdrawn = tasks::withdraw(
        &state.platform,
        &user_id(&ctx)?,
        &body.task_ids,
        &body.reason,
        &origin(&ctx, &headers),
    )
    .await?;
    Ok(Json(Withdrawn { withdrawn }))
}

#[derive(Deserialize, ToSchema)]
pub struct RemindIn {
    pub party_id: String,
}

/// Reminds a party whose turn it is by SMS (once an hour per party).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/remind", tag = "contracts", request_body = RemindIn,
    responses((status = 204), (status = 404, body = Problem), (status = 429, body = Problem)))]
pub async fn remind(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RemindIn>,
) -> ApiResult<StatusCode> {
    tasks::remind(
        &state.platform,
        &user_id(&ctx)?,
        &id,
        &body.party_id,
        &origin(&ctx, &headers),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

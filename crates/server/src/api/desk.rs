//! The applicant's side of the registration desk: catalog, orders and their wizard steps,
//! materials, identity checks, signing, payment and the certificates an order produced.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use signet_core::CoreError;
use signet_core::ca::CertificateInfo;
use signet_core::desk::catalog::{self, Business, Project};
use signet_core::desk::materials::{self, Material, UploadLink};
use signet_core::desk::orders::{
    self, ApplicationForm, Order, OrderDetail, OrderFilter, OrderLine, Shipping, SubmitInput,
};
use signet_core::desk::payments::{self, Channel, Payment};
use signet_core::desk::verification::{self, StartInput, Started};
use signet_core::desk::{invoices, printouts, production};
use signet_core::platform::sms_codes::SentCode;
use utoipa::ToSchema;

use super::ApiJson;
use crate::problem::{ApiError, ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

/// The signed-in user's id.
pub fn user_id(ctx: &Ctx) -> Result<String, ApiError> {
    ctx.session()?
        .user_id
        .clone()
        .ok_or(ApiError::Core(CoreError::NotSignedIn))
}

async fn my_order(state: &AppState, ctx: &Ctx, id: &str) -> Result<Order, ApiError> {
    Ok(orders::load_owned(&state.platform, id, &user_id(ctx)?).await?)
}

async fn detail_of(state: &AppState, order: &Order) -> ApiResult<Json<OrderDetail>> {
    Ok(Json(orders::detail(&state.platform, order).await?))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
pub struct CatalogQuery {
    /// Name, code, or an A–Z initial.
    pub search: Option<String>,
}

/// Projects and channels with their products, A–Z.
#[utoipa::path(get, path = "/api/v1/catalog", tag = "desk", params(CatalogQuery),
    responses((status = 200, body = [Project])))]
pub async fn catalog_list(
    State(state): State<AppState>,
    Query(q): Query<CatalogQuery>,
) -> ApiResult<Json<Vec<Project>>> {
    Ok(Json(
        catalog::list(&state.platform, q.search.as_deref()).await?,
    ))
}

/// One project or channel (a partner platform links to its landing page).
#[utoipa::path(get, path = "/api/v1/catalog/{code}", tag = "desk",
    responses((status = 200, body = Project), (status = 404, body = Problem)))]
pub async fn catalog_one(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<Project>> {
    Ok(Json(
        catalog::project_by_code(&state.platform, &code).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewOrderIn {
    pub product_id: String,
    /// `new` (default), `renewal`, `change`, `reissue` or `unlock`.
    #[serde(default)]
    pub kind: Option<Business>,
}

/// Opens an order for a product (drafting).
#[utoipa::path(post, path = "/api/v1/orders", tag = "desk", request_body = NewOrderIn,
    responses((status = 201, body = OrderDetail), (status = 404, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<NewOrderIn>,
) -> ApiResult<impl IntoResponse> {
    let order = orders::create(
        &state.platform,
        &user_id(&ctx)?,
        &body.product_id,
        body.kind.unwrap_or(Business::New),
    )
    .await?;
    Ok((StatusCode::CREATED, detail_of(&state, &order).await?))
}

/// The user's orders: unfinished (default) or finished, with filters.
#[utoipa::path(get, path = "/api/v1/orders", tag = "desk", params(OrderFilter),
    responses((status = 200, body = [OrderLine])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(filter): Query<OrderFilter>,
) -> ApiResult<Json<Vec<OrderLine>>> {
    Ok(Json(
        orders::list_for_user(&state.platform, &user_id(&ctx)?, &filter).await?,
    ))
}

/// One order with its form, checks, certificates and history.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "desk",
    responses((status = 200, body = OrderDetail), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderDetail>> {
    let order = my_order(&state, &ctx, &id).await?;
    detail_of(&state, &order).await
}

/// Saves the wizard's form (any step); the price is recomputed.
#[utoipa::path(put, path = "/api/v1/orders/{id}/form", tag = "desk", request_body = ApplicationForm,
    responses((status = 200, body = OrderDetail), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn save_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<ApplicationForm>,
) -> ApiResult<Json<OrderDetail>> {
    let order = my_order(&state, &ctx, &id).await?;
    let actor = format!("user:{}", order.user_id);
    let order = orders::save_form(&state.platform, &order, form, &actor).await?;
    detail_of(&state, &order).await
}

/// Changes the shipping address until a tracking number exists.
#[utoipa::path(put, path = "/api/v1/orders/{id}/shipping", tag = "desk", request_body = Shipping,
    responses((status = 200, body = OrderDetail), (status = 409, body = Problem)))]
pub async fn update_shipping(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(shipping): ApiJson<Shipping>,
) -> ApiResult<Json<OrderDetail>> {
    let order = my_order(&state, &ctx, &id).await?;
    let order = orders::update_shipping(&state.platform, &order, shipping).await?;
    detail_of(&state, &order).await
}

fn upload_error(error: &axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::Core(CoreError::TooLarge {
            field: "file",
            limit: MAX_UPLOAD,
        })
    } else {
        ApiError::Malformed(error.body_text())
    }
}

/// The largest upload any product can allow (the product's own limit is checked after).
pub const MAX_UPLOAD: usize = 20 * 1024 * 1024;

/// Reads the multipart fields `kind` (optional) and `file`.
async fn read_upload(mut multipart: Multipart) -> Result<(Option<String>, Bytes), ApiError> {
    let mut kind = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| upload_error(&e))? {
        match field.name() {
            Some("kind") => kind = Some(field.text().await.map_err(|e| upload_error(&e))?),
            Some("file") => {
                let bytes = field.bytes().await.map_err(|e| upload_error(&e))?;
                return Ok((kind, bytes));
            }
            _ => {}
        }
    }
    Err(ApiError::Core(CoreError::Invalid {
        field: "file",
        zh: "请选择要上传的文件",
        en: "Choose a file to upload",
    }))
}

/// Uploads a material (multipart: `kind` first, then `file`).
#[utoipa::path(post, path = "/api/v1/orders/{id}/materials", tag = "desk",
    request_body(content_type = "multipart/form-data", description = "fields `kind`, `file`"),
    responses((status = 201, body = Material), (status = 400, body = Problem), (status = 413, body = Problem)))]
pub async fn upload_material(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    multipart: Multipart,
) -> ApiResult<impl IntoResponse> {
    let order = my_order(&state, &ctx, &id).await?;
    let (kind, bytes) = read_upload(multipart).await?;
    let kind = kind.ok_or(ApiError::Core(CoreError::Invalid {
        field: "kind",
        zh: "缺少材料类型",
        en: "The material kind is missing",
    }))?;
    let material = materials::upload(&state.platform, &order, &kind, &bytes).await?;
    Ok((StatusCode::CREATED, Json(material)))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
pub struct MaterialsQuery {
    pub kind: Option<String>,
}

/// The user's earlier uploads, for reuse.
#[utoipa::path(get, path = "/api/v1/materials", tag = "desk", params(MaterialsQuery),
    responses((status = 200, body = [Material])))]
pub async fn my_materials(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MaterialsQuery>,
) -> ApiResult<Json<Vec<Material>>> {
    Ok(Json(
        materials::list_for_user(&state.platform, &user_id(&ctx)?, q.kind.as_deref()).await?,
    ))
}

/// One of the user's materials (the image).
#[utoipa::path(get, path = "/api/v1/materials/{id}", tag = "desk",
    responses((status = 200, content_type = "image/png"), (status = 404, body = Problem)))]
pub async fn material(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let (bytes, content_type) =
        materials::content(&state.platform, &id, Some(&user_id(&ctx)?)).await?;
    Ok(image(bytes, content_type))
}

pub fn image(bytes: Vec<u8>, content_type: String) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, max-age=300".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
}

#[derive(Deserialize, ToSchema)]
pub struct KindIn {
    pub kind: String,
}

/// A one-time link to upload a material from a phone (shown as a QR code).
#[utoipa::path(post, path = "/api/v1/orders/{id}/upload-links", tag = "desk", request_body = KindIn,
    responses((status = 201, body = UploadLink), (status = 400, body = Problem)))]
pub async fn upload_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<KindIn>,
) -> ApiResult<impl IntoResponse> {
    let order = my_order(&state, &ctx, &id).await?;
    let link = materials::create_link(&state.platform, &order, &body.kind).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

#[derive(serde::Serialize, ToSchema)]
pub struct MobileUploadView {
    pub order_number: String,
    pub kind: String,
    pub label: String,
    pub max_bytes: usize,
}

/// What a phone-upload link is for (no session: the link is the credential).
#[utoipa::path(get, path = "/api/v1/mobile-upload/{token}", tag = "desk",
    responses((status = 200, body = MobileUploadView), (status = 400, body = Problem)))]
pub async fn mobile_upload_info(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<Json<MobileUploadView>> {
    let (order, kind) = materials::open_link(&state.platform, &token).await?;
    let product = catalog::product(&state.platform, &order.product_id).await?;
    let spec = product.material(&kind).cloned();
    Ok(Json(MobileUploadView {
        order_number: order.number,
        label: spec.as_ref().map(|s| s.label.clone()).unwrap_or_default(),
        max_bytes: spec.map_or(0, |s| s.max_bytes),
        kind,
    }))
}

/// Uploads through a phone link (multipart `file`); the link then stops working.
#[utoipa::path(post, path = "/api/v1/mobile-upload/{token}", tag = "desk",
    request_body(content_type = "multipart/form-data", description = "field `file`"),
    responses((status = 201, body = Material), (status = 400, body = Problem)))]
pub async fn mobile_upload(
    State(state): State<AppState>,
    Path(token): Path<String>,
    multipart: Multipart,
) -> ApiResult<impl IntoResponse> {
    let (_, bytes) = read_upload(multipart).await?;
    let material = materials::upload_by_link(&state.platform, &token, &bytes).await?;
    Ok((StatusCode::CREATED, Json(material)))
}

#[derive(Deserialize, ToSchema)]
pub struct SigningCodeIn {
    /// Send the authorisation code to the legal representative instead of the operator.
    #[serde(default)]
    pub legal_rep: bool,
}

/// Sends the application-signing SMS code (APP-10).
#[utoipa::path(post, path = "/api/v1/orders/{id}/signing-code", tag = "desk", request_body = SigningCodeIn,
    responses((status = 200, body = SentCode), (status = 400, body = Problem), (status = 429, body = Problem)))]
pub async fn signing_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SigningCodeIn>,
) -> ApiResult<Json<SentCode>> {
    let order = my_order(&state, &ctx, &id).await?;
    Ok(Json(
        orders::send_signing_code(&state.platform, &order, body.legal_rep).await?,
    ))
}

/// Signs and submits the application; identity checks start.
#[utoipa::path(post, path = "/api/v1/orders/{id}/submit", tag = "desk", request_body = SubmitInput,
    responses((status = 200, body = OrderDetail), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SubmitInput>,
) -> ApiResult<Json<OrderDetail>> {
    let order = my_order(&state, &ctx, &id).await?;
    let order = orders::submit(&state.platform, &order, &body, &ctx.origin).await?;
    detail_of(&state, &order).await
}

/// Starts an identity check (micro-deposit, three-/four-factor, face).
#[utoipa::path(post, path = "/api/v1/orders/{id}/verifications", tag = "desk", request_body = StartInput,
    responses((status = 200, body = Started), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn start_verification(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StartInput>,
) -> ApiResult<Json<Started>> {
    let order = my_order(&state, &ctx, &id).await?;
    Ok(Json(
        verification::start(&state.platform, &order, &body).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct DepositIn {
    /// The amount received, in yuan (`0.37`).
    pub amount: String,
}

/// Confirms a micro-deposit amount (3 tries, 72 hours).
#[utoipa::path(post, path = "/api/v1/orders/{id}/verifications/{vid}/deposit", tag = "desk", request_body = DepositIn,
    responses((status = 200, body = Started), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn confirm_deposit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, vid)): Path<(String, String)>,
    ApiJson(body): ApiJson<DepositIn>,
) -> ApiResult<Json<Started>> {
    let order = my_order(&state, &ctx, &id).await?;
    Ok(Json(
        verification::confirm_deposit(&state.platform, &order, &vid, &body.amount).await?,
    ))
}

/// Chooses the offline mail flow: the remaining checks go to a reviewer.
#[utoipa::path(post, path = "/api/v1/orders/{id}/offline", tag = "desk",
    responses((status = 200, body = OrderDetail), (status = 409, body = Problem)))]
pub async fn offline(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderDetail>> {
    let order = my_order(&state, &ctx, &id).await?;
    verification::choose_offline(&state.platform, &order).await?;
    let order = orders::load(&state.platform, &order.id).await?;
    detail_of(&state, &order).await
}

fn pdf(bytes: Vec<u8>, name: &str) -> impl IntoResponse + use<> {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
}

/// The printable application form (offline mail flow).
#[utoipa::path(get, path = "/api/v1/orders/{id}/application-form.pdf", tag = "desk",
    responses((status = 200, content_type = "application/pdf")))]
pub async fn application_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let order = my_order(&state, &ctx, &id).await?;
    let product = catalog::product(&state.platform, &order.product_id).await?;
    let bytes = printouts::application_form(&order, &product)?;
    Ok(pdf(bytes, &format!("application-{}.pdf", order.number)))
}

/// The authorisation letter, prefilled.
#[utoipa::path(get, path = "/api/v1/orders/{id}/authorisation-letter.pdf", tag = "desk",
    responses((status = 200, content_type = "application/pdf")))]
pub async fn authorisation_letter(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let order = my_order(&state, &ctx, &id).await?;
    let bytes = printouts::authorisation_letter(&order)?;
    Ok(pdf(bytes, &format!("authorisation-{}.pdf", order.number)))
}

/// The order's e-invoice.
#[utoipa::path(get, path = "/api/v1/orders/{id}/invoice.pdf", tag = "desk",
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = Problem)))]
pub async fn invoice(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let order = my_order(&state, &ctx, &id).await?;
    let bytes = invoices::pdf(&state.platform, &order.id).await?;
    Ok(pdf(bytes, &format!("invoice-{}.pdf", order.number)))
}

#[derive(Deserialize, ToSchema)]
pub struct PayIn {
    pub channel: Channel,
}

/// Opens a payment (WeChat Pay or Alipay QR code).
#[utoipa::path(post, path = "/api/v1/orders/{id}/payments", tag = "desk", request_body = PayIn,
    responses((status = 201, body = Payment), (status = 409, body = Problem)))]
pub async fn pay(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PayIn>,
) -> ApiResult<impl IntoResponse> {
    let order = my_order(&state, &ctx, &id).await?;
    let payment = payments::create(&state.platform, &order, body.channel).await?;
    Ok((StatusCode::CREATED, Json(payment)))
}

/// The order's payments.
#[utoipa::path(get, path = "/api/v1/orders/{id}/payments", tag = "desk",
    responses((status = 200, body = [Payment])))]
pub async fn payments_of(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Payment>>> {
    let order = my_order(&state, &ctx, &id).await?;
    Ok(Json(payments::list(&state.platform, &order.id).await?))
}

/// A payment gateway's signed notification (no session; the signature is the credential).
#[utoipa::path(post, path = "/api/v1/payments/notify", tag = "desk",
    request_body(content = signet_core::platform::providers::Notification, description = "signed with X-Signet-Signature"),
    responses((status = 200, body = Payment), (status = 401, body = Problem), (status = 409, body = Problem)))]
pub async fn payment_notify(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Payment>> {
    let signature = headers
        .get("x-signet-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Ok(Json(
        payments::notify(&state.platform, &body, signature).await?,
    ))
}

/// Cancels an unpaid order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "desk",
    responses((status = 200, body = OrderDetail), (status = 409, body = Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderDetail>> {
    let order = my_order(&state, &ctx, &id).await?;
    let actor = format!("user:{}", order.user_id);
    let order = orders::cancel(&state.platform, &order, &actor).await?;
    detail_of(&state, &order).await
}

/// Asks for the money back on a paid order that was rejected.
#[utoipa::path(post, path = "/api/v1/orders/{id}/refund", tag = "desk",
    responses((status = 200, body = OrderDetail), (status = 409, body = Problem)))]
pub async fn refund(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderDetail>> {
    let order = my_order(&state, &ctx, &id).await?;
    if order.state != orders::OrderState::Rejected {
        return Err(ApiError::Core(
            signet_core::desk::DeskError::Transition("refund", order.state.as_str()).into(),
        ));
    }
    let actor = format!("user:{}", order.user_id);
    let order = payments::refund(&state.platform, &order, &actor).await?;
    detail_of(&state, &order).await
}

/// The certificates an order produced, with their chains (PEM).
#[utoipa::path(get, path = "/api/v1/orders/{id}/certificates", tag = "desk",
    responses((status = 200, body = [CertificateInfo])))]
pub async fn certificates(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<CertificateInfo>>> {
    let order = my_order(&state, &ctx, &id).await?;
    Ok(Json(
        production::certificates(&state.platform, &order.id).await?,
    ))
}

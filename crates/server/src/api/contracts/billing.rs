//! Billing (ES-5): the price list, the enterprise administrator's 费用中心 (summary, purchases,
//! ledger records with an Excel export, invoices) and the staff's package editor and invoice
//! queue. Gateway notifications about purchases arrive on the platform's notification routes
//! (`gateway_notify`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use signet_core::PlatformError;
use signet_core::contracts::billing::invoices::{QuotaInvoice, QuotaInvoiceRequest};
use signet_core::contracts::billing::packages::{QuotaPackage, QuotaPackageInput};
use signet_core::contracts::billing::purchases::QuotaPurchase;
use signet_core::contracts::billing::records::{QuotaRecord, RecordFilter};
use signet_core::contracts::billing::{
    self, BillingSummary, invoices, packages, purchases, records,
};
use signet_core::desk::roles::Role as StaffRole;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::ApiJson;
use crate::api::staff::staff;
use crate::problem::{ApiError, ApiResult, Problem};
use crate::session::Ctx;
use crate::state::AppState;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The billing routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(on_sale))
        .routes(routes!(summary))
        .routes(routes!(list_purchases, buy))
        .routes(routes!(purchase))
        .routes(routes!(list_records))
        .routes(routes!(export_records))
        .routes(routes!(list_invoices, request_invoice))
        .routes(routes!(invoice_pdf))
        .routes(routes!(staff_packages, create_package))
        .routes(routes!(update_package))
        .routes(routes!(staff_invoices))
        .routes(routes!(issue_invoice))
}

fn user_id(ctx: &Ctx) -> Result<String, ApiError> {
    ctx.session()?
        .user_id
        .clone()
        .ok_or(ApiError::from(PlatformError::NotSignedIn))
}

/// The packages on sale.
#[utoipa::path(get, path = "/api/v1/billing/packages", tag = "contracts",
    responses((status = 200, body = [QuotaPackage]), (status = 401, body = Problem)))]
pub async fn on_sale(
    State(state): State<AppState>,
    ctx: Ctx,
) -> ApiResult<Json<Vec<QuotaPackage>>> {
    user_id(&ctx)?;
    Ok(Json(packages::list(&state.platform, true).await?))
}

/// The enterprise's balance and invoiceable amount (administrator).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/billing", tag = "contracts",
    responses((status = 200, body = BillingSummary), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn summary(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<BillingSummary>> {
    Ok(Json(
        billing::summary(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

/// The enterprise's purchases, newest first (administrator).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/billing/purchases", tag = "contracts",
    responses((status = 200, body = [QuotaPurchase]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_purchases(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<QuotaPurchase>>> {
    Ok(Json(
        purchases::list(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct BuyIn {
    pub package_id: String,
    /// `wechat` or `alipay`.
    pub channel: String,
}

/// Buys a package (administrator): the answer carries the payment's QR code content.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/billing/purchases", tag = "contracts", request_body = BuyIn,
    responses((status = 201, body = QuotaPurchase), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn buy(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<BuyIn>,
) -> ApiResult<impl IntoResponse> {
    let purchase = purchases::create(
        &state.platform,
        &id,
        &user_id(&ctx)?,
        &body.package_id,
        &body.channel,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(purchase)))
}

/// One purchase (administrator); the web app polls it while the payer pays.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/billing/purchases/{purchase_id}", tag = "contracts",
    responses((status = 200, body = QuotaPurchase), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn purchase(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, purchase_id)): Path<(String, String)>,
) -> ApiResult<Json<QuotaPurchase>> {
    Ok(Json(
        purchases::get(&state.platform, &id, &user_id(&ctx)?, &purchase_id).await?,
    ))
}

/// Ledger records: purchases (`kind=purchase`) or signing (`kind=signing`), by date (administrator).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/billing/records", tag = "contracts", params(RecordFilter),
    responses((status = 200, body = [QuotaRecord]), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_records(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(filter): Query<RecordFilter>,
) -> ApiResult<Json<Vec<QuotaRecord>>> {
    Ok(Json(
        records::list(&state.platform, &id, &user_id(&ctx)?, &filter).await?,
    ))
}

/// The same records as an Excel workbook.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/billing/records.xlsx", tag = "contracts", params(RecordFilter),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn export_records(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(filter): Query<RecordFilter>,
) -> ApiResult<impl IntoResponse> {
    let bytes = records::workbook(&state.platform, &id, &user_id(&ctx)?, &filter).await?;
    let name = match filter.kind.as_deref() {
        Some("purchase") => "purchase-records.xlsx",
        Some("signing") => "signing-records.xlsx",
        _ => "quota-records.xlsx",
    };
    Ok((
        [
            (header::CONTENT_TYPE, XLSX.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    ))
}

/// The enterprise's invoices, newest first (administrator).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/billing/invoices", tag = "contracts",
    responses((status = 200, body = [QuotaInvoice]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_invoices(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<QuotaInvoice>>> {
    Ok(Json(
        invoices::list(&state.platform, &id, &user_id(&ctx)?).await?,
    ))
}

/// Asks for an invoice (administrator): at most the invoiceable amount; a special (paper)
/// invoice needs a mailing address.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/billing/invoices", tag = "contracts", request_body = QuotaInvoiceRequest,
    responses((status = 201, body = QuotaInvoice), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn request_invoice(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<QuotaInvoiceRequest>,
) -> ApiResult<impl IntoResponse> {
    let invoice = invoices::request(&state.platform, &id, &user_id(&ctx)?, &body).await?;
    Ok((StatusCode::CREATED, Json(invoice)))
}

/// An issued e-invoice's PDF (administrator).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/billing/invoices/{invoice_id}/pdf", tag = "contracts",
    responses((status = 200, content_type = "application/pdf"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn invoice_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, invoice_id)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let bytes = invoices::pdf_of(&state.platform, &id, &user_id(&ctx)?, &invoice_id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"invoice-{invoice_id}.pdf\""),
            ),
        ],
        bytes,
    ))
}

/// Every package, on sale or not (channel administrators).
#[utoipa::path(get, path = "/api/v1/staff/billing/packages", tag = "staff",
    responses((status = 200, body = [QuotaPackage]), (status = 403, body = Problem)))]
pub async fn staff_packages(
    State(state): State<AppState>,
    ctx: Ctx,
) -> ApiResult<Json<Vec<QuotaPackage>>> {
    staff(&state, &ctx, StaffRole::ChannelAdmin).await?;
    Ok(Json(packages::list(&state.platform, false).await?))
}

/// Adds a package (channel administrators).
#[utoipa::path(post, path = "/api/v1/staff/billing/packages", tag = "staff", request_body = QuotaPackageInput,
    responses((status = 201, body = QuotaPackage), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn create_package(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<QuotaPackageInput>,
) -> ApiResult<impl IntoResponse> {
    let staff_id = staff(&state, &ctx, StaffRole::ChannelAdmin).await?;
    let package = packages::create(&state.platform, &body, &format!("user:{staff_id}")).await?;
    Ok((StatusCode::CREATED, Json(package)))
}

/// Changes a package or takes it off sale (channel administrators); bought ones keep what they had.
#[utoipa::path(put, path = "/api/v1/staff/billing/packages/{package_id}", tag = "staff", request_body = QuotaPackageInput,
    responses((status = 200, body = QuotaPackage), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn update_package(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(package_id): Path<String>,
    ApiJson(body): ApiJson<QuotaPackageInput>,
) -> ApiResult<Json<QuotaPackage>> {
    let staff_id = staff(&state, &ctx, StaffRole::ChannelAdmin).await?;
    Ok(Json(
        packages::update(
            &state.platform,
            &package_id,
            &body,
            &format!("user:{staff_id}"),
        )
        .await?,
    ))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
pub struct InvoiceQueueQuery {
    /// `requested` (default) or `issued`.
    pub state: Option<String>,
}

/// Invoice requests (producers issue them).
#[utoipa::path(get, path = "/api/v1/staff/billing/invoices", tag = "staff", params(InvoiceQueueQuery),
    responses((status = 200, body = [QuotaInvoice]), (status = 403, body = Problem)))]
pub async fn staff_invoices(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<InvoiceQueueQuery>,
) -> ApiResult<Json<Vec<QuotaInvoice>>> {
    staff(&state, &ctx, StaffRole::Producer).await?;
    let wanted = match query.state.as_deref() {
        Some("issued") => "issued",
        _ => "requested",
    };
    Ok(Json(invoices::queue(&state.platform, wanted).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct IssueIn {
    /// The parcel's tracking number (paper special invoices, required for them).
    #[serde(default)]
    pub tracking_number: Option<String>,
}

/// Issues an invoice: an e-invoice's PDF is made and e-mailed; a paper one records its tracking number.
#[utoipa::path(post, path = "/api/v1/staff/billing/invoices/{invoice_id}/issue", tag = "staff", request_body = IssueIn,
    responses((status = 200, body = QuotaInvoice), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn issue_invoice(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(invoice_id): Path<String>,
    ApiJson(body): ApiJson<IssueIn>,
) -> ApiResult<Json<QuotaInvoice>> {
    let staff_id = staff(&state, &ctx, StaffRole::Producer).await?;
    Ok(Json(
        invoices::issue(
            &state.platform,
            &invoice_id,
            &staff_id,
            body.tracking_number.as_deref(),
        )
        .await?,
    ))
}

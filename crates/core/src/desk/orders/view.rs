//! How orders look to their readers: the list rows and the detail page, each with the actions the
//! reader may take now (computed from the transition table), and the history in codes and text.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::super::catalog::{self, Business, Medium, Product};
use super::history::{Lang, Note};
use super::state::{Action, Facts, Viewer, allowed_actions};
use super::{ApplicationForm, Order, OrderState};
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Timestamp;
use crate::platform::ids::Fen;

/// One line of an order's history: the event, and what it says as a code with parameters (for
/// translation) and as text in zh-CN (for clients that show `note` as it is).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub at: Timestamp,
    pub event: String,
    pub from_state: String,
    pub to_state: String,
    pub note: String,
    /// The note's code (`approved`, `rejected`…; `note` for rows older than codes).
    pub code: String,
    /// The note's parameters (`{"reason": …}`; `{"text": …}` for rows older than codes).
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = std::collections::HashMap<String, serde_json::Value>)
    )]
    pub params: serde_json::Value,
}

/// An order's history, oldest first, its text in `lang`.
pub async fn history(
    platform: &Platform,
    id: &str,
    lang: Lang,
) -> Result<Vec<HistoryEntry>, CoreError> {
    let rows = sqlx::query(
        "SELECT at, event, from_state, to_state, note, code, params FROM desk_order_events \
         WHERE order_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let legacy: String = row.try_get("note")?;
            let code: Option<String> = row.try_get("code")?;
            let params: Option<String> = row.try_get("params")?;
            let note = Note::read(code.as_deref(), params.as_deref(), &legacy);
            Ok(HistoryEntry {
                at: row.try_get("at")?,
                event: row.try_get("event")?,
                from_state: row.try_get("from_state")?,
                to_state: row.try_get("to_state")?,
                note: note.text(lang),
                code: note.code(),
                params: note.params(),
            })
        })
        .collect()
}

/// The part of a product's settings the list reads: the medium (for the action guards) and the
/// English name.
#[derive(Deserialize)]
struct LineSettings {
    medium: Medium,
    #[serde(default)]
    name_en: String,
}

/// Filters of the order lists (002 §5.1).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
pub struct OrderFilter {
    /// `unfinished` (default) or `finished`; staff may also pass a single state.
    pub status: Option<String>,
    pub state: Option<String>,
    pub number: Option<String>,
    /// Enterprise or holder name contains this.
    pub name: Option<String>,
    pub product_id: Option<String>,
    /// Business type: `new`, `renewal`, `change`, `reissue` or `unlock`.
    pub kind: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

/// One line of an order list: no personal data beyond the subject's name and masked ids.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    pub id: String,
    pub number: String,
    pub product_id: String,
    pub product_name: String,
    /// The product's name in the English UI (empty: use `product_name`).
    pub product_name_en: String,
    pub kind: Business,
    pub state: OrderState,
    pub state_label: String,
    pub subject_name: String,
    pub summary: serde_json::Value,
    pub amount_fen: Fen,
    pub paid: bool,
    pub flags: Vec<String>,
    pub tracking_number: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// What the reader (the owner, or staff for the staff list) may do now.
    pub allowed_actions: Vec<Action>,
}

/// A business type to filter by must be one that exists.
fn check_kind(filter: &OrderFilter) -> Result<(), CoreError> {
    if let Some(kind) = filter.kind.as_deref().filter(|k| !k.is_empty())
        && Business::parse(kind).is_none()
    {
        return Err(PlatformError::Invalid {
            field: "kind",
            zh: "业务类型应为 new、renewal、change、reissue 或 unlock",
            en: "The business type is one of new, renewal, change, reissue or unlock",
        }
        .into());
    }
    Ok(())
}

/// Lists orders: of one user, or (`user_id = None`) every order, for staff.
pub async fn list(
    platform: &Platform,
    user_id: Option<&str>,
    filter: &OrderFilter,
) -> Result<Vec<OrderLine>, CoreError> {
    check_kind(filter)?;
    let rows = sqlx::query(
        "SELECT o.id, o.number, o.product_id, p.name AS product_name, o.kind, o.state, o.subject_name, \
         o.summary, o.amount_fen, o.paid_at, o.flags, o.tracking_number, o.created_at, o.updated_at, \
         o.review_first, p.settings, \
         (SELECT CAST(COALESCE(SUM(m.amount_fen), 0) AS BIGINT) FROM desk_payments m \
          WHERE m.order_id = o.id AND m.state = 'paid') AS paid_fen \
         FROM desk_orders o JOIN desk_products p ON p.id = o.product_id \
         WHERE ($1 = '' OR o.user_id = $1) ORDER BY o.created_at DESC, o.number DESC LIMIT 500",
    )
    .bind(user_id.unwrap_or(""))
    .fetch_all(platform.db.pool())
    .await?;
    let mut lines = Vec::new();
    for row in rows {
        let state_text: String = row.try_get("state")?;
        let Some(state) = OrderState::parse(&state_text) else {
            continue;
        };
        let keep_status = match filter.status.as_deref() {
            Some("finished") => state.is_finished(),
            Some("all") => true,
            _ if filter.state.is_some() => true,
            _ => !state.is_finished(),
        };
        let number: String = row.try_get("number")?;
        let subject_name: String = row.try_get("subject_name")?;
        let product_id: String = row.try_get("product_id")?;
        let created_at: Timestamp = row.try_get("created_at")?;
        let keep = keep_status
            && filter.state.as_deref().is_none_or(|s| s == state.as_str())
            && filter
                .number
                .as_deref()
                .is_none_or(|n| number.contains(n.trim()))
            && filter
                .name
                .as_deref()
                .is_none_or(|n| subject_name.contains(n.trim()))
            && filter.product_id.as_deref().is_none_or(|p| p == product_id)
            && filter.from.is_none_or(|from| created_at >= from)
            && filter.to.is_none_or(|to| created_at <= to);
        if !keep {
            continue;
        }
        let kind: String = row.try_get("kind")?;
        if filter
            .kind
            .as_deref()
            .is_some_and(|k| !k.is_empty() && k != kind)
        {
            continue;
        }
        let summary: String = row.try_get("summary")?;
        let flags: String = row.try_get("flags")?;
        let settings: String = row.try_get("settings")?;
        let LineSettings {
            medium,
            name_en: product_name_en,
        } = serde_json::from_str::<LineSettings>(&settings)
            .map_err(|e| CoreError::internal(format!("product settings: {e}")))?;
        let amount_fen = Fen::new(row.try_get("amount_fen")?);
        let paid_fen: i64 = row.try_get("paid_fen")?;
        let due = amount_fen.get() > paid_fen;
        // Paid means nothing is left to pay (a price raised after payment is unpaid again).
        let paid = row.try_get::<Option<i64>, _>("paid_at")?.is_some() && !due;
        let tracking_number: Option<String> = row.try_get("tracking_number")?;
        let facts = Facts {
            review_first: row.try_get::<i64, _>("review_first")? == 1,
            paid: paid_fen > 0,
            due,
            shipped: tracking_number.is_some(),
        };
        let viewer = if user_id.is_some() {
            Viewer::Applicant
        } else {
            Viewer::Staff
        };
        lines.push(OrderLine {
            id: row.try_get("id")?,
            number,
            product_id,
            product_name: row.try_get("product_name")?,
            product_name_en,
            kind: Business::parse(&kind).unwrap_or(Business::New),
            state,
            state_label: state.label().to_owned(),
            subject_name,
            summary: serde_json::from_str(&summary).unwrap_or_default(),
            amount_fen,
            paid,
            flags: serde_json::from_str(&flags).unwrap_or_default(),
            tracking_number,
            created_at,
            updated_at: row.try_get("updated_at")?,
            allowed_actions: allowed_actions(viewer, state, facts, medium),
        });
    }
    Ok(lines)
}

/// The applicant's orders.
pub async fn list_for_user(
    platform: &Platform,
    user_id: &str,
    filter: &OrderFilter,
) -> Result<Vec<OrderLine>, CoreError> {
    list(platform, Some(user_id), filter).await
}

/// Everything about one order: the form (for its owner or a reviewer), checks, payments,
/// certificates and history.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent yes/no facts the page shows (paid, invoice ready, shipping), not a state"
)]
pub struct OrderDetail {
    pub id: String,
    pub number: String,
    pub product: Product,
    pub kind: Business,
    pub state: OrderState,
    pub state_label: String,
    pub form: ApplicationForm,
    pub term_years: i64,
    pub quantity: i64,
    pub amount_fen: Fen,
    /// What the next payment asks for: the price less what is already paid (after an upgrade,
    /// the difference).
    pub amount_due_fen: Fen,
    pub paid: bool,
    pub flags: Vec<String>,
    pub reject_reason: Option<String>,
    pub signed_at: Option<Timestamp>,
    pub tracking_number: Option<String>,
    /// The e-invoice exists (`GET /orders/{id}/invoice.pdf` serves it).
    pub invoice_ready: bool,
    pub certificates: Vec<String>,
    pub verifications: Vec<super::super::verification::VerificationView>,
    pub verification_needed: Vec<super::super::verification::Requirement>,
    pub history: Vec<HistoryEntry>,
    /// Whether the shipping address may still change.
    pub shipping_editable: bool,
    pub needs_shipping: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// What the reader may do now (`continue`, `cancel`, `pay`, `approve`…).
    pub allowed_actions: Vec<Action>,
    /// The applicant's own account (name, phone, e-mail), which the wizard fills empty fields
    /// with; only in the applicant's own view.
    pub account_contact: Option<AccountContact>,
}

/// The account's own contact details, for pre-filling the applicant's fields.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountContact {
    pub name: String,
    pub phone: String,
    pub email: String,
}

async fn account_contact(
    platform: &Platform,
    order: &Order,
) -> Result<Option<AccountContact>, CoreError> {
    Ok(
        crate::platform::accounts::find_by_id(platform, &order.user_id)
            .await?
            .map(|user| AccountContact {
                name: user.real_name.unwrap_or_default(),
                phone: user.phone,
                email: user.email.unwrap_or_default(),
            }),
    )
}

/// The detail page as its owner sees it.
pub async fn detail(platform: &Platform, order: &Order) -> Result<OrderDetail, CoreError> {
    detail_for(platform, order, Viewer::Applicant, Lang::ZhCn).await
}

/// The detail page for `viewer`, history text in `lang`.
pub async fn detail_for(
    platform: &Platform,
    order: &Order,
    viewer: Viewer,
    lang: Lang,
) -> Result<OrderDetail, CoreError> {
    let product = catalog::product(platform, &order.product_id).await?;
    let verifications = super::super::verification::list(platform, order).await?;
    let mut verification_needed = super::super::verification::requirements(&product, &order.form);
    // Offer only the methods this server can run (the others answer provider_not_configured).
    for requirement in &mut verification_needed {
        catalog::runnable_methods(platform, &mut requirement.methods);
    }
    let product = catalog::as_offered(platform, product);
    let certificates = super::super::production::certificates_of(platform, &order.id).await?;
    let medium = product.settings.medium;
    let invoice_ready = sqlx::query("SELECT id FROM desk_invoices WHERE order_id = $1")
        .bind(&order.id)
        .fetch_optional(platform.db.pool())
        .await?
        .is_some();
    Ok(OrderDetail {
        id: order.id.clone().into_string(),
        number: order.number.clone(),
        needs_shipping: medium == Medium::UsbKey,
        product,
        kind: order.kind,
        state: order.state,
        state_label: order.state.label().to_owned(),
        form: order.form.clone(),
        term_years: order.term_years,
        quantity: order.quantity,
        amount_fen: order.amount_fen,
        amount_due_fen: order.due_fen(),
        paid: order.paid_at.is_some() && !order.facts().due,
        flags: order.flags.clone(),
        reject_reason: order.reject_reason.clone(),
        signed_at: order.signed_at,
        tracking_number: order.tracking_number.clone(),
        invoice_ready,
        certificates,
        verifications,
        verification_needed,
        history: history(platform, &order.id, lang).await?,
        shipping_editable: order.tracking_number.is_none() && !order.state.is_finished(),
        created_at: order.created_at,
        updated_at: order.updated_at,
        allowed_actions: allowed_actions(viewer, order.state, order.facts(), medium),
        account_contact: if viewer == Viewer::Applicant {
            account_contact(platform, order).await?
        } else {
            None
        },
    })
}

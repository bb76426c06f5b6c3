//! Opening an order: for a product from the catalog, or for a business on an existing certificate.

use serde::Serialize;

use super::super::DeskError;
use super::super::catalog::{self, Business, Product};
use super::{ApplicationForm, Order};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::clock::Clock as _;

fn json(value: &impl Serialize) -> Result<String, CoreError> {
    serde_json::to_string(value).map_err(|e| CoreError::internal(format!("json: {e}")))
}

/// Opens a new order of `kind` for a product, in drafting, with the product's first term and
/// smallest quantity chosen.
pub async fn create(
    platform: &Platform,
    user_id: &str,
    product_id: &str,
    kind: Business,
) -> Result<Order, CoreError> {
    if kind != Business::New {
        // Renewal, change, reissue and unlock start from a certificate, not from the catalog.
        return Err(DeskError::BusinessNotOffered.into());
    }
    create_for(platform, user_id, product_id, kind, None).await
}

/// Opens an order; for a business on an existing certificate, `target` is that certificate and
/// the form of the order that produced it (prefilled, editable, checked again).
pub async fn create_for(
    platform: &Platform,
    user_id: &str,
    product_id: &str,
    kind: Business,
    target: Option<(&str, ApplicationForm)>,
) -> Result<Order, CoreError> {
    let product = catalog::product(platform, product_id).await?;
    if !product.active {
        return Err(DeskError::UnknownProduct.into());
    }
    if !product.settings.business.contains(&kind) {
        return Err(DeskError::BusinessNotOffered.into());
    }
    let (target_serial, form) = match target {
        Some((serial, mut form)) => {
            // One certificate per business order; the open-order slot is claimed on save.
            form.quantity = 1;
            form.materials.clear();
            (Some(serial.to_owned()), form)
        }
        None => (
            None,
            ApplicationForm {
                term_years: product.settings.terms.first().copied().unwrap_or(1),
                quantity: product.settings.min_quantity,
                ..ApplicationForm::default()
            },
        ),
    };
    let now = platform.clock.now();
    let id = uuid::Uuid::new_v4().to_string();
    let number = format!(
        "SN{}{}",
        crate::platform::clock::rfc3339(now)
            .get(..10)
            .unwrap_or("")
            .replace('-', ""),
        platform.random.digits(8)?
    );
    let mut tx = platform.db.begin().await?;
    sqlx::query(
        "INSERT INTO desk_orders (id, number, user_id, product_id, kind, state, form_sealed, summary, subject_name, \
         term_years, quantity, amount_fen, review_first, flags, target_serial, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'drafting', $6, $7, $8, $9, $10, $11, $12, '[]', $13, 0, $14, $14)",
    )
    .bind(&id)
    .bind(&number)
    .bind(user_id)
    .bind(&product.id)
    .bind(kind.as_str())
    .bind(platform.cipher.seal(super::form_sealed_at(&id), &json(&form)?)?)
    .bind(form.masked_summary().to_string())
    .bind(form.subject_name(product.subject_kind))
    .bind(form.term_years)
    .bind(form.quantity)
    .bind(if kind == Business::Unlock {
        0
    } else {
        product.price(form.term_years, form.quantity)?.get()
    })
    .bind(i64::from(product.settings.review_first))
    .bind(&target_serial)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let event = crate::platform::audit::AuditEvent::new(
        format!("user:{user_id}"),
        "desk.order.create",
        format!("order:{id}"),
    )
    .change(
        serde_json::Value::Null,
        serde_json::json!({ "product": product.code, "kind": kind.as_str(), "target": target_serial }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    super::load(platform, &id).await
}

/// The key of the "one open order per ID number and business" slot, which is the applicant's
/// own: it keeps one user from opening the same business twice for one ID, and a refusal only
/// ever points at the caller's own order. Another user's open order for the same ID is neither
/// revealed nor blocked by it (that would tell anyone typing a credit code whether someone has
/// an order for it, and let a stale draft squat a company's code); telling the real applicant
/// from an impostor is what the identity checks and the review are for.
pub(super) fn open_key(
    platform: &Platform,
    product: &Product,
    form: &ApplicationForm,
    kind: Business,
    user_id: &str,
) -> Option<String> {
    form.subject_id(product.subject_kind).map(|id| {
        format!(
            "{}:{}:{user_id}",
            platform.cipher.blind_index("subject-id", id),
            kind.as_str()
        )
    })
}

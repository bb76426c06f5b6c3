//! Changing an order the applicant still holds: the wizard's form, the shipping address until the
//! parcel leaves, and cancelling before money moves.

use super::super::DeskError;
use super::super::catalog::{self, Business};
use super::create::open_key;
use super::history::Note;
use super::writer::{Columns, FormColumns};
use super::{ApplicationForm, Change, Event, Order, apply};
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Clock as _;
use crate::platform::ids::Fen;

/// Saves the wizard's form (any step, any completeness): normalised, goods checked, price
/// recomputed. A rejected order goes back to drafting. Claims the applicant's open-order slot for
/// the form's ID number as soon as it is known, so their second order for the same ID is
/// refused early (another user's order is never revealed: see [`open_key`]).
pub async fn save_form(
    platform: &Platform,
    order: &Order,
    mut form: ApplicationForm,
    actor: &str,
) -> Result<Order, CoreError> {
    order.check(Event::Edit)?;
    let product = catalog::product(platform, &order.product_id).await?;
    form.normalise();
    form.check_goods(&product)?;
    if let Some(id) = form.subject_id(product.subject_kind) {
        let valid = match product.subject_kind {
            catalog::SubjectKind::Enterprise => signet_pki::ids::CreditCode::parse(id).is_ok(),
            catalog::SubjectKind::Personal => signet_pki::ids::IdNumber::parse(id).is_ok(),
        };
        if !valid {
            return Err(PlatformError::Invalid {
                field: if product.subject_kind == catalog::SubjectKind::Enterprise {
                    "organisation.id_number"
                } else {
                    "person.id_number"
                },
                zh: "证件号码不正确（校验位不符）",
                en: "The ID number is not valid (check character)",
            }
            .into());
        }
    }
    for kind in form.materials.keys() {
        if product.material(kind).is_none() {
            return Err(DeskError::UnknownMaterial.into());
        }
    }
    for (kind, material_id) in &form.materials {
        super::super::materials::check_owned(platform, material_id, &order.user_id, kind).await?;
    }
    let now = platform.clock.now();
    let columns = Columns {
        form: Some(FormColumns {
            summary: form.masked_summary().to_string(),
            subject_name: form.subject_name(product.subject_kind),
            term_years: form.term_years,
            quantity: form.quantity,
            amount_fen: if order.kind == Business::Unlock {
                Fen::ZERO
            } else {
                product.price(form.term_years, form.quantity)?
            },
            open_key: open_key(platform, &product, &form, order.kind, &order.user_id),
            id_index: form
                .subject_id(product.subject_kind)
                .map(|id| platform.cipher.blind_index("subject-id", id)),
            form,
        }),
        reject_reason: Some(None),
        ..Columns::default()
    };
    let mut tx = platform.db.begin().await?;
    apply(
        platform,
        &mut tx,
        order,
        &Change::new(Event::Edit, actor, Note::Edited, now).with(columns),
    )
    .await?;
    tx.commit().await?;
    super::load(platform, &order.id).await
}

/// Changes the shipping address; allowed until a tracking number exists (APP-17).
pub async fn update_shipping(
    platform: &Platform,
    order: &Order,
    shipping: super::Shipping,
) -> Result<Order, CoreError> {
    if order.check(Event::ChangeShipping).is_err() {
        return Err(DeskError::AlreadyShipped.into());
    }
    let mut form = order.form.clone();
    form.shipping = shipping;
    form.normalise();
    if !super::is_mobile(&form.shipping.phone)
        || form.shipping.name.is_empty()
        || form.shipping.address.is_empty()
    {
        return Err(DeskError::Missing("shipping").into());
    }
    let mut tx = platform.db.begin().await?;
    apply(
        platform,
        &mut tx,
        order,
        &Change::new(
            Event::ChangeShipping,
            &format!("user:{}", order.user_id),
            Note::ShippingChanged,
            platform.clock.now(),
        )
        .with(Columns {
            form_only: Some(form),
            ..Columns::default()
        }),
    )
    .await?;
    tx.commit().await?;
    super::load(platform, &order.id).await
}

/// Cancels an order that has not been paid.
pub async fn cancel(platform: &Platform, order: &Order, actor: &str) -> Result<Order, CoreError> {
    order.check(Event::Cancel)?;
    let mut tx = platform.db.begin().await?;
    apply(
        platform,
        &mut tx,
        order,
        &Change::new(Event::Cancel, actor, Note::Cancelled, platform.clock.now()),
    )
    .await?;
    tx.commit().await?;
    super::load(platform, &order.id).await
}

//! What the applicant does with an order: open it for a product, save the wizard's steps, sign
//! and submit it, change the shipping address until it ships, cancel it, list and read it.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::super::DeskError;
use super::super::catalog::{self, Business, Medium, Product};
use super::{ApplicationForm, Change, Event, HistoryEntry, Order, OrderState, apply, history};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::accounts::Origin;
use crate::platform::accounts::fields::Phone;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::crypto::sha256_hex;
use crate::platform::sms_codes::{self, Purpose};

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
    .bind(platform.cipher.seal(&json(&form)?)?)
    .bind(form.masked_summary().to_string())
    .bind(form.subject_name(product.subject_kind))
    .bind(form.term_years)
    .bind(form.quantity)
    .bind(if kind == Business::Unlock {
        0
    } else {
        product.price(form.term_years, form.quantity)
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

/// The key of the "one open order per ID number and business" slot.
fn open_key(
    platform: &Platform,
    product: &Product,
    form: &ApplicationForm,
    kind: Business,
) -> Option<String> {
    form.subject_id(product.subject_kind).map(|id| {
        format!(
            "{}:{}",
            platform.cipher.blind_index("subject-id", id),
            kind.as_str()
        )
    })
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(e) => {
            e.is_unique_violation()
                || e.message().contains("UNIQUE")
                || e.message().contains("duplicate key")
        }
        _ => false,
    }
}

/// Saves the wizard's form (any step, any completeness): normalised, goods checked, price
/// recomputed. A rejected order goes back to drafting. Claims the open-order slot for the form's
/// ID number as soon as it is known, so a second order for the same ID is refused early.
pub async fn save_form(
    platform: &Platform,
    order: &Order,
    mut form: ApplicationForm,
    actor: &str,
) -> Result<Order, CoreError> {
    let to = order.check(Event::Edit)?;
    let product = catalog::product(platform, &order.product_id).await?;
    form.normalise();
    form.check_goods(&product)?;
    if let Some(id) = form.subject_id(product.subject_kind) {
        let valid = match product.subject_kind {
            catalog::SubjectKind::Enterprise => signet_pki::ids::CreditCode::parse(id).is_ok(),
            catalog::SubjectKind::Personal => signet_pki::ids::IdNumber::parse(id).is_ok(),
        };
        if !valid {
            return Err(CoreError::Invalid {
                field: if product.subject_kind == catalog::SubjectKind::Enterprise {
                    "organisation.id_number"
                } else {
                    "person.id_number"
                },
                zh: "证件号码不正确（校验位不符）",
                en: "The ID number is not valid (check character)",
            });
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
    let key = open_key(platform, &product, &form, order.kind);
    let mut tx = platform.db.begin().await?;
    let result = sqlx::query(
        "UPDATE desk_orders SET form_sealed = $1, summary = $2, subject_name = $3, term_years = $4, \
         quantity = $5, amount_fen = $6, open_key = $7, id_index = $8, reject_reason = NULL, \
         version = version + 1, updated_at = $9 WHERE id = $10 AND version = $11",
    )
    .bind(platform.cipher.seal(&json(&form)?)?)
    .bind(form.masked_summary().to_string())
    .bind(form.subject_name(product.subject_kind))
    .bind(form.term_years)
    .bind(form.quantity)
    .bind(if order.kind == Business::Unlock {
        0
    } else {
        product.price(form.term_years, form.quantity)
    })
    .bind(&key)
    .bind(
        form.subject_id(product.subject_kind)
            .map(|id| platform.cipher.blind_index("subject-id", id)),
    )
    .bind(now)
    .bind(&order.id)
    .bind(order.version)
    .execute(&mut *tx)
    .await;
    match result {
        Ok(done) if done.rows_affected() == 1 => {}
        Ok(_) => return Err(DeskError::Transition("save", order.state.as_str()).into()),
        Err(e) if is_unique_violation(&e) => return Err(DeskError::OpenOrderExists.into()),
        Err(e) => return Err(e.into()),
    }
    if to != order.state {
        let mut reread = super::load_in(platform, &mut tx, &order.id).await?;
        reread.state = order.state;
        apply(
            platform,
            &mut tx,
            &reread,
            &Change {
                event: Event::Edit,
                actor,
                note: "申请人修改后重新编辑".into(),
                at: now,
            },
        )
        .await?;
    }
    tx.commit().await?;
    super::load(platform, &order.id).await
}

/// Sends the application-signing code to the operator's (or holder's) mobile, or the
/// authorisation code to the legal representative's.
pub async fn send_signing_code(
    platform: &Platform,
    order: &Order,
    legal_rep: bool,
) -> Result<sms_codes::SentCode, CoreError> {
    order.check(Event::Submit)?;
    let (phone, purpose) = if legal_rep {
        let phone = order
            .form
            .organisation
            .as_ref()
            .map(|o| o.legal_rep_phone.clone())
            .unwrap_or_default();
        (phone, Purpose::AuthoriseApplication)
    } else {
        let phone = order
            .form
            .person
            .as_ref()
            .map(|p| p.phone.clone())
            .unwrap_or_default();
        (phone, Purpose::SignApplication)
    };
    let field = if legal_rep {
        "organisation.legal_rep_phone"
    } else {
        "person.phone"
    };
    let phone = Phone::parse(&phone, field)?;
    sms_codes::send(platform, &phone, purpose).await
}

/// What the applicant sends to sign and submit.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitInput {
    /// Consent to the subscriber agreement.
    pub agree: bool,
    /// The code sent to the operator's mobile.
    pub sms_code: String,
    /// The code sent to the legal representative, when the product asks for it.
    #[serde(default)]
    pub legal_rep_code: Option<String>,
}

/// Signs and submits (APP-10, APP-3): the form must be complete; the operator's SMS code and
/// agreement consent are recorded as the signature evidence; automatic checks add flags for the
/// reviewer; identity verification starts.
pub async fn submit(
    platform: &Platform,
    order: &Order,
    input: &SubmitInput,
    origin: &Origin,
) -> Result<Order, CoreError> {
    order.check(Event::Submit)?;
    let product = catalog::product(platform, &order.product_id).await?;
    order.form.check_complete(&product)?;
    if !input.agree {
        return Err(CoreError::AgreementRequired);
    }
    let person_phone = order
        .form
        .person
        .as_ref()
        .map(|p| p.phone.clone())
        .unwrap_or_default();
    let phone = Phone::parse(&person_phone, "person.phone")?;
    let legal_rep_phone =
        if product.settings.legal_rep_authorisation && !order.form.legal_rep_handles {
            let text = order
                .form
                .organisation
                .as_ref()
                .map(|o| o.legal_rep_phone.clone())
                .unwrap_or_default();
            Some(Phone::parse(&text, "organisation.legal_rep_phone")?)
        } else {
            None
        };
    sms_codes::consume(platform, &phone, Purpose::SignApplication, &input.sms_code).await?;
    if let Some(legal_rep_phone) = &legal_rep_phone {
        let code = input.legal_rep_code.as_deref().unwrap_or("");
        sms_codes::consume(
            platform,
            legal_rep_phone,
            Purpose::AuthoriseApplication,
            code,
        )
        .await?;
    }
    let now = platform.clock.now();
    let evidence = serde_json::json!({
        "signed_at": now,
        "ip": origin.ip,
        "agreement": "signet-subscriber-agreement/v1",
        "signer_phone": crate::platform::mask::phone(phone.as_str()),
        "legal_rep_authorised": legal_rep_phone.is_some(),
        "form_sha256": sha256_hex(json(&order.form)?.as_bytes()),
        "amount_fen": order.amount_fen,
    });
    let flags = order.form.auto_flags(&product);
    let mut tx = platform.db.begin().await?;
    sqlx::query(
        "UPDATE desk_orders SET signed_at = $1, signature_evidence = $2, flags = $3 WHERE id = $4",
    )
    .bind(now)
    .bind(evidence.to_string())
    .bind(json(&flags)?)
    .bind(&order.id)
    .execute(&mut *tx)
    .await?;
    apply(
        platform,
        &mut tx,
        order,
        &Change {
            event: Event::Submit,
            actor: &format!("user:{}", order.user_id),
            note: if flags.is_empty() {
                "申请已签署提交，自动审核通过".into()
            } else {
                format!("申请已签署提交，转人工审核：{}", flags.join("；"))
            },
            at: now,
        },
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
    if order.tracking_number.is_some() || order.state.is_finished() {
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
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let done = sqlx::query(
        "UPDATE desk_orders SET form_sealed = $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 AND version = $4 AND tracking_number IS NULL",
    )
    .bind(platform.cipher.seal(&json(&form)?)?)
    .bind(now)
    .bind(&order.id)
    .bind(order.version)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(DeskError::AlreadyShipped.into());
    }
    let event = crate::platform::audit::AuditEvent::new(
        format!("user:{}", order.user_id),
        "desk.order.shipping",
        format!("order:{}", order.id),
    );
    platform.audit.append(&mut tx, now, &event).await?;
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
        &Change {
            event: Event::Cancel,
            actor,
            note: "订单已取消".into(),
            at: platform.clock.now(),
        },
    )
    .await?;
    tx.commit().await?;
    super::load(platform, &order.id).await
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
    pub kind: Business,
    pub state: OrderState,
    pub state_label: String,
    pub subject_name: String,
    pub summary: serde_json::Value,
    pub amount_fen: i64,
    pub paid: bool,
    pub flags: Vec<String>,
    pub tracking_number: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Lists orders: of one user, or (`user_id = None`) every order, for staff.
pub async fn list(
    platform: &Platform,
    user_id: Option<&str>,
    filter: &OrderFilter,
) -> Result<Vec<OrderLine>, CoreError> {
    let rows = sqlx::query(
        "SELECT o.id, o.number, o.product_id, p.name AS product_name, o.kind, o.state, o.subject_name, \
         o.summary, o.amount_fen, o.paid_at, o.flags, o.tracking_number, o.created_at, o.updated_at \
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
        let summary: String = row.try_get("summary")?;
        let flags: String = row.try_get("flags")?;
        lines.push(OrderLine {
            id: row.try_get("id")?,
            number,
            product_id,
            product_name: row.try_get("product_name")?,
            kind: Business::parse(&kind).unwrap_or(Business::New),
            state,
            state_label: state.label().to_owned(),
            subject_name,
            summary: serde_json::from_str(&summary).unwrap_or_default(),
            amount_fen: row.try_get("amount_fen")?,
            paid: row.try_get::<Option<i64>, _>("paid_at")?.is_some(),
            flags: serde_json::from_str(&flags).unwrap_or_default(),
            tracking_number: row.try_get("tracking_number")?,
            created_at,
            updated_at: row.try_get("updated_at")?,
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
    pub amount_fen: i64,
    pub paid: bool,
    pub flags: Vec<String>,
    pub reject_reason: Option<String>,
    pub signed_at: Option<Timestamp>,
    pub tracking_number: Option<String>,
    pub certificates: Vec<String>,
    pub verifications: Vec<super::super::verification::VerificationView>,
    pub verification_needed: Vec<super::super::verification::Requirement>,
    pub history: Vec<HistoryEntry>,
    /// Whether the shipping address may still change.
    pub shipping_editable: bool,
    pub needs_shipping: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

pub async fn detail(platform: &Platform, order: &Order) -> Result<OrderDetail, CoreError> {
    let product = catalog::product(platform, &order.product_id).await?;
    let verifications = super::super::verification::list(platform, &order.id).await?;
    let verification_needed = super::super::verification::requirements(&product, &order.form);
    let certificates = super::super::production::certificates_of(platform, &order.id).await?;
    Ok(OrderDetail {
        id: order.id.clone(),
        number: order.number.clone(),
        needs_shipping: product.settings.medium == Medium::UsbKey,
        product,
        kind: order.kind,
        state: order.state,
        state_label: order.state.label().to_owned(),
        form: order.form.clone(),
        term_years: order.term_years,
        quantity: order.quantity,
        amount_fen: order.amount_fen,
        paid: order.paid_at.is_some(),
        flags: order.flags.clone(),
        reject_reason: order.reject_reason.clone(),
        signed_at: order.signed_at,
        tracking_number: order.tracking_number.clone(),
        certificates,
        verifications,
        verification_needed,
        history: history(platform, &order.id).await?,
        shipping_editable: order.tracking_number.is_none() && !order.state.is_finished(),
        created_at: order.created_at,
        updated_at: order.updated_at,
    })
}

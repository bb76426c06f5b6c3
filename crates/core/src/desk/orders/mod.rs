//! Orders: what an applicant asks the desk for, from the first wizard step to the certificate.
//! Every change of state goes through [`apply`], which checks the transition table in [`state`],
//! writes the order, its history row and an audit event in the caller's transaction.

mod applicant;
mod form;
mod state;

pub use applicant::{
    OrderDetail, OrderFilter, OrderLine, SubmitInput, cancel, create, create_for, detail, list,
    list_for_user, save_form, send_signing_code, submit, update_shipping,
};
pub use form::{
    ApplicationForm, Invoice, Organisation, Person, Shipping, is_account_number, is_mobile,
    luhn_ok, strip_spaces,
};
pub use state::{ALL_EVENTS, ALL_STATES, Event, Facts, OrderState, next};

use serde::Serialize;
use sqlx::Row as _;

use super::DeskError;
use super::catalog::Business;
use crate::Platform;
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Timestamp;
use crate::platform::db::Tx;

/// An order as stored, form decrypted.
#[derive(Debug, Clone)]
pub struct Order {
    pub id: String,
    pub number: String,
    pub user_id: String,
    pub product_id: String,
    pub kind: Business,
    pub state: OrderState,
    pub form: ApplicationForm,
    pub subject_name: String,
    pub term_years: i64,
    pub quantity: i64,
    pub amount_fen: i64,
    pub review_first: bool,
    pub paid_at: Option<Timestamp>,
    pub flags: Vec<String>,
    pub reject_reason: Option<String>,
    pub signed_at: Option<Timestamp>,
    pub tracking_number: Option<String>,
    pub certificate_serial: Option<String>,
    pub target_serial: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Order {
    pub fn facts(&self) -> Facts {
        Facts {
            review_first: self.review_first,
            paid: self.paid_at.is_some(),
            free: self.amount_fen == 0,
        }
    }

    /// Refuses `event` unless the table allows it from the current state.
    pub fn check(&self, event: Event) -> Result<OrderState, CoreError> {
        next(self.state, event, self.facts())
            .ok_or_else(|| DeskError::Transition(event.action(), self.state.as_str()).into())
    }
}

/// One line of an order's history.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub at: Timestamp,
    pub event: String,
    pub from_state: String,
    pub to_state: String,
    pub note: String,
}

const COLUMNS: &str = "id, number, user_id, product_id, kind, state, form_sealed, subject_name, \
    term_years, quantity, amount_fen, review_first, paid_at, flags, reject_reason, signed_at, \
    tracking_number, certificate_serial, target_serial, version, created_at, updated_at";

fn internal(error: impl std::fmt::Display) -> CoreError {
    CoreError::internal(format!("order: {error}"))
}

fn from_row(platform: &Platform, row: &sqlx::any::AnyRow) -> Result<Order, CoreError> {
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    let sealed: String = row.try_get("form_sealed")?;
    let form = serde_json::from_str(&platform.cipher.open(&sealed)?).map_err(internal)?;
    let flags: String = row.try_get("flags")?;
    Ok(Order {
        id: row.try_get("id")?,
        number: row.try_get("number")?,
        user_id: row.try_get("user_id")?,
        product_id: row.try_get("product_id")?,
        kind: Business::parse(&kind).ok_or_else(|| internal(format!("kind {kind}")))?,
        state: OrderState::parse(&state).ok_or_else(|| internal(format!("state {state}")))?,
        form,
        subject_name: row.try_get("subject_name")?,
        term_years: row.try_get("term_years")?,
        quantity: row.try_get("quantity")?,
        amount_fen: row.try_get("amount_fen")?,
        review_first: row.try_get::<i64, _>("review_first")? == 1,
        paid_at: row.try_get("paid_at")?,
        flags: serde_json::from_str(&flags).map_err(internal)?,
        reject_reason: row.try_get("reject_reason")?,
        signed_at: row.try_get("signed_at")?,
        tracking_number: row.try_get("tracking_number")?,
        certificate_serial: row.try_get("certificate_serial")?,
        target_serial: row.try_get("target_serial")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Loads an order by id, whoever owns it (staff and jobs).
pub async fn load(platform: &Platform, id: &str) -> Result<Order, CoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM desk_orders WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(CoreError::NotFound)?;
    from_row(platform, &row)
}

/// Loads an order inside a transaction (the state read is the one the transition checks).
pub async fn load_in(platform: &Platform, tx: &mut Tx, id: &str) -> Result<Order, CoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM desk_orders WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(CoreError::NotFound)?;
    from_row(platform, &row)
}

/// Loads an order of `user_id`; another user's order is "not found", never "forbidden", so ids
/// reveal nothing.
pub async fn load_owned(platform: &Platform, id: &str, user_id: &str) -> Result<Order, CoreError> {
    let order = load(platform, id).await?;
    if order.user_id == user_id {
        Ok(order)
    } else {
        Err(CoreError::NotFound)
    }
}

/// A state change to make: the event, who, why, and column changes that ride along.
pub struct Change<'a> {
    pub event: Event,
    pub actor: &'a str,
    pub note: String,
    pub at: Timestamp,
}

/// Applies `change` to `order` inside `tx`: checks the transition, updates the state (only if
/// nobody changed the order since it was read), frees the open-order slot when the order ends,
/// and writes the history row and the audit event. Returns the new state.
pub async fn apply(
    platform: &Platform,
    tx: &mut Tx,
    order: &Order,
    change: &Change<'_>,
) -> Result<OrderState, CoreError> {
    let to = order.check(change.event)?;
    let updated = sqlx::query(
        "UPDATE desk_orders SET state = $1, version = version + 1, updated_at = $2, \
         open_key = CASE WHEN $3 = 1 THEN NULL ELSE open_key END \
         WHERE id = $4 AND version = $5",
    )
    .bind(to.as_str())
    .bind(change.at)
    .bind(i64::from(to.is_finished()))
    .bind(&order.id)
    .bind(order.version)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(DeskError::Transition(change.event.action(), order.state.as_str()).into());
    }
    sqlx::query(
        "INSERT INTO desk_order_events (order_id, seq, at, actor, event, from_state, to_state, note) \
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7 FROM desk_order_events WHERE order_id = $1",
    )
    .bind(&order.id)
    .bind(change.at)
    .bind(change.actor)
    .bind(change.event.as_str())
    .bind(order.state.as_str())
    .bind(to.as_str())
    .bind(&change.note)
    .execute(&mut **tx)
    .await?;
    let event = AuditEvent::new(
        change.actor,
        &format!("desk.order.{}", change.event.as_str()),
        format!("order:{}", order.id),
    )
    .change(
        serde_json::json!({ "state": order.state.as_str() }),
        serde_json::json!({ "state": to.as_str(), "note": change.note }),
    );
    platform.audit.append(tx, change.at, &event).await?;
    Ok(to)
}

/// An order's history, oldest first.
pub async fn history(platform: &Platform, id: &str) -> Result<Vec<HistoryEntry>, CoreError> {
    let rows = sqlx::query(
        "SELECT at, event, from_state, to_state, note FROM desk_order_events WHERE order_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(HistoryEntry {
                at: row.try_get("at")?,
                event: row.try_get("event")?,
                from_state: row.try_get("from_state")?,
                to_state: row.try_get("to_state")?,
                note: row.try_get("note")?,
            })
        })
        .collect()
}

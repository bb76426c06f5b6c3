//! Orders: what an applicant asks the desk for, from the first wizard step to the certificate.
//! After creation every write goes through [`apply`] (in [`writer`]), which checks the transition
//! table in [`state`] and writes the order's changed columns, its history row and an audit event
//! in the caller's transaction.

mod create;
mod editing;
pub mod flags;
mod form;
mod history;
mod signing;
mod state;
mod view;
mod writer;

pub use create::{create, create_for};
pub use editing::{cancel, save_form, update_shipping};
pub use form::{
    ApplicationForm, Invoice, Organisation, Person, Shipping, SubmittedForm, SubmittedOrganisation,
    is_account_number, is_mobile, luhn_ok, strip_spaces,
};
pub use history::{Lang, Note};
pub use signing::{SubmitInput, send_signing_code, submit};
pub use state::{
    ALL_ACTIONS, ALL_EVENTS, ALL_STATES, Action, Event, Facts, OrderState, Viewer, allowed_actions,
    allows, key_write_event, next,
};
pub use view::{
    AccountContact, HistoryEntry, OrderDetail, OrderFilter, OrderLine, detail, detail_for, history,
    list, list_for_user,
};
pub use writer::{Change, Columns, FormColumns, annotate, apply};

use sqlx::Row as _;

use super::DeskError;
use super::catalog::Business;
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Timestamp;
use crate::platform::crypto::SealedAt;
use crate::platform::db::Tx;
use crate::platform::ids::{Fen, UserId};

/// An order as stored, form decrypted.
#[derive(Debug, Clone)]
pub struct Order {
    pub id: OrderId,
    pub number: String,
    pub user_id: UserId,
    pub product_id: String,
    pub kind: Business,
    pub state: OrderState,
    pub form: ApplicationForm,
    pub subject_name: String,
    pub term_years: i64,
    pub quantity: i64,
    pub amount_fen: Fen,
    /// What the order's payments hold now (paid and not refunded), from `desk_payments`.
    pub paid_fen: Fen,
    pub review_first: bool,
    pub paid_at: Option<Timestamp>,
    /// Codes of what a reviewer should look at ([`flags`]); older rows hold sentences.
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
            paid: self.paid_fen.get() > 0,
            due: self.amount_fen.get() > self.paid_fen.get(),
            shipped: self.tracking_number.is_some(),
        }
    }

    /// What is left to pay: the price less what the order's payments hold (zero when paid or
    /// free; a price lowered after payment is settled by a refund before review, not here).
    pub fn due_fen(&self) -> Fen {
        Fen::new((self.amount_fen.get() - self.paid_fen.get()).max(0))
    }

    /// Refuses `event` unless the table allows it from the current state.
    pub fn check(&self, event: Event) -> Result<OrderState, CoreError> {
        next(self.state, event, self.facts())
            .ok_or_else(|| DeskError::Transition(event.action(), self.state.as_str()).into())
    }
}

const COLUMNS: &str = "id, number, user_id, product_id, kind, state, form_sealed, subject_name, \
    term_years, quantity, amount_fen, review_first, paid_at, flags, reject_reason, signed_at, \
    tracking_number, certificate_serial, target_serial, version, created_at, updated_at, \
    (SELECT CAST(COALESCE(SUM(p.amount_fen), 0) AS BIGINT) FROM desk_payments p \
     WHERE p.order_id = desk_orders.id AND p.state = 'paid') AS paid_fen";

crate::text_id!(
    /// An order's id (`desk_orders.id`; the number people read is [`Order::number`]).
    OrderId
);

fn internal(error: impl std::fmt::Display) -> CoreError {
    CoreError::internal(format!("order: {error}"))
}

/// Where an order's application form is sealed: its own row.
pub(crate) fn form_sealed_at(order_id: &str) -> SealedAt<'_> {
    SealedAt::new("desk_orders", "form_sealed", order_id)
}

fn from_row(platform: &Platform, row: &sqlx::any::AnyRow) -> Result<Order, CoreError> {
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    let id: String = row.try_get("id")?;
    let sealed: String = row.try_get("form_sealed")?;
    let form = serde_json::from_str(&platform.cipher.open(form_sealed_at(&id), &sealed)?)
        .map_err(internal)?;
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
        amount_fen: Fen::new(row.try_get("amount_fen")?),
        paid_fen: Fen::new(row.try_get("paid_fen")?),
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
    .ok_or(PlatformError::NotFound)?;
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
    .ok_or(PlatformError::NotFound)?;
    from_row(platform, &row)
}

/// Loads an order of `user_id`; another user's order is "not found", never "forbidden", so ids
/// reveal nothing.
pub async fn load_owned(platform: &Platform, id: &str, user_id: &str) -> Result<Order, CoreError> {
    let order = load(platform, id).await?;
    if order.user_id == user_id {
        Ok(order)
    } else {
        Err(PlatformError::NotFound.into())
    }
}

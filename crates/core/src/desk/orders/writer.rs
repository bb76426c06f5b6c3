//! The only writer of `desk_orders` after creation: [`apply`] checks the event against the table,
//! writes the state and every column that changes with the event in one statement (guarded by the
//! version read), the history row and the audit event, all in the caller's transaction.

use super::super::DeskError;
use super::history::Note;
use super::{ApplicationForm, Event, Order, OrderState};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Timestamp;
use crate::platform::db::Tx;
use crate::platform::ids::Fen;

/// The form with everything derived from it that the order row keeps beside it.
#[derive(Debug, Clone)]
pub struct FormColumns {
    pub form: ApplicationForm,
    pub summary: String,
    pub subject_name: String,
    pub term_years: i64,
    pub quantity: i64,
    pub amount_fen: Fen,
    /// The "one open order per ID and business" slot (unique); `None` frees it.
    pub open_key: Option<String>,
    pub id_index: Option<String>,
}

/// The columns that change with an event, each `None` when it stays as it is.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// A new form with its derived columns (saving the wizard).
    pub form: Option<FormColumns>,
    /// A new form alone (the shipping address changed).
    pub form_only: Option<ApplicationForm>,
    /// `Some(None)` clears the reason.
    pub reject_reason: Option<Option<String>>,
    /// When and with what evidence the applicant signed.
    pub signature: Option<(Timestamp, serde_json::Value)>,
    pub flags: Option<Vec<String>>,
    pub paid_at: Option<Timestamp>,
    pub tracking_number: Option<String>,
    /// The first certificate the order produced; kept once set.
    pub certificate_serial: Option<String>,
}

/// A state change to make: the event, who, the history note, and the columns that ride along.
pub struct Change<'a> {
    pub event: Event,
    pub actor: &'a str,
    pub note: Note,
    pub at: Timestamp,
    pub columns: Columns,
}

impl<'a> Change<'a> {
    /// An event that changes no column besides the state.
    pub fn new(event: Event, actor: &'a str, note: Note, at: Timestamp) -> Self {
        Self {
            event,
            actor,
            note,
            at,
            columns: Columns::default(),
        }
    }

    #[must_use]
    pub fn with(mut self, columns: Columns) -> Self {
        self.columns = columns;
        self
    }
}

fn json(value: &impl serde::Serialize) -> Result<String, CoreError> {
    serde_json::to_string(value).map_err(|e| CoreError::internal(format!("json: {e}")))
}

pub(super) fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(e) => {
            e.is_unique_violation()
                || e.message().contains("UNIQUE")
                || e.message().contains("duplicate key")
        }
        _ => false,
    }
}

/// Applies `change` to `order` inside `tx`: checks the transition, updates the state and the
/// change's columns (only if nobody changed the order since it was read), frees the open-order
/// slot when the order ends, and writes the history row (when the state moves) and the audit
/// event. Returns the new state.
pub async fn apply(
    platform: &Platform,
    tx: &mut Tx,
    order: &Order,
    change: &Change<'_>,
) -> Result<OrderState, CoreError> {
    let to = order.check(change.event)?;
    let columns = &change.columns;
    let form = columns.form.as_ref();
    let sealed = match (form, &columns.form_only) {
        (Some(form), _) => Some(
            platform
                .cipher
                .seal(super::form_sealed_at(&order.id), &json(&form.form)?)?,
        ),
        (None, Some(form)) => Some(
            platform
                .cipher
                .seal(super::form_sealed_at(&order.id), &json(form)?)?,
        ),
        (None, None) => None,
    };
    let flags = columns.flags.as_ref().map(json).transpose()?;
    let result = sqlx::query(
        "UPDATE desk_orders SET state = $1, version = version + 1, updated_at = $2, \
         open_key = CASE WHEN $3 = 1 THEN NULL WHEN $4 = 1 THEN $5 ELSE open_key END, \
         form_sealed = COALESCE($6, form_sealed), \
         summary = CASE WHEN $4 = 1 THEN $7 ELSE summary END, \
         subject_name = CASE WHEN $4 = 1 THEN $8 ELSE subject_name END, \
         term_years = CASE WHEN $4 = 1 THEN $9 ELSE term_years END, \
         quantity = CASE WHEN $4 = 1 THEN $10 ELSE quantity END, \
         amount_fen = CASE WHEN $4 = 1 THEN $11 ELSE amount_fen END, \
         id_index = CASE WHEN $4 = 1 THEN $12 ELSE id_index END, \
         reject_reason = CASE WHEN $13 = 1 THEN $14 ELSE reject_reason END, \
         signed_at = CASE WHEN $15 = 1 THEN $16 ELSE signed_at END, \
         signature_evidence = CASE WHEN $15 = 1 THEN $17 ELSE signature_evidence END, \
         flags = COALESCE($18, flags), \
         paid_at = CASE WHEN $19 = 1 THEN $20 ELSE paid_at END, \
         tracking_number = COALESCE($21, tracking_number), \
         certificate_serial = COALESCE(certificate_serial, $22) \
         WHERE id = $23 AND version = $24",
    )
    .bind(to.as_str())
    .bind(change.at)
    .bind(i64::from(to.is_finished()))
    .bind(i64::from(form.is_some()))
    .bind(form.and_then(|f| f.open_key.clone()))
    .bind(sealed)
    .bind(form.map(|f| f.summary.clone()))
    .bind(form.map(|f| f.subject_name.clone()))
    .bind(form.map(|f| f.term_years))
    .bind(form.map(|f| f.quantity))
    .bind(form.map(|f| f.amount_fen.get()))
    .bind(form.and_then(|f| f.id_index.clone()))
    .bind(i64::from(columns.reject_reason.is_some()))
    .bind(columns.reject_reason.clone().flatten())
    .bind(i64::from(columns.signature.is_some()))
    .bind(columns.signature.as_ref().map(|(at, _)| *at))
    .bind(columns.signature.as_ref().map(|(_, e)| e.to_string()))
    .bind(flags)
    .bind(i64::from(columns.paid_at.is_some()))
    .bind(columns.paid_at)
    .bind(columns.tracking_number.clone())
    .bind(columns.certificate_serial.clone())
    .bind(&order.id)
    .bind(order.version)
    .execute(&mut **tx)
    .await;
    match result {
        Ok(done) if done.rows_affected() == 1 => {}
        Ok(_) => {
            return Err(DeskError::Transition(change.event.action(), order.state.as_str()).into());
        }
        Err(e) if is_unique_violation(&e) => return Err(DeskError::OpenOrderExists.into()),
        Err(e) => return Err(e.into()),
    }
    let (code, params) = (change.note.code(), change.note.params());
    if to != order.state {
        record_move(tx, order, change, to, (&code, &params)).await?;
    }
    let event = AuditEvent::new(
        change.actor,
        &format!("desk.order.{}", change.event.as_str()),
        format!("order:{}", order.id),
    )
    .change(
        serde_json::json!({ "state": order.state.as_str() }),
        serde_json::json!({ "state": to.as_str(), "code": code, "params": params }),
    );
    platform.audit.append(tx, change.at, &event).await?;
    Ok(to)
}

/// The history row of a state move and, when the order ends, the `desk.order_settled` job for
/// whoever builds on orders (the desk itself does nothing with it).
async fn record_move(
    tx: &mut Tx,
    order: &Order,
    change: &Change<'_>,
    to: OrderState,
    (code, params): (&str, &serde_json::Value),
) -> Result<(), CoreError> {
    let row = HistoryRow {
        order_id: &order.id,
        at: change.at,
        actor: change.actor,
        event: change.event.as_str(),
        from: order.state,
        to,
    };
    insert_history(tx, &row, code, params).await?;
    if to.is_finished() {
        let kind = super::super::jobs::ORDER_SETTLED;
        let job = crate::platform::jobs::NewJob::new(
            kind,
            format!("{kind}:{}:{}", order.id, to.as_str()),
            serde_json::json!({ "order_id": order.id, "state": to.as_str() }),
        );
        crate::platform::jobs::enqueue(tx, change.at, &job).await?;
    }
    Ok(())
}

struct HistoryRow<'a> {
    order_id: &'a str,
    at: Timestamp,
    actor: &'a str,
    event: &'a str,
    from: OrderState,
    to: OrderState,
}

async fn insert_history(
    tx: &mut Tx,
    row: &HistoryRow<'_>,
    code: &str,
    params: &serde_json::Value,
) -> Result<(), CoreError> {
    sqlx::query(
        "INSERT INTO desk_order_events (order_id, seq, at, actor, event, from_state, to_state, note, code, params) \
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, '', $7, $8 FROM desk_order_events WHERE order_id = $1",
    )
    .bind(row.order_id)
    .bind(row.at)
    .bind(row.actor)
    .bind(row.event)
    .bind(row.from.as_str())
    .bind(row.to.as_str())
    .bind(code)
    .bind(params.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A history row that moves nothing: what the part building on a finished order made of it
/// (the e-contract wing says why a completed claim changed nothing). The order's state stays.
pub async fn annotate(
    tx: &mut Tx,
    order: &Order,
    actor: &str,
    note: &Note,
    at: Timestamp,
) -> Result<(), CoreError> {
    let row = HistoryRow {
        order_id: &order.id,
        at,
        actor,
        event: "note",
        from: order.state,
        to: order.state,
    };
    insert_history(tx, &row, &note.code(), &note.params()).await
}

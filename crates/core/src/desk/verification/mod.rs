//! Identity verification of an order (APP-4 … APP-7): which parties must be checked by which
//! methods, and the sessions that check them: micro-deposit (random 0.01–1.00 CNY, 3 tries,
//! 72 hours, an unsupported bank goes to a person), carrier three-factor, bank-card four-factor
//! and face check. When every party has passed, or been handed to a reviewer, the order moves on.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::DeskError;
use super::catalog::{Method, Product, SubjectKind};
use super::orders::{ApplicationForm, Lang, Order, OrderState};
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::crypto::SealedAt;

mod deposit;
mod detail;
mod limits;
mod settle;
mod start;
mod status;

pub use deposit::{confirm_deposit, parse_yuan};
pub use detail::CheckDetail;
pub use limits::{MAX_DEPOSITS, MAX_LOOKUPS};
use settle::advance;
pub use settle::choose_offline;
pub use start::start;
pub use status::{VerificationEvent, VerificationStatus};

use crate::platform::machine::Machine as _;
use status::SessionChange;

/// How long a micro-deposit amount can be entered.
pub const DEPOSIT_LIFETIME: i64 = 72 * 3600;
/// Wrong amounts before the check goes to a person.
pub const DEPOSIT_TRIES: i64 = 3;
/// How long a face-check link works.
pub const FACE_LIFETIME: i64 = 30 * 60;

/// Whose identity is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Party {
    /// The enterprise, through its bank account or its legal representative.
    Organisation,
    /// The enterprise's operator.
    Operator,
    /// The holder of a personal certificate.
    Person,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Organisation => "organisation",
            Self::Operator => "operator",
            Self::Person => "person",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Organisation, Self::Operator, Self::Person]
            .into_iter()
            .find(|p| p.as_str() == text)
    }
}

/// One party to check and the methods the product allows for it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Requirement {
    pub party: Party,
    pub methods: Vec<Method>,
}

/// What the product asks to be checked for this form.
pub fn requirements(product: &Product, form: &ApplicationForm) -> Vec<Requirement> {
    match product.subject_kind {
        SubjectKind::Personal => vec![Requirement {
            party: Party::Person,
            methods: product.settings.verification.clone(),
        }],
        SubjectKind::Enterprise => {
            let mut needs = vec![Requirement {
                party: Party::Organisation,
                methods: product.settings.verification.clone(),
            }];
            if !form.legal_rep_handles && !product.settings.operator_verification.is_empty() {
                needs.push(Requirement {
                    party: Party::Operator,
                    methods: product.settings.operator_verification.clone(),
                });
            }
            needs
        }
    }
}

/// A verification session as the applicant sees it (secrets never leave the server).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerificationView {
    pub id: String,
    pub party: Party,
    pub method: Method,
    /// `pending`, `passed`, `failed`, `manual` (handed to a reviewer) or `expired`.
    pub state: VerificationStatus,
    pub attempts: i64,
    /// The result in Chinese.
    pub detail: String,
    /// The result's code (`passed`, `deposit_sent`…; `note` for rows older than codes), which
    /// the web app renders in the reader's language.
    pub detail_code: String,
    /// The result's parameters (`{"bank": …}`; `{"text": …}` for rows older than codes).
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = std::collections::HashMap<String, serde_json::Value>)
    )]
    pub detail_params: serde_json::Value,
    pub expires_at: Timestamp,
    pub created_at: Timestamp,
    /// The check is about the identity the form names now. A check of data edited since counts
    /// for nothing: the party needs a new one.
    pub current: bool,
}

impl VerificationView {
    /// The result as its code says (the sentence for rows older than codes).
    pub fn result(&self) -> CheckDetail {
        CheckDetail::read(
            Some(&self.detail_code),
            Some(&self.detail_params.to_string()),
            &self.detail,
        )
    }
}

/// What the applicant sends to start a check. Each field may be left out (the field-level
/// `default`s also tell the OpenAPI document so).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartInput {
    #[serde(default)]
    pub party: Option<Party>,
    #[serde(default)]
    pub method: Option<Method>,
    /// Micro-deposit: the bank and the organisation's account number.
    #[serde(default)]
    pub bank: String,
    #[serde(default)]
    pub account: String,
    /// Four-factor: the bank card and the mobile number the bank holds for it.
    #[serde(default)]
    pub card: String,
    #[serde(default)]
    pub card_phone: String,
}

/// The result of starting a check.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Started {
    pub verification: VerificationView,
    /// The order's state afterwards (it moves on once every party is done).
    pub order_state: OrderState,
    /// Face check: the link sent to the person's phone, also shown as an on-site QR code.
    pub face_url: Option<String>,
}

/// A session row as the applicant sees it, `current` measured against `form`.
fn view(
    platform: &Platform,
    row: &sqlx::any::AnyRow,
    form: &ApplicationForm,
) -> Result<VerificationView, CoreError> {
    let party: String = row.try_get("party")?;
    let party = Party::parse(&party).unwrap_or(Party::Person);
    let method: String = row.try_get("method")?;
    let hash: Option<String> = row.try_get("identity_hash")?;
    let detail = CheckDetail::read(
        row.try_get::<Option<String>, _>("detail_code")?.as_deref(),
        row.try_get::<Option<String>, _>("detail_params")?
            .as_deref(),
        &row.try_get::<String, _>("detail")?,
    );
    Ok(VerificationView {
        current: hash.as_deref() == Some(identity_hash(platform, form, party).as_str()),
        id: row.try_get("id")?,
        party,
        method: Method::parse(&method).unwrap_or(Method::ThreeFactor),
        state: {
            let text: String = row.try_get("state")?;
            VerificationStatus::parse(&text)
                .ok_or_else(|| CoreError::internal(format!("verification state {text}")))?
        },
        attempts: row.try_get("attempts")?,
        detail: detail.text(Lang::ZhCn),
        detail_code: detail.code(),
        detail_params: detail.params(),
        expires_at: row.try_get("expires_at")?,
        created_at: row.try_get("created_at")?,
    })
}

const COLUMNS: &str = "id, party, method, state, attempts, detail, detail_code, detail_params, expires_at, created_at, \
     identity_hash";

/// The checks of an order, newest first.
pub async fn list(platform: &Platform, order: &Order) -> Result<Vec<VerificationView>, CoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM desk_verifications WHERE order_id = $1 ORDER BY created_at DESC, id"
    )))
    .bind(&order.id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|row| view(platform, row, &order.form))
        .collect()
}

/// The identity of `party` on the form: name, ID number, mobile.
fn identity(form: &ApplicationForm, party: Party) -> (String, String, String) {
    match party {
        Party::Organisation => form
            .organisation
            .as_ref()
            .map(|o| {
                (
                    o.legal_rep_name.clone(),
                    o.legal_rep_id_number.clone(),
                    o.legal_rep_phone.clone(),
                )
            })
            .unwrap_or_default(),
        Party::Operator | Party::Person => form
            .person
            .as_ref()
            .map(|p| (p.name.clone(), p.id_number.clone(), p.phone.clone()))
            .unwrap_or_default(),
    }
}

/// The keyed hash of what a check of `party` looks at on the form: the organisation with its
/// legal representative, or the person. A check counts only while the form still says this, so
/// editing the checked identity (another company's credit code, another ID number) voids it.
fn identity_hash(platform: &Platform, form: &ApplicationForm, party: Party) -> String {
    let fields = match party {
        Party::Organisation => {
            let org = form.organisation.clone().unwrap_or_default();
            serde_json::json!([
                org.name,
                org.id_number,
                org.legal_rep_name,
                org.legal_rep_id_number,
                org.legal_rep_phone
            ])
        }
        Party::Operator | Party::Person => {
            let person = form.person.clone().unwrap_or_default();
            serde_json::json!([person.name, person.id_number, person.phone])
        }
    };
    platform.cipher.blind_index(
        "verification-identity",
        &format!("{}:{fields}", party.as_str()),
    )
}

/// The order's checks that are about the identities its form names now, newest first: the only
/// ones that can settle a party.
async fn current(platform: &Platform, order: &Order) -> Result<Vec<VerificationView>, CoreError> {
    let mut sessions = list(platform, order).await?;
    sessions.retain(|v| v.current);
    Ok(sessions)
}

struct NewSession {
    /// Set for face checks: the blind index of the link's token, so the link finds its row.
    id: Option<String>,
    party: Party,
    method: Method,
    state: VerificationStatus,
    /// Tries already used (a micro-deposit continues from the wrong amounts of earlier ones).
    attempts: i64,
    secret: Option<String>,
    detail: CheckDetail,
    expires_at: Timestamp,
}

/// Where a verification's secret (the micro-deposit amount) is sealed: its own row.
pub(crate) fn secret_sealed_at(id: &str) -> SealedAt<'_> {
    SealedAt::new("desk_verifications", "secret_sealed", id)
}

async fn insert(
    platform: &Platform,
    order: &Order,
    session: &NewSession,
) -> Result<String, CoreError> {
    let now = platform.clock.now();
    let id = session
        .id
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let sealed = session
        .secret
        .as_deref()
        .map(|s| platform.cipher.seal(secret_sealed_at(&id), s))
        .transpose()?;
    let mut tx = platform.db.begin().await?;
    sqlx::query(
        "INSERT INTO desk_verifications (id, order_id, party, method, state, attempts, secret_sealed, detail, \
         expires_at, created_at, updated_at, identity_hash, detail_code, detail_params) \
         VALUES ($1, $2, $3, $4, $5, $11, $6, $7, $8, $9, $9, $10, $12, $13)",
    )
    .bind(&id)
    .bind(&order.id)
    .bind(session.party.as_str())
    .bind(session.method.as_str())
    .bind(session.state.as_str())
    .bind(sealed)
    .bind(session.detail.text(Lang::ZhCn))
    .bind(session.expires_at)
    .bind(now)
    .bind(identity_hash(platform, &order.form, session.party))
    .bind(session.attempts)
    .bind(session.detail.code())
    .bind(session.detail.stored_params())
    .execute(&mut *tx)
    .await?;
    let event = crate::platform::audit::AuditEvent::new(
        format!("user:{}", order.user_id),
        "desk.verification.start",
        format!("order:{}", order.id),
    )
    .change(
        serde_json::Value::Null,
        serde_json::json!({ "party": session.party.as_str(), "method": session.method.as_str(), "state": session.state.as_str() }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(id)
}

async fn one(
    platform: &Platform,
    id: &str,
    form: &ApplicationForm,
) -> Result<(VerificationView, String, Option<String>), CoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}, order_id, secret_sealed FROM desk_verifications WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    Ok((
        view(platform, &row, form)?,
        row.try_get("order_id")?,
        row.try_get("secret_sealed")?,
    ))
}

fn invalid(field: &'static str, zh: &'static str, en: &'static str) -> CoreError {
    PlatformError::Invalid { field, zh, en }.into()
}

/// The face-check page's answer (the sandbox's pass/fail page, or a real provider's callback).
pub async fn finish_face(
    platform: &Platform,
    token: &str,
    passed: bool,
) -> Result<OrderState, CoreError> {
    let now = platform.clock.now();
    let id = platform.cipher.blind_index("face-link", token);
    let row = sqlx::query(
        "SELECT order_id, expires_at, attempts FROM desk_verifications \
         WHERE id = $1 AND method = 'face' AND state = 'pending'",
    )
    .bind(&id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(DeskError::LinkExpired)?;
    let order_id: String = row.try_get("order_id")?;
    let expires_at: Timestamp = row.try_get("expires_at")?;
    let (event, detail) = if expires_at <= now {
        (VerificationEvent::Expire, CheckDetail::FaceExpired)
    } else if passed {
        (VerificationEvent::Pass, CheckDetail::FacePassed)
    } else {
        (VerificationEvent::Fail, CheckDetail::FaceFailed)
    };
    status::apply(
        platform,
        &SessionChange {
            id: &id,
            from: VerificationStatus::Pending,
            attempts_read: row.try_get("attempts")?,
            event,
            counts_try: false,
            detail: Some(&detail),
            at: now,
        },
    )
    .await?;
    if event == VerificationEvent::Expire {
        return Err(DeskError::LinkExpired.into());
    }
    advance(platform, &order_id).await
}

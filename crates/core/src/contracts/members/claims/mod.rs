//! The administrator claim as a desk order (§2.9.3.2, ADR 0013): a real-named member below the
//! administrator of a certified enterprise opens an order of the e-contract project's
//! "管理员申领" product that names the enterprise. The desk proves the claimant (the legal
//! representative by phone three-factor or bank-card four-factor, handling it himself, or an
//! operator the enterprise authorised by letter, checked too), takes the SMS-signed application
//! and the staff's review, and issues nothing. When the order completes, [`settle`] makes the
//! claimant the one administrator in one transaction under the enterprise's lock; a claimant
//! removed or already administrator meanwhile changes nothing, and the order's history says why.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

mod settle;

pub use settle::settle;

use crate::Platform;
use crate::contracts::access::{self, Role};
use crate::contracts::{ContractsError, enterprises, persons, settings};
use crate::desk::{ApplicationForm, Business, Order, OrderState, Organisation, Person};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};

/// Audit actions of a claim's life besides the swap itself ([`super::ADMIN_CLAIM`]).
pub const CLAIM_OPEN: &str = "contracts.admin_claim_open";
pub const CLAIM_WITHDRAWN: &str = "contracts.admin_claim_withdrawn";
pub const CLAIM_VOID: &str = "contracts.admin_claim_void";

/// How the claimant stands for the enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ClaimRoute {
    /// The claimant is the legal representative (their verified name is the enterprise's) and
    /// handles the order himself.
    #[default]
    LegalRep,
    /// The claimant is an operator the enterprise authorised by a letter with its official seal;
    /// the legal representative and the operator are both checked, and staff read the letter.
    Authorised,
}

impl ClaimRoute {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LegalRep => "legal_rep",
            Self::Authorised => "authorised",
        }
    }
}

/// What the claimant chooses.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimInput {
    pub route: ClaimRoute,
}

/// A claim as the claimant sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminClaim {
    pub id: String,
    pub enterprise_id: String,
    /// `legal_rep` or `authorised`.
    pub route: String,
    /// `open`, `done`, `void` (completed, nothing changed: see `reason`) or `withdrawn`.
    pub state: String,
    /// Why a completed claim changed nothing: `not_member`, `already_admin`, `not_certified`
    /// or `form_mismatch`.
    pub reason: Option<String>,
    /// The desk order to continue (wizard, checks, signing) and where it stands.
    pub order_id: String,
    pub order_number: String,
    pub order_state: OrderState,
    pub order_state_label: String,
    /// `continue` and `withdraw` while the order allows them.
    pub actions: Vec<&'static str>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const COLUMNS: &str =
    "id, enterprise_id, user_id, order_id, route, state, reason, created_at, updated_at";

async fn view(platform: &Platform, row: &sqlx::any::AnyRow) -> Result<AdminClaim, CoreError> {
    let order_id: String = row.try_get("order_id")?;
    let order = crate::desk::load_order(platform, &order_id).await?;
    let state: String = row.try_get("state")?;
    let mut actions = Vec::new();
    if state == "open" && !order.state.is_finished() {
        actions.push("continue");
        if enterprises::withdraw_block(&order).is_none() {
            actions.push("withdraw");
        }
    }
    Ok(AdminClaim {
        id: row.try_get("id")?,
        enterprise_id: row.try_get("enterprise_id")?,
        route: row.try_get("route")?,
        state,
        reason: row.try_get("reason")?,
        order_id,
        order_number: order.number.clone(),
        order_state: order.state,
        order_state_label: order.state.label().to_owned(),
        actions,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The enterprise's legal representative's name, opened.
async fn legal_rep(platform: &Platform, enterprise_id: &str) -> Result<String, CoreError> {
    let sealed: String =
        sqlx::query("SELECT legal_rep_name_sealed FROM ec_enterprises WHERE id = $1")
            .bind(enterprise_id)
            .fetch_optional(platform.db.pool())
            .await?
            .ok_or(PlatformError::NotFound)?
            .try_get("legal_rep_name_sealed")?;
    platform
        .cipher
        .open(enterprises::legal_rep_sealed_at(enterprise_id), &sealed)
}

/// The claim product of the e-contract project.
async fn product(platform: &Platform) -> Result<crate::desk::Product, CoreError> {
    crate::desk::project_by_code(platform, settings::PROJECT)
        .await?
        .products
        .into_iter()
        .find(|p| p.code == settings::PRODUCT_ADMIN_CLAIM && p.active)
        .ok_or_else(|| {
            CoreError::internal(format!(
                "e-contract product {} missing",
                settings::PRODUCT_ADMIN_CLAIM
            ))
        })
}

/// The claimant's form: the enterprise as the organisation (its stored name, code and legal
/// representative), the claimant as the operator; on the legal-rep route the claimant is the
/// legal representative (ID number and phone his own).
fn form_for(
    base: &ApplicationForm,
    enterprise: &enterprises::Enterprise,
    legal_rep: &str,
    claimant: Person,
    route: ClaimRoute,
) -> ApplicationForm {
    let by_rep = route == ClaimRoute::LegalRep;
    ApplicationForm {
        organisation: Some(Organisation {
            name: enterprise.name.clone(),
            id_number: enterprise.credit_code.clone(),
            legal_rep_name: legal_rep.to_owned(),
            legal_rep_id_number: if by_rep {
                claimant.id_number.clone()
            } else {
                String::new()
            },
            legal_rep_phone: if by_rep {
                claimant.phone.clone()
            } else {
                String::new()
            },
            unique_identifier: String::new(),
        }),
        legal_rep_handles: by_rep,
        authorisation_grantee: if by_rep {
            String::new()
        } else {
            claimant.name.clone()
        },
        person: Some(claimant),
        ..base.clone()
    }
}

/// Opens a claim: the caller must be a real-named active member below the administrator of a
/// certified enterprise (`NotFound` for outsiders and unknown ids), the legal representative by
/// name on the legal-rep route (`NotLegalRep`), without an open claim of the enterprise
/// (`ClaimOpen`). Opens the desk order, prefilled, and records the claim.
pub async fn open(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    input: &ClaimInput,
) -> Result<AdminClaim, CoreError> {
    access::require_real_name(platform.db.pool(), actor).await?;
    let role = access::require(platform.db.pool(), enterprise_id, actor, Role::Member).await?;
    if role == Role::Admin {
        return Err(ContractsError::NotOneself.into());
    }
    let (name, id_number) = persons::identity(platform, actor).await?;
    let legal_rep = legal_rep(platform, enterprise_id).await?;
    if input.route == ClaimRoute::LegalRep && name != legal_rep {
        return Err(ContractsError::NotLegalRep.into());
    }
    if open_claim(platform, enterprise_id, actor).await?.is_some() {
        return Err(ContractsError::ClaimOpen.into());
    }
    let enterprise = enterprises::load(platform, enterprise_id).await?;
    let user = crate::platform::accounts::find_by_id(platform, actor)
        .await?
        .ok_or(PlatformError::NotSignedIn)?;
    let product = product(platform).await?;
    let order = crate::desk::create_order(platform, actor, &product.id, Business::New).await?;
    let claimant = Person {
        name,
        id_number,
        phone: user.phone.clone(),
        email: user.email.clone().unwrap_or_default(),
        ..Person::default()
    };
    let form = form_for(&order.form, &enterprise, &legal_rep, claimant, input.route);
    let by = format!("user:{actor}");
    let recorded = match crate::desk::save_order_form(platform, &order, form, &by).await {
        Ok(order) => record(platform, enterprise_id, actor, &order, input.route).await,
        Err(error) => Err(error),
    };
    match recorded {
        Ok(id) => load_mine(platform, enterprise_id, actor, &id).await,
        Err(error) => {
            // The order proves nothing without its claim: it goes again.
            let order = crate::desk::load_order(platform, &order.id).await?;
            crate::desk::cancel_order(platform, &order, &by).await?;
            Err(
                if matches!(
                    error.as_wing(),
                    Some(crate::desk::DeskError::OpenOrderExists)
                ) {
                    ContractsError::ClaimOpen.into()
                } else {
                    error
                },
            )
        }
    }
}

/// The caller's open claim of the enterprise, if any.
async fn open_claim(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
) -> Result<Option<String>, CoreError> {
    Ok(sqlx::query(
        "SELECT id FROM ec_admin_claims WHERE enterprise_id = $1 AND user_id = $2 AND state = 'open'",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .fetch_optional(platform.db.pool())
    .await?
    .map(|row| row.try_get::<String, _>("id"))
    .transpose()?)
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

/// Writes the claim row with its audit event; the partial unique index decides between two
/// simultaneous claims of one claimant (`ClaimOpen`).
async fn record(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    order: &Order,
    route: ClaimRoute,
) -> Result<String, CoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO ec_admin_claims (id, enterprise_id, user_id, order_id, route, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'open', $6, $6)",
    )
    .bind(&id)
    .bind(enterprise_id)
    .bind(actor)
    .bind(&order.id)
    .bind(route.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(ContractsError::ClaimOpen.into()),
        Err(e) => return Err(e.into()),
    }
    let event = AuditEvent::new(
        format!("user:{actor}"),
        CLAIM_OPEN,
        format!("enterprise:{enterprise_id}"),
    )
    .change(
        serde_json::Value::Null,
        serde_json::json!({ "claim": id, "order": order.id, "route": route.as_str() }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(id)
}

async fn load_mine(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    id: &str,
) -> Result<AdminClaim, CoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ec_admin_claims WHERE id = $1 AND enterprise_id = $2 AND user_id = $3"
    )))
    .bind(id)
    .bind(enterprise_id)
    .bind(user_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    view(platform, &row).await
}

/// The caller's claims of the enterprise, newest first (`NotFound` for an enterprise the caller
/// neither belongs to nor claimed).
pub async fn mine(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
) -> Result<Vec<AdminClaim>, CoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ec_admin_claims WHERE enterprise_id = $1 AND user_id = $2 \
         ORDER BY created_at DESC, id"
    )))
    .bind(enterprise_id)
    .bind(user_id)
    .fetch_all(platform.db.pool())
    .await?;
    if rows.is_empty() {
        access::membership(platform.db.pool(), enterprise_id, user_id).await?;
    }
    let mut out = Vec::new();
    for row in &rows {
        out.push(view(platform, row).await?);
    }
    Ok(out)
}

/// Withdraws an open claim: its order is cancelled unless paid or approved (refused with the
/// reason, as a certification's withdrawal is); the claim is `withdrawn`.
pub async fn withdraw(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    id: &str,
) -> Result<AdminClaim, CoreError> {
    let claim = load_mine(platform, enterprise_id, user_id, id).await?;
    let order = crate::desk::load_order(platform, &claim.order_id).await?;
    if claim.state != "open" || order.state.is_finished() {
        return Err(ContractsError::ClaimClosed(claim.state).into());
    }
    if let Some(why) = enterprises::withdraw_block(&order) {
        return Err(ContractsError::WithdrawRefused(why).into());
    }
    crate::desk::cancel_order(platform, &order, &format!("user:{user_id}")).await?;
    settle(platform, &order.id).await?;
    load_mine(platform, enterprise_id, user_id, id).await
}

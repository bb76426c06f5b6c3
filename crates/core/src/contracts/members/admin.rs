//! The one administrator (§2.7, §2.9.3): the administrator transfers the role to an active member,
//! or a member claims it by proving they are the legal representative (the desk's identity
//! providers: carrier three-factor or bank-card four-factor on the claimant's verified name and
//! ID number, which must be the legal representative's). Either way the former administrator
//! becomes a delegate in the same transaction, and the partial unique index
//! `ec_members_one_admin` keeps at most one; the enterprise's row lock makes it exactly one.

use serde::Deserialize;
use sqlx::Row as _;

use super::{ADMIN_CLAIM, ADMIN_TRANSFER, lock_enterprise, sms_to_user};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::access::{self, Role};
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;
use crate::platform::crypto::SealedAt;
use crate::platform::db::Tx;
use crate::platform::providers::CheckOutcome;
use crate::platform::rate_counters;

/// Identity lookups per claimant and enterprise per day (each costs a provider fee).
pub const CLAIM_LOOKUPS_PER_DAY: u32 = 3;

/// Makes `to` the administrator and every other administrator of the enterprise a delegate, in
/// `tx` (which holds the enterprise's lock). `to` must be an active member (`NotFound`).
async fn swap(
    tx: &mut Tx,
    enterprise_id: &str,
    to: &str,
    now: i64,
) -> Result<Vec<String>, CoreError> {
    let former: Vec<String> = sqlx::query_scalar(
        "SELECT user_id FROM ec_members WHERE enterprise_id = $1 AND role = 'admin' AND state = 'active'",
    )
    .bind(enterprise_id)
    .fetch_all(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE ec_members SET role = 'delegate', updated_at = $1 \
         WHERE enterprise_id = $2 AND role = 'admin' AND state = 'active'",
    )
    .bind(now)
    .bind(enterprise_id)
    .execute(&mut **tx)
    .await?;
    let promoted = sqlx::query(
        "UPDATE ec_members SET role = 'admin', updated_at = $1 \
         WHERE enterprise_id = $2 AND user_id = $3 AND state = 'active'",
    )
    .bind(now)
    .bind(enterprise_id)
    .bind(to)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if promoted != 1 {
        return Err(CoreError::NotFound);
    }
    Ok(former)
}

/// The administrator hands the role to another active member and becomes a delegate.
pub async fn transfer(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    to: &str,
) -> Result<(), CoreError> {
    if actor == to {
        return Err(ContractsError::NotOneself.into());
    }
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    // The lock first: a transfer that waited on another sees the administrator it left behind.
    lock_enterprise(&mut tx, enterprise_id, now).await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Admin).await?;
    swap(&mut tx, enterprise_id, to, now).await?;
    let event = AuditEvent::new(actor, ADMIN_TRANSFER, format!("enterprise:{enterprise_id}"))
        .change(
            serde_json::json!({ "admin": actor }),
            serde_json::json!({ "admin": to }),
        );
    let seq = platform.audit.append(&mut tx, now, &event).await?;
    let name = super::enterprise_name(&mut tx, enterprise_id).await?;
    let text = format!("【Signet】「{name}」的管理员已转让给您，请登录企业空间管理。");
    sms_to_user(
        platform,
        &mut tx,
        &format!("admin:{enterprise_id}:{seq}:sms"),
        to,
        &text,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How the claimant proves who they are.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimInput {
    /// `three_factor` (name, ID number, mobile number at the carrier) or `four_factor` (and a
    /// bank card whose reserved mobile number is `phone`).
    pub method: String,
    pub phone: String,
    #[serde(default)]
    pub bank_card: Option<String>,
}

fn digits(text: &str, field: &'static str, min: usize, max: usize) -> Result<String, CoreError> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if text.len() < min || text.len() > max || !text.chars().all(|c| c.is_ascii_digit()) {
        return Err(CoreError::Invalid {
            field,
            zh: "号码格式不正确",
            en: "The number is not well formed",
        });
    }
    Ok(text)
}

/// The claimant's verified name and ID number (sealed in `ec_persons`).
async fn person(platform: &Platform, user_id: &str) -> Result<(String, String), CoreError> {
    let row = sqlx::query("SELECT name_sealed, id_sealed FROM ec_persons WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or(ContractsError::RealNameRequired)?;
    let name = platform.cipher.open(
        SealedAt::new("ec_persons", "name_sealed", user_id),
        &row.try_get::<String, _>("name_sealed")?,
    )?;
    let id = platform.cipher.open(
        SealedAt::new("ec_persons", "id_sealed", user_id),
        &row.try_get::<String, _>("id_sealed")?,
    )?;
    Ok((name, id))
}

/// The legal representative's name of a certified enterprise.
async fn legal_rep(platform: &Platform, enterprise_id: &str) -> Result<String, CoreError> {
    let row = sqlx::query("SELECT legal_rep_name_sealed FROM ec_enterprises WHERE id = $1")
        .bind(enterprise_id)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or(CoreError::NotFound)?;
    platform.cipher.open(
        SealedAt::new("ec_enterprises", "legal_rep_name_sealed", enterprise_id),
        &row.try_get::<String, _>("legal_rep_name_sealed")?,
    )
}

/// A member (or delegate) claims the administrator role as the enterprise's legal
/// representative: their verified name must be the legal representative's (`NotLegalRep`), and
/// the provider must confirm their identity (`ClaimCheckFailed`); then they become the
/// administrator and the former one a delegate. Lookups are limited per day.
pub async fn claim(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    input: &ClaimInput,
) -> Result<(), CoreError> {
    let role = access::require(platform.db.pool(), enterprise_id, actor, Role::Member).await?;
    if role == Role::Admin {
        return Err(ContractsError::NotOneself.into());
    }
    let phone = digits(&input.phone, "phone", 11, 11)?;
    let card = match input.method.as_str() {
        "three_factor" => None,
        "four_factor" => Some(digits(
            input.bank_card.as_deref().unwrap_or(""),
            "bank_card",
            12,
            19,
        )?),
        _ => {
            return Err(CoreError::Invalid {
                field: "method",
                zh: "核验方式须为运营商三要素或银行卡四要素",
                en: "The method is three_factor or four_factor",
            });
        }
    };
    let (name, id_number) = person(platform, actor).await?;
    if legal_rep(platform, enterprise_id).await? != name {
        return Err(ContractsError::NotLegalRep.into());
    }
    rate_counters::hit(
        platform,
        "contracts.admin_claim",
        &format!("{enterprise_id}:{actor}"),
        86_400,
        CLAIM_LOOKUPS_PER_DAY,
    )
    .await?;
    let outcome = match &card {
        None => {
            platform
                .identity
                .three_factor(&name, &id_number, &phone)
                .await?
        }
        Some(card) => {
            platform
                .identity
                .four_factor(&name, &id_number, card, &phone)
                .await?
        }
    };
    if let CheckOutcome::Mismatch(why) = outcome {
        return Err(ContractsError::ClaimCheckFailed(why).into());
    }
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    lock_enterprise(&mut tx, enterprise_id, now).await?;
    // Still a member below the administrator once the lock is held.
    let role = access::require(&mut *tx, enterprise_id, actor, Role::Member).await?;
    if role == Role::Admin {
        return Err(ContractsError::NotOneself.into());
    }
    let former = swap(&mut tx, enterprise_id, actor, now).await?;
    let event = AuditEvent::new(actor, ADMIN_CLAIM, format!("enterprise:{enterprise_id}")).change(
        serde_json::json!({ "admin": former }),
        serde_json::json!({ "admin": actor, "method": input.method }),
    );
    let seq = platform.audit.append(&mut tx, now, &event).await?;
    let name = super::enterprise_name(&mut tx, enterprise_id).await?;
    for user in &former {
        let text =
            format!("【Signet】法定代表人已申领「{name}」的管理员，您的角色已改为管理员代理。");
        sms_to_user(
            platform,
            &mut tx,
            &format!("admin:{enterprise_id}:{seq}:{user}:sms"),
            user,
            &text,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

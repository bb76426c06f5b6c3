//! The demo enterprise `signet init --demo` creates, through the wing's own code paths: the demo
//! administrator consents and is recorded as checked (`signet init` has no identity provider) with
//! a cloud certificate,
//! applies for the enterprise (a desk order of the e-contract product), and the order goes
//! through the desk's writer as the wizard and a reviewer would move it (signed, verified,
//! approved by `system:demo`, cloud certificate issued); the order-settled step then certifies
//! the enterprise. Then two more demo people are real-named the same way and join it: a delegate
//! and a member with a business type and a grant of the company seal. Safe to run again.

use sqlx::Row as _;

use super::members::{GrantInput, business_types, joining, review};
use super::{consent, enterprises, persons, settle, tasks};
use crate::Platform;
use crate::desk::{Change, Event, Note};
use crate::error::CoreError;
use crate::platform::clock::Clock as _;

/// The demo enterprise.
pub const NAME: &str = "豫云签演示科技有限公司";
pub const CREDIT_CODE: &str = "91350100M000100Y43";
/// The demo administrator's identity (a valid GB 11643 check character).
pub const ADMIN_NAME: &str = "赵企管";
pub const ADMIN_ID: &str = "11010519491231002X";

/// A demo person who joins the demo enterprise.
#[derive(Debug, Clone, Copy)]
pub struct DemoMember {
    pub name: &'static str,
    /// A valid GB 11643 check character.
    pub id_number: &'static str,
    /// `delegate` or `member`.
    pub role: &'static str,
    /// Names of the enterprise's business types given on approval.
    pub business_types: &'static [&'static str],
    /// Seal types (codes) granted on approval.
    pub seals: &'static [&'static str],
}

/// The administrator's delegate: approves requests and manages seals; every business type.
pub const DELEGATE: DemoMember = DemoMember {
    name: "钱代理",
    id_number: "110105198001010016",
    role: "delegate",
    business_types: &["劳动合同", "劳务派遣合同"],
    seals: &[],
};

/// A member who signs labour contracts with the company seal.
pub const MEMBER: DemoMember = DemoMember {
    name: "孙成员",
    id_number: "110105199202020020",
    role: "member",
    business_types: &["劳动合同"],
    seals: &["company"],
};

/// Consents to the current texts and records `user_id` as checked with a cloud certificate
/// (`signet init` has no identity provider), unless already real-named.
async fn real_name(
    platform: &Platform,
    user_id: &str,
    name: &str,
    id_number: &str,
) -> Result<(), CoreError> {
    if persons::find(platform, user_id).await?.is_some() {
        return Ok(());
    }
    let accepted: Vec<consent::Acceptance> = consent::TEXTS
        .iter()
        .map(|t| consent::Acceptance {
            document: t.document.into(),
            version: t.version.into(),
        })
        .collect();
    consent::accept(platform, user_id, &accepted, &consent::Origin::default()).await?;
    persons::create(platform, user_id, name, id_number, "carrier3", "demo").await?;
    Ok(())
}

/// Real-names `user_id` as `who`, asks to join the demo enterprise and has the administrator
/// approve with `who`'s role, business types and seal grants. An active member is left alone.
pub async fn seed_member(
    platform: &Platform,
    enterprise_id: &str,
    admin_id: &str,
    user_id: &str,
    who: &DemoMember,
) -> Result<(), CoreError> {
    real_name(platform, user_id, who.name, who.id_number).await?;
    let state =
        sqlx::query("SELECT state FROM ec_members WHERE enterprise_id = $1 AND user_id = $2")
            .bind(enterprise_id)
            .bind(user_id)
            .fetch_optional(platform.db.pool())
            .await?
            .map(|row| row.try_get::<String, _>("state"))
            .transpose()?;
    if state.as_deref() == Some("active") {
        return Ok(());
    }
    if state.as_deref() != Some("pending") {
        joining::apply(platform, enterprise_id, user_id, "演示数据：加入演示企业").await?;
    }
    let types = business_types::list(platform, enterprise_id, admin_id).await?;
    let seals = super::seals::enterprise::list(platform, enterprise_id, admin_id).await?;
    let approval = review::Approval {
        role: who.role.into(),
        business_type_ids: types
            .iter()
            .filter(|t| who.business_types.contains(&t.name.as_str()))
            .map(|t| t.id.clone())
            .collect(),
        grants: seals
            .iter()
            .filter(|s| who.seals.contains(&s.seal.kind.as_str()))
            .map(|s| GrantInput {
                seal_id: s.seal.id.clone(),
                expires_at: None,
            })
            .collect(),
    };
    review::approve(platform, enterprise_id, user_id, admin_id, &approval).await
}

/// Makes `user_id` a real-named person and the administrator of the certified demo enterprise;
/// returns the enterprise's id.
pub async fn seed(platform: &Platform, user_id: &str) -> Result<String, CoreError> {
    // `signet init` runs without identity providers: the demo identity counts as checked.
    real_name(platform, user_id, ADMIN_NAME, ADMIN_ID).await?;
    super::billing::packages::seed_demo(platform).await?;
    let existing = enterprises::mine(platform, user_id).await?;
    if let Some(found) = existing.iter().find(|e| e.credit_code == CREDIT_CODE) {
        ensure_quota(platform, &found.id).await?;
        return Ok(found.id.clone());
    }
    let enterprise = enterprises::apply(
        platform,
        user_id,
        &enterprises::CertifyInput {
            name: NAME.into(),
            credit_code: CREDIT_CODE.into(),
            legal_rep_name: ADMIN_NAME.into(),
            legal_rep_id_number: ADMIN_ID.into(),
            legal_rep_phone: String::new(),
        },
    )
    .await?;
    let order_id = enterprise
        .order_id
        .clone()
        .ok_or_else(|| CoreError::internal("demo enterprise without order"))?;
    let actor = format!("user:{user_id}");
    for (event, note, by) in [
        (
            Event::Submit,
            Note::Submitted { flags: vec![] },
            actor.as_str(),
        ),
        (Event::Verified, Note::Verified, "system"),
    ] {
        let order = crate::desk::load_order(platform, &order_id).await?;
        let mut tx = platform.db.begin().await?;
        crate::desk::apply_to_order(
            platform,
            &mut tx,
            &order,
            &Change::new(event, by, note, platform.clock.now()),
        )
        .await?;
        tx.commit().await?;
    }
    let order = crate::desk::load_order(platform, &order_id).await?;
    crate::desk::approve_order(platform, &order, "system:demo").await?;
    settle::order_settled(platform, &order_id).await?;
    // The demo enterprise stamps with the four default seals (公章, 合同专用章, 法人章, 日期章).
    super::seals::ensure_default_seals(platform, &enterprise.id, user_id).await?;
    ensure_quota(platform, &enterprise.id).await?;
    Ok(enterprise.id)
}

/// The demo enterprise's contracts to launch with (part 3 sells them): granted once.
pub const DEMO_QUOTA: i64 = 1000;

async fn ensure_quota(platform: &Platform, enterprise_id: &str) -> Result<(), CoreError> {
    let granted = sqlx::query(
        "SELECT 1 AS one FROM ec_quota_ledger WHERE enterprise_id = $1 AND reason = 'grant'",
    )
    .bind(enterprise_id)
    .fetch_optional(platform.db.pool())
    .await?
    .is_some();
    if !granted {
        tasks::quota::grant(
            platform,
            enterprise_id,
            DEMO_QUOTA,
            tasks::quota::GRANT,
            "system:demo",
        )
        .await?;
    }
    Ok(())
}

/// The demo enterprise's staff on its roster (name, mobile, ID number with a valid GB 11643
/// check character): the people its paper archives name.
pub const ROSTER: [(&str, &str, &str); 3] = [
    ("张三", "13800000101", "330106199003071519"),
    ("李四", "13800000102", "33010619920815262X"),
    ("王五", "13800000103", "330106198811201735"),
];

/// Puts [`ROSTER`] on the demo enterprise's roster (those already on it are left alone);
/// returns how many were added.
pub async fn seed_roster(
    platform: &Platform,
    enterprise_id: &str,
    admin_id: &str,
) -> Result<usize, CoreError> {
    let mut added = 0;
    for (name, phone, id_number) in ROSTER {
        if super::employees::roster::seed_active(
            platform,
            enterprise_id,
            name,
            phone,
            id_number,
            admin_id,
        )
        .await?
        .is_some()
        {
            added += 1;
        }
    }
    Ok(added)
}

//! Who signs: each party resolved to a registered, real-named person or a certified enterprise,
//! in its group; and whether the caller may launch under a business type.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row as _;

use super::super::super::{ContractsError, access};
use super::{LaunchInput, MAX_PARTIES};
use crate::Platform;
use crate::contracts::tasks::OrderKind;
use crate::error::{CoreError, PlatformError};
use crate::platform::accounts::fields::Phone;

fn party_error(zh: String, en: String) -> CoreError {
    ContractsError::TaskParty { zh, en }.into()
}

/// A party resolved to who signs.
pub(crate) struct Resolved {
    pub role: String,
    pub kind: &'static str,
    pub user_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub display_name: String,
    pub group: i64,
    pub may_refuse: bool,
    /// Its riding seal (checked by [`super::riding::check`]).
    pub riding: Option<super::RidingSeal>,
    /// Phones told when the party's turn comes.
    pub notify: Vec<String>,
}

/// Whether `user_id` may launch under `business_type_id`: the administrator always, another
/// member when the business type is theirs.
pub(crate) async fn require_business_type(
    platform: &Platform,
    enterprise_id: &str,
    business_type_id: &str,
    user_id: &str,
) -> Result<(), CoreError> {
    let member = access::require(
        platform.db.pool(),
        enterprise_id,
        user_id,
        access::Role::Member,
    )
    .await?;
    let bt =
        sqlx::query("SELECT active FROM ec_business_types WHERE id = $1 AND enterprise_id = $2")
            .bind(business_type_id)
            .bind(enterprise_id)
            .fetch_optional(platform.db.pool())
            .await?
            .ok_or(PlatformError::NotFound)?;
    if bt.try_get::<i64, _>("active")? == 0 {
        return Err(ContractsError::BusinessTypeInactive.into());
    }
    if member == access::Role::Admin {
        return Ok(());
    }
    sqlx::query(
        "SELECT 1 AS one FROM ec_member_business_types \
         WHERE enterprise_id = $1 AND user_id = $2 AND business_type_id = $3",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .bind(business_type_id)
    .fetch_optional(platform.db.pool())
    .await?
    .map(|_| ())
    .ok_or(PlatformError::NotFound.into())
}

/// The phone of an account.
pub(crate) async fn phone_of(platform: &Platform, user_id: &str) -> Result<String, CoreError> {
    Ok(crate::platform::accounts::find_by_id(platform, user_id)
        .await?
        .ok_or(PlatformError::NotFound)?
        .phone)
}

/// A registered, real-named person by user id or phone; `(user_id, masked name)`.
pub(crate) async fn person(
    platform: &Platform,
    user_id: Option<&str>,
    phone: Option<&str>,
    what: &str,
) -> Result<(String, String), CoreError> {
    let user_id = match (user_id, phone) {
        (Some(id), _) => id.to_owned(),
        (None, Some(phone)) => {
            let phone = Phone::parse(phone, "phone")?;
            crate::platform::accounts::find_by_phone(platform, &phone)
                .await?
                .ok_or_else(|| {
                    party_error(
                        format!("{what}（{}）尚未注册", phone.masked()),
                        format!("{what} ({}) has not registered", phone.masked()),
                    )
                })?
                .id
        }
        (None, None) => {
            return Err(party_error(
                format!("{what}须填写手机号"),
                format!("{what} needs a phone number"),
            ));
        }
    };
    let row = sqlx::query(
        "SELECT name_masked FROM ec_persons WHERE user_id = $1 AND certificate_serial IS NOT NULL",
    )
    .bind(&user_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or_else(|| {
        party_error(
            format!("{what}尚未完成实名认证"),
            format!("{what} has not completed real-name authentication"),
        )
    })?;
    Ok((user_id, row.try_get("name_masked")?))
}

/// Each party resolved to who signs, in its group; roles and signers unique.
#[expect(
    clippy::too_many_lines,
    reason = "each party kind resolved in turn, top to bottom"
)]
pub(crate) async fn resolve_parties(
    platform: &Platform,
    input: &LaunchInput,
) -> Result<Vec<Resolved>, CoreError> {
    if input.parties.is_empty() || input.parties.len() > MAX_PARTIES {
        return Err(party_error(
            format!("签署方须为 1–{MAX_PARTIES} 个"),
            format!("a task needs 1–{MAX_PARTIES} parties"),
        ));
    }
    let mut roles = BTreeSet::new();
    let mut signers = BTreeSet::new();
    let groups: BTreeSet<u32> = input.parties.iter().filter_map(|p| p.group).collect();
    let group_rank: BTreeMap<u32, i64> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (*g, i64::try_from(i).unwrap_or(0)))
        .collect();
    let mut out = Vec::new();
    for (position, party) in input.parties.iter().enumerate() {
        let role = party.role.trim().to_owned();
        if role.is_empty() || role.chars().count() > 20 || !roles.insert(role.clone()) {
            return Err(party_error(
                format!("角色“{role}”为空、过长或重复"),
                format!("role \"{role}\" is empty, too long or repeated"),
            ));
        }
        let what = format!("签署方 {role}");
        let group = match input.order {
            OrderKind::Unordered => 0,
            OrderKind::Serial => i64::try_from(position).unwrap_or(0),
            OrderKind::Groups => {
                let g = party.group.ok_or_else(|| {
                    party_error(
                        format!("{what}须指定签署组"),
                        format!("party {role} needs a group"),
                    )
                })?;
                group_rank.get(&g).copied().unwrap_or(0)
            }
        };
        let resolved = match party.kind.as_str() {
            "person" => {
                let (user_id, name) = person(
                    platform,
                    party.user_id.as_deref(),
                    party.phone.as_deref(),
                    &what,
                )
                .await?;
                Resolved {
                    role,
                    kind: "person",
                    notify: vec![phone_of(platform, &user_id).await?],
                    user_id: Some(user_id),
                    enterprise_id: None,
                    display_name: name,
                    group,
                    may_refuse: party.may_refuse,
                    riding: None,
                }
            }
            "enterprise" => {
                let id = party.enterprise_id.clone().unwrap_or_default();
                let row = sqlx::query(
                    "SELECT e.name, e.certificate_serial, m.user_id AS admin FROM ec_enterprises e \
                     LEFT JOIN ec_members m ON m.enterprise_id = e.id AND m.role = 'admin' AND m.state = 'active' \
                     WHERE e.id = $1 AND e.state = 'certified'",
                )
                .bind(&id)
                .fetch_optional(platform.db.pool())
                .await?
                .ok_or_else(|| {
                    party_error(
                        format!("{what}不是平台上已认证的企业"),
                        format!("party {role} is not a certified enterprise on the platform"),
                    )
                })?;
                if row
                    .try_get::<Option<String>, _>("certificate_serial")?
                    .is_none()
                {
                    return Err(ContractsError::SealNoCertificate.into());
                }
                let admin: Option<String> = row.try_get("admin")?;
                let mut notify = Vec::new();
                if let Some(admin) = admin {
                    notify.push(phone_of(platform, &admin).await?);
                }
                Resolved {
                    role,
                    kind: "enterprise",
                    user_id: None,
                    enterprise_id: Some(id),
                    display_name: row.try_get("name")?,
                    group,
                    may_refuse: party.may_refuse,
                    riding: party.riding_seal.clone(),
                    notify,
                }
            }
            _ => {
                return Err(party_error(
                    format!("{what}的类型须为 person 或 enterprise"),
                    format!("party {role} must be a person or an enterprise"),
                ));
            }
        };
        let signer = resolved
            .user_id
            .clone()
            .or_else(|| resolved.enterprise_id.clone())
            .unwrap_or_default();
        if !signers.insert(signer) {
            return Err(party_error(
                format!("{what}与其他签署方重复"),
                format!("party {} appears twice", resolved.role),
            ));
        }
        out.push(resolved);
    }
    Ok(out)
}

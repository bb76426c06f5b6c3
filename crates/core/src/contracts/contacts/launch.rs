//! A launch naming frequent contacts: each party with a `contact_id` takes the contact's kind and
//! its mobile (opened here, never sent to the browser) or enterprise before the parties are
//! resolved. A contact of another enterprise (or none) is 404 and nothing is written; a person
//! contact with an ID number must be the real-named person of that mobile.

use std::collections::BTreeSet;

use sqlx::Row as _;

use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::tasks::LaunchParty;
use crate::error::{CoreError, PlatformError};
use crate::platform::accounts::fields::Phone;
use crate::platform::clock::Clock as _;
use crate::platform::crypto::SealedAt;

fn party_error(zh: String, en: String) -> CoreError {
    ContractsError::TaskParty { zh, en }.into()
}

/// Fills each party that names a contact from it; returns the contacts used.
pub(crate) async fn apply(
    platform: &Platform,
    enterprise_id: &str,
    parties: &mut [LaunchParty],
) -> Result<BTreeSet<String>, CoreError> {
    let mut used = BTreeSet::new();
    for party in parties.iter_mut() {
        let Some(contact_id) = party.contact_id.clone() else {
            continue;
        };
        let row = sqlx::query(
            "SELECT kind, name, phone_sealed, id_sealed, party_enterprise_id FROM ec_contacts \
             WHERE id = $1 AND enterprise_id = $2",
        )
        .bind(&contact_id)
        .bind(enterprise_id)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or(PlatformError::NotFound)?;
        let kind: String = row.try_get("kind")?;
        let role = party.role.trim().to_owned();
        if !party.kind.is_empty() && party.kind != kind {
            return Err(party_error(
                format!("签署方 {role} 的类型与所选常用联系人不符"),
                format!("party {role} is not of the chosen contact's kind"),
            ));
        }
        let open = |column: &'static str| -> Result<Option<String>, CoreError> {
            row.try_get::<Option<String>, _>(column)?
                .map(|sealed| {
                    platform
                        .cipher
                        .open(SealedAt::new("ec_contacts", column, &contact_id), &sealed)
                })
                .transpose()
        };
        if kind == "person" {
            let phone = open("phone_sealed")?.unwrap_or_default();
            if let Some(id_number) = open("id_sealed")? {
                let name: Option<String> = row.try_get("name")?;
                check_identity(platform, &phone, &id_number, &role, name.as_deref()).await?;
            }
            party.phone = Some(phone);
            party.user_id = None;
            party.enterprise_id = None;
        } else {
            party.enterprise_id = row.try_get("party_enterprise_id")?;
            party.user_id = None;
            party.phone = None;
        }
        party.kind = kind;
        used.insert(contact_id);
    }
    Ok(used)
}

/// A contact's ID number against the real name of the account of its mobile: refused when the
/// account is real-named under another number. An account not registered or not real-named is
/// left to the party check, which names that.
async fn check_identity(
    platform: &Platform,
    phone: &str,
    id_number: &str,
    role: &str,
    name: Option<&str>,
) -> Result<(), CoreError> {
    let phone = Phone::parse(phone, "phone")?;
    let Some(user) = crate::platform::accounts::find_by_phone(platform, &phone).await? else {
        return Ok(());
    };
    let Some(row) = sqlx::query("SELECT id_index FROM ec_persons WHERE user_id = $1")
        .bind(&user.id)
        .fetch_optional(platform.db.pool())
        .await?
    else {
        return Ok(());
    };
    let stored: String = row.try_get("id_index")?;
    if stored != crate::contracts::persons::id_index(platform, id_number) {
        let who = name.unwrap_or_default();
        return Err(party_error(
            format!("签署方 {role}：常用联系人“{who}”的身份证号与该手机号账户的实名信息不一致"),
            format!(
                "party {role}: the ID number of contact \"{who}\" does not match the real name of the account of that mobile"
            ),
        ));
    }
    Ok(())
}

/// Marks the contacts a launch used (the list shows them first). Best effort after the launch
/// committed: a failure here is logged, the launch stands.
pub(crate) async fn touch(platform: &Platform, enterprise_id: &str, used: &BTreeSet<String>) {
    let now = platform.clock.now();
    for id in used {
        let result = sqlx::query(
            "UPDATE ec_contacts SET last_used_at = $1 WHERE id = $2 AND enterprise_id = $3",
        )
        .bind(now)
        .bind(id)
        .bind(enterprise_id)
        .execute(platform.db.pool())
        .await;
        if let Err(error) = result {
            tracing::warn!(%error, contact = %id, "marking a frequent contact used");
        }
    }
}

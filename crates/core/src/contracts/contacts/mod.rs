//! Frequent contacts (常用联系人, ES-7 §2.5.1.1.3): per enterprise, the parties it adds most often
//! when launching — a person by name and mobile (optionally an ID number), or a certified
//! enterprise of the platform by reference — each with an optional note, quickly picked on the
//! launch page.
//!
//! A person's mobile and ID number are sealed at rest (bound to the contact's row) and only
//! masked copies leave the server: a launch names the contact (`contact_id` on a party) and
//! [`launch::apply`] opens the mobile server-side. Members allowed to launch (the administrator,
//! or a member holding an active business type) manage the list; anyone else of the enterprise
//! gets [`ContractsError::LaunchNotAllowed`], an outsider 404. Adding the same mobile or
//! enterprise again updates its entry; at most [`MAX_CONTACTS`] per enterprise.

pub mod launch;

use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::ContractsError;
use super::access::{self, Role};
use super::employees::fields::{clean, parse_id_number, parse_name};
use crate::Platform;
use crate::error::{CoreError, Description, ErrorKind, PlatformError};
use crate::platform::accounts::fields::Phone;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::crypto::SealedAt;
use crate::platform::db::{Backend, Tx};
use crate::platform::mask;

/// Most contacts an enterprise keeps.
pub const MAX_CONTACTS: usize = 500;
/// Longest note.
pub const MAX_NOTE: usize = 100;
/// Blind-index kind of a contact's mobile.
const PHONE_INDEX: &str = "ec-contact-phone";

/// A contact as the list shows it: personal data masked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: String,
    /// `person` or `enterprise`.
    pub kind: String,
    /// The person's name as entered, or the enterprise's current name.
    pub name: String,
    /// A person's mobile, masked (`138****0000`).
    pub phone_masked: Option<String>,
    /// A person's ID number, masked, when one was given.
    pub id_masked: Option<String>,
    /// An enterprise contact's enterprise.
    pub enterprise_id: Option<String>,
    /// Whether an enterprise contact is still a certified enterprise (a launch needs it).
    pub certified: bool,
    pub note: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When a launch last named it.
    pub last_used_at: Option<Timestamp>,
}

/// The enterprise's contacts, most recently used or changed first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactList {
    pub contacts: Vec<Contact>,
    /// How many the enterprise may keep.
    pub max: usize,
}

/// A contact to add (or to update, when its mobile or enterprise is already listed).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewContact {
    /// `person` or `enterprise`.
    pub kind: String,
    /// A person's name (required for a person).
    #[serde(default)]
    pub name: Option<String>,
    /// A person's mainland mobile (required for a person).
    #[serde(default)]
    pub phone: Option<String>,
    /// A person's ID number (optional; a launch then checks it against the account's real name).
    #[serde(default)]
    pub id_number: Option<String>,
    /// A certified enterprise of the platform, by id …
    #[serde(default)]
    pub enterprise_id: Option<String>,
    /// … or by its unified social credit code (统一社会信用代码), exactly.
    #[serde(default)]
    pub credit_code: Option<String>,
    /// A label (at most 100 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// Whether the contact was new or an existing entry updated.
#[derive(Debug, Clone)]
pub struct Saved {
    pub contact: Contact,
    pub created: bool,
}

/// The caller may launch in the enterprise: the administrator, or a member holding an active
/// business type — the same people the launch lets through.
pub async fn require_launcher(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
) -> Result<(), CoreError> {
    let role = access::require(platform.db.pool(), enterprise_id, user_id, Role::Member).await?;
    if role == Role::Admin {
        return Ok(());
    }
    sqlx::query(
        "SELECT 1 AS one FROM ec_member_business_types mb JOIN ec_business_types bt \
         ON bt.id = mb.business_type_id AND bt.active = 1 \
         WHERE mb.enterprise_id = $1 AND mb.user_id = $2",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .fetch_optional(platform.db.pool())
    .await?
    .map(|_| ())
    .ok_or_else(|| ContractsError::LaunchNotAllowed.into())
}

const COLUMNS: &str = "c.id, c.kind, c.name, c.phone_masked, c.id_masked, c.party_enterprise_id, \
    c.note, c.created_at, c.updated_at, c.last_used_at, e.name AS enterprise_name, \
    e.state AS enterprise_state";
const FROM: &str = "ec_contacts c LEFT JOIN ec_enterprises e ON e.id = c.party_enterprise_id";

fn contact(row: &AnyRow) -> Result<Contact, CoreError> {
    let kind: String = row.try_get("kind")?;
    let enterprise_name: Option<String> = row.try_get("enterprise_name")?;
    let state: Option<String> = row.try_get("enterprise_state")?;
    let name: Option<String> = row.try_get("name")?;
    Ok(Contact {
        id: row.try_get("id")?,
        name: if kind == "enterprise" {
            enterprise_name.unwrap_or_default()
        } else {
            name.unwrap_or_default()
        },
        certified: kind == "person" || state.as_deref() == Some("certified"),
        kind,
        phone_masked: row.try_get("phone_masked")?,
        id_masked: row.try_get("id_masked")?,
        enterprise_id: row.try_get("party_enterprise_id")?,
        note: row.try_get("note")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        last_used_at: row.try_get("last_used_at")?,
    })
}

/// The enterprise's contacts; `query` keeps those whose name or note contains it.
pub async fn list(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    query: Option<&str>,
) -> Result<ContactList, CoreError> {
    require_launcher(platform, enterprise_id, user_id).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE c.enterprise_id = $1 \
         ORDER BY COALESCE(c.last_used_at, c.updated_at) DESC, c.id"
    )))
    .bind(enterprise_id)
    .fetch_all(platform.db.pool())
    .await?;
    let needle = query
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_lowercase);
    let mut contacts = Vec::with_capacity(rows.len());
    for row in &rows {
        let found = contact(row)?;
        let hit = needle.as_deref().is_none_or(|n| {
            found.name.to_lowercase().contains(n)
                || found
                    .note
                    .as_deref()
                    .is_some_and(|t| t.to_lowercase().contains(n))
        });
        if hit {
            contacts.push(found);
        }
    }
    Ok(ContactList {
        contacts,
        max: MAX_CONTACTS,
    })
}

/// One contact of the enterprise, or 404.
async fn one<'e, E>(
    executor: E,
    enterprise_id: &str,
    contact_id: &str,
) -> Result<Contact, CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE c.id = $1 AND c.enterprise_id = $2"
    )))
    .bind(contact_id)
    .bind(enterprise_id)
    .fetch_optional(executor)
    .await?
    .ok_or(PlatformError::NotFound)?;
    contact(&row)
}

/// A checked new contact: what is stored.
struct Checked {
    kind: &'static str,
    dedupe_key: String,
    name: Option<String>,
    phone: Option<Phone>,
    id_number: Option<String>,
    enterprise_id: Option<String>,
    note: Option<String>,
}

fn invalid(field: &'static str, zh: &'static str, en: &'static str) -> CoreError {
    PlatformError::Invalid { field, zh, en }.into()
}

async fn check(platform: &Platform, new: &NewContact) -> Result<Checked, CoreError> {
    let note = new
        .note
        .as_deref()
        .map(|n| clean(n).to_owned())
        .filter(|n| !n.is_empty());
    if note
        .as_deref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE || n.chars().any(char::is_control))
    {
        return Err(invalid(
            "note",
            "备注不超过 100 个字",
            "The note must be at most 100 characters",
        ));
    }
    match new.kind.as_str() {
        "person" => {
            let name = parse_name(new.name.as_deref().unwrap_or_default())?;
            let phone = Phone::parse(new.phone.as_deref().unwrap_or_default(), "phone")?;
            let id_number = new
                .id_number
                .as_deref()
                .map(clean)
                .filter(|n| !n.is_empty())
                .map(|n| parse_id_number(n).map(|id| id.as_str().to_owned()))
                .transpose()?;
            Ok(Checked {
                kind: "person",
                dedupe_key: format!(
                    "p:{}",
                    platform.cipher.blind_index(PHONE_INDEX, phone.as_str())
                ),
                name: Some(name),
                phone: Some(phone),
                id_number,
                enterprise_id: None,
                note,
            })
        }
        "enterprise" => {
            let by_id = new
                .enterprise_id
                .as_deref()
                .map(str::trim)
                .filter(|i| !i.is_empty());
            let (column, value, field) = match by_id {
                Some(id) => ("id", id.to_owned(), "enterprise_id"),
                None => (
                    "credit_code",
                    new.credit_code
                        .as_deref()
                        .unwrap_or_default()
                        .trim()
                        .to_uppercase(),
                    "credit_code",
                ),
            };
            let id: String = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT id FROM ec_enterprises WHERE {column} = $1 AND state = 'certified'"
            )))
            .bind(&value)
            .fetch_optional(platform.db.pool())
            .await?
            .map(|row| row.try_get("id"))
            .transpose()?
            .ok_or_else(|| {
                invalid(
                    field,
                    "未找到平台上已认证的该企业",
                    "No enterprise certified on the platform matches",
                )
            })?;
            Ok(Checked {
                kind: "enterprise",
                dedupe_key: format!("e:{id}"),
                name: None,
                phone: None,
                id_number: None,
                enterprise_id: Some(id),
                note,
            })
        }
        _ => Err(invalid(
            "kind",
            "联系人类型须为个人或企业",
            "The kind must be person or enterprise",
        )),
    }
}

/// Locks the enterprise's row for the rest of `tx` (PostgreSQL `FOR UPDATE`; SQLite's
/// `BEGIN IMMEDIATE` already holds the one write lock), so the count and the dedupe read here
/// stay true until commit.
async fn lock_enterprise(
    platform: &Platform,
    tx: &mut Tx,
    enterprise_id: &str,
) -> Result<(), CoreError> {
    let lock = match platform.db.backend() {
        Backend::Postgres => "SELECT id FROM ec_enterprises WHERE id = $1 FOR UPDATE",
        Backend::Sqlite => "SELECT id FROM ec_enterprises WHERE id = $1",
    };
    sqlx::query(lock)
        .bind(enterprise_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(PlatformError::NotFound)?;
    Ok(())
}

/// Adds a contact, or updates the entry of the same mobile or enterprise; refuses past
/// [`MAX_CONTACTS`].
pub async fn save(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    new: &NewContact,
) -> Result<Saved, CoreError> {
    require_launcher(platform, enterprise_id, user_id).await?;
    let checked = check(platform, new).await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    lock_enterprise(platform, &mut tx, enterprise_id).await?;
    let existing: Option<String> =
        sqlx::query("SELECT id FROM ec_contacts WHERE enterprise_id = $1 AND dedupe_key = $2")
            .bind(enterprise_id)
            .bind(&checked.dedupe_key)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| row.try_get("id"))
            .transpose()?;
    let created = existing.is_none();
    let id = if let Some(id) = existing {
        id
    } else {
        let count: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM ec_contacts WHERE enterprise_id = $1")
                .bind(enterprise_id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
        if usize::try_from(count).unwrap_or(usize::MAX) >= MAX_CONTACTS {
            return Err(ContractsError::ContactsFull { max: MAX_CONTACTS }.into());
        }
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO ec_contacts (id, enterprise_id, kind, dedupe_key, party_enterprise_id, \
             created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(&id)
        .bind(enterprise_id)
        .bind(checked.kind)
        .bind(&checked.dedupe_key)
        .bind(checked.enterprise_id.as_deref())
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        id
    };
    let seal = |column, value: &str| {
        platform
            .cipher
            .seal(SealedAt::new("ec_contacts", column, &id), value)
    };
    let phone = checked.phone.as_ref();
    sqlx::query(
        "UPDATE ec_contacts SET name = $1, phone_sealed = $2, phone_masked = $3, id_sealed = $4, \
         id_masked = $5, note = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(checked.name.as_deref())
    .bind(
        phone
            .map(|p| seal("phone_sealed", p.as_str()))
            .transpose()?,
    )
    .bind(phone.map(Phone::masked))
    .bind(
        checked
            .id_number
            .as_deref()
            .map(|n| seal("id_sealed", n))
            .transpose()?,
    )
    .bind(checked.id_number.as_deref().map(mask::identifier))
    .bind(checked.note.as_deref())
    .bind(now)
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    let contact = one(&mut *tx, enterprise_id, &id).await?;
    tx.commit().await?;
    Ok(Saved { contact, created })
}

/// Deletes a contact of the enterprise; another enterprise's (or no) contact is 404.
pub async fn delete(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    contact_id: &str,
) -> Result<(), CoreError> {
    require_launcher(platform, enterprise_id, user_id).await?;
    let deleted = sqlx::query("DELETE FROM ec_contacts WHERE id = $1 AND enterprise_id = $2")
        .bind(contact_id)
        .bind(enterprise_id)
        .execute(platform.db.pool())
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(PlatformError::NotFound.into());
    }
    Ok(())
}

pub(crate) fn describe(error: &ContractsError) -> Description {
    let d = |kind, code, zh: String, en: String| Description {
        kind,
        code,
        field: None,
        zh,
        en,
        retry_after: None,
    };
    match error {
        ContractsError::ContactsFull { max } => d(
            ErrorKind::Conflict,
            "contacts_full",
            format!("常用联系人最多 {max} 个，请先删除不再使用的联系人"),
            format!("At most {max} frequent contacts; delete some you no longer use first"),
        ),
        _ => d(
            ErrorKind::Forbidden,
            "launch_not_allowed",
            "你在本企业没有可发起的业务类型，不能管理常用联系人；请联系企业管理员分配".into(),
            "You may launch under no business type of this enterprise, so you cannot manage its frequent contacts; ask the administrator".into(),
        ),
    }
}

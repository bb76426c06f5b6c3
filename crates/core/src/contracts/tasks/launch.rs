//! Launching a task (the core of ES-7): already-rendered documents (from a template and values,
//! or an uploaded PDF) with their signing spots, parties in an order, cc. Everything is checked
//! before anything is written; then one transaction writes the task, spends one contract of the
//! enterprise's quota, logs the launch and queues the SMS to the parties who sign first.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use sqlx::Row as _;

use super::super::{ContractsError, access};
use super::events::{self, NewEvent, Origin};
use super::{ENTERPRISE_SPOTS, OrderKind, PERSON_SPOTS, PageSize, SigningSpot, party_state, quota};
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::accounts::fields::Phone;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::crypto::sha256_hex;
use crate::platform::db::Tx;
use crate::platform::jobs::messages;

/// Most documents in one task, and the largest one.
pub const MAX_DOCUMENTS: usize = 20;
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;
pub const MAX_PARTIES: usize = 20;

/// A rendered document to launch.
#[derive(Debug, Clone)]
pub struct LaunchDocument {
    pub name: String,
    pub template_version_id: Option<String>,
    pub pdf: Vec<u8>,
    pub spots: Vec<SigningSpot>,
}

/// A party: a registered, real-named person (by user id or phone) or a certified enterprise.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LaunchParty {
    /// The role key the documents' spots name (`A`, `B`, …).
    pub role: String,
    /// `person` or `enterprise`.
    pub kind: String,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub enterprise_id: Option<String>,
    /// For `groups` order: the group (signed in ascending order).
    #[serde(default)]
    pub group: Option<u32>,
    /// Whether this party may refuse (refusal voids the task).
    #[serde(default)]
    pub may_refuse: bool,
}

/// What to launch.
#[derive(Debug, Clone)]
pub struct LaunchInput {
    pub enterprise_id: String,
    pub business_type_id: String,
    pub title: String,
    pub confidential: bool,
    pub deadline: Option<Timestamp>,
    pub order: OrderKind,
    pub parties: Vec<LaunchParty>,
    /// Phones of registered, real-named persons copied on the task.
    pub cc: Vec<String>,
    pub documents: Vec<LaunchDocument>,
}

fn party_error(zh: String, en: String) -> CoreError {
    ContractsError::TaskParty { zh, en }.into()
}

fn document_error(zh: String, en: String) -> CoreError {
    ContractsError::TaskDocument { zh, en }.into()
}

/// A party resolved to who signs.
struct Resolved {
    role: String,
    kind: &'static str,
    user_id: Option<String>,
    enterprise_id: Option<String>,
    display_name: String,
    group: i64,
    may_refuse: bool,
    /// Phones told when the party's turn comes.
    notify: Vec<String>,
}

/// A checked document.
struct Checked {
    name: String,
    template_version_id: Option<String>,
    pdf: Vec<u8>,
    pages: Vec<PageSize>,
    spots: Vec<SigningSpot>,
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
async fn person(
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

#[expect(
    clippy::too_many_lines,
    reason = "each party kind resolved in turn, top to bottom"
)]
async fn resolve_parties(
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

/// The displayed page sizes of a PDF, or why it cannot be launched.
pub fn page_sizes(pdf: &[u8]) -> Result<Vec<PageSize>, CoreError> {
    let bad = || {
        document_error(
            "文件不是可读取的 PDF".into(),
            "the file is not a readable PDF".into(),
        )
    };
    if !pdf.starts_with(b"%PDF-") {
        return Err(bad());
    }
    let parsed = signet_pdf::reader::load_lean(pdf.to_vec()).map_err(|_| bad())?;
    let pages = parsed.pages().map_err(|_| bad())?;
    let mut sizes = Vec::with_capacity(pages.len());
    for page in pages {
        let frame = signet_pdf::page::PageFrame::of(&parsed, page).map_err(|_| bad())?;
        sizes.push(PageSize {
            width: frame.width(),
            height: frame.height(),
        });
    }
    if sizes.is_empty() {
        return Err(document_error(
            "PDF 没有页面".into(),
            "the PDF has no pages".into(),
        ));
    }
    Ok(sizes)
}

fn check_documents(
    documents: Vec<LaunchDocument>,
    parties: &[Resolved],
) -> Result<Vec<Checked>, CoreError> {
    if documents.is_empty() || documents.len() > MAX_DOCUMENTS {
        return Err(document_error(
            format!("合同文件须为 1–{MAX_DOCUMENTS} 份"),
            format!("a task needs 1–{MAX_DOCUMENTS} documents"),
        ));
    }
    let kinds: BTreeMap<&str, &str> = parties.iter().map(|p| (p.role.as_str(), p.kind)).collect();
    let mut out = Vec::new();
    for document in documents {
        let name = document.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(document_error(
                "文件名为空或过长".into(),
                "a document name is empty or too long".into(),
            ));
        }
        if document.pdf.len() > MAX_DOCUMENT_BYTES {
            return Err(PlatformError::TooLarge {
                field: "documents",
                limit: MAX_DOCUMENT_BYTES,
            }
            .into());
        }
        let pages = page_sizes(&document.pdf)?;
        let mut ids = BTreeSet::new();
        for spot in &document.spots {
            let Some(kind) = kinds.get(spot.role.as_str()) else {
                return Err(document_error(
                    format!("《{name}》的签署位置属于未知角色“{}”", spot.role),
                    format!(
                        "a spot of \"{name}\" names the unknown role \"{}\"",
                        spot.role
                    ),
                ));
            };
            let allowed: &[&str] = if *kind == "person" {
                &PERSON_SPOTS
            } else {
                &ENTERPRISE_SPOTS
            };
            if !allowed.contains(&spot.kind.as_str()) || !ids.insert(spot.id.clone()) {
                return Err(document_error(
                    format!(
                        "《{name}》的签署位置“{}”类型不适合该角色或编号重复",
                        spot.id
                    ),
                    format!(
                        "spot \"{}\" of \"{name}\" does not fit its role or repeats",
                        spot.id
                    ),
                ));
            }
            let inside = usize::try_from(spot.page)
                .ok()
                .and_then(|p| p.checked_sub(1))
                .and_then(|p| pages.get(p))
                .is_some_and(|page| {
                    spot.x >= 0.0
                        && spot.y >= 0.0
                        && spot.w > 0.0
                        && spot.h > 0.0
                        && spot.x + spot.w <= page.width + 0.5
                        && spot.y + spot.h <= page.height + 0.5
                });
            if !inside {
                return Err(document_error(
                    format!("《{name}》的签署位置“{}”超出页面", spot.id),
                    format!("spot \"{}\" of \"{name}\" lies outside its page", spot.id),
                ));
            }
        }
        out.push(Checked {
            name,
            template_version_id: document.template_version_id,
            pdf: document.pdf,
            pages,
            spots: document.spots,
        });
    }
    Ok(out)
}

/// Queues the SMS telling `phones` it is their turn on `task_id`.
pub(crate) async fn notify_turn(
    platform: &Platform,
    tx: &mut Tx,
    task_id: &str,
    party_id: &str,
    title: &str,
    phones: &[String],
) -> Result<(), CoreError> {
    for (i, phone) in phones.iter().enumerate() {
        messages::sms(
            platform,
            tx,
            &format!("contracts.task:{task_id}:{party_id}:turn:{i}"),
            phone,
            &format!(
                "【Signet】您有一份合同《{title}》待签署，请打开 {}/contracts/tasks/{task_id} 签署。",
                platform.public_url
            ),
        )
        .await?;
    }
    Ok(())
}

/// Launches the task; returns its id.
#[expect(
    clippy::too_many_lines,
    reason = "every check first, then the one transaction that writes"
)]
pub async fn launch(
    platform: &Platform,
    user_id: &str,
    input: LaunchInput,
    origin: &Origin,
) -> Result<String, CoreError> {
    require_business_type(
        platform,
        &input.enterprise_id,
        &input.business_type_id,
        user_id,
    )
    .await?;
    let now = platform.clock.now();
    let title = input.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(PlatformError::Invalid {
            field: "title",
            zh: "合同主题须为 1–200 个字",
            en: "The title must be 1–200 characters",
        }
        .into());
    }
    if input.deadline.is_some_and(|d| d <= now) {
        return Err(PlatformError::Invalid {
            field: "deadline",
            zh: "签署截止时间须晚于现在",
            en: "The signing deadline must be in the future",
        }
        .into());
    }
    let parties = resolve_parties(platform, &input).await?;
    let mut cc = BTreeSet::new();
    for phone in &input.cc {
        cc.insert(person(platform, None, Some(phone), "抄送人").await?.0);
    }
    let documents = check_documents(input.documents, &parties)?;
    let mut blobs = Vec::new();
    for document in &documents {
        blobs.push(platform.blobs.put(&document.pdf).await?);
    }
    let task_id = uuid::Uuid::new_v4().to_string();
    let mut tx = platform.db.begin().await?;
    quota::spend(
        platform,
        &mut tx,
        &input.enterprise_id,
        1,
        &task_id,
        user_id,
        now,
    )
    .await?;
    sqlx::query(
        "INSERT INTO ec_tasks (id, enterprise_id, business_type_id, initiator_id, title, confidential, \
           deadline, order_kind, state, current_group, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'launched', 0, $9, $9)",
    )
    .bind(&task_id)
    .bind(&input.enterprise_id)
    .bind(&input.business_type_id)
    .bind(user_id)
    .bind(&title)
    .bind(i64::from(input.confidential))
    .bind(input.deadline)
    .bind(input.order.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for (position, (document, blob)) in documents.iter().zip(&blobs).enumerate() {
        let id = uuid::Uuid::new_v4().to_string();
        let sha = sha256_hex(&document.pdf);
        sqlx::query(
            "INSERT INTO ec_task_documents (id, task_id, position, name, template_version_id, blob, \
               revision, sha256, pages, spots, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, $10, $10)",
        )
        .bind(&id)
        .bind(&task_id)
        .bind(i64::try_from(position).unwrap_or(0))
        .bind(&document.name)
        .bind(document.template_version_id.as_deref())
        .bind(blob)
        .bind(&sha)
        .bind(serde_json::to_string(&document.pages).map_err(|e| CoreError::internal(e.to_string()))?)
        .bind(serde_json::to_string(&document.spots).map_err(|e| CoreError::internal(e.to_string()))?)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO ec_task_revisions (document_id, revision, blob, sha256, party_id, kind, created_at) \
             VALUES ($1, 0, $2, $3, NULL, 'launched', $4)",
        )
        .bind(&id)
        .bind(blob)
        .bind(&sha)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let first_group = parties.iter().map(|p| p.group).min().unwrap_or(0);
    let mut turn = Vec::new();
    for (position, party) in parties.iter().enumerate() {
        let id = uuid::Uuid::new_v4().to_string();
        let state = if party.group == first_group {
            turn.push((id.clone(), party.notify.clone()));
            party_state::TO_SIGN
        } else {
            party_state::WAITING
        };
        sqlx::query(
            "INSERT INTO ec_task_parties (id, task_id, position, role_key, kind, user_id, enterprise_id, \
               display_name, group_index, may_refuse, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&id)
        .bind(&task_id)
        .bind(i64::try_from(position).unwrap_or(0))
        .bind(&party.role)
        .bind(party.kind)
        .bind(party.user_id.as_deref())
        .bind(party.enterprise_id.as_deref())
        .bind(&party.display_name)
        .bind(party.group)
        .bind(i64::from(party.may_refuse))
        .bind(state)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("UPDATE ec_tasks SET current_group = $1 WHERE id = $2")
        .bind(first_group)
        .bind(&task_id)
        .execute(&mut *tx)
        .await?;
    for cc_user in &cc {
        sqlx::query("INSERT INTO ec_task_cc (task_id, user_id) VALUES ($1, $2)")
            .bind(&task_id)
            .bind(cc_user)
            .execute(&mut *tx)
            .await?;
    }
    let event = NewEvent {
        kind: events::LAUNCHED,
        actor: format!("user:{user_id}"),
        detail: serde_json::json!({
            "title": title,
            "order": input.order.as_str(),
            "documents": documents.iter().map(|d| serde_json::json!({"name": d.name, "sha256": sha256_hex(&d.pdf)})).collect::<Vec<_>>(),
            "parties": parties.iter().map(|p| serde_json::json!({"role": p.role, "kind": p.kind, "name": p.display_name})).collect::<Vec<_>>(),
        }),
        ..NewEvent::default()
    };
    events::append(&mut tx, &task_id, &event, origin, now).await?;
    for (party_id, phones) in &turn {
        notify_turn(platform, &mut tx, &task_id, party_id, &title, phones).await?;
    }
    tx.commit().await?;
    Ok(task_id)
}

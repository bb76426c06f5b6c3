//! Signing (ES-8, §2.5.1.2–3): the signer's intent is an SMS code sent to their own phone for
//! this task and party (replay-proof and try-limited by `platform::sms_codes`); then each
//! document gets the party's seal at its spots and a PAdES B-T signature under the party's own
//! certificate, and the new revisions are stored in the transaction that moves the task (next
//! party or group to sign, or completion with B-LTA). Signing is optimistic: the signature is
//! made outside the transaction over the revision read; if another party stored a revision
//! meanwhile (parallel signers of a group) it is made again over the new one.

use std::sync::Arc;

use serde::Deserialize;
use sqlx::Row as _;

use super::super::{ContractsError, grants, seals};
use super::events::{self, NewEvent, Origin};
use super::launch::phone_of;
use super::launch::riding::{self, RIDING_WIDTH, RidingSeal};
use super::pades::{self, Marks, Stamp, Work};
use super::progress::{Contacts, store};
use super::view::{self, DocumentView};
use super::{party_state, state};
use crate::Platform;
use crate::ca;
use crate::error::{CoreError, PlatformError};
use crate::platform::accounts::fields::Phone;
use crate::platform::clock::Clock as _;
use crate::platform::sms_codes::{self, Purpose, SentCode};

/// How many times a signature is made again when parallel signers keep moving the revision.
const ATTEMPTS: usize = 8;

/// The signer's confirmation and choices.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInput {
    /// The SMS code sent by `POST …/sign-code`.
    pub sms_code: String,
    /// An enterprise party: the seal stamped at company and contract seal spots (default: the
    /// enterprise's seal of each spot's type). It must be granted to the signer.
    #[serde(default)]
    pub seal_id: Option<String>,
    /// A person: `name` (the name seal) or `handwriting` at every personal spot (default: by the
    /// spot's kind).
    #[serde(default)]
    pub personal_seal: Option<String>,
}

/// The party the caller signs for now.
pub(crate) struct Turn {
    pub task_id: String,
    pub title: String,
    pub party_id: String,
    pub role: String,
    pub kind: String,
    pub enterprise_id: Option<String>,
    pub display_name: String,
    pub may_refuse: bool,
    /// The riding seal chosen at launch, if any.
    pub riding: Option<RidingSeal>,
}

/// The caller's party whose turn it is: `NotFound` for a task they may not see, `TaskClosed`,
/// `NothingToSign`, `NotYourTurn` or `AlreadySigned` otherwise.
pub(crate) async fn my_turn(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
) -> Result<Turn, CoreError> {
    let task = view::visible_row(platform, user_id, task_id).await?;
    let task_state: String = task.try_get("state")?;
    if task_state != state::LAUNCHED {
        return Err(ContractsError::TaskClosed(task_state).into());
    }
    let mine = view::my_parties(platform, user_id, task_id).await?;
    if mine.is_empty() {
        return Err(ContractsError::NothingToSign.into());
    }
    let rows = sqlx::query(
        "SELECT id, role_key, kind, user_id, enterprise_id, display_name, may_refuse, state, \
           riding_seal_id, riding_pages \
         FROM ec_task_parties WHERE task_id = $1 ORDER BY position",
    )
    .bind(task_id)
    .fetch_all(platform.db.pool())
    .await?;
    let mut waiting = false;
    for row in &rows {
        let id: String = row.try_get("id")?;
        if !mine.contains(&id) {
            continue;
        }
        let party_state: String = row.try_get("state")?;
        match party_state.as_str() {
            party_state::TO_SIGN => {
                return Ok(Turn {
                    task_id: task_id.to_owned(),
                    title: task.try_get("title")?,
                    party_id: id,
                    role: row.try_get("role_key")?,
                    kind: row.try_get("kind")?,
                    enterprise_id: row.try_get("enterprise_id")?,
                    display_name: row.try_get("display_name")?,
                    may_refuse: row.try_get::<i64, _>("may_refuse")? != 0,
                    riding: riding::from_row(row)?,
                });
            }
            party_state::WAITING => waiting = true,
            _ => {}
        }
    }
    Err(if waiting {
        ContractsError::NotYourTurn.into()
    } else {
        ContractsError::AlreadySigned.into()
    })
}

/// What an intent code authorises: this signer, this party of this task.
fn code_subject(turn: &Turn, user_id: &str) -> String {
    format!("contract-sign:{}:{}:{user_id}", turn.task_id, turn.party_id)
}

/// Sends the intent code to the signer's own phone.
pub async fn send_code(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
    origin: &Origin,
) -> Result<SentCode, CoreError> {
    let turn = my_turn(platform, user_id, task_id).await?;
    let phone = Phone::parse(&phone_of(platform, user_id).await?, "phone")?;
    let sent = sms_codes::send_for(
        platform,
        &phone,
        Purpose::SignContract,
        &code_subject(&turn, user_id),
    )
    .await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let event = NewEvent {
        kind: events::SMS_SENT,
        actor: format!("user:{user_id}"),
        party_id: Some(&turn.party_id),
        phone_masked: Some(phone.masked()),
        ..NewEvent::default()
    };
    events::append(&mut tx, task_id, &event, origin, now).await?;
    tx.commit().await?;
    Ok(sent)
}

/// An enterprise seal of `kind` (or the one chosen) the signer is granted: its image.
async fn enterprise_seal(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    spot_kind: &str,
    chosen: Option<&str>,
) -> Result<Vec<u8>, CoreError> {
    let row = match chosen.filter(|_| matches!(spot_kind, "company" | "contract")) {
        Some(seal_id) => sqlx::query(
            "SELECT id, image_blob, state FROM ec_seals WHERE id = $1 AND enterprise_id = $2",
        )
        .bind(seal_id)
        .bind(enterprise_id)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or(PlatformError::NotFound)?,
        None => sqlx::query(
            "SELECT id, image_blob, state FROM ec_seals WHERE enterprise_id = $1 AND kind = $2 \
             AND state <> 'void'",
        )
        .bind(enterprise_id)
        .bind(spot_kind)
        .fetch_optional(platform.db.pool())
        .await?
        .ok_or(ContractsError::SealUnusable)?,
    };
    if row.try_get::<String, _>("state")? != "active" {
        return Err(ContractsError::SealUnusable.into());
    }
    let seal_id: String = row.try_get("id")?;
    if !grants::may_use(platform, enterprise_id, &seal_id, user_id).await? {
        return Err(ContractsError::SealNotGranted.into());
    }
    platform
        .blobs
        .get(&row.try_get::<String, _>("image_blob")?)
        .await
}

/// The riding seal's image, when its seal is still active and the signer is granted it.
async fn riding_image(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    riding: &RidingSeal,
) -> Result<Vec<u8>, CoreError> {
    let row =
        sqlx::query("SELECT image_blob, state FROM ec_seals WHERE id = $1 AND enterprise_id = $2")
            .bind(&riding.seal_id)
            .bind(enterprise_id)
            .fetch_optional(platform.db.pool())
            .await?
            .ok_or(ContractsError::SealUnusable)?;
    if row.try_get::<String, _>("state")? != "active" {
        return Err(ContractsError::SealUnusable.into());
    }
    if !grants::may_use(platform, enterprise_id, &riding.seal_id, user_id).await? {
        return Err(ContractsError::SealNotGranted.into());
    }
    platform
        .blobs
        .get(&row.try_get::<String, _>("image_blob")?)
        .await
}

/// The riding seal's slices for each document (`None` without one), in the pages each
/// document has.
async fn riding_marks(
    platform: &Platform,
    user_id: &str,
    turn: &Turn,
    documents: &[(DocumentView, String)],
) -> Result<Vec<Option<signet_pdf::seal::RidingSeal>>, CoreError> {
    let (Some(riding), Some(enterprise_id)) = (&turn.riding, turn.enterprise_id.as_deref()) else {
        return Ok(vec![None; documents.len()]);
    };
    let png = riding_image(platform, enterprise_id, user_id, riding).await?;
    documents
        .iter()
        .map(|(document, _)| {
            let (first_page, last_page) = riding
                .pages
                .range(document.pages.len())
                .ok_or_else(|| CoreError::internal("riding seal range outside the document"))?;
            Ok(Some(signet_pdf::seal::RidingSeal {
                png: png.clone(),
                first_page,
                last_page,
                width: RIDING_WIDTH,
                center_y: None,
            }))
        })
        .collect()
}

/// The person's seal image for a spot.
async fn personal_seal(
    platform: &Platform,
    user_id: &str,
    spot_kind: &str,
    chosen: Option<&str>,
) -> Result<Vec<u8>, CoreError> {
    let kind = match chosen.unwrap_or(spot_kind) {
        "handwriting" => seals::personal::HANDWRITING,
        "name" | "name_seal" => seals::personal::NAME,
        _ => {
            return Err(PlatformError::Invalid {
                field: "personal_seal",
                zh: "个人签章须为 name（人名章）或 handwriting（手写签名）",
                en: "The personal seal must be name or handwriting",
            }
            .into());
        }
    };
    let found = seals::personal::list(platform, user_id)
        .await?
        .into_iter()
        .find(|s| s.kind == kind);
    let Some(seal) = found else {
        return Err(if kind == seals::personal::HANDWRITING {
            ContractsError::HandwritingRequired.into()
        } else {
            ContractsError::RealNameRequired.into()
        });
    };
    Ok(seals::personal::image(platform, user_id, &seal.id)
        .await?
        .png)
}

/// The images stamped at the party's spots, per document (`None` for a spot with nothing to
/// stamp: a person's signing date is not drawn). Checked before the intent code is spent.
async fn stamps(
    platform: &Platform,
    user_id: &str,
    turn: &Turn,
    input: &SignInput,
    documents: &[(DocumentView, String)],
) -> Result<Vec<Vec<Stamp>>, CoreError> {
    let mut out = Vec::new();
    for (document, _) in documents {
        let mut stamps = Vec::new();
        for spot in document.spots.iter().filter(|s| s.role == turn.role) {
            let png = match (turn.kind.as_str(), turn.enterprise_id.as_deref()) {
                ("enterprise", Some(enterprise_id)) => {
                    enterprise_seal(
                        platform,
                        enterprise_id,
                        user_id,
                        &spot.kind,
                        input.seal_id.as_deref(),
                    )
                    .await?
                }
                _ if spot.kind == "sign_date" => continue,
                _ => {
                    personal_seal(
                        platform,
                        user_id,
                        &spot.kind,
                        input.personal_seal.as_deref(),
                    )
                    .await?
                }
            };
            let page = usize::try_from(spot.page).unwrap_or(1);
            let height = document
                .pages
                .get(page.saturating_sub(1))
                .map_or(0.0, |p| p.height);
            stamps.push(Stamp {
                png,
                page,
                rect: [spot.x, height - spot.y - spot.h, spot.w, spot.h],
            });
        }
        out.push(stamps);
    }
    Ok(out)
}

/// Signs for the caller's party whose turn it is, after the intent code.
pub async fn sign(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
    input: &SignInput,
    origin: &Origin,
) -> Result<super::TaskView, CoreError> {
    let (turn, marks) = prepare(platform, user_id, task_id, input).await?;
    let phone = Phone::parse(&phone_of(platform, user_id).await?, "phone")?;
    sms_codes::consume_for(
        platform,
        &phone,
        Purpose::SignContract,
        &code_subject(&turn, user_id),
        &input.sms_code,
    )
    .await?;
    sign_turn(platform, user_id, &turn, &marks, origin).await
}

/// [`sign`] with the intent taken as confirmed (no SMS code): `cargo xtask bench contracts`
/// measures the signing path after the intent. Built only with the `testing` feature.
#[cfg(feature = "testing")]
pub async fn sign_intent_confirmed(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
    input: &SignInput,
    origin: &Origin,
) -> Result<super::TaskView, CoreError> {
    sign_confirmed(platform, user_id, task_id, input, origin).await
}

/// Signs for the caller's party whose turn it is, the intent confirmed already: by the code
/// [`sign`] takes, or by a batch's one code ([`super::batch_sign`]). `input.sms_code` is not read.
pub(crate) async fn sign_confirmed(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
    input: &SignInput,
    origin: &Origin,
) -> Result<super::TaskView, CoreError> {
    let (turn, marks) = prepare(platform, user_id, task_id, input).await?;
    sign_turn(platform, user_id, &turn, &marks, origin).await
}

/// The caller's turn and what it stamps on each document, every check before the intent code
/// is spent.
pub(crate) async fn prepare(
    platform: &Platform,
    user_id: &str,
    task_id: &str,
    input: &SignInput,
) -> Result<(Turn, Vec<Marks>), CoreError> {
    let turn = my_turn(platform, user_id, task_id).await?;
    let first = view::documents(platform, task_id).await?;
    let stamps = stamps(platform, user_id, &turn, input, &first).await?;
    let ridings = riding_marks(platform, user_id, &turn, &first).await?;
    let marks = stamps
        .into_iter()
        .zip(ridings)
        .map(|(stamps, riding)| Marks { stamps, riding })
        .collect();
    if turn.kind == "enterprise"
        && let Some(seal_id) = input.seal_id.as_deref()
        && !grants::may_use(
            platform,
            turn.enterprise_id.as_deref().unwrap_or_default(),
            seal_id,
            user_id,
        )
        .await?
    {
        return Err(ContractsError::SealNotGranted.into());
    }
    Ok((turn, marks))
}

/// Signs every document of `turn` (made again over a newer revision when a parallel signer
/// stored one first) and stores the revisions with the task's move.
async fn sign_turn(
    platform: &Platform,
    user_id: &str,
    turn: &Turn,
    marks: &[Marks],
    origin: &Origin,
) -> Result<super::TaskView, CoreError> {
    let task_id = turn.task_id.as_str();
    let key = Arc::new(match turn.enterprise_id.as_deref() {
        Some(enterprise_id) if turn.kind == "enterprise" => {
            pades::enterprise_key(platform, enterprise_id).await?
        }
        _ => pades::person_key(platform, user_id).await?,
    });
    let tsa = Arc::new(ca::tsa_handle(platform, &key.ca).await?);
    let contacts = Contacts::load(platform, task_id, user_id).await?;
    for _ in 0..ATTEMPTS {
        let documents = view::documents(platform, task_id).await?;
        let others_left: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM ec_task_parties WHERE task_id = $1 AND id <> $2 AND state <> 'signed'",
        )
        .bind(task_id)
        .bind(&turn.party_id)
        .fetch_one(platform.db.pool())
        .await?
        .try_get("n")?;
        let complete = if others_left == 0 {
            Some(Arc::new(pades::ca_revocation(platform).await?))
        } else {
            None
        };
        let now = platform.clock.now();
        let mut works = Vec::new();
        for ((_, blob), marks) in documents.iter().zip(marks) {
            works.push(Work {
                pdf: platform.blobs.get(blob).await?,
                marks: marks.clone(),
                name: turn.display_name.clone(),
                reason: format!("签署《{}》", turn.title),
                now: ca::system_time(now),
            });
        }
        let (key_, tsa_, complete_) = (key.clone(), tsa.clone(), complete.clone());
        let signed = tokio::task::spawn_blocking(move || {
            works
                .into_iter()
                .map(|work| pades::sign_document(work, &key_, &tsa_, complete_.as_deref()))
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(|e| CoreError::internal(e.to_string()))??;
        if store(
            platform,
            user_id,
            turn,
            &key,
            &documents,
            signed,
            complete.is_some(),
            &contacts,
            origin,
        )
        .await?
        {
            return view::show(platform, user_id, task_id).await;
        }
    }
    Err(CoreError::internal(
        "the documents kept changing while signing; try again",
    ))
}

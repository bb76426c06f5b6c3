//! Personal real-name authentication (ES-1, §2.2.2): after consenting to the current texts, a
//! person is checked by carrier three-factor, bank-card four-factor or a face check, through the
//! desk's identity providers (`platform.identity`, sandboxes included). Passing writes the
//! person (`ec_persons`: name and ID sealed, masked, ID found by blind index, one account per
//! ID) and issues the person's free cloud certificate ([`super::persons`]) in one transaction.

use serde::{Deserialize, Serialize};
use signet_pki::ids::IdNumber;
use sqlx::Row as _;

use super::{ContractsError, consent, persons};
use crate::Platform;
use crate::desk::DeskError;
use crate::error::{CoreError, PlatformError};
use crate::platform::accounts::fields::{Phone, RealName};
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::crypto::SealedAt;
use crate::platform::providers::{CheckOutcome, SmsMessage};

/// Checks a person may start in a day.
pub const DAILY_TRIES: i64 = 10;
/// How long a face-check link works.
pub const FACE_LIFETIME: i64 = 30 * 60;

/// How a person is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RealNameMethod {
    /// Name, ID number and the account's mobile number at the carrier.
    Carrier3,
    /// Name, ID number, a bank card and the card's mobile number at the bank.
    Bank4,
    /// A live face on a phone, through a link sent to the account's mobile number.
    Face,
}

impl RealNameMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Carrier3 => "carrier3",
            Self::Bank4 => "bank4",
            Self::Face => "face",
        }
    }
}

/// What the person enters.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RealNameInput {
    pub name: String,
    pub id_number: String,
    pub method: RealNameMethod,
    /// Bank-card four-factor: the card and the mobile number the bank holds for it.
    #[serde(default)]
    pub card: String,
    #[serde(default)]
    pub card_phone: String,
}

/// The outcome of a started check.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RealNameCheck {
    pub method: RealNameMethod,
    /// `passed`, `failed` or `pending` (a face check waits for the phone).
    pub state: String,
    pub detail: String,
    /// Face check: the link sent to the phone, also shown as a QR code.
    pub face_url: Option<String>,
    /// Set once passed.
    pub person: Option<persons::PersonView>,
}

#[derive(Serialize, Deserialize)]
struct Identity {
    name: String,
    id_number: String,
}

fn check_sealed_at(id: &str) -> SealedAt<'_> {
    SealedAt::new("ec_realname_checks", "identity_sealed", id)
}

fn invalid(field: &'static str, zh: &'static str, en: &'static str) -> CoreError {
    PlatformError::Invalid { field, zh, en }.into()
}

/// The checks and refusals before any provider is asked.
async fn admit(
    platform: &Platform,
    user_id: &str,
    input: &RealNameInput,
) -> Result<(RealName, IdNumber), CoreError> {
    if persons::find(platform, user_id).await?.is_some() {
        return Err(ContractsError::AlreadyRealNamed.into());
    }
    if !consent::current(platform, user_id).await? {
        return Err(ContractsError::ConsentRequired.into());
    }
    let name = RealName::parse(&input.name)?;
    let id = IdNumber::parse(&crate::desk::strip_spaces(&input.id_number)).map_err(|_| {
        invalid(
            "id_number",
            "身份证号码不正确（18 位，末位校验码须符合 GB 11643）",
            "The ID number is not valid (18 characters with a GB 11643 check character)",
        )
    })?;
    if persons::id_taken_by_other(platform, user_id, id.as_str()).await? {
        return Err(ContractsError::IdNumberTaken.into());
    }
    let since = platform.clock.now() - 24 * 3600;
    let tries: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM ec_realname_checks WHERE user_id = $1 AND created_at > $2",
    )
    .bind(user_id)
    .bind(since)
    .fetch_one(platform.db.pool())
    .await?
    .try_get("n")?;
    if tries >= DAILY_TRIES {
        return Err(ContractsError::RealNameTries.into());
    }
    Ok((name, id))
}

async fn account_phone(platform: &Platform, user_id: &str) -> Result<Phone, CoreError> {
    let user = crate::platform::accounts::find_by_id(platform, user_id)
        .await?
        .ok_or(PlatformError::NotSignedIn)?;
    Phone::parse(&user.phone, "phone")
}

struct NewCheck<'a> {
    id: String,
    user_id: &'a str,
    method: RealNameMethod,
    state: &'static str,
    identity: &'a Identity,
    detail: String,
    expires_at: Timestamp,
}

async fn record(platform: &Platform, check: &NewCheck<'_>) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let identity = serde_json::to_string(check.identity)
        .map_err(|e| CoreError::internal(format!("identity json: {e}")))?;
    sqlx::query(
        "INSERT INTO ec_realname_checks (id, user_id, method, state, identity_sealed, detail, expires_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&check.id)
    .bind(check.user_id)
    .bind(check.method.as_str())
    .bind(check.state)
    .bind(platform.cipher.seal(check_sealed_at(&check.id), &identity)?)
    .bind(&check.detail)
    .bind(check.expires_at)
    .bind(now)
    .execute(platform.db.pool())
    .await?;
    Ok(())
}

/// Starts a check; three- and four-factor answer at once, a face check when the phone does.
pub async fn start(
    platform: &Platform,
    user_id: &str,
    input: &RealNameInput,
) -> Result<RealNameCheck, CoreError> {
    let (name, id) = admit(platform, user_id, input).await?;
    let identity = Identity {
        name: name.as_str().to_owned(),
        id_number: id.as_str().to_owned(),
    };
    let now = platform.clock.now();
    let phone = account_phone(platform, user_id).await?;
    let outcome = match input.method {
        RealNameMethod::Carrier3 => {
            platform
                .identity
                .three_factor(name.as_str(), id.as_str(), phone.as_str())
                .await?
        }
        RealNameMethod::Bank4 => {
            let card = crate::desk::strip_spaces(&input.card);
            let card_phone = crate::desk::strip_spaces(&input.card_phone);
            if !crate::desk::luhn_ok(&card) {
                return Err(invalid(
                    "card",
                    "银行卡号不正确",
                    "The bank card number is not valid",
                ));
            }
            if !crate::desk::is_mobile(&card_phone) {
                return Err(invalid(
                    "card_phone",
                    "银行预留手机号格式不正确",
                    "The card's mobile number is not valid",
                ));
            }
            platform
                .identity
                .four_factor(name.as_str(), id.as_str(), &card, &card_phone)
                .await?
        }
        RealNameMethod::Face => return start_face(platform, user_id, &identity, &phone).await,
    };
    let check_id = uuid::Uuid::new_v4().to_string();
    let (state, detail) = match &outcome {
        CheckOutcome::Match => ("passed", "核验通过".to_owned()),
        CheckOutcome::Mismatch(why) => ("failed", format!("核验未通过：{why}")),
    };
    record(
        platform,
        &NewCheck {
            id: check_id.clone(),
            user_id,
            method: input.method,
            state,
            identity: &identity,
            detail: detail.clone(),
            expires_at: now,
        },
    )
    .await?;
    let person = if outcome == CheckOutcome::Match {
        Some(
            persons::create(
                platform,
                user_id,
                &identity.name,
                &identity.id_number,
                input.method.as_str(),
                &check_id,
            )
            .await?,
        )
    } else {
        None
    };
    Ok(RealNameCheck {
        method: input.method,
        state: state.to_owned(),
        detail,
        face_url: None,
        person,
    })
}

async fn start_face(
    platform: &Platform,
    user_id: &str,
    identity: &Identity,
    phone: &Phone,
) -> Result<RealNameCheck, CoreError> {
    if !platform.sms.configured() {
        return Err(PlatformError::ProviderNotConfigured { provider: "sms" }.into());
    }
    crate::platform::sms_limits::admit(platform, phone, "face_check").await?;
    let token = platform.random.token()?;
    let url = format!("/face/{token}");
    platform
        .sms
        .send(
            phone.as_str(),
            &SmsMessage {
                text: format!(
                    "【Signet】{}，请在 30 分钟内用手机打开链接完成人脸核验：{}",
                    identity.name,
                    platform.link(&url)
                ),
                code: None,
            },
        )
        .await?;
    let detail = format!(
        "人脸核验链接已发送至 {}，也可扫描二维码核验",
        phone.masked()
    );
    record(
        platform,
        &NewCheck {
            id: platform.cipher.blind_index("ec-face-link", &token),
            user_id,
            method: RealNameMethod::Face,
            state: "pending",
            identity,
            detail: detail.clone(),
            expires_at: platform.clock.now() + FACE_LIFETIME,
        },
    )
    .await?;
    Ok(RealNameCheck {
        method: RealNameMethod::Face,
        state: "pending".into(),
        detail,
        face_url: Some(url),
        person: None,
    })
}

/// The face page's answer for a real-name link. `Ok(None)` when the token is not a real-name
/// link (the desk's face checks use the same page).
pub async fn finish_face(
    platform: &Platform,
    token: &str,
    passed: bool,
) -> Result<Option<String>, CoreError> {
    let id = platform.cipher.blind_index("ec-face-link", token);
    let Some(row) = sqlx::query(
        "SELECT user_id, state, expires_at, identity_sealed FROM ec_realname_checks \
         WHERE id = $1 AND method = 'face'",
    )
    .bind(&id)
    .fetch_optional(platform.db.pool())
    .await?
    else {
        return Ok(None);
    };
    let now = platform.clock.now();
    let state: String = row.try_get("state")?;
    if state != "pending" {
        return Err(DeskError::LinkExpired.into());
    }
    let expired = row.try_get::<Timestamp, _>("expires_at")? <= now;
    let to = if expired {
        "expired"
    } else if passed {
        "passed"
    } else {
        "failed"
    };
    // Only the first answer counts: the state read is the state replaced.
    let moved = sqlx::query(
        "UPDATE ec_realname_checks SET state = $1, updated_at = $2 WHERE id = $3 AND state = 'pending'",
    )
    .bind(to)
    .bind(now)
    .bind(&id)
    .execute(platform.db.pool())
    .await?
    .rows_affected();
    if moved == 0 || expired {
        return Err(DeskError::LinkExpired.into());
    }
    if passed {
        let sealed: String = row.try_get("identity_sealed")?;
        let identity: Identity =
            serde_json::from_str(&platform.cipher.open(check_sealed_at(&id), &sealed)?)
                .map_err(|e| CoreError::internal(format!("identity json: {e}")))?;
        let user_id: String = row.try_get("user_id")?;
        persons::create(
            platform,
            &user_id,
            &identity.name,
            &identity.id_number,
            "face",
            &id,
        )
        .await?;
    }
    Ok(Some(to.to_owned()))
}

//! The texts a person consents to before real-name authentication (§2.2.2: 《个人信息保护政策》
//! and 《个人生物识别信息保护声明》), served with their version, and the record of each consent
//! (`ec_consents`: time, IP, user agent, version). A consent counts only for the current version.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::ContractsError;
use crate::Platform;
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};

/// One text to consent to.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentText {
    /// `privacy` or `biometric`.
    pub document: &'static str,
    pub version: &'static str,
    pub title: &'static str,
    pub title_en: &'static str,
    pub body: &'static str,
}

/// The current texts. A new version is a new entry here: earlier consents stop counting.
pub const TEXTS: [ConsentText; 2] = [
    ConsentText {
        document: "privacy",
        version: "2026-12-01",
        title: "个人信息保护政策",
        title_en: "Privacy policy",
        body: "为完成实名认证和电子合同签署，我们收集您的姓名、证件号码、手机号码及所选核验方式所需的\
               银行卡信息，仅用于核验身份、签发数字证书和保存签署证据。证件号码等信息加密存储，\
               列表中只显示脱敏信息。我们不会向核验服务机构以外的第三方提供您的个人信息，\
               法律法规另有规定的除外。您可以在用户中心查询、更正您的信息。",
    },
    ConsentText {
        document: "biometric",
        version: "2026-12-01",
        title: "个人生物识别信息保护声明",
        title_en: "Biometric information notice",
        body: "选择人脸识别核验时，您的人脸图像由核验服务机构采集并与公安机关的证件照片比对，\
               本平台只保存核验结果，不保存人脸图像。您可以选择手机号三要素或银行卡四要素核验\
               代替人脸识别。",
    },
];

/// What the person accepts: each document with the version they read.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Acceptance {
    pub document: String,
    pub version: String,
}

/// Where the consent came from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: String,
    pub user_agent: String,
}

/// Records the person's consent to every current text. Each acceptance must name a current text
/// and version, and together they must cover every text; otherwise nothing is written.
pub async fn accept(
    platform: &Platform,
    user_id: &str,
    accepted: &[Acceptance],
    origin: &Origin,
) -> Result<Timestamp, CoreError> {
    let covers_all = TEXTS.iter().all(|text| {
        accepted
            .iter()
            .any(|a| a.document == text.document && a.version == text.version)
    });
    let all_known = accepted.iter().all(|a| {
        TEXTS
            .iter()
            .any(|t| a.document == t.document && a.version == t.version)
    });
    if !covers_all || !all_known {
        return Err(ContractsError::ConsentRequired.into());
    }
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    for text in &TEXTS {
        sqlx::query(
            "INSERT INTO ec_consents (id, user_id, document, version, ip, user_agent, accepted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(user_id)
        .bind(text.document)
        .bind(text.version)
        .bind(&origin.ip)
        .bind(origin.user_agent.chars().take(300).collect::<String>())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let versions: serde_json::Map<String, serde_json::Value> = TEXTS
        .iter()
        .map(|t| (t.document.to_owned(), t.version.into()))
        .collect();
    let event = AuditEvent::new(
        format!("user:{user_id}"),
        "contracts.consent",
        format!("user:{user_id}"),
    )
    .change(
        serde_json::Value::Null,
        serde_json::json!({ "versions": versions, "ip": origin.ip }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(now)
}

/// Whether the person consented to the current version of every text.
pub async fn current(platform: &Platform, user_id: &str) -> Result<bool, CoreError> {
    let rows = sqlx::query("SELECT document, version FROM ec_consents WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(platform.db.pool())
        .await?;
    let mut seen = Vec::new();
    for row in &rows {
        seen.push((
            row.try_get::<String, _>("document")?,
            row.try_get::<String, _>("version")?,
        ));
    }
    Ok(TEXTS
        .iter()
        .all(|t| seen.iter().any(|(d, v)| d == t.document && v == t.version)))
}

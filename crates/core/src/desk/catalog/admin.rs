//! The catalog editor of a channel admin: create or change projects and products (by code),
//! each change checked and audited.

use serde::Deserialize;
use sqlx::Row as _;

use super::Business;
use super::{Help, ProductSettings, ProjectKind, SubjectKind, json};
use crate::Platform;
use crate::ca;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Clock as _;

/// What a channel admin writes to create or change a project.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectInput {
    pub code: String,
    pub name: String,
    pub initial: String,
    pub kind: ProjectKind,
    pub help: Help,
}

/// What a channel admin writes to create or change a product.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductInput {
    pub code: String,
    pub name: String,
    pub subject_kind: SubjectKind,
    pub ca: String,
    pub profile: String,
    pub settings: ProductSettings,
    pub active: bool,
}

fn invalid(field: &'static str, zh: &'static str, en: &'static str) -> CoreError {
    PlatformError::Invalid { field, zh, en }.into()
}

impl ProductInput {
    fn check(&self) -> Result<(), CoreError> {
        let s = &self.settings;
        if self.name.trim().is_empty() || self.code.trim().is_empty() {
            return Err(invalid(
                "name",
                "请填写产品名称和编码",
                "Name and code are required",
            ));
        }
        if s.terms.is_empty() || s.terms.iter().any(|t| !(1..=5).contains(t)) {
            return Err(invalid(
                "settings.terms",
                "证书有效期须在 1–5 年之间",
                "Terms must be 1–5 years",
            ));
        }
        if s.min_quantity < 1 || s.max_quantity < s.min_quantity || s.max_quantity > 100 {
            return Err(invalid(
                "settings.max_quantity",
                "证书数量规则不正确",
                "The quantity rule is not valid",
            ));
        }
        if s.unit_price_fen < 0 {
            return Err(invalid(
                "settings.unit_price_fen",
                "价格不能为负",
                "The price cannot be negative",
            ));
        }
        if s.verification.is_empty() {
            return Err(invalid(
                "settings.verification",
                "至少选择一种核验方式",
                "Choose at least one verification method",
            ));
        }
        if s.materials
            .iter()
            .any(|m| m.max_bytes == 0 || m.max_bytes > 20 * 1024 * 1024)
        {
            return Err(invalid(
                "settings.materials",
                "材料大小上限须在 1 字节到 20 MB 之间",
                "Material size limits must be 1 byte to 20 MB",
            ));
        }
        if !["none", "optional", "required"].contains(&s.seal_image.as_str()) {
            return Err(invalid(
                "settings.seal_image",
                "印章图片要求须为 none、optional 或 required",
                "seal_image must be none, optional or required",
            ));
        }
        if !s.business.contains(&Business::New) {
            return Err(invalid(
                "settings.business",
                "产品须提供新办业务",
                "A product must offer new issue",
            ));
        }
        if s.pin_min < 1 || s.pin_max < s.pin_min || s.pin_max > 16 {
            return Err(invalid(
                "settings.pin_max",
                "PIN 码长度规则不正确",
                "The PIN length rule is not valid",
            ));
        }
        Ok(())
    }
}

/// Creates or updates (by code) a project; returns its id.
pub async fn save_project(
    platform: &Platform,
    input: &ProjectInput,
    actor: &str,
) -> Result<String, CoreError> {
    let initial = input.initial.trim().to_ascii_uppercase();
    if input.name.trim().is_empty()
        || input.code.trim().is_empty()
        || initial.len() != 1
        || !initial.chars().all(|c| c.is_ascii_uppercase())
    {
        return Err(invalid(
            "initial",
            "请填写名称、编码和 A–Z 首字母",
            "Name, code and an A–Z initial are required",
        ));
    }
    input.help.check_links()?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let existing = sqlx::query("SELECT id FROM desk_projects WHERE code = $1")
        .bind(input.code.trim())
        .fetch_optional(&mut *tx)
        .await?;
    let id = if let Some(row) = existing {
        let id: String = row.try_get("id")?;
        sqlx::query(
            "UPDATE desk_projects SET name = $1, initial = $2, kind = $3, help = $4, updated_at = $5 WHERE id = $6",
        )
        .bind(input.name.trim())
        .bind(&initial)
        .bind(kind_str(input.kind))
        .bind(json(&input.help)?)
        .bind(now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        id
    } else {
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO desk_projects (id, code, name, initial, kind, help, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(&id)
        .bind(input.code.trim())
        .bind(input.name.trim())
        .bind(&initial)
        .bind(kind_str(input.kind))
        .bind(json(&input.help)?)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        id
    };
    let event = crate::platform::audit::AuditEvent::new(
        actor,
        "desk.project.save",
        format!("project:{id}"),
    )
    .change(
        serde_json::Value::Null,
        serde_json::json!({ "code": input.code, "name": input.name }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(id)
}

fn kind_str(kind: ProjectKind) -> &'static str {
    match kind {
        ProjectKind::Project => "project",
        ProjectKind::Channel => "channel",
    }
}

/// Creates or updates (by code) a product of a project; returns its id. The CA and profile must
/// exist and fit the subject kind.
pub async fn save_product(
    platform: &Platform,
    project_id: &str,
    input: &ProductInput,
    actor: &str,
) -> Result<String, CoreError> {
    input.check()?;
    let expected_profile = match input.subject_kind {
        SubjectKind::Enterprise => {
            ["enterprise", "enterprise-seal"].contains(&input.profile.as_str())
        }
        SubjectKind::Personal => input.profile == "personal",
    };
    if !expected_profile {
        return Err(invalid(
            "profile",
            "证书模板与申请主体不符",
            "The profile does not fit the subject kind",
        ));
    }
    let cas = ca::list_cas(platform).await?;
    if !cas
        .iter()
        .any(|ca| ca.name == input.ca && ca.role == ca::CaRole::Issuing)
    {
        return Err(ca::CaError::UnknownCa(input.ca.clone()).into());
    }
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    if sqlx::query("SELECT id FROM desk_projects WHERE id = $1")
        .bind(project_id)
        .fetch_optional(&mut *tx)
        .await?
        .is_none()
    {
        return Err(PlatformError::NotFound.into());
    }
    let existing = sqlx::query("SELECT id FROM desk_products WHERE code = $1")
        .bind(input.code.trim())
        .fetch_optional(&mut *tx)
        .await?;
    let id = if let Some(row) = existing {
        let id: String = row.try_get("id")?;
        sqlx::query(
            "UPDATE desk_products SET project_id = $1, name = $2, subject_kind = $3, ca = $4, profile = $5, \
             settings = $6, active = $7, updated_at = $8 WHERE id = $9",
        )
        .bind(project_id)
        .bind(input.name.trim())
        .bind(input.subject_kind.as_str())
        .bind(&input.ca)
        .bind(&input.profile)
        .bind(json(&input.settings)?)
        .bind(i64::from(input.active))
        .bind(now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        id
    } else {
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO desk_products (id, project_id, code, name, subject_kind, ca, profile, settings, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        )
        .bind(&id)
        .bind(project_id)
        .bind(input.code.trim())
        .bind(input.name.trim())
        .bind(input.subject_kind.as_str())
        .bind(&input.ca)
        .bind(&input.profile)
        .bind(json(&input.settings)?)
        .bind(i64::from(input.active))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        id
    };
    let event = crate::platform::audit::AuditEvent::new(
        actor,
        "desk.product.save",
        format!("product:{id}"),
    )
    .change(
        serde_json::Value::Null,
        serde_json::json!({ "code": input.code, "price_fen": input.settings.unit_price_fen }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;
    Ok(id)
}

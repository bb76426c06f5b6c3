//! The catalog: projects (an organisation's bidding platform, 001), channels (reached from a
//! partner platform with their own landing page, 002) and the products each offers (003's
//! USB-key product at 300.00 CNY a year). A product fixes everything an order of it follows.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::DeskError;
use crate::Platform;
use crate::error::CoreError;
use crate::platform::clock::Clock as _;

/// Whether a catalog entry is an organisation's project or a partner platform's channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ProjectKind {
    Project,
    Channel,
}

/// Who the certificate names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SubjectKind {
    Enterprise,
    Personal,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enterprise => "enterprise",
            Self::Personal => "personal",
        }
    }
}

/// Where the key lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Medium {
    /// Produced by CA staff onto a USB key and shipped.
    UsbKey,
    /// Downloaded by the applicant onto a key they already hold.
    OwnKey,
    /// Held by the platform, used with the holder's PIN or SMS code.
    Cloud,
}

/// How an identity is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Method {
    /// A random small transfer to the organisation's bank account (APP-4).
    MicroDeposit,
    /// Name, ID number and mobile number at the carrier.
    ThreeFactor,
    /// Name, ID number, bank card and its mobile number at the bank.
    FourFactor,
    /// Live face against the ID photo, on a phone.
    Face,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MicroDeposit => "micro_deposit",
            Self::ThreeFactor => "three_factor",
            Self::FourFactor => "four_factor",
            Self::Face => "face",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::MicroDeposit,
            Self::ThreeFactor,
            Self::FourFactor,
            Self::Face,
        ]
        .into_iter()
        .find(|m| m.as_str() == text)
    }
}

/// The businesses an order can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Business {
    New,
    Renewal,
    Change,
    Reissue,
    Unlock,
}

impl Business {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Renewal => "renewal",
            Self::Change => "change",
            Self::Reissue => "reissue",
            Self::Unlock => "unlock",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::New,
            Self::Renewal,
            Self::Change,
            Self::Reissue,
            Self::Unlock,
        ]
        .into_iter()
        .find(|b| b.as_str() == text)
    }
}

/// One material a product asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaterialSpec {
    /// `business_licence`, `authorisation_letter`, `id_front`, `id_back`, `seal_image`...
    pub kind: String,
    pub label: String,
    pub required: bool,
    pub max_bytes: usize,
}

/// When the e-invoice is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InvoiceTiming {
    None,
    AfterPayment,
    AfterShipment,
}

/// Everything a product fixes besides its CA and profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductSettings {
    /// Terms on offer, in years (1–5).
    pub terms: Vec<i64>,
    pub min_quantity: i64,
    pub max_quantity: i64,
    pub medium: Medium,
    /// The USB key model produced for this product (empty for cloud).
    pub token_model: String,
    /// Price of one certificate for one year, in fen.
    pub unit_price_fen: i64,
    pub materials: Vec<MaterialSpec>,
    /// Methods that verify the organisation (enterprise) or the holder (personal).
    pub verification: Vec<Method>,
    /// Methods that verify an enterprise's operator; empty means no operator check.
    pub operator_verification: Vec<Method>,
    pub invoice: InvoiceTiming,
    /// `none`, `optional` or `required`.
    pub seal_image: String,
    /// 001 reviews before payment; 002 and 003 take payment first.
    pub review_first: bool,
    pub business: Vec<Business>,
    /// Whether the legal representative must confirm the application with an SMS code.
    pub legal_rep_authorisation: bool,
    /// The USB key's user PIN rule as a regex-free description: digits, min and max length.
    pub pin_min: i64,
    pub pin_max: i64,
}

/// A product on offer.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: String,
    pub project_id: String,
    pub code: String,
    pub name: String,
    pub subject_kind: SubjectKind,
    pub ca: String,
    pub profile: String,
    pub settings: ProductSettings,
    pub active: bool,
}

impl Product {
    /// Price of an order, in fen.
    pub fn price(&self, term_years: i64, quantity: i64) -> i64 {
        self.settings.unit_price_fen * term_years * quantity
    }

    pub fn material(&self, kind: &str) -> Option<&MaterialSpec> {
        self.settings.materials.iter().find(|m| m.kind == kind)
    }
}

/// Help a channel or project shows: landing text, notices, manual, client download, FAQ and
/// customer-service contacts (APP-16).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Help {
    pub landing_title: String,
    pub introduction: String,
    pub notices: Vec<String>,
    pub manual_url: String,
    pub client_download_url: String,
    pub faq: Vec<Faq>,
    pub service_phone: String,
    pub service_email: String,
    pub service_hours: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Faq {
    pub question: String,
    pub answer: String,
}

/// A project or channel with its products.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    pub id: String,
    pub code: String,
    pub name: String,
    /// A–Z index letter.
    pub initial: String,
    pub kind: ProjectKind,
    pub help: Help,
    pub products: Vec<Product>,
}

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
    CoreError::Invalid { field, zh, en }
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

fn json<T: Serialize>(value: &T) -> Result<String, CoreError> {
    serde_json::to_string(value).map_err(|e| CoreError::internal(format!("json: {e}")))
}

fn from_json<T: for<'a> Deserialize<'a>>(text: &str) -> Result<T, CoreError> {
    serde_json::from_str(text).map_err(|e| CoreError::internal(format!("json: {e}")))
}

fn product_from_row(row: &sqlx::any::AnyRow) -> Result<Product, CoreError> {
    let kind: String = row.try_get("subject_kind")?;
    let settings: String = row.try_get("settings")?;
    Ok(Product {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        subject_kind: if kind == "personal" {
            SubjectKind::Personal
        } else {
            SubjectKind::Enterprise
        },
        ca: row.try_get("ca")?,
        profile: row.try_get("profile")?,
        settings: from_json(&settings)?,
        active: row.try_get::<i64, _>("active")? == 1,
    })
}

const PRODUCT_COLUMNS: &str =
    "id, project_id, code, name, subject_kind, ca, profile, settings, active";

/// A product by id (active or not: orders keep pointing at it).
pub async fn product(platform: &Platform, id: &str) -> Result<Product, CoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PRODUCT_COLUMNS} FROM desk_products WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(DeskError::UnknownProduct)?;
    product_from_row(&row)
}

/// Projects and channels with their active products, A–Z; `search` matches name, code or initial.
pub async fn list(platform: &Platform, search: Option<&str>) -> Result<Vec<Project>, CoreError> {
    let rows = sqlx::query(
        "SELECT id, code, name, initial, kind, help FROM desk_projects ORDER BY initial, name",
    )
    .fetch_all(platform.db.pool())
    .await?;
    let products = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PRODUCT_COLUMNS} FROM desk_products WHERE active = 1 ORDER BY code"
    )))
    .fetch_all(platform.db.pool())
    .await?
    .iter()
    .map(product_from_row)
    .collect::<Result<Vec<_>, _>>()?;
    let needle = search.map(|s| s.trim().to_lowercase()).unwrap_or_default();
    let mut projects = Vec::new();
    for row in rows {
        let id: String = row.try_get("id")?;
        let kind: String = row.try_get("kind")?;
        let help: String = row.try_get("help")?;
        let project = Project {
            code: row.try_get("code")?,
            name: row.try_get("name")?,
            initial: row.try_get("initial")?,
            kind: if kind == "channel" {
                ProjectKind::Channel
            } else {
                ProjectKind::Project
            },
            help: from_json(&help)?,
            products: products
                .iter()
                .filter(|p| p.project_id == id)
                .cloned()
                .collect(),
            id,
        };
        let matches = needle.is_empty()
            || project.name.to_lowercase().contains(&needle)
            || project.code.to_lowercase().contains(&needle)
            || project.initial.to_lowercase() == needle;
        if matches {
            projects.push(project);
        }
    }
    Ok(projects)
}

/// One project or channel by its code (a partner platform links to `/channels/{code}`).
pub async fn project_by_code(platform: &Platform, code: &str) -> Result<Project, CoreError> {
    list(platform, None)
        .await?
        .into_iter()
        .find(|p| p.code == code)
        .ok_or(CoreError::NotFound)
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
    let cas = super::ca::list_cas(platform).await?;
    if !cas
        .iter()
        .any(|ca| ca.name == input.ca && ca.role == super::ca::CaRole::Issuing)
    {
        return Err(super::ca::CaError::UnknownCa(input.ca.clone()).into());
    }
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    if sqlx::query("SELECT id FROM desk_projects WHERE id = $1")
        .bind(project_id)
        .fetch_optional(&mut *tx)
        .await?
        .is_none()
    {
        return Err(CoreError::NotFound);
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

//! The catalog: projects (an organisation's bidding platform, 001), channels (reached from a
//! partner platform with their own landing page, 002) and the products each offers (003's
//! USB-key product at 300.00 CNY a year). A product fixes everything an order of it follows.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::DeskError;

mod admin;
mod links;

use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::ids::Fen;
pub use admin::{ProductInput, ProjectInput, save_product, save_project};
pub use links::is_safe_link;

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

    /// Whether a check by this method can run with these providers configured: every method
    /// goes through the identity provider, and a face check also sends its link by SMS.
    pub fn runs_with(self, identity: bool, sms: bool) -> bool {
        match self {
            Self::MicroDeposit | Self::ThreeFactor | Self::FourFactor => identity,
            Self::Face => identity && sms,
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
    /// The label in the English UI; empty shows the Chinese.
    #[serde(default)]
    pub label_en: String,
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
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent yes/no settings an operator edits one by one, not a state"
)]
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
    /// Whether renewals go through staff review (LIFE-2: "optional review before download").
    /// Products saved before the setting existed keep review.
    #[serde(default = "reviewed")]
    pub renewal_review: bool,
    /// Whether an order of the product ends in a certificate. `false` for a product that only
    /// proves and records (the e-contract administrator claim): the checks, the signed
    /// application and the review run as for any order, and approval completes the order
    /// without issuing anything. Products saved before the setting existed issue certificates.
    #[serde(default = "reviewed")]
    pub issues_certificate: bool,
    /// The product's name in the English UI (empty shows the Chinese name).
    #[serde(default)]
    pub name_en: String,
    pub business: Vec<Business>,
    /// Whether the legal representative must confirm the application with an SMS code.
    pub legal_rep_authorisation: bool,
    /// The USB key's user PIN rule as a regex-free description: digits, min and max length.
    pub pin_min: i64,
    pub pin_max: i64,
}

fn reviewed() -> bool {
    true
}

/// Keeps only the methods this server can run: a method whose provider is not configured would
/// answer `provider_not_configured`, so the catalog and the order page do not offer it.
pub fn runnable_methods(platform: &Platform, methods: &mut Vec<Method>) {
    let identity = platform.identity.configured();
    let sms = platform.sms.configured();
    methods.retain(|m| m.runs_with(identity, sms));
}

/// `product` as the catalog publishes it: only methods that can run.
pub fn as_offered(platform: &Platform, mut product: Product) -> Product {
    runnable_methods(platform, &mut product.settings.verification);
    runnable_methods(platform, &mut product.settings.operator_verification);
    product
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
    /// Price of an order; a term or quantity so large the price overflows is refused.
    pub fn price(&self, term_years: i64, quantity: i64) -> Result<Fen, CoreError> {
        Fen::new(self.settings.unit_price_fen)
            .checked_mul(term_years)
            .and_then(|fen| fen.checked_mul(quantity))
            .ok_or(
                PlatformError::Invalid {
                    field: "quantity",
                    zh: "数量或年限过大",
                    en: "The quantity or term is too large",
                }
                .into(),
            )
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
    /// The English UI's wording of the name and the landing texts; empty shows the Chinese.
    /// Always sent; a request may leave it out (it then reads as empty).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub english: HelpEnglish,
}

/// A project's or channel's texts in English (the English UI falls back to Chinese when empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct HelpEnglish {
    pub name: String,
    pub landing_title: String,
    pub introduction: String,
    pub notices: Vec<String>,
    pub service_hours: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Faq {
    pub question: String,
    pub answer: String,
    /// The question and answer in the English UI; empty shows the Chinese.
    #[serde(default)]
    pub question_en: String,
    #[serde(default)]
    pub answer_en: String,
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

/// Projects and channels with their active products, A–Z, as applicants see them: only the
/// verification methods this server can run, only safe help links. `search` matches name, code
/// or initial.
pub async fn list(platform: &Platform, search: Option<&str>) -> Result<Vec<Project>, CoreError> {
    list_as(platform, search, true).await
}

/// The same catalog as saved, every method and link included: what the channel admin edits
/// (an edit saved from the published catalog would drop the methods hidden from it).
pub async fn list_as_saved(platform: &Platform) -> Result<Vec<Project>, CoreError> {
    list_as(platform, None, false).await
}

async fn list_as(
    platform: &Platform,
    search: Option<&str>,
    offered: bool,
) -> Result<Vec<Project>, CoreError> {
    let rows = sqlx::query(
        "SELECT id, code, name, initial, kind, help FROM desk_projects ORDER BY initial, name",
    )
    .fetch_all(platform.db.pool())
    .await?;
    // Applicants see products on offer; the catalog editor also lists those switched off.
    let only_active = if offered { "WHERE active = 1" } else { "" };
    let products = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PRODUCT_COLUMNS} FROM desk_products {only_active} ORDER BY code"
    )))
    .fetch_all(platform.db.pool())
    .await?
    .iter()
    .map(|row| product_from_row(row).map(|p| if offered { as_offered(platform, p) } else { p }))
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
            help: if offered {
                from_json::<Help>(&help)?.without_unsafe_links()
            } else {
                from_json(&help)?
            },
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
        .ok_or(PlatformError::NotFound.into())
}

#[cfg(test)]
mod tests {
    use super::Method;

    #[test]
    fn a_method_runs_only_with_its_providers() {
        let all = [
            Method::MicroDeposit,
            Method::ThreeFactor,
            Method::FourFactor,
            Method::Face,
        ];
        let runnable = |identity, sms| {
            all.into_iter()
                .filter(|m| m.runs_with(identity, sms))
                .collect::<Vec<_>>()
        };
        assert_eq!(runnable(true, true), all);
        assert_eq!(
            runnable(true, false),
            [
                Method::MicroDeposit,
                Method::ThreeFactor,
                Method::FourFactor
            ]
        );
        assert!(runnable(false, true).is_empty());
        assert!(runnable(false, false).is_empty());
    }
}

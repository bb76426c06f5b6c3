//! Templates and their versions in the database, read side, and who may act on them: the
//! enterprise's administrator and delegates manage templates (a plain member is refused, an
//! outsider or another enterprise's template id reads as not found). Contract launching reads a
//! template's published version with [`published`] and a launched contract's version with
//! [`version`]. Changes are in [`super::edit`].

use serde::Serialize;
use sqlx::Row as _;

use super::model::{Layout, PageSize, PartyRole, SigningSpot, TemplateField};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::access::{self, Role};
use crate::error::{CoreError, PlatformError};
use crate::platform::db::Tx;

/// Templates per enterprise, at most.
pub const MAX_TEMPLATES: i64 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    Draft,
    Published,
    Superseded,
}

impl VersionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Superseded => "superseded",
        }
    }

    fn parse(text: &str) -> Result<Self, CoreError> {
        match text {
            "draft" => Ok(Self::Draft),
            "published" => Ok(Self::Published),
            "superseded" => Ok(Self::Superseded),
            _ => Err(CoreError::internal(format!(
                "template version state {text}"
            ))),
        }
    }
}

/// One version of a template, as contracts use it.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateVersion {
    pub id: String,
    pub template_id: String,
    pub enterprise_id: String,
    pub business_type_id: String,
    pub name: String,
    pub version: i64,
    pub state: VersionState,
    /// The blob of the PDF the fields are placed on.
    pub pdf_blob: String,
    pub page_count: usize,
    pub pages: Vec<PageSize>,
    pub roles: Vec<PartyRole>,
    pub fields: Vec<TemplateField>,
    pub signing: Vec<SigningSpot>,
}

impl TemplateVersion {
    pub fn layout(&self) -> Layout {
        Layout {
            roles: self.roles.clone(),
            fields: self.fields.clone(),
            signing: self.signing.clone(),
        }
    }
}

/// A version as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionView {
    pub id: String,
    pub version: i64,
    pub state: VersionState,
    pub page_count: usize,
    pub pages: Vec<PageSize>,
    pub roles: Vec<PartyRole>,
    pub fields: Vec<TemplateField>,
    pub signing: Vec<SigningSpot>,
}

/// The template's business type, with the fields it requires placed before publishing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateBusinessType {
    pub id: String,
    pub code: String,
    pub name: String,
    pub required_fields: Vec<String>,
}

/// A template: its current version (the draft when there is one, else the published one).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateView {
    pub id: String,
    pub name: String,
    pub business_type: TemplateBusinessType,
    pub version: VersionView,
    /// The version contracts launch from now, if any.
    pub published_version_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A line of the template list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateSummary {
    pub id: String,
    pub name: String,
    pub business_type_id: String,
    pub business_type_name: String,
    /// The current version's number and state (a draft over a published version shows the draft).
    pub version: i64,
    pub state: VersionState,
    pub published_version_id: Option<String>,
    pub updated_at: i64,
}

/// What a new template is made from.
#[derive(Debug, Clone)]
pub struct NewTemplate {
    pub name: String,
    pub business_type_id: String,
    pub file: Vec<u8>,
}

/// A draft's content (the name may change too).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DraftInput {
    pub name: Option<String>,
    #[serde(flatten)]
    pub layout: Layout,
}

fn json_error(e: &serde_json::Error) -> CoreError {
    CoreError::internal(format!("template json: {e}"))
}

pub(super) fn to_json<T: Serialize>(value: &T) -> Result<String, CoreError> {
    serde_json::to_string(value).map_err(|e| json_error(&e))
}

pub(super) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, CoreError> {
    serde_json::from_str(text).map_err(|e| json_error(&e))
}

pub(super) fn clean_name(name: &str) -> Result<String, CoreError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(PlatformError::Invalid {
            field: "name",
            zh: "模板名称须为 1 到 100 个字",
            en: "A template's name has 1 to 100 characters",
        }
        .into());
    }
    Ok(name.to_owned())
}

const VERSION_COLUMNS: &str = "v.id, v.template_id, t.enterprise_id, t.business_type_id, t.name, \
     v.version, v.state, v.pdf_blob, v.page_count, v.pages, v.roles, v.fields, v.signing";

fn version_from_row(row: &sqlx::any::AnyRow) -> Result<TemplateVersion, CoreError> {
    let page_count: i64 = row.try_get("page_count")?;
    Ok(TemplateVersion {
        id: row.try_get("id")?,
        template_id: row.try_get("template_id")?,
        enterprise_id: row.try_get("enterprise_id")?,
        business_type_id: row.try_get("business_type_id")?,
        name: row.try_get("name")?,
        version: row.try_get("version")?,
        state: VersionState::parse(&row.try_get::<String, _>("state")?)?,
        pdf_blob: row.try_get("pdf_blob")?,
        page_count: usize::try_from(page_count).map_err(|_| CoreError::internal("page count"))?,
        pages: from_json(&row.try_get::<String, _>("pages")?)?,
        roles: from_json(&row.try_get::<String, _>("roles")?)?,
        fields: from_json(&row.try_get::<String, _>("fields")?)?,
        signing: from_json(&row.try_get::<String, _>("signing")?)?,
    })
}

/// The template's version in `state` (`draft` or `published`), if any.
pub(super) async fn version_in<'e, E>(
    executor: E,
    template_id: &str,
    state: VersionState,
) -> Result<Option<TemplateVersion>, CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM ec_template_versions v JOIN ec_templates t ON t.id = v.template_id \
         WHERE v.template_id = $1 AND v.state = $2"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(template_id)
        .bind(state.as_str())
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(version_from_row)
        .transpose()
}

/// The published version of the enterprise's template, the one a contract launches from:
/// `NotFound` for another enterprise's (or no) template, [`ContractsError::TemplateNotPublished`]
/// while it has only a draft. Callers check the launcher's rights first.
pub async fn published(
    platform: &Platform,
    enterprise_id: &str,
    template_id: &str,
) -> Result<TemplateVersion, CoreError> {
    let exists =
        sqlx::query("SELECT 1 AS one FROM ec_templates WHERE id = $1 AND enterprise_id = $2")
            .bind(template_id)
            .bind(enterprise_id)
            .fetch_optional(platform.db.pool())
            .await?;
    if exists.is_none() {
        return Err(PlatformError::NotFound.into());
    }
    version_in(platform.db.pool(), template_id, VersionState::Published)
        .await?
        .ok_or_else(|| ContractsError::TemplateNotPublished.into())
}

/// A version by id (a launched contract's, whatever its state now).
pub async fn version(platform: &Platform, version_id: &str) -> Result<TemplateVersion, CoreError> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM ec_template_versions v JOIN ec_templates t ON t.id = v.template_id \
         WHERE v.id = $1"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(version_id)
        .fetch_optional(platform.db.pool())
        .await?
        .as_ref()
        .map(version_from_row)
        .transpose()?
        .ok_or(PlatformError::NotFound.into())
}

pub(crate) async fn business_type<'e, E>(
    executor: E,
    enterprise_id: &str,
    type_id: &str,
) -> Result<(TemplateBusinessType, bool), CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT id, code, name, required_fields, active FROM ec_business_types WHERE id = $1 AND enterprise_id = $2",
    )
    .bind(type_id)
    .bind(enterprise_id)
    .fetch_optional(executor)
    .await?
    .ok_or(PlatformError::NotFound)?;
    Ok((
        TemplateBusinessType {
            id: row.try_get("id")?,
            code: row.try_get("code")?,
            name: row.try_get("name")?,
            required_fields: from_json(&row.try_get::<String, _>("required_fields")?)?,
        },
        row.try_get::<i64, _>("active")? != 0,
    ))
}

/// The view of a template of the enterprise, inside `tx` (`NotFound` for another's).
pub(super) async fn view_in(
    tx: &mut Tx,
    enterprise_id: &str,
    template_id: &str,
) -> Result<TemplateView, CoreError> {
    let row = sqlx::query(
        "SELECT id, name, business_type_id, created_at, updated_at FROM ec_templates WHERE id = $1 AND enterprise_id = $2",
    )
    .bind(template_id)
    .bind(enterprise_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(PlatformError::NotFound)?;
    let type_id: String = row.try_get("business_type_id")?;
    let (business_type, _) = business_type(&mut **tx, enterprise_id, &type_id).await?;
    let draft = version_in(&mut **tx, template_id, VersionState::Draft).await?;
    let published = version_in(&mut **tx, template_id, VersionState::Published).await?;
    let published_version_id = published.as_ref().map(|v| v.id.clone());
    let current = draft
        .or(published)
        .ok_or_else(|| CoreError::internal("template without a current version"))?;
    Ok(TemplateView {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        business_type,
        version: VersionView {
            id: current.id,
            version: current.version,
            state: current.state,
            page_count: current.page_count,
            pages: current.pages,
            roles: current.roles,
            fields: current.fields,
            signing: current.signing,
        },
        published_version_id,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// A template of the enterprise (administrator or delegate).
pub async fn get(
    platform: &Platform,
    enterprise_id: &str,
    template_id: &str,
    actor: &str,
) -> Result<TemplateView, CoreError> {
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Delegate).await?;
    let view = view_in(&mut tx, enterprise_id, template_id).await?;
    tx.commit().await?;
    Ok(view)
}

/// The enterprise's templates, newest change first, optionally of one business type.
pub async fn list(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    business_type: Option<&str>,
) -> Result<Vec<TemplateSummary>, CoreError> {
    access::require(platform.db.pool(), enterprise_id, actor, Role::Delegate).await?;
    let rows = sqlx::query(
        "SELECT t.id, t.name, t.business_type_id, b.name AS type_name, t.updated_at, \
         (SELECT v.id FROM ec_template_versions v WHERE v.template_id = t.id AND v.state = 'published') AS published_id, \
         cur.version, cur.state \
         FROM ec_templates t JOIN ec_business_types b ON b.id = t.business_type_id \
         JOIN ec_template_versions cur ON cur.template_id = t.id AND cur.version = \
           (SELECT MAX(m.version) FROM ec_template_versions m WHERE m.template_id = t.id) \
         WHERE t.enterprise_id = $1 AND ($2 = '' OR t.business_type_id = $2) \
         ORDER BY t.updated_at DESC, t.id",
    )
    .bind(enterprise_id)
    .bind(business_type.unwrap_or(""))
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(TemplateSummary {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                business_type_id: row.try_get("business_type_id")?,
                business_type_name: row.try_get("type_name")?,
                version: row.try_get("version")?,
                state: VersionState::parse(&row.try_get::<String, _>("state")?)?,
                published_version_id: row.try_get("published_id")?,
                updated_at: row.try_get("updated_at")?,
            })
        })
        .collect()
}

/// The PDF of one of the template's versions (for the editor's pdf.js).
pub async fn version_pdf(
    platform: &Platform,
    enterprise_id: &str,
    template_id: &str,
    version_id: &str,
    actor: &str,
) -> Result<Vec<u8>, CoreError> {
    access::require(platform.db.pool(), enterprise_id, actor, Role::Delegate).await?;
    let found = version(platform, version_id).await?;
    if found.template_id != template_id || found.enterprise_id != enterprise_id {
        return Err(PlatformError::NotFound.into());
    }
    platform.blobs.get(&found.pdf_blob).await
}

/// The version a preview or an edit works on: the draft, else the published one.
pub async fn current(
    platform: &Platform,
    enterprise_id: &str,
    template_id: &str,
    actor: &str,
) -> Result<TemplateVersion, CoreError> {
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Delegate).await?;
    let view = view_in(&mut tx, enterprise_id, template_id).await?;
    tx.commit().await?;
    version(platform, &view.version.id).await
}

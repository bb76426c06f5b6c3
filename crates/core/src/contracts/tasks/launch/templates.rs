//! Launching from published templates and values (form fill): each document names a published
//! version of one of the caller's enterprise's templates of the task's business type (a draft,
//! another business type's or another enterprise's template is refused) and the values of its
//! launcher fields; the server checks the values, fills each template once (page numbers, and a
//! QR code per page pointing to that page of the electronic original — on by default for labour
//! contracts) and launches the filled documents with the templates' signing spots.

use std::collections::BTreeMap;

use serde::Deserialize;
use sqlx::Row as _;

use super::{LaunchDocument, LaunchInput, LaunchParty, MAX_DOCUMENTS, launch_with_id};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::tasks::events::Origin;
use crate::contracts::tasks::{OrderKind, SigningSpot};
use crate::contracts::templates::{
    self, FillOptions, PreparedTemplate, TemplateVersion, validate_values,
};
use crate::error::CoreError;
use crate::platform::clock::Timestamp;

/// The business type code whose contracts carry page QR codes unless the launcher says not.
pub const QR_BY_DEFAULT: &str = "labour";

/// One document of a form-filled launch.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateDocument {
    pub template_id: String,
    /// The launcher's fields by key (as the template names them).
    #[serde(default)]
    pub values: BTreeMap<String, String>,
}

/// A launch from templates and values.
#[derive(Debug, Clone)]
pub struct TemplateLaunchInput {
    pub enterprise_id: String,
    pub business_type_id: String,
    pub title: String,
    pub confidential: bool,
    pub deadline: Option<Timestamp>,
    pub order: OrderKind,
    pub parties: Vec<LaunchParty>,
    pub cc: Vec<String>,
    pub documents: Vec<TemplateDocument>,
    /// A QR code on every page; `None`: on for labour contracts, off otherwise.
    pub page_qr: Option<bool>,
}

fn document_error(zh: String, en: String) -> CoreError {
    ContractsError::TaskDocument { zh, en }.into()
}

/// The published versions of `template_ids`, in order: the enterprise's, published, of the
/// business type. Callers check the launcher's rights first.
pub async fn versions_for(
    platform: &Platform,
    enterprise_id: &str,
    business_type_id: &str,
    template_ids: &[String],
) -> Result<Vec<TemplateVersion>, CoreError> {
    if template_ids.is_empty() || template_ids.len() > MAX_DOCUMENTS {
        return Err(document_error(
            format!("模板须为 1–{MAX_DOCUMENTS} 个"),
            format!("a task needs 1–{MAX_DOCUMENTS} templates"),
        ));
    }
    let mut out = Vec::with_capacity(template_ids.len());
    for id in template_ids {
        let version = templates::published(platform, enterprise_id, id).await?;
        if version.business_type_id != business_type_id {
            return Err(document_error(
                format!("模板“{}”不属于该合同的业务类型", version.name),
                format!(
                    "the template \"{}\" belongs to another business type",
                    version.name
                ),
            ));
        }
        out.push(version);
    }
    Ok(out)
}

/// Whether page QR codes are on: as asked, else on for labour contracts.
pub async fn page_qr_on(
    platform: &Platform,
    business_type_id: &str,
    asked: Option<bool>,
) -> Result<bool, CoreError> {
    if let Some(asked) = asked {
        return Ok(asked);
    }
    let code: Option<String> = sqlx::query("SELECT code FROM ec_business_types WHERE id = $1")
        .bind(business_type_id)
        .fetch_optional(platform.db.pool())
        .await?
        .map(|row| row.try_get("code"))
        .transpose()?;
    Ok(code.as_deref() == Some(QR_BY_DEFAULT))
}

/// The URL a page's QR code opens: that page of the task's document at `position` (0-based), as
/// launched (`{page}` is filled in per page).
pub fn page_url(public_url: &str, task_id: &str, position: usize) -> String {
    format!(
        "{}/verify/tasks/{task_id}/documents/{position}/pages/{{page}}",
        public_url.trim_end_matches('/')
    )
}

/// The fill options of the document at `position` of `task_id`.
pub fn fill_options(platform: &Platform, qr: bool, task_id: &str, position: usize) -> FillOptions {
    FillOptions {
        page_qr: qr.then(|| page_url(&platform.public_url, task_id, position)),
        page_numbers: true,
    }
}

/// The version's signing spots in the tasks' shape.
pub fn task_spots(version: &TemplateVersion) -> Vec<SigningSpot> {
    version
        .signing
        .iter()
        .map(|spot| SigningSpot {
            id: spot.id.clone(),
            role: spot.role.clone(),
            kind: serde_json::to_value(spot.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            page: u32::try_from(spot.page).unwrap_or(0),
            x: spot.x,
            y: spot.y,
            w: spot.w,
            h: spot.h,
        })
        .collect()
}

/// Checks the values, fills the templates and launches; returns the task's id. Refused values
/// are all named ([`ContractsError::TemplateValues`]), nothing is written.
pub async fn launch_from_templates(
    platform: &Platform,
    user_id: &str,
    input: TemplateLaunchInput,
    origin: &Origin,
) -> Result<String, CoreError> {
    super::require_business_type(
        platform,
        &input.enterprise_id,
        &input.business_type_id,
        user_id,
    )
    .await?;
    let ids: Vec<String> = input
        .documents
        .iter()
        .map(|d| d.template_id.clone())
        .collect();
    let versions = versions_for(
        platform,
        &input.enterprise_id,
        &input.business_type_id,
        &ids,
    )
    .await?;
    let mut normalised = Vec::with_capacity(versions.len());
    let mut errors = Vec::new();
    for (version, document) in versions.iter().zip(&input.documents) {
        match validate_values(version, &document.values) {
            Ok(values) => normalised.push(values),
            Err(mut refused) => errors.append(&mut refused),
        }
    }
    if !errors.is_empty() {
        return Err(ContractsError::TemplateValues(errors).into());
    }
    let qr = page_qr_on(platform, &input.business_type_id, input.page_qr).await?;
    let task_id = uuid::Uuid::new_v4().to_string();
    let mut documents = Vec::with_capacity(versions.len());
    for (position, (version, values)) in versions.into_iter().zip(normalised).enumerate() {
        let source = platform.blobs.get(&version.pdf_blob).await?;
        let options = fill_options(platform, qr, &task_id, position);
        let spots = task_spots(&version);
        let (name, version_id) = (version.name.clone(), version.id.clone());
        let kept = values.values.clone();
        let pdf = tokio::task::spawn_blocking(move || {
            PreparedTemplate::new(&source, &version)?
                .fill(&values, &options)
                .map(|f| f.pdf)
        })
        .await
        .map_err(|e| CoreError::internal(format!("fill: {e}")))??;
        documents.push(LaunchDocument {
            name,
            template_version_id: Some(version_id),
            pdf,
            spots,
            values: kept,
        });
    }
    let launch = LaunchInput {
        enterprise_id: input.enterprise_id,
        business_type_id: input.business_type_id,
        title: input.title,
        confidential: input.confidential,
        deadline: input.deadline,
        order: input.order,
        parties: input.parties,
        cc: input.cc,
        documents,
    };
    launch_with_id(platform, user_id, launch, origin, task_id).await
}

//! Changing templates: creating one from an upload, saving its draft and publishing it, each in
//! one transaction with the template row locked, so two editors at once cannot make two drafts
//! or publish twice (the partial unique indexes of the migration hold that line as well).

use super::model::{self, Layout, PageSize, RoleKind};
use super::source::{self, FileProblem, SourceKind};
use super::store::{
    DraftInput, MAX_TEMPLATES, NewTemplate, TemplateView, VersionState, business_type, clean_name,
    to_json, version_in, view_in,
};
use super::{TEMPLATE_CREATE, TEMPLATE_DRAFT, TEMPLATE_PUBLISH};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::access::{self, Role};
use crate::error::{CoreError, PlatformError};
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;
use crate::platform::db::Tx;

/// Locks the template row for the rest of `tx` (`NotFound` for another enterprise's).
async fn lock_template(
    tx: &mut Tx,
    enterprise_id: &str,
    template_id: &str,
    now: i64,
) -> Result<(), CoreError> {
    let locked =
        sqlx::query("UPDATE ec_templates SET updated_at = $1 WHERE id = $2 AND enterprise_id = $3")
            .bind(now)
            .bind(template_id)
            .bind(enterprise_id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    if locked == 0 {
        return Err(PlatformError::NotFound.into());
    }
    Ok(())
}

/// The source file checked and turned into the PDF fields are placed on.
async fn prepare_source(file: &[u8]) -> Result<(SourceKind, Vec<u8>, Vec<PageSize>), CoreError> {
    if file.len() > source::MAX_SOURCE_BYTES {
        return Err(PlatformError::TooLarge {
            field: "file",
            limit: source::MAX_SOURCE_BYTES,
        }
        .into());
    }
    let kind = SourceKind::sniff(file).ok_or(FileProblem::Kind)?;
    let pdf = match kind {
        SourceKind::Pdf => file.to_vec(),
        SourceKind::Docx => source::docx_to_pdf(file).await?,
    };
    let (pdf, inspected) = tokio::task::spawn_blocking(move || {
        let inspected = source::inspect(&pdf);
        (pdf, inspected)
    })
    .await
    .map_err(|e| CoreError::internal(format!("inspect: {e}")))?;
    Ok((kind, pdf, inspected?.pages))
}

/// Creates a template with its first (draft) version from an uploaded PDF or `.docx`
/// (administrator or delegate).
pub async fn create(
    platform: &Platform,
    enterprise_id: &str,
    actor: &str,
    input: NewTemplate,
) -> Result<TemplateView, CoreError> {
    let name = clean_name(&input.name)?;
    // Refuse outsiders and plain members before the (slow) conversion.
    access::require(platform.db.pool(), enterprise_id, actor, Role::Delegate).await?;
    let (_, active) =
        business_type(platform.db.pool(), enterprise_id, &input.business_type_id).await?;
    if !active {
        return Err(ContractsError::BusinessTypeInactive.into());
    }
    let (kind, pdf, pages) = prepare_source(&input.file).await?;
    let source_blob = platform.blobs.put(&input.file).await?;
    let pdf_blob = match kind {
        SourceKind::Pdf => source_blob.clone(),
        SourceKind::Docx => platform.blobs.put(&pdf).await?,
    };
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Delegate).await?;
    crate::contracts::members::lock_enterprise(&mut tx, enterprise_id, now).await?;
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM ec_templates WHERE enterprise_id = $1")
            .bind(enterprise_id)
            .fetch_one(&mut *tx)
            .await?;
    if count >= MAX_TEMPLATES {
        return Err(PlatformError::Invalid {
            field: "name",
            zh: "模板数量已达上限（500 个）",
            en: "This enterprise has as many templates as allowed (500)",
        }
        .into());
    }
    let id = uuid::Uuid::new_v4().to_string();
    let version_id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO ec_templates (id, enterprise_id, business_type_id, name, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&id)
    .bind(enterprise_id)
    .bind(&input.business_type_id)
    .bind(&name)
    .bind(actor)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO ec_template_versions (id, template_id, version, state, source_blob, source_kind, pdf_blob, \
         page_count, pages, roles, fields, signing, created_at) \
         VALUES ($1, $2, 1, 'draft', $3, $4, $5, $6, $7, '[]', '[]', '[]', $8)",
    )
    .bind(&version_id)
    .bind(&id)
    .bind(&source_blob)
    .bind(kind.as_str())
    .bind(&pdf_blob)
    .bind(i64::try_from(pages.len()).unwrap_or(i64::MAX))
    .bind(to_json(&pages)?)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(actor, TEMPLATE_CREATE, format!("template:{id}")).change(
        serde_json::Value::Null,
        serde_json::json!({
            "enterprise_id": enterprise_id, "name": name, "business_type_id": input.business_type_id,
            "source_kind": kind.as_str(), "pages": pages.len(),
        }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    let view = view_in(&mut tx, enterprise_id, &id).await?;
    tx.commit().await?;
    Ok(view)
}

/// Saves the draft: the existing draft is changed, or (over a published version) a new draft
/// version is made from the published one's file. Boxes must lie inside their pages, roles and
/// kinds be known and each signing spot fit its role's kind.
pub async fn save_draft(
    platform: &Platform,
    enterprise_id: &str,
    template_id: &str,
    actor: &str,
    input: &DraftInput,
) -> Result<TemplateView, CoreError> {
    let name = input.name.as_deref().map(clean_name).transpose()?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Delegate).await?;
    lock_template(&mut tx, enterprise_id, template_id, now).await?;
    let draft = version_in(&mut *tx, template_id, VersionState::Draft).await?;
    let base = match draft {
        Some(draft) => draft,
        None => version_in(&mut *tx, template_id, VersionState::Published)
            .await?
            .ok_or_else(|| CoreError::internal("template without versions"))?,
    };
    model::check_layout(&input.layout, &base.pages).map_err(ContractsError::TemplateLayout)?;
    let (roles, fields, signing) = (
        to_json(&input.layout.roles)?,
        to_json(&input.layout.fields)?,
        to_json(&input.layout.signing)?,
    );
    if base.state == VersionState::Draft {
        sqlx::query(
            "UPDATE ec_template_versions SET roles = $1, fields = $2, signing = $3 WHERE id = $4",
        )
        .bind(&roles)
        .bind(&fields)
        .bind(&signing)
        .bind(&base.id)
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO ec_template_versions (id, template_id, version, state, source_blob, source_kind, pdf_blob, \
             page_count, pages, roles, fields, signing, created_at) \
             SELECT $1, template_id, $2, 'draft', source_blob, source_kind, pdf_blob, page_count, pages, $3, $4, $5, $6 \
             FROM ec_template_versions WHERE id = $7",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(base.version + 1)
        .bind(&roles)
        .bind(&fields)
        .bind(&signing)
        .bind(now)
        .bind(&base.id)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(name) = &name {
        sqlx::query("UPDATE ec_templates SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(template_id)
            .execute(&mut *tx)
            .await?;
    }
    let event = AuditEvent::new(actor, TEMPLATE_DRAFT, format!("template:{template_id}")).change(
        serde_json::Value::Null,
        serde_json::json!({
            "enterprise_id": enterprise_id, "name": name, "roles": input.layout.roles.len(),
            "fields": input.layout.fields.len(), "signing": input.layout.signing.len(),
        }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    let view = view_in(&mut tx, enterprise_id, template_id).await?;
    tx.commit().await?;
    Ok(view)
}

/// What keeps a layout from being published: the business type's required fields not placed,
/// and a missing enterprise or person role.
pub fn missing(layout: &Layout, required: &[String]) -> (Vec<String>, Vec<&'static str>) {
    let fields = required
        .iter()
        .filter(|key| {
            !layout
                .fields
                .iter()
                .any(|f| &&f.key == key && !f.placements.is_empty())
        })
        .cloned()
        .collect();
    let mut roles = Vec::new();
    for (kind, name) in [
        (RoleKind::Enterprise, "enterprise"),
        (RoleKind::Person, "person"),
    ] {
        if !layout.roles.iter().any(|r| r.kind == kind) {
            roles.push(name);
        }
    }
    (fields, roles)
}

/// Publishes the draft: it becomes the version contracts launch from, the previous published
/// version is superseded (contracts launched from it keep it). Refused, naming them, while a
/// field the business type requires is not placed or a role kind is missing. Publishing a
/// template with no draft changes nothing.
pub async fn publish(
    platform: &Platform,
    enterprise_id: &str,
    template_id: &str,
    actor: &str,
) -> Result<TemplateView, CoreError> {
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    access::require(&mut *tx, enterprise_id, actor, Role::Delegate).await?;
    lock_template(&mut tx, enterprise_id, template_id, now).await?;
    let Some(draft) = version_in(&mut *tx, template_id, VersionState::Draft).await? else {
        let view = view_in(&mut tx, enterprise_id, template_id).await?;
        tx.rollback().await?;
        return Ok(view);
    };
    let (business_type, _) =
        business_type(&mut *tx, enterprise_id, &draft.business_type_id).await?;
    let layout = draft.layout();
    model::check_layout(&layout, &draft.pages).map_err(ContractsError::TemplateLayout)?;
    let (missing_fields, missing_roles) = missing(&layout, &business_type.required_fields);
    if !missing_fields.is_empty() || !missing_roles.is_empty() {
        return Err(ContractsError::TemplateIncomplete {
            missing_fields,
            missing_roles,
        }
        .into());
    }
    sqlx::query("UPDATE ec_template_versions SET state = 'superseded' WHERE template_id = $1 AND state = 'published'")
        .bind(template_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE ec_template_versions SET state = 'published', published_at = $1 WHERE id = $2 AND state = 'draft'")
        .bind(now)
        .bind(&draft.id)
        .execute(&mut *tx)
        .await?;
    let event = AuditEvent::new(actor, TEMPLATE_PUBLISH, format!("template:{template_id}")).change(
        serde_json::Value::Null,
        serde_json::json!({ "enterprise_id": enterprise_id, "version_id": draft.id, "version": draft.version }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    let view = view_in(&mut tx, enterprise_id, template_id).await?;
    tx.commit().await?;
    Ok(view)
}

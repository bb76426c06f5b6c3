//! What the launch page offers a member (ES-7 §2.5.1.1): the business types they may launch
//! under (every active type for the administrator, the types they hold for anyone else), and
//! for each the published templates with their roles and the fields the launcher fills — what
//! the page needs to lay out parties and a form, or to ask for the Excel workbook. Members who
//! hold no type see an empty list; someone outside the enterprise gets 404.

use serde::Serialize;
use sqlx::Row as _;

use super::templates::QR_BY_DEFAULT;
use crate::Platform;
use crate::contracts::access::{self, Role};
use crate::contracts::members::business_types::{self, BusinessType};
use crate::contracts::templates::{self, FieldKind, PartyRole};
use crate::error::CoreError;

/// The launch page's choices for one member.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LaunchOptions {
    /// Contracts left in the enterprise's quota (each launched contract spends one).
    pub balance: i64,
    pub business_types: Vec<LaunchType>,
}

/// A business type the member may launch under.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LaunchType {
    pub id: String,
    pub code: String,
    pub name: String,
    /// Whether pages carry a QR code unless the launcher says otherwise (labour contracts).
    pub page_qr: bool,
    /// Its published templates, by name.
    pub templates: Vec<LaunchTemplate>,
}

/// A published template as the launch page uses it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LaunchTemplate {
    pub id: String,
    pub name: String,
    pub version: i64,
    pub page_count: usize,
    pub roles: Vec<PartyRole>,
    /// The fields the launcher fills (each key once), in the template's order.
    pub fields: Vec<LaunchField>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LaunchField {
    pub key: String,
    pub kind: FieldKind,
    pub required: bool,
}

/// The launch page's choices for `user_id` in `enterprise_id`.
pub async fn options(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
) -> Result<LaunchOptions, CoreError> {
    let role = access::require(platform.db.pool(), enterprise_id, user_id, Role::Member).await?;
    let held: Vec<BusinessType> = if role == Role::Admin {
        business_types::list(platform, enterprise_id, user_id).await?
    } else {
        business_types::of_member(platform.db.pool(), enterprise_id, user_id).await?
    };
    let mut out = Vec::new();
    for business_type in held.into_iter().filter(|t| t.active) {
        let ids: Vec<String> = sqlx::query(
            "SELECT t.id FROM ec_templates t JOIN ec_template_versions v \
             ON v.template_id = t.id AND v.state = 'published' \
             WHERE t.enterprise_id = $1 AND t.business_type_id = $2 ORDER BY t.name, t.id",
        )
        .bind(enterprise_id)
        .bind(&business_type.id)
        .fetch_all(platform.db.pool())
        .await?
        .iter()
        .map(|row| row.try_get("id"))
        .collect::<Result<_, _>>()?;
        let mut offered = Vec::with_capacity(ids.len());
        for id in &ids {
            let version = templates::published(platform, enterprise_id, id).await?;
            let mut fields: Vec<LaunchField> = Vec::new();
            for field in version.fields.iter().filter(|f| f.role.is_none()) {
                if !fields.iter().any(|f| f.key == field.key) {
                    fields.push(LaunchField {
                        key: field.key.clone(),
                        kind: field.kind,
                        required: field.required,
                    });
                }
            }
            offered.push(LaunchTemplate {
                id: version.template_id,
                name: version.name,
                version: version.version,
                page_count: version.page_count,
                roles: version.roles,
                fields,
            });
        }
        out.push(LaunchType {
            page_qr: business_type.code == QR_BY_DEFAULT,
            id: business_type.id,
            code: business_type.code,
            name: business_type.name,
            templates: offered,
        });
    }
    Ok(LaunchOptions {
        balance: crate::contracts::tasks::quota::balance(platform.db.pool(), enterprise_id).await?,
        business_types: out,
    })
}

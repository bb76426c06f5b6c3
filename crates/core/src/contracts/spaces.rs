//! Spaces (ES-4, §2.3): a person works in their personal space or in the space of an enterprise
//! they are an active member of. A certified enterprise's administrator lands in its space after
//! login (`landing`).

use serde::Serialize;
use sqlx::Row as _;

use super::{access, persons};
use crate::Platform;
use crate::error::CoreError;

/// One enterprise space.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnterpriseSpace {
    pub enterprise_id: String,
    pub name: String,
    /// The enterprise's state (`certified`, or `recertifying` after a rename).
    pub state: String,
    /// `admin`, `delegate` or `member`.
    pub role: String,
}

/// The caller's spaces.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Spaces {
    /// The personal space: whether the person is real-named (until then: browse only).
    pub real_named: bool,
    pub person: Option<persons::PersonView>,
    pub enterprises: Vec<EnterpriseSpace>,
    /// Where to land after login: `personal`, or the id of the certified enterprise the person
    /// administers.
    pub landing: String,
}

/// The caller's personal space and every enterprise they are an active member of.
pub async fn list(platform: &Platform, user_id: &str) -> Result<Spaces, CoreError> {
    let person = persons::find(platform, user_id).await?;
    let rows = sqlx::query(
        "SELECT e.id, e.name, e.state, m.role FROM ec_members m JOIN ec_enterprises e ON e.id = m.enterprise_id \
         WHERE m.user_id = $1 AND m.state = 'active' ORDER BY e.name, e.id",
    )
    .bind(user_id)
    .fetch_all(platform.db.pool())
    .await?;
    let mut enterprises = Vec::new();
    for row in &rows {
        let role: String = row.try_get("role")?;
        enterprises.push(EnterpriseSpace {
            enterprise_id: row.try_get("id")?,
            name: row.try_get("name")?,
            state: row.try_get("state")?,
            role: access::Role::parse(&role)
                .ok_or_else(|| CoreError::internal(format!("unknown member role {role}")))?
                .as_str()
                .to_owned(),
        });
    }
    let landing = enterprises
        .iter()
        .find(|s| s.role == access::Role::Admin.as_str() && s.state == "certified")
        .map_or_else(|| "personal".to_owned(), |s| s.enterprise_id.clone());
    Ok(Spaces {
        real_named: person.is_some(),
        person,
        enterprises,
        landing,
    })
}

//! CA staff roles, kept apart from applicants: a reviewer approves or rejects applications, a
//! producer makes and ships certificates, a channel admin edits the catalog.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use crate::desk::DeskError;
use crate::error::CoreError;
use crate::platform::Platform;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::Clock as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    Reviewer,
    Producer,
    ChannelAdmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reviewer => "reviewer",
            Self::Producer => "producer",
            Self::ChannelAdmin => "channel_admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Reviewer, Self::Producer, Self::ChannelAdmin]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// The roles a user holds.
pub async fn roles_of(platform: &Platform, user_id: &str) -> Result<Vec<Role>, CoreError> {
    let rows = sqlx::query("SELECT role FROM staff_roles WHERE user_id = $1 ORDER BY role")
        .bind(user_id)
        .fetch_all(platform.db.pool())
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get::<String, _>("role").ok())
        .filter_map(|r| Role::parse(&r))
        .collect())
}

/// Refuses unless the user holds `role`.
pub async fn require(platform: &Platform, user_id: &str, role: Role) -> Result<(), CoreError> {
    if roles_of(platform, user_id).await?.contains(&role) {
        Ok(())
    } else {
        Err(DeskError::StaffOnly.into())
    }
}

/// Grants a role (idempotent), audited.
pub async fn grant(
    platform: &Platform,
    user_id: &str,
    role: Role,
    actor: &str,
) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let done = sqlx::query(
        "INSERT INTO staff_roles (user_id, role, granted_at) SELECT $1, $2, $3 \
         WHERE NOT EXISTS (SELECT 1 FROM staff_roles WHERE user_id = $1 AND role = $2)",
    )
    .bind(user_id)
    .bind(role.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 1 {
        let event = AuditEvent::new(actor, "staff.role.grant", format!("user:{user_id}")).change(
            serde_json::Value::Null,
            serde_json::json!({ "role": role.as_str() }),
        );
        platform.audit.append(&mut tx, now, &event).await?;
    }
    tx.commit().await?;
    Ok(())
}

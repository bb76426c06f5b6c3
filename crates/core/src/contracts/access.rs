//! Who may act in an enterprise: the caller's active role, read inside the request's own query
//! or transaction. Someone who is not an active member of the enterprise (or asks about an
//! enterprise that does not exist) gets [`PlatformError::NotFound`], never a hint of its data.

use serde::Serialize;
use sqlx::Row as _;

use super::ContractsError;
use crate::error::{CoreError, PlatformError};

/// A member's role, ordered by what it may do: the administrator (exactly one per certified
/// enterprise) may do everything, a delegate manages people, seals' grants and employees, a
/// member uses what was granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    Delegate,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Delegate => "delegate",
            Self::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "member" => Some(Self::Member),
            "delegate" => Some(Self::Delegate),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Member => "成员",
            Self::Delegate => "管理员代理",
            Self::Admin => "管理员",
        }
    }
}

/// What [`membership`] found: the enterprise's state and the caller's role in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub role: Role,
    /// `certified`, `certifying`, `withdrawn` or `recertifying` (see the migration).
    pub enterprise_state: String,
}

impl Membership {
    pub fn certified(&self) -> bool {
        self.enterprise_state == "certified"
    }
}

/// The caller's active membership of an enterprise; `NotFound` when there is none.
pub async fn membership<'e, E>(
    executor: E,
    enterprise_id: &str,
    user_id: &str,
) -> Result<Membership, CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT m.role, e.state FROM ec_members m JOIN ec_enterprises e ON e.id = m.enterprise_id \
         WHERE m.enterprise_id = $1 AND m.user_id = $2 AND m.state = 'active'",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .fetch_optional(executor)
    .await?
    .ok_or(PlatformError::NotFound)?;
    let role: String = row.try_get("role")?;
    Ok(Membership {
        role: Role::parse(&role)
            .ok_or_else(|| CoreError::internal(format!("unknown member role {role}")))?,
        enterprise_state: row.try_get("state")?,
    })
}

/// The caller's role when it is at least `needed` in a certified enterprise: `NotFound` for
/// outsiders, [`ContractsError::RoleRequired`] for members below it,
/// [`ContractsError::NotCertified`] while the enterprise cannot act.
pub async fn require<'e, E>(
    executor: E,
    enterprise_id: &str,
    user_id: &str,
    needed: Role,
) -> Result<Role, CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let found = membership(executor, enterprise_id, user_id).await?;
    if found.role < needed {
        return Err(ContractsError::RoleRequired(needed.as_str()).into());
    }
    if !found.certified() {
        return Err(ContractsError::NotCertified.into());
    }
    Ok(found.role)
}

/// Whether the person passed real-name authentication; [`ContractsError::RealNameRequired`]
/// when not (until then a person can only browse).
pub async fn require_real_name<'e, E>(executor: E, user_id: &str) -> Result<(), CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("SELECT 1 AS one FROM ec_persons WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(executor)
        .await?
        .map(|_| ())
        .ok_or_else(|| ContractsError::RealNameRequired.into())
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn roles_order_by_power_and_round_trip() {
        assert!(Role::Admin > Role::Delegate && Role::Delegate > Role::Member);
        for role in [Role::Member, Role::Delegate, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("owner"), None);
    }
}

//! The six lists (ES-9, §2.5.1.4–9): 待我签署 (`to_sign`), 待他人签署 (`others`), 已完成
//! (`completed`), 已作废 (`void`), 我发起的 (`initiated`), 抄送我的 (`cc`). Each is one query with
//! the visibility condition of [`super::view`] in its `WHERE`, a title search, an optional
//! enterprise filter, and keyset pagination on `(created_at, id)` descending, so a page costs
//! the same on the first page as on the thousandth.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::view::{may_sign_for, visible};
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::{Clock as _, Timestamp};

/// Largest page.
pub const MAX_LIMIT: i64 = 100;

/// A list request.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
pub struct ListQuery {
    /// `to_sign`, `others`, `completed`, `void`, `initiated` or `cc`.
    pub list: String,
    /// Words of the title.
    #[serde(default)]
    pub q: Option<String>,
    /// Only tasks launched by this enterprise.
    #[serde(default)]
    pub enterprise_id: Option<String>,
    /// The `next` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A task in a list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskListItem {
    pub id: String,
    pub title: String,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub state: String,
    pub void_reason: Option<String>,
    pub confidential: bool,
    pub deadline: Option<Timestamp>,
    pub created_at: Timestamp,
    /// Parties signed / all parties.
    pub signed: i64,
    pub parties: i64,
}

/// A page of a list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskList {
    pub items: Vec<TaskListItem>,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
}

fn list_condition(list: &str) -> Result<String, CoreError> {
    let mine_to_sign = format!(
        "EXISTS (SELECT 1 FROM ec_task_parties mp WHERE mp.task_id = t.id AND mp.state = 'to_sign' \
         AND (mp.user_id = $1 OR (mp.kind = 'enterprise' AND {})))",
        may_sign_for("mp.enterprise_id")
    );
    Ok(match list {
        "to_sign" => format!("t.state = 'launched' AND {mine_to_sign}"),
        "others" => format!("t.state = 'launched' AND NOT {mine_to_sign}"),
        "completed" => "t.state = 'completed'".into(),
        "void" => "t.state = 'void'".into(),
        "initiated" => "t.initiator_id = $1".into(),
        "cc" => "EXISTS (SELECT 1 FROM ec_task_cc cc WHERE cc.task_id = t.id AND cc.user_id = $1)"
            .into(),
        _ => {
            return Err(PlatformError::Invalid {
                field: "list",
                zh: "列表须为 to_sign、others、completed、void、initiated 或 cc",
                en: "The list must be to_sign, others, completed, void, initiated or cc",
            }
            .into());
        }
    })
}

fn bad_cursor() -> CoreError {
    PlatformError::Invalid {
        field: "cursor",
        zh: "分页游标无效，请从第一页重新加载",
        en: "The page cursor is not valid; reload from the first page",
    }
    .into()
}

/// The `(created_at, id)` a keyset cursor (`"<created_at>:<id>"`, the `next` of the previous
/// page) names; `None` for the first page. Every list paged newest first reads it here.
pub(crate) fn after(cursor: Option<&str>) -> Result<Option<(i64, String)>, CoreError> {
    cursor
        .map(|cursor| {
            let (time, id) = cursor.split_once(':').ok_or_else(bad_cursor)?;
            Ok((
                time.parse::<i64>().map_err(|_| bad_cursor())?,
                id.to_owned(),
            ))
        })
        .transpose()
}

/// One page of a list for `user_id`.
pub async fn list(
    platform: &Platform,
    user_id: &str,
    query: &ListQuery,
) -> Result<TaskList, CoreError> {
    let condition = list_condition(&query.list)?;
    let limit = query.limit.unwrap_or(20).clamp(1, MAX_LIMIT);
    let (after_time, after_id) = match after(query.cursor.as_deref())? {
        Some((time, id)) => (Some(time), id),
        None => (None, String::new()),
    };
    let search = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|q| {
            let escaped = q
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        });
    let sql = format!(
        "SELECT t.id, t.title, t.enterprise_id, e.name AS enterprise_name, t.state, t.void_reason, \
           t.confidential, t.deadline, t.created_at, \
           (SELECT COUNT(*) FROM ec_task_parties c WHERE c.task_id = t.id AND c.state = 'signed') AS signed, \
           (SELECT COUNT(*) FROM ec_task_parties c WHERE c.task_id = t.id) AS parties \
         FROM ec_tasks t JOIN ec_enterprises e ON e.id = t.enterprise_id \
         WHERE {condition} AND {visible} \
           AND ($3 IS NULL OR t.title LIKE $3 ESCAPE '\\') \
           AND ($4 IS NULL OR t.enterprise_id = $4) \
           AND ($5 IS NULL OR t.created_at < $5 OR (t.created_at = $5 AND t.id < $6)) \
         ORDER BY t.created_at DESC, t.id DESC LIMIT {fetch}",
        visible = visible(),
        fetch = limit + 1,
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .bind(platform.clock.now())
        .bind(search)
        .bind(query.enterprise_id.as_deref())
        .bind(after_time)
        .bind(&after_id)
        .fetch_all(platform.db.pool())
        .await?;
    let mut items = rows
        .iter()
        .map(|r| {
            Ok(TaskListItem {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                enterprise_id: r.try_get("enterprise_id")?,
                enterprise_name: r.try_get("enterprise_name")?,
                state: r.try_get("state")?,
                void_reason: r.try_get("void_reason")?,
                confidential: r.try_get::<i64, _>("confidential")? != 0,
                deadline: r.try_get("deadline")?,
                created_at: r.try_get("created_at")?,
                signed: r.try_get("signed")?,
                parties: r.try_get("parties")?,
            })
        })
        .collect::<Result<Vec<_>, CoreError>>()?;
    let more = items.len() > usize::try_from(limit).unwrap_or(0);
    items.truncate(usize::try_from(limit).unwrap_or(0));
    let next = if more {
        items.last().map(|i| format!("{}:{}", i.created_at, i.id))
    } else {
        None
    };
    Ok(TaskList { items, next })
}

//! The riding seal (骑缝章) an enterprise party may carry: one of its enterprise's company or
//! contract seals, cut into slices over a page range of every document, each slice a signature
//! of the party's own. Checked at launch (the party, the seal, the range against every
//! document's pages) and stored with the party; signing stamps it ([`super::super::signing`]).

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::LaunchParty;
use crate::Platform;
use crate::contracts::ContractsError;
use crate::error::CoreError;

/// Seal kinds that may ride across pages.
pub const RIDING_KINDS: [&str; 2] = ["company", "contract"];

/// The width of the whole seal across the pages' edges, in points (40 mm, a company seal's size).
pub const RIDING_WIDTH: f32 = 113.4;

/// An enterprise party's riding seal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RidingSeal {
    /// A company or contract seal of the party's enterprise (the signer must be granted it).
    pub seal_id: String,
    /// `"all"`, or `{"from": a, "to": b}` (1-based, inclusive, at least two pages).
    pub pages: RidingPages,
}

/// The pages a riding seal spans in every document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RidingPages {
    /// Every page of each document.
    All(AllPages),
    /// Pages `from..=to` of each document.
    Range { from: u32, to: u32 },
}

/// The word `"all"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AllPages {
    #[serde(rename = "all")]
    All,
}

impl RidingPages {
    /// The 1-based, inclusive range in a document of `count` pages, when it spans at least two
    /// pages inside the document.
    pub fn range(self, count: usize) -> Option<(usize, usize)> {
        let (from, to) = match self {
            Self::All(_) => (1, count),
            Self::Range { from, to } => (usize::try_from(from).ok()?, usize::try_from(to).ok()?),
        };
        (from >= 1 && from < to && to <= count).then_some((from, to))
    }
}

fn refusal(field: &'static str, zh: String, en: String) -> CoreError {
    ContractsError::RidingSeal { field, zh, en }.into()
}

/// Checks every party's riding seal against the documents (`(name, pages)`): only an
/// enterprise party carries one; the seal is an active company or contract seal of that
/// enterprise; the range lies inside every document and spans at least two pages.
pub(crate) async fn check(
    platform: &Platform,
    parties: &[LaunchParty],
    documents: &[(String, usize)],
) -> Result<(), CoreError> {
    for party in parties {
        let Some(riding) = &party.riding_seal else {
            continue;
        };
        let role = party.role.trim();
        if party.kind != "enterprise" {
            return Err(refusal(
                "riding_seal",
                format!("签署方 {role} 是个人，只有企业签署方可以加盖骑缝章"),
                format!("party {role} is a person; only an enterprise party carries a riding seal"),
            ));
        }
        let enterprise_id = party.enterprise_id.as_deref().unwrap_or_default();
        let seal =
            sqlx::query("SELECT kind, state FROM ec_seals WHERE id = $1 AND enterprise_id = $2")
                .bind(&riding.seal_id)
                .bind(enterprise_id)
                .fetch_optional(platform.db.pool())
                .await?
                .ok_or_else(|| {
                    refusal(
                        "riding_seal.seal_id",
                        format!("骑缝章须为签署方 {role} 所属企业的印章"),
                        format!("the riding seal must be a seal of party {role}'s enterprise"),
                    )
                })?;
        let kind: String = seal.try_get("kind")?;
        if !RIDING_KINDS.contains(&kind.as_str()) {
            return Err(refusal(
                "riding_seal.seal_id",
                format!("签署方 {role} 的骑缝章须为公章或合同专用章"),
                format!("party {role}'s riding seal must be a company or contract seal"),
            ));
        }
        if seal.try_get::<String, _>("state")? != "active" {
            return Err(refusal(
                "riding_seal.seal_id",
                format!("签署方 {role} 选择的骑缝章已停用"),
                format!("the riding seal party {role} chose is disabled"),
            ));
        }
        for (name, count) in documents {
            if riding.pages.range(*count).is_none() {
                return Err(refusal(
                    "riding_seal.pages",
                    format!(
                        "签署方 {role} 的骑缝章页码范围须在《{name}》的 1–{count} 页之内，且至少跨两页"
                    ),
                    format!(
                        "party {role}'s riding seal must span at least two pages inside pages 1–{count} of \"{name}\""
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The riding seal as stored with its party: `(seal id, pages as JSON)`.
pub(crate) fn to_columns(
    riding: Option<&RidingSeal>,
) -> Result<(Option<String>, Option<String>), CoreError> {
    let Some(riding) = riding else {
        return Ok((None, None));
    };
    let pages =
        serde_json::to_string(&riding.pages).map_err(|e| CoreError::internal(e.to_string()))?;
    Ok((Some(riding.seal_id.clone()), Some(pages)))
}

/// The riding seal of a party's row (`riding_seal_id`, `riding_pages`).
pub(crate) fn from_row(row: &sqlx::any::AnyRow) -> Result<Option<RidingSeal>, CoreError> {
    let seal_id: Option<String> = row.try_get("riding_seal_id")?;
    let pages: Option<String> = row.try_get("riding_pages")?;
    match (seal_id, pages) {
        (Some(seal_id), Some(pages)) => Ok(Some(RidingSeal {
            seal_id,
            pages: serde_json::from_str(&pages)
                .map_err(|e| CoreError::internal(format!("riding pages: {e}")))?,
        })),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_read_as_all_or_a_range_of_at_least_two() {
        let all: RidingPages = serde_json::from_str("\"all\"").unwrap();
        assert_eq!(all, RidingPages::All(AllPages::All));
        assert_eq!(all.range(3), Some((1, 3)));
        assert_eq!(all.range(1), None, "one page cannot carry a riding seal");
        let range: RidingPages = serde_json::from_str(r#"{"from": 2, "to": 3}"#).unwrap();
        assert_eq!(range.range(3), Some((2, 3)));
        assert_eq!(range.range(2), None, "past the last page");
        assert_eq!(RidingPages::Range { from: 2, to: 2 }.range(3), None);
        assert_eq!(RidingPages::Range { from: 0, to: 2 }.range(3), None);
        assert_eq!(RidingPages::Range { from: 3, to: 2 }.range(3), None);
        assert!(serde_json::from_str::<RidingPages>("\"some\"").is_err());
        assert_eq!(serde_json::to_string(&all).unwrap(), "\"all\"");
    }
}

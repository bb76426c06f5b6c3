//! The report of a paper archive (§2.5.2: 归档完成后自动将合同信息上报至监管平台), in the same
//! format as a completed contract's: `signature_level` is `paper`, the contract's dates are the
//! archive's, the parties are the archiving enterprise and the people (without signing times:
//! the paper's 签订日期, when entered, is among the document's fields), the labour elements come
//! from the archive's fields, and the one document is the PDF as uploaded with the timestamp
//! token made when it was archived.

use std::collections::BTreeMap;

use sqlx::Row as _;

use super::payload::{
    BusinessType, Contract, Document, Organisation, Party, Report, Subject, labour, source, time,
};
use super::{FORMAT, kind, subject};
use crate::Platform;
use crate::contracts::archives::state as archive_state;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::{Timestamp, rfc3339};
use crate::platform::crypto::SealedAt;

/// The report of archive `archive_id` (which must still be archived).
pub async fn archive_report(
    platform: &Platform,
    report_id: &str,
    archive_id: &str,
    now: Timestamp,
) -> Result<Report, CoreError> {
    let pool = platform.db.pool();
    let row = sqlx::query(
        "SELECT a.title, a.state, a.created_at, a.file_name, a.sha256, a.timestamp_token, \
           a.field_values, e.name AS employer, e.credit_code, b.code AS type_code, \
           b.name AS type_name \
         FROM ec_archives a JOIN ec_enterprises e ON e.id = a.enterprise_id \
         JOIN ec_business_types b ON b.id = a.business_type_id WHERE a.id = $1",
    )
    .bind(archive_id)
    .fetch_optional(pool)
    .await?
    .ok_or(PlatformError::NotFound)?;
    let state: String = row.try_get("state")?;
    if state != archive_state::ARCHIVED && state != archive_state::VOID {
        return Err(CoreError::internal(format!(
            "regulator report of archive {archive_id} in state {state}"
        )));
    }
    let sealed: String = row.try_get("field_values")?;
    let fields: BTreeMap<String, String> = serde_json::from_str(&platform.cipher.open(
        SealedAt::new("ec_archives", "field_values", archive_id),
        &sealed,
    )?)
    .map_err(|e| CoreError::internal(format!("archive values: {e}")))?;
    let mut parties = Vec::new();
    for party in sqlx::query(
        "SELECT position, role_key, kind, display_name, credit_code, name_sealed, id_sealed \
         FROM ec_archive_parties WHERE archive_id = $1 ORDER BY position",
    )
    .bind(archive_id)
    .fetch_all(pool)
    .await?
    {
        let kind: String = party.try_get("kind")?;
        let position: i64 = party.try_get("position")?;
        let key = format!("{archive_id}:{position}");
        let open = |column: &'static str, sealed: Option<String>| {
            sealed
                .map(|s| {
                    platform
                        .cipher
                        .open(SealedAt::new("ec_archive_parties", column, &key), &s)
                })
                .transpose()
        };
        let name = match open("name_sealed", party.try_get("name_sealed")?)? {
            Some(name) => name,
            None => party.try_get("display_name")?,
        };
        parties.push(Party {
            role: party.try_get("role_key")?,
            kind,
            name,
            id_number: open("id_sealed", party.try_get("id_sealed")?)?,
            credit_code: party.try_get("credit_code")?,
            signed_at: None,
        });
    }
    let type_code: String = row.try_get("type_code")?;
    let employee = parties.iter().find(|p| p.kind == "person");
    let labour = (type_code == "labour").then(|| labour(&fields, employee));
    let archived_at: Timestamp = row.try_get("created_at")?;
    Ok(Report {
        format: FORMAT,
        kind: kind::REPORT,
        report_id: report_id.to_owned(),
        subject: Subject {
            kind: subject::ARCHIVE,
            id: archive_id.to_owned(),
        },
        source: source(platform),
        generated_at: rfc3339(now),
        contract: Contract {
            title: row.try_get("title")?,
            business_type: BusinessType {
                code: type_code,
                name: row.try_get("type_name")?,
            },
            launched_at: rfc3339(archived_at),
            completed_at: time(Some(archived_at)),
            signature_level: "paper",
        },
        employer: Organisation {
            name: row.try_get("employer")?,
            credit_code: row.try_get("credit_code")?,
        },
        parties,
        labour,
        documents: vec![Document {
            position: 0,
            name: row.try_get("file_name")?,
            sha256: row.try_get("sha256")?,
            timestamp_token: row.try_get("timestamp_token")?,
            fields,
        }],
    })
}

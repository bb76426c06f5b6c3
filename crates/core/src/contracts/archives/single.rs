//! A single archive (§2.5.2.1): the task's title, the business type (one the caller holds), the
//! contract fields of that type, the people (each on the roster), and one scanned PDF. Every
//! check runs before anything is stored.

use super::parties::Roster;
use super::store::{Context, NewArchive, write};
use super::{ArchiveInput, ArchiveView, lists, scan};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::error::CoreError;

/// A file name as shown: its last path part, trimmed, at most 120 characters; `归档文件.pdf`
/// when nothing is left.
pub fn file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let name: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if name.is_empty() {
        "归档文件.pdf".to_owned()
    } else {
        name
    }
}

/// Archives one scanned contract for `enterprise_id`.
pub async fn create(
    platform: &Platform,
    user_id: &str,
    enterprise_id: &str,
    input: ArchiveInput,
    file_name_raw: &str,
    pdf: Vec<u8>,
) -> Result<ArchiveView, CoreError> {
    let context = Context::load(platform, enterprise_id, &input.business_type_id, user_id).await?;
    let title = super::title(&input.title).map_err(|(zh, en)| ContractsError::ArchiveInput {
        field: "title",
        zh: zh.into(),
        en: en.into(),
    })?;
    let fields = context.fields(platform).await?;
    let values =
        super::fields::check(&fields, &input.fields).map_err(ContractsError::TemplateValues)?;
    let roster = Roster::load(platform, enterprise_id).await?;
    let persons = roster
        .check_all(platform, &input.persons)
        .map_err(|(n, refused)| ContractsError::ArchiveInput {
            field: "persons",
            zh: if n == 0 {
                refused.zh.clone()
            } else {
                format!("第 {n} 名签约人：{}", refused.zh)
            },
            en: if n == 0 {
                refused.en.clone()
            } else {
                format!("Person {n}: {}", refused.en)
            },
        })?;
    let (pdf, measured) = tokio::task::spawn_blocking(move || {
        let measured = scan::inspect(&pdf);
        (pdf, measured)
    })
    .await
    .map_err(|e| CoreError::internal(format!("archive scan: {e}")))?;
    let measured = measured.map_err(ContractsError::ArchiveScan)?;
    platform.blobs.put(&pdf).await?;
    drop(pdf);
    let (ids, _) = write(
        platform,
        &context,
        None,
        vec![NewArchive {
            title,
            file_name: file_name(file_name_raw),
            scan: measured,
            values,
            persons,
            batch_row: None,
        }],
    )
    .await?;
    let id = ids
        .into_iter()
        .next()
        .ok_or_else(|| CoreError::internal("archive written without an id"))?;
    lists::view(platform, user_id, &id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_their_last_part() {
        assert_eq!(
            file_name("C:\\scans\\张三 劳动合同.pdf"),
            "张三 劳动合同.pdf"
        );
        assert_eq!(file_name("../../etc/passwd"), "passwd");
        assert_eq!(file_name("  "), "归档文件.pdf");
        assert_eq!(file_name(&"长".repeat(300)).chars().count(), 120);
    }
}

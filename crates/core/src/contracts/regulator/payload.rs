//! The report's JSON body (format [`FORMAT`], described field by field in `docs/regulator.md`
//! with a JSON Schema in `docs/regulator.schema.json`): the contract, the employer, every party
//! with its identifier (a person's ID number, an enterprise's credit code) and signing time, the
//! elements of a labour contract read from the launcher's fields, and each document's final
//! SHA-256 with a timestamp token over it (added by [`super::envelope`]).

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row as _;

use super::{FORMAT, kind, subject};
use crate::Platform;
use crate::contracts::persons;
use crate::contracts::tasks::launch::write::open_values;
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::{Timestamp, rfc3339};

/// What reported the contract.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub name: &'static str,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Subject {
    pub kind: &'static str,
    pub id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BusinessType {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Contract {
    pub title: String,
    pub business_type: BusinessType,
    pub launched_at: String,
    pub completed_at: Option<String>,
    /// `PAdES-B-LTA` for an e-signed contract; `paper` for a digitised paper archive.
    pub signature_level: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Organisation {
    pub name: String,
    /// The unified social credit code (统一社会信用代码).
    pub credit_code: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Party {
    /// The role key of the documents' signing spots (`A`, `B`, …).
    pub role: String,
    /// `person` or `enterprise`.
    pub kind: String,
    pub name: String,
    /// A person's ID number (居民身份证号码).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// An enterprise's credit code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
    pub signed_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub name: Option<String>,
    pub id_number: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Term {
    /// `YYYY-MM-DD` as the launcher filled it.
    pub start: Option<String>,
    pub end: Option<String>,
    /// No end date: an open-ended contract (无固定期限).
    pub open_ended: bool,
}

/// The social insurance clause: its text and which of the five insurances it names.
#[derive(Debug, Clone, Default, Serialize)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "the five insurances are five yes/no elements of the report's format"
)]
pub struct SocialInsurance {
    pub clause: Option<String>,
    pub pension: bool,
    pub medical: bool,
    pub unemployment: bool,
    pub work_injury: bool,
    pub maternity: bool,
}

/// The elements of a labour contract (劳动合同法 §17), read from the launcher's fields.
#[derive(Debug, Clone, Serialize)]
pub struct Labour {
    pub employee: Person,
    pub term: Term,
    pub job: Option<String>,
    pub place: Option<String>,
    pub pay: Option<String>,
    pub hours: Option<String>,
    pub probation: Option<String>,
    pub social_insurance: SocialInsurance,
}

#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub position: i64,
    pub name: String,
    /// SHA-256 of the document as completed (hex).
    pub sha256: String,
    /// An RFC 3161 token of the platform's TSA over that SHA-256 (base64 DER).
    pub timestamp_token: String,
    /// The launcher's fields as filled.
    pub fields: BTreeMap<String, String>,
}

/// A report of a completed contract.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub format: &'static str,
    pub kind: &'static str,
    pub report_id: String,
    pub subject: Subject,
    pub source: Source,
    pub generated_at: String,
    pub contract: Contract,
    pub employer: Organisation,
    pub parties: Vec<Party>,
    /// Present for labour contracts (business type `labour`).
    pub labour: Option<Labour>,
    pub documents: Vec<Document>,
}

/// The void report of an earlier report.
#[derive(Debug, Clone, Serialize)]
pub struct VoidReport {
    pub format: &'static str,
    pub kind: &'static str,
    pub report_id: String,
    /// The report it voids (its `Idempotency-Key`).
    pub voids: String,
    pub subject: Subject,
    pub source: Source,
    pub generated_at: String,
    pub voided_at: Option<String>,
    pub reason: Option<String>,
}

pub(super) fn time(at: Option<Timestamp>) -> Option<String> {
    at.map(rfc3339)
}

pub(super) fn source(platform: &Platform) -> Source {
    Source {
        name: "Signet",
        url: platform.public_url.clone(),
    }
}

/// The first non-empty value of any of `keys`.
fn first(values: &BTreeMap<String, String>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .filter_map(|k| values.get(*k))
        .map(|v| v.trim())
        .find(|v| !v.is_empty())
        .map(str::to_owned)
}

/// A date as `YYYY-MM-DD` whatever the template showed it as (`2029年01月04日`, `2029/1/4`,
/// `2029.01.04`); any other text as it is.
pub fn iso_date(text: &str) -> String {
    let parts: Vec<&str> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => {
            let (Ok(m), Ok(d)) = (m.parse::<u8>(), d.parse::<u8>()) else {
                return text.to_owned();
            };
            if (1..=12).contains(&m) && (1..=31).contains(&d) {
                format!("{y}-{m:02}-{d:02}")
            } else {
                text.to_owned()
            }
        }
        _ => text.to_owned(),
    }
}

/// The labour elements of the launcher's fields; the employee's identity from the person party
/// when the fields do not name it.
pub fn labour(values: &BTreeMap<String, String>, employee: Option<&Party>) -> Labour {
    let clause = first(values, &["社会保险", "社会保险条款", "社保"]);
    let names = |words: &[&str]| {
        clause
            .as_deref()
            .is_some_and(|c| words.iter().any(|w| c.contains(w)))
    };
    let all = names(&["五险", "全部"]);
    let social_insurance = SocialInsurance {
        pension: all || names(&["养老"]),
        medical: all || names(&["医疗"]),
        unemployment: all || names(&["失业"]),
        work_injury: all || names(&["工伤"]),
        maternity: all || names(&["生育"]),
        clause: clause.clone(),
    };
    let end = first(values, &["合同结束日期", "终止日期"]).map(|d| iso_date(&d));
    Labour {
        employee: Person {
            name: first(values, &["姓名", "员工姓名"]).or_else(|| employee.map(|p| p.name.clone())),
            id_number: first(values, &["身份证号", "身份证号码"])
                .or_else(|| employee.and_then(|p| p.id_number.clone())),
        },
        term: Term {
            start: first(values, &["合同开始日期", "起始日期"]).map(|d| iso_date(&d)),
            open_ended: end.is_none(),
            end,
        },
        job: first(values, &["岗位", "工作岗位", "工作内容"]),
        place: first(values, &["工作地点"]),
        pay: first(values, &["月工资", "工资", "劳动报酬"]),
        hours: first(values, &["工作时间", "工时制度"]),
        probation: first(values, &["试用期"]),
        social_insurance,
    }
}

/// The task's parties with their identifiers.
async fn parties(platform: &Platform, task_id: &str) -> Result<Vec<Party>, CoreError> {
    let pool = platform.db.pool();
    let mut parties = Vec::new();
    for row in sqlx::query(
        "SELECT p.role_key, p.kind, p.user_id, p.display_name, p.signed_at, e.name AS ent_name, \
           e.credit_code FROM ec_task_parties p LEFT JOIN ec_enterprises e ON e.id = p.enterprise_id \
         WHERE p.task_id = $1 ORDER BY p.position",
    )
    .bind(task_id)
    .fetch_all(pool)
    .await?
    {
        let kind: String = row.try_get("kind")?;
        let user_id: Option<String> = row.try_get("user_id")?;
        let (name, id_number, credit_code) = match (&*kind, user_id) {
            ("person", Some(user_id)) => {
                let (name, id_number) = persons::identity(platform, &user_id).await?;
                (name, Some(id_number), None)
            }
            _ => (
                row.try_get::<Option<String>, _>("ent_name")?
                    .unwrap_or(row.try_get("display_name")?),
                None,
                row.try_get("credit_code")?,
            ),
        };
        parties.push(Party {
            role: row.try_get("role_key")?,
            kind,
            name,
            id_number,
            credit_code,
            signed_at: time(row.try_get("signed_at")?),
        });
    }
    Ok(parties)
}

/// The task's documents as completed, and the launcher's values of them all (the first
/// document's value of a field wins).
async fn documents(
    platform: &Platform,
    task_id: &str,
) -> Result<(Vec<Document>, BTreeMap<String, String>), CoreError> {
    let pool = platform.db.pool();
    let mut documents = Vec::new();
    let mut all_values = BTreeMap::new();
    for row in sqlx::query(
        "SELECT id, position, name, sha256, field_values FROM ec_task_documents \
         WHERE task_id = $1 ORDER BY position",
    )
    .bind(task_id)
    .fetch_all(pool)
    .await?
    {
        let id: String = row.try_get("id")?;
        let sealed: Option<String> = row.try_get("field_values")?;
        let fields = open_values(platform, &id, sealed.as_deref())?;
        for (key, value) in &fields {
            all_values
                .entry(key.clone())
                .or_insert_with(|| value.clone());
        }
        documents.push(Document {
            position: row.try_get("position")?,
            name: row.try_get("name")?,
            sha256: row.try_get("sha256")?,
            timestamp_token: String::new(),
            fields,
        });
    }
    Ok((documents, all_values))
}

/// The report of a completed task (tokens left empty for [`super::envelope`]).
pub async fn task_report(
    platform: &Platform,
    report_id: &str,
    task_id: &str,
    now: Timestamp,
) -> Result<Report, CoreError> {
    let pool = platform.db.pool();
    let task = sqlx::query(
        "SELECT t.title, t.state, t.created_at, t.completed_at, e.name AS employer, \
           e.credit_code, b.code AS type_code, b.name AS type_name \
         FROM ec_tasks t JOIN ec_enterprises e ON e.id = t.enterprise_id \
         JOIN ec_business_types b ON b.id = t.business_type_id WHERE t.id = $1",
    )
    .bind(task_id)
    .fetch_optional(pool)
    .await?
    .ok_or(PlatformError::NotFound)?;
    let state: String = task.try_get("state")?;
    if state != crate::contracts::tasks::state::COMPLETED {
        return Err(CoreError::internal(format!(
            "regulator report of task {task_id} in state {state}"
        )));
    }
    let parties = parties(platform, task_id).await?;
    let (documents, all_values) = documents(platform, task_id).await?;
    let type_code: String = task.try_get("type_code")?;
    let employee = parties.iter().find(|p| p.kind == "person");
    let labour = (type_code == "labour").then(|| labour(&all_values, employee));
    Ok(Report {
        format: FORMAT,
        kind: kind::REPORT,
        report_id: report_id.to_owned(),
        subject: Subject {
            kind: subject::TASK,
            id: task_id.to_owned(),
        },
        source: source(platform),
        generated_at: rfc3339(now),
        contract: Contract {
            title: task.try_get("title")?,
            business_type: BusinessType {
                code: type_code,
                name: task.try_get("type_name")?,
            },
            launched_at: rfc3339(task.try_get("created_at")?),
            completed_at: time(task.try_get("completed_at")?),
            signature_level: "PAdES-B-LTA",
        },
        employer: Organisation {
            name: task.try_get("employer")?,
            credit_code: task.try_get("credit_code")?,
        },
        parties,
        labour,
        documents,
    })
}

/// The void report of `voids` (the subject's report), with why and when the subject was voided.
pub async fn void_report(
    platform: &Platform,
    report_id: &str,
    subject_kind: &str,
    subject_id: &str,
    now: Timestamp,
) -> Result<VoidReport, CoreError> {
    let pool = platform.db.pool();
    let voids: String = sqlx::query(
        "SELECT id FROM ec_regulator_reports WHERE subject_kind = $1 AND subject_id = $2 AND kind = $3",
    )
    .bind(subject_kind)
    .bind(subject_id)
    .bind(kind::REPORT)
    .fetch_optional(pool)
    .await?
    .ok_or(PlatformError::NotFound)?
    .try_get("id")?;
    let (voided_at, reason, kind_name) = if subject_kind == subject::TASK {
        let row =
            sqlx::query("SELECT voided_at, void_reason, void_note FROM ec_tasks WHERE id = $1")
                .bind(subject_id)
                .fetch_optional(pool)
                .await?
                .ok_or(PlatformError::NotFound)?;
        let note: Option<String> = row.try_get("void_note")?;
        let reason: Option<String> = row.try_get("void_reason")?;
        (row.try_get("voided_at")?, note.or(reason), subject::TASK)
    } else {
        let row = sqlx::query("SELECT voided_at, void_reason FROM ec_archives WHERE id = $1")
            .bind(subject_id)
            .fetch_optional(pool)
            .await?
            .ok_or(PlatformError::NotFound)?;
        (
            row.try_get::<Option<Timestamp>, _>("voided_at")?
                .or(Some(now)),
            row.try_get("void_reason")?,
            subject::ARCHIVE,
        )
    };
    Ok(VoidReport {
        format: FORMAT,
        kind: kind::VOID,
        report_id: report_id.to_owned(),
        voids,
        subject: Subject {
            kind: kind_name,
            id: subject_id.to_owned(),
        },
        source: source(platform),
        generated_at: rfc3339(now),
        voided_at: time(voided_at),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn dates_are_given_as_iso_whatever_the_template_showed() {
        assert_eq!(iso_date("2029年01月04日"), "2029-01-04");
        assert_eq!(iso_date("2029/1/4"), "2029-01-04");
        assert_eq!(iso_date("2029.01.04"), "2029-01-04");
        assert_eq!(iso_date("2029-01-04"), "2029-01-04");
        assert_eq!(iso_date("2029年13月04日"), "2029年13月04日");
        assert_eq!(iso_date("长期"), "长期");
    }

    #[test]
    fn labour_elements_are_read_from_the_fields() {
        let fields = values(&[
            ("姓名", "张三丰"),
            ("身份证号", "110101199003074514"),
            ("岗位", "焊工"),
            ("月工资", "8000"),
            ("合同开始日期", "2027-01-01"),
            ("合同结束日期", "2029-12-31"),
            ("社会保险", "依法缴纳养老、医疗、工伤保险"),
        ]);
        let labour = labour(&fields, None);
        assert_eq!(labour.employee.name.as_deref(), Some("张三丰"));
        assert_eq!(labour.job.as_deref(), Some("焊工"));
        assert_eq!(labour.pay.as_deref(), Some("8000"));
        assert_eq!(labour.term.end.as_deref(), Some("2029-12-31"));
        assert!(!labour.term.open_ended);
        let si = &labour.social_insurance;
        assert!(si.pension && si.medical && si.work_injury);
        assert!(!si.unemployment && !si.maternity);
        assert_eq!(labour.place, None);
    }

    /// Every member serialised is described by `docs/regulator.schema.json`, and every member
    /// the schema requires is serialised: the documentation cannot drift from the code.
    #[test]
    fn the_json_schema_describes_the_bodies_exactly() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../../../../docs/regulator.schema.json"))
                .unwrap();
        let check = |def: &str, value: &serde_json::Value| {
            let def = &schema["$defs"][def];
            let properties = def["properties"].as_object().unwrap();
            let object = value.as_object().unwrap();
            for key in object.keys() {
                assert!(properties.contains_key(key), "{key} is not in the schema");
            }
            for key in def["required"].as_array().unwrap() {
                assert!(object.contains_key(key.as_str().unwrap()), "{key} missing");
            }
        };
        let party = Party {
            role: "B".into(),
            kind: "person".into(),
            name: "张三".into(),
            id_number: Some("11010519491231002X".into()),
            credit_code: None,
            signed_at: Some(rfc3339(0)),
        };
        let report = Report {
            format: FORMAT,
            kind: kind::REPORT,
            report_id: "r".into(),
            subject: Subject {
                kind: subject::TASK,
                id: "t".into(),
            },
            source: Source {
                name: "Signet",
                url: "https://signet.example".into(),
            },
            generated_at: rfc3339(0),
            contract: Contract {
                title: "劳动合同".into(),
                business_type: BusinessType {
                    code: "labour".into(),
                    name: "劳动合同".into(),
                },
                launched_at: rfc3339(0),
                completed_at: None,
                signature_level: "PAdES-B-LTA",
            },
            employer: Organisation {
                name: "公司".into(),
                credit_code: "91330000000000000X".into(),
            },
            labour: Some(labour(&values(&[("岗位", "焊工")]), Some(&party))),
            parties: vec![party],
            documents: vec![Document {
                position: 0,
                name: "劳动合同".into(),
                sha256: "00".repeat(32),
                timestamp_token: String::new(),
                fields: values(&[("岗位", "焊工")]),
            }],
        };
        let value = serde_json::to_value(&report).unwrap();
        check("report", &value);
        check("party", &value["parties"][0]);
        check("labour", &value["labour"]);
        check("document", &value["documents"][0]);
        check("contract", &value["contract"]);
        let void = VoidReport {
            format: FORMAT,
            kind: kind::VOID,
            report_id: "v".into(),
            voids: "r".into(),
            subject: Subject {
                kind: subject::TASK,
                id: "t".into(),
            },
            source: Source {
                name: "Signet",
                url: String::new(),
            },
            generated_at: rfc3339(0),
            voided_at: None,
            reason: None,
        };
        check("void", &serde_json::to_value(&void).unwrap());
    }

    #[test]
    fn the_employee_comes_from_the_person_party_when_the_fields_do_not_name_one() {
        let party = Party {
            role: "B".into(),
            kind: "person".into(),
            name: "李四".into(),
            id_number: Some("110101199003071234".into()),
            credit_code: None,
            signed_at: None,
        };
        let labour = labour(&values(&[("社会保险", "五险")]), Some(&party));
        assert_eq!(labour.employee.name.as_deref(), Some("李四"));
        assert_eq!(
            labour.employee.id_number.as_deref(),
            Some("110101199003071234")
        );
        assert!(labour.term.open_ended);
        assert!(labour.social_insurance.maternity && labour.social_insurance.unemployment);
    }
}

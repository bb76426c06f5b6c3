//! Checking a package offline (`signet verify --evidence FILE.zip`): the hash chain intact,
//! `evidence.json` the very file the signed report names, `signed.pdf` the file the last event
//! left behind, and the report's signature valid under the platform's CA. Nothing here touches
//! a database or the network.

use std::io::Read as _;
use std::time::SystemTime;

use serde::Serialize;
use signet_pdf::{Credentials, VerifyOptions};
use x509_cert::Certificate;

use super::chain::{EvidenceJson, FORMAT, TaskHeader, canonical_hash};
use super::{CERTIFICATES, EVIDENCE_JSON, EVIDENCE_PDF, INFO_KEY, SIGNED_PDF, sha256_hex};

/// The largest file read out of a package (a signed PDF of the 50 MB the platform takes, with
/// room for its signatures).
const MAX_ENTRY: u64 = 64 * 1024 * 1024;

/// One thing checked, passed or failed, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub ok: bool,
    pub zh: String,
    pub en: String,
}

fn pass(zh: impl Into<String>, en: impl Into<String>) -> Finding {
    Finding {
        ok: true,
        zh: zh.into(),
        en: en.into(),
    }
}

fn fail(zh: impl Into<String>, en: impl Into<String>) -> Finding {
    Finding {
        ok: false,
        zh: zh.into(),
        en: en.into(),
    }
}

/// The verdict on a package.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceCheck {
    /// Every finding passed.
    pub ok: bool,
    pub findings: Vec<Finding>,
    pub task: Option<TaskHeader>,
    pub events: usize,
    /// No trust anchor was given: the report was checked against the root the package carries.
    pub trust_from_package: bool,
}

impl EvidenceCheck {
    /// The failed findings.
    pub fn failures(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.ok)
    }
}

fn read_entries(zip_bytes: &[u8]) -> Result<[Option<Vec<u8>>; 4], String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes))
        .map_err(|e| format!("not a zip file: {e}"))?;
    let mut read = |name: &str| -> Result<Option<Vec<u8>>, String> {
        let Ok(file) = archive.by_name(name) else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        file.take(MAX_ENTRY + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{name}: {e}"))?;
        if bytes.len() as u64 > MAX_ENTRY {
            return Err(format!("{name} is larger than {MAX_ENTRY} bytes"));
        }
        Ok(Some(bytes))
    };
    Ok([
        read(SIGNED_PDF)?,
        read(EVIDENCE_JSON)?,
        read(EVIDENCE_PDF)?,
        read(CERTIFICATES)?,
    ])
}

/// Checks the package `zip_bytes` against `trust_roots` (the platform's root certificates;
/// empty: the root the package carries, said so in the verdict) at `now`.
pub fn check(zip_bytes: &[u8], trust_roots: Vec<Certificate>, now: SystemTime) -> EvidenceCheck {
    let mut verdict = EvidenceCheck {
        ok: false,
        findings: Vec::new(),
        task: None,
        events: 0,
        trust_from_package: false,
    };
    let entries = match read_entries(zip_bytes) {
        Ok(entries) => entries,
        Err(why) => {
            verdict.findings.push(fail(
                format!("无法读取证据包：{why}"),
                format!("The package cannot be read: {why}"),
            ));
            return verdict;
        }
    };
    let [signed_pdf, json_bytes, report_pdf, certificates] = entries;
    let (Some(signed_pdf), Some(json_bytes), Some(report_pdf)) =
        (signed_pdf, json_bytes, report_pdf)
    else {
        verdict.findings.push(fail(
            format!("证据包不完整：必须包含 {SIGNED_PDF}、{EVIDENCE_JSON} 和 {EVIDENCE_PDF}"),
            format!("The package is incomplete: it must hold {SIGNED_PDF}, {EVIDENCE_JSON} and {EVIDENCE_PDF}"),
        ));
        return verdict;
    };
    match serde_json::from_slice::<EvidenceJson>(&json_bytes) {
        Ok(json) if json.format == FORMAT => {
            verdict.events = json.events.len();
            check_chain(&json, &mut verdict.findings);
            check_signed_pdf(&json, &signed_pdf, &mut verdict.findings);
            verdict.task = Some(json.task);
        }
        Ok(json) => verdict.findings.push(fail(
            format!("{EVIDENCE_JSON} 的格式 {} 不受支持", json.format),
            format!("{EVIDENCE_JSON} has the unsupported format {}", json.format),
        )),
        Err(e) => verdict.findings.push(fail(
            format!("{EVIDENCE_JSON} 无法解析：{e}"),
            format!("{EVIDENCE_JSON} does not parse: {e}"),
        )),
    }
    let (roots, others, from_package) = anchors(trust_roots, certificates.as_deref());
    verdict.trust_from_package = from_package;
    check_report(
        &report_pdf,
        &json_bytes,
        &VerifyOptions {
            trust_roots: roots,
            now,
            other_certificates: others,
        },
        &mut verdict.findings,
    );
    verdict.ok = !verdict.findings.is_empty() && verdict.findings.iter().all(|f| f.ok);
    verdict
}

/// The trust anchors: the caller's, else the self-signed certificates in the package.
fn anchors(
    given: Vec<Certificate>,
    package: Option<&[u8]>,
) -> (Vec<Certificate>, Vec<Certificate>, bool) {
    let carried = package
        .and_then(|pem| Credentials::parse_pem(pem).ok())
        .unwrap_or_default();
    let self_signed =
        |c: &Certificate| c.tbs_certificate().subject() == c.tbs_certificate().issuer();
    if given.is_empty() {
        let (roots, others): (Vec<Certificate>, Vec<Certificate>) =
            carried.into_iter().partition(self_signed);
        (roots, others, true)
    } else {
        let others = carried.into_iter().filter(|c| !self_signed(c)).collect();
        (given, others, false)
    }
}

fn check_chain(json: &EvidenceJson, findings: &mut Vec<Finding>) {
    let before = findings.len();
    let mut expected_prev = canonical_hash(&json.task);
    let mut expected_seq: u64 = 1;
    let mut previous: Option<&super::Entry> = None;
    for entry in &json.events {
        let gap = entry.seq != expected_seq;
        if entry.seq > expected_seq {
            let missing = if entry.seq - expected_seq == 1 {
                format!("第 {expected_seq} 条")
            } else {
                format!("第 {expected_seq} 至 {} 条", entry.seq - 1)
            };
            findings.push(fail(
                format!(
                    "{missing}事件记录缺失（已被删除），哈希链在第 {} 条之前断开",
                    entry.seq
                ),
                format!(
                    "Event #{expected_seq}{} missing (removed): the chain breaks before event #{}",
                    if entry.seq - expected_seq == 1 {
                        " is".to_owned()
                    } else {
                        format!(" to #{} are", entry.seq - 1)
                    },
                    entry.seq
                ),
            ));
        } else if gap {
            findings.push(fail(
                format!(
                    "事件记录顺序错乱：第 {} 条出现在第 {expected_seq} 条的位置",
                    entry.seq
                ),
                format!(
                    "Events are out of order: #{} stands where #{expected_seq} belongs",
                    entry.seq
                ),
            ));
        }
        if entry.prev != expected_prev && !gap {
            findings.push(match previous {
                Some(p) => fail(
                    format!(
                        "第 {} 条事件记录（{}）已被改动：它的摘要与第 {} 条记录中保存的不符",
                        p.seq,
                        p.kind.label(),
                        entry.seq
                    ),
                    format!(
                        "Event #{} ({:?}) was altered: its digest no longer matches the one \
                         event #{} holds",
                        p.seq, p.kind, entry.seq
                    ),
                ),
                None => fail(
                    "任务信息已被改动：与第 1 条事件记录中保存的摘要不符",
                    "The task header was altered: its digest no longer matches the one event \
                     #1 holds",
                ),
            });
        }
        expected_prev = canonical_hash(entry);
        expected_seq = entry.seq.saturating_add(1);
        previous = Some(entry);
    }
    if json.head != expected_prev {
        let last = previous.map_or(0, |p| p.seq);
        findings.push(fail(
            format!("最后一条事件记录（第 {last} 条）已被改动，或其后的记录已被删除：与哈希链末端摘要不符"),
            format!(
                "The last event (#{last}) was altered, or events after it were removed: it no \
                 longer matches the chain's head"
            ),
        ));
    }
    if findings.len() == before {
        findings.push(pass(
            format!(
                "哈希链完整：{} 条事件记录依次相连，未被改动、删除或调换",
                json.events.len()
            ),
            format!(
                "The hash chain is intact: {} events, none altered, removed or reordered",
                json.events.len()
            ),
        ));
    }
}

fn check_signed_pdf(json: &EvidenceJson, signed_pdf: &[u8], findings: &mut Vec<Finding>) {
    let actual = sha256_hex(signed_pdf);
    let last = json.events.last().and_then(|e| e.hash_after.clone());
    match last {
        Some(after) if after == actual && json.signed_pdf_sha256 == actual => findings.push(pass(
            format!("签署文件 {SIGNED_PDF} 与证据一致：其 SHA-256 等于最后一条事件记录的操作后文件摘要"),
            format!("{SIGNED_PDF} matches the evidence: its SHA-256 equals the last event's after-hash"),
        )),
        Some(after) => findings.push(fail(
            format!(
                "签署文件与证据不符：{SIGNED_PDF} 的 SHA-256 为 {actual}，而最后一条事件记录的操作后文件摘要为 {after}（文件已被替换或改动）"
            ),
            format!(
                "{SIGNED_PDF} does not match the evidence: its SHA-256 is {actual}, but the last \
                 event's after-hash is {after} (the file was swapped or changed)"
            ),
        )),
        None => findings.push(fail(
            "最后一条事件记录没有操作后文件摘要，无法核对签署文件",
            "The last event has no after-hash: the signed file cannot be matched",
        )),
    }
}

fn check_report(
    report_pdf: &[u8],
    json_bytes: &[u8],
    options: &VerifyOptions,
    findings: &mut Vec<Finding>,
) {
    let report = match signet_pdf::verify_pdf(report_pdf, options) {
        Ok(report) => report,
        Err(e) => {
            findings.push(fail(
                format!("证据报告 {EVIDENCE_PDF} 无法读取：{e}"),
                format!("The report {EVIDENCE_PDF} cannot be read: {e}"),
            ));
            return;
        }
    };
    let signature = report.signatures.iter().find(|s| s.kind == "signature");
    match signature {
        Some(s) if s.valid && s.revision == s.revisions && s.timestamp.is_some() => {
            let signer = s
                .certificate
                .as_ref()
                .and_then(|c| c.common_name.clone())
                .unwrap_or_default();
            let at = s
                .timestamp
                .as_ref()
                .map(|t| t.time.clone())
                .unwrap_or_default();
            findings.push(pass(
                format!("证据报告的签名有效：由平台证书“{signer}”签署，可信时间戳 {at}，签署后未被改动"),
                format!("The report's signature is valid: signed by the platform's \"{signer}\", timestamped {at}, unchanged since"),
            ));
        }
        Some(s) => {
            let mut why = s.problems.join("; ");
            if s.revision != s.revisions {
                why = format!("{why}; the file was changed after the signature");
            }
            if s.timestamp.is_none() {
                why = format!("{why}; no timestamp");
            }
            findings.push(fail(
                format!("证据报告的签名无效：{why}"),
                format!("The report's signature is not valid: {why}"),
            ));
        }
        None => findings.push(fail("证据报告没有签名", "The report is not signed")),
    }
    let expected = sha256_hex(json_bytes);
    match signet_pdf::info::get(report_pdf, INFO_KEY) {
        Ok(Some(recorded)) if recorded == expected => findings.push(pass(
            format!("{EVIDENCE_JSON} 与已签名的证据报告一致（SHA-256 {expected}）"),
            format!("{EVIDENCE_JSON} is the file the signed report names (SHA-256 {expected})"),
        )),
        Ok(Some(recorded)) => findings.push(fail(
            format!(
                "{EVIDENCE_JSON} 与已签名的证据报告不符：报告记录的摘要为 {recorded}，实际为 {expected}（证据数据在签署报告后被改动）"
            ),
            format!(
                "{EVIDENCE_JSON} does not match the signed report: the report names SHA-256 \
                 {recorded}, the file has {expected} (the data changed after the report was signed)"
            ),
        )),
        Ok(None) | Err(_) => findings.push(fail(
            format!("证据报告中没有 {EVIDENCE_JSON} 的摘要"),
            format!("The report names no digest of {EVIDENCE_JSON}"),
        )),
    }
}

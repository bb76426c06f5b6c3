//! Public verification of a signed PDF (ES-15, seed 004 §2.10): `signet-pdf`'s verifier run
//! against this platform's CA, and its report told in plain words, Chinese and English, per
//! signature — who signed (masked where personal), under which certificate, whether it was
//! issued here ("files signed elsewhere are reported as such"), when (trusted timestamp), which
//! revision it covers, what changed after it, and the PAdES level.

use serde::Serialize;
use signet_pdf::verify::{CertificateSummary, Report, SignatureReport, verify_pdf_owned};
use signet_pdf::{Level, VerifyOptions};

use super::ContractsError;
use super::persons::mask_name;
use crate::Platform;
use crate::ca::{self, TrustMaterial};
use crate::error::CoreError;
use crate::platform::clock::Clock as _;

/// The largest file the public endpoint takes.
pub const MAX_PDF: usize = 50 * 1024 * 1024;

/// One sentence in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Words {
    pub zh: String,
    pub en: String,
}

fn words(zh: impl Into<String>, en: impl Into<String>) -> Words {
    Words {
        zh: zh.into(),
        en: en.into(),
    }
}

/// The signer as the public may see them: a person's name masked, an organisation in full.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignerView {
    /// The certificate's common name (a person's masked, e.g. `张*丰`).
    pub name: Option<String>,
    /// The organisation (an enterprise's certificate).
    pub organisation: Option<String>,
    /// `person`, `organisation` or `timestamp-authority`.
    pub kind: String,
}

/// The signer's certificate.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateView {
    /// The issuing CA's name.
    pub issuer: String,
    /// Lower-case hex.
    pub serial: String,
    pub not_before: i64,
    pub not_after: i64,
    /// Issued by one of this platform's CAs.
    pub issued_here: bool,
    /// Chains to this platform's root at the signing time.
    pub trusted: bool,
}

/// The signature's trusted time.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimestampView {
    /// RFC 3339, UTC.
    pub time: String,
    /// The time-stamping authority's name.
    pub authority: Option<String>,
    /// Intact and from a trusted authority.
    pub valid: bool,
}

/// One signature, checked and told.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignatureView {
    /// 1-based, in signing order.
    pub index: usize,
    /// `signature` or `document-timestamp`.
    pub kind: String,
    /// `valid`, `invalid` (broken, revoked or changed after signing) or `foreign` (intact,
    /// but not under a certificate of this platform).
    pub status: String,
    pub signer: SignerView,
    pub certificate: Option<CertificateView>,
    pub timestamp: Option<TimestampView>,
    /// 1-based revision the signature covers, and how many the file has.
    pub revision: usize,
    pub revisions: usize,
    /// Changes made after it that are allowed (later signatures, validation data, timestamps).
    pub allowed_changes: usize,
    /// Changes that break it, as the verifier names them.
    pub disallowed_changes: Vec<String>,
    /// `B-B`, `B-T`, `B-LT` or `B-LTA`.
    pub level: Option<String>,
    /// 1-based page of the visible signature.
    pub page: Option<usize>,
    /// The plain-language account, line by line.
    pub lines: Vec<Words>,
    /// The verifier's own findings (technical, English).
    pub problems: Vec<String>,
}

/// The whole file.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerificationReport {
    /// `valid` (every signature valid, all under this platform's certificates), `invalid`,
    /// `foreign` (intact signatures, but made elsewhere) or `unsigned`.
    pub verdict: String,
    /// True only for `valid`.
    pub valid: bool,
    pub summary: Words,
    pub revisions: usize,
    pub signatures: Vec<SignatureView>,
}

/// Verifies `pdf` against this platform's CA: not a PDF and unreadable PDFs are refused; a PDF
/// without signatures gets the `unsigned` verdict. Changes nothing.
pub async fn verify(platform: &Platform, pdf: Vec<u8>) -> Result<VerificationReport, CoreError> {
    if !looks_like_pdf(&pdf) {
        return Err(ContractsError::VerifyNotPdf.into());
    }
    let trust = ca::trust_material(platform).await?;
    let options = VerifyOptions {
        trust_roots: trust.roots.clone(),
        now: ca::system_time(platform.clock.now()),
        other_certificates: trust.others.clone(),
    };
    let report = tokio::task::spawn_blocking(move || verify_pdf_owned(pdf, &options, None))
        .await
        .map_err(|e| CoreError::internal(format!("verify: {e}")))?
        .map_err(|e| match e {
            signet_pdf::PdfError::NotPdf => ContractsError::VerifyNotPdf,
            other => ContractsError::VerifyUnreadable(other.to_string()),
        })?;
    Ok(describe(&report, &trust))
}

/// `%PDF-` within the first kilobyte, as readers accept it.
pub fn looks_like_pdf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5).any(|w| w == b"%PDF-")
}

/// The verifier's report in words.
pub fn describe(report: &Report, trust: &TrustMaterial) -> VerificationReport {
    let signatures: Vec<SignatureView> = report
        .signatures
        .iter()
        .enumerate()
        .map(|(i, s)| signature(i + 1, s, trust))
        .collect();
    let (verdict, summary) = verdict(&signatures);
    VerificationReport {
        valid: verdict == "valid",
        verdict: verdict.to_owned(),
        summary,
        revisions: report.revisions,
        signatures,
    }
}

fn verdict(signatures: &[SignatureView]) -> (&'static str, Words) {
    let count = signatures.len();
    let people = signatures.iter().filter(|s| s.kind == "signature").count();
    if count == 0 {
        return (
            "unsigned",
            words(
                "该 PDF 文件中没有任何电子签名，无法证明它由谁签署、签署后是否被改动。",
                "This PDF holds no electronic signature: nothing shows who signed it or whether \
                 it changed since.",
            ),
        );
    }
    if let Some(broken) = signatures.iter().find(|s| s.status == "invalid") {
        return (
            "invalid",
            words(
                format!(
                    "验证未通过：第 {} 个签名无效（见下方说明），该文件不能作为有效的签署文件使用。",
                    broken.index
                ),
                format!(
                    "Verification failed: signature {} is not valid (see below); do not rely on \
                     this file as signed.",
                    broken.index
                ),
            ),
        );
    }
    if signatures.iter().any(|s| s.status == "foreign") {
        return (
            "foreign",
            words(
                "该文件的签名不是由本平台签发的证书所签（在其他 CA 或其他平台签署的文件）。\
                 签名本身完整，但本平台只能证明在本平台签署的文件的有效性。",
                "This file was signed elsewhere: its signatures are not under certificates of \
                 this platform. They are intact, but this platform vouches only for files signed \
                 here.",
            ),
        );
    }
    (
        "valid",
        words(
            format!(
                "验证通过：文件共有 {people} 个签名（另有 {} 个文档时间戳），全部有效，均使用本平台签发的证书签署，\
                 签署后文件内容未被篡改。",
                count - people
            ),
            format!(
                "Verified: the file's {people} signature(s) (and {} document timestamp(s)) are \
                 all valid, made with certificates issued by this platform, and the content has \
                 not changed since signing.",
                count - people
            ),
        ),
    )
}

fn signer_view(signature: &SignatureReport) -> SignerView {
    let certificate = signature.certificate.as_ref();
    let organisation = certificate.and_then(|c| c.organisation.clone());
    let name = certificate.and_then(|c| c.common_name.clone());
    if signature.kind == "document-timestamp" {
        return SignerView {
            name,
            organisation,
            kind: "timestamp-authority".into(),
        };
    }
    match organisation {
        Some(organisation) => SignerView {
            name,
            organisation: Some(organisation),
            kind: "organisation".into(),
        },
        // A person's certificate: the name masked as in every list of the platform.
        None => SignerView {
            name: name.as_deref().map(mask_name),
            organisation: None,
            kind: "person".into(),
        },
    }
}

fn certificate_view(
    certificate: &CertificateSummary,
    trusted: bool,
    trust: &TrustMaterial,
) -> CertificateView {
    CertificateView {
        issuer: certificate
            .issuer_common_name
            .clone()
            .unwrap_or_else(|| certificate.issuer.clone()),
        serial: certificate.serial.clone(),
        not_before: certificate.not_before,
        not_after: certificate.not_after,
        issued_here: trust.issued_here(certificate.authority_key_id.as_deref()),
        trusted,
    }
}

fn signature(index: usize, s: &SignatureReport, trust: &TrustMaterial) -> SignatureView {
    let signer = signer_view(s);
    let certificate = s
        .certificate
        .as_ref()
        .map(|c| certificate_view(c, s.trusted, trust));
    let issued_here = certificate.as_ref().is_some_and(|c| c.issued_here);
    let status = if s.valid {
        "valid"
    } else if s.intact && !s.trusted && !issued_here && s.changes.disallowed.is_empty() {
        "foreign"
    } else {
        "invalid"
    };
    let timestamp = s.timestamp.as_ref().map(|t| TimestampView {
        time: t.time.clone(),
        authority: t
            .authority
            .as_ref()
            .and_then(|a| a.common_name.clone().or_else(|| Some(a.subject.clone()))),
        valid: t.intact && t.trusted,
    });
    let mut view = SignatureView {
        index,
        kind: s.kind.clone(),
        status: status.into(),
        signer,
        certificate,
        timestamp,
        revision: s.revision,
        revisions: s.revisions,
        allowed_changes: s.changes.allowed.len(),
        disallowed_changes: s.changes.disallowed.clone(),
        level: s.level.map(level_name),
        page: s.page,
        lines: Vec::new(),
        problems: s.problems.clone(),
    };
    view.lines = lines(&view, s);
    view
}

fn level_name(level: Level) -> String {
    match level {
        Level::BB => "B-B",
        Level::BT => "B-T",
        Level::BLT => "B-LT",
        Level::BLTA => "B-LTA",
    }
    .into()
}

/// `2026-12-07T01:02:03Z` in Beijing time for Chinese, UTC for English.
fn when(rfc3339: &str) -> Words {
    let parsed =
        time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339);
    match parsed {
        Ok(at) => {
            let beijing = at.to_offset(time::macros::offset!(+8));
            let format =
                time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
            words(
                format!("{}（北京时间）", beijing.format(format).unwrap_or_default()),
                format!("{} UTC", at.format(format).unwrap_or_default()),
            )
        }
        Err(_) => words(rfc3339, rfc3339),
    }
}

fn day(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.to_offset(time::macros::offset!(+8)))
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!("[year]-[month]-[day]"))
                .ok()
        })
        .unwrap_or_default()
}

fn who(view: &SignatureView) -> Words {
    let name = view.signer.name.clone().unwrap_or_else(|| "?".into());
    match view.signer.kind.as_str() {
        "timestamp-authority" => words(
            format!("文档时间戳，由时间戳服务“{name}”加盖"),
            format!("Document timestamp by the time-stamping authority \"{name}\""),
        ),
        "organisation" => {
            let organisation = view.signer.organisation.clone().unwrap_or_default();
            if name == organisation {
                words(
                    format!("签署单位：{organisation}"),
                    format!("Signed by the organisation {organisation}"),
                )
            } else {
                words(
                    format!("签署单位：{organisation}（证书名称：{name}）"),
                    format!("Signed by the organisation {organisation} (certificate: {name})"),
                )
            }
        }
        _ => words(
            format!("签署人：{name}（个人）"),
            format!("Signed by {name} (a person)"),
        ),
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "one line of the report after another, as read"
)]
fn lines(view: &SignatureView, s: &SignatureReport) -> Vec<Words> {
    let mut out = vec![who(view)];
    match &view.certificate {
        Some(c) => {
            let validity = format!("{} — {}", day(c.not_before), day(c.not_after));
            out.push(if c.issued_here {
                words(
                    format!(
                        "证书：本平台 CA（{}）签发，序列号 {}，有效期 {validity}",
                        c.issuer,
                        short_serial(&c.serial)
                    ),
                    format!(
                        "Certificate: issued by this platform's CA ({}), serial {}, valid {validity}",
                        c.issuer,
                        short_serial(&c.serial)
                    ),
                )
            } else {
                words(
                    format!(
                        "证书：由其他 CA（{}）签发，不是本平台的证书，序列号 {}，有效期 {validity}",
                        c.issuer,
                        short_serial(&c.serial)
                    ),
                    format!(
                        "Certificate: issued elsewhere ({}), not by this platform; serial {}, valid \
                         {validity}",
                        c.issuer,
                        short_serial(&c.serial)
                    ),
                )
            });
        }
        None => out.push(words(
            "签名中没有签署人证书",
            "The signature carries no signer certificate",
        )),
    }
    out.push(match &view.timestamp {
        Some(t) if t.valid => {
            let at = when(&t.time);
            let authority = t.authority.clone().unwrap_or_default();
            words(
                format!("签署时间：{}，由可信时间戳服务“{authority}”证明", at.zh),
                format!(
                    "Signed at {}, proven by the trusted timestamp of \"{authority}\"",
                    at.en
                ),
            )
        }
        Some(_) => words(
            "时间戳无效，签署时间无法证明",
            "The timestamp is not valid: the signing time is not proven",
        ),
        None => {
            let claimed = s.claimed_time.clone().unwrap_or_default();
            words(
                format!("没有可信时间戳；签署时间仅为签署方自述（{claimed}）"),
                format!("No trusted timestamp: the signing time is only claimed ({claimed})"),
            )
        }
    });
    out.push(if s.intact {
        words(
            format!(
                "完整性：签名覆盖文件第 {} 版（共 {} 版），所覆盖的内容未被改动",
                view.revision, view.revisions
            ),
            format!(
                "Integrity: the signature covers revision {} of {}, and those bytes are unchanged",
                view.revision, view.revisions
            ),
        )
    } else {
        words(
            "完整性：签名所覆盖的内容已被改动，签名已失效",
            "Integrity: the signed content has been altered; the signature is broken",
        )
    });
    out.push(if !view.disallowed_changes.is_empty() {
        words(
            format!(
                "签署后文件被修改了 {} 处（如页面内容或表单），这些修改不被允许",
                view.disallowed_changes.len()
            ),
            format!(
                "After signing, the file was changed in {} place(s) (page content, forms) that \
                 a signature does not allow",
                view.disallowed_changes.len()
            ),
        )
    } else if view.revision < view.revisions {
        words(
            format!(
                "签署后只追加了 {} 项允许的内容（后续签名、验证数据或时间戳）",
                view.allowed_changes
            ),
            format!(
                "After signing, only {} allowed addition(s) were made (later signatures, \
                 validation data or timestamps)",
                view.allowed_changes
            ),
        )
    } else {
        words(
            "签署后文件没有任何改动",
            "Nothing was added after this signature",
        )
    });
    if let Some(level) = &view.level {
        let (zh, en) = match level.as_str() {
            "B-LTA" => (
                "长期有效，含验证数据和文档时间戳",
                "long-term, with validation data and a document timestamp",
            ),
            "B-LT" => ("含验证数据", "with validation data"),
            "B-T" => ("含可信时间戳", "with a trusted timestamp"),
            _ => ("基础签名", "basic signature"),
        };
        out.push(words(
            format!("签名级别：PAdES {level}（{zh}）"),
            format!("Level: PAdES {level} ({en})"),
        ));
    }
    out.push(match view.status.as_str() {
        "valid" => words("结论：该签名有效", "Verdict: this signature is valid"),
        "foreign" => words(
            "结论：签名完整，但不是在本平台签署的，本平台无法证明其有效性",
            "Verdict: intact, but signed elsewhere; this platform cannot vouch for it",
        ),
        _ => words("结论：该签名无效", "Verdict: this signature is NOT valid"),
    });
    out
}

/// A serial short enough to read aloud: its first and last eight hex digits.
fn short_serial(serial: &str) -> String {
    if serial.len() <= 20 {
        serial.to_owned()
    } else {
        format!("{}…{}", &serial[..8], &serial[serial.len() - 8..])
    }
}

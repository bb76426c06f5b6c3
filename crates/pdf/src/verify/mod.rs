//! Verifying every signature in a PDF: integrity, trust, timestamps, revocation, later changes.

pub mod certificate;
pub mod changes;
pub mod cms;
pub mod digests;
pub mod history;
pub mod revocation;

use std::collections::HashMap;
use std::time::SystemTime;

use ::cms::signed_data::SignedData;
use der::asn1::ObjectIdentifier;
use signet_pki::algorithm::SHA256;
use signet_pki::signer::Sm2Ids;
use x509_cert::Certificate;

use crate::chain::{Links, extend_unique};
use crate::digest::RunningHash;
use crate::dss::{RevocationSource, read_dss};
use crate::error::Result;
use crate::reader::{self, find, rfind};
use crate::sign::Level;
use crate::sign::cms::hash;
use crate::signatures::{FoundSignature, find_signatures, signature_timestamps, signed_data};
pub use certificate::CertificateSummary;
pub use changes::Changes;
use digests::SignedRanges;
pub use revocation::RevocationEntry;

/// What to trust, and when "now" is.
#[derive(Clone, Debug)]
pub struct VerifyOptions {
    /// Trust anchors.
    pub trust_roots: Vec<Certificate>,
    /// The current time (injected clock).
    pub now: SystemTime,
    /// More certificates to build chains with (e.g. a TSA's issuer: tokens carry only the
    /// TSA's own certificate).
    pub other_certificates: Vec<Certificate>,
}

/// A timestamp's result.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TimestampReport {
    /// genTime, RFC 3339-ish.
    pub time: String,
    /// The token's signature and imprint check out.
    pub intact: bool,
    /// The TSA chains to a trust root.
    pub trusted: bool,
    /// Why not, when not.
    pub problem: Option<String>,
    /// The time-stamping authority (the token's signer), when the token names it.
    pub authority: Option<CertificateSummary>,
}

/// One signature's result.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SignatureReport {
    /// Field name.
    pub field: String,
    /// `signature` or `document-timestamp`.
    pub kind: String,
    /// `/SubFilter`.
    pub sub_filter: String,
    /// Signer (or TSA) subject.
    pub signer: Option<String>,
    /// Chain subjects, leaf first.
    pub chain: Vec<String>,
    /// The signer's (or TSA's) certificate.
    pub certificate: Option<CertificateSummary>,
    /// The bytes are as signed.
    pub intact: bool,
    /// The chain reaches a trust root.
    pub trusted: bool,
    /// 1-based revision this signature covers.
    pub revision: usize,
    /// Revisions in the file.
    pub revisions: usize,
    /// What changed after it.
    pub changes: Changes,
    /// Signature timestamp (or the document timestamp itself).
    pub timestamp: Option<TimestampReport>,
    /// Revocation status of each certificate below the root, at signing time.
    pub revocation: Vec<RevocationEntry>,
    /// PAdES level reached.
    pub level: Option<Level>,
    /// `/M`.
    pub claimed_time: Option<String>,
    /// 1-based page of the widget.
    pub page: Option<usize>,
    /// Intact, trusted, not revoked, no disallowed change, timestamp (if any) valid.
    pub valid: bool,
    /// Everything wrong, in words.
    pub problems: Vec<String>,
}

/// The whole file's result.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    /// Each signature and document timestamp, in signing order.
    pub signatures: Vec<SignatureReport>,
    /// Revisions in the file.
    pub revisions: usize,
    /// There is at least one signature and every one is valid.
    pub all_valid: bool,
}

fn time_text(time: SystemTime) -> String {
    der::DateTime::from_system_time(time).map_or_else(|_| "?".into(), |t| format!("{t}"))
}

/// Ends of revisions: the byte after each `%%EOF` (and its line end).
fn revision_ends(bytes: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut at = 0;
    while let Some(found) = find(&bytes[at..], b"%%EOF") {
        let mut end = at + found + 5;
        while end < bytes.len() && matches!(bytes[end], b'\r' | b'\n') {
            end += 1;
        }
        ends.push(end);
        at = end;
    }
    ends
}

/// Verify every signature of `input`, revocation from `/DSS` only.
pub fn verify_pdf(input: &[u8], options: &VerifyOptions) -> Result<Report> {
    verify_pdf_online(input, options, None)
}

/// Verify every signature of `input`; a certificate `/DSS` has no evidence for is asked about
/// through `online` (an OCSP responder or CRL), when given. A failed online check is a problem
/// that makes the signature invalid (hard-fail): the caller asked for the status.
pub fn verify_pdf_online(
    input: &[u8],
    options: &VerifyOptions,
    online: Option<&dyn RevocationSource>,
) -> Result<Report> {
    verify_pdf_owned(input.to_vec(), options, online)
}

/// [`verify_pdf_online`] on a file the caller hands over: it is held once, parsed lean, and
/// read once to compute every signature's digest.
pub fn verify_pdf_owned(
    input: Vec<u8>,
    options: &VerifyOptions,
    online: Option<&dyn RevocationSource>,
) -> Result<Report> {
    let pdf = reader::load_lean(input)?;
    let found = find_signatures(&pdf)?;
    // Each signature's CMS is decoded once: for the digest it declares, then to be verified.
    let mut decoded: Vec<Option<Result<SignedData>>> = found
        .iter()
        .map(|s| Some(signed_data(&s.contents)))
        .collect();
    let digests = all_digests(&pdf.bytes, &found, &decoded)?;
    let dss = read_dss(&pdf);
    let ends = revision_ends(&pdf.bytes);
    let mut pool: Vec<Certificate> = options.other_certificates.clone();
    extend_unique(
        &mut pool,
        dss.certificates
            .iter()
            .filter_map(|d| cms::parse_certificate(d)),
    );
    // What later revisions changed, for every signature at once: the revisions are rewound
    // from the final graph, newest first, instead of each parsed from the start of the file.
    let signed_ends: Vec<Option<usize>> = found
        .iter()
        .map(|s| signed_ranges(s, &pdf.bytes).map(|r| r.end))
        .collect();
    let mut later = history::later_changes(&pdf, &signed_ends);
    let mut links = Links::default();
    let mut reports = Vec::new();
    for (index, signature) in found.iter().enumerate() {
        let ahead = Ahead {
            index,
            digests: &digests,
            ends: &ends,
            later: later[index].take(),
            signed: decoded[index].take(),
        };
        let mut context = Context {
            dss: &dss,
            pool: &mut pool,
            links: &mut links,
            options,
            online,
        };
        reports.push(verify_one(&pdf, signature, ahead, &mut context));
    }
    // B-LTA: a valid document timestamp after a B-LT signature.
    let timestamps: Vec<(usize, bool)> = reports
        .iter()
        .filter(|r| r.kind == "document-timestamp")
        .map(|r| (r.revision, r.valid))
        .collect();
    for report in &mut reports {
        if report.level == Some(Level::BLT)
            && timestamps
                .iter()
                .any(|(revision, valid)| *valid && *revision > report.revision)
        {
            report.level = Some(Level::BLTA);
        }
    }
    let all_valid = !reports.is_empty() && reports.iter().all(|r| r.valid);
    Ok(Report {
        signatures: reports,
        revisions: ends.len(),
        all_valid,
    })
}

/// `[0, a)` and `[b, end)` of a well-formed `/ByteRange`: four numbers around a `<…>` hole,
/// inside the file.
fn signed_ranges(signature: &FoundSignature, bytes: &[u8]) -> Option<SignedRanges> {
    let range: Vec<usize> = signature
        .byte_range
        .iter()
        .map(|v| usize::try_from(*v).unwrap_or(usize::MAX))
        .collect();
    match range.as_slice() {
        [0, a, b, c]
            if a < b
                && b.checked_add(*c).is_some_and(|e| e <= bytes.len())
                && bytes.get(*a) == Some(&b'<')
                && bytes.get(b - 1) == Some(&b'>') =>
        {
            Some(SignedRanges {
                hole_start: *a,
                hole_end: *b,
                end: b + c,
            })
        }
        _ => None,
    }
}

/// The digests each signature will ask for, computed in one pass: its signer's declared
/// digest algorithm (and SHA-256 for document timestamps, the imprint we write).
fn all_digests(
    bytes: &[u8],
    found: &[FoundSignature],
    decoded: &[Option<Result<SignedData>>],
) -> Result<HashMap<(usize, ObjectIdentifier), Vec<u8>>> {
    let mut wanted = Vec::new();
    for (index, signature) in found.iter().enumerate() {
        let Some(ranges) = signed_ranges(signature, bytes) else {
            continue;
        };
        let declared = decoded
            .get(index)
            .and_then(|d| d.as_ref()?.as_ref().ok())
            .and_then(|signed| {
                signed
                    .signer_infos
                    .0
                    .iter()
                    .next()
                    .map(|info| info.digest_alg.oid)
            });
        let mut algorithms: Vec<ObjectIdentifier> = declared.into_iter().collect();
        if signature.document_timestamp && !algorithms.contains(&SHA256) {
            algorithms.push(SHA256);
        }
        for algorithm in algorithms {
            if RunningHash::new(algorithm).is_ok() {
                wanted.push((index, ranges, algorithm));
            }
        }
    }
    digests::one_pass(bytes, &wanted)
}

/// What is computed once for the whole file, and which signature is being verified.
struct Ahead<'a> {
    index: usize,
    digests: &'a HashMap<(usize, ObjectIdentifier), Vec<u8>>,
    /// Ends of revisions.
    ends: &'a [usize],
    /// What later revisions changed (none when this signature covers the whole file).
    later: Option<Result<Changes>>,
    /// The signature's CMS, decoded ahead (`None`: decode it here).
    signed: Option<Result<SignedData>>,
}

/// What every signature's verification reads and adds to.
struct Context<'a> {
    dss: &'a crate::dss::DssContent,
    /// Certificates to build chains with, growing with what each signature carries.
    pool: &'a mut Vec<Certificate>,
    /// Chain links checked so far.
    links: &'a mut Links,
    options: &'a VerifyOptions,
    online: Option<&'a dyn RevocationSource>,
}

fn verify_one(
    pdf: &reader::Pdf,
    signature: &FoundSignature,
    ahead: Ahead<'_>,
    context: &mut Context<'_>,
) -> SignatureReport {
    let Context {
        dss,
        pool,
        links,
        options,
        online,
    } = context;
    let (dss, options, online) = (*dss, *options, *online);
    let mut problems = Vec::new();
    let bytes = &pdf.bytes;
    let ranges = signed_ranges(signature, bytes);
    let well_formed = ranges.is_some();
    let (a, b, end) = ranges.map_or((0, 0, 0), |r| (r.hole_start, r.hole_end, r.end));
    if !well_formed {
        problems.push("byte range is malformed or does not match the /Contents hole".into());
    }
    let revision = ahead
        .ends
        .iter()
        .position(|e| *e == end || (*e > end && bytes[end..*e].iter().all(u8::is_ascii_whitespace)))
        .map_or(0, |i| i + 1);
    if well_formed && revision == 0 {
        problems.push("the signed range does not end at a revision boundary".into());
    }
    let parts: [&[u8]; 2] = if well_formed {
        [&bytes[..a], &bytes[b..end]]
    } else {
        [&[], &[]]
    };
    let digest_of = |algorithm: ObjectIdentifier| match ahead.digests.get(&(ahead.index, algorithm))
    {
        Some(digest) => Ok(digest.clone()),
        None => hash(algorithm, &parts),
    };
    let mut report = SignatureReport {
        field: signature.field_name.clone(),
        kind: if signature.document_timestamp {
            "document-timestamp"
        } else {
            "signature"
        }
        .into(),
        sub_filter: signature.sub_filter.clone(),
        signer: None,
        chain: Vec::new(),
        certificate: None,
        intact: false,
        trusted: false,
        revision,
        revisions: ahead.ends.len(),
        changes: Changes::default(),
        timestamp: None,
        revocation: Vec::new(),
        level: None,
        claimed_time: signature.claimed_time.clone(),
        page: signature.page.map(|p| p + 1),
        valid: false,
        problems: Vec::new(),
    };
    // Integrity and timestamp.
    let (check, timestamp_time) = if signature.document_timestamp {
        let (check, time) = cms::check_token(&signature.contents, &digest_of);
        (check, time)
    } else {
        let signed = match ahead.signed {
            Some(signed) => signed,
            None => signed_data(&signature.contents),
        };
        match signed {
            Ok(signed) => {
                let check = cms::check_signer(&signed, &digest_of);
                // The signer's chain often holds the TSA's issuer too.
                extend_unique(pool, check.carried.clone());
                let mut time = None;
                if let Some(token) = signature_timestamps(&signed).first() {
                    let imprint = check.signature.clone();
                    let (token_check, token_time) =
                        cms::check_token(token, &|alg| hash(alg, &[&imprint]));
                    extend_unique(pool, token_check.carried.clone());
                    let (trusted, problem) = trust(
                        token_check.signer.as_ref(),
                        pool,
                        links,
                        options,
                        token_time.unwrap_or(options.now),
                    );
                    let intact = token_check.error.is_none();
                    report.timestamp = Some(TimestampReport {
                        time: token_time.map(time_text).unwrap_or_default(),
                        intact,
                        trusted,
                        problem: token_check.error.clone().or(problem),
                        authority: token_check.signer.as_ref().map(certificate::summary),
                    });
                    if intact && trusted {
                        time = token_time;
                    } else {
                        problems.push("signature timestamp is not valid".into());
                    }
                }
                (check, time)
            }
            Err(e) => {
                problems.push(format!("signature is not CMS: {e}"));
                report.problems = problems;
                return report;
            }
        }
    };
    extend_unique(pool, check.carried.clone());
    report.signer = check
        .signer
        .as_ref()
        .map(|c| certificate::name_text(c.tbs_certificate().subject()));
    report.certificate = check.signer.as_ref().map(certificate::summary);
    report.intact = well_formed && check.error.is_none();
    if let Some(error) = &check.error {
        problems.push(error.clone());
    }
    let at = timestamp_time.unwrap_or(options.now);
    let (trusted, problem) = trust(check.signer.as_ref(), pool, links, options, at);
    report.trusted = trusted;
    if let Some(problem) = problem {
        problems.push(problem);
    }
    if signature.document_timestamp {
        report.timestamp = Some(TimestampReport {
            time: timestamp_time.map(time_text).unwrap_or_default(),
            intact: report.intact,
            trusted,
            problem: None,
            authority: report.certificate.clone(),
        });
    }
    // Chain and revocation at signing time.
    if let Some(signer) = &check.signer {
        let chain = links.chain(signer, &[pool.as_slice(), options.trust_roots.as_slice()]);
        report.chain = chain
            .iter()
            .map(|c| certificate::name_text(c.tbs_certificate().subject()))
            .collect();
        for pair in chain.windows(2) {
            if !links.self_signed(&pair[0]) {
                let entry = revocation::status_with(&pair[0], &pair[1], dss, at, online);
                if let Some(error) = &entry.error {
                    problems.push(format!("online revocation check failed: {error}"));
                }
                report.revocation.push(entry);
            }
        }
    }
    if report.revocation.iter().any(|r| r.status == "revoked") {
        problems.push("a certificate in the chain was revoked at signing time".into());
    }
    // Later changes.
    match ahead.later {
        Some(Ok(changes)) => report.changes = changes,
        Some(Err(e)) => problems.push(format!("signed revision does not parse: {e}")),
        None => {}
    }
    for change in &report.changes.disallowed {
        problems.push(format!("modified after signing: {change}"));
    }
    // The level describes the file: evidence fetched online does not count.
    let complete_revocation = !report.revocation.is_empty()
        && report.revocation.iter().all(|r| {
            r.status == "good" && r.source.as_deref().is_some_and(|s| !s.ends_with("-online"))
        });
    if !signature.document_timestamp && report.intact {
        report.level = Some(if timestamp_time.is_none() {
            Level::BB
        } else if complete_revocation {
            Level::BLT
        } else {
            Level::BT
        });
    }
    report.valid = problems.is_empty() && report.intact && report.trusted;
    report.problems = problems;
    report
}

/// Whether `leaf` chains to a trust root at `at` (the links of a path found are remembered).
fn trust(
    leaf: Option<&Certificate>,
    pool: &[Certificate],
    links: &mut Links,
    options: &VerifyOptions,
    at: SystemTime,
) -> (bool, Option<String>) {
    let Some(leaf) = leaf else {
        return (false, Some("no signer certificate".into()));
    };
    match signet_pki::validate::validate_path_cached(
        leaf,
        pool,
        &options.trust_roots,
        at,
        Sm2Ids::EITHER,
        &mut links.validated,
    ) {
        Ok(path) => {
            links.verified(&path);
            (true, None)
        }
        Err(e) => (false, Some(format!("not trusted: {e}"))),
    }
}

/// Whether the tail after the last revision is only whitespace (used by tests and the CLI).
pub fn ends_cleanly(bytes: &[u8]) -> bool {
    rfind(bytes, b"%%EOF").is_some_and(|p| bytes[p + 5..].iter().all(u8::is_ascii_whitespace))
}

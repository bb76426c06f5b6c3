//! `signet verify`: check every signature of a PDF; exit 0 only when all are valid and trusted.
//! `signet verify --evidence FILE.zip`: check an evidence package offline (hash chain, JSON
//! against the signed report, signed PDF against the last event, the report's signature).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use clap::Args;
use signet_core::platform::clock::{Clock as _, SystemClock};
use signet_pdf::dss::{HttpRevocation, RevocationSource};
use signet_pdf::verify::verify_pdf_owned;
use signet_pdf::{Credentials, VerifyOptions};

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The PDF to verify.
    #[arg(required_unless_present = "evidence", conflicts_with = "evidence")]
    file: Option<PathBuf>,
    /// An evidence package (.zip) to check offline instead of a PDF. Without --trust the
    /// report is checked against the root certificate the package itself carries.
    #[arg(long)]
    evidence: Option<PathBuf>,
    /// Trust anchors (PEM, one or more roots).
    #[arg(long)]
    trust: Option<PathBuf>,
    /// Intermediate certificates to build chains with (e.g. the TSA's issuer).
    #[arg(long)]
    other_certs: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Ask each certificate's OCSP responder (else its CRL) when the file's /DSS holds no
    /// revocation data for it; a failed check makes the signature invalid. Off by default.
    #[arg(long)]
    online: bool,
    /// Seconds to wait for each OCSP responder or CRL download (with --online).
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// With --online, also ask responders on loopback, private and link-local addresses. Off by
    /// default: the URLs come from the file, whose author could aim them at your own network.
    #[arg(long, requires = "online")]
    allow_private: bool,
}

/// Now, from the platform's clock.
pub fn now() -> SystemTime {
    let seconds = u64::try_from(SystemClock::default().now()).unwrap_or(0);
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
}

/// The certificates in a PEM file, or none without one.
pub fn certificates(path: Option<&PathBuf>) -> anyhow::Result<Vec<x509_cert::Certificate>> {
    match path {
        Some(path) => {
            let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            Credentials::parse_pem(&pem).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        }
        None => Ok(Vec::new()),
    }
}

pub fn run(args: &VerifyArgs) -> anyhow::Result<()> {
    if let Some(package) = &args.evidence {
        return evidence(args, package);
    }
    let Some(file) = &args.file else {
        anyhow::bail!("name a PDF, or an evidence package with --evidence");
    };
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let options = VerifyOptions {
        trust_roots: certificates(args.trust.as_ref())?,
        now: now(),
        other_certificates: certificates(args.other_certs.as_ref())?,
    };
    let online = args.online.then(|| HttpRevocation {
        timeout: Duration::from_secs(args.timeout),
        now: options.now,
        allow_private: args.allow_private,
    });
    let report = verify_pdf_owned(
        bytes,
        &options,
        online.as_ref().map(|o| o as &dyn RevocationSource),
    )
    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{}: {} 个签名 / signatures, {} 个版本 / revisions",
            file.display(),
            report.signatures.len(),
            report.revisions
        );
        for s in &report.signatures {
            let verdict = if s.valid {
                "有效 VALID"
            } else {
                "无效 INVALID"
            };
            let level = s.level.map(|l| format!("{l:?}")).unwrap_or_default();
            println!(
                "- {} [{}] {verdict}  signer: {}  intact: {}  trusted: {}  revision {}/{} {level}",
                s.field,
                s.kind,
                s.signer.as_deref().unwrap_or("?"),
                s.intact,
                s.trusted,
                s.revision,
                s.revisions,
            );
            for entry in &s.revocation {
                println!(
                    "    revocation: {}  {} ({})",
                    entry.subject,
                    entry.status,
                    entry.source.as_deref().unwrap_or("no evidence")
                );
            }
            for problem in &s.problems {
                println!("    ! {problem}");
            }
        }
    }
    anyhow::ensure!(report.all_valid, "not every signature is valid and trusted");
    Ok(())
}

/// `--evidence`: every finding, then the verdict; an error (exit code 1) when any failed.
fn evidence(args: &VerifyArgs, package: &std::path::Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(package).with_context(|| format!("reading {}", package.display()))?;
    let verdict =
        signet_core::contracts::evidence::check(&bytes, certificates(args.trust.as_ref())?, now());
    if args.json {
        println!("{}", serde_json::to_string_pretty(&verdict)?);
    } else {
        println!("{}: 证据包 / evidence package", package.display());
        if let Some(task) = &verdict.task {
            println!(
                "  任务 / task: {} ({}), 文件 / document: {} ({}), {} 条事件 / events",
                task.task_title, task.task_id, task.document_name, task.document_id, verdict.events
            );
        }
        for finding in &verdict.findings {
            let mark = if finding.ok { "✓" } else { "✗" };
            println!("  {mark} {}\n    {}", finding.zh, finding.en);
        }
        if verdict.trust_from_package {
            println!(
                "  ! 未指定 --trust：报告签名按证据包自带的根证书核验 / no --trust given: the \
                 report was checked against the root the package carries"
            );
        }
        if verdict.ok {
            println!("结论 / verdict: 证据包完整有效 / the evidence package is intact and valid");
        } else {
            println!("结论 / verdict: 证据包未通过核验 / the evidence package FAILED the check");
        }
    }
    anyhow::ensure!(verdict.ok, "the evidence package failed the check");
    Ok(())
}

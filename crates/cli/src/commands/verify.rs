//! `signet verify`: check every signature of a PDF; exit 0 only when all are valid and trusted.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use clap::Args;
use signet_core::platform::clock::{Clock as _, SystemClock};
use signet_pdf::{Credentials, VerifyOptions, verify_pdf};

#[derive(Args, Debug)]
pub struct VerifyArgs {
    file: PathBuf,
    /// Trust anchors (PEM, one or more roots).
    #[arg(long)]
    trust: Option<PathBuf>,
    /// Intermediate certificates to build chains with (e.g. the TSA's issuer).
    #[arg(long)]
    other_certs: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Now, from the platform's clock.
pub fn now() -> SystemTime {
    let seconds = u64::try_from(SystemClock::default().now()).unwrap_or(0);
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
}

fn certificates(path: Option<&PathBuf>) -> anyhow::Result<Vec<x509_cert::Certificate>> {
    match path {
        Some(path) => {
            let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            Credentials::parse_pem(&pem).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        }
        None => Ok(Vec::new()),
    }
}

pub fn run(args: &VerifyArgs) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let options = VerifyOptions {
        trust_roots: certificates(args.trust.as_ref())?,
        now: now(),
        other_certificates: certificates(args.other_certs.as_ref())?,
    };
    let report = verify_pdf(&bytes, &options)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{}: {} 个签名 / signatures, {} 个版本 / revisions",
            args.file.display(),
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
            for problem in &s.problems {
                println!("    ! {problem}");
            }
        }
    }
    anyhow::ensure!(report.all_valid, "not every signature is valid and trusted");
    Ok(())
}

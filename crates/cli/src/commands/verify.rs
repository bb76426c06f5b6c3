//! `signet verify`: check every signature of a PDF; exit 0 only when all are valid and trusted.

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
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
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

//! `signet pdf sign`: add a PAdES signature (with an optional seal or riding seal) to a PDF as an
//! incremental update, keeping earlier signatures valid.

#![expect(
    clippy::doc_markdown,
    reason = "clap prints these doc comments as --help text, where backticks would show"
)]

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use signet_pdf::dss::HttpRevocation;
use signet_pdf::seal::{RidingSeal, VisibleSeal};
use signet_pdf::sign::sign_pdf_owned;
use signet_pdf::sign::timestamp::HttpTsa;
use signet_pdf::{Credentials, Level, SignOptions};

use super::verify::{certificates, now};

#[derive(Subcommand, Debug)]
pub enum PdfCommand {
    /// Sign a PDF.
    Sign(SignArgs),
}

#[derive(Args, Debug)]
pub struct SignArgs {
    #[arg(long = "in")]
    input: PathBuf,
    #[arg(long)]
    out: PathBuf,
    /// The signer's certificate (PEM).
    #[arg(long)]
    cert: PathBuf,
    /// The signer's private key (unencrypted PKCS#8 PEM: RSA, P-256 or SM2).
    #[arg(long)]
    key: PathBuf,
    /// Issuing CA certificates (PEM), embedded in the signature.
    #[arg(long)]
    chain: Option<PathBuf>,
    /// B-B, B-T (needs --tsa), B-LT or B-LTA (need --tsa; revocation data for /DSS is fetched
    /// from each certificate's OCSP responder, else its CRL, and signing fails if it cannot be).
    #[arg(long, default_value = "B-B")]
    level: String,
    /// RFC 3161 timestamp authority, e.g. http://127.0.0.1:8080/pki/ecc/tsa.
    #[arg(long)]
    tsa: Option<String>,
    /// More certificates (PEM) for /DSS at B-LT/B-LTA, e.g. the TSA's issuing CA and root when
    /// they are not in --chain.
    #[arg(long)]
    other_certs: Option<PathBuf>,
    /// Seconds to wait for the TSA, each OCSP responder and each CRL download.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// A seal image (transparent PNG) shown at --page and --rect.
    #[arg(long, requires_all = ["page", "rect"])]
    seal: Option<PathBuf>,
    /// 1-based page of the seal.
    #[arg(long)]
    page: Option<usize>,
    /// X,Y,W,H in points from the lower-left corner of the page as displayed
    /// (crop box, after /Rotate).
    #[arg(long)]
    rect: Option<String>,
    /// A riding (cross-page) seal image cut across --pages.
    #[arg(long, requires = "pages")]
    riding_seal: Option<PathBuf>,
    /// Page range A-B of the riding seal.
    #[arg(long)]
    pages: Option<String>,
}

fn parse_rect(text: &str) -> anyhow::Result<[f32; 4]> {
    let numbers: Vec<f32> = text
        .split(',')
        .map(|n| n.trim().parse::<f32>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("--rect {text}: expected X,Y,W,H"))?;
    let [x, y, w, h] = numbers[..] else {
        bail!("--rect {text}: expected four numbers X,Y,W,H");
    };
    if w <= 0.0 || h <= 0.0 {
        bail!("--rect {text}: width and height must be positive");
    }
    Ok([x, y, w, h])
}

fn parse_pages(text: &str) -> anyhow::Result<(usize, usize)> {
    let (a, b) = text
        .split_once('-')
        .with_context(|| format!("--pages {text}: expected A-B"))?;
    let (first, last): (usize, usize) = (a.trim().parse()?, b.trim().parse()?);
    if first == 0 || last <= first {
        bail!("--pages {text}: expected 1 <= A < B");
    }
    Ok((first, last))
}

pub fn run(command: PdfCommand) -> anyhow::Result<()> {
    let PdfCommand::Sign(args) = command;
    let level: Level = args
        .level
        .parse()
        .map_err(|e| anyhow::anyhow!("--level: {e}"))?;
    let credentials = Credentials::from_files(&args.cert, &args.key, args.chain.as_deref())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let input =
        std::fs::read(&args.input).with_context(|| format!("reading {}", args.input.display()))?;
    let timeout = Duration::from_secs(args.timeout);
    let tsa = args.tsa.as_deref().map(|url| HttpTsa {
        timeout,
        ..HttpTsa::new(url)
    });
    if level >= Level::BT && tsa.is_none() {
        bail!("--level {} needs --tsa URL", args.level);
    }
    let now = now();
    // The signer asks its own certificates' CA, which may sit on a private network.
    let revocation = HttpRevocation {
        timeout,
        allow_private: true,
        ..HttpRevocation::new(now)
    };
    let mut options = SignOptions::new(now);
    options.level = level;
    options.tsa = tsa
        .as_ref()
        .map(|t| t as &dyn signet_pdf::sign::timestamp::TimestampSource);
    if level >= Level::BLT {
        options.revocation = Some(&revocation);
        options.extra_certificates = certificates(args.other_certs.as_ref())?;
    }
    if let (Some(seal), Some(page), Some(rect)) = (&args.seal, args.page, &args.rect) {
        options.seal = Some(VisibleSeal {
            png: std::fs::read(seal)?,
            page,
            rect: parse_rect(rect)?,
        });
    }
    if let (Some(image), Some(pages)) = (&args.riding_seal, &args.pages) {
        let (first_page, last_page) = parse_pages(pages)?;
        options.riding_seal = Some(RidingSeal {
            png: std::fs::read(image)?,
            first_page,
            last_page,
            width: 120.0,
            center_y: None,
        });
    }
    // Nothing is written unless every step (timestamp, revocation data) succeeded. The file
    // is handed over: it is held once, however large.
    let signed = sign_pdf_owned(input, &credentials, &options)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("signing {} at {}", args.input.display(), args.level))?;
    std::fs::write(&args.out, signed).with_context(|| format!("writing {}", args.out.display()))?;
    println!("已签署 / signed: {} ({})", args.out.display(), args.level);
    Ok(())
}

//! Benchmark: sign a 10-page contract at B-T and verify it N times; prints per-second figures.
//!
//! `cargo run --release -p signet-pdf --example bench -- [N]` (default 20). Uses a throwaway
//! RSA-2048 CA, signer and TSA made in process.

use std::time::{Duration, Instant, SystemTime};

use signet_pdf::sign::timestamp::LocalTsa;
use signet_pdf::{Credentials, Level, SignOptions, VerifyOptions, sign_pdf, verify_pdf};
use signet_pki::ca::{HierarchyConfig, create_family};
use signet_pki::issue::{CertificateTemplate, Issuer, issue};
use signet_pki::keystore::{KeyEncryptionKey, KeyStore, SoftwareKeyStore};
use signet_pki::profile::{Profile, TSA_POLICY};
use signet_pki::{Family, KeyAlgorithm, Signer, SoftwareKey};

#[expect(
    clippy::disallowed_methods,
    reason = "a benchmark reads the wall clock"
)]
fn now() -> SystemTime {
    SystemTime::now()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let input = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/libreoffice-contract10.pdf"
    ))?;
    let store = SoftwareKeyStore::new(KeyEncryptionKey::new([1; 32]));
    let mut rng = rand_core_rng();
    let start = now() - Duration::from_hours(24);
    let family = create_family(
        &store,
        Family::Rsa,
        &HierarchyConfig::new("https://ca.bench.test", "Bench"),
        start,
        &mut rng,
    )?;
    let key = SoftwareKey::generate(KeyAlgorithm::Rsa2048, "", &mut rng)?;
    let issuing = store.signer(&family.issuing.key)?;
    let certificate = issue(
        &Issuer {
            certificate: &family.issuing.certificate,
            signer: issuing.as_ref(),
            urls: signet_pki::extensions::CaUrls::new("https://ca.bench.test", "rsa"),
        },
        &CertificateTemplate {
            profile: Profile::Operator,
            subject: signet_pki::names::parse_name("CN=Bench Signer,C=CN")?,
            public_key: key.public_key().clone(),
            serial: signet_pki::serial::random_serial(&mut rng)?,
            validity: Duration::from_hours(24 * 30),
        },
        start,
    )?;
    let credentials = Credentials {
        signer: Box::new(key),
        certificate,
        chain: vec![family.issuing.certificate.clone()],
    };
    let tsa_signer = store.signer(&family.tsa.key)?;
    let tsa = LocalTsa {
        tsa: signet_pki::tsa::Tsa {
            certificate: &family.tsa.certificate,
            signer: tsa_signer.as_ref(),
            policy: TSA_POLICY,
            accuracy: Duration::from_secs(1),
        },
        now: now(),
    };
    let mut options = SignOptions::new(now());
    options.level = Level::BT;
    options.tsa = Some(&tsa);
    let began = Instant::now();
    let mut signed = Vec::new();
    for _ in 0..rounds {
        signed = sign_pdf(&input, &credentials, &options)?;
    }
    let sign_time = began.elapsed();
    let verify_options = VerifyOptions {
        trust_roots: vec![family.root.certificate.clone()],
        now: now(),
        other_certificates: vec![family.issuing.certificate.clone()],
    };
    let began = Instant::now();
    for _ in 0..rounds {
        let report = verify_pdf(&signed, &verify_options)?;
        if !report.all_valid {
            return Err("benchmark signature did not verify".into());
        }
    }
    let verify_time = began.elapsed();
    let per_second = |d: Duration| f64::from(rounds) / d.as_secs_f64();
    println!(
        "pdf sign B-T (10 pages, RSA-2048): {:.1}/s",
        per_second(sign_time)
    );
    println!(
        "pdf verify (10 pages, 1 signature): {:.1}/s",
        per_second(verify_time)
    );

    // Memory on a large file: a 200-page document signed at B-T and verified once; the peak
    // resident set of this process is read from the kernel before and after.
    let before = peak_rss_kib();
    let big = two_hundred_pages()?;
    let pages = signet_pdf::reader::load(big.clone())?.pages()?.len();
    let began = Instant::now();
    let big_signed = sign_pdf(&big, &credentials, &options)?;
    let report = verify_pdf(&big_signed, &verify_options)?;
    if !report.all_valid {
        return Err("200-page signature did not verify".into());
    }
    println!(
        "pdf 200-page file: {pages} pages, {:.1} MiB, signed at B-T and verified in {:.2} s; peak RSS {} MiB (was {} MiB)",
        mib(big.len()),
        began.elapsed().as_secs_f64(),
        peak_rss_kib().unwrap_or(0) / 1024,
        before.unwrap_or(0) / 1024,
    );
    Ok(())
}

#[expect(clippy::cast_precision_loss, reason = "a file size for display")]
fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// `VmHWM` of this process, in KiB (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// A text document of at least 200 A4 pages.
fn two_hundred_pages() -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    use signet_pdf::document::{Block, TextDocument, render};
    let clause = "The parties agree that each obligation in this clause is performed in good \
                  faith, on time and in full, and that notices are given in writing. ";
    let blocks = (1..=3800)
        .map(|n| Block::Paragraph(format!("{n}. {clause}")))
        .collect();
    Ok(render(
        &TextDocument {
            title: "Framework agreement".into(),
            blocks,
        },
        None,
    )?)
}

fn rand_core_rng() -> rand::rngs::StdRng {
    use rand::SeedableRng;
    rand::rngs::StdRng::seed_from_u64(7)
}

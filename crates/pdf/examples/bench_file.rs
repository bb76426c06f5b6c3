//! One benchmark operation on a real file, run as its own process by `cargo xtask bench pdf`
//! so its peak resident set is the operation's alone.
//!
//! `bench_file KEYDIR OPERATION INPUT OUTPUT`, KEYDIR as `xtask/bench/pyhanko_pdf.py` uses it
//! (ca.pem, ca-key.pem, cert.pem, key.pem, tsa.pem, tsa-key.pem; RSA-2048 made by openssl):
//! - `sign-bt`: one invisible signature at B-T;
//! - `sign-riding`: B-LTA with a visible seal on the last page and a riding seal over every
//!   page (one signature per page, then the main one, the `/DSS` and a document timestamp);
//! - `sign-riding-bt`, `sign-riding-bb`: the same seals at B-T (every slice and the main
//!   signature timestamped) and at B-B (none): the difference is what the timestamps cost;
//! - `verify`: every signature of INPUT, trusting ca.pem; fails unless all are valid;
//! - `make-text`: write the 201-page text document of `examples/bench.rs` to OUTPUT.
//!
//! Prints `seconds=… peak_rss_kib=… signatures=…`: the operation's wall time (reading the
//! file and keys excluded) and the process's `VmHWM`.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use signet_pdf::dss::{RevocationData, RevocationSource};
use signet_pdf::seal::{RidingSeal, VisibleSeal};
use signet_pdf::sign::sign_pdf_owned;
use signet_pdf::sign::timestamp::LocalTsa;
use signet_pdf::verify::verify_pdf_owned;
use signet_pdf::{Credentials, Level, SignOptions, VerifyOptions};
use signet_pki::crl::{CrlContent, build_crl};
use signet_pki::{Signer, SoftwareKey};
use x509_cert::Certificate;

type Failure = Box<dyn std::error::Error>;

#[expect(
    clippy::disallowed_methods,
    reason = "a benchmark reads the wall clock"
)]
fn now() -> SystemTime {
    SystemTime::now()
}

/// Revocation data made on the spot: an empty CRL signed by the bench CA.
struct CrlSource {
    ca: Certificate,
    key: SoftwareKey,
    now: SystemTime,
}

impl RevocationSource for CrlSource {
    fn revocation(
        &self,
        _certificate: &Certificate,
        _issuer: &Certificate,
    ) -> signet_pdf::Result<RevocationData> {
        let crl = build_crl(
            &self.ca,
            &self.key,
            &CrlContent {
                number: 1,
                this_update: self.now - Duration::from_mins(10),
                next_update: self.now + Duration::from_hours(24 * 7),
                revoked: &[],
            },
        )?;
        Ok(RevocationData {
            ocsp_responses: Vec::new(),
            crls: vec![der::Encode::to_der(&crl)?],
        })
    }
}

fn key(path: &Path) -> Result<SoftwareKey, Failure> {
    let text = std::fs::read_to_string(path)?;
    let (_, der) = der::pem::decode_vec(text.trim().as_bytes())?;
    Ok(SoftwareKey::from_pkcs8_der(&der, "")?)
}

fn certificate(path: &Path) -> Result<Certificate, Failure> {
    Ok(Credentials::parse_pem(&std::fs::read(path)?)?
        .into_iter()
        .next()
        .ok_or("no certificate")?)
}

fn seal_png() -> Result<Vec<u8>, Failure> {
    let image = image::RgbaImage::from_fn(240, 240, |x, y| {
        let (dx, dy) = (f64::from(x) - 120.0, f64::from(y) - 120.0);
        let r = (dx * dx + dy * dy).sqrt();
        if (100.0..116.0).contains(&r) || r < 30.0 {
            image::Rgba([210, 20, 30, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let mut out = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)?;
    Ok(out)
}

/// `VmHWM` of this process, in KiB (Linux).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().collect();
    let [_, keys, operation, input, output] = args.as_slice() else {
        return Err("usage: bench_file KEYDIR sign-bt|sign-riding|verify INPUT OUTPUT".into());
    };
    if operation == "make-text" {
        std::fs::write(output, two_hundred_pages()?)?;
        return Ok(());
    }
    let keys = Path::new(keys);
    let now = now();
    let ca = certificate(&keys.join("ca.pem"))?;
    let bytes = std::fs::read(input)?;
    let (began, signatures) = if operation == "verify" {
        let options = VerifyOptions {
            trust_roots: vec![ca],
            now,
            other_certificates: Vec::new(),
        };
        let began = Instant::now();
        let report = verify_pdf_owned(bytes, &options, None)?;
        if !report.all_valid {
            return Err(format!("not all valid: {:?}", report.signatures.last()).into());
        }
        (began, report.signatures.len())
    } else {
        let credentials = Credentials::from_files(
            &keys.join("cert.pem"),
            &keys.join("key.pem"),
            Some(&keys.join("ca.pem")),
        )?;
        let tsa_key = key(&keys.join("tsa-key.pem"))?;
        let tsa_certificate = certificate(&keys.join("tsa.pem"))?;
        let tsa = LocalTsa {
            tsa: signet_pki::tsa::Tsa {
                certificate: &tsa_certificate,
                signer: &tsa_key as &dyn Signer,
                policy: signet_pki::profile::TSA_POLICY,
                accuracy: Duration::from_secs(1),
            },
            now,
        };
        let revocation = CrlSource {
            ca: ca.clone(),
            key: key(&keys.join("ca-key.pem"))?,
            now,
        };
        let mut options = SignOptions::new(now);
        options.level = Level::BT;
        options.tsa = Some(&tsa);
        options.extra_certificates = vec![tsa_certificate.clone(), ca.clone()];
        if operation.starts_with("sign-riding") {
            let pages = signet_pdf::reader::load_graph(&bytes)?.pages()?.len();
            options.level = match operation.as_str() {
                "sign-riding" => Level::BLTA,
                "sign-riding-bt" => Level::BT,
                "sign-riding-bb" => Level::BB,
                other => return Err(format!("unknown operation {other}").into()),
            };
            if options.level == Level::BB {
                options.tsa = None;
            }
            if options.level == Level::BLTA {
                options.revocation = Some(&revocation);
            }
            options.seal = Some(VisibleSeal {
                png: seal_png()?,
                page: pages,
                rect: [380.0, 90.0, 120.0, 120.0],
            });
            options.riding_seal = Some(RidingSeal {
                png: seal_png()?,
                first_page: 1,
                last_page: pages,
                width: 120.0,
                center_y: None,
            });
        } else if operation != "sign-bt" {
            return Err(format!("unknown operation {operation}").into());
        }
        let began = Instant::now();
        let signed = sign_pdf_owned(bytes, &credentials, &options)?;
        let elapsed = began.elapsed();
        std::fs::write(output, &signed)?;
        println!(
            "seconds={:.3} peak_rss_kib={}",
            elapsed.as_secs_f64(),
            peak_rss_kib()
        );
        return Ok(());
    };
    println!(
        "seconds={:.3} peak_rss_kib={} signatures={signatures}",
        began.elapsed().as_secs_f64(),
        peak_rss_kib()
    );
    std::fs::write(output, b"")?;
    Ok(())
}

/// A text document of at least 200 A4 pages, made by our own writer (as `examples/bench.rs`).
fn two_hundred_pages() -> Result<Vec<u8>, Failure> {
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

//! Several parties signing one after another at every level, on files from several producers,
//! each result checked by our verifier, pyHanko and pdfsig.

use signet_pdf::seal::{RidingSeal, VisibleSeal};
use signet_pdf::{Credentials, Level, SignOptions, VerifyOptions, sign_pdf, verify_pdf};

use signet_pdf::dss::HttpRevocation;

use crate::support::{fixture, fixture_pdf, now, seal_png, tempdir};
use crate::validators::{pdfsig, pyhanko, pyhanko_ades, pyhanko_ltv};

pub struct Step<'a> {
    pub who: &'a crate::support::Party,
    pub level: Level,
    pub seal_page: Option<usize>,
    pub riding: Option<(usize, usize)>,
}

pub fn sign_step(input: &[u8], step: &Step<'_>) -> Vec<u8> {
    let f = fixture();
    let tsa = f.tsa();
    // Revocation data from the fixture CAs' OCSP responders and CRLs, over HTTP.
    let revocation = HttpRevocation::new(now());
    let mut options = SignOptions::new(now());
    options.level = step.level;
    options.tsa = Some(&tsa);
    options.revocation = Some(&revocation);
    options.extra_certificates = f.tsa_chain();
    options.reason = Some("同意 / agreed".into());
    options.seal = step.seal_page.map(|page| VisibleSeal {
        png: seal_png(),
        page,
        rect: [380.0, 90.0, 120.0, 120.0],
    });
    options.riding_seal = step.riding.map(|(first_page, last_page)| RidingSeal {
        png: seal_png(),
        first_page,
        last_page,
        width: 110.0,
        center_y: None,
    });
    let credentials: Credentials = step.who.credentials();
    sign_pdf(input, &credentials, &options).unwrap()
}

pub fn verify(pdf: &[u8]) -> signet_pdf::Report {
    verify_pdf(
        pdf,
        &VerifyOptions {
            trust_roots: fixture().roots(),
            now: now(),
            other_certificates: fixture().tsa_chain(),
        },
    )
    .unwrap()
}

/// Sign in turn, checking every intermediate file everywhere.
pub fn scenario(producer_file: &str, input: Vec<u8>, steps: &[Step<'_>]) {
    let dir = tempdir();
    let mut pdf = input;
    let mut expected_signatures = 0;
    for (i, step) in steps.iter().enumerate() {
        pdf = sign_step(&pdf, step);
        expected_signatures += 1 + step.riding.map_or(0, |(a, b)| b - a + 1);
        let report = verify(&pdf);
        assert!(
            report.all_valid,
            "{producer_file} step {i}: {}",
            serde_json::to_string_pretty(&report).unwrap()
        );
        let regular: Vec<_> = report
            .signatures
            .iter()
            .filter(|s| s.kind == "signature")
            .collect();
        assert_eq!(regular.len(), expected_signatures);
        let last = regular.last().unwrap();
        assert_eq!(
            last.signer.as_deref().map(|s| s.contains(step.who.name)),
            Some(true)
        );
        assert_eq!(last.level, Some(step.level), "{producer_file} step {i}");
        // Kept for a look by hand when a validator disagrees.
        std::fs::write(
            std::env::temp_dir().join(format!("signet-step{i}-{producer_file}")),
            &pdf,
        )
        .ok();
        pyhanko(dir.path(), &pdf);
        if step.level >= Level::BLT {
            pyhanko_ades(dir.path(), &pdf);
            pyhanko_ltv(dir.path(), &pdf);
        }
        pdfsig(dir.path(), &pdf, expected_signatures);
    }
    std::fs::write(
        std::env::temp_dir().join(format!("signet-{producer_file}")),
        &pdf,
    )
    .ok();
}

#[test]
fn libreoffice_three_parties_lta_seal_and_riding_seal() {
    let f = fixture();
    scenario(
        "libreoffice-contract10.pdf",
        fixture_pdf("libreoffice-contract10.pdf"),
        &[
            Step {
                who: &f.alice,
                level: Level::BLTA,
                seal_page: Some(10),
                riding: None,
            },
            Step {
                who: &f.bob,
                level: Level::BLTA,
                seal_page: Some(10),
                riding: Some((1, 10)),
            },
            Step {
                who: &f.carol,
                level: Level::BT,
                seal_page: None,
                riding: None,
            },
        ],
    );
}

#[test]
fn chromium_three_parties_every_level() {
    let f = fixture();
    scenario(
        "chromium-contract10.pdf",
        fixture_pdf("chromium-contract10.pdf"),
        &[
            Step {
                who: &f.alice,
                level: Level::BB,
                seal_page: Some(1),
                riding: None,
            },
            Step {
                who: &f.bob,
                level: Level::BT,
                seal_page: Some(2),
                riding: Some((3, 6)),
            },
            Step {
                who: &f.carol,
                level: Level::BLT,
                seal_page: Some(10),
                riding: None,
            },
        ],
    );
}

#[test]
fn xref_stream_file_two_parties() {
    let f = fixture();
    // A file with a cross-reference stream and object streams, made from the Chromium one.
    let mut document = lopdf::Document::load_mem(&fixture_pdf("chromium-contract1.pdf")).unwrap();
    let mut modern = Vec::new();
    document.save_modern(&mut modern).unwrap();
    assert!(String::from_utf8_lossy(&modern).contains("/XRef"));
    scenario(
        "xref-stream.pdf",
        modern,
        &[
            Step {
                who: &f.bob,
                level: Level::BT,
                seal_page: Some(1),
                riding: None,
            },
            Step {
                who: &f.alice,
                level: Level::BLTA,
                seal_page: None,
                riding: None,
            },
        ],
    );
}

#[test]
fn b_t_without_a_tsa_is_refused_not_downgraded() {
    let f = fixture();
    let mut options = SignOptions::new(now());
    options.level = Level::BT;
    let error = sign_pdf(
        &fixture_pdf("chromium-contract1.pdf"),
        &f.alice.credentials(),
        &options,
    )
    .unwrap_err();
    assert_eq!(error.code(), "pdf.invalid_request");
}

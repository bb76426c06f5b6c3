//! Tampering, SM2 mode and hostile files: the verifier names what broke, never panics.

use proptest::prelude::*;
use signet_pdf::{Level, PdfError, SignOptions, sign_pdf};

use crate::signing::{Step, sign_step, verify};
use crate::support::{fixture, fixture_pdf, now};

fn signed() -> Vec<u8> {
    let f = fixture();
    let one = sign_step(
        &fixture_pdf("chromium-contract10.pdf"),
        &Step {
            who: &f.alice,
            level: Level::BT,
            seal_page: Some(1),
            riding: None,
        },
    );
    sign_step(
        &one,
        &Step {
            who: &f.bob,
            level: Level::BB,
            seal_page: None,
            riding: None,
        },
    )
}

#[test]
fn a_changed_byte_breaks_the_signatures_covering_it() {
    let mut pdf = signed();
    let at = 200;
    pdf[at] ^= 0x01;
    let report = verify(&pdf);
    assert!(!report.all_valid);
    for signature in &report.signatures {
        assert!(!signature.intact, "{}", signature.field);
        assert!(
            signature
                .problems
                .iter()
                .any(|p| p.contains("digest mismatch")),
            "{:?}",
            signature.problems
        );
    }
}

#[test]
fn an_update_changing_page_content_is_named() {
    let pdf = signed();
    let mut document = lopdf::Document::load_mem(&pdf).unwrap();
    let page = *document.get_pages().get(&3).unwrap();
    let content = document.add_object(lopdf::Stream::new(
        lopdf::Dictionary::new(),
        b"BT /F1 12 Tf 100 100 Td (PAID) Tj ET".to_vec(),
    ));
    let mut incremental = lopdf::IncrementalDocument::create_from(pdf.clone(), document.clone());
    incremental
        .new_document
        .set_object(content, document.get_object(content).unwrap().clone());
    incremental.opt_clone_object_to_new_document(page).unwrap();
    incremental
        .new_document
        .get_dictionary_mut(page)
        .unwrap()
        .set("Contents", lopdf::Object::Reference(content));
    let mut tampered = Vec::new();
    incremental.save_to(&mut tampered).unwrap();
    let report = verify(&tampered);
    assert!(!report.all_valid);
    for signature in &report.signatures {
        assert!(
            signature.intact,
            "the signed bytes themselves are untouched"
        );
        assert!(
            signature
                .changes
                .disallowed
                .iter()
                .any(|c| c.contains("page 3")),
            "{:?}",
            signature.changes
        );
    }
}

#[test]
fn swapping_pages_is_named() {
    let pdf = signed();
    let document = lopdf::Document::load_mem(&pdf).unwrap();
    let pages_id = document
        .catalog()
        .unwrap()
        .get(b"Pages")
        .unwrap()
        .as_reference()
        .unwrap();
    let mut kids = document
        .get_dictionary(pages_id)
        .unwrap()
        .get(b"Kids")
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    kids.swap(0, 1);
    let mut incremental = lopdf::IncrementalDocument::create_from(pdf.clone(), document);
    incremental
        .opt_clone_object_to_new_document(pages_id)
        .unwrap();
    incremental
        .new_document
        .get_dictionary_mut(pages_id)
        .unwrap()
        .set("Kids", lopdf::Object::Array(kids));
    let mut tampered = Vec::new();
    incremental.save_to(&mut tampered).unwrap();
    let report = verify(&tampered);
    assert!(!report.all_valid);
    let first = &report.signatures[0];
    assert!(
        first
            .changes
            .disallowed
            .iter()
            .any(|c| c.contains("reordered")),
        "{:?}",
        first.changes
    );
}

#[test]
fn sm2_signatures_verify_with_our_verifier() {
    let f = fixture();
    let one = sign_step(
        &fixture_pdf("libreoffice-contract2.pdf"),
        &Step {
            who: &f.sm2,
            level: Level::BT,
            seal_page: Some(2),
            riding: None,
        },
    );
    let two = sign_step(
        &one,
        &Step {
            who: &f.alice,
            level: Level::BB,
            seal_page: None,
            riding: None,
        },
    );
    let report = verify(&two);
    assert!(
        report.all_valid,
        "{}",
        serde_json::to_string_pretty(&report).unwrap()
    );
    assert_eq!(report.signatures[0].sub_filter, "adbe.pkcs7.detached");
    let mut broken = two.clone();
    broken[300] ^= 1;
    assert!(!verify(&broken).signatures[0].intact);
}

#[test]
fn bad_files_give_typed_errors() {
    let good = fixture_pdf("chromium-contract1.pdf");
    let options = signet_pdf::VerifyOptions {
        trust_roots: fixture().roots(),
        now: now(),
        other_certificates: Vec::new(),
    };
    let truncated = &good[..good.len() / 2];
    assert!(matches!(
        signet_pdf::verify_pdf(truncated, &options),
        Err(PdfError::Truncated)
    ));
    assert!(matches!(
        signet_pdf::verify_pdf(b"hello", &options),
        Err(PdfError::NotPdf | PdfError::Truncated)
    ));
    let mut encrypted = good.clone();
    let at = encrypted.windows(7).rposition(|w| w == b"trailer").unwrap();
    encrypted.splice(
        at + 7..at + 7,
        b"\n<< /Encrypt << /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >> >>"
            .iter()
            .copied(),
    );
    assert!(signet_pdf::verify_pdf(&encrypted, &options).is_err());
    let mut options_sign = SignOptions::new(now());
    options_sign.level = Level::BB;
    assert!(sign_pdf(b"%PDF-1.7\n%%EOF", &f_credentials(), &options_sign).is_err());
}

fn f_credentials() -> signet_pdf::Credentials {
    fixture().alice.credentials()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    /// Corrupting bytes anywhere never panics: the verifier answers with a report or an error.
    #[test]
    fn corrupted_files_never_panic(offsets in proptest::collection::vec(any::<prop::sample::Index>(), 1..8), value in any::<u8>()) {
        let mut pdf = fixture_pdf("chromium-contract1.pdf");
        for offset in offsets {
            let at = offset.index(pdf.len());
            pdf[at] = value;
        }
        let options = signet_pdf::VerifyOptions { trust_roots: Vec::new(), now: now(), other_certificates: Vec::new() };
        let _ = signet_pdf::verify_pdf(&pdf, &options);
    }
}

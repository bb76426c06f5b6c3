//! Our own path validation, including SM2 chains under either distinguishing ID.

use std::time::Duration;

use der::{Decode as _, Encode as _};
use signet_pki::Family;
use signet_pki::signer::Sm2Ids;
use signet_pki::validate::{VerifiedLinks, validate_path, validate_path_cached};
use x509_cert::Certificate;

use crate::support::{fixture, now};

#[test]
fn every_chain_validates_and_sm2_ids_matter() {
    let fixture = fixture();
    let mut all = fixture.families.iter().collect::<Vec<_>>();
    all.push(&fixture.sm2_empty_id);
    for hierarchy in all {
        let roots = [hierarchy.root.certificate.clone()];
        let intermediates = [hierarchy.issuing.certificate.clone()];
        for leaf in [&hierarchy.ocsp, &hierarchy.tsa, &hierarchy.issuing] {
            let path = validate_path(
                &leaf.certificate,
                &intermediates,
                &roots,
                now(),
                Sm2Ids::EITHER,
            )
            .unwrap();
            assert_eq!(path.last(), Some(&hierarchy.root.certificate));
        }
        if hierarchy.family == Family::Sm2 {
            let gmt = hierarchy.root.key.sm2_id == "1234567812345678";
            let (right, wrong) = if gmt {
                (Sm2Ids::GMT, Sm2Ids::EMPTY)
            } else {
                (Sm2Ids::EMPTY, Sm2Ids::GMT)
            };
            let leaf = &hierarchy.tsa.certificate;
            assert!(validate_path(leaf, &intermediates, &roots, now(), right).is_ok());
            let error = validate_path(leaf, &intermediates, &roots, now(), wrong).unwrap_err();
            assert_eq!(error.code(), "pki.path_validation");
        }
    }
}

#[test]
fn wrong_time_foreign_root_and_missing_intermediate_fail() {
    let fixture = fixture();
    let rsa = fixture.family(Family::Rsa);
    let ecc = fixture.family(Family::Ecc);
    let leaf = &rsa.tsa.certificate;
    let roots = [rsa.root.certificate.clone()];
    let intermediates = [rsa.issuing.certificate.clone()];
    let later = now() + Duration::from_hours(24 * 365 * 6);
    for result in [
        validate_path(leaf, &intermediates, &roots, later, Sm2Ids::EITHER),
        validate_path(leaf, &[], &roots, now(), Sm2Ids::EITHER),
        validate_path(
            leaf,
            &intermediates,
            std::slice::from_ref(&ecc.root.certificate),
            now(),
            Sm2Ids::EITHER,
        ),
        // A leaf cannot act as a CA.
        validate_path(
            &ecc.ocsp.certificate,
            std::slice::from_ref(&ecc.tsa.certificate),
            std::slice::from_ref(&ecc.root.certificate),
            now(),
            Sm2Ids::EITHER,
        ),
    ] {
        assert_eq!(result.unwrap_err().code(), "pki.path_validation");
    }
}

/// Links remembered from earlier paths spare their signature checks, but a certificate changed
/// after its issuer signed it, or SM2 IDs other than those a link was accepted under, are
/// checked again and refused.
#[test]
fn remembered_links_refuse_a_changed_certificate_and_other_sm2_ids() {
    let fixture = fixture();
    let rsa = fixture.family(Family::Rsa);
    let roots = [rsa.root.certificate.clone()];
    let intermediates = [rsa.issuing.certificate.clone()];
    let mut links = VerifiedLinks::default();
    for leaf in [&rsa.tsa, &rsa.ocsp, &rsa.tsa] {
        let path = validate_path_cached(
            &leaf.certificate,
            &intermediates,
            &roots,
            now(),
            Sm2Ids::EITHER,
            &mut links,
        )
        .unwrap();
        assert_eq!(path.len(), 3);
    }
    // The TSA certificate with one byte of its publication URL changed: same signature bytes.
    let mut der = rsa.tsa.certificate.to_der().unwrap();
    let at = der
        .windows(4)
        .rposition(|w| w == b"/pki")
        .expect("the certificate names its CA's URLs");
    der[at + 1] = b'q';
    let changed = Certificate::from_der(&der).unwrap();
    assert_eq!(changed.signature(), rsa.tsa.certificate.signature());
    let error = validate_path_cached(
        &changed,
        &intermediates,
        &roots,
        now(),
        Sm2Ids::EITHER,
        &mut links,
    )
    .unwrap_err();
    assert_eq!(error.code(), "pki.path_validation");

    let sm2 = fixture.family(Family::Sm2);
    let (right, wrong) = if sm2.root.key.sm2_id == "1234567812345678" {
        (Sm2Ids::GMT, Sm2Ids::EMPTY)
    } else {
        (Sm2Ids::EMPTY, Sm2Ids::GMT)
    };
    let roots = [sm2.root.certificate.clone()];
    let intermediates = [sm2.issuing.certificate.clone()];
    let leaf = &sm2.tsa.certificate;
    validate_path_cached(leaf, &intermediates, &roots, now(), right, &mut links).unwrap();
    let error =
        validate_path_cached(leaf, &intermediates, &roots, now(), wrong, &mut links).unwrap_err();
    assert_eq!(error.code(), "pki.path_validation");
}

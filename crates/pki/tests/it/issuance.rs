//! Issuing from PKCS#10 requests and server-generated keys, with bad inputs refused.

use std::time::Duration;

use signet_pki::csr::{make_csr, parse_csr};
use signet_pki::extensions::CaUrls;
use signet_pki::ids::{credit_check_character, id_check_digit};
use signet_pki::issue::{CertificateTemplate, Issuer, issue};
use signet_pki::names::parse_name;
use signet_pki::profile::Profile;
use signet_pki::serial::random_serial;
use signet_pki::{Family, KeyAlgorithm, PkiError, Signer, SoftwareKey};
use x509_cert::Certificate;

use crate::support::{
    BASE_URL, attime, fixture, lint, now, openssl, rng, run, tempdir, write_der, write_pem,
};

const YEAR: Duration = Duration::from_hours(8760);

pub fn credit_code() -> String {
    let first = "91110108MA01ABCD1";
    format!(
        "{first}{}",
        char::from(credit_check_character(first).unwrap())
    )
}

pub fn id_number() -> String {
    let first = "11010519491231002";
    format!("{first}{}", char::from(id_check_digit(first).unwrap()))
}

pub fn subject_for(profile: Profile) -> String {
    match profile {
        Profile::Enterprise => format!(
            "CN=测试科技有限公司,O=测试科技有限公司,serialNumber={},C=CN",
            credit_code()
        ),
        Profile::EnterpriseSeal => format!(
            "CN=测试科技有限公司合同专用章,O=测试科技有限公司,serialNumber={},C=CN",
            credit_code()
        ),
        Profile::Personal => format!("CN=张三,serialNumber={},C=CN", id_number()),
        _ => "CN=王五,O=Signet 测试,C=CN".to_owned(),
    }
}

/// Issue `profile` under `family`'s issuing CA for `key`.
pub fn issue_leaf(
    hierarchy: &signet_pki::ca::FamilyHierarchy,
    profile: Profile,
    key: &dyn Signer,
    seed: u64,
) -> Result<Certificate, PkiError> {
    let fixture = fixture();
    let signer = fixture.signer(&hierarchy.issuing.key);
    let validity = if profile == Profile::Event {
        Duration::from_hours(1)
    } else {
        YEAR
    };
    issue(
        &Issuer {
            certificate: &hierarchy.issuing.certificate,
            signer: signer.as_ref(),
            urls: CaUrls::new(BASE_URL, &hierarchy.issuing.name),
        },
        &CertificateTemplate {
            profile,
            subject: parse_name(&subject_for(profile))?,
            public_key: key.public_key().clone(),
            serial: random_serial(&mut rng(seed))?,
            validity,
        },
        now(),
    )
}

const LEAF_PROFILES: [Profile; 6] = [
    Profile::Enterprise,
    Profile::Personal,
    Profile::EnterpriseSeal,
    Profile::Operator,
    Profile::Event,
    Profile::Sm2Encryption,
];

#[test]
fn every_profile_from_a_csr_verifies_in_openssl_and_lints_clean() {
    let fixture = fixture();
    let dir = tempdir();
    for hierarchy in fixture.openssl_checkable() {
        let algorithm = hierarchy.family.ca_algorithm();
        let algorithm = if algorithm == KeyAlgorithm::Rsa3072 {
            KeyAlgorithm::Rsa2048
        } else {
            algorithm
        };
        let subscriber = SoftwareKey::generate(algorithm, "", &mut rng(5)).unwrap();
        for profile in LEAF_PROFILES {
            if !profile.allows(algorithm) {
                continue;
            }
            let csr = make_csr(&subscriber, &parse_name("CN=ignored").unwrap()).unwrap();
            let verified = parse_csr(&csr).unwrap();
            assert_eq!(&verified.public_key, subscriber.public_key());
            let certificate = issue_leaf(hierarchy, profile, &subscriber, 9).unwrap();
            let Some(mut openssl) = openssl() else { return };
            let root = write_pem(dir.path(), "root.pem", &[&hierarchy.root.certificate]);
            let chain = write_pem(dir.path(), "chain.pem", &[&hierarchy.issuing.certificate]);
            let leaf = write_pem(dir.path(), "leaf.pem", &[&certificate]);
            let (ok, text) = run(openssl
                .args(["verify", "-attime", &attime(), "-CAfile"])
                .arg(&root)
                .arg("-untrusted")
                .arg(&chain)
                .arg(&leaf));
            assert!(ok, "{} {profile}: {text}", hierarchy.family);
            let der = write_der(dir.path(), "leaf.der", &certificate);
            // GM/T 0015 gives SM2 encryption certificates keyEncipherment + dataEncipherment,
            // which RFC 5480 (and so pkilint) prohibits for EC keys: Chinese PKI wins here.
            let allowed: &[&str] = if profile == Profile::Sm2Encryption {
                &[
                    "SpkiKeyUsageConsistencyValidator",
                    "key_usage_value_prohibited_for_ec",
                ]
            } else {
                &[]
            };
            lint("lint_pkix_cert", &der, allowed);
        }
    }
}

/// Issuance keeps the extensions that do not depend on the subject's key from one certificate
/// to the next; each certificate must still carry exactly what its profile builds for its key.
#[test]
fn repeated_issuance_carries_each_keys_own_extensions() {
    let fixture = fixture();
    for hierarchy in fixture.openssl_checkable() {
        let algorithm = match hierarchy.family.ca_algorithm() {
            KeyAlgorithm::Rsa3072 => KeyAlgorithm::Rsa2048,
            other => other,
        };
        let issuer_key_id =
            signet_pki::extensions::subject_key_identifier(&hierarchy.issuing.certificate).unwrap();
        let urls = CaUrls::new(BASE_URL, &hierarchy.issuing.name);
        for (seed, profile) in [(21, Profile::Operator), (22, Profile::Operator)]
            .into_iter()
            .chain(LEAF_PROFILES.into_iter().map(|p| (23, p)))
        {
            if !profile.allows(algorithm) {
                continue;
            }
            let key = SoftwareKey::generate(algorithm, "", &mut rng(seed)).unwrap();
            let certificate = issue_leaf(hierarchy, profile, &key, seed).unwrap();
            let expected = profile
                .extensions(key.public_key(), Some(issuer_key_id.clone()), Some(&urls))
                .unwrap();
            assert_eq!(
                certificate.tbs_certificate().extensions(),
                Some(&expected),
                "{} {profile}",
                hierarchy.family
            );
        }
    }
}

#[test]
fn bad_requests_are_refused_with_their_codes() {
    let fixture = fixture();
    let hierarchy = fixture.family(Family::Ecc);
    let key = SoftwareKey::generate(KeyAlgorithm::EcdsaP256, "", &mut rng(6)).unwrap();
    let csr = make_csr(&key, &parse_name("CN=x").unwrap()).unwrap();

    // Malformed and oversized.
    assert_eq!(
        parse_csr(b"not a csr").unwrap_err().code(),
        "pki.csr_malformed"
    );
    assert_eq!(
        parse_csr(&csr[..csr.len() - 3]).unwrap_err().code(),
        "pki.csr_malformed"
    );
    assert_eq!(
        parse_csr(&vec![0x30; 20_000]).unwrap_err().code(),
        "pki.csr_too_large"
    );

    // Wrong proof of possession: flip a bit in the signature (its last byte).
    let mut tampered = csr.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert_eq!(
        parse_csr(&tampered).unwrap_err().code(),
        "pki.csr_proof_of_possession"
    );

    // Disallowed algorithm: an RSA key under the ECC CA; ECDSA for an SM2 encryption cert.
    let rsa = SoftwareKey::generate(KeyAlgorithm::Rsa2048, "", &mut rng(7)).unwrap();
    let error = issue_leaf(hierarchy, Profile::Enterprise, &rsa, 1).unwrap_err();
    assert_eq!(error.code(), "pki.algorithm_not_allowed");
    let error = issue_leaf(hierarchy, Profile::Sm2Encryption, &key, 1).unwrap_err();
    assert_eq!(error.code(), "pki.algorithm_not_allowed");

    // Unknown profile.
    assert_eq!(
        "bank-card".parse::<Profile>().unwrap_err().code(),
        "pki.unknown_profile"
    );

    // Bad check characters in the subject.
    let signer = fixture.signer(&hierarchy.issuing.key);
    let issuer = Issuer {
        certificate: &hierarchy.issuing.certificate,
        signer: signer.as_ref(),
        urls: CaUrls::new(BASE_URL, "ecc"),
    };
    let mut code = credit_code();
    let wrong = if code.ends_with('0') { '1' } else { '0' };
    code.pop();
    code.push(wrong);
    for (profile, subject, expected) in [
        (
            Profile::Enterprise,
            format!("CN=测试,O=测试科技有限公司,serialNumber={code},C=CN"),
            "pki.invalid_credit_code",
        ),
        (
            Profile::Personal,
            "CN=张三,serialNumber=110105194912310021,C=CN".to_owned(),
            "pki.invalid_id_number",
        ),
        (
            Profile::Enterprise,
            "CN=测试,C=CN".to_owned(),
            "pki.invalid_name",
        ),
    ] {
        let template = CertificateTemplate {
            profile,
            subject: parse_name(&subject).unwrap(),
            public_key: key.public_key().clone(),
            serial: random_serial(&mut rng(2)).unwrap(),
            validity: YEAR,
        };
        assert_eq!(
            issue(&issuer, &template, now()).unwrap_err().code(),
            expected
        );
    }

    // An event certificate cannot live a year.
    let template = CertificateTemplate {
        profile: Profile::Event,
        subject: parse_name("CN=张三,C=CN").unwrap(),
        public_key: key.public_key().clone(),
        serial: random_serial(&mut rng(2)).unwrap(),
        validity: YEAR,
    };
    assert_eq!(
        issue(&issuer, &template, now()).unwrap_err().code(),
        "pki.invalid_validity"
    );
}

#[test]
fn sm2_csr_signed_with_either_id_is_accepted() {
    for id in ["1234567812345678", ""] {
        let key = SoftwareKey::generate(KeyAlgorithm::Sm2, id, &mut rng(11)).unwrap();
        let csr = make_csr(&key, &parse_name("CN=张三").unwrap()).unwrap();
        assert_eq!(parse_csr(&csr).unwrap().algorithm, KeyAlgorithm::Sm2);
    }
}

#[test]
fn openssl_made_csrs_are_accepted() {
    let dir = tempdir();
    for (algorithm, args) in [
        ("rsa", &["-newkey", "rsa:2048"][..]),
        (
            "ec",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"][..],
        ),
        (
            "rsa-pss",
            &[
                "-newkey",
                "rsa:2048",
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:digest",
            ][..],
        ),
    ] {
        let Some(mut openssl) = openssl() else { return };
        let out = dir.path().join(format!("{algorithm}.csr"));
        let key = dir.path().join(format!("{algorithm}.key"));
        let (ok, text) = run(openssl
            .args([
                "req", "-new", "-nodes", "-subj", "/CN=test", "-outform", "DER",
            ])
            .args(args)
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&out));
        assert!(ok, "{text}");
        let csr = std::fs::read(&out).unwrap();
        parse_csr(&csr).unwrap_or_else(|e| panic!("{algorithm}: {e}"));
    }
}

//! Shared fixtures: CA hierarchies, signers, TSA, revocation source, validators.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use der::{Encode, EncodePem, pem::LineEnding};
use rand::SeedableRng;
use rand::rngs::StdRng;
use signet_pdf::dss::{RevocationData, RevocationSource};
use signet_pdf::sign::timestamp::LocalTsa;
use signet_pdf::{Credentials, Result};
use signet_pki::ca::{FamilyHierarchy, HierarchyConfig, create_family};
use signet_pki::crl::{CrlContent, build_crl};
use signet_pki::issue::{CertificateTemplate, Issuer, issue};
use signet_pki::keystore::{KeyEncryptionKey, KeyStore, SoftwareKeyStore};
use signet_pki::ocsp::{CertStatus, Responder};
use signet_pki::profile::{Profile, TSA_POLICY};
use signet_pki::serial::random_serial;
use signet_pki::signer::SoftwareKey;
use signet_pki::{Family, KeyAlgorithm, Signer};
use x509_cert::Certificate;

/// External validators check against the real clock, so the test PKI lives in real time.
#[expect(
    clippy::disallowed_methods,
    reason = "pyHanko and pdfsig validate at the real time"
)]
pub fn now() -> SystemTime {
    SystemTime::now()
}

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

pub struct Party {
    pub name: &'static str,
    pub key_pem: String,
    pub certificate: Certificate,
    pub chain: Vec<Certificate>,
}

impl Party {
    pub fn credentials(&self) -> Credentials {
        let cert_pem = self.certificate.to_pem(LineEnding::LF).unwrap();
        let chain: String = self
            .chain
            .iter()
            .map(|c| c.to_pem(LineEnding::LF).unwrap())
            .collect();
        Credentials::from_pem(
            cert_pem.as_bytes(),
            self.key_pem.as_bytes(),
            Some(chain.as_bytes()),
        )
        .unwrap()
    }
}

pub struct Fixture {
    pub store: SoftwareKeyStore,
    pub families: Vec<FamilyHierarchy>,
    pub alice: Party,
    pub bob: Party,
    pub carol: Party,
    pub sm2: Party,
}

impl Fixture {
    pub fn family(&self, family: Family) -> &FamilyHierarchy {
        self.families.iter().find(|f| f.family == family).unwrap()
    }

    pub fn signer(&self, key: &signet_pki::keystore::StoredKey) -> Box<dyn Signer> {
        self.store.signer(key).unwrap()
    }

    /// Roots trusted by the validators (RSA and ECC; SM2 only in our own verifier).
    pub fn roots(&self) -> Vec<Certificate> {
        self.families
            .iter()
            .map(|f| f.root.certificate.clone())
            .collect()
    }

    pub fn tsa(&self) -> LocalTsa<'_> {
        let hierarchy = self.family(Family::Rsa);
        let signer: &'static dyn Signer = Box::leak(self.signer(&hierarchy.tsa.key));
        LocalTsa {
            tsa: signet_pki::tsa::Tsa {
                certificate: &hierarchy.tsa.certificate,
                signer,
                policy: TSA_POLICY,
                accuracy: Duration::from_secs(1),
            },
            now: now(),
        }
    }

    /// The TSA's chain and the roots, for `/DSS` (so revocation data for every CA is found).
    pub fn tsa_chain(&self) -> Vec<Certificate> {
        let hierarchy = self.family(Family::Rsa);
        let mut out = vec![
            hierarchy.tsa.certificate.clone(),
            hierarchy.issuing.certificate.clone(),
        ];
        out.extend(self.roots());
        out
    }
}

fn party(
    store: &SoftwareKeyStore,
    hierarchy: &FamilyHierarchy,
    algorithm: KeyAlgorithm,
    name: &'static str,
    seed: u64,
) -> Party {
    let key = SoftwareKey::generate(
        algorithm,
        signet_pki::algorithm::SM2_DEFAULT_ID,
        &mut rng(seed),
    )
    .unwrap();
    let issuing_signer = store.signer(&hierarchy.issuing.key).unwrap();
    let (_, issuing_name) = signet_pki::ca::ca_names(hierarchy.family);
    let issuer = Issuer {
        certificate: &hierarchy.issuing.certificate,
        signer: issuing_signer.as_ref(),
        urls: signet_pki::extensions::CaUrls::new(BASE_URL, &issuing_name),
    };
    let certificate = issue(
        &issuer,
        &CertificateTemplate {
            profile: Profile::Personal,
            subject: signet_pki::names::parse_name(&format!(
                "CN={name},serialNumber={},C=CN",
                id_number()
            ))
            .unwrap(),
            public_key: key.public_key().clone(),
            serial: random_serial(&mut rng(seed + 1)).unwrap(),
            validity: Duration::from_hours(30 * 24),
        },
        now() - Duration::from_hours(1),
    )
    .unwrap();
    let der = key.to_pkcs8_der().unwrap();
    let key_pem = der::pem::encode_string("PRIVATE KEY", LineEnding::LF, &der).unwrap();
    Party {
        name,
        key_pem,
        certificate,
        chain: vec![hierarchy.issuing.certificate.clone()],
    }
}

fn id_number() -> String {
    let first = "11010519491231002";
    format!(
        "{first}{}",
        char::from(signet_pki::ids::id_check_digit(first).unwrap())
    )
}

pub const BASE_URL: &str = "https://ca.signet.test";

pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let store = SoftwareKeyStore::new(KeyEncryptionKey::new([42; 32]));
        let mut rng = rng(2026);
        let config = HierarchyConfig::new(BASE_URL, "Signet PDF 测试");
        let start = now() - Duration::from_hours(24);
        let families: Vec<FamilyHierarchy> = Family::ALL
            .into_iter()
            .map(|family| create_family(&store, family, &config, start, &mut rng).unwrap())
            .collect();
        let get = |f: Family| families.iter().find(|h| h.family == f).unwrap();
        let alice = party(
            &store,
            get(Family::Rsa),
            KeyAlgorithm::Rsa2048,
            "甲方 Alice",
            11,
        );
        let bob = party(
            &store,
            get(Family::Ecc),
            KeyAlgorithm::EcdsaP256,
            "乙方 Bob",
            21,
        );
        let carol = party(
            &store,
            get(Family::Rsa),
            KeyAlgorithm::Rsa2048,
            "丙方 Carol",
            31,
        );
        let sm2 = party(&store, get(Family::Sm2), KeyAlgorithm::Sm2, "国密 Sm2", 41);
        Fixture {
            store,
            families,
            alice,
            bob,
            carol,
            sm2,
        }
    })
}

/// OCSP for end-entity certificates, a CRL from the root for issuing CAs.
pub struct TestRevocation;

impl RevocationSource for TestRevocation {
    fn revocation(
        &self,
        certificate: &Certificate,
        issuer: &Certificate,
    ) -> Result<RevocationData> {
        let fixture = fixture();
        // Fresh evidence: AdES validation wants revocation data issued after the signature time.
        let at = now() + Duration::from_secs(1);
        let next = at + Duration::from_hours(7 * 24);
        for hierarchy in &fixture.families {
            if issuer == &hierarchy.issuing.certificate {
                let signer = fixture.signer(&hierarchy.ocsp.key);
                let responder = Responder {
                    issuer: &hierarchy.issuing.certificate,
                    certificate: &hierarchy.ocsp.certificate,
                    signer: signer.as_ref(),
                };
                let answer = responder
                    .presign(
                        certificate.tbs_certificate().serial_number(),
                        CertStatus::Good,
                        at,
                        next,
                    )
                    .unwrap();
                return Ok(RevocationData {
                    ocsp_responses: vec![answer.der],
                    crls: Vec::new(),
                });
            }
            if issuer == &hierarchy.root.certificate {
                let signer = fixture.signer(&hierarchy.root.key);
                let crl = build_crl(
                    &hierarchy.root.certificate,
                    signer.as_ref(),
                    &CrlContent {
                        number: 1,
                        this_update: at,
                        next_update: next,
                        revoked: &[],
                    },
                )
                .unwrap();
                return Ok(RevocationData {
                    ocsp_responses: Vec::new(),
                    crls: vec![crl.to_der().unwrap()],
                });
            }
        }
        Ok(RevocationData::default())
    }
}

pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A validator is missing: fail under CI, shout otherwise.
pub fn missing(what: &str) {
    assert!(!ci(), "{what} is required when CI=true");
    eprintln!("\n!!!!!!!! SKIPPED: {what} not found; this check did not run !!!!!!!!\n");
}

pub fn run(command: &mut Command) -> (bool, String) {
    let output = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

pub fn fixture_pdf(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

pub fn write_pem(dir: &Path, name: &str, certificates: &[Certificate]) -> PathBuf {
    let text: String = certificates
        .iter()
        .map(|c| c.to_pem(LineEnding::LF).unwrap())
        .collect();
    write(dir, name, text.as_bytes())
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// A round red seal on a transparent background.
pub fn seal_png() -> Vec<u8> {
    let size = 200u32;
    let mut img = image::RgbaImage::new(size, size);
    for (x, y, px) in img.enumerate_pixels_mut() {
        let dx = f64::from(x) - 100.0;
        let dy = f64::from(y) - 100.0;
        let r = (dx * dx + dy * dy).sqrt();
        let star = dx.abs() < 20.0 && dy.abs() < 20.0;
        if (80.0..95.0).contains(&r) || star {
            *px = image::Rgba([220, 20, 30, 255]);
        }
    }
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

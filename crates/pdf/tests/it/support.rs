//! Shared fixtures: CA hierarchies, signers, TSA, revocation source, validators.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use der::{EncodePem, pem::LineEnding};
use rand::SeedableRng;
use rand::rngs::StdRng;
use signet_pdf::Credentials;
use signet_pdf::sign::timestamp::LocalTsa;
use signet_pki::ca::{FamilyHierarchy, HierarchyConfig, create_family};
use signet_pki::issue::{CertificateTemplate, Issuer, issue};
use signet_pki::keystore::{KeyEncryptionKey, KeyStore, SoftwareKeyStore};
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
    /// Where the fixture CAs answer OCSP and CRL requests ([`crate::responder`]).
    pub base_url: String,
    pub store: SoftwareKeyStore,
    pub families: Vec<FamilyHierarchy>,
    pub alice: Party,
    pub bob: Party,
    pub carol: Party,
    pub sm2: Party,
    /// Issued by the RSA issuing CA and revoked an hour ago.
    pub mallory: Party,
    /// Certificates the responder reports revoked.
    pub revoked: Vec<Certificate>,
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

/// A signer certified by `hierarchy`'s issuing CA, whose AIA and CRL distribution point name
/// `base_url`.
pub fn party(
    base_url: &str,
    store: &SoftwareKeyStore,
    hierarchy: &FamilyHierarchy,
    algorithm: KeyAlgorithm,
    name: &'static str,
    seed: u64,
) -> Party {
    let (_, issuing_name) = signet_pki::ca::ca_names(hierarchy.family);
    let urls = signet_pki::extensions::CaUrls::new(base_url, &issuing_name);
    party_with(urls, store, hierarchy, algorithm, name, seed)
}

/// A signer certified by `hierarchy`'s issuing CA with these AIA/CRL URLs.
pub fn party_with(
    urls: signet_pki::extensions::CaUrls,
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
    let issuer = Issuer {
        certificate: &hierarchy.issuing.certificate,
        signer: issuing_signer.as_ref(),
        urls,
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

pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let store = SoftwareKeyStore::new(KeyEncryptionKey::new([42; 32]));
        let mut rng = rng(2026);
        let base_url = crate::responder::start();
        let config = HierarchyConfig::new(&base_url, "Signet PDF 测试");
        let start = now() - Duration::from_hours(24);
        let families: Vec<FamilyHierarchy> = Family::ALL
            .into_iter()
            .map(|family| create_family(&store, family, &config, start, &mut rng).unwrap())
            .collect();
        let get = |f: Family| families.iter().find(|h| h.family == f).unwrap();
        let alice = party(
            &base_url,
            &store,
            get(Family::Rsa),
            KeyAlgorithm::Rsa2048,
            "甲方 Alice",
            11,
        );
        let bob = party(
            &base_url,
            &store,
            get(Family::Ecc),
            KeyAlgorithm::EcdsaP256,
            "乙方 Bob",
            21,
        );
        let carol = party(
            &base_url,
            &store,
            get(Family::Rsa),
            KeyAlgorithm::Rsa2048,
            "丙方 Carol",
            31,
        );
        let sm2 = party(
            &base_url,
            &store,
            get(Family::Sm2),
            KeyAlgorithm::Sm2,
            "国密 Sm2",
            41,
        );
        let mallory = party(
            &base_url,
            &store,
            get(Family::Rsa),
            KeyAlgorithm::Rsa2048,
            "吊销 Mallory",
            51,
        );
        Fixture {
            base_url,
            revoked: vec![mallory.certificate.clone()],
            mallory,
            store,
            families,
            alice,
            bob,
            carol,
            sm2,
        }
    })
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

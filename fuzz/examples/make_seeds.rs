//! Writes the fuzz fixtures (the test CA) and the seeds the project's own code makes: certificate
//! requests and small PDFs, unsigned and signed. `fuzz/make-seeds.sh` runs it, then adds the
//! seeds openssl makes. Run from `fuzz/`: `cargo run --example make_seeds`.

use std::path::Path;
use std::time::{Duration, SystemTime};

use der::Encode as _;
use lopdf::{Document, Object, Stream, dictionary};
use signet_pdf::sign::timestamp::LocalTsa;
use signet_pdf::{Credentials, Level, SignOptions, sign_pdf};
use signet_pki::extensions::CaUrls;
use signet_pki::issue::{CertificateTemplate, Issuer, issue, self_signed_root};
use signet_pki::names::parse_name;
use signet_pki::profile::{Profile, TSA_POLICY};
use signet_pki::{KeyAlgorithm, Signer as _, SoftwareKey};
use x509_cert::Certificate;
use x509_cert::serial_number::SerialNumber;

type Error = Box<dyn std::error::Error>;

/// 2026-01-01T00:00:00Z; the fuzz targets' clock is five months later.
fn issued_at() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_hours(490_896)
}

/// A fixed rng for SM2 keys (the others come from AWS-LC's generator, which takes none).
struct Counter(u64);

impl rand_core::TryRng for Counter {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        Ok((self.0 >> 32) as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(u64::from(self.try_next_u32()?) << 32 | u64::from(self.try_next_u32()?))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for byte in dst {
            *byte = self.try_next_u32()?.to_le_bytes()[0];
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for Counter {}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, bytes)?;
    println!("{} ({} bytes)", path.display(), bytes.len());
    Ok(())
}

fn key(algorithm: KeyAlgorithm) -> Result<SoftwareKey, Error> {
    Ok(SoftwareKey::generate(algorithm, "", &mut Counter(2026))?)
}

/// One page, one line of text in a compressed content stream, Helvetica.
fn minimal_pdf() -> Result<Document, Error> {
    let mut document = Document::with_version("1.7");
    let pages = document.new_object_id();
    let font = document.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let mut content = Stream::new(
        dictionary! {},
        b"BT /F1 24 Tf 72 720 Td (Signet fuzz seed) Tj ET".to_vec(),
    );
    content.compress()?;
    let content = document.add_object(content);
    let page = document.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages,
        "Contents" => content,
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    document.objects.insert(
        pages,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
        }),
    );
    let catalog = document.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    document.trailer.set("Root", catalog);
    Ok(document)
}

/// Shapes the reader must refuse or bound (issue 4), as starting points for the fuzzer: a page
/// tree that loops, an `/Encrypt` trailer, and a content stream that inflates 1000-fold.
fn hostile_pdfs(dir: &Path) -> Result<(), Error> {
    let mut looped = minimal_pdf()?;
    let pages = looped.catalog()?.get(b"Pages")?.as_reference()?;
    let page = looped.get_dictionary(pages)?.get(b"Kids")?.as_array()?[0].as_reference()?;
    looped
        .get_dictionary_mut(pages)?
        .set("Kids", vec![page.into(), pages.into()]);
    let mut bytes = Vec::new();
    looped.save_to(&mut bytes)?;
    write(&dir.join("page-tree-loop.pdf"), &bytes)?;

    let mut encrypted = minimal_pdf()?;
    encrypted.trailer.set(
        "Encrypt",
        dictionary! {
            "Filter" => "Standard", "V" => 1, "R" => 2, "P" => -4,
            "O" => Object::string_literal(vec![0u8; 32]),
            "U" => Object::string_literal(vec![0u8; 32]),
        },
    );
    let mut bytes = Vec::new();
    encrypted.save_to(&mut bytes)?;
    write(&dir.join("encrypted.pdf"), &bytes)?;

    let mut inflating = minimal_pdf()?;
    let mut zeros = Stream::new(dictionary! {}, vec![b' '; 1 << 20]);
    zeros.compress()?;
    let page = inflating.page_iter().next().ok_or("no page")?;
    let content = inflating.add_object(zeros);
    inflating.get_dictionary_mut(page)?.set("Contents", content);
    let mut bytes = Vec::new();
    inflating.save_to(&mut bytes)?;
    write(&dir.join("inflates-1MiB.pdf"), &bytes)?;
    Ok(())
}

fn main() -> Result<(), Error> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = fuzz.join("seeds");

    // The test CA: the fuzz targets' OCSP responder, TSA and PDF trust anchor.
    let ca_key = key(KeyAlgorithm::EcdsaP256)?;
    let ca = self_signed_root(
        &ca_key,
        &parse_name("CN=Signet Fuzz Test CA,O=Signet,C=CN")?,
        SerialNumber::new(&[0x01])?,
        Duration::from_hours(10 * 365 * 24),
        issued_at(),
    )?;
    write(&fuzz.join("fixtures/ca.der"), &ca.to_der()?)?;
    write(&fuzz.join("fixtures/ca-key.der"), &ca_key.to_pkcs8_der()?)?;
    write(&fuzz.join("fixtures/ca.pem"), ca_pem(&ca)?.as_bytes())?;

    // Certificate requests the way a token client makes them.
    let subject = parse_name("CN=fuzz,O=Signet,C=CN")?;
    for (name, algorithm) in [
        ("p256.der", KeyAlgorithm::EcdsaP256),
        ("sm2.der", KeyAlgorithm::Sm2),
    ] {
        let csr = signet_pki::csr::make_csr(&key(algorithm)?, &subject)?;
        write(&seeds.join("csr").join(name), &csr)?;
    }

    // PDFs: classic xref table, xref stream with object streams, signed B-B, signed B-T.
    let mut document = minimal_pdf()?;
    let mut plain = Vec::new();
    document.save_to(&mut plain)?;
    write(&seeds.join("pdf_reader/minimal.pdf"), &plain)?;
    let mut modern = Vec::new();
    minimal_pdf()?.save_modern(&mut modern)?;
    write(&seeds.join("pdf_reader/modern.pdf"), &modern)?;
    hostile_pdfs(&seeds.join("pdf_reader"))?;

    let issuer = Issuer {
        certificate: &ca,
        signer: &ca_key,
        urls: CaUrls::new("https://ca.signet.test", "fuzz"),
    };
    let leaf = |profile, subject: &str, key: &SoftwareKey, serial: u8| {
        issue(
            &issuer,
            &CertificateTemplate {
                profile,
                subject: parse_name(subject)?,
                public_key: key.public_key().clone(),
                serial: SerialNumber::new(&[serial])?,
                validity: Duration::from_hours(2 * 365 * 24),
            },
            issued_at(),
        )
    };
    let signer_key = key(KeyAlgorithm::EcdsaP256)?;
    let credentials = Credentials {
        certificate: leaf(
            Profile::Personal,
            "CN=Fuzz Signer,serialNumber=11010519491231002X,C=CN",
            &signer_key,
            2,
        )?,
        signer: Box::new(signer_key),
        chain: Vec::new(),
    };
    let tsa_key = key(KeyAlgorithm::EcdsaP256)?;
    let tsa_certificate = leaf(
        Profile::Tsa,
        "CN=Signet Fuzz TSA,O=Signet,C=CN",
        &tsa_key,
        3,
    )?;
    let tsa = LocalTsa {
        tsa: signet_pki::tsa::Tsa {
            certificate: &tsa_certificate,
            signer: &tsa_key,
            policy: TSA_POLICY,
            accuracy: Duration::from_secs(1),
        },
        now: issued_at() + Duration::from_hours(24),
    };
    let mut options = SignOptions::new(issued_at() + Duration::from_hours(24));
    options.level = Level::BB;
    write(
        &seeds.join("pdf_reader/signed-bb.pdf"),
        &sign_pdf(&plain, &credentials, &options)?,
    )?;
    options.level = Level::BT;
    options.tsa = Some(&tsa);
    write(
        &seeds.join("pdf_reader/signed-bt.pdf"),
        &sign_pdf(&modern, &credentials, &options)?,
    )?;
    Ok(())
}

fn ca_pem(ca: &Certificate) -> Result<String, Error> {
    use der::EncodePem as _;
    Ok(ca.to_pem(der::pem::LineEnding::LF)?)
}

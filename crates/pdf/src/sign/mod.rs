//! PAdES signing: one incremental update per signature, then DSS and document timestamps.

pub mod cms;
pub mod field;
pub mod incremental;
pub mod raw;
pub mod timestamp;
pub mod update;

use std::time::SystemTime;

use der::Decode;
use der::asn1::ObjectIdentifier;
use signet_pki::algorithm::{KeyAlgorithm, SM2_DEFAULT_ID};
use signet_pki::signer::{Signer, SoftwareKey};
use x509_cert::Certificate;

use crate::dss::{self, RevocationSource};
use crate::error::{PdfError, Result};
use crate::reader;
use crate::seal::{self, RidingSeal, VisibleSeal};
use incremental::{FieldSpec, SignatureKind, Signing, Widget, append_signature};
use timestamp::TimestampSource;

/// PAdES baseline level to produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Level {
    /// Basic signature.
    #[serde(rename = "B-B")]
    BB,
    /// With a signature timestamp.
    #[serde(rename = "B-T")]
    BT,
    /// With certificates and revocation data in `/DSS`.
    #[serde(rename = "B-LT")]
    BLT,
    /// With a document timestamp over the DSS.
    #[serde(rename = "B-LTA")]
    BLTA,
}

impl std::str::FromStr for Level {
    type Err = PdfError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_uppercase().as_str() {
            "B-B" | "BB" => Ok(Self::BB),
            "B-T" | "BT" => Ok(Self::BT),
            "B-LT" | "BLT" => Ok(Self::BLT),
            "B-LTA" | "BLTA" => Ok(Self::BLTA),
            other => Err(PdfError::InvalidRequest(format!("unknown level {other}"))),
        }
    }
}

/// The signing party: key, certificate, intermediates.
pub struct Credentials {
    /// The private key.
    pub signer: Box<dyn Signer>,
    /// The signer's certificate.
    pub certificate: Certificate,
    /// Intermediate certificates (the root may be included; it is not required).
    pub chain: Vec<Certificate>,
}

impl Credentials {
    /// Load from PEM: a certificate (the first one is the signer's, any more are chain), an
    /// unencrypted PKCS#8 key (RSA, P-256 or SM2 — SM2 signs with the GM/T default ID) and
    /// optionally a chain file.
    pub fn from_pem(
        certificate_pem: &[u8],
        key_pem: &[u8],
        chain_pem: Option<&[u8]>,
    ) -> Result<Self> {
        let bad = |what: String| PdfError::Credentials(what);
        let mut certificates = Certificate::load_pem_chain(certificate_pem)
            .map_err(|e| bad(format!("certificate: {e}")))?;
        if certificates.is_empty() {
            return Err(bad("no certificate in the certificate file".into()));
        }
        let certificate = certificates.remove(0);
        let mut chain = certificates;
        if let Some(pem) = chain_pem {
            chain.extend(Certificate::load_pem_chain(pem).map_err(|e| bad(format!("chain: {e}")))?);
        }
        let text = std::str::from_utf8(key_pem).map_err(|_| bad("key file is not PEM".into()))?;
        let (label, der) =
            der::pem::decode_vec(text.trim().as_bytes()).map_err(|e| bad(format!("key: {e}")))?;
        if label != "PRIVATE KEY" {
            return Err(bad(format!(
                "key must be an unencrypted PKCS#8 PRIVATE KEY, found {label}"
            )));
        }
        let signer = SoftwareKey::from_pkcs8_der(&der, SM2_DEFAULT_ID)?;
        Ok(Self {
            signer: Box::new(signer),
            certificate,
            chain,
        })
    }

    /// Load the certificate, key and chain from files.
    pub fn from_files(
        certificate: &std::path::Path,
        key: &std::path::Path,
        chain: Option<&std::path::Path>,
    ) -> Result<Self> {
        let chain = chain.map(std::fs::read).transpose()?;
        Self::from_pem(
            &std::fs::read(certificate)?,
            &std::fs::read(key)?,
            chain.as_deref(),
        )
    }

    /// Parse one DER certificate (for callers holding DER).
    pub fn parse_der(der: &[u8]) -> Result<Certificate> {
        Certificate::from_der(der).map_err(|e| PdfError::Credentials(e.to_string()))
    }

    /// Parse PEM certificates (trust roots, chains).
    pub fn parse_pem(pem: &[u8]) -> Result<Vec<Certificate>> {
        Certificate::load_pem_chain(pem).map_err(|e| PdfError::Credentials(e.to_string()))
    }
}

/// How to sign.
pub struct SignOptions<'a> {
    /// Level to reach.
    pub level: Level,
    /// `/M` in the signature dictionary (injected clock).
    pub signing_time: SystemTime,
    /// Signature timestamps and document timestamps (required from B-T).
    pub tsa: Option<&'a dyn TimestampSource>,
    /// OCSP answers and CRLs for `/DSS` (required from B-LT).
    pub revocation: Option<&'a dyn RevocationSource>,
    /// More certificates for `/DSS` (e.g. the TSA's chain).
    pub extra_certificates: Vec<Certificate>,
    /// A visible seal (else the signature is invisible).
    pub seal: Option<VisibleSeal>,
    /// A cross-page seal carried by this party.
    pub riding_seal: Option<RidingSeal>,
    /// `/Reason`.
    pub reason: Option<String>,
    /// `/Location`.
    pub location: Option<String>,
    /// `/Name`.
    pub name: Option<String>,
}

impl SignOptions<'_> {
    /// B-B, invisible, at `signing_time`.
    pub fn new(signing_time: SystemTime) -> Self {
        Self {
            level: Level::BB,
            signing_time,
            tsa: None,
            revocation: None,
            extra_certificates: Vec::new(),
            seal: None,
            riding_seal: None,
            reason: None,
            location: None,
            name: None,
        }
    }
}

/// Starting `/Contents` reservation for a signature: certificates, signature, timestamp token.
fn initial_reserve(credentials: &Credentials, timestamped: bool) -> usize {
    let certificates: usize = std::iter::once(&credentials.certificate)
        .chain(&credentials.chain)
        .map(|c| {
            der::Encode::encoded_len(c)
                .map_or(4096, |l| usize::try_from(u32::from(l)).unwrap_or(4096))
        })
        .sum();
    certificates + 2048 + if timestamped { 12 * 1024 } else { 0 }
}

/// Room left in a `/Contents` reservation sized from an earlier signature by the same signer
/// and TSA: its signature value, timestamp serial and time vary by a few bytes.
const RESERVE_MARGIN: usize = 512;

/// Append one signature, growing the placeholder and retrying if the CMS did not fit. Returns
/// the bytes the signature took.
fn sign_once(
    signing: &mut Signing,
    spec: &FieldSpec<'_>,
    kind: &SignatureKind,
    mut reserve: usize,
    algorithm: ObjectIdentifier,
    sign: &dyn Fn(&[u8]) -> Result<Vec<u8>>,
) -> Result<usize> {
    for _ in 0..3 {
        match append_signature(signing, spec, kind, reserve, algorithm, sign) {
            Err(PdfError::PlaceholderTooSmall { needed, .. }) => reserve = needed + 1024,
            other => return other,
        }
    }
    Err(PdfError::PlaceholderTooSmall {
        needed: reserve,
        reserved: reserve,
    })
}

/// Sign `input` (any PDF, already frozen) and return the signed file.
///
/// The riding seal's slices are signed first, one signature field per page; the main signature
/// (with the visible seal, if any) comes last so it covers them. From B-LT a `/DSS` revision
/// follows, and for B-LTA a document timestamp.
pub fn sign_pdf(
    input: &[u8],
    credentials: &Credentials,
    options: &SignOptions<'_>,
) -> Result<Vec<u8>> {
    sign_pdf_owned(input.to_vec(), credentials, options)
}

/// [`sign_pdf`] on a file the caller hands over: the document is held once, and grows in
/// place into the signed file. The file is parsed once; each revision hashes only itself.
pub fn sign_pdf_owned(
    input: Vec<u8>,
    credentials: &Credentials,
    options: &SignOptions<'_>,
) -> Result<Vec<u8>> {
    if options.level >= Level::BT && options.tsa.is_none() {
        return Err(PdfError::InvalidRequest(format!(
            "{:?} needs a time-stamping authority",
            options.level
        )));
    }
    if options.level >= Level::BLT && options.revocation.is_none() {
        return Err(PdfError::InvalidRequest(format!(
            "{:?} needs a revocation data source",
            options.level
        )));
    }
    let algorithm = credentials.signer.key_algorithm();
    let sm2 = algorithm == KeyAlgorithm::Sm2;
    let kind = SignatureKind::Signature {
        sub_filter: if sm2 {
            "adbe.pkcs7.detached"
        } else {
            "ETSI.CAdES.detached"
        },
        time: options.signing_time,
        reason: options.reason.clone(),
        location: options.location.clone(),
        name: options.name.clone(),
    };
    let timestamp = if options.level >= Level::BT {
        options.tsa
    } else {
        None
    };
    let digest_algorithm = cms::digest_for(algorithm);
    let sign = |digest: &[u8]| -> Result<Vec<u8>> {
        cms::build_signed_data(&cms::CmsInput {
            signer: credentials.signer.as_ref(),
            certificate: &credentials.certificate,
            chain: &credentials.chain,
            content_digest: digest,
            timestamp,
        })
    };
    // The first signature reserves a generous estimate; every later one (riding-seal slices, the
    // main signature) reserves what the first took and a margin, which keeps a 200-slice seal
    // from carrying megabytes of zeros that every reader parses.
    let mut reserve = initial_reserve(credentials, timestamp.is_some());
    let mut signing = Signing::new(reader::load_lean(input)?);
    if let Some(riding) = &options.riding_seal {
        let placements = seal::riding_placements_in(&signing.pdf, riding)?;
        for placement in &placements {
            let appearance = |update: &mut update::Update<'_>, rotation| {
                placement.appearance.add_to(update, rotation)
            };
            let spec = FieldSpec {
                name_prefix: "RidingSeal",
                page: placement.page,
                widget: Some(Widget {
                    rect: placement.rect,
                    appearance: &appearance,
                }),
            };
            let used = sign_once(&mut signing, &spec, &kind, reserve, digest_algorithm, &sign)?;
            reserve = used + RESERVE_MARGIN;
        }
    }
    if let Some(visible) = &options.seal {
        let placement = seal::visible_placement(visible)?;
        let appearance = |update: &mut update::Update<'_>, rotation| {
            placement.appearance.add_to(update, rotation)
        };
        let spec = FieldSpec {
            name_prefix: "Signature",
            page: placement.page,
            widget: Some(Widget {
                rect: placement.rect,
                appearance: &appearance,
            }),
        };
        sign_once(&mut signing, &spec, &kind, reserve, digest_algorithm, &sign)?;
    } else {
        let spec = FieldSpec {
            name_prefix: "Signature",
            page: 0,
            widget: None,
        };
        sign_once(&mut signing, &spec, &kind, reserve, digest_algorithm, &sign)?;
    }
    if options.level >= Level::BLT
        && let Some(source) = options.revocation
    {
        dss::add_dss_to(
            &mut signing.pdf,
            source,
            &options.extra_certificates,
            options.signing_time,
        )?;
    }
    if options.level == Level::BLTA
        && let Some(tsa) = options.tsa
    {
        timestamp_document(&mut signing, tsa)?;
    }
    Ok(signing.into_bytes())
}

/// Append a document timestamp (`ETSI.RFC3161`) covering everything so far.
pub fn add_document_timestamp(input: &[u8], tsa: &dyn TimestampSource) -> Result<Vec<u8>> {
    let mut signing = Signing::new(reader::load_lean(input.to_vec())?);
    timestamp_document(&mut signing, tsa)?;
    Ok(signing.into_bytes())
}

fn timestamp_document(signing: &mut Signing, tsa: &dyn TimestampSource) -> Result<()> {
    let sha256 = signet_pki::algorithm::SHA256;
    let sign = |digest: &[u8]| tsa.timestamp(sha256, digest);
    let spec = FieldSpec {
        name_prefix: "DocTimeStamp",
        page: 0,
        widget: None,
    };
    sign_once(
        signing,
        &spec,
        &SignatureKind::DocTimestamp,
        12 * 1024,
        sha256,
        &sign,
    )
    .map(drop)
}

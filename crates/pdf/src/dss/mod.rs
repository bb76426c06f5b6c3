//! The Document Security Store: certificates, OCSP answers and CRLs for long-term validation.

pub mod http;

use std::time::SystemTime;

use der::{Decode, Encode};
use lopdf::{Dictionary, Object, Stream};
use x509_cert::Certificate;

use crate::chain::{build_chain, extend_unique, self_signed};
use crate::error::{PdfError, Result};
use crate::reader::{self, Pdf};
use crate::sign::raw::Edit;
use crate::sign::update::{Appended, Update};
use crate::signatures::{certificates, find_signatures, signature_timestamps, signed_data};
use crate::verify::revocation::status_of;
pub use http::HttpRevocation;

/// Revocation data for one certificate.
#[derive(Clone, Debug, Default)]
pub struct RevocationData {
    /// DER `OCSPResponse`s.
    pub ocsp_responses: Vec<Vec<u8>>,
    /// DER CRLs.
    pub crls: Vec<Vec<u8>>,
}

/// Where B-LT gets revocation data: an OCSP client, a CRL cache, or the platform's own CA.
pub trait RevocationSource: Send + Sync {
    /// Current status evidence for `certificate`, issued by `issuer`.
    fn revocation(&self, certificate: &Certificate, issuer: &Certificate)
    -> Result<RevocationData>;
}

/// What the DSS holds (read back by the verifier).
#[derive(Clone, Debug, Default)]
pub struct DssContent {
    /// DER certificates.
    pub certificates: Vec<Vec<u8>>,
    /// DER OCSP responses.
    pub ocsp_responses: Vec<Vec<u8>>,
    /// DER CRLs.
    pub crls: Vec<Vec<u8>>,
}

/// Read the `/DSS` of `pdf`.
pub fn read_dss(pdf: &Pdf) -> DssContent {
    let mut content = DssContent::default();
    let Some(dss) = pdf
        .catalog()
        .ok()
        .and_then(|c| c.get(b"DSS").ok())
        .and_then(|d| pdf.resolve(d).ok())
        .and_then(|d| d.as_dict().ok())
    else {
        return content;
    };
    for (key, out) in [
        (&b"Certs"[..], &mut content.certificates),
        (b"OCSPs", &mut content.ocsp_responses),
        (b"CRLs", &mut content.crls),
    ] {
        let items = dss
            .get(key)
            .ok()
            .and_then(|a| pdf.resolve(a).ok())
            .and_then(|a| a.as_array().ok());
        for item in items.into_iter().flatten() {
            if let Ok(Object::Stream(stream)) = pdf.resolve(item)
                && let Ok(data) = pdf.stream_content(stream)
            {
                out.push(data);
            }
        }
    }
    content
}

/// Append a revision with a `/DSS` holding every certificate, OCSP answer and CRL needed to
/// validate each signature and timestamp in `input` later.
///
/// The evidence `source` gives must prove each certificate unrevoked at `at`: a revoked
/// certificate, or evidence about something else, is an error rather than a `/DSS` that
/// validators would reject later.
pub fn add_dss(
    input: Vec<u8>,
    source: &dyn RevocationSource,
    extra: &[Certificate],
    at: SystemTime,
) -> Result<Vec<u8>> {
    let mut pdf = reader::load_lean(input)?;
    add_dss_to(&mut pdf, source, extra, at)?;
    Ok(pdf.bytes)
}

/// [`add_dss`] on a parsed file, appending to it in place.
pub fn add_dss_to(
    pdf: &mut Pdf,
    source: &dyn RevocationSource,
    extra: &[Certificate],
    at: SystemTime,
) -> Result<()> {
    let existing = read_dss(pdf);
    let mut pool: Vec<Certificate> = extra.to_vec();
    extend_unique(
        &mut pool,
        existing
            .certificates
            .iter()
            .filter_map(|d| Certificate::from_der(d).ok()),
    );
    let mut leaves = Vec::new();
    for signature in find_signatures(pdf)? {
        let Ok(signed) = signed_data(&signature.contents) else {
            continue;
        };
        let mut tokens = signature_timestamps(&signed);
        if signature.document_timestamp {
            tokens.push(signature.contents.clone());
        }
        let carried = certificates(&signed);
        if let Some(leaf) = signer_certificate(&signed, &carried) {
            leaves.push(leaf);
        }
        extend_unique(&mut pool, carried);
        for token in tokens {
            if let Ok(token_data) = signed_data(&token) {
                let carried = certificates(&token_data);
                if let Some(leaf) = signer_certificate(&token_data, &carried) {
                    leaves.push(leaf);
                }
                extend_unique(&mut pool, carried);
            }
        }
    }
    let mut new = DssContent::default();
    let mut done: Vec<Certificate> = Vec::new();
    for leaf in &leaves {
        let chain = build_chain(leaf, &pool);
        if chain.last().is_some_and(|c| !self_signed(c)) {
            return Err(PdfError::Revocation(format!(
                "no issuer known for {}: pass the chain up to the root",
                chain
                    .last()
                    .map(|c| c.tbs_certificate().subject().to_string())
                    .unwrap_or_default()
            )));
        }
        for pair in chain.windows(2) {
            let (certificate, issuer) = (&pair[0], &pair[1]);
            if done.contains(certificate) || self_signed(certificate) {
                continue;
            }
            done.push(certificate.clone());
            let data = source.revocation(certificate, issuer)?;
            let evidence = DssContent {
                certificates: Vec::new(),
                ocsp_responses: data.ocsp_responses.clone(),
                crls: data.crls.clone(),
            };
            match status_of(certificate, issuer, &evidence, at)
                .status
                .as_str()
            {
                "good" => {}
                "revoked" => {
                    return Err(PdfError::Revocation(format!(
                        "{} is revoked",
                        certificate.tbs_certificate().subject()
                    )));
                }
                _ => {
                    return Err(PdfError::Revocation(format!(
                        "no OCSP answer or CRL signed by its issuer proves the status of {}",
                        certificate.tbs_certificate().subject()
                    )));
                }
            }
            push_unique(
                &mut new.ocsp_responses,
                &existing.ocsp_responses,
                data.ocsp_responses,
            );
            push_unique(&mut new.crls, &existing.crls, data.crls);
        }
        for certificate in chain {
            let der = certificate.to_der()?;
            push_unique(&mut new.certificates, &existing.certificates, vec![der]);
        }
    }
    let (tail, appended) = write_dss(pdf, &new)?;
    pdf.absorb(&tail, &appended)
}

fn push_unique(out: &mut Vec<Vec<u8>>, existing: &[Vec<u8>], more: Vec<Vec<u8>>) {
    for item in more {
        if !existing.contains(&item) && !out.contains(&item) {
            out.push(item);
        }
    }
}

/// The certificate that signed the first `SignerInfo`.
pub fn signer_certificate(
    signed: &cms::signed_data::SignedData,
    carried: &[Certificate],
) -> Option<Certificate> {
    let info = signed.signer_infos.0.iter().next()?;
    match &info.sid {
        cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(id) => carried
            .iter()
            .find(|c| {
                c.tbs_certificate().issuer() == &id.issuer
                    && c.tbs_certificate().serial_number() == &id.serial_number
            })
            .cloned(),
        cms::signed_data::SignerIdentifier::SubjectKeyIdentifier(ski) => carried
            .iter()
            .find(|c| {
                c.tbs_certificate()
                    .get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
                    .ok()
                    .flatten()
                    .is_some_and(|(_, k)| k.0 == ski.0)
            })
            .cloned(),
    }
}

fn write_dss(pdf: &Pdf, new: &DssContent) -> Result<(Vec<u8>, Appended)> {
    let catalog_id = pdf.catalog_id()?;
    let old_dss = pdf
        .catalog()?
        .get(b"DSS")
        .ok()
        .and_then(|d| pdf.resolve(d).ok())
        .and_then(|d| d.as_dict().ok())
        .cloned()
        .unwrap_or_default();
    let mut update = Update::new(pdf);
    let mut dss = Dictionary::new();
    dss.set("Type", Object::Name(b"DSS".to_vec()));
    for (key, items) in [
        ("Certs", &new.certificates),
        ("OCSPs", &new.ocsp_responses),
        ("CRLs", &new.crls),
    ] {
        let mut array: Vec<Object> = old_dss
            .get(key.as_bytes())
            .ok()
            .and_then(|a| pdf.resolve(a).ok())
            .and_then(|a| a.as_array().ok().cloned())
            .unwrap_or_default();
        for item in items {
            let mut stream = Stream::new(Dictionary::new(), item.clone());
            stream.compress()?;
            array.push(Object::Reference(update.add(stream)));
        }
        if !array.is_empty() {
            dss.set(key, Object::Array(array));
        }
    }
    let dss_id = update.add(dss);
    update.edit(
        catalog_id,
        &[Edit::Set(b"DSS", format!("{} {} R", dss_id.0, dss_id.1))],
    )?;
    update.write_tail()
}

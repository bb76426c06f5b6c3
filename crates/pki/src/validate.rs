//! Certificate path validation: chain to a trusted root, signatures, validity, CA constraints.

use std::time::SystemTime;

use der::Encode;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};

use crate::error::{PkiError, Result};
use crate::signer::{Sm2Ids, verify_signature};

/// Longest chain followed (leaf, intermediates, root).
const MAX_DEPTH: usize = 8;

fn fail(what: impl Into<String>) -> PkiError {
    PkiError::PathValidation(what.into())
}

fn check_time(certificate: &Certificate, at: SystemTime) -> Result<()> {
    let validity = certificate.tbs_certificate().validity();
    if at < validity.not_before.to_system_time() || at > validity.not_after.to_system_time() {
        return Err(fail(format!(
            "{} is not valid at the given time",
            certificate.tbs_certificate().subject()
        )));
    }
    Ok(())
}

fn check_signature(subject: &Certificate, issuer: &Certificate, sm2_ids: Sm2Ids<'_>) -> Result<()> {
    let signature = subject
        .signature()
        .as_bytes()
        .ok_or_else(|| fail("signature has unused bits"))?;
    if subject.signature_algorithm() != subject.tbs_certificate().signature() {
        return Err(fail(
            "signature algorithm differs inside and outside the TBS",
        ));
    }
    verify_signature(
        issuer.tbs_certificate().subject_public_key_info(),
        subject.signature_algorithm(),
        &subject.tbs_certificate().to_der()?,
        signature,
        sm2_ids,
    )
    .map_err(|e| match e {
        PkiError::BadSignature => fail(format!(
            "signature on {} does not verify",
            subject.tbs_certificate().subject()
        )),
        other => other,
    })
}

/// Check `issuer` may issue certificates, with `below` CA certificates under it in the path.
fn check_ca(issuer: &Certificate, below: usize) -> Result<()> {
    let tbs = issuer.tbs_certificate();
    let name = tbs.subject();
    let constraints = tbs
        .get_extension::<BasicConstraints>()?
        .map(|(_, c)| c)
        .ok_or_else(|| fail(format!("{name} has no basicConstraints")))?;
    if !constraints.ca {
        return Err(fail(format!("{name} is not a CA")));
    }
    if let Some(limit) = constraints.path_len_constraint
        && below > usize::from(limit)
    {
        return Err(fail(format!("{name}'s path length constraint is exceeded")));
    }
    if let Some((_, usage)) = tbs.get_extension::<KeyUsage>()?
        && !usage.0.contains(KeyUsages::KeyCertSign)
    {
        return Err(fail(format!("{name} may not sign certificates")));
    }
    Ok(())
}

/// Certificate links whose signature [`validate_path_cached`] has verified: the subject
/// certificate and the key of the issuer that signed it. A document carries the same CA
/// certificates in several chains (its signer's, its time-stamp authority's, a riding seal's
/// slices), and each link's signature then needs checking once. A link is remembered with the
/// SM2 IDs it was accepted under and found again only under the same ones.
#[derive(Default)]
pub struct VerifiedLinks {
    links: Vec<(Certificate, spki::SubjectPublicKeyInfoOwned, Vec<String>)>,
}

impl VerifiedLinks {
    /// Whether `issuer`'s key signed `subject` (checked once, then remembered when it did).
    fn signed(&mut self, subject: &Certificate, issuer: &Certificate, sm2_ids: Sm2Ids<'_>) -> bool {
        let key = issuer.tbs_certificate().subject_public_key_info();
        let same_ids =
            |ids: &Vec<String>| ids.iter().map(String::as_str).eq(sm2_ids.0.iter().copied());
        if self
            .links
            .iter()
            .any(|(s, k, ids)| k == key && same_ids(ids) && s == subject)
        {
            return true;
        }
        let good = check_signature(subject, issuer, sm2_ids).is_ok();
        if good {
            let ids = sm2_ids.0.iter().map(|&id| id.to_owned()).collect();
            self.links.push((subject.clone(), key.clone(), ids));
        }
        good
    }
}

/// Build and check the path from `leaf` to one of `roots` at time `at`.
///
/// Returns the path, leaf first, trust anchor last. SM2 signatures are accepted under any of
/// `sm2_ids` (a CA set up with GM/T's ID and one set up for OpenSSL 3.0 both validate with
/// [`Sm2Ids::EITHER`]).
pub fn validate_path(
    leaf: &Certificate,
    intermediates: &[Certificate],
    roots: &[Certificate],
    at: SystemTime,
    sm2_ids: Sm2Ids<'_>,
) -> Result<Vec<Certificate>> {
    validate_path_cached(
        leaf,
        intermediates,
        roots,
        at,
        sm2_ids,
        &mut VerifiedLinks::default(),
    )
}

/// [`validate_path`], with the signatures of links already in `links` not checked again.
pub fn validate_path_cached(
    leaf: &Certificate,
    intermediates: &[Certificate],
    roots: &[Certificate],
    at: SystemTime,
    sm2_ids: Sm2Ids<'_>,
    links: &mut VerifiedLinks,
) -> Result<Vec<Certificate>> {
    let mut path: Vec<&Certificate> = vec![leaf];
    check_time(leaf, at)?;
    loop {
        let Some(&current) = path.last() else {
            return Err(fail("empty path"));
        };
        if path.len() > MAX_DEPTH {
            return Err(fail("path too long"));
        }
        let issuer_name = current.tbs_certificate().issuer();
        if let Some(root) = roots.iter().find(|r| {
            r.tbs_certificate().subject() == issuer_name && links.signed(current, r, sm2_ids)
        }) {
            if root != current {
                check_time(root, at)?;
                check_ca(root, path.len() - 1)?;
                path.push(root);
            }
            return Ok(path.into_iter().cloned().collect());
        }
        let next = intermediates
            .iter()
            .filter(|c| c.tbs_certificate().subject() == issuer_name && !path.contains(c))
            .find(|c| links.signed(current, c, sm2_ids))
            .ok_or_else(|| {
                fail(format!(
                    "no trusted issuer found for {}",
                    current.tbs_certificate().subject()
                ))
            })?;
        check_time(next, at)?;
        check_ca(next, path.len() - 1)?;
        path.push(next);
    }
}

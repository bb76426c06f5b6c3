//! Building certificate chains from the certificates a PDF carries.

use der::Encode;
use signet_pki::signer::{Sm2Ids, verify_signature};
use x509_cert::Certificate;

/// Longest chain built.
const MAX_CHAIN: usize = 8;

/// Whether `issuer` signed `subject`.
pub fn issued_by(subject: &Certificate, issuer: &Certificate) -> bool {
    if subject.tbs_certificate().issuer() != issuer.tbs_certificate().subject() {
        return false;
    }
    let Some(signature) = subject.signature().as_bytes() else {
        return false;
    };
    let Ok(tbs) = subject.tbs_certificate().to_der() else {
        return false;
    };
    verify_signature(
        issuer.tbs_certificate().subject_public_key_info(),
        subject.signature_algorithm(),
        &tbs,
        signature,
        Sm2Ids::EITHER,
    )
    .is_ok()
}

/// Whether the certificate is self-issued and self-signed.
pub fn self_signed(certificate: &Certificate) -> bool {
    issued_by(certificate, certificate)
}

/// `leaf` followed by each issuer found in `pool`, up to a self-signed one or a gap.
pub fn build_chain(leaf: &Certificate, pool: &[Certificate]) -> Vec<Certificate> {
    Links::default().chain(leaf, &[pool])
}

/// Links between certificates already checked, with their result: a file with many
/// signatures by the same signer (a riding seal) checks each link of its chain once, and a
/// path `validate_path` has verified is not verified again to be shown.
#[derive(Default)]
pub struct Links {
    checked: Vec<(Certificate, Certificate, bool)>,
    /// The links `validate_path_cached` verified, shared by every path a file's signatures
    /// and time-stamps validate.
    pub validated: signet_pki::validate::VerifiedLinks,
}

impl Links {
    /// Whether `issuer` signed `subject`, as [`issued_by`], remembered.
    pub fn issued_by(&mut self, subject: &Certificate, issuer: &Certificate) -> bool {
        if subject.tbs_certificate().issuer() != issuer.tbs_certificate().subject() {
            return false;
        }
        if let Some((_, _, known)) = self
            .checked
            .iter()
            .find(|(s, i, _)| s == subject && i == issuer)
        {
            return *known;
        }
        let result = issued_by(subject, issuer);
        self.checked.push((subject.clone(), issuer.clone(), result));
        result
    }

    /// Whether the certificate is self-issued and self-signed, as [`self_signed`], remembered.
    pub fn self_signed(&mut self, certificate: &Certificate) -> bool {
        self.issued_by(certificate, certificate)
    }

    /// Take the links of a path `signet_pki::validate::validate_path` returned (leaf first) as
    /// verified: its checks are those of [`issued_by`] and more (the issuer's name, the
    /// signature, and the same signature algorithm inside and outside the TBS).
    pub fn verified(&mut self, path: &[Certificate]) {
        for pair in path.windows(2) {
            let (subject, issuer) = (&pair[0], &pair[1]);
            if !self
                .checked
                .iter()
                .any(|(s, i, _)| s == subject && i == issuer)
            {
                self.checked.push((subject.clone(), issuer.clone(), true));
            }
        }
    }

    /// [`build_chain`] over several pools searched in order, links remembered.
    pub fn chain(&mut self, leaf: &Certificate, pools: &[&[Certificate]]) -> Vec<Certificate> {
        let mut chain = vec![leaf.clone()];
        while chain.len() < MAX_CHAIN {
            let Some(current) = chain.last() else { break };
            if self.self_signed(current) {
                break;
            }
            let Some(issuer) = pools
                .iter()
                .flat_map(|pool| pool.iter())
                .find(|c| !chain.contains(c) && self.issued_by(current, c))
            else {
                break;
            };
            chain.push(issuer.clone());
        }
        chain
    }
}

/// Add `more` to `pool`, skipping duplicates.
pub fn extend_unique(pool: &mut Vec<Certificate>, more: impl IntoIterator<Item = Certificate>) {
    for certificate in more {
        if !pool.contains(&certificate) {
            pool.push(certificate);
        }
    }
}

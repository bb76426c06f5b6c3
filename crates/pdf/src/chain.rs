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
    let mut chain = vec![leaf.clone()];
    while chain.len() < MAX_CHAIN {
        let Some(current) = chain.last() else { break };
        if self_signed(current) {
            break;
        }
        let Some(issuer) = pool
            .iter()
            .find(|c| !chain.contains(c) && issued_by(current, c))
        else {
            break;
        };
        chain.push(issuer.clone());
    }
    chain
}

/// Add `more` to `pool`, skipping duplicates.
pub fn extend_unique(pool: &mut Vec<Certificate>, more: impl IntoIterator<Item = Certificate>) {
    for certificate in more {
        if !pool.contains(&certificate) {
            pool.push(certificate);
        }
    }
}

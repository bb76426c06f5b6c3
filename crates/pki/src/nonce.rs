//! Request nonces for OCSP (RFC 8954 asks for a cryptographically strong generator) and
//! time-stamp requests: unpredictable bytes from the operating system's generator, so nobody can
//! fetch an answer to a request before we make it and replay it to us.

use crate::error::{PkiError, Result};

/// `len` random bytes.
pub fn random_nonce(len: usize) -> Result<Vec<u8>> {
    let mut bytes = vec![0u8; len];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| PkiError::Key("the system random generator failed".into()))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::random_nonce;

    #[test]
    fn nonces_have_the_length_asked_and_do_not_repeat() {
        let a = random_nonce(16).unwrap();
        let b = random_nonce(16).unwrap();
        assert_eq!(a.len(), 16);
        assert_ne!(a, b);
        assert_eq!(random_nonce(12).unwrap().len(), 12);
    }
}

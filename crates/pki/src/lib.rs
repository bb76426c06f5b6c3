//! X.509 and key handling for the Signet certificate authority: no database, no HTTP.
//!
//! `signet init` calls [`ca::create_hierarchy`]; issuance goes through [`csr::parse_csr`] and
//! [`issue::issue`]; the `/pki` endpoints use [`crl::build_crl`], [`ocsp`] and [`tsa`].

pub mod algorithm;
pub mod ca;
pub mod cms;
pub mod crl;
pub mod csr;
pub mod error;
pub mod extensions;
pub mod ids;
pub mod issue;
pub mod keystore;
pub mod names;
pub mod nonce;
pub mod ocsp;
pub mod profile;
pub mod serial;
pub mod signer;
pub mod tsa;
pub mod validate;

pub use algorithm::{Family, KeyAlgorithm};
pub use error::{PkiError, Result};
pub use signer::{Signer, SoftwareKey};

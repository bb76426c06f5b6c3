//! Integration tests for signet-pki: every artefact is handed to independent validators.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_lines,
    reason = "test helpers outside #[test] fail loudly by design; scenarios read top to bottom"
)]

mod crl;
mod fuzz;
mod hierarchy;
mod issuance;
mod ocsp;
mod pkcs11;
mod support;
mod tsa;
mod validate;

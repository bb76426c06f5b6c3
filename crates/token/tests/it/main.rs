//! Integration tests for signet-token: every token operation against `SoftHSM2`, every artefact
//! checked by an independent tool: OpenSSL, and `pkcs11-tool` of the `opensc` package.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_lines,
    reason = "test helpers outside #[test] fail loudly by design; scenarios read top to bottom"
)]

mod agent;
mod certificates;
mod keys;
mod pins;
mod support;
mod tokens;

//! Integration tests of the HTTP API, each against its own server on port 0 and its own database
//! (SQLite, or PostgreSQL when `SIGNET_TEST_DATABASE_URL` is set; `cargo xtask test` runs both).

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::too_many_lines,
    reason = "test helpers outside #[test] fail loudly by design; scenarios read top to bottom"
)]

mod audit;
mod center;
mod codes;
mod contracts;
mod desk;
mod ec_enterprise;
mod employees;
mod enumeration;
mod handwriting;
mod headers;
mod help;
mod login;
mod ops;
mod pki;
mod pki_limits;
mod problems;
mod qr_login;
mod rate_limits;
mod register;
mod routes;
mod seals;
mod security;
mod support;
mod try_limits;
mod verify;
mod webhooks;

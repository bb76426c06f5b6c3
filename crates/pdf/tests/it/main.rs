//! Integration tests for signet-pdf: every signed file goes to pyHanko and poppler's pdfsig.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_lines,
    reason = "test helpers outside #[test] fail loudly by design; scenarios read top to bottom"
)]

mod document;
mod freeze;
mod freeze_boxes;
mod history;
mod lean;
mod names;
mod responder;
mod revocation;
mod rotated;
mod scale;
mod seals;
mod signing;
mod support;
mod tamper;
mod validators;

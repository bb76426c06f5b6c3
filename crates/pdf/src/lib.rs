//! PDF work for Signet: freezing content, seals, `PAdES` signatures and their verification.
//!
//! The CLI calls [`sign_file`]/[`sign::sign_pdf`], [`freeze::freeze_pdf`] and
//! [`verify::verify_pdf`]; everything takes bytes or paths plus an options struct.

#![allow(
    clippy::doc_markdown,
    clippy::type_complexity,
    clippy::too_many_lines,
    reason = "PDF names (ByteRange, SubFilter) read better unquoted; the signing closures are \
              one-off types; the verifier's per-signature walk reads best top to bottom (to split)"
)]

pub mod chain;
pub mod digest;
pub mod document;
pub mod dss;
pub mod error;
pub mod freeze;
pub mod info;
pub mod page;
pub mod reader;
pub mod revision;
pub mod seal;
pub mod sign;
pub mod signatures;
pub mod text;

pub use error::{PdfError, Result};
pub use sign::{Credentials, Level, SignOptions, sign_pdf};
pub mod verify;

pub use verify::{Report, VerifyOptions, verify_pdf, verify_pdf_online};

//! Signet's domain: the `platform` floor (accounts, database, audit, providers) and three wings on
//! it: `ca` (the certificate authority), `desk` (the certificate registration desk) and `contracts`
//! (the e-contract platform). Nothing here knows HTTP.

pub mod ca;
pub mod contracts;
pub mod desk;
pub mod error;
pub mod platform;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{CoreError, ErrorKind};
pub use platform::Platform;

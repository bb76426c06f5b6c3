//! Signet's domain in three wings: `platform` (accounts, database, audit, providers), `desk` (the
//! certificate registration desk) and `contracts` (the e-contract platform). Nothing here knows HTTP.

pub mod contracts;
pub mod desk;
pub mod error;
pub mod platform;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{CoreError, ErrorKind};
pub use platform::Platform;

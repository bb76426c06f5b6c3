//! Seals (ES-12, ES-14; seed 004 §2.7.3, §2.9.2): an enterprise's seals, one per seal type, bound
//! to the enterprise's certificate and granted to members through [`super::grants`]; a person's
//! name seal and phone-captured handwriting, bound to the person's certificate. Every image is a
//! transparent PNG in the blob store, drawn by [`art`] or uploaded and checked by [`png`].

pub mod art;
pub mod enterprise;
pub(crate) mod errors;
pub mod personal;
pub mod png;
mod store;

pub use enterprise::ensure_default_seals;
pub use store::{SealImage, SealView};
#[cfg(feature = "testing")]
pub mod fixture;

//! The e-contract platform (seed 004): real-named persons, enterprises certified through the desk,
//! members, business types, seals and grants, employees, and later templates, tasks and archive.
//! It stands on `platform`, `ca` and the desk's public face (enterprises certify through desk
//! orders); the desk knows nothing of it.
//!
//! Every query that takes an enterprise, person or seal id from a request goes through
//! [`access`], so an id of another enterprise reads as not found, never as its data.

pub mod access;
pub mod employees;
pub mod error;
pub mod grants;

pub use error::ContractsError;

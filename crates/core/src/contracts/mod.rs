//! The e-contract platform (seed 004): real-named persons, enterprises certified through the desk,
//! members, business types, seals and grants, employees, and later templates, tasks and archive.
//! It stands on `platform`, `ca` and the desk's public face (enterprises certify through desk
//! orders); the desk knows nothing of it.
//!
//! Every query that takes an enterprise, person or seal id from a request goes through
//! [`access`], so an id of another enterprise reads as not found, never as its data.

pub mod access;
pub mod archives;
pub mod billing;
pub mod bulk;
pub mod certificates;
pub mod changes;
pub mod consent;
pub mod contacts;
pub mod dashboard;
pub mod demo;
pub mod employees;
pub mod enterprises;
pub mod error;
pub mod evidence;
pub mod excel;
pub mod grants;
pub mod handwriting;
pub mod members;
pub mod persons;
pub mod platform_signer;
pub mod realname;
pub mod regulator;
pub mod seals;
pub mod settings;
pub mod settle;
pub mod signing_key;
pub mod spaces;
pub mod tasks;
pub mod templates;
pub mod verification;
pub mod webhooks;

pub use error::ContractsError;
pub use signing_key::{Proof, unlock_signing_key};

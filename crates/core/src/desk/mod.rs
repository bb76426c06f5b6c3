//! The certificate registration desk: catalog, orders, verification, materials, payments,
//! review, production, certificate lifecycle and the staff's roles. It stands on `platform` and
//! uses the certificate authority (`crate::ca`).

pub mod catalog;
pub mod cert_login;
pub mod certificates;
pub mod cloud;
pub mod demo;
mod error;
pub mod invoices;
pub mod jobs;
pub mod manual;
pub mod materials;
mod notify;
pub mod orders;
pub mod payments;
pub mod printouts;
pub mod production;
pub mod review;
pub mod roles;
pub mod station;
pub mod unlock;
pub mod verification;

pub use error::DeskError;

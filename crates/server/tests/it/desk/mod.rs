//! The registration desk end to end through the API: catalog, wizard, verification, materials,
//! signing, payment, review, production and delivery; every refusal leaves the order unchanged.

mod actions;
mod audited;
mod catalog;
mod cert_login;
mod cloud;
mod dual_control;
mod flows;
mod hardening;
mod identity;
mod issuance;
mod key_update;
mod letter;
pub(crate) mod lifecycle;
mod newuser;
mod outbox;
mod refusals;
mod renewal_race;
mod sealed;
mod signing;
mod station;
pub(crate) mod support;
mod unlock;
mod upgrade;

//! The registration desk end to end through the API: catalog, wizard, verification, materials,
//! signing, payment, review, production and delivery; every refusal leaves the order unchanged.

mod actions;
mod cert_login;
mod cloud;
mod flows;
mod identity;
mod lifecycle;
mod outbox;
mod refusals;
mod signing;
mod support;
mod unlock;
mod upgrade;

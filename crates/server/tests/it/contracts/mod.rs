//! The e-contract wing through the API.

mod members;
mod members_admin;
mod members_logs;
mod members_roster;
pub(crate) mod support;
mod templates;
mod templates_bad;
mod templates_parallel;

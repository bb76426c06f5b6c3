//! The e-contract wing through the API.

mod members;
mod members_admin;
mod members_logs;
pub(crate) mod support;

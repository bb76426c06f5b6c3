//! The e-contract wing through the API.

mod archives;
mod archives_bulk;
mod billing;
mod billing_bad;
pub(crate) mod billing_support;
mod bulk;
mod bulk_excel;
pub(crate) mod bulk_support;
mod members;
pub(crate) mod members_admin;
mod members_logs;
mod members_roster;
mod regulator;
mod regulator_receiver;
pub(crate) mod support;
mod tasks;
mod tasks_backup;
mod tasks_evidence;
mod tasks_race;
mod tasks_refusals;
mod tasks_s3;
pub(crate) mod tasks_support;
mod templates;
mod templates_bad;
mod templates_parallel;

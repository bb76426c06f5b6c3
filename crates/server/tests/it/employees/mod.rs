//! Employees of an enterprise (ES-6, issue 14): onboarding single, by Excel and by QR code, the
//! phone form, approval, the roster and the department tree, and every refusal.

mod departments;
mod excel;
mod flows;
mod parallel;
mod refusals;
mod support;

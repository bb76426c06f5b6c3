//! The e-contract platform, part 1 (issue 14, `ent`): real-name authentication, enterprise
//! certification through the desk, spaces, my enterprises, information change, the enterprise's
//! certificates, the administrator claim as a desk order; every refusal changes nothing; the
//! races for one credit code and for the administrator role.

mod claims;
mod claims_race;
mod claims_support;
mod flows;
mod race;
mod refusals;
mod signing_pin;
mod support;

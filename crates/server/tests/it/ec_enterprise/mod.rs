//! The e-contract platform, part 1 (issue 14, `ent`): real-name authentication, enterprise
//! certification through the desk, spaces, my enterprises, information change, the enterprise's
//! certificates; every refusal changes nothing; the race for one credit code.

mod flows;
mod race;
mod refusals;
mod signing_pin;
mod support;

//! Accounts: registration (full and quick), login by password or SMS code, password reset and
//! the user center. Certificate login joins later with the key client.

mod failures;
pub mod fields;
mod login;
mod profile;
pub mod qr_login;
mod registration;
mod store;

// Password and SMS-code logins go through `failures`, which audits their refusals.
pub use failures::{login_password, login_sms};
pub use login::{LoginOutcome, login_verified, logout, reset_password};
pub use profile::{
    AVATAR_LIMIT, Avatar, avatar, change_email, change_login_name, change_password, change_phone,
    set_avatar, set_initial_password, verify_old_phone,
};
pub use registration::{
    RegisterInput, create_verified, register, send_code, verify_registration_phone,
};
pub use store::{User, UserView, find_by_id, find_by_identifier, find_by_phone};

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: String,
}

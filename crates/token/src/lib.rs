//! The key client: PKCS#11 token operations and the loopback agent the browser talks to.
//!
//! [`Module::load`] a token driver, [`Token::open`] a token by serial or label and
//! [`Token::login_user`]; then make a key pair ([`Token::generate_key_pair`]) and its PKCS#10
//! request ([`TokenKey::make_csr`]), store the issued certificate
//! ([`Token::write_certificate`]), sign login challenges ([`Token::sign_challenge`]), and change
//! or unlock the user PIN ([`Token::change_user_pin`], [`Token::unlock_user_pin`]) after
//! checking the new one against a [`PinRule`].
//!
//! [`agent`] is the loopback HTTP agent (`signet agent`) through which the platform's web
//! pages do the same.

pub mod agent;
mod certificates;
mod error;
mod keys;
mod module;
mod pin;
mod signer;
mod token;

pub use certificates::TokenCertificate;
pub use error::{Result, TokenError};
pub use keys::KeyId;
pub use module::{MODULE_ENV, Module, SlotId, TokenInfo};
pub use pin::{NewPin, PinRule};
pub use signer::{SignedChallenge, TokenKey};
pub use token::Token;

//! The crate's one error type: each variant says what went wrong and what the holder can do.

use cryptoki::context::Function;
use cryptoki::error::{Error as CryptokiError, RvError};
use signet_pki::PkiError;

use crate::keys::KeyId;

/// Everything that can go wrong driving a token.
///
/// `code()` is stable: the agent and the web app key their messages on it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// No module path was given and none was found in the usual places.
    #[error(
        "no PKCS#11 module found: install the token's driver or set SIGNET_PKCS11_MODULE to its \
         library (e.g. /usr/lib/softhsm/libsofthsm2.so)"
    )]
    NoModule,
    /// The module file could not be loaded or initialised.
    #[error(
        "cannot load PKCS#11 module {path}: {reason} (check the path and that the driver matches \
         this machine)"
    )]
    ModuleLoad {
        /// The path given.
        path: String,
        /// What the loader said.
        reason: String,
    },
    /// No token has this serial number or label.
    #[error("no token with serial or label `{0}`: plug the token in, then list tokens to check")]
    TokenNotFound(String),
    /// More than one token has this label.
    #[error("{count} tokens are labelled `{label}`: name the token by its serial number instead")]
    AmbiguousToken {
        /// The label asked for.
        label: String,
        /// How many tokens carry it.
        count: usize,
    },
    /// The token has not been initialised (no SO PIN, no label).
    #[error("token `{0}` is not initialised: initialise it with an SO PIN and a label first")]
    TokenNotInitialized(String),
    /// The token is initialised already; initialising it again would erase its keys.
    #[error(
        "token {0} is already initialised: initialising it again would erase its keys, so it \
         is refused (use a blank token)"
    )]
    TokenAlreadyInitialized(String),
    /// The token was unplugged or the module lost it.
    #[error("the token was removed or stopped answering: plug it in again and retry")]
    TokenRemoved,
    /// The user PIN presented is wrong (`CKR_PIN_INCORRECT`).
    #[error("wrong PIN: check it and try again (the token locks the PIN after too many tries)")]
    PinIncorrect,
    /// The user PIN is locked after too many wrong tries (`CKR_PIN_LOCKED`).
    #[error("PIN locked: unlock it with the SO PIN, or ask the CA for an unlock code")]
    PinLocked,
    /// The SO (security officer) PIN presented is wrong.
    #[error("wrong SO PIN: check the administrator PIN that came with the token")]
    SoPinIncorrect,
    /// The SO PIN is locked: nothing but re-initialising (which erases the token) helps.
    #[error("SO PIN locked: the token can only be re-initialised, which erases its keys")]
    SoPinLocked,
    /// The user PIN has not been set since the token was initialised.
    #[error("the token has no user PIN yet: set one with the SO PIN")]
    UserPinNotInitialized,
    /// A PIN to be set breaks the rule in force.
    #[error("the new PIN is not acceptable: {0}")]
    PinRule(String),
    /// The token refused the new PIN's length (`CKR_PIN_LEN_RANGE`).
    #[error("the token refuses a PIN of that length: choose one of {min} to {max} characters")]
    PinLength {
        /// Shortest PIN the token takes.
        min: usize,
        /// Longest PIN the token takes.
        max: usize,
    },
    /// The token refused characters of the new PIN (`CKR_PIN_INVALID`, `CKR_PIN_TOO_WEAK`).
    #[error("the token refuses this PIN: use digits only, and avoid easy sequences")]
    PinInvalid,
    /// The operation needs the user logged in.
    #[error("log in with the user PIN first")]
    NotLoggedIn,
    /// The token or module cannot make or use keys of this algorithm.
    #[error("{0} is not supported by this token: use RSA-2048 or ECDSA P-256 instead")]
    UnsupportedAlgorithm(String),
    /// No key with this ID is on the token.
    #[error("no key with ID {0} on the token: list the token's certificates to find the right ID")]
    KeyNotFound(KeyId),
    /// Objects with this ID already exist where a new key was asked for.
    #[error("the token already holds objects with ID {0}: choose another key ID")]
    KeyIdInUse(KeyId),
    /// A key ID was empty or too long, or not hexadecimal.
    #[error("invalid key ID: {0}")]
    InvalidKeyId(String),
    /// A label is empty or longer than PKCS#11 allows.
    #[error("invalid label: {0}")]
    InvalidLabel(String),
    /// The certificate does not certify the key it was to be stored with.
    #[error(
        "the certificate is not for the key with ID {0}: write it with the ID of the key its \
         request was made with"
    )]
    CertificateKeyMismatch(KeyId),
    /// Certificate bytes do not parse.
    #[error("malformed certificate: {0}")]
    MalformedCertificate(String),
    /// A PKI operation (CSR, encoding, name parsing) failed.
    #[error(transparent)]
    Pki(#[from] PkiError),
    /// The agent was asked to listen on an address other machines can reach.
    #[error(
        "the agent listens on loopback only (127.0.0.1 or ::1), not {0}: anything else would let \
         other machines drive the token"
    )]
    AgentNotLoopback(std::net::SocketAddr),
    /// The agent's allowed origin is not an origin (`https://host[:port]`), or is plain http
    /// to another machine.
    #[error(
        "invalid platform origin `{0}`: give it as https://host[:port], e.g. \
         https://sign.example.com (plain http only for a platform on this machine, e.g. \
         http://127.0.0.1:8080; no path, no wildcard)"
    )]
    AgentOrigin(String),
    /// The agent's HTTP client for the platform could not be made.
    #[error("the agent cannot make its HTTPS client for the platform: {0}")]
    AgentHttp(String),
    /// Any other PKCS#11 failure.
    #[error("PKCS#11 {function} failed: {reason}")]
    Pkcs11 {
        /// The PKCS#11 function (or step) that failed.
        function: String,
        /// The module's answer.
        reason: String,
    },
}

impl TokenError {
    /// Stable machine-readable code, e.g. `token.pin_locked`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoModule => "token.no_module",
            Self::ModuleLoad { .. } => "token.module_load",
            Self::TokenNotFound(_) => "token.not_found",
            Self::AmbiguousToken { .. } => "token.ambiguous",
            Self::TokenNotInitialized(_) => "token.not_initialized",
            Self::TokenAlreadyInitialized(_) => "token.already_initialized",
            Self::TokenRemoved => "token.removed",
            Self::PinIncorrect => "token.pin_incorrect",
            Self::PinLocked => "token.pin_locked",
            Self::SoPinIncorrect => "token.so_pin_incorrect",
            Self::SoPinLocked => "token.so_pin_locked",
            Self::UserPinNotInitialized => "token.user_pin_not_initialized",
            Self::PinRule(_) => "token.pin_rule",
            Self::PinLength { .. } => "token.pin_length",
            Self::PinInvalid => "token.pin_invalid",
            Self::NotLoggedIn => "token.not_logged_in",
            Self::UnsupportedAlgorithm(_) => "token.unsupported_algorithm",
            Self::KeyNotFound(_) => "token.key_not_found",
            Self::KeyIdInUse(_) => "token.key_id_in_use",
            Self::InvalidKeyId(_) => "token.invalid_key_id",
            Self::InvalidLabel(_) => "token.invalid_label",
            Self::CertificateKeyMismatch(_) => "token.certificate_key_mismatch",
            Self::MalformedCertificate(_) => "token.certificate_malformed",
            Self::Pki(inner) => inner.code(),
            Self::AgentNotLoopback(_) => "agent.not_loopback",
            Self::AgentOrigin(_) => "agent.invalid_origin",
            Self::AgentHttp(_) => "agent.http_client",
            Self::Pkcs11 { .. } => "token.pkcs11",
        }
    }

    /// Map a `cryptoki` error, reading PIN failures as the user PIN's.
    pub(crate) fn from_pkcs11(error: CryptokiError) -> Self {
        match error {
            CryptokiError::Pkcs11(rv, function) => Self::from_rv(rv, function),
            other => Self::Pkcs11 {
                function: "call".into(),
                reason: other.to_string(),
            },
        }
    }

    /// Map a `cryptoki` error from a call that presented the SO PIN.
    pub(crate) fn from_so_login(error: CryptokiError) -> Self {
        match Self::from_pkcs11(error) {
            Self::PinIncorrect => Self::SoPinIncorrect,
            Self::PinLocked => Self::SoPinLocked,
            other => other,
        }
    }

    fn from_rv(rv: RvError, function: Function) -> Self {
        match rv {
            RvError::PinIncorrect => Self::PinIncorrect,
            RvError::PinLocked => Self::PinLocked,
            RvError::PinInvalid | RvError::PinTooWeak => Self::PinInvalid,
            RvError::UserNotLoggedIn => Self::NotLoggedIn,
            RvError::UserPinNotInitialized => Self::UserPinNotInitialized,
            RvError::DeviceRemoved | RvError::TokenNotPresent | RvError::SessionHandleInvalid => {
                Self::TokenRemoved
            }
            RvError::MechanismInvalid | RvError::CurveNotSupported => {
                Self::UnsupportedAlgorithm(format!("the mechanism of {function:?} ({rv:?})"))
            }
            other => Self::Pkcs11 {
                function: format!("{function:?}"),
                reason: format!("{other:?}"),
            },
        }
    }
}

/// Result with [`TokenError`].
pub type Result<T> = std::result::Result<T, TokenError>;

/// `map_err` helper: `session.login(..).map_err(p11)?`.
pub(crate) fn p11(error: CryptokiError) -> TokenError {
    TokenError::from_pkcs11(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_errors_are_told_apart() {
        let wrong = CryptokiError::Pkcs11(RvError::PinIncorrect, Function::Login);
        assert_eq!(p11(wrong).code(), "token.pin_incorrect");
        let locked = CryptokiError::Pkcs11(RvError::PinLocked, Function::Login);
        let error = p11(locked);
        assert_eq!(error.code(), "token.pin_locked");
        assert!(error.to_string().contains("unlock it with the SO PIN"));
        let so = CryptokiError::Pkcs11(RvError::PinIncorrect, Function::Login);
        assert_eq!(
            TokenError::from_so_login(so).code(),
            "token.so_pin_incorrect"
        );
        let other = CryptokiError::Pkcs11(RvError::GeneralError, Function::Sign);
        assert_eq!(p11(other).to_string(), "PKCS#11 Sign failed: GeneralError");
    }
}

//! One token, opened by serial or label: a read-write session and the user's login.

use std::sync::{Arc, Mutex, MutexGuard};

use cryptoki::error::{Error as CryptokiError, RvError};
use cryptoki::session::{Session, SessionState, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;

use crate::error::{Result, TokenError, p11};
use crate::keys::KeyId;
use crate::module::{Module, TokenInfo};

/// Bytes in a key ID made by [`Token::random_key_id`].
const RANDOM_KEY_ID_BYTES: u32 = 16;

/// An open token. Keys and signers it hands out share its session, so they stay usable while
/// any of them lives.
///
/// PKCS#11 keeps login state per token and application, not per session: two `Token`s on
/// the same device in one process log in and out together.
pub struct Token {
    module: Module,
    slot: Slot,
    serial: String,
    session: Arc<Mutex<Session>>,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

impl Token {
    /// Open the initialised token whose serial number, or else label, is `serial_or_label`.
    pub fn open(module: &Module, serial_or_label: &str) -> Result<Self> {
        let found = module.find_token(serial_or_label)?;
        let slot = module.slot(found.slot)?;
        let session = module.context().open_rw_session(slot).map_err(p11)?;
        Ok(Self {
            module: module.clone(),
            slot,
            serial: found.serial,
            session: Arc::new(Mutex::new(session)),
        })
    }

    /// The module this token was opened through.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// The token's serial number.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// What the token says about itself now (PIN flags change as PINs are tried).
    pub fn info(&self) -> Result<TokenInfo> {
        self.module.info(crate::module::SlotId(self.slot.id()))
    }

    /// Log the user in with `pin`.
    ///
    /// The PIN is always checked: a token already logged in is logged out and in again, so a
    /// wrong PIN never passes because someone logged in before (and leaves the token logged
    /// out). Errors tell a wrong PIN ([`TokenError::PinIncorrect`]) from a locked one
    /// ([`TokenError::PinLocked`]); a token whose flags say locked is not tried at all.
    pub fn login_user(&self, pin: &str) -> Result<()> {
        let info = self.info()?;
        if info.user_pin_locked {
            return Err(TokenError::PinLocked);
        }
        if !info.user_pin_initialized {
            return Err(TokenError::UserPinNotInitialized);
        }
        let session = self.session();
        let pin = AuthPin::from(pin);
        match session.login(UserType::User, Some(&pin)) {
            Err(CryptokiError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {
                session.logout().map_err(p11)?;
                session.login(UserType::User, Some(&pin)).map_err(p11)
            }
            other => other.map_err(p11),
        }
    }

    /// Log out. Being logged out already is fine.
    pub fn logout(&self) -> Result<()> {
        match self.session().logout() {
            Ok(()) | Err(CryptokiError::Pkcs11(RvError::UserNotLoggedIn, _)) => Ok(()),
            Err(error) => Err(p11(error)),
        }
    }

    /// Whether the user is logged in (private keys are usable).
    pub fn is_logged_in(&self) -> Result<bool> {
        logged_in(&self.session())
    }

    /// A fresh random key ID from the token's own generator.
    pub fn random_key_id(&self) -> Result<KeyId> {
        let bytes = self
            .session()
            .generate_random_vec(RANDOM_KEY_ID_BYTES)
            .map_err(p11)?;
        KeyId::new(bytes)
    }

    pub(crate) fn require_login(&self) -> Result<()> {
        if self.is_logged_in()? {
            Ok(())
        } else {
            Err(TokenError::NotLoggedIn)
        }
    }

    pub(crate) fn session(&self) -> MutexGuard<'_, Session> {
        lock(&self.session)
    }

    pub(crate) fn shared_session(&self) -> Arc<Mutex<Session>> {
        Arc::clone(&self.session)
    }

    pub(crate) fn slot(&self) -> Slot {
        self.slot
    }
}

/// Whether the user is logged in on the token `session` belongs to.
pub(crate) fn logged_in(session: &Session) -> Result<bool> {
    let state = session.get_session_info().map_err(p11)?.session_state();
    Ok(matches!(state, SessionState::RwUser | SessionState::RoUser))
}

/// Lock a shared session. A panic while it was held leaves nothing half-done on our side
/// (the token finishes or aborts each call by itself), so a poisoned lock is taken over.
pub(crate) fn lock(session: &Mutex<Session>) -> MutexGuard<'_, Session> {
    session
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

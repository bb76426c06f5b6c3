//! Loading a PKCS#11 module, listing its tokens, and initialising a blank one.

use std::path::{Path, PathBuf};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CryptokiError, RvError};
use cryptoki::session::UserType;
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;

use crate::error::{Result, TokenError, p11};
use crate::pin::{NewPin, pin_set_error};

/// Environment variable naming the module to load when none is given.
pub const MODULE_ENV: &str = "SIGNET_PKCS11_MODULE";

/// Where distributions put `SoftHSM2`, tried when [`MODULE_ENV`] is not set.
const KNOWN_MODULES: &[&str] = &[
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
    "/usr/lib/pkcs11/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
    "/opt/homebrew/lib/softhsm/libsofthsm2.so",
];

/// PKCS#11 limits a token label to 32 bytes of UTF-8.
const MAX_TOKEN_LABEL_BYTES: usize = 32;

/// A slot number as the module reports it. `SoftHSM2` renumbers a slot when its token is
/// initialised, so find tokens by serial or label, not by a remembered slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SlotId(pub u64);

impl std::fmt::Display for SlotId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a token says about itself (`C_GetTokenInfo`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "mirrors the PKCS#11 token flags one to one; they combine freely"
)]
pub struct TokenInfo {
    /// The slot it sits in now.
    pub slot: SlotId,
    /// Label given at initialisation (empty for a blank token).
    pub label: String,
    /// The token's serial number.
    pub serial: String,
    /// Manufacturer ID.
    pub manufacturer: String,
    /// Model.
    pub model: String,
    /// The token has been initialised (has an SO PIN and a label).
    pub initialized: bool,
    /// A user PIN has been set.
    pub user_pin_initialized: bool,
    /// The user PIN is locked after too many wrong tries: unlock it with the SO PIN.
    pub user_pin_locked: bool,
    /// A wrong user PIN was given since the last good one.
    pub user_pin_count_low: bool,
    /// One more wrong user PIN locks it.
    pub user_pin_final_try: bool,
    /// The token asks for the user PIN to be changed.
    pub user_pin_to_be_changed: bool,
    /// The SO PIN is locked.
    pub so_pin_locked: bool,
    /// A wrong SO PIN was given since the last good one.
    pub so_pin_count_low: bool,
    /// One more wrong SO PIN locks it (and with it, on most tokens, any way to unlock).
    pub so_pin_final_try: bool,
    /// PINs are entered on the device (PIN pad), not passed by the application.
    pub protected_authentication_path: bool,
    /// Shortest PIN the token accepts.
    pub min_pin_length: usize,
    /// Longest PIN the token accepts.
    pub max_pin_length: usize,
}

#[cfg(test)]
impl TokenInfo {
    /// A healthy, initialised token in slot 0 with this PIN length range, for unit tests.
    pub(crate) fn for_tests(min_pin_length: usize, max_pin_length: usize) -> Self {
        Self {
            slot: SlotId(0),
            label: "t".into(),
            serial: "1".into(),
            manufacturer: String::new(),
            model: String::new(),
            initialized: true,
            user_pin_initialized: true,
            user_pin_locked: false,
            user_pin_count_low: false,
            user_pin_final_try: false,
            user_pin_to_be_changed: false,
            so_pin_locked: false,
            so_pin_count_low: false,
            so_pin_final_try: false,
            protected_authentication_path: false,
            min_pin_length,
            max_pin_length,
        }
    }
}

impl TokenInfo {
    fn read(context: &Pkcs11, slot: Slot) -> Result<Self> {
        let info = context.get_token_info(slot).map_err(p11)?;
        Ok(Self {
            slot: SlotId(slot.id()),
            label: info.label().trim_end().to_owned(),
            serial: info.serial_number().trim_end().to_owned(),
            manufacturer: info.manufacturer_id().trim_end().to_owned(),
            model: info.model().trim_end().to_owned(),
            initialized: info.token_initialized(),
            user_pin_initialized: info.user_pin_initialized(),
            user_pin_locked: info.user_pin_locked(),
            user_pin_count_low: info.user_pin_count_low(),
            user_pin_final_try: info.user_pin_final_try(),
            user_pin_to_be_changed: info.user_pin_to_be_changed(),
            so_pin_locked: info.so_pin_locked(),
            so_pin_count_low: info.so_pin_count_low(),
            so_pin_final_try: info.so_pin_final_try(),
            protected_authentication_path: info.protected_authentication_path(),
            min_pin_length: info.min_pin_length(),
            max_pin_length: info.max_pin_length(),
        })
    }
}

/// A loaded PKCS#11 module (a token vendor's driver, or `SoftHSM2`). Cheap to clone.
#[derive(Clone)]
pub struct Module {
    context: Pkcs11,
    path: PathBuf,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Module {
    /// The module to use when none is named: [`MODULE_ENV`] if set, else `SoftHSM2` where a
    /// distribution installs it.
    pub fn locate() -> Option<PathBuf> {
        if let Some(path) = std::env::var_os(MODULE_ENV).filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(path));
        }
        KNOWN_MODULES
            .iter()
            .map(PathBuf::from)
            .find(|path| path.exists())
    }

    /// Load the module [`Module::locate`] finds.
    pub fn load_default() -> Result<Self> {
        Self::load(Self::locate().ok_or(TokenError::NoModule)?)
    }

    /// Load and initialise the module at `path`.
    ///
    /// A module is initialised once per process; finding it already initialised (by another
    /// `Module`, or by another library in the process) is fine.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let load_error = |reason: String| TokenError::ModuleLoad {
            path: path.display().to_string(),
            reason,
        };
        if !path.exists() {
            return Err(load_error("no such file".into()));
        }
        let context = Pkcs11::new(&path).map_err(|e| load_error(e.to_string()))?;
        match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(CryptokiError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(error) => return Err(load_error(error.to_string())),
        }
        Ok(Self { context, path })
    }

    /// The module's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every token present, initialised or blank.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>> {
        self.context
            .get_slots_with_token()
            .map_err(p11)?
            .into_iter()
            .map(|slot| TokenInfo::read(&self.context, slot))
            .collect()
    }

    /// The initialised token whose serial number is `serial_or_label`, or else the one token
    /// with that label.
    pub fn find_token(&self, serial_or_label: &str) -> Result<TokenInfo> {
        if serial_or_label.trim().is_empty() {
            return Err(TokenError::TokenNotFound(serial_or_label.to_owned()));
        }
        let (tokens, blank): (Vec<TokenInfo>, Vec<TokenInfo>) = self
            .tokens()?
            .into_iter()
            .partition(|token| token.initialized);
        if let Some(token) = tokens.iter().find(|t| t.serial == serial_or_label) {
            return Ok(token.clone());
        }
        if blank.iter().any(|t| t.serial == serial_or_label) {
            return Err(TokenError::TokenNotInitialized(serial_or_label.to_owned()));
        }
        let mut labelled: Vec<TokenInfo> = tokens
            .into_iter()
            .filter(|t| t.label == serial_or_label)
            .collect();
        match labelled.len() {
            0 => Err(TokenError::TokenNotFound(serial_or_label.to_owned())),
            1 => Ok(labelled.remove(0)),
            count => Err(TokenError::AmbiguousToken {
                label: serial_or_label.to_owned(),
                count,
            }),
        }
    }

    /// Initialise the blank token in `slot`: set its SO PIN and label (`C_InitToken`), then
    /// its first user PIN (`C_InitPIN` as SO). Returns the token as it is found afterwards,
    /// possibly in another slot.
    ///
    /// An initialised token is refused: initialising again would erase its keys.
    pub fn init_token(
        &self,
        slot: SlotId,
        so_pin: &str,
        label: &str,
        user_pin: &NewPin,
    ) -> Result<TokenInfo> {
        check_label(label, MAX_TOKEN_LABEL_BYTES)?;
        let cryptoki_slot = self.slot(slot)?;
        let blank = TokenInfo::read(&self.context, cryptoki_slot)?;
        if blank.initialized {
            return Err(TokenError::TokenAlreadyInitialized(blank.serial));
        }
        let before: Vec<String> = self.tokens()?.into_iter().map(|t| t.serial).collect();
        self.context
            .init_token(cryptoki_slot, &AuthPin::from(so_pin), label)
            .map_err(TokenError::from_so_login)?;
        let token = self.find_new_token(label, &before, slot)?;
        let session = self
            .context
            .open_rw_session(self.slot(token.slot)?)
            .map_err(p11)?;
        session
            .login(UserType::So, Some(&AuthPin::from(so_pin)))
            .map_err(TokenError::from_so_login)?;
        let result = session
            .init_pin(user_pin.secret())
            .map_err(|e| pin_set_error(e, &token));
        let logout = session.logout().map_err(p11);
        result.and(logout)?;
        drop(session);
        self.info(token.slot)
    }

    /// The token in `slot`, as it is now.
    pub fn info(&self, slot: SlotId) -> Result<TokenInfo> {
        TokenInfo::read(&self.context, self.slot(slot)?)
    }

    /// After `C_InitToken`: the token labelled `label` whose serial is new, or the one still in
    /// `slot` (modules that do not renumber).
    fn find_new_token(&self, label: &str, before: &[String], slot: SlotId) -> Result<TokenInfo> {
        let tokens = self.tokens()?;
        let fresh = tokens
            .iter()
            .find(|t| t.initialized && t.label == label && !before.contains(&t.serial));
        let same_slot = tokens
            .iter()
            .find(|t| t.initialized && t.label == label && t.slot == slot);
        fresh
            .or(same_slot)
            .cloned()
            .ok_or_else(|| TokenError::TokenNotFound(label.to_owned()))
    }

    pub(crate) fn context(&self) -> &Pkcs11 {
        &self.context
    }

    pub(crate) fn slot(&self, id: SlotId) -> Result<Slot> {
        self.context
            .get_slots_with_token()
            .map_err(p11)?
            .into_iter()
            .find(|slot| slot.id() == id.0)
            .ok_or_else(|| TokenError::TokenNotFound(format!("slot {id}")))
    }
}

/// Labels (of tokens and of objects) are UTF-8, 1 to `max` bytes, no control characters.
pub(crate) fn check_label(label: &str, max: usize) -> Result<()> {
    if label.trim().is_empty() {
        return Err(TokenError::InvalidLabel("the label is empty".into()));
    }
    if label.len() > max {
        return Err(TokenError::InvalidLabel(format!(
            "`{label}` is {} bytes; at most {max} fit (a Chinese character takes 3)",
            label.len()
        )));
    }
    if label.chars().any(char::is_control) {
        return Err(TokenError::InvalidLabel(
            "the label has control characters".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_fit_pkcs11() {
        let max = MAX_TOKEN_LABEL_BYTES;
        assert!(check_label("signet", max).is_ok());
        assert!(check_label("测试科技有限公司", max).is_ok());
        assert_eq!(
            check_label(" ", max).unwrap_err().code(),
            "token.invalid_label"
        );
        assert!(check_label("测试科技有限公司测试科技", max).is_err());
        assert!(check_label("a\nb", max).is_err());
    }
}

//! The domain's typed errors, each with a stable code, a kind the server maps to a status, the
//! field at fault and messages in Chinese and English.
//!
//! One story for every wing: the floor's own refusals are a [`PlatformError`]; each wing has its
//! enum (`ca::CaError`, `desk::DeskError`, `contracts::ContractsError`) that implements
//! [`WingError`] and converts into a [`CoreError`]. This module names no wing: the wings plug
//! in through the trait, so `error` → wing is no import edge (the architecture test holds it).
//! The public `code` of each error stays its bare code (`captcha_wrong`); the wing goes in front
//! only in the problem `type` ([`CoreError::qualified_code`], `platform.captcha_wrong`).

pub use crate::platform::error::PlatformError;

/// How the outside world should read an error; the server maps each kind to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadInput,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    Locked,
    TooMany,
    PayloadTooLarge,
    /// A service this deployment has not configured (HTTP 503).
    Unavailable,
    Internal,
}

/// What the server needs to render an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub field: Option<&'static str>,
    pub zh: String,
    pub en: String,
    pub retry_after: Option<i64>,
}

/// A wing's error enum: its code prefix and the wording of each refusal.
pub trait WingError: std::error::Error + Send + Sync + 'static {
    /// The prefix of the wing's codes in problem `type`s (`desk`, `ca`, `contracts`).
    fn wing(&self) -> &'static str;

    /// How the error reads: kind, bare code, field, Chinese and English.
    fn describe(&self) -> Description;

    /// The words in front of the error's text in logs and on the command line.
    fn label(&self) -> &'static str {
        self.wing()
    }
}

/// Every error of `signet-core`: the floor's, or one of a wing's.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Platform(#[from] PlatformError),
    #[error("{prefix}: {error}", prefix = .0.label(), error = .0)]
    Wing(Box<dyn WingError>),
}

impl From<sqlx::Error> for CoreError {
    fn from(error: sqlx::Error) -> Self {
        Self::Platform(PlatformError::Database(error))
    }
}

impl CoreError {
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Platform(PlatformError::Internal(message.into()))
    }

    /// A wing's error as a `CoreError` (what each wing's `From` impl calls).
    pub fn wing_error(error: impl WingError) -> Self {
        Self::Wing(Box::new(error))
    }

    /// The wing's error of type `E` inside, if that is what this is.
    pub fn as_wing<E: WingError>(&self) -> Option<&E> {
        match self {
            Self::Wing(error) => {
                let error: &(dyn std::error::Error + 'static) = error.as_ref();
                error.downcast_ref::<E>()
            }
            Self::Platform(_) => None,
        }
    }

    /// The wing's error of type `E` taken out, or the error back as it was.
    pub fn into_wing<E: WingError>(self) -> Result<E, Self> {
        match self {
            Self::Wing(error) if <dyn std::error::Error>::is::<E>(error.as_ref()) => {
                let error: Box<dyn std::error::Error + Send + Sync> = error;
                error
                    .downcast::<E>()
                    .map(|error| *error)
                    .map_err(|_| Self::internal("wing error changed its type"))
            }
            other => Err(other),
        }
    }

    /// The floor's error inside, if that is what this is.
    pub fn as_platform(&self) -> Option<&PlatformError> {
        match self {
            Self::Platform(error) => Some(error),
            Self::Wing(_) => None,
        }
    }

    pub fn code(&self) -> &'static str {
        self.describe().code
    }

    pub fn kind(&self) -> ErrorKind {
        self.describe().kind
    }

    /// The wing the error comes from: `ca`, `desk`, `contracts`, or `platform` (the floor:
    /// accounts, sessions, database and everything not in a wing).
    pub fn wing(&self) -> &'static str {
        match self {
            Self::Platform(_) => PlatformError::WING,
            Self::Wing(error) => error.wing(),
        }
    }

    /// The code with its wing in front (`desk.order_not_found`): unique across wings, what the
    /// problem `type` names. The bare [`CoreError::code`] stays the public contract.
    pub fn qualified_code(&self) -> String {
        format!("{}.{}", self.wing(), self.code())
    }

    pub fn describe(&self) -> Description {
        match self {
            Self::Platform(error) => error.describe(),
            Self::Wing(error) => error.describe(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("a test wing's refusal")]
    struct Refusal;

    impl WingError for Refusal {
        fn wing(&self) -> &'static str {
            "test"
        }
        fn describe(&self) -> Description {
            Description {
                kind: ErrorKind::Conflict,
                code: "refused",
                field: None,
                zh: "拒绝".into(),
                en: "Refused".into(),
                retry_after: None,
            }
        }
    }

    #[test]
    fn qualified_codes_name_the_wing() {
        let captcha = CoreError::from(PlatformError::CaptchaWrong);
        assert_eq!(captcha.qualified_code(), "platform.captcha_wrong");
        assert_eq!(captcha.code(), "captcha_wrong");
        assert_eq!(
            CoreError::internal("x").qualified_code(),
            "platform.internal"
        );
        let wing = CoreError::wing_error(Refusal);
        assert_eq!(
            (wing.code(), wing.qualified_code().as_str(), wing.kind()),
            ("refused", "test.refused", ErrorKind::Conflict)
        );
        assert_eq!(wing.to_string(), "test: a test wing's refusal");
    }

    #[test]
    fn a_wing_error_comes_back_out_by_its_type() {
        let wing = CoreError::wing_error(Refusal);
        assert!(wing.as_wing::<Refusal>().is_some());
        assert!(wing.as_platform().is_none());
        assert!(matches!(wing.into_wing::<Refusal>(), Ok(Refusal)));
        let floor = CoreError::from(PlatformError::NotFound);
        assert!(floor.as_wing::<Refusal>().is_none());
        assert!(matches!(
            floor.into_wing::<Refusal>(),
            Err(CoreError::Platform(PlatformError::NotFound))
        ));
    }
}

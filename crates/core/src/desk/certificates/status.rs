//! A held certificate's status as its holder sees it, its table, and the actions the holder may
//! take on it. The CA's revocation (`ca::revoke`) is the one writer of the stored status; expiry is
//! the clock's.

use serde::{Deserialize, Serialize};

use crate::platform::machine::Machine;

/// Where a certificate stands for its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CertificateStatus {
    Active,
    Expired,
    Revoked,
}

/// What happens to a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateEvent {
    /// `not_after` passed.
    Expire,
    Revoke,
}

impl Machine for CertificateStatus {
    type Event = CertificateEvent;

    const STATES: &'static [Self] = &[Self::Active, Self::Expired, Self::Revoked];
    const EVENTS: &'static [CertificateEvent] =
        &[CertificateEvent::Expire, CertificateEvent::Revoke];

    fn next(self, event: CertificateEvent) -> Option<Self> {
        match (self, event) {
            (Self::Active, CertificateEvent::Expire) => Some(Self::Expired),
            // An expired certificate may still be revoked (its signatures then fail validation
            // as of the revocation time).
            (Self::Active | Self::Expired, CertificateEvent::Revoke) => Some(Self::Revoked),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

/// What the holder may do with a certificate now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CertificateAction {
    Renew,
    Change,
    Reissue,
    Unlock,
    Revoke,
}

#[cfg(test)]
mod tests {
    use super::{CertificateEvent as E, CertificateStatus as S};
    use crate::platform::machine::{Machine as _, assert_table};

    #[test]
    fn every_edge_of_the_certificate_table() {
        assert_table::<S>(&[
            (S::Active, E::Expire, S::Expired),
            (S::Active, E::Revoke, S::Revoked),
            (S::Expired, E::Revoke, S::Revoked),
        ]);
        assert!(S::Revoked.is_final());
        assert_eq!(S::Expired.allowed(), vec![E::Revoke]);
    }
}

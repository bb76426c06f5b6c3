//! The certificate authority as the desk sees it: CAs and certificates in the database, issuance,
//! revocation, CRLs, pre-signed OCSP answers and time-stamps, all built by `signet-pki`.

mod authorities;
mod batch;
mod cache;
mod error;
mod issuance;
mod keys;
mod notary;
mod rekey;
mod responder;
mod responders;
mod revocation;
mod trust;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use der::{Decode as _, Encode as _};
use signet_pki::keystore::{KeyEncryptionKey, SoftwareKeyStore};
use x509_cert::Certificate;

pub use authorities::{
    CaRole, CaSummary, CertificateInfo, TEST_ORGANIZATION, ca_certificate, certificate,
    hierarchies_are_test, init_hierarchies, init_hierarchies_as, list_cas,
};
pub use batch::{BatchItem, MAX_BATCH, issue_batch};
pub use cache::CaCache;
pub use error::{CaError, from_pki};
pub use issuance::{IssueRequest, Issued, KeyInput, issue, issue_in, prepare};
pub use keys::{CaKeys, check_keys};
pub use notary::TsaNotary;
pub use rekey::rekey;
pub use responder::{TsaHandle, ocsp, ocsp_answers_kept, timestamp, tsa_handle};
pub use responders::{
    RENEW_RESPONDERS, RESPONDER_RENEW_BEFORE, RenewResponders, SCHEDULES, renew_responders,
};
pub use revocation::{Revoked, crl, parse_reason, publish_crl, revoke};
pub use trust::{PlatformTimestamps, TrustMaterial, timestamps, trust_material};

use crate::Platform;
use crate::error::CoreError;
use crate::platform::clock::Timestamp;

/// Escapes an attribute value for an RFC 4514 name (`CN=…,O=…`): the characters that would end
/// or split the value, and a leading space or `#`.
pub fn escape_name_value(value: &str) -> String {
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=')
            || (i == 0 && matches!(c, ' ' | '#'))
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The purpose string the CA key-encryption key is derived under from the master key.
pub const KEY_PURPOSE: &str = "signet/ca-keys/v1";

/// What the CA holds for this process: the key that encrypts the CA keys (and the session on
/// the CA token, when one is configured), and the CA keys loaded with the OCSP answers signed
/// ahead of time. The CA owns it; the platform only keeps it among its wings' state (made on
/// first use) so every request of the process shares it.
pub struct Authority {
    /// The key store under the CA key-encryption key, and the token's; clones share the
    /// derived wrapping keys (Argon2id runs once per process rather than once per key) and the
    /// one logged-in token session (its signatures take turns on the session's lock).
    store: CaKeys,
    cache: CaCache,
    /// Signatures made on request (a nonce, several certificates, a cache miss) run on the
    /// blocking pool, at most one per core at a time, so a flood of them queues instead of
    /// taking the threads that serve every other request.
    signing: tokio::sync::Semaphore,
}

impl Authority {
    /// This process's authority on `platform`.
    pub fn of(platform: &Platform) -> Result<Arc<Self>, CoreError> {
        platform.wings.get_or_try_init(|| {
            let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
            let software =
                SoftwareKeyStore::new(KeyEncryptionKey::new(platform.derive_key(KEY_PURPOSE)?));
            let token = match &platform.ca_token {
                Some(config) => Some(Arc::new(keys::open_token(config)?)),
                None => None,
            };
            Ok(Self {
                store: CaKeys::new(software, token),
                cache: CaCache::default(),
                signing: tokio::sync::Semaphore::new(cores),
            })
        })
    }

    /// Runs `work` (a signature) on the blocking pool, after waiting for a free core.
    async fn sign_off_thread<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, CoreError> + Send + 'static,
    ) -> Result<T, CoreError> {
        let _permit = self.signing.acquire().await.map_err(internal)?;
        tokio::task::spawn_blocking(work).await.map_err(internal)?
    }
}

/// The store that makes CA keys and opens them: software keys under the CA's key, token keys on
/// the CA token.
fn key_store(platform: &Platform) -> Result<CaKeys, CoreError> {
    Ok(Authority::of(platform)?.store.clone())
}

/// Randomness for keys and serials, from the operating system.
fn rng() -> sys_rng::rand_core::UnwrapErr<sys_rng::SysRng> {
    sys_rng::rand_core::UnwrapErr(sys_rng::SysRng)
}

/// A platform timestamp as `SystemTime` (what `signet-pki` takes).
pub fn system_time(at: Timestamp) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(at).unwrap_or(0))
}

fn unix(time: &x509_cert::time::Time) -> Timestamp {
    i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// A certificate's serial as stored (lower-case hex).
fn serial_of(certificate: &Certificate) -> String {
    crate::platform::ids::CertificateSerial::of(certificate.tbs_certificate().serial_number())
        .into_string()
}

fn to_base64(certificate: &Certificate) -> Result<String, CoreError> {
    Ok(STANDARD.encode(certificate.to_der().map_err(internal)?))
}

fn certificate_from_base64(text: &str) -> Result<Certificate, CoreError> {
    let bytes = STANDARD.decode(text).map_err(internal)?;
    Certificate::from_der(&bytes).map_err(internal)
}

fn internal(error: impl std::fmt::Display) -> CoreError {
    CoreError::internal(format!("ca: {error}"))
}

/// The stored form of a serial typed by a person or a tool ([`CertificateSerial`]); text that is
/// no serial at all is kept as typed, so the lookup that follows answers "unknown certificate".
///
/// [`CertificateSerial`]: crate::platform::ids::CertificateSerial
pub fn normalise_serial(text: &str) -> String {
    crate::platform::ids::CertificateSerial::parse(text).map_or_else(
        || text.trim().to_owned(),
        crate::platform::ids::CertificateSerial::into_string,
    )
}

#[cfg(test)]
mod name_tests {
    use signet_pki::names::{COMMON_NAME, ORGANIZATION, attribute, parse_name};

    use super::escape_name_value;

    #[test]
    fn escaped_values_come_back_whole_from_the_name() {
        for value in [
            "豫云签,演示+科技\"有限\"公司",
            "#1 a;b=c<d>e\\f",
            " leading space",
            "普通名称",
        ] {
            let name = parse_name(&format!(
                "CN={},O={}",
                escape_name_value(value),
                escape_name_value("Signet")
            ))
            .unwrap();
            assert_eq!(attribute(&name, COMMON_NAME).as_deref(), Some(value));
            assert_eq!(attribute(&name, ORGANIZATION).as_deref(), Some("Signet"));
        }
    }
}

//! What the fuzz targets share: a fixed clock and a small test CA, read from committed fixtures
//! so every run (and every crash reproduction) sees the same trust anchor as the seeds.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use der::Decode as _;
use signet_pki::SoftwareKey;
use x509_cert::Certificate;

/// The test CA's self-signed P-256 certificate (DER); `make_seeds` writes it.
pub const CA_CERTIFICATE: &[u8] = include_bytes!("../fixtures/ca.der");
/// Its PKCS#8 private key (DER). A test key, used only by the fuzz harness.
pub const CA_KEY: &[u8] = include_bytes!("../fixtures/ca-key.der");

/// 2026-06-01T00:00:00Z: inside the test CA's validity, so verification paths run to the end.
pub fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_hours(494_520)
}

/// The test CA: its certificate and key.
pub struct TestCa {
    /// Self-signed root, P-256.
    pub certificate: Certificate,
    /// Its key, to sign OCSP answers and time-stamp tokens.
    pub key: SoftwareKey,
}

/// The test CA, decoded once per process.
pub fn ca() -> &'static TestCa {
    static CA: OnceLock<TestCa> = OnceLock::new();
    CA.get_or_init(|| TestCa {
        certificate: Certificate::from_der(CA_CERTIFICATE).expect("fixtures/ca.der"),
        key: SoftwareKey::from_pkcs8_der(CA_KEY, "").expect("fixtures/ca-key.der"),
    })
}

//! Shared test fixtures: a CA hierarchy built once, temp files, and the external validators.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use der::{Encode, EncodePem, pem::LineEnding};
use rand::SeedableRng;
use rand::rngs::StdRng;
use signet_pki::ca::{FamilyHierarchy, HierarchyConfig, create_family};
use signet_pki::keystore::{KeyEncryptionKey, KeyStore, SoftwareKeyStore};
use signet_pki::{Family, Signer};
use x509_cert::Certificate;

/// 2026-11-01T00:00:00Z: tests never read the clock.
pub fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_hours(498_192)
}

/// `-attime` value for openssl, a little after `now()` so backdating is not relied on.
pub fn attime() -> String {
    (1_793_491_200 + 60).to_string()
}

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

pub const BASE_URL: &str = "https://ca.signet.test";

pub struct Fixture {
    pub store: SoftwareKeyStore,
    /// Families with SM2 CAs under the GM/T ID.
    pub families: Vec<FamilyHierarchy>,
    /// An SM2 hierarchy whose CAs sign with the empty ID (what OpenSSL 3.0's CLI assumes).
    pub sm2_empty_id: FamilyHierarchy,
}

impl Fixture {
    pub fn family(&self, family: Family) -> &FamilyHierarchy {
        self.families.iter().find(|f| f.family == family).unwrap()
    }

    pub fn signer(&self, key: &signet_pki::keystore::StoredKey) -> Box<dyn Signer> {
        self.store.signer(key).unwrap()
    }

    /// Every hierarchy openssl can check (SM2 only with the empty ID).
    pub fn openssl_checkable(&self) -> Vec<&FamilyHierarchy> {
        let mut out: Vec<_> = self
            .families
            .iter()
            .filter(|f| f.family != Family::Sm2)
            .collect();
        out.push(&self.sm2_empty_id);
        out
    }
}

pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let store = SoftwareKeyStore::new(KeyEncryptionKey::new([42; 32]));
        let mut rng = rng(2026);
        let config = HierarchyConfig::new(BASE_URL, "Signet 测试");
        let families = Family::ALL
            .into_iter()
            .map(|family| create_family(&store, family, &config, now(), &mut rng).unwrap())
            .collect();
        let mut empty = config.clone();
        empty.sm2_id = String::new();
        empty.organization = "Signet 测试 OpenSSL".into();
        let sm2_empty_id = create_family(&store, Family::Sm2, &empty, now(), &mut rng).unwrap();
        Fixture {
            store,
            families,
            sm2_empty_id,
        }
    })
}

pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A validator is missing: fail under CI, shout otherwise.
pub fn missing(what: &str) {
    assert!(!ci(), "{what} is required when CI=true");
    eprintln!("\n!!!!!!!! SKIPPED: {what} not found; this check did not run !!!!!!!!\n");
}

pub fn openssl() -> Option<Command> {
    let found = Command::new("openssl").arg("version").output().is_ok();
    if found {
        Some(Command::new("openssl"))
    } else {
        missing("openssl");
        None
    }
}

/// Run a command; return (success, stdout+stderr).
pub fn run(command: &mut Command) -> (bool, String) {
    let output = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

pub fn pkilint(tool: &str) -> Option<PathBuf> {
    let venv = std::env::var_os("SIGNET_VENV").map(PathBuf::from);
    let candidate = venv.map(|v| v.join("bin").join(tool));
    if let Some(path) = candidate.filter(|p| p.exists()) {
        return Some(path);
    }
    missing(&format!(
        "pkilint's {tool} (set SIGNET_VENV to a virtualenv with pkilint)"
    ));
    None
}

/// Lint with pkilint; findings at WARNING or above fail the test, unless listed in `allowed`.
pub fn lint(tool: &str, file: &Path, allowed: &[&str]) {
    let Some(path) = pkilint(tool) else { return };
    let mut command = Command::new(path);
    if tool == "lint_crl" {
        command.args(["lint", "-t", "CRL", "-p", "PKIX", "-s", "WARNING"]);
    } else {
        command.args(["lint", "-s", "WARNING"]);
    }
    let (_, text) = run(command.arg(file));
    let findings: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .filter(|line| !allowed.iter().any(|a| line.contains(a)))
        .collect();
    assert!(
        findings.is_empty(),
        "{tool} {} found:\n{text}",
        file.display()
    );
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

pub fn write_pem(dir: &Path, name: &str, certificates: &[&Certificate]) -> PathBuf {
    let text: String = certificates
        .iter()
        .map(|c| c.to_pem(LineEnding::LF).unwrap())
        .collect();
    write(dir, name, text.as_bytes())
}

pub fn write_der(dir: &Path, name: &str, value: &impl Encode) -> PathBuf {
    write(dir, name, &value.to_der().unwrap())
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

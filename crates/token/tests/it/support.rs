//! Test fixtures: each test in its own `SoftHSM2`, a throwaway CA, and the external tools.
//!
//! `SoftHSM2` reads `SOFTHSM2_CONF` once, when the module initialises, and a loaded module stays
//! initialised for the life of the process. Tests may not change their own environment (it is
//! `unsafe` in edition 2024 and the workspace forbids `unsafe`), so [`softhsm`] re-runs the
//! calling test in a child process of this binary with `SOFTHSM2_CONF` pointing at a fresh token
//! directory. The parent only reports the child's result.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use rand::SeedableRng;
use rand::rngs::StdRng;
use signet_pki::extensions::CaUrls;
use signet_pki::issue::{CertificateTemplate, Issuer, issue, self_signed_root};
use signet_pki::names::parse_name;
use signet_pki::profile::Profile;
use signet_pki::serial::random_serial;
use signet_pki::{KeyAlgorithm, Signer, SoftwareKey};
use signet_token::{Module, PinRule, Token, TokenInfo};
use x509_cert::Certificate;

/// Marks the child process [`softhsm`] starts.
const CHILD: &str = "SIGNET_TOKEN_TEST_CHILD";

pub const SO_PIN: &str = "87654321";
pub const USER_PIN: &str = "1234";

/// The `SoftHSM2` a test runs against, in the child process.
pub struct SoftHsm {
    pub module: Module,
    pub module_path: PathBuf,
}

pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A tool is missing: fail under CI, shout otherwise.
pub fn missing(what: &str) {
    assert!(!ci(), "{what} is required when CI=true");
    eprintln!("\n!!!!!!!! SKIPPED: {what} not found; this check did not run !!!!!!!!\n");
}

/// In the child: the module to test with. In the parent: run this test in a child with its own
/// `SOFTHSM2_CONF`, check it passed, and return `None` (also when `SoftHSM2` is missing, after
/// saying so).
pub fn softhsm() -> Option<SoftHsm> {
    if std::env::var_os(CHILD).is_some() {
        let module_path = PathBuf::from(std::env::var_os(signet_token::MODULE_ENV).unwrap());
        let module = Module::load(&module_path).unwrap();
        return Some(SoftHsm {
            module,
            module_path,
        });
    }
    let Some(module_path) = Module::locate().filter(|p| p.exists()) else {
        missing("SoftHSM2 (apt-get install softhsm2)");
        return None;
    };
    let name = std::thread::current()
        .name()
        .filter(|name| *name != "main")
        .expect("libtest runs each test on a thread named after it")
        .to_owned();
    let dir = tempfile::tempdir().unwrap();
    let conf = softhsm_conf(dir.path());
    let (ok, text) = run(Command::new(std::env::current_exe().unwrap())
        .env(CHILD, "1")
        .env("SOFTHSM2_CONF", &conf)
        .env(signet_token::MODULE_ENV, &module_path)
        .args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"]));
    // The child's output is shown only on failure: its own "test result" line would be
    // counted twice by anything reading this binary's output.
    assert!(
        ok && text.contains("1 passed"),
        "{name} failed in its own SoftHSM2:\n{text}"
    );
    for line in text.lines().filter(|line| line.contains("SKIPPED")) {
        eprintln!("{line}");
    }
    None
}

/// A `SoftHSM2` configuration keeping tokens in files under `dir`.
fn softhsm_conf(dir: &Path) -> PathBuf {
    let tokens = dir.join("tokens");
    std::fs::create_dir(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    conf
}

impl SoftHsm {
    /// The blank token `SoftHSM2` always offers.
    pub fn blank(&self) -> TokenInfo {
        self.module
            .tokens()
            .unwrap()
            .into_iter()
            .find(|t| !t.initialized)
            .expect("SoftHSM2 keeps one blank token")
    }

    /// Initialise a token labelled `label` with [`SO_PIN`] and [`USER_PIN`] and open it,
    /// logged in.
    pub fn token(&self, label: &str) -> Token {
        let pin = PinRule::DIGITS_1_TO_8.check(USER_PIN).unwrap();
        self.module
            .init_token(self.blank().slot, SO_PIN, label, &pin)
            .unwrap();
        let token = Token::open(&self.module, label).unwrap();
        token.login_user(USER_PIN).unwrap();
        token
    }

    /// `pkcs11-tool` on this module with `args`, or `None` (after saying so) if it is missing.
    pub fn pkcs11_tool(&self, args: &[&str]) -> Option<String> {
        if Command::new("pkcs11-tool").arg("--help").output().is_err() {
            missing("pkcs11-tool (apt-get install opensc)");
            return None;
        }
        let (ok, text) = run(Command::new("pkcs11-tool")
            .arg("--module")
            .arg(&self.module_path)
            .args(args));
        assert!(ok, "pkcs11-tool {args:?}:\n{text}");
        Some(text)
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

/// `openssl`, or `None` (after saying so) if it is missing.
pub fn openssl() -> Option<Command> {
    if Command::new("openssl").arg("version").output().is_ok() {
        Some(Command::new("openssl"))
    } else {
        missing("openssl");
        None
    }
}

/// 2026-11-01T00:00:00Z: tests never read the clock.
pub fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_hours(498_192)
}

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// A throwaway root CA of `key`'s family issues an operator certificate for `key`.
pub fn issue_for(key: &dyn Signer, common_name: &str, seed: u64) -> Certificate {
    let mut rng = rng(seed);
    let family = key.key_algorithm().family();
    let ca_key = SoftwareKey::generate(family.ca_algorithm(), "", &mut rng).unwrap();
    let root = self_signed_root(
        &ca_key,
        &parse_name(&format!("CN=Token Test {family} Root,O=Signet 测试,C=CN")).unwrap(),
        random_serial(&mut rng).unwrap(),
        Duration::from_hours(10 * 365 * 24),
        now(),
    )
    .unwrap();
    issue(
        &Issuer {
            certificate: &root,
            signer: &ca_key,
            urls: CaUrls::new("https://ca.signet.test", family.name()),
        },
        &CertificateTemplate {
            profile: Profile::Operator,
            subject: parse_name(&format!("CN={common_name},O=Signet 测试,C=CN")).unwrap(),
            public_key: key.public_key().clone(),
            serial: random_serial(&mut rng).unwrap(),
            validity: Duration::from_hours(365 * 24),
        },
        now(),
    )
    .unwrap()
}

/// The algorithms every PKCS#11 token is expected to make.
pub const ALGORITHMS: [KeyAlgorithm; 2] = [KeyAlgorithm::Rsa2048, KeyAlgorithm::EcdsaP256];

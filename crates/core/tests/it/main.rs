//! Integration tests of signet-core against a real database (SQLite, or PostgreSQL when
//! `SIGNET_TEST_DATABASE_URL` is set: `cargo xtask test` runs this binary once for each).

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] fail loudly by design"
)]

mod at_rest;
mod audit;
mod ca;
mod ca_batch;
mod evidence;
mod jobs;
mod sealed;
mod seals;

use signet_core::Platform;
use signet_core::testing::sandbox_config;

pub struct TestPlatform {
    pub platform: Platform,
    /// How it was opened (a second "node" opens the same database with it).
    pub config: signet_core::platform::PlatformConfig,
    _dir: tempfile::TempDir,
}

pub async fn platform() -> TestPlatform {
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox_config(dir.path()).await;
    let platform = Platform::open(&config).await.unwrap();
    TestPlatform {
        platform,
        config,
        _dir: dir,
    }
}

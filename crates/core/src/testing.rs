//! Test support shared by the crates' integration tests: every test gets a database of its own,
//! on SQLite by default or on PostgreSQL when `SIGNET_TEST_DATABASE_URL` names a server.

use std::path::Path;

use sqlx::any::install_default_drivers;
use sqlx::{AnyConnection, Connection as _};

use crate::platform::PlatformConfig;
use crate::platform::random::Random;

/// The environment variable that switches integration tests to PostgreSQL: a URL of a database
/// on a server where the test user may `CREATE DATABASE` (e.g. `postgres://postgres@127.0.0.1/postgres`).
pub const DATABASE_ENV: &str = "SIGNET_TEST_DATABASE_URL";

/// Which backend this test run uses, for test names and messages.
pub fn backend_name() -> &'static str {
    if std::env::var(DATABASE_ENV).is_ok_and(|v| !v.is_empty()) {
        "postgres"
    } else {
        "sqlite"
    }
}

/// A fresh database: `None` (SQLite in the data directory) or a new PostgreSQL database named
/// `signet_test_…`, which `cargo xtask test` drops before each run.
pub async fn fresh_database_url() -> Option<String> {
    let base = std::env::var(DATABASE_ENV).ok().filter(|v| !v.is_empty())?;
    install_default_drivers();
    let name = format!("signet_test_{}", &Random.token().ok()?[..16]);
    let mut conn = AnyConnection::connect(&base).await.ok()?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .ok()?;
    let _ = conn.close().await;
    let (prefix, _) = base.rsplit_once('/')?;
    Some(format!("{prefix}/{name}"))
}

/// A sandbox platform configuration on a fresh database in `dir`.
pub async fn sandbox_config(dir: &Path) -> PlatformConfig {
    let database_url = fresh_database_url().await;
    assert!(
        database_url.is_some() || backend_name() == "sqlite",
        "{DATABASE_ENV} is set but a database could not be created there"
    );
    PlatformConfig {
        data_dir: dir.to_path_buf(),
        database_url,
        sandbox: true,
        secret_key: None,
        blobs: None,
        ca_token: None,
    }
}

/// The environment variable naming the test S3 bucket (`s3://bucket?endpoint=…`): `cargo xtask
/// test` starts SeaweedFS and sets it, with `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
pub const S3_ENV: &str = "SIGNET_TEST_S3_URL";

/// The test bucket's URL under a fresh key prefix, so tests never see each other's blobs; `None`
/// (the S3 half of a test is skipped, and says so) when no test bucket is configured. Under
/// `CI=true` a missing bucket is a failure instead.
pub fn s3_blob_url() -> Option<String> {
    let Some(base) = std::env::var(S3_ENV).ok().filter(|v| !v.trim().is_empty()) else {
        assert!(
            !std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0"),
            "{S3_ENV} is not set under CI=true: `cargo xtask test` starts SeaweedFS and sets it"
        );
        eprintln!(
            "SKIPPED the S3 half: {S3_ENV} is not set (run `cargo xtask test` for SeaweedFS)"
        );
        return None;
    };
    let parsed = url::Url::parse(base.trim());
    assert!(parsed.is_ok(), "{S3_ENV} is not a URL: {base}");
    let mut url = parsed.ok()?;
    let prefix = format!("t-{}", &Random.token().ok()?[..16]);
    url.set_path(&format!("/{prefix}"));
    Some(url.to_string())
}

//! A consistent copy of the database while the server runs, and putting one back.
//! SQLite: `VACUUM INTO` (one read transaction; WAL lets writers go on). PostgreSQL: `pg_dump
//! --format=custom` (one repeatable-read snapshot), restored with `pg_restore --single-transaction`.

use std::path::Path;
use std::process::Stdio;

use crate::error::CoreError;
use crate::platform::db::{Backend, Db};

/// The entry name of each kind of database copy.
pub const SQLITE_ENTRY: &str = "database/signet.db";
pub const POSTGRES_ENTRY: &str = "database/postgres.dump";

/// Writes a consistent copy of `db` to the new file `out`; its entry name.
pub async fn dump(
    db: &Db,
    database_url: Option<&str>,
    out: &Path,
) -> Result<&'static str, CoreError> {
    match db.backend() {
        Backend::Sqlite => {
            let path = out
                .to_str()
                .ok_or_else(|| CoreError::internal("backup temporary path is not UTF-8"))?;
            // A bound parameter: the path never becomes SQL text.
            sqlx::query("VACUUM INTO $1")
                .bind(path)
                .execute(db.pool())
                .await
                .map_err(|e| CoreError::internal(format!("VACUUM INTO: {e}")))?;
            Ok(SQLITE_ENTRY)
        }
        Backend::Postgres => {
            let url = database_url
                .ok_or_else(|| CoreError::internal("PostgreSQL backup needs the database URL"))?;
            run(
                tokio::process::Command::new("pg_dump")
                    .args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
                    .arg(out)
                    .arg(format!("--dbname={url}")),
                "pg_dump",
            )
            .await?;
            Ok(POSTGRES_ENTRY)
        }
    }
}

/// Loads a `pg_dump` file into the (empty) database at `url`, all or nothing.
pub async fn pg_restore(dump: &Path, url: &str) -> Result<(), CoreError> {
    run(
        tokio::process::Command::new("pg_restore")
            .args([
                "--single-transaction",
                "--exit-on-error",
                "--no-owner",
                "--no-privileges",
            ])
            .arg(format!("--dbname={url}"))
            .arg(dump),
        "pg_restore",
    )
    .await
}

async fn run(command: &mut tokio::process::Command, name: &str) -> Result<(), CoreError> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| {
            CoreError::internal(format!(
                "{name} could not be started ({e}): install the PostgreSQL client tools of the server's version"
            ))
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(CoreError::internal(format!(
            "{name} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

//! `signet audit verify`: walk the hash chain of the audit log.

use clap::Subcommand;
use signet_core::Platform;

use crate::settings::Settings;

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check every row of the audit log; exits non-zero when a row was changed, inserted or deleted.
    Verify,
}

pub async fn run(settings: Settings, command: AuditCommand) -> anyhow::Result<()> {
    let platform = Platform::open(&settings.platform(false))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    match command {
        AuditCommand::Verify => {
            let report = platform
                .audit
                .verify(&platform.db)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            platform.db.close().await;
            match report.problem {
                None => {
                    println!("审计日志完整 / audit log intact: {} rows", report.rows);
                    Ok(())
                }
                Some(problem) => {
                    anyhow::bail!(
                        "审计日志被篡改 / audit log tampered: {problem} ({} rows verified before it)",
                        report.rows
                    )
                }
            }
        }
    }
}

//! `signet audit verify`: walk the hash chain of the audit log and check it against the newest
//! checkpoint kept outside the database (a cut tail or a wiped log fails).

use clap::Subcommand;
use signet_core::Platform;
use signet_core::platform::clock::rfc3339;

use crate::settings::Settings;

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check every row of the audit log and compare it with the newest checkpoint outside the
    /// database; exits non-zero when a row was changed, inserted or deleted, the tail was cut or
    /// the log wiped. After a clean pass a fresh checkpoint is written.
    Verify,
}

pub async fn run(settings: Settings, command: AuditCommand) -> anyhow::Result<()> {
    let mut platform = Platform::open(&settings.platform(false)?)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(mirror) = &settings.audit_mirror {
        platform.checkpoints.add_mirror(mirror.clone());
    }
    match command {
        AuditCommand::Verify => {
            let report = signet_core::audit_verify(&platform)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"));
            platform.db.close().await;
            let report = report?;
            match report.problem {
                None => {
                    println!("审计日志完整 / audit log intact: {} rows", report.rows);
                    match &report.checkpoint {
                        Some(checkpoint) => println!(
                            "与库外检查点一致 / matches the checkpoint of {} ({} rows, stamped by {})",
                            rfc3339(checkpoint.at),
                            checkpoint.rows,
                            checkpoint.tsa.as_deref().unwrap_or("no TSA yet")
                        ),
                        None => println!(
                            "尚无库外检查点，已写入第一个 / no checkpoint outside the database yet; the first one is written now"
                        ),
                    }
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

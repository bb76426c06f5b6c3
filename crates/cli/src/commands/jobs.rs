//! `signet jobs`: the background job queue for operators: list jobs (the dead letters first of
//! all) and put a dead job back in the queue.

use anyhow::Context as _;
use clap::{Args, Subcommand};
use signet_core::Platform;
use signet_core::platform::clock::rfc3339;
use signet_core::platform::jobs::{Status, queue};

use super::core_error as core;
use crate::settings::Settings;

#[derive(Subcommand, Debug)]
pub enum JobsCommand {
    /// List jobs, newest first.
    List(ListArgs),
    /// Put a dead job back in the queue with fresh attempts.
    Retry(RetryArgs),
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only jobs in this state: queued, running, done or dead.
    #[arg(long)]
    pub status: Option<String>,
    /// Only jobs of this kind (e.g. platform.sms, desk.refund).
    #[arg(long)]
    pub kind: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct RetryArgs {
    /// The job's id.
    pub id: String,
}

pub async fn run(settings: Settings, command: JobsCommand) -> anyhow::Result<()> {
    let platform = Platform::open(&settings.platform(false)?)
        .await
        .map_err(core)
        .context("opening the platform")?;
    let result = match command {
        JobsCommand::List(args) => list(&platform, &args).await,
        JobsCommand::Retry(args) => {
            let job = queue::retry(&platform, &args.id).await.map_err(core)?;
            println!(
                "已重新排队 / queued again: {} ({}); a running `signet serve` takes it",
                job.id, job.kind
            );
            Ok(())
        }
    };
    platform.db.close().await;
    result
}

async fn list(platform: &Platform, args: &ListArgs) -> anyhow::Result<()> {
    let status = args
        .status
        .as_deref()
        .map(Status::parse)
        .transpose()
        .map_err(core)?;
    let jobs = queue::list(platform, status, args.kind.as_deref(), args.limit)
        .await
        .map_err(core)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&jobs)?);
        return Ok(());
    }
    println!(
        "{:<36}  {:<22}  {:<7}  {:>8}  {:>9}  {:<20}  last error",
        "id", "kind", "status", "attempts", "progress", "run at (UTC)"
    );
    for job in jobs {
        println!(
            "{:<36}  {:<22}  {:<7}  {:>3} / {:<2}  {:>4}/{:<4}  {:<20}  {}",
            job.id,
            job.kind,
            job.status.as_str(),
            job.attempts,
            job.max_attempts,
            job.progress_done,
            job.progress_total,
            rfc3339(job.run_at),
            job.last_error.unwrap_or_default()
        );
    }
    Ok(())
}

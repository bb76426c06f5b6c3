//! `signet`: the one binary. Serves the platform and runs its operator commands.

mod commands;
mod settings;

use clap::{Parser, Subcommand};

use settings::GlobalArgs;

#[derive(Parser)]
#[command(
    name = "signet",
    version,
    about = "Signet: certificate authority, registration desk and e-contract platform"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[expect(
    clippy::doc_markdown,
    reason = "clap prints these doc comments as --help text, where backticks would show"
)]
enum Command {
    /// Serve the web app and the API.
    Serve(commands::serve::ServeArgs),
    /// Prepare the data directory: secret key, database, the rsa/ecc/sm2 CA hierarchies, and (with --demo) demo accounts. Idempotent.
    Init(commands::init::InitArgs),
    /// The certificate authority: list CAs, issue, revoke, write CRLs.
    #[command(subcommand)]
    Ca(commands::ca::CaCommand),
    /// PDF signing: PAdES signatures with seals and riding seals.
    #[command(subcommand)]
    Pdf(commands::pdf::PdfCommand),
    /// Verify every signature of a PDF; exits 0 only when all are valid and trusted.
    Verify(commands::verify::VerifyArgs),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(commands::audit::AuditCommand),
    /// Sandbox tools for demos and tests.
    #[command(subcommand)]
    Dev(commands::dev::DevCommand),
    /// The background job queue: list jobs (dead letters), retry a dead one.
    #[command(subcommand)]
    Jobs(commands::jobs::JobsCommand),
    /// CA staff accounts and their roles.
    #[command(subcommand)]
    Staff(commands::staff::StaffCommand),
    /// The key client: USB tokens through PKCS#11 (list, init, enroll, renew, login, change-pin,
    /// unlock, produce).
    #[command(subcommand)]
    Token(commands::token::TokenCommand),
    /// The key agent the web app calls on this machine (loopback only).
    Agent(commands::agent::AgentArgs),
    /// Write an encrypted, consistent backup (database, blobs, audit checkpoints; secrets with
    /// --with-secrets) while the server runs. The passphrase is read from the environment
    /// variable SIGNET_BACKUP_PASSPHRASE, or asked on the terminal.
    Backup(commands::backup::BackupArgs),
    /// Restore a backup into the data directory given by --data (absent or empty); with
    /// the database URL of an empty database for a PostgreSQL backup. Nothing is written on error.
    Restore(commands::backup::RestoreArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info,cryptoki=off".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let settings = settings::Settings::load(&cli.global)?;
        match cli.command {
            Command::Serve(args) => commands::serve::run(settings, args).await,
            Command::Init(args) => commands::init::run(settings, args).await,
            Command::Ca(command) => commands::ca::run(settings, command).await,
            Command::Pdf(command) => commands::pdf::run(command),
            Command::Verify(args) => commands::verify::run(&args),
            Command::Audit(command) => commands::audit::run(settings, command).await,
            Command::Dev(command) => commands::dev::run(settings, command).await,
            Command::Jobs(command) => commands::jobs::run(settings, command).await,
            Command::Staff(command) => commands::staff::run(settings, command).await,
            Command::Token(command) => commands::token::run(settings, command).await,
            Command::Agent(args) => commands::agent::run(&settings, args).await,
            Command::Backup(args) => commands::backup::backup(settings, args).await,
            Command::Restore(args) => commands::backup::restore(settings, args).await,
        }
    })
}

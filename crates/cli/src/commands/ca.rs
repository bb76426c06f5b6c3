//! `signet ca`: list the CAs, issue, revoke, and write a CRL.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use secrecy::ExposeSecret as _;
use signet_core::Platform;
use signet_core::ca::{CaRole, IssueRequest, issue, list_cas, publish_crl, rekey, revoke};
use signet_core::platform::clock::rfc3339;

use super::core_error as core;
use crate::settings::Settings;

#[derive(Subcommand, Debug)]
pub enum CaCommand {
    /// Show every CA: name, role, issuer, subject, validity.
    List,
    /// Issue a certificate; writes cert.pem, chain.pem and (when no --csr) key.pem.
    Issue(IssueArgs),
    /// Revoke a certificate by serial number (hex).
    Revoke(RevokeArgs),
    /// Write the current CRL of a CA (DER). For a root this is where its CRL is signed (the
    /// server never loads a root key): run it monthly, and after revoking an issuing CA.
    Crl(CrlArgs),
    /// Rewrite CA keys kept in an older format (PBKDF2 + CBC) in the current one (Argon2id +
    /// AES-256-GCM). `signet serve` does it at start too.
    Rekey,
}

#[derive(Args, Debug)]
pub struct IssueArgs {
    /// Issuing CA: rsa, ecc or sm2.
    #[arg(long)]
    pub ca: String,
    /// enterprise, personal, enterprise-seal, operator, event or sm2-encryption.
    #[arg(long)]
    pub profile: String,
    /// Subject in RFC 4514 form, e.g. "CN=测试科技有限公司,O=测试科技有限公司,serialNumber=91110108MA01ABCD1E,C=CN".
    #[arg(long)]
    pub subject: String,
    /// PKCS#10 request (PEM or DER); without it a key is made here and written to key.pem.
    #[arg(long)]
    pub csr: Option<PathBuf>,
    /// Directory to write the files into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct RevokeArgs {
    /// Serial number in hex (colons allowed).
    #[arg(long)]
    pub serial: String,
    /// unspecified, key-compromise, ca-compromise, affiliation-changed, superseded,
    /// cessation-of-operation or privilege-withdrawn.
    #[arg(long, default_value = "unspecified")]
    pub reason: String,
}

#[derive(Args, Debug)]
pub struct CrlArgs {
    /// A root or issuing CA, e.g. ecc or ecc-root.
    #[arg(long)]
    pub ca: String,
    /// File to write the DER CRL to.
    #[arg(long)]
    pub out: PathBuf,
}

pub async fn run(settings: Settings, command: CaCommand) -> anyhow::Result<()> {
    let platform = Platform::open(&settings.platform(false)?)
        .await
        .map_err(core)
        .context("opening the platform")?;
    let result = match command {
        CaCommand::List => list(&platform).await,
        CaCommand::Issue(args) => issue_to(&platform, &args).await,
        CaCommand::Revoke(args) => {
            let done = revoke(&platform, &args.serial, &args.reason, "cli")
                .await
                .map_err(core)?;
            println!(
                "已吊销 / revoked: {} (CA {}, {}, {})",
                done.serial,
                done.ca,
                done.reason,
                rfc3339(done.revoked_at)
            );
            // A root's subordinates are published by its CRL alone, signed here.
            let root = list_cas(&platform)
                .await
                .map_err(core)?
                .iter()
                .any(|ca| ca.name == done.ca && ca.role == CaRole::Root);
            if root {
                publish_crl(&platform, &done.ca).await.map_err(core)?;
                println!("CRL: {}", done.ca);
            }
            Ok(())
        }
        CaCommand::Crl(args) => {
            let der = publish_crl(&platform, &args.ca).await.map_err(core)?;
            std::fs::write(&args.out, der)
                .with_context(|| format!("writing {}", args.out.display()))?;
            println!("CRL: {}", args.out.display());
            Ok(())
        }
        CaCommand::Rekey => {
            let rewritten = rekey(&platform).await.map_err(core)?;
            if rewritten.is_empty() {
                println!("CA 密钥均已是当前格式 / every CA key is in the current format");
            } else {
                println!(
                    "已重写 CA 密钥 / CA keys rewritten: {}",
                    rewritten.join(", ")
                );
            }
            Ok(())
        }
    };
    platform.db.close().await;
    result
}

async fn list(platform: &Platform) -> anyhow::Result<()> {
    let cas = list_cas(platform).await.map_err(core)?;
    if cas.is_empty() {
        println!("尚无 CA，请先运行 signet init / no CAs yet: run signet init");
    }
    for ca in cas {
        println!(
            "{:<10} {:<8} {:<11} issuer={:<10} serial={} valid {} .. {}\n           {}",
            ca.name,
            ca.role.name(),
            ca.key_algorithm,
            ca.issuer.as_deref().unwrap_or("-"),
            ca.serial,
            rfc3339(ca.not_before),
            rfc3339(ca.not_after),
            ca.subject
        );
    }
    Ok(())
}

async fn issue_to(platform: &Platform, args: &IssueArgs) -> anyhow::Result<()> {
    let csr = args
        .csr
        .as_ref()
        .map(|path| std::fs::read(path).with_context(|| format!("reading {}", path.display())))
        .transpose()?;
    let issued = issue(
        platform,
        &IssueRequest {
            ca: &args.ca,
            profile: &args.profile,
            subject: &args.subject,
            csr: csr.as_deref(),
            actor: "cli",
        },
    )
    .await
    .map_err(core)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    write(
        &args.out.join("cert.pem"),
        issued.cert_pem.as_bytes(),
        false,
    )?;
    write(
        &args.out.join("chain.pem"),
        issued.chain_pem.as_bytes(),
        false,
    )?;
    if let Some(key) = &issued.key_pem {
        write(
            &args.out.join("key.pem"),
            key.expose_secret().as_bytes(),
            true,
        )?;
    }
    println!("已签发 / issued: serial {}", issued.serial);
    println!("{}", args.out.display());
    Ok(())
}

/// Writes a file; the private key with mode 0600 from the start, never readable by others.
fn write(path: &Path, contents: &[u8], private: bool) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    if private {
        // An existing file keeps its mode on open: set it explicitly.
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(contents)
        .with_context(|| format!("writing {}", path.display()))
}

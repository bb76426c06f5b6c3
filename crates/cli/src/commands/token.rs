//! `signet token`: the key client on the command line. List tokens, initialise one (tests and
//! production stations), change or unlock the user PIN, and — for CA staff — produce the
//! certificates of a USB-key order onto tokens: key pair made on the token, request signed there,
//! certificate issued by the platform and written back.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use signet_core::Platform;
use signet_core::desk::catalog::{self, Medium};
use signet_core::desk::orders::{self, OrderState};
use signet_core::desk::production::{self, TokenProduction};
use signet_pki::KeyAlgorithm;
use signet_token::{Module, PinRule, SlotId, Token};

use super::core_error as core;
use crate::settings::Settings;

#[derive(Args, Debug, Clone)]
pub struct ModuleArgs {
    /// The PKCS#11 module (vendor UKEY driver; libsofthsm2.so in tests). Default: SoftHSM2 if
    /// installed.
    #[arg(long, env = "SIGNET_PKCS11_MODULE")]
    pub module: Option<PathBuf>,
}

impl ModuleArgs {
    fn load(&self) -> anyhow::Result<Module> {
        let module = match &self.module {
            Some(path) => Module::load(path),
            None => Module::load_default(),
        };
        module.map_err(|e| anyhow::anyhow!("{e}"))
    }
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// List the tokens the module sees, with their certificates.
    List(ModuleArgs),
    /// Initialise a blank token: label, SO PIN and user PIN. Erases nothing already initialised.
    Init(InitArgs),
    /// Change the user PIN.
    ChangePin(ChangePinArgs),
    /// Reset a locked or forgotten user PIN with the SO PIN.
    Unlock(UnlockArgs),
    /// CA staff: produce a certificate of a USB-key order onto a token.
    Produce(ProduceArgs),
    /// Make a key pair on the token and its PKCS#10 request (renewal, own-key download).
    Enroll(EnrollArgs),
    /// Write a renewed (or downloaded) certificate for a key made by `enroll`; with
    /// --old-key-id, remove the certificate and key pair it replaces.
    Renew(RenewArgs),
    /// Sign a certificate-login challenge with a key on the token (prints the base64 signature
    /// and the certificate).
    Login(LoginArgs),
}

#[derive(Args, Debug)]
pub struct EnrollArgs {
    #[command(flatten)]
    pub module: ModuleArgs,
    /// Token serial or label.
    #[arg(long)]
    pub token: String,
    #[arg(long, env = "SIGNET_TOKEN_PIN")]
    pub pin: String,
    /// The subject the request names (the CA puts the verified subject in the certificate).
    #[arg(long, default_value = "CN=Signet key client")]
    pub subject: String,
    /// `ecdsa-p256` or `rsa-2048`.
    #[arg(long, default_value = "ecdsa-p256")]
    pub algorithm: String,
    /// Label of the new key pair.
    #[arg(long, default_value = "Signet")]
    pub label: String,
    /// Where to write the request (DER); the key id is printed.
    #[arg(long)]
    pub csr_out: PathBuf,
}

#[derive(Args, Debug)]
pub struct RenewArgs {
    #[command(flatten)]
    pub module: ModuleArgs,
    #[arg(long)]
    pub token: String,
    #[arg(long, env = "SIGNET_TOKEN_PIN")]
    pub pin: String,
    /// The key pair the certificate certifies (hex, as `enroll` printed).
    #[arg(long)]
    pub key_id: String,
    /// The certificate (PEM or DER).
    #[arg(long)]
    pub cert: PathBuf,
    #[arg(long, default_value = "Signet")]
    pub label: String,
    /// The key pair (and its certificate) this one replaces.
    #[arg(long)]
    pub old_key_id: Option<String>,
}

#[derive(Args, Debug)]
pub struct LoginArgs {
    #[command(flatten)]
    pub module: ModuleArgs,
    #[arg(long)]
    pub token: String,
    #[arg(long, env = "SIGNET_TOKEN_PIN")]
    pub pin: String,
    /// The key to sign with; default: the first key with a certificate.
    #[arg(long)]
    pub key_id: Option<String>,
    /// The challenge text the platform gave.
    #[arg(long)]
    pub challenge: String,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    #[command(flatten)]
    pub module: ModuleArgs,
    /// Slot number of the blank token (see `signet token list`).
    #[arg(long)]
    pub slot: u64,
    #[arg(long)]
    pub label: String,
    #[arg(long, env = "SIGNET_TOKEN_SO_PIN")]
    pub so_pin: String,
    #[arg(long, env = "SIGNET_TOKEN_PIN")]
    pub pin: String,
}

#[derive(Args, Debug)]
pub struct ChangePinArgs {
    #[command(flatten)]
    pub module: ModuleArgs,
    /// Token serial or label.
    #[arg(long)]
    pub token: String,
    #[arg(long, env = "SIGNET_TOKEN_PIN")]
    pub pin: String,
    #[arg(long, env = "SIGNET_TOKEN_NEW_PIN")]
    pub new_pin: String,
}

#[derive(Args, Debug)]
pub struct UnlockArgs {
    #[command(flatten)]
    pub module: ModuleArgs,
    /// Token serial or label.
    #[arg(long)]
    pub token: String,
    #[arg(long, env = "SIGNET_TOKEN_SO_PIN")]
    pub so_pin: String,
    #[arg(long, env = "SIGNET_TOKEN_NEW_PIN")]
    pub new_pin: String,
}

#[derive(Args, Debug)]
pub struct ProduceArgs {
    #[command(flatten)]
    pub module: ModuleArgs,
    /// The order (id) awaiting production.
    #[arg(long)]
    pub order: String,
    /// Token serial or label; with --init-slot, the label to give the blank token.
    #[arg(long)]
    pub token: String,
    /// Initialise the blank token in this slot first (its SO PIN is made here and kept sealed
    /// by the platform; never shown to the holder).
    #[arg(long)]
    pub init_slot: Option<u64>,
    /// The token's SO PIN when it is already initialised (kept sealed by the platform).
    #[arg(long, env = "SIGNET_TOKEN_SO_PIN")]
    pub so_pin: Option<String>,
    /// The user PIN the holder receives; must follow the product's PIN rule.
    #[arg(long, env = "SIGNET_TOKEN_PIN")]
    pub pin: String,
    /// Write the issued certificate (PEM) here too.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub async fn run(settings: Settings, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::List(module) => list(&module),
        TokenCommand::Init(args) => init(&args),
        TokenCommand::ChangePin(args) => {
            let module = args.module.load()?;
            let token = Token::open(&module, &args.token).map_err(token_error)?;
            let info = token.info().map_err(token_error)?;
            let new = PinRule::new(4, 16, false)
                .map_err(token_error)?
                .within(&info)
                .check(&args.new_pin)
                .map_err(token_error)?;
            token
                .change_user_pin(&args.pin, &new)
                .map_err(token_error)?;
            println!("用户 PIN 已修改 / user PIN changed: {}", token.serial());
            Ok(())
        }
        TokenCommand::Unlock(args) => {
            let module = args.module.load()?;
            let token = Token::open(&module, &args.token).map_err(token_error)?;
            let info = token.info().map_err(token_error)?;
            let new = PinRule::DIGITS_1_TO_8
                .within(&info)
                .check(&args.new_pin)
                .map_err(token_error)?;
            token
                .unlock_user_pin(&args.so_pin, &new)
                .map_err(token_error)?;
            println!("用户 PIN 已重置 / user PIN reset: {}", token.serial());
            Ok(())
        }
        TokenCommand::Enroll(args) => enroll(&args),
        TokenCommand::Renew(args) => renew(&args),
        TokenCommand::Login(args) => login(&args),
        TokenCommand::Produce(args) => {
            let platform = Platform::open(&settings.platform(false)?)
                .await
                .map_err(core)
                .context("opening the platform")?;
            let result = produce(&platform, &args).await;
            platform.db.close().await;
            result
        }
    }
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "used as map_err(token_error)"
)]
fn token_error(error: signet_token::TokenError) -> anyhow::Error {
    anyhow::anyhow!("{error} ({})", error.code())
}

fn list(args: &ModuleArgs) -> anyhow::Result<()> {
    let module = args.load()?;
    let tokens = module.tokens().map_err(token_error)?;
    if tokens.is_empty() {
        println!("未发现 USB Key / no tokens");
    }
    for info in tokens {
        println!(
            "slot {:<12} label={:<20} serial={:<18} model={} {}{}",
            info.slot.0,
            info.label,
            info.serial,
            info.model,
            if info.initialized { "" } else { "(blank) " },
            if info.user_pin_locked {
                "PIN 已锁定 / PIN locked"
            } else {
                ""
            }
        );
        if !info.initialized {
            continue;
        }
        let token = Token::open(&module, &info.serial).map_err(token_error)?;
        for cert in token.certificates().map_err(token_error)? {
            let tbs = cert.certificate.tbs_certificate();
            println!(
                "    certificate id={} label={} subject={} serial={}",
                cert.id
                    .as_ref()
                    .map(signet_token::KeyId::to_hex)
                    .unwrap_or_default(),
                cert.label,
                tbs.subject(),
                signet_pki::serial::serial_hex(tbs.serial_number())
            );
        }
    }
    Ok(())
}

fn init(args: &InitArgs) -> anyhow::Result<()> {
    let module = args.module.load()?;
    let pin = PinRule::new(4, 16, false)
        .map_err(token_error)?
        .check(&args.pin)
        .map_err(token_error)?;
    let info = module
        .init_token(SlotId(args.slot), &args.so_pin, &args.label, &pin)
        .map_err(token_error)?;
    println!(
        "已初始化 / initialised: label={} serial={} slot={}",
        info.label, info.serial, info.slot.0
    );
    Ok(())
}

/// The key algorithm for a CA family's subscribers on a token.
fn algorithm_for(ca: &str) -> anyhow::Result<KeyAlgorithm> {
    match ca {
        "rsa" => Ok(KeyAlgorithm::Rsa2048),
        "ecc" => Ok(KeyAlgorithm::EcdsaP256),
        other => anyhow::bail!(
            "CA {other}: USB-key production supports the rsa and ecc CAs (PKCS#11 has no standard SM2 mechanism)"
        ),
    }
}

async fn produce(platform: &Platform, args: &ProduceArgs) -> anyhow::Result<()> {
    let order = orders::load(platform, &args.order).await.map_err(core)?;
    let product = catalog::product(platform, &order.product_id)
        .await
        .map_err(core)?;
    if product.settings.medium != Medium::UsbKey {
        anyhow::bail!(
            "订单 {} 不是 USB Key 产品 / not a USB-key order",
            order.number
        );
    }
    if order.state != OrderState::AwaitingProduction {
        anyhow::bail!(
            "订单 {} 当前为“{}”，不能制证 / order is {}, not awaiting production",
            order.number,
            order.state.label(),
            order.state.as_str()
        );
    }
    let algorithm = algorithm_for(&product.ca)?;
    let max = usize::try_from(product.settings.pin_max).unwrap_or(8);
    let min = usize::try_from(product.settings.pin_min).unwrap_or(1);
    let rule = PinRule::new(min, max, true).map_err(token_error)?;
    let module = args.module.load()?;
    let mut so_pin = args.so_pin.clone();
    let token = if let Some(slot) = args.init_slot {
        let new_so = signet_core::platform::random::Random
            .digits(16)
            .map_err(core)?;
        let user_pin = rule.check(&args.pin).map_err(token_error)?;
        let info = module
            .init_token(SlotId(slot), &new_so, &args.token, &user_pin)
            .map_err(token_error)?;
        so_pin = Some(new_so);
        Token::open(&module, &info.serial).map_err(token_error)?
    } else {
        Token::open(&module, &args.token).map_err(token_error)?
    };
    rule.within(&token.info().map_err(token_error)?)
        .check(&args.pin)
        .map_err(token_error)?;
    token.login_user(&args.pin).map_err(token_error)?;
    let key_id = token.random_key_id().map_err(token_error)?;
    let label = format!("Signet {}", order.number);
    let key = token
        .generate_key_pair(algorithm, &key_id, &label)
        .map_err(token_error)?;
    let subject = production::subject(&product, &order.form).map_err(core)?;
    let csr = key.make_csr_for_dn(&subject).map_err(token_error)?;
    let info = token.info().map_err(token_error)?;
    let issued = production::produce_on_token(
        platform,
        &order,
        &TokenProduction {
            csr: &csr,
            token_serial: token.serial(),
            token_model: &info.model,
            so_pin: so_pin.as_deref(),
            actor: "cli:token-produce",
        },
    )
    .await
    .map_err(core);
    let issued = match issued {
        Ok(issued) => issued,
        Err(error) => {
            // Nothing was issued: take the unused key off the token again.
            let _ = token.delete_key_and_certificate(&key_id);
            return Err(error);
        }
    };
    let (_, der) = der::pem::decode_vec(issued.cert_pem.as_bytes())
        .map_err(|e| anyhow::anyhow!("issued certificate PEM: {e}"))?;
    token
        .write_certificate(&der, &key_id, &label)
        .map_err(token_error)?;
    token.logout().map_err(token_error)?;
    if let Some(out) = &args.out {
        std::fs::write(out, format!("{}{}", issued.cert_pem, issued.chain_pem))
            .with_context(|| format!("writing {}", out.display()))?;
    }
    let order = orders::load(platform, &order.id).await.map_err(core)?;
    println!(
        "已制证 / produced: serial {} on token {} (order {} is now {})",
        issued.serial,
        token.serial(),
        order.number,
        order.state.label()
    );
    Ok(())
}

fn open_logged_in(module: &ModuleArgs, token: &str, pin: &str) -> anyhow::Result<Token> {
    let module = module.load()?;
    let token = Token::open(&module, token).map_err(token_error)?;
    token.login_user(pin).map_err(token_error)?;
    Ok(token)
}

fn enroll(args: &EnrollArgs) -> anyhow::Result<()> {
    let algorithm = match args.algorithm.as_str() {
        "ecdsa-p256" => KeyAlgorithm::EcdsaP256,
        "rsa-2048" => KeyAlgorithm::Rsa2048,
        other => anyhow::bail!("unknown algorithm {other} (ecdsa-p256, rsa-2048)"),
    };
    let token = open_logged_in(&args.module, &args.token, &args.pin)?;
    let key_id = token.random_key_id().map_err(token_error)?;
    let key = token
        .generate_key_pair(algorithm, &key_id, &args.label)
        .map_err(token_error)?;
    let csr = key.make_csr_for_dn(&args.subject).map_err(token_error)?;
    std::fs::write(&args.csr_out, csr)
        .with_context(|| format!("writing {}", args.csr_out.display()))?;
    token.logout().map_err(token_error)?;
    println!("{}", key_id.to_hex());
    Ok(())
}

fn renew(args: &RenewArgs) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(&args.cert).with_context(|| format!("reading {}", args.cert.display()))?;
    let der = if bytes.starts_with(b"-----BEGIN") {
        // The first certificate of the file (a chain may follow), whatever whitespace ends it.
        let text = String::from_utf8_lossy(&bytes);
        let end = text
            .find("-----END CERTIFICATE-----")
            .context("certificate PEM without its END line")?;
        let block = format!("{}\n", &text[..end + "-----END CERTIFICATE-----".len()]);
        der::pem::decode_vec(block.as_bytes())
            .map_err(|e| anyhow::anyhow!("certificate PEM: {e}"))?
            .1
    } else {
        bytes
    };
    let token = open_logged_in(&args.module, &args.token, &args.pin)?;
    let key_id = signet_token::KeyId::from_hex(&args.key_id).map_err(token_error)?;
    token
        .write_certificate(&der, &key_id, &args.label)
        .map_err(token_error)?;
    if let Some(old) = &args.old_key_id {
        let old = signet_token::KeyId::from_hex(old).map_err(token_error)?;
        let removed = token
            .delete_key_and_certificate(&old)
            .map_err(token_error)?;
        println!(
            "已移除旧密钥与证书 / removed the old key pair and certificate ({removed} objects)"
        );
    }
    token.logout().map_err(token_error)?;
    println!("证书已写入 / certificate written: key {}", key_id.to_hex());
    Ok(())
}

fn login(args: &LoginArgs) -> anyhow::Result<()> {
    use std::io::Write as _;
    let token = open_logged_in(&args.module, &args.token, &args.pin)?;
    let key_id = match &args.key_id {
        Some(hex) => signet_token::KeyId::from_hex(hex).map_err(token_error)?,
        None => token
            .certificates()
            .map_err(token_error)?
            .into_iter()
            .find_map(|c| c.id)
            .context("no certificate on the token")?,
    };
    let signed = token
        .sign_challenge(&key_id, args.challenge.as_bytes())
        .map_err(token_error)?;
    token.logout().map_err(token_error)?;
    let b64 = |bytes: &[u8]| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "signature={}", b64(&signed.signature))?;
    if let Some(cert) = signed.certificate {
        writeln!(out, "certificate={}", b64(&cert))?;
    }
    Ok(())
}

//! `signet-agent`: the key agent as the holder downloads it (证书助手), without the rest of
//! Signet. Run it and leave it running: the platform's pages reach the USB key through it.
//!
//! A build served by a platform carries that platform's origin (see
//! [`signet_token::agent::BundledConfig`]), so it needs no arguments. Options, for the rest:
//! `--origin https://…`, `--listen 127.0.0.1:17780`, `--module <PKCS#11 driver>` (or the
//! variables `SIGNET_AGENT_ORIGIN`, `SIGNET_AGENT_LISTEN`, `SIGNET_PKCS11_MODULE`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use signet_token::Module;
use signet_token::agent::{AgentConfig, BundledConfig, check_origin, serve};

const DEFAULT_LISTEN: &str = "127.0.0.1:17780";

const HELP: &str = "signet-agent：Signet 证书助手 / the Signet key agent

让平台网页通过本机的 USB Key 完成制证、证书更新、解锁和证书登录。
运行后请保持开启（可设为开机自动启动）。

用法 / usage: signet-agent [--origin URL] [--listen 127.0.0.1:17780] [--module PATH]
  --origin   平台地址 / the platform's origin (default: the one this download is for)
  --listen   本机监听地址 / loopback address to listen on
  --module   USB Key 驱动（PKCS#11 模块）/ the token's PKCS#11 module
  --version  版本 / print the version";

struct Options {
    origin: Option<String>,
    listen: String,
    module: Option<PathBuf>,
}

fn options() -> Result<Option<Options>, String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let mut options = Options {
        origin: env("SIGNET_AGENT_ORIGIN"),
        listen: env("SIGNET_AGENT_LISTEN").unwrap_or_else(|| DEFAULT_LISTEN.to_owned()),
        module: env("SIGNET_PKCS11_MODULE").map(PathBuf::from),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--origin" => options.origin = Some(value()?),
            "--listen" => options.listen = value()?,
            "--module" => options.module = Some(PathBuf::from(value()?)),
            "-h" | "--help" => {
                println!("{HELP}");
                return Ok(None);
            }
            "-V" | "--version" => {
                println!("signet-agent {}", env!("CARGO_PKG_VERSION"));
                return Ok(None);
            }
            other => return Err(format!("unknown option {other}\n\n{HELP}")),
        }
    }
    Ok(Some(options))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("signet-agent: {message}");
            // Started by a double click, the window would close before the message is read.
            if cfg!(windows) {
                eprintln!("按回车键关闭 / press Enter to close");
                let _ = std::io::stdin().read_line(&mut String::new());
            }
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let Some(options) = options()? else {
        return Ok(());
    };
    let bundled = std::env::current_exe()
        .ok()
        .and_then(|exe| BundledConfig::read_from(&exe).ok().flatten());
    let origin = options
        .origin
        .or_else(|| bundled.map(|config| config.origin))
        .ok_or("这个证书助手不知道平台地址：请从平台的“下载证书助手”页面重新下载，或用 --origin 指定 / no platform origin: download the agent from the platform's page again, or pass --origin")?;
    let origin = check_origin(&origin).map_err(|error| error.to_string())?;
    let listen: SocketAddr = options
        .listen
        .parse()
        .map_err(|error| format!("--listen {}: {error}", options.listen))?;
    let module = options.module.or_else(Module::locate).ok_or(
        "未找到 USB Key 驱动：请先安装 USB Key 厂商的驱动，或用 --module 指定其 PKCS#11 模块 / no PKCS#11 module found: install the token vendor's driver or pass --module",
    )?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|error| {
            format!("无法监听 {listen}（证书助手是否已在运行？）/ cannot listen on {listen}: {error}")
        })?;
        println!(
            "Signet 证书助手 {} 已启动，请保持本窗口开启 / key agent listening on http://{listen} for {origin} (module {})",
            env!("CARGO_PKG_VERSION"),
            module.display()
        );
        let config = AgentConfig {
            listen,
            allowed_origin: origin,
            module,
        };
        serve(listener, config)
            .await
            .map_err(|error| error.to_string())
    })
}

//! `cargo xtask run`: check prerequisites, build the web app and the server, prepare `./data`
//! with demo data, and serve `http://127.0.0.1:8080` with sandbox providers.

use std::path::Path;
use std::process::Command;

use crate::prereqs;
use crate::shell::{self, cargo, target_dir};

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let listen = std::env::var("SIGNET_LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let data =
        std::env::var("SIGNET_DATA").unwrap_or_else(|_| root.join("data").display().to_string());
    let web = root.join("web");
    prereqs::require_toolchains()?;
    prereqs::npm_packages(&web)?;
    shell::run(
        Command::new("npm")
            .args(["run", "--silent", "build"])
            .current_dir(&web),
    )?;
    shell::run(cargo().args(["build", "-p", "signet"]).current_dir(root))?;
    let agents = crate::agent::build(root)?;
    println!("signet-agent: {agents}");
    let binary = target_dir(root).join("debug").join("signet");
    shell::run(Command::new(&binary).args(["--data", &data, "init", "--demo"]))?;
    println!();
    println!("  Signet 正在运行 / is running:  http://{listen}");
    println!("  演示账号 / demo logins:         demo / Demo@2026,  demo2 / Demo@2026");
    println!(
        "  电子合同 / e-contract:          ecadmin, ecdelegate, ecmember / Demo@2026 (演示企业 / demo enterprise)"
    );
    println!(
        "  沙箱收件箱 / sandbox inbox:     http://{listen}/dev/inbox  (短信、邮件和图形验证码答案)"
    );
    println!("  API 文档 / OpenAPI:             http://{listen}/api/v1/openapi.json");
    println!("  数据目录 / data:                {data}");
    println!("  Ctrl-C 停止 / to stop");
    println!();
    let web_dir = web.join("dist");
    shell::run(
        Command::new(&binary)
            .args(["--data", &data, "serve", "--sandbox", "--listen", &listen])
            .arg("--web-dir")
            .arg(&web_dir)
            .arg("--agent-dir")
            .arg(crate::agent::dist_dir(root))
            .args(args),
    )
}

//! `signet init`: prepare the data directory. Safe to run again.

use anyhow::Context as _;
use clap::Args;
use signet_core::Platform;
use signet_core::ca::init_hierarchies_as;
use signet_core::desk::demo::seed_catalog;
use signet_core::desk::roles::{self, Role};
use signet_core::platform::accounts::{RegisterInput, create_verified};

use crate::settings::Settings;

/// The demo accounts `--demo` creates; `cargo xtask run` prints them.
pub const DEMO_ACCOUNTS: &[(&str, &str, &str, &str, &str)] = &[
    // phone, login name, real name, email, password
    (
        "13800000001",
        "demo",
        "张三",
        "demo@signet.example",
        "Demo@2026",
    ),
    (
        "13800000002",
        "demo2",
        "李四",
        "demo2@signet.example",
        "Demo@2026",
    ),
    (
        "13800000003",
        "ecadmin",
        "赵企管",
        "ecadmin@signet.example",
        "Demo@2026",
    ),
    (
        "13800000004",
        "ecdelegate",
        "钱代理",
        "ecdelegate@signet.example",
        "Demo@2026",
    ),
    (
        "13800000005",
        "ecmember",
        "孙成员",
        "ecmember@signet.example",
        "Demo@2026",
    ),
    (
        "13800000009",
        "staff",
        "王审核",
        "staff@signet.example",
        "Staff@2026",
    ),
];

/// The demo account that administers the certified demo enterprise of the e-contract platform.
pub const DEMO_EC_ADMIN: &str = "ecadmin";

/// The demo accounts that join the demo enterprise: its administrator's delegate, and a member
/// with 劳动合同 and a grant of the company seal.
pub const DEMO_EC_DELEGATE: &str = "ecdelegate";
pub const DEMO_EC_MEMBER: &str = "ecmember";

/// The demo account that holds every CA staff role (reviewer, producer, channel admin).
pub const DEMO_STAFF: &str = "staff";

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Also create the demo accounts (implies --sandbox: demo data is for the sandbox).
    #[arg(long)]
    pub demo: bool,
    /// Make the CA hierarchies test ones (subjects say 测试 / TEST) for `signet serve --sandbox`,
    /// which refuses to sign with production hierarchies. Also set by `sandbox = true`.
    #[arg(long)]
    pub sandbox: bool,
}

pub async fn run(settings: Settings, args: InitArgs) -> anyhow::Result<()> {
    let platform = Platform::open(&settings.platform(false)?)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("opening the platform")?;
    println!(
        "数据目录已就绪 / data directory ready: {}",
        settings.data.display()
    );
    println!("数据库 / database: {}", platform.db.backend().name());
    let test = args.sandbox || args.demo || settings.sandbox;
    let created = init_hierarchies_as(&platform, &settings.public_url(), test)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("creating the CA hierarchies")?;
    if created.is_empty() {
        println!("CA 已存在 / CA hierarchies already present (signet ca list)");
    } else {
        println!(
            "已创建{} CA / created {}CA hierarchies: {} (/pki at {})",
            if test { "测试" } else { "" },
            if test { "TEST " } else { "" },
            created.join(", "),
            settings.public_url()
        );
        print_key_places(&settings, &created);
    }
    if args.demo {
        let mut ec_admin = None;
        let mut ec_members = Vec::new();
        for (phone, login_name, real_name, email, password) in DEMO_ACCOUNTS {
            let input = RegisterInput {
                login_name: (*login_name).to_owned(),
                real_name: (*real_name).to_owned(),
                email: (*email).to_owned(),
                password: (*password).to_owned(),
            };
            let user = create_verified(&platform, phone, &input)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "演示账号 / demo account: {login_name} / {password} (手机 {})",
                user.phone_masked
            );
            if *login_name == DEMO_EC_ADMIN {
                ec_admin = Some(user.id.clone());
            }
            if *login_name == DEMO_EC_DELEGATE {
                ec_members.push((user.id.clone(), signet_core::contracts::demo::DELEGATE));
            }
            if *login_name == DEMO_EC_MEMBER {
                ec_members.push((user.id.clone(), signet_core::contracts::demo::MEMBER));
            }
            if *login_name == DEMO_STAFF {
                for role in [Role::Reviewer, Role::Producer, Role::ChannelAdmin] {
                    roles::grant(&platform, &user.id, role, "system:demo")
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                }
                println!("  CA 工作人员 / CA staff: reviewer, producer, channel_admin");
            }
        }
        let products = seed_catalog(&platform)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("seeding the demo catalog")?;
        println!("演示产品 / demo products: {}", products.join(", "));
        if let Some(admin_id) = ec_admin {
            seed_econtract(&platform, &admin_id, &ec_members).await?;
        }
    }
    platform.db.close().await;
    Ok(())
}

/// Says where the new hierarchies' keys were made: on the CA token for RSA and ECDSA when one
/// is configured; SM2 always in software (PKCS#11 defines no SM2 mechanism).
fn print_key_places(settings: &Settings, created: &[String]) {
    let Some(token) = &settings.ca_token else {
        println!(
            "CA 密钥 / CA keys: 软件密钥，以主密钥加密 / software keys, encrypted under the master key"
        );
        return;
    };
    let on_token: Vec<&str> = created
        .iter()
        .map(String::as_str)
        .filter(|family| *family != "sm2")
        .collect();
    if !on_token.is_empty() {
        println!(
            "CA 密钥 / CA keys: {} 的根 CA、签发 CA、OCSP 与 TSA 密钥在 PKCS#11 令牌“{}”上生成，数据库只存其标签和 ID / root, issuing, OCSP and TSA keys made on PKCS#11 token '{}'; the database holds only their labels and ids",
            on_token.join(", "),
            token.token_label,
            token.token_label
        );
    }
    if created.iter().any(|family| family == "sm2") {
        println!(
            "注意 / note: sm2 的 CA 密钥仍为软件密钥（PKCS#11 未定义 SM2 机制），以主密钥加密保存 / the sm2 CA keys stay software keys (PKCS#11 defines no SM2 mechanism), encrypted under the master key"
        );
    }
}

/// The e-contract platform's demo: `ecadmin` real-named and administrator of a certified demo
/// enterprise, `ecdelegate` and `ecmember` real-named members of it (through the wing's own code
/// paths).
async fn seed_econtract(
    platform: &Platform,
    admin_id: &str,
    members: &[(String, signet_core::contracts::demo::DemoMember)],
) -> anyhow::Result<()> {
    let enterprise = signet_core::contracts::demo::seed(platform, admin_id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("seeding the demo enterprise")?;
    println!(
        "演示企业 / demo enterprise: {}（{}，管理员 {DEMO_EC_ADMIN}，id {enterprise}）",
        signet_core::contracts::demo::NAME,
        signet_core::contracts::demo::CREDIT_CODE
    );
    let added = signet_core::contracts::demo::seed_roster(platform, &enterprise, admin_id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("seeding the demo enterprise's roster")?;
    if added > 0 {
        println!("  演示员工花名册 / demo roster: {added} 人（纸质归档可选用）");
    }
    for (user_id, who) in members {
        signet_core::contracts::demo::seed_member(platform, &enterprise, admin_id, user_id, who)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("seeding the demo enterprise's members")?;
        println!("  演示成员 / demo member: {}（{}）", who.name, who.role);
    }
    Ok(())
}

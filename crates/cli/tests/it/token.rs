//! `signet token produce` against SoftHSM2: the key pair is made on the token, the request is
//! signed there, the platform issues and the certificate is written back, readable by `OpenSC`'s
//! `pkcs11-tool` and verifiable by `openssl verify`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use signet_core::Platform;
use signet_core::desk::catalog::{self, Business};
use signet_core::desk::orders::{self, ApplicationForm, Organisation, Person, Shipping};
use signet_core::testing::sandbox_config;

use sqlx::Row as _;

use super::text;

pub(crate) fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

pub(crate) fn softhsm_module() -> Option<PathBuf> {
    [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

pub(crate) fn tool(name: &str) -> bool {
    Command::new(name).arg("--help").output().is_ok()
}

/// Runs `signet` with its own SoftHSM2 configuration.
fn signet_hsm(data: &Path, url: Option<&str>, conf: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_signet"));
    command
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("SOFTHSM2_CONF", conf)
        .env("RUST_LOG", "warn");
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    command.output().unwrap()
}

/// The slot of the blank token SoftHSM2 always offers.
fn blank_slot(list: &str) -> String {
    list.lines()
        .find(|line| line.contains("(blank)"))
        .and_then(|line| line.split_whitespace().nth(1))
        .unwrap_or_else(|| panic!("no blank slot in:\n{list}"))
        .to_owned()
}

fn credit_code(first17: &str) -> String {
    let check = signet_pki::ids::credit_check_character(first17).unwrap();
    format!("{first17}{}", char::from(check))
}

fn id_number(first17: &str) -> String {
    let check = signet_pki::ids::id_check_digit(first17).unwrap();
    format!("{first17}{}", char::from(check))
}

/// A USB-key order of the demo catalog, its form complete, put straight into "awaiting
/// production" (the steps before are tested through the API).
async fn order_awaiting_production(platform: &Platform) -> String {
    let user: String = sqlx::query("SELECT id FROM users WHERE login_name = 'demo'")
        .fetch_one(platform.db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
    let product = catalog::list(platform, None)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|p| p.products)
        .find(|p| p.code == "ggzy-org-ukey")
        .unwrap();
    let order = orders::create(platform, &user, &product.id, Business::New)
        .await
        .unwrap();
    let form = ApplicationForm {
        term_years: 1,
        quantity: 2,
        organisation: Some(Organisation {
            name: "令牌测试有限公司".into(),
            id_number: credit_code("91350100M000100Y4"),
            legal_rep_name: "王法人".into(),
            legal_rep_id_number: id_number("11010519491231002"),
            ..Organisation::default()
        }),
        person: Some(Person {
            name: "李经办".into(),
            id_number: id_number("35010219900101123"),
            phone: "13700000002".into(),
            email: "op@example.com".into(),
            ..Person::default()
        }),
        shipping: Shipping {
            name: "李经办".into(),
            phone: "13700000002".into(),
            address: "福州市".into(),
        },
        ..ApplicationForm::default()
    };
    orders::save_form(platform, &order, form, "test")
        .await
        .unwrap();
    sqlx::query("UPDATE desk_orders SET state = 'awaiting_production', paid_at = 1 WHERE id = $1")
        .bind(&order.id)
        .execute(platform.db.pool())
        .await
        .unwrap();
    order.id.into_string()
}

#[tokio::test]
async fn token_produce_writes_certificates_onto_softhsm_tokens() {
    let Some(module) = softhsm_module() else {
        assert!(!ci(), "SoftHSM2 is required when CI=true");
        eprintln!("SKIPPED: SoftHSM2 not installed");
        return;
    };
    assert!(
        tool("pkcs11-tool") || !ci(),
        "pkcs11-tool (opensc) is required when CI=true"
    );
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox_config(dir.path()).await;
    let url = config.database_url.clone();
    let hsm = tempfile::tempdir().unwrap();
    let tokens = hsm.path().join("tokens");
    std::fs::create_dir(&tokens).unwrap();
    let conf = hsm.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    let run = |args: &[&str]| signet_hsm(dir.path(), url.as_deref(), &conf, args);
    let init = run(&["init", "--demo"]);
    assert!(init.status.success(), "{}", text(&init));
    let platform = Platform::open(&config).await.unwrap();
    let order = order_awaiting_production(&platform).await;
    let module_arg = module.to_str().unwrap();

    // A PIN outside the product's rule (digits, 6–8 for this product) is refused before any
    // token is touched.
    let list = run(&["token", "list", "--module", module_arg]);
    let slot = blank_slot(&text(&list));
    let bad = run(&[
        "token",
        "produce",
        "--module",
        module_arg,
        "--order",
        &order,
        "--token",
        "KEY-A",
        "--init-slot",
        &slot,
        "--pin",
        "12ab",
    ]);
    assert!(!bad.status.success());
    let list = run(&["token", "list", "--module", module_arg]);
    assert!(!text(&list).contains("KEY-A"), "{}", text(&list));

    for (n, label) in ["KEY-A", "KEY-B"].iter().enumerate() {
        let list = run(&["token", "list", "--module", module_arg]);
        let slot = blank_slot(&text(&list));
        let out = dir.path().join(format!("cert-{n}.pem"));
        let produced = run(&[
            "token",
            "produce",
            "--module",
            module_arg,
            "--order",
            &order,
            "--token",
            label,
            "--init-slot",
            &slot,
            "--pin",
            "123456",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(produced.status.success(), "{}", text(&produced));
        assert!(text(&produced).contains("已制证"), "{}", text(&produced));

        // OpenSC sees the private key, public key and certificate under one label and id.
        if tool("pkcs11-tool") {
            let objects = Command::new("pkcs11-tool")
                .env("SOFTHSM2_CONF", &conf)
                .args([
                    "--module",
                    module_arg,
                    "--token-label",
                    label,
                    "--login",
                    "--pin",
                    "123456",
                    "--list-objects",
                ])
                .output()
                .unwrap();
            let listing = text(&objects);
            assert!(objects.status.success(), "{listing}");
            for kind in [
                "Private Key Object",
                "Public Key Object",
                "Certificate Object",
            ] {
                assert!(listing.contains(kind), "{kind} missing:\n{listing}");
            }
            assert!(listing.contains("Signet SN"), "{listing}");
        }
        // The chain written with it verifies.
        let pem = std::fs::read_to_string(&out).unwrap();
        let blocks: Vec<&str> = pem.split_inclusive("-----END CERTIFICATE-----\n").collect();
        assert_eq!(blocks.len(), 3, "{pem}");
        let leaf = dir.path().join("leaf.pem");
        let issuing = dir.path().join("issuing.pem");
        let root = dir.path().join("root.pem");
        std::fs::write(&leaf, blocks[0]).unwrap();
        std::fs::write(&issuing, blocks[1]).unwrap();
        std::fs::write(&root, blocks[2]).unwrap();
        let verify = Command::new("openssl")
            .arg("verify")
            .arg("-CAfile")
            .arg(&root)
            .arg("-untrusted")
            .arg(&issuing)
            .arg(&leaf)
            .output()
            .unwrap();
        assert!(verify.status.success(), "{}", text(&verify));
    }
    let done = orders::load(&platform, &order).await.unwrap();
    assert_eq!(done.state, orders::OrderState::AwaitingDelivery);
    // Both certificates recorded with their token; the SO PIN kept sealed, not in clear.
    let rows =
        sqlx::query("SELECT certificate_serial, token_serial, so_pin_sealed FROM desk_tokens WHERE order_id = $1")
            .bind(&order)
            .fetch_all(platform.db.pool())
            .await
            .unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        let sealed: Option<String> = row.try_get("so_pin_sealed").unwrap();
        let sealed = sealed.unwrap();
        let serial: String = row.try_get("certificate_serial").unwrap();
        let at =
            signet_core::platform::crypto::SealedAt::new("desk_tokens", "so_pin_sealed", &serial);
        assert_eq!(platform.cipher.open(at, &sealed).unwrap().len(), 16);
    }
    // The order is done: a third token is refused and nothing is written to it.
    let list = run(&["token", "list", "--module", module_arg]);
    let slot = blank_slot(&text(&list));
    let third = run(&[
        "token",
        "produce",
        "--module",
        module_arg,
        "--order",
        &order,
        "--token",
        "KEY-C",
        "--init-slot",
        &slot,
        "--pin",
        "123456",
    ]);
    assert!(!third.status.success());
    assert!(text(&third).contains("不能制证"), "{}", text(&third));
    platform.db.close().await;
}

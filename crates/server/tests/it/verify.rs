//! `POST /api/v1/verify` (ES-15): a PDF signed on this platform is valid, the same with one byte
//! changed is not, one signed under another CA is "signed elsewhere"; a non-PDF, a PDF without
//! signatures, a broken PDF and a 60 MB upload each get a clear answer. Public: no session.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use secrecy::ExposeSecret as _;
use serde_json::Value;
use signet_core::Platform;
use signet_core::ca::{self, IssueRequest, init_hierarchies};
use signet_core::platform::clock::Clock as _;
use signet_core::testing::sandbox_config;
use signet_pdf::document::{Block, TextDocument, render};
use signet_pdf::{Credentials, Level, SignOptions};
use signet_pki::ids::{credit_check_character, id_check_digit};

use crate::support::{TestApp, app, new_client, problem};

fn person() -> String {
    let first = "11010519491231002";
    let id = format!("{first}{}", char::from(id_check_digit(first).unwrap()));
    format!("CN=张三丰,serialNumber={id},C=CN")
}

fn enterprise() -> String {
    let first = "91110108MA01ABCD1";
    let code = format!(
        "{first}{}",
        char::from(credit_check_character(first).unwrap())
    );
    format!("CN=测试科技有限公司,O=测试科技有限公司,serialNumber={code},C=CN")
}

fn contract() -> Vec<u8> {
    render(
        &TextDocument {
            title: "劳动合同".into(),
            blocks: vec![Block::Paragraph("甲方与乙方订立本合同，共同遵守。".into())],
        },
        None,
    )
    .unwrap()
}

/// `pdf` signed at B-T under a new certificate of `platform`'s ECC CA, stamped by its TSA.
async fn sign(platform: &Platform, pdf: &[u8], profile: &str, subject: &str) -> Vec<u8> {
    let issued = ca::issue(
        platform,
        &IssueRequest {
            ca: "ecc",
            profile,
            subject,
            csr: None,
            actor: "test",
        },
    )
    .await
    .unwrap();
    let credentials = Credentials::from_pem(
        issued.cert_pem.as_bytes(),
        issued.key_pem.unwrap().expose_secret().as_bytes(),
        Some(issued.chain_pem.as_bytes()),
    )
    .unwrap();
    let tsa = ca::timestamps(platform, "ecc").await.unwrap();
    let mut options = SignOptions::new(ca::system_time(platform.clock.now()));
    options.level = Level::BT;
    options.tsa = Some(&tsa);
    signet_pdf::sign_pdf(pdf, &credentials, &options).unwrap()
}

/// Posts `pdf` as the public page does (multipart), from a client with no session.
async fn verify(app: &TestApp, pdf: Vec<u8>) -> reqwest::Response {
    let form = Form::new().part(
        "file",
        Part::bytes(pdf)
            .file_name("contract.pdf")
            .mime_str("application/pdf")
            .unwrap(),
    );
    new_client()
        .post(app.url("/api/v1/verify"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn report(app: &TestApp, pdf: Vec<u8>) -> Value {
    let response = verify(app, pdf).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn zh_lines(signature: &Value) -> String {
    signature["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["zh"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn a_file_signed_here_is_valid_and_told_in_words() {
    let app = app().with_ca().start().await;
    let by_person = sign(&app.platform, &contract(), "personal", &person()).await;
    let signed = sign(&app.platform, &by_person, "enterprise", &enterprise()).await;

    let body = report(&app, signed.clone()).await;
    assert_eq!(body["verdict"], "valid", "{body:#}");
    assert_eq!(body["valid"], true);
    assert!(
        body["summary"]["zh"]
            .as_str()
            .unwrap()
            .starts_with("验证通过")
    );
    assert!(
        body["summary"]["en"]
            .as_str()
            .unwrap()
            .starts_with("Verified")
    );
    assert_eq!(body["revisions"], 3);
    let signatures = body["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 2);

    let first = &signatures[0];
    assert_eq!(first["status"], "valid");
    // A person's name is masked; nothing of the ID number appears.
    assert_eq!(first["signer"]["kind"], "person");
    assert_eq!(first["signer"]["name"], "张*丰");
    assert!(!body.to_string().contains("张三丰"));
    assert!(!body.to_string().contains("1101051949"));
    assert_eq!(first["certificate"]["issued_here"], true);
    assert_eq!(first["certificate"]["trusted"], true);
    assert_eq!(first["timestamp"]["valid"], true);
    // Named by the TSA certificate's common name.
    assert!(!first["timestamp"]["authority"].as_str().unwrap().is_empty());
    assert_eq!(first["revision"], 2);
    assert_eq!(first["level"], "B-T");
    assert_eq!(first["allowed_changes"].as_u64().map(|n| n > 0), Some(true));
    let words = zh_lines(first);
    assert!(words.contains("签署人：张*丰（个人）"), "{words}");
    assert!(words.contains("本平台 CA"), "{words}");
    assert!(words.contains("北京时间"), "{words}");
    assert!(words.contains("覆盖文件第 2 版（共 3 版）"), "{words}");
    assert!(words.contains("结论：该签名有效"), "{words}");

    let second = &signatures[1];
    assert_eq!(second["signer"]["kind"], "organisation");
    assert_eq!(second["signer"]["organisation"], "测试科技有限公司");
    assert!(zh_lines(second).contains("签署后文件没有任何改动"));

    // The PDF itself as the body works too (for scripts).
    let raw: Value = new_client()
        .post(app.url("/api/v1/verify"))
        .header("content-type", "application/pdf")
        .body(signed.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["verdict"], "valid");

    // One byte changed inside the first revision's content: both signatures break.
    let mut tampered = signed;
    // Inside the first revision's first stream (not a signature's /Contents hole).
    let at = tampered.windows(6).position(|w| w == b"stream").unwrap() + 20;
    tampered[at] ^= 0x01;
    let body = report(&app, tampered).await;
    assert_eq!(body["verdict"], "invalid", "{body:#}");
    assert_eq!(body["valid"], false);
    assert!(
        body["summary"]["zh"]
            .as_str()
            .unwrap()
            .starts_with("验证未通过")
    );
    let first = &body["signatures"][0];
    assert_eq!(first["status"], "invalid");
    assert!(zh_lines(first).contains("签名所覆盖的内容已被改动"));
}

#[tokio::test]
async fn a_file_signed_under_another_ca_is_reported_as_signed_elsewhere() {
    let app = app().with_ca().start().await;
    // Another platform with CA hierarchies of its own.
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = Platform::open(&sandbox_config(dir.path()).await)
        .await
        .unwrap();
    init_hierarchies(&elsewhere, "http://127.0.0.1:9")
        .await
        .unwrap();
    let signed = sign(&elsewhere, &contract(), "enterprise", &enterprise()).await;

    let body = report(&app, signed).await;
    assert_eq!(body["verdict"], "foreign", "{body:#}");
    assert_eq!(body["valid"], false);
    assert!(
        body["summary"]["zh"]
            .as_str()
            .unwrap()
            .contains("不是由本平台签发的证书所签")
    );
    let signature = &body["signatures"][0];
    assert_eq!(signature["status"], "foreign");
    assert_eq!(signature["certificate"]["issued_here"], false);
    assert!(zh_lines(signature).contains("由其他 CA"));
}

#[tokio::test]
async fn bad_uploads_get_clear_answers() {
    let app = app().with_ca().start().await;
    problem(
        verify(&app, b"PK\x03\x04 a zip, not a PDF".to_vec()).await,
        StatusCode::BAD_REQUEST,
        "verify_not_pdf",
    )
    .await;
    problem(
        verify(&app, b"%PDF-1.7\nthis is no PDF at all".to_vec()).await,
        StatusCode::BAD_REQUEST,
        "verify_unreadable",
    )
    .await;
    // A PDF without signatures: read, and said so.
    let body = report(&app, contract()).await;
    assert_eq!(body["verdict"], "unsigned");
    assert_eq!(body["valid"], false);
    assert_eq!(body["signatures"].as_array().unwrap().len(), 0);
    assert!(
        body["summary"]["zh"]
            .as_str()
            .unwrap()
            .contains("没有任何电子签名")
    );
    // No file field, and an empty body.
    let empty = new_client()
        .post(app.url("/api/v1/verify"))
        .multipart(Form::new().text("other", "x"))
        .send()
        .await
        .unwrap();
    problem(empty, StatusCode::BAD_REQUEST, "invalid_field").await;
    // 60 MB, as a form and as the body: refused with the limit named.
    let mut big = contract();
    big.resize(60 * 1024 * 1024, b' ');
    let refused = problem(
        verify(&app, big.clone()).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
    )
    .await;
    assert!(
        refused["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("50 MB"),
        "{refused}"
    );
    let raw = new_client()
        .post(app.url("/api/v1/verify"))
        .header("content-type", "application/pdf")
        .body(big)
        .send()
        .await
        .unwrap();
    problem(raw, StatusCode::PAYLOAD_TOO_LARGE, "too_large").await;
}

#[tokio::test]
async fn verification_is_rate_limited_like_other_public_writes() {
    let app = app().with_ca().writes_per_minute(3).start().await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(verify(&app, contract()).await.status());
    }
    assert_eq!(statuses[0], StatusCode::OK);
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

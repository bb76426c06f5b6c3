//! The world of the task tests: a server with the CA, the demo enterprise (certified through the
//! desk's own paths, with its cloud certificate, default seals and quota grant), real-named
//! persons with their own cloud certificates, a rendered PDF with spots, and the validators
//! (`signet_pdf`'s verifier, pyHanko, pdfsig) the signed files must pass.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::contracts::{consent, persons};
use signet_core::platform::clock::Clock as _;
use sqlx::Row as _;

use crate::support::{TestApp, app, phone};

/// A two-page contract rendered by LibreOffice.
pub const PDF: &[u8] = include_bytes!("../../../../pdf/tests/fixtures/libreoffice-contract2.pdf");

pub struct World {
    /// The enterprise's administrator, signed in.
    pub admin: TestApp,
    pub admin_id: String,
    pub enterprise_id: String,
    /// A business type of the enterprise.
    pub bt: String,
}

/// A person signed in on their own client, real-named with a cloud certificate.
pub struct Person {
    pub app: TestApp,
    pub id: String,
    pub phone: String,
}

pub async fn world() -> World {
    world_on(app().with_ca()).await
}

/// [`world`] on a server that `builder` describes (with the CA).
pub async fn world_on(builder: crate::support::Builder) -> World {
    let mut admin = builder.start().await;
    signet_core::desk::demo::seed_catalog(&admin.platform)
        .await
        .unwrap();
    let user = admin.register(&phone(7_100), "taskadmin").await;
    let admin_id = user["id"].as_str().unwrap().to_owned();
    let enterprise_id = signet_core::contracts::demo::seed(&admin.platform, &admin_id)
        .await
        .unwrap();
    let bt: String = sqlx::query(
        "SELECT id FROM ec_business_types WHERE enterprise_id = $1 ORDER BY code LIMIT 1",
    )
    .bind(&enterprise_id)
    .fetch_one(admin.platform.db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap();
    World {
        admin,
        admin_id,
        enterprise_id,
        bt,
    }
}

/// A valid GB 11643 ID number ending the 17 digits `11010519900101` + `tail` (3 digits).
pub fn id_number(tail: u32) -> String {
    let body = format!("11010519900101{:03}", tail % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize];
    format!("{body}{check}")
}

/// A registered person; real-named (with their cloud certificate) through the wing's own code.
pub async fn person(world: &World, tail: u32, name: &str) -> Person {
    let mut client = world.admin.clone_signed_out().await;
    let number = phone(tail);
    let user = client.register(&number, &format!("p{tail}")).await;
    let id = user["id"].as_str().unwrap().to_owned();
    let accepted: Vec<consent::Acceptance> = consent::TEXTS
        .iter()
        .map(|t| consent::Acceptance {
            document: t.document.into(),
            version: t.version.into(),
        })
        .collect();
    consent::accept(
        &world.admin.platform,
        &id,
        &accepted,
        &consent::Origin::default(),
    )
    .await
    .unwrap();
    persons::create(
        &world.admin.platform,
        &id,
        name,
        &id_number(tail),
        "carrier3",
        "test",
    )
    .await
    .unwrap();
    Person {
        app: client,
        id,
        phone: number,
    }
}

pub fn pdf_base64() -> String {
    base64::engine::general_purpose::STANDARD.encode(PDF)
}

/// A launch of one document with a company-seal spot for `A` and a name-seal spot for `B`.
#[expect(
    clippy::needless_pass_by_value,
    reason = "callers build the parties inline"
)]
pub fn launch_body(bt: &str, order: &str, parties: Value) -> Value {
    json!({
        "business_type_id": bt,
        "title": "劳动合同（张三）",
        "order": order,
        "parties": parties,
        "documents": [{
            "name": "劳动合同",
            "pdf": pdf_base64(),
            "spots": [
                {"id": "a1", "role": "A", "kind": "company", "page": 2, "x": 360.0, "y": 560.0, "w": 120.0, "h": 120.0},
                {"id": "b1", "role": "B", "kind": "name_seal", "page": 2, "x": 90.0, "y": 580.0, "w": 80.0, "h": 80.0}
            ]
        }]
    })
}

/// The administrator launches the usual serial task: the person with `phone` signs (role B),
/// then the enterprise (role A). The task's id.
pub async fn launch_person_then_enterprise(w: &World, phone: &str) -> String {
    let body = launch_body(
        &w.bt,
        "serial",
        json!([
            {"role": "B", "kind": "person", "phone": phone},
            {"role": "A", "kind": "enterprise", "enterprise_id": w.enterprise_id}
        ]),
    );
    launch(&w.admin, &w.enterprise_id, &body).await
}

/// Launches as `client` for `enterprise_id`; asserts 201 and returns the task id.
pub async fn launch(client: &TestApp, enterprise_id: &str, body: &Value) -> String {
    let response = client
        .post(
            &format!("/api/v1/enterprises/{enterprise_id}/tasks"),
            body.clone(),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Asks for the intent code; returns it from the sandbox inbox.
pub async fn intent_code(client: &TestApp, phone: &str, task: &str) -> String {
    let sent = client
        .post(&format!("/api/v1/tasks/{task}/sign-code"), json!({}))
        .await;
    assert_eq!(
        sent.status(),
        StatusCode::OK,
        "{}",
        sent.text().await.unwrap()
    );
    client.inbox_code(phone).await
}

/// Intent code then signature; the answer of the signature.
pub async fn sign(client: &TestApp, phone: &str, task: &str, extra: Value) -> reqwest::Response {
    // The resend gap is per phone: a second code for the same person needs a minute (the
    // callers move the clock; pyHanko checks against real time, so not here).
    let code = intent_code(client, phone, task).await;
    let mut body = extra;
    body["sms_code"] = json!(code);
    client
        .post(&format!("/api/v1/tasks/{task}/sign"), body)
        .await
}

pub async fn signed_ok(client: &TestApp, phone: &str, task: &str, extra: Value) -> Value {
    let response = sign(client, phone, task, extra).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    response.json().await.unwrap()
}

pub async fn task(client: &TestApp, task: &str) -> Value {
    let response = client.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

pub async fn list_ids(client: &TestApp, list: &str) -> Vec<String> {
    let page: Value = client
        .get(&format!("/api/v1/tasks?list={list}"))
        .await
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The first document's current PDF.
pub async fn document(client: &TestApp, task_id: &str) -> Vec<u8> {
    let view = task(client, task_id).await;
    let doc = view["documents"][0]["id"].as_str().unwrap().to_owned();
    let response = client
        .get(&format!("/api/v1/tasks/{task_id}/documents/{doc}/pdf"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.bytes().await.unwrap().to_vec()
}

/// The CA roots as PEM.
pub async fn roots_pem(app: &TestApp) -> String {
    let mut pem = String::new();
    for ca in signet_core::ca::list_cas(&app.platform).await.unwrap() {
        if ca.role == signet_core::ca::CaRole::Root {
            let der = signet_core::ca::ca_certificate(&app.platform, &ca.name)
                .await
                .unwrap();
            let cert = <x509_cert::Certificate as der::Decode>::from_der(&der).unwrap();
            pem.push_str(&der::EncodePem::to_pem(&cert, der::pem::LineEnding::LF).unwrap());
        }
    }
    pem
}

/// `signet_pdf`'s verifier: the number of intact, trusted signatures (document timestamps
/// included) and whether every one is.
pub async fn verify(app: &TestApp, pdf: &[u8]) -> (usize, bool, Value) {
    let roots = signet_pdf::Credentials::parse_pem(roots_pem(app).await.as_bytes()).unwrap();
    let options = signet_pdf::VerifyOptions {
        trust_roots: roots,
        now: signet_core::ca::system_time(app.platform.clock.now()),
        other_certificates: Vec::new(),
    };
    match signet_pdf::verify_pdf(pdf, &options) {
        Ok(report) => {
            let json = serde_json::to_value(&report).unwrap();
            let signatures = json["signatures"].as_array().cloned().unwrap_or_default();
            let all_ok = !signatures.is_empty()
                && signatures.iter().all(|s| {
                    s["intact"].as_bool().unwrap_or(false)
                        && s["trusted"].as_bool().unwrap_or(false)
                });
            (signatures.len(), all_ok, json)
        }
        Err(e) => (0, false, json!(e.to_string())),
    }
}

fn venv_tool(tool: &str) -> Option<PathBuf> {
    let venv = std::env::var_os("SIGNET_VENV").map(PathBuf::from)?;
    let path = venv.join("bin").join(tool);
    path.exists().then_some(path)
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// [`pyhanko_blocking`] off the test's runtime thread, which also serves the CRLs and OCSP
/// answers pyHanko fetches from the test server.
pub async fn pyhanko(dir: &Path, roots: &str, pdf: &[u8]) -> Option<(bool, String)> {
    let (dir, roots, pdf) = (dir.to_path_buf(), roots.to_owned(), pdf.to_vec());
    tokio::task::spawn_blocking(move || pyhanko_blocking(&dir, &roots, &pdf))
        .await
        .unwrap()
}

/// pyHanko's `sign validate` with the CA roots as trust (revocation checked against the test
/// server's own CRLs and OCSP); `None` without pyHanko.
pub fn pyhanko_blocking(dir: &Path, roots: &str, pdf: &[u8]) -> Option<(bool, String)> {
    let Some(tool) = venv_tool("pyhanko") else {
        assert!(!ci(), "pyHanko is required when CI=true (set SIGNET_VENV)");
        eprintln!("SKIPPED: pyHanko not found (set SIGNET_VENV)");
        return None;
    };
    let file = dir.join("contract.pdf");
    std::fs::write(&file, pdf).unwrap();
    let roots_file = dir.join("roots.pem");
    std::fs::write(&roots_file, roots).unwrap();
    let output = Command::new(tool)
        .args([
            "sign",
            "validate",
            "--pretty-print",
            "--trust-replace",
            "--trust",
        ])
        .arg(&roots_file)
        .arg(&file)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let ok =
        output.status.success() && !text.contains("INVALID") && !text.contains("INDETERMINATE");
    Some((ok, text))
}

/// poppler's pdfsig with the CA roots in a fresh NSS database: `(signatures, all valid)`;
/// `None` without pdfsig/certutil.
pub fn pdfsig(dir: &Path, roots: &str, pdf: &[u8]) -> Option<(usize, bool, String)> {
    if Command::new("pdfsig").arg("-v").output().is_err()
        || Command::new("certutil").arg("-H").output().is_err()
    {
        assert!(!ci(), "pdfsig and certutil are required when CI=true");
        eprintln!("SKIPPED: pdfsig/certutil not found");
        return None;
    }
    let nss = dir.join("nss");
    if !nss.exists() {
        std::fs::create_dir_all(&nss).unwrap();
        let db = format!("sql:{}", nss.display());
        Command::new("certutil")
            .args(["-N", "--empty-password", "-d", &db])
            .output()
            .unwrap();
        for (i, block) in roots
            .split_inclusive("-----END CERTIFICATE-----")
            .filter(|b| b.contains("BEGIN"))
            .enumerate()
        {
            let path = dir.join(format!("root{i}.pem"));
            std::fs::write(&path, block.trim()).unwrap();
            Command::new("certutil")
                .args([
                    "-A",
                    "-d",
                    &db,
                    "-t",
                    "CT,C,C",
                    "-n",
                    &format!("root{i}"),
                    "-i",
                ])
                .arg(&path)
                .output()
                .unwrap();
        }
    }
    let file = dir.join("pdfsig.pdf");
    std::fs::write(&file, pdf).unwrap();
    let output = Command::new("pdfsig")
        .args(["-nssdir", &format!("sql:{}", nss.display()), "-no-ocsp"])
        .arg(&file)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let blocks: Vec<&str> = text
        .split("Signature #")
        .skip(1)
        .filter(|s| !s.contains("Signature Type: unknown") && !s.contains("ETSI.RFC3161"))
        .collect();
    let valid = !blocks.is_empty()
        && blocks
            .iter()
            .all(|b| b.contains("Signature Validation: Signature is Valid."));
    Some((blocks.len(), valid, text))
}

/// The enterprise's contract balance.
pub async fn balance(app: &TestApp, enterprise_id: &str) -> i64 {
    signet_core::contracts::tasks::quota::balance(app.platform.db.pool(), enterprise_id)
        .await
        .unwrap()
}

/// Everything a refusal must leave unchanged: the task's row, parties, documents and events.
pub async fn snapshot(app: &TestApp, task_id: &str) -> Value {
    let mut out = Vec::new();
    for sql in [
        "SELECT state || ':' || COALESCE(void_reason, '-') || ':' || CAST(current_group AS TEXT) AS v FROM ec_tasks WHERE id = $1",
        "SELECT role_key || ':' || state || ':' || COALESCE(CAST(reminded_at AS TEXT), '-') AS v FROM ec_task_parties WHERE task_id = $1 ORDER BY position",
        "SELECT sha256 || ':' || CAST(revision AS TEXT) AS v FROM ec_task_documents WHERE task_id = $1 ORDER BY position",
        "SELECT kind AS v FROM ec_task_events WHERE task_id = $1 AND kind <> 'sms_sent' ORDER BY seq",
    ] {
        let rows = sqlx::query(sql)
            .bind(task_id)
            .fetch_all(app.platform.db.pool())
            .await
            .unwrap();
        out.push(Value::from(
            rows.iter()
                .map(|r| r.try_get::<String, _>("v").unwrap())
                .collect::<Vec<_>>(),
        ));
    }
    Value::from(out)
}

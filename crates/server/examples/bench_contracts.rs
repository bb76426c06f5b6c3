//! Benchmark for `cargo xtask bench contracts` (issue 15). Two modes, each in a process of its
//! own so its peak memory is its own:
//!
//! - `launch ROWS`: a bulk launch of a `ROWS`-row workbook made for a published two-page labour
//!   template (six fields, page QR codes and page numbers), rows spread over 100 real-named
//!   persons: rows/s for the upload's checks and for the launch job (fill, store, tasks, quota,
//!   the first party's SMS through the outbox), then the process's peak RSS;
//! - `sign SECONDS SIGNERS`: signatures/s through the signing path with the intent taken as
//!   confirmed (load, stamp the name seal, PAdES B-T under the person's own certificate with the
//!   platform TSA, store the revision, move the task), `SIGNERS` persons signing at once.
//!
//! The database is SQLite in a temporary directory, or a fresh PostgreSQL database when
//! `SIGNET_TEST_DATABASE_URL` names a server. Prints `name: value` lines.

use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use signet_core::Platform;
use signet_core::contracts::bulk::{self, BulkSpec, LaunchChoice};
use signet_core::contracts::tasks::events::Origin;
use signet_core::contracts::tasks::{
    self, LaunchDocument, LaunchInput, LaunchParty, OrderKind, SignInput, SigningSpot, quota,
};
use signet_core::contracts::templates::{self, DraftInput, NewTemplate};
use signet_core::contracts::{consent, persons};
use signet_core::platform::accounts::{RegisterInput, create_verified};

type Error = Box<dyn std::error::Error + Send + Sync>;

const PDF: &[u8] = include_bytes!("../../pdf/tests/fixtures/libreoffice-contract2.pdf");
const SURNAMES: [&str; 10] = ["张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴"];
const GIVEN: [&str; 10] = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋"];
const THIRD: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

fn err(e: impl std::fmt::Display) -> Error {
    e.to_string().into()
}

/// A valid GB 11643 ID number.
fn id_number(n: u32) -> String {
    let body = format!("11010519900101{:03}", n % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    let check = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize];
    format!("{body}{check}")
}

fn name(i: usize) -> String {
    format!(
        "{}{}{}",
        SURNAMES[i % 10],
        GIVEN[(i / 10) % 10],
        THIRD[(i / 100) % 10]
    )
}

fn phone(i: usize) -> String {
    format!("1391{:07}", 1000 + i)
}

/// The peak resident set of this process so far, in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

struct World {
    platform: Arc<Platform>,
    _dir: tempfile::TempDir,
    admin: String,
    enterprise: String,
    labour: String,
    persons: Vec<(String, String, String)>,
}

async fn world(persons: usize) -> Result<World, Error> {
    let dir = tempfile::tempdir()?;
    let config = signet_core::testing::sandbox_config(dir.path()).await;
    let platform = Arc::new(Platform::open(&config).await.map_err(err)?);
    signet_core::ca::init_hierarchies(&platform, "http://127.0.0.1")
        .await
        .map_err(err)?;
    signet_core::desk::demo::seed_catalog(&platform)
        .await
        .map_err(err)?;
    let admin = create_verified(
        &platform,
        "13900007100",
        &RegisterInput {
            login_name: "benchadmin".into(),
            real_name: "王五".into(),
            email: "bench-admin@example.com".into(),
            password: "Signet#2026".into(),
        },
    )
    .await
    .map_err(err)?
    .id;
    let enterprise = signet_core::contracts::demo::seed(&platform, &admin)
        .await
        .map_err(err)?;
    quota::grant(&platform, &enterprise, 100_000, quota::GRANT, "bench")
        .await
        .map_err(err)?;
    let labour: String = sqlx::query_scalar(
        "SELECT id FROM ec_business_types WHERE enterprise_id = $1 AND code = 'labour'",
    )
    .bind(&enterprise)
    .fetch_one(platform.db.pool())
    .await?;
    let accepted: Vec<consent::Acceptance> = consent::TEXTS
        .iter()
        .map(|t| consent::Acceptance {
            document: t.document.into(),
            version: t.version.into(),
        })
        .collect();
    let mut made = Vec::with_capacity(persons);
    for i in 0..persons {
        let (name, phone) = (name(i), phone(i));
        let user = create_verified(
            &platform,
            &phone,
            &RegisterInput {
                login_name: format!("benchp{i}"),
                real_name: name.clone(),
                email: format!("bench{i}@example.com"),
                password: "Signet#2026".into(),
            },
        )
        .await
        .map_err(err)?;
        consent::accept(&platform, &user.id, &accepted, &consent::Origin::default())
            .await
            .map_err(err)?;
        let tail = u32::try_from(i).unwrap_or(0);
        persons::create(
            &platform,
            &user.id,
            &name,
            &id_number(tail),
            "carrier3",
            "bench",
        )
        .await
        .map_err(err)?;
        made.push((user.id, name, phone));
    }
    Ok(World {
        platform,
        _dir: dir,
        admin,
        enterprise,
        labour,
        persons: made,
    })
}

const FIELDS: [(&str, &str); 6] = [
    ("姓名", "text"),
    ("身份证号", "id_number"),
    ("岗位", "text"),
    ("月工资", "number"),
    ("合同开始日期", "date"),
    ("合同结束日期", "date"),
];

async fn template(w: &World) -> Result<String, Error> {
    let created = templates::create(
        &w.platform,
        &w.enterprise,
        &w.admin,
        NewTemplate {
            name: "劳动合同（基准）".into(),
            business_type_id: w.labour.clone(),
            file: PDF.to_vec(),
        },
    )
    .await
    .map_err(err)?;
    let fields: Vec<_> = FIELDS
        .iter()
        .zip(0u16..)
        .map(|((key, kind), i)| {
            json!({"key": key, "kind": kind,
                "placements": [{"page": 1, "x": 300.0, "y": 120.0 + 30.0 * f32::from(i), "w": 200.0, "h": 20.0}]})
        })
        .collect();
    let draft: DraftInput = serde_json::from_value(json!({
        "roles": [{"key": "A", "kind": "enterprise", "name": "甲方（用人单位）"},
                  {"key": "B", "kind": "person", "name": "乙方（劳动者）"}],
        "fields": fields,
        "signing": [
            {"id": "a-company", "role": "A", "kind": "company", "page": 2, "x": 100, "y": 560, "w": 120, "h": 120},
            {"id": "b-name", "role": "B", "kind": "name_seal", "page": 2, "x": 350, "y": 580, "w": 80, "h": 80}
        ]
    }))?;
    templates::save_draft(&w.platform, &w.enterprise, &created.id, &w.admin, &draft)
        .await
        .map_err(err)?;
    templates::publish(&w.platform, &w.enterprise, &created.id, &w.admin)
        .await
        .map_err(err)?;
    Ok(created.id)
}

fn workbook(w: &World, rows: usize) -> Result<Vec<u8>, Error> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, (key, _)) in (0u16..).zip(FIELDS) {
        sheet.write_string(0, c, key)?;
    }
    sheet.write_string(0, 6, "乙方（劳动者）手机号")?;
    for r in 0..rows {
        let i = r % w.persons.len();
        let (_, name, phone) = &w.persons[i];
        let row = u32::try_from(r + 1)?;
        let tail = u32::try_from(i)?;
        sheet.write_string(row, 0, name)?;
        sheet.write_string(row, 1, id_number(tail))?;
        sheet.write_string(row, 2, "软件工程师")?;
        sheet.write_number(row, 3, 12_000.0)?;
        sheet.write_string(row, 4, "2026-01-05")?;
        sheet.write_number(row, 5, 47_122.0)?;
        sheet.write_string(row, 6, phone)?;
    }
    Ok(book.save_to_buffer()?)
}

async fn launch_mode(rows: usize) -> Result<(), Error> {
    let w = world(100).await?;
    let template = template(&w).await?;
    let file = workbook(&w, rows)?;
    println!("contracts setup: peak_rss_kib={}", peak_rss_kib());
    let spec: BulkSpec = serde_json::from_value(json!({
        "business_type_id": w.labour,
        "title": "劳动合同（{姓名}）",
        "order": "serial",
        "template_ids": [template],
        "parties": [{"role": "B"}, {"role": "A"}]
    }))?;
    println!(
        "contracts backend: {}",
        signet_core::testing::backend_name()
    );
    let began = Instant::now();
    let view = bulk::create(&w.platform, &w.admin, &w.enterprise, spec, &file)
        .await
        .map_err(err)?;
    let checked = began.elapsed().as_secs_f64();
    if view.invalid_rows != 0 {
        return Err(format!(
            "{} rows refused: {:?}",
            view.invalid_rows,
            view.rows.iter().find(|r| !r.ok)
        )
        .into());
    }
    #[expect(clippy::cast_precision_loss, reason = "row counts")]
    let per_second = |n: usize, s: f64| n as f64 / s;
    println!(
        "contracts validate {rows} rows: {:.1}/s (seconds={checked:.2})",
        per_second(rows, checked)
    );
    println!(
        "contracts after validation: peak_rss_kib={}",
        peak_rss_kib()
    );
    bulk::start(&w.platform, &w.admin, &view.id, &LaunchChoice::default())
        .await
        .map_err(err)?;
    let began = Instant::now();
    let handled = bulk::run_chunks(&w.platform, &view.id, bulk::CHUNK_ROWS, None, None)
        .await
        .map_err(err)?;
    let launched = began.elapsed().as_secs_f64();
    let done = bulk::view(&w.platform, &w.admin, &view.id)
        .await
        .map_err(err)?;
    if done.launched != i64::try_from(rows)? || handled != rows {
        return Err(format!(
            "launched {} of {rows} ({} failed)",
            done.launched, done.failed
        )
        .into());
    }
    println!(
        "contracts launch {rows} rows: {:.1}/s (seconds={launched:.2})",
        per_second(rows, launched)
    );
    println!("contracts peak: peak_rss_kib={}", peak_rss_kib());
    Ok(())
}

#[expect(
    clippy::too_many_lines,
    reason = "the launches, then the signers at once, then the figure"
)]
async fn sign_mode(seconds: f64, signers: usize) -> Result<(), Error> {
    let w = world(signers).await?;
    println!(
        "contracts backend: {}",
        signet_core::testing::backend_name()
    );
    let per_signer = 60;
    let origin = Origin::default();
    let mut queues = Vec::with_capacity(signers);
    for (user, _, phone) in &w.persons {
        let mut tasks_ = Vec::with_capacity(per_signer);
        for _ in 0..per_signer {
            let input = LaunchInput {
                enterprise_id: w.enterprise.clone(),
                business_type_id: w.labour.clone(),
                title: "劳动合同（基准）".into(),
                confidential: false,
                deadline: None,
                order: OrderKind::Serial,
                parties: vec![
                    serde_json::from_value::<LaunchParty>(
                        json!({"role": "B", "kind": "person", "phone": phone}),
                    )?,
                    serde_json::from_value::<LaunchParty>(
                        json!({"role": "A", "kind": "enterprise", "enterprise_id": w.enterprise}),
                    )?,
                ],
                cc: Vec::new(),
                documents: vec![LaunchDocument {
                    name: "劳动合同".into(),
                    template_version_id: None,
                    pdf: PDF.to_vec(),
                    spots: vec![
                        SigningSpot {
                            id: "a1".into(),
                            role: "A".into(),
                            kind: "company".into(),
                            page: 2,
                            x: 360.0,
                            y: 560.0,
                            w: 120.0,
                            h: 120.0,
                        },
                        SigningSpot {
                            id: "b1".into(),
                            role: "B".into(),
                            kind: "name_seal".into(),
                            page: 2,
                            x: 90.0,
                            y: 580.0,
                            w: 80.0,
                            h: 80.0,
                        },
                    ],
                    values: std::collections::BTreeMap::new(),
                }],
            };
            tasks_.push(
                tasks::launch(&w.platform, &w.admin, input, &origin)
                    .await
                    .map_err(err)?,
            );
        }
        queues.push((user.clone(), tasks_));
    }
    let input = SignInput {
        sms_code: String::new(),
        seal_id: None,
        personal_seal: None,
    };
    // One signature each to warm the keys' and the TSA's caches.
    for (user, queue) in &mut queues {
        if let Some(task) = queue.pop() {
            tasks::signing::sign_intent_confirmed(&w.platform, user, &task, &input, &origin)
                .await
                .map_err(err)?;
        }
    }
    let began = Instant::now();
    let mut running = Vec::new();
    for (user, queue) in queues {
        let platform = w.platform.clone();
        let input = input.clone();
        running.push(tokio::spawn(async move {
            let mut signed = 0u32;
            for task in queue {
                if began.elapsed().as_secs_f64() >= seconds {
                    break;
                }
                tasks::signing::sign_intent_confirmed(
                    &platform,
                    &user,
                    &task,
                    &input,
                    &Origin::default(),
                )
                .await
                .map_err(err)?;
                signed += 1;
            }
            Ok::<u32, Error>(signed)
        }));
    }
    let mut total = 0u32;
    for handle in running {
        total += handle.await??;
    }
    let elapsed = began.elapsed().as_secs_f64();
    println!(
        "contracts sign ({signers} signers at once): {:.1}/s (signatures={total} seconds={elapsed:.2})",
        f64::from(total) / elapsed
    );
    println!("contracts peak: peak_rss_kib={}", peak_rss_kib());
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("launch") => {
            let rows = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
            launch_mode(rows).await
        }
        Some("sign") => {
            let seconds = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10.0);
            let signers = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(16);
            sign_mode(seconds, signers).await
        }
        _ => Err("usage: bench_contracts launch ROWS | sign SECONDS SIGNERS".into()),
    }
}

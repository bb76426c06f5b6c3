//! Paper archives (ES-10), one at a time: a scanned PDF archived with its business type's fields
//! and a person from the roster is kept byte for byte, hashed and timestamped by the platform's
//! TSA (checked by `openssl ts`), listed in 我发起的归档 and 已完成的归档, reported to the
//! regulator as `paper`, and voided once with a reason (40 voids at once: one wins, one void
//! report). Each bad input — a person not on the roster or under another name, an encrypted,
//! corrupt or non-PDF file, a bad field, another enterprise's or business type's archive — is a
//! clear refusal that stores nothing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use signet_core::contracts::demo::ROSTER;
use signet_core::platform::jobs;
use sqlx::Row as _;

use super::regulator::openssl;
use super::regulator_receiver::{Answer, Regulator};
use super::support::{add_member, count, hold_business_type};
use super::tasks_support::{PDF, World, person, roots_pem, world_on};
use super::templates_bad::encrypted;
use crate::support::{TestApp, app, problem};

/// The world with the demo roster and the enterprise's labour business type.
pub(crate) struct Archiving {
    pub w: World,
    pub labour: String,
}

pub(crate) async fn archiving_on(builder: crate::support::Builder) -> Archiving {
    let w = world_on(builder).await;
    signet_core::contracts::demo::seed_roster(&w.admin.platform, &w.enterprise_id, &w.admin_id)
        .await
        .unwrap();
    let labour: String = sqlx::query(
        "SELECT id FROM ec_business_types WHERE enterprise_id = $1 AND code = 'labour'",
    )
    .bind(&w.enterprise_id)
    .fetch_one(w.admin.platform.db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap();
    Archiving { w, labour }
}

pub(crate) async fn archiving() -> Archiving {
    archiving_on(app().with_ca()).await
}

/// A labour archive's spec for the roster's first person.
pub(crate) fn spec(labour: &str) -> Value {
    json!({
        "business_type_id": labour,
        "title": "张三劳动合同（纸质）",
        "fields": {
            "岗位": "焊工",
            "月工资": "8,000",
            "合同开始日期": "2026年1月5日",
            "合同结束日期": "2029/1/4",
            "社会保险": "依法缴纳五险",
        },
        "persons": [{"name": ROSTER[0].0, "id_number": ROSTER[0].2}],
    })
}

pub(crate) async fn upload(
    client: &TestApp,
    path: &str,
    spec: &Value,
    name: &str,
    file: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new()
        .text("spec", spec.to_string())
        .part("file", Part::bytes(file).file_name(name.to_owned()));
    client
        .client
        .post(client.url(path))
        .header("x-csrf-token", &client.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn archive(a: &Archiving, spec: &Value, file: Vec<u8>) -> reqwest::Response {
    let path = format!("/api/v1/enterprises/{}/archives", a.w.enterprise_id);
    upload(&a.w.admin, &path, spec, "张三 劳动合同.pdf", file).await
}

pub(crate) async fn archives_count(app: &TestApp) -> i64 {
    count(&app.platform, "SELECT COUNT(*) FROM ec_archives", &[]).await
}

async fn drain(app: &TestApp) {
    jobs::drain(&app.platform, &signet_core::job_handlers())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_scanned_contract_is_archived_as_uploaded_timestamped_and_reported_as_paper() {
    let regulator = Regulator::start(vec![], Answer::receipt("ZJ-ARC-1")).await;
    let a = archiving_on(app().with_ca().regulator(&regulator.url)).await;
    let response = archive(&a, &spec(&a.labour), PDF.to_vec()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let view: Value = response.json().await.unwrap();
    let id = view["id"].as_str().unwrap().to_owned();
    assert_eq!(view["state"], "archived");
    assert_eq!(view["state_label"], "已归档");
    assert_eq!(view["label_zh"], "纸质合同电子化归档（非电子签署）");
    assert_eq!(view["file_name"], "张三 劳动合同.pdf");
    assert_eq!(view["pages"], 2);
    let sha = Sha256::digest(PDF)
        .iter()
        .fold(String::new(), |mut out, b| {
            use std::fmt::Write as _;
            let _ = write!(out, "{b:02x}");
            out
        });
    assert_eq!(view["sha256"], sha);
    assert_eq!(view["fields"]["合同开始日期"], "2026-01-05");
    assert_eq!(view["fields"]["合同结束日期"], "2029-01-04");
    assert_eq!(
        view["fields"]["月工资"], "8000",
        "thousands separators dropped"
    );
    assert_eq!(view["parties"][0]["kind"], "enterprise");
    assert_eq!(view["parties"][1]["name"], "张*");
    let masked = view["parties"][1]["id_masked"].as_str().unwrap();
    assert!(
        masked.starts_with("3301") && masked.contains('*'),
        "{masked}"
    );
    assert!(
        !view.to_string().contains(ROSTER[0].2),
        "ID number in clear"
    );
    assert_eq!(view["reports"][0]["state_label"], "待上报");
    assert_eq!(view["may_void"], true);

    // The PDF exactly as uploaded, and a TSA token over its hash that openssl accepts.
    let pdf = a.w.admin.get(&format!("/api/v1/archives/{id}/pdf")).await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.bytes().await.unwrap().as_ref(), PDF);
    let token =
        a.w.admin
            .get(&format!("/api/v1/archives/{id}/timestamp"))
            .await
            .bytes()
            .await
            .unwrap();

    // Reported by the jobs, as paper, with the person's identity and the labour elements.
    drain(&a.w.admin).await;
    let seen = regulator.seen();
    assert_eq!(seen.len(), 1);
    let body = seen[0].json();
    assert_eq!(body["subject"]["kind"], "archive");
    assert_eq!(body["subject"]["id"], id.as_str());
    assert_eq!(body["contract"]["signature_level"], "paper");
    assert_eq!(body["parties"][1]["name"], ROSTER[0].0);
    assert_eq!(body["parties"][1]["id_number"], ROSTER[0].2);
    assert_eq!(body["labour"]["job"], "焊工");
    assert_eq!(body["labour"]["employee"]["id_number"], ROSTER[0].2);
    assert_eq!(body["labour"]["term"]["end"], "2029-01-04");
    assert!(
        body["labour"]["social_insurance"]["maternity"]
            .as_bool()
            .unwrap()
    );
    let document = &body["documents"][0];
    assert_eq!(document["sha256"], view["sha256"]);
    assert_eq!(
        STANDARD
            .decode(document["timestamp_token"].as_str().unwrap())
            .unwrap(),
        token.as_ref(),
        "the report carries the archive's own token"
    );
    let shown: Value =
        a.w.admin
            .get(&format!("/api/v1/archives/{id}"))
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(shown["reports"][0]["state_label"], "已上报");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("archive.pdf"), PDF).unwrap();
    std::fs::write(dir.path().join("token.der"), &token).unwrap();
    std::fs::write(dir.path().join("roots.pem"), roots_pem(&a.w.admin).await).unwrap();
    let signature = STANDARD.decode(seen[0].header("signet-signature")).unwrap();
    std::fs::write(dir.path().join("sig.der"), &signature).unwrap();
    let (ok, certs) = openssl(
        dir.path(),
        &["pkcs7", "-inform", "DER", "-in", "sig.der", "-print_certs"],
    );
    assert!(ok, "{certs}");
    std::fs::write(dir.path().join("chain.pem"), certs).unwrap();
    let verify = [
        "ts",
        "-verify",
        "-data",
        "archive.pdf",
        "-token_in",
        "-in",
        "token.der",
        "-CAfile",
        "roots.pem",
        "-untrusted",
        "chain.pem",
    ];
    let (ok, out) = openssl(dir.path(), &verify);
    assert!(ok && out.contains("Verification: OK"), "{out}");
    let mut changed = PDF.to_vec();
    changed[100] ^= 1;
    std::fs::write(dir.path().join("archive.pdf"), changed).unwrap();
    assert!(!openssl(dir.path(), &verify).0, "a changed file fails");
}

#[tokio::test]
async fn lists_filter_by_list_and_business_type_and_hide_other_types() {
    let a = archiving().await;
    let first = archive(&a, &spec(&a.labour), PDF.to_vec()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let other_type: String =
        sqlx::query("SELECT id FROM ec_business_types WHERE enterprise_id = $1 AND code = 'other'")
            .bind(&a.w.enterprise_id)
            .fetch_one(a.w.admin.platform.db.pool())
            .await
            .unwrap()
            .try_get("id")
            .unwrap();
    let mut other = spec(&other_type);
    other["fields"] = json!({"签订日期": "2026-02-01"});
    other["title"] = json!("保密协议（纸质）");
    let second = archive(&a, &other, PDF.to_vec()).await;
    assert_eq!(second.status(), StatusCode::CREATED);

    let base = format!("/api/v1/enterprises/{}/archives", a.w.enterprise_id);
    let list = |query: String| {
        let admin = &a.w.admin;
        let url = format!("{base}?{query}");
        async move {
            let body: Value = admin.get(&url).await.json().await.unwrap();
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["title"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list("list=mine".into()).await.len(), 2);
    assert_eq!(
        list(format!("list=completed&business_type_id={}", a.labour)).await,
        ["张三劳动合同（纸质）"]
    );
    assert_eq!(
        list("list=completed&q=保密".into()).await,
        ["保密协议（纸质）"]
    );
    let page: Value =
        a.w.admin
            .get(&format!("{base}?list=mine&limit=1"))
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let next = page["next"].as_str().unwrap();
    let rest: Value =
        a.w.admin
            .get(&format!("{base}?list=mine&limit=1&cursor={next}"))
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_ne!(rest["items"][0]["id"], page["items"][0]["id"]);
    assert_eq!(rest["items"][0]["persons"][0], "张*");

    // A member holding only the labour type sees only that type's archives, and cannot void.
    let member = person(&a.w, 7_801, "周成员").await;
    add_member(
        &a.w.admin.platform,
        &a.w.enterprise_id,
        &member.id,
        "member",
    )
    .await;
    hold_business_type(
        &a.w.admin.platform,
        &a.w.enterprise_id,
        &member.id,
        &a.labour,
    )
    .await;
    let seen: Value = member
        .app
        .get(&format!("{base}?list=completed"))
        .await
        .json()
        .await
        .unwrap();
    let items = seen["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{seen}");
    let labour_id = items[0]["id"].as_str().unwrap();
    let other_id: Value = second_id(&a, &base).await;
    let hidden = member
        .app
        .get(&format!("/api/v1/archives/{}", other_id.as_str().unwrap()))
        .await;
    problem(hidden, StatusCode::NOT_FOUND, "not_found").await;
    let view: Value = member
        .app
        .get(&format!("/api/v1/archives/{labour_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["may_void"], false);
    let refused = member
        .app
        .post(
            &format!("/api/v1/archives/{labour_id}/void"),
            json!({"reason": "不该我作废"}),
        )
        .await;
    problem(refused, StatusCode::FORBIDDEN, "role_required").await;
}

async fn second_id(a: &Archiving, base: &str) -> Value {
    let body: Value =
        a.w.admin
            .get(&format!("{base}?list=completed&q=保密"))
            .await
            .json()
            .await
            .unwrap();
    body["items"][0]["id"].clone()
}

#[tokio::test]
async fn bad_archives_are_refused_clearly_and_store_nothing() {
    let a = archiving().await;
    let labour = spec(&a.labour);
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut s = labour.clone();
        edit(&mut s);
        s
    };
    let not_on_roster = with(&|s| {
        s["persons"] = json!([{"name": "赵六", "id_number": super::tasks_support::id_number(901)}]);
    });
    let other_name = with(&|s| s["persons"][0]["name"] = json!("张叁"));
    let bad_id = with(&|s| s["persons"][0]["id_number"] = json!("330106199003071518"));
    let no_person = with(&|s| s["persons"] = json!([]));
    let twice = with(&|s| {
        s["persons"] = json!([
            {"name": ROSTER[0].0, "id_number": ROSTER[0].2},
            {"name": ROSTER[0].0, "id_number": ROSTER[0].2}
        ]);
    });
    let no_title = with(&|s| s["title"] = json!("  "));
    for (spec, why) in [
        (not_on_roster, "员工花名册"),
        (other_name, "不一致"),
        (bad_id, "GB 11643"),
        (no_person, "1 到 10"),
        (twice, "重复"),
    ] {
        let body = problem(
            archive(&a, &spec, PDF.to_vec()).await,
            StatusCode::BAD_REQUEST,
            "archive_input",
        )
        .await;
        assert_eq!(body["field"], "persons");
        assert!(
            body["message"]["zh-CN"].as_str().unwrap().contains(why),
            "{body}"
        );
    }
    let body = problem(
        archive(&a, &no_title, PDF.to_vec()).await,
        StatusCode::BAD_REQUEST,
        "archive_input",
    )
    .await;
    assert_eq!(body["field"], "title");

    // Fields: a missing required one, a bad date, one the type does not have; each named.
    let fields = with(&|s| {
        s["fields"] = json!({"月工资": "八千", "合同开始日期": "2026-13-01", "车牌号": "浙A"});
    });
    let body = problem(
        archive(&a, &fields, PDF.to_vec()).await,
        StatusCode::BAD_REQUEST,
        "template_values",
    )
    .await;
    let named: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["岗位", "月工资", "合同开始日期", "车牌号"] {
        assert!(named.contains(&field), "{field} not named: {body}");
    }

    // Files: encrypted, corrupt, not a PDF at all, empty.
    let mut corrupt = PDF.to_vec();
    corrupt.truncate(PDF.len() / 3);
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    for (file, code) in [
        (encrypted(), "archive_pdf_encrypted"),
        (corrupt, "archive_pdf_corrupt"),
        (png, "archive_not_pdf"),
        (Vec::new(), "archive_not_pdf"),
    ] {
        let body = problem(
            archive(&a, &labour, file).await,
            StatusCode::BAD_REQUEST,
            code,
        )
        .await;
        assert_eq!(body["field"], "file");
    }
    // No file part; a malformed spec.
    let path = format!("/api/v1/enterprises/{}/archives", a.w.enterprise_id);
    let form = Form::new().text("spec", labour.to_string());
    let response =
        a.w.admin
            .client
            .post(a.w.admin.url(&path))
            .header("x-csrf-token", &a.w.admin.csrf)
            .multipart(form)
            .send()
            .await
            .unwrap();
    problem(response, StatusCode::BAD_REQUEST, "invalid_field").await;
    let response = upload(
        &a.w.admin,
        &path,
        &json!({"title": 1}),
        "a.pdf",
        PDF.to_vec(),
    )
    .await;
    problem(response, StatusCode::BAD_REQUEST, "invalid_field").await;

    // Another enterprise's people: an outsider, and a business type id of nobody's.
    let outsider = person(&a.w, 7_802, "吴外人").await;
    let response = upload(&outsider.app, &path, &labour, "a.pdf", PDF.to_vec()).await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let foreign = with(&|s| s["business_type_id"] = json!("00000000-0000-4000-8000-000000000000"));
    problem(
        archive(&a, &foreign, PDF.to_vec()).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(archives_count(&a.w.admin).await, 0);
    assert_eq!(
        count(
            &a.w.admin.platform,
            "SELECT COUNT(*) FROM ec_regulator_reports",
            &[]
        )
        .await,
        0
    );

    // An archive another user cannot see, and one that does not exist.
    let made: Value = archive(&a, &labour, PDF.to_vec())
        .await
        .json()
        .await
        .unwrap();
    let id = made["id"].as_str().unwrap();
    for path in [
        format!("/api/v1/archives/{id}"),
        format!("/api/v1/archives/{id}/pdf"),
        format!("/api/v1/archives/{id}/timestamp"),
        "/api/v1/archives/nope".to_owned(),
    ] {
        problem(
            outsider.app.get(&path).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
}

#[tokio::test]
async fn forty_voids_at_once_void_an_archive_once_and_send_one_void_report() {
    let regulator = Regulator::start(vec![], Answer::receipt("ZJ-ARC-2")).await;
    let a = archiving_on(app().with_ca().regulator(&regulator.url)).await;
    let made: Value = archive(&a, &spec(&a.labour), PDF.to_vec())
        .await
        .json()
        .await
        .unwrap();
    let id = made["id"].as_str().unwrap().to_owned();
    drain(&a.w.admin).await;
    assert_eq!(regulator.seen().len(), 1);

    let empty =
        a.w.admin
            .post(
                &format!("/api/v1/archives/{id}/void"),
                json!({"reason": " "}),
            )
            .await;
    let body = problem(empty, StatusCode::BAD_REQUEST, "archive_input").await;
    assert_eq!(body["field"], "reason");

    let url = a.w.admin.url(&format!("/api/v1/archives/{id}/void"));
    let handles: Vec<_> = (0..40)
        .map(|n| {
            let client = a.w.admin.client.clone();
            let csrf = a.w.admin.csrf.clone();
            let url = url.clone();
            tokio::spawn(async move {
                client
                    .post(url)
                    .header("x-csrf-token", csrf)
                    .json(&json!({"reason": format!("扫描件有误 {n}")}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.unwrap());
    }
    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let lost = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((won, lost), (1, 39), "{statuses:?}");

    let view: Value =
        a.w.admin
            .get(&format!("/api/v1/archives/{id}"))
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(view["state"], "void");
    assert_eq!(view["state_label"], "已作废");
    assert_eq!(view["may_void"], false);
    assert!(
        view["void_reason"]
            .as_str()
            .unwrap()
            .starts_with("扫描件有误")
    );
    assert_eq!(
        count(
            &a.w.admin.platform,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'contracts.archive_void' AND target = $1",
            &[&id]
        )
        .await,
        1
    );
    drain(&a.w.admin).await;
    let seen = regulator.seen();
    assert_eq!(seen.len(), 2, "one report, one void report");
    let void = seen[1].json();
    assert_eq!(void["kind"], "void");
    assert_eq!(void["subject"]["kind"], "archive");
    assert_eq!(void["voids"], seen[0].header("idempotency-key"));
    assert_eq!(void["reason"], view["void_reason"]);
    // Voided archives stay in 我发起的归档 and leave 已完成的归档.
    let base = format!("/api/v1/enterprises/{}/archives", a.w.enterprise_id);
    let completed: Value =
        a.w.admin
            .get(&format!("{base}?list=completed"))
            .await
            .json()
            .await
            .unwrap();
    assert!(completed["items"].as_array().unwrap().is_empty());
    let mine: Value =
        a.w.admin
            .get(&format!("{base}?list=mine"))
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(mine["items"][0]["state"], "void");
}

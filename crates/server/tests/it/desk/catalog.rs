//! What the catalog publishes: help links that cannot run script (issue 12, finding 10), and
//! only the identity-check methods this server can run.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::Desk;
use crate::support::{TestApp, app, problem};

fn project(manual_url: &str, client_download_url: &str) -> Value {
    json!({
        "code": "links",
        "name": "链接测试渠道",
        "initial": "L",
        "kind": "channel",
        "help": {
            "landing_title": "链接测试",
            "introduction": "",
            "notices": [],
            "manual_url": manual_url,
            "client_download_url": client_download_url,
            "faq": [],
            "service_phone": "",
            "service_email": "",
            "service_hours": ""
        }
    })
}

async fn published_help(app: &TestApp) -> Option<Value> {
    let response = app.get("/api/v1/catalog/links").await;
    if response.status() == StatusCode::NOT_FOUND {
        return None;
    }
    let body: Value = response.json().await.unwrap();
    Some(body["help"].clone())
}

#[tokio::test]
async fn finding_10_catalog_links_accept_only_https_and_relative_urls() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let path = "/api/v1/staff/catalog/projects";
    let refused = [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "http://ca.example.com/manual.pdf",
        "//evil.example/signet-agent.exe",
        "/\\evil.example/signet-agent.exe",
        "https://",
        "https://user:secret@evil.example/",
    ];
    for bad in refused {
        for (body, field) in [
            (project(bad, ""), "help.manual_url"),
            (project("", bad), "help.client_download_url"),
        ] {
            let answer = problem(
                staff.put(path, body).await,
                StatusCode::BAD_REQUEST,
                "invalid_field",
            )
            .await;
            assert_eq!(answer["field"], field, "{bad:?}: {answer}");
        }
    }
    // Nothing was saved.
    assert_eq!(published_help(&desk.app).await, None);
    // https and same-site paths are links; empty means none.
    let saved = staff
        .put(
            path,
            project(
                "https://ca.example.com/manual.pdf?v=2#p1",
                "/help/signet-agent",
            ),
        )
        .await;
    assert_eq!(
        saved.status(),
        StatusCode::OK,
        "{}",
        saved.text().await.unwrap()
    );
    let help = published_help(&desk.app).await.unwrap();
    assert_eq!(
        help["manual_url"],
        "https://ca.example.com/manual.pdf?v=2#p1"
    );
    assert_eq!(help["client_download_url"], "/help/signet-agent");
    // A refused edit leaves the saved links as they were.
    problem(
        staff.put(path, project("javascript:alert(1)", "")).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    let help = published_help(&desk.app).await.unwrap();
    assert_eq!(
        help["manual_url"],
        "https://ca.example.com/manual.pdf?v=2#p1"
    );
    // A link stored before this check (written straight to the table) is not published.
    let mut stored = help.clone();
    stored["manual_url"] = json!("javascript:alert(document.cookie)");
    stored["client_download_url"] = json!("data:text/html,<script>alert(1)</script>");
    sqlx::query("UPDATE desk_projects SET help = $1 WHERE code = 'links'")
        .bind(stored.to_string())
        .execute(desk.app.platform.db.pool())
        .await
        .unwrap();
    let help = published_help(&desk.app).await.unwrap();
    assert_eq!(help["manual_url"], "");
    assert_eq!(help["client_download_url"], "");
    let catalog: Value = desk.app.get("/api/v1/catalog").await.json().await.unwrap();
    let listed = catalog
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "links")
        .unwrap();
    assert_eq!(listed["help"]["manual_url"], "");
    // The editor shows what is stored, so a channel admin can see and fix it; only to them.
    let saved: Value = staff
        .get("/api/v1/staff/catalog")
        .await
        .json()
        .await
        .unwrap();
    let saved = saved
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "links")
        .unwrap();
    assert_eq!(
        saved["help"]["manual_url"],
        "javascript:alert(document.cookie)"
    );
    problem(
        desk.app.get("/api/v1/staff/catalog").await,
        StatusCode::FORBIDDEN,
        "staff_only",
    )
    .await;
}

/// The identity-check methods of every published product, organisation and operator alike.
fn methods(catalog: &Value) -> Vec<String> {
    let mut all: Vec<String> = catalog
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["products"].as_array().unwrap().iter())
        .flat_map(|p| {
            let settings = &p["settings"];
            let mut m = settings["verification"].as_array().unwrap().clone();
            m.extend(
                settings["operator_verification"]
                    .as_array()
                    .unwrap()
                    .clone(),
            );
            m
        })
        .map(|m| m.as_str().unwrap().to_owned())
        .collect();
    all.sort();
    all.dedup();
    all
}

#[tokio::test]
async fn catalog_hides_identity_methods_whose_provider_is_not_configured() {
    // The sandbox stands in for every provider: the demo catalog offers all four methods.
    let sandbox = app().with_ca().start().await;
    signet_core::desk::demo::seed_catalog(&sandbox.platform)
        .await
        .unwrap();
    let catalog: Value = sandbox.get("/api/v1/catalog").await.json().await.unwrap();
    assert_eq!(
        methods(&catalog),
        ["face", "four_factor", "micro_deposit", "three_factor"]
    );
    // Outside the sandbox no identity provider is configured: the same catalog offers none of
    // them (they would answer provider_not_configured), while the products stay listed.
    let production = app().without_sandbox().with_ca().start().await;
    signet_core::desk::demo::seed_catalog(&production.platform)
        .await
        .unwrap();
    let catalog: Value = production
        .get("/api/v1/catalog")
        .await
        .json()
        .await
        .unwrap();
    assert!(methods(&catalog).is_empty(), "{catalog}");
    let products = catalog
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["products"].as_array().unwrap().iter())
        .count();
    assert!(products >= 3);
    let channel: Value = production
        .get("/api/v1/catalog/zfgjj")
        .await
        .json()
        .await
        .unwrap();
    assert!(methods(&json!([channel])).is_empty(), "{channel}");
}

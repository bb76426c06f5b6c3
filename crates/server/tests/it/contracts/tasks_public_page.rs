//! The public page a page QR code opens (ES-15): anyone, without a session, reads one page of a
//! contract as the platform holds it now — its state, the parties under masked names — and the
//! page rendered as PNG; nothing personal beyond the masked names; unknown tasks, documents
//! and pages are a clear 404; a void contract still shows its pages.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::tasks_support::{
    World, id_number, launch_person_then_enterprise, person, signed_ok, world,
};
use crate::support::{phone, problem};

fn page_path(task: &str, document: &str, page: &str) -> String {
    format!("/api/v1/verify/tasks/{task}/documents/{document}/pages/{page}")
}

/// A GET from a client that has never been to the site: no cookie, no session.
async fn anonymous(w: &World, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(w.admin.url(path))
        .send()
        .await
        .unwrap()
}

async fn page_json(w: &World, task: &str, page: u32) -> (Value, String) {
    let response = anonymous(w, &page_path(task, "0", &page.to_string())).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    (serde_json::from_str(&text).unwrap(), text)
}

/// The PNG of a page; asserts its type, magic bytes and a sane size. Its width in pixels.
async fn page_png(w: &World, task: &str, page: u32) -> u32 {
    let response = anonymous(
        w,
        &format!("{}/png", page_path(task, "0", &page.to_string())),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    let png = response.bytes().await.unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        (2_000..5_000_000).contains(&png.len()),
        "PNG of {} bytes",
        png.len()
    );
    // The IHDR chunk: width, big-endian, at byte 16.
    u32::from_be_bytes([png[16], png[17], png[18], png[19]])
}

#[tokio::test]
async fn anyone_sees_a_page_of_the_original_with_its_state_and_masked_parties_only() {
    let w = world().await;
    let zhang = person(&w, 7_901, "张三丰").await;
    let id = launch_person_then_enterprise(&w, &zhang.phone).await;

    let (first, text) = page_json(&w, &id, 1).await;
    assert_eq!(first["state"], "launched", "{first}");
    assert_eq!(first["document_name"], "劳动合同");
    assert_eq!(first["enterprise_name"], signet_core::contracts::demo::NAME);
    assert_eq!(
        (first["page"].as_u64(), first["pages"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(first["documents"], 1);
    assert_eq!(first["revision"], 0);
    assert_eq!(first["parties"][0]["name"], "张*丰");
    assert_eq!(first["parties"][0]["state"], "to_sign");
    assert_eq!(first["parties"][1]["kind"], "enterprise");
    assert_eq!(first["parties"][1]["state"], "waiting");
    // Nothing personal: not the full name, the ID number, the phone (whole or masked), nor the
    // title, which names the person.
    let admin_phone = phone(7_100);
    for secret in [
        "张三丰",
        id_number(7_901).as_str(),
        zhang.phone.as_str(),
        "****",
        admin_phone.as_str(),
        "劳动合同（",
        "phone",
        zhang.id.as_str(),
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    // An A4 page at 110 dpi is about 910 px wide.
    let width = page_png(&w, &id, 1).await;
    assert!((850..1000).contains(&width), "{width} px");

    // After the person signs, the page shows the latest revision and who has signed.
    signed_ok(&zhang.app, &zhang.phone, &id, json!({})).await;
    let (second, _) = page_json(&w, &id, 2).await;
    assert_eq!(second["revision"], 1);
    assert_ne!(second["sha256"], first["sha256"]);
    assert_eq!(second["parties"][0]["state"], "signed");
    assert!(second["parties"][0]["signed_at"].is_i64());
    page_png(&w, &id, 2).await;

    // The enterprise signs last: 已完成, with the time.
    signed_ok(&w.admin, &admin_phone, &id, json!({})).await;
    let (done, _) = page_json(&w, &id, 1).await;
    assert_eq!(done["state"], "completed", "{done}");
    assert!(done["completed_at"].is_i64());
    page_png(&w, &id, 1).await;
}

#[tokio::test]
async fn unknown_tasks_documents_and_pages_are_a_clear_404_and_void_tasks_still_show() {
    let w = world().await;
    let zhang = person(&w, 7_902, "李四").await;
    let id = launch_person_then_enterprise(&w, &zhang.phone).await;
    let other = "5f0c6a43-8a57-4d0e-9d1c-2b6f3c1e9a70".to_owned();
    for (task, document, page) in [
        (id.as_str(), "0", "3"),
        (id.as_str(), "0", "0"),
        (id.as_str(), "1", "1"),
        (id.as_str(), "0", "abc"),
        (id.as_str(), "x", "1"),
        (id.as_str(), "0", "+1"),
        (id.as_str(), "0", "99999999999"),
        (other.as_str(), "0", "1"),
    ] {
        let path = page_path(task, document, page);
        for url in [path.clone(), format!("{path}/png")] {
            let body = problem(
                anonymous(&w, &url).await,
                StatusCode::NOT_FOUND,
                "page_not_found",
            )
            .await;
            assert!(body.to_string().contains("未找到该页"), "{url}: {body}");
        }
    }

    // Withdrawn: 已作废, and its pages are still there.
    let response = w
        .admin
        .post(
            "/api/v1/tasks/withdraw",
            json!({"task_ids": [id], "reason": "发错了"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (void, text) = page_json(&w, &id, 2).await;
    assert_eq!(void["state"], "void", "{void}");
    assert_eq!(void["void_reason"], "withdrawn");
    assert!(void["voided_at"].is_i64());
    assert!(!text.contains("发错了"), "the note stays private: {text}");
    page_png(&w, &id, 2).await;
}

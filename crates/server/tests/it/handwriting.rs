//! Handwriting capture (ES-14): a one-time link made on the PC, a PNG drawn on the phone, checked,
//! trimmed and stored as the person's handwriting seal, seen by the PC's long poll; and each
//! refusal (not a PNG, not transparent, blank, too large, used, expired, someone else's).

use std::io::Cursor;
use std::time::{Duration, Instant};

use image::{ImageFormat, Rgba, RgbaImage};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, app, phone, problem};

/// A 390×260 canvas with an L-shaped stroke from (50, 60) to (200, 180), the rest transparent.
fn drawing() -> Vec<u8> {
    let mut canvas = RgbaImage::new(390, 260);
    for x in 50..=200 {
        for dy in 0..4 {
            canvas.put_pixel(x, 60 + dy, Rgba([20, 20, 20, 255]));
        }
    }
    for y in 60..=180 {
        for dx in 0..4 {
            canvas.put_pixel(197 + dx, y, Rgba([20, 20, 20, 255]));
        }
    }
    encode(&image::DynamicImage::ImageRgba8(canvas))
}

fn encode(image: &image::DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .unwrap();
    out
}

/// A capture link of the signed-in `pc`: its id and the token in its URL.
async fn link(pc: &TestApp) -> (String, String) {
    let response = pc.post("/api/v1/me/handwriting-captures", json!({})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let url = body["url"].as_str().unwrap();
    let token = url.rsplit_once("/m/handwriting/").unwrap().1.to_owned();
    (body["id"].as_str().unwrap().to_owned(), token)
}

async fn send_png(phone_app: &TestApp, token: &str, png: Vec<u8>) -> reqwest::Response {
    phone_app
        .client
        .post(phone_app.url(&format!("/api/v1/handwriting-captures/{token}")))
        .header("x-csrf-token", &phone_app.csrf)
        .header("content-type", "image/png")
        .body(png)
        .send()
        .await
        .unwrap()
}

/// Handwriting is a personal seal, which only a real-named person has.
async fn real_name(app: &TestApp, login_name: &str) {
    let id: String = sqlx::query_scalar("SELECT id FROM users WHERE login_name = $1")
        .bind(login_name)
        .fetch_one(app.platform.db.pool())
        .await
        .unwrap();
    signet_core::contracts::seals::fixture::real_named(&app.platform, &id, "张三丰").await;
}

async fn seals(pc: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM ec_seals WHERE kind = 'handwriting' AND source = 'captured' AND state = 'active'",
    )
    .fetch_one(pc.platform.db.pool())
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handwriting_drawn_on_the_phone_appears_on_the_pc_trimmed() {
    let mut pc = app().start().await;
    pc.register(&phone(7_101), "hand7101").await;
    real_name(&pc, "hand7101").await;
    let phone_app = pc.clone_signed_out().await;
    let (id, token) = link(&pc).await;

    let waiting = {
        let (client, url) = (
            pc.client.clone(),
            pc.url(&format!(
                "/api/v1/me/handwriting-captures/{id}/wait?hold=20"
            )),
        );
        tokio::spawn(async move {
            let body: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            (Instant::now(), body)
        })
    };
    let info: Value = phone_app
        .get(&format!("/api/v1/handwriting-captures/{token}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["max_bytes"], 512 * 1024, "{info}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stored = send_png(&phone_app, &token, drawing()).await;
    let stored_at = Instant::now();
    assert_eq!(stored.status(), StatusCode::CREATED);
    let stored: Value = stored.json().await.unwrap();
    assert_eq!(stored["state"], "submitted");
    let (learnt_at, body) = waiting.await.unwrap();
    assert_eq!(body["state"], "submitted", "{body}");
    assert_eq!(body["seal_id"], stored["seal_id"]);
    assert!(learnt_at.duration_since(stored_at) < Duration::from_secs(2));

    let png = pc
        .get(&format!("/api/v1/me/handwriting-captures/{id}/image"))
        .await;
    assert_eq!(png.status(), StatusCode::OK);
    assert_eq!(png.headers()["content-type"], "image/png");
    let image = image::load_from_memory(&png.bytes().await.unwrap())
        .unwrap()
        .to_rgba8();
    // Cut to the ink (151 × 121) plus the seals' 4-pixel transparent margin on every side.
    assert_eq!(image.dimensions(), (159, 129), "cut to the ink");
    assert_eq!(image.get_pixel(4, 4).0[3], 255);
    assert_eq!(image.get_pixel(0, 0).0[3], 0, "margin transparent");
    assert_eq!(image.get_pixel(4, 124).0[3], 0, "transparent kept");
    assert_eq!(seals(&pc).await, 1);

    // Once submitted, the link neither opens nor takes another drawing.
    problem(
        phone_app
            .get(&format!("/api/v1/handwriting-captures/{token}"))
            .await,
        StatusCode::CONFLICT,
        "capture_used",
    )
    .await;
    problem(
        send_png(&phone_app, &token, drawing()).await,
        StatusCode::CONFLICT,
        "capture_used",
    )
    .await;
    // A second capture replaces the handwriting seal: one stays active.
    let (_, token) = link(&pc).await;
    assert_eq!(
        send_png(&phone_app, &token, drawing()).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(seals(&pc).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_drawings_and_dead_links_are_refused_and_change_nothing() {
    let mut pc = app().start().await;
    let phone_app = pc.clone_signed_out().await;
    problem(
        phone_app
            .post("/api/v1/me/handwriting-captures", json!({}))
            .await,
        StatusCode::UNAUTHORIZED,
        "not_signed_in",
    )
    .await;
    pc.register(&phone(7_102), "hand7102").await;
    real_name(&pc, "hand7102").await;
    let (id, token) = link(&pc).await;

    let opaque = encode(&image::DynamicImage::ImageRgb8(
        image::RgbImage::from_pixel(100, 80, image::Rgb([255, 255, 255])),
    ));
    let blank = encode(&image::DynamicImage::ImageRgba8(RgbaImage::new(100, 80)));
    for (body, status, code) in [
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
            StatusCode::BAD_REQUEST,
            "handwriting_not_png",
        ),
        (
            opaque,
            StatusCode::BAD_REQUEST,
            "handwriting_not_transparent",
        ),
        (blank, StatusCode::BAD_REQUEST, "handwriting_empty"),
        (
            vec![0u8; 512 * 1024 + 1],
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
    ] {
        problem(send_png(&phone_app, &token, body).await, status, code).await;
    }
    assert_eq!(seals(&pc).await, 0);
    // The link still works after refused drawings.
    assert_eq!(
        phone_app
            .get(&format!("/api/v1/handwriting-captures/{token}"))
            .await
            .status(),
        StatusCode::OK
    );
    // Someone else's capture is not found; so is an unknown link.
    let mut other = pc.clone_signed_out().await;
    other.register(&phone(7_103), "hand7103").await;
    real_name(&other, "hand7103").await;
    for path in [
        format!("/api/v1/me/handwriting-captures/{id}/wait?hold=0"),
        format!("/api/v1/me/handwriting-captures/{id}/image"),
    ] {
        problem(other.get(&path).await, StatusCode::NOT_FOUND, "not_found").await;
    }
    problem(
        phone_app
            .get(&format!("/api/v1/handwriting-captures/{}", "0".repeat(64)))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Ten minutes later the link is dead; the PC's poll says so at once.
    pc.advance_clock(601).await;
    problem(
        phone_app
            .get(&format!("/api/v1/handwriting-captures/{token}"))
            .await,
        StatusCode::CONFLICT,
        "capture_expired",
    )
    .await;
    problem(
        send_png(&phone_app, &token, drawing()).await,
        StatusCode::CONFLICT,
        "capture_expired",
    )
    .await;
    let polled: Value = pc
        .get(&format!(
            "/api/v1/me/handwriting-captures/{id}/wait?hold=20"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(polled["state"], "expired");
    assert_eq!(seals(&pc).await, 0);
}

/// Forty submissions through one link at once: one handwriting seal is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_parallel_submissions_store_one_seal() {
    let mut pc = app().start().await;
    pc.register(&phone(7_104), "hand7104").await;
    real_name(&pc, "hand7104").await;
    let phone_app = pc.clone_signed_out().await;
    let (_, token) = link(&pc).await;
    let png = drawing();
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let (client, url, csrf, png) = (
            phone_app.client.clone(),
            phone_app.url(&format!("/api/v1/handwriting-captures/{token}")),
            phone_app.csrf.clone(),
            png.clone(),
        );
        sends.spawn(async move {
            client
                .post(url)
                .header("x-csrf-token", csrf)
                .header("content-type", "image/png")
                .body(png)
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let statuses = sends.join_all().await;
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT)
    );
    let all: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ec_seals WHERE kind = 'handwriting'")
        .fetch_one(pc.platform.db.pool())
        .await
        .unwrap();
    assert_eq!(all, 1);
}

//! Seals over HTTP (ES-12, ES-14): an administrator draws, uploads, disables and grants seals,
//! a member sees them and their images, outsiders get 404 for every id, members managing seals
//! get 403, bad uploads a clear 400/413; a person's own seals and their images.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use signet_core::contracts::seals::fixture;
use signet_core::platform::clock::Clock as _;

use crate::support::{TestApp, app, phone, problem};

async fn person(app: &TestApp, tail: u32, login: &str, name: &str) -> (TestApp, String) {
    let mut client = app.clone_signed_out().await;
    let user = client.register(&phone(tail), login).await;
    let id = user["id"].as_str().unwrap().to_owned();
    fixture::real_named(&app.platform, &id, name).await;
    (client, id)
}

async fn upload(
    app: &TestApp,
    path: &str,
    seal_type: Option<&str>,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let mut form = Form::new();
    if let Some(seal_type) = seal_type {
        form = form.text("seal_type", seal_type.to_owned());
    }
    form = form.part("image", Part::bytes(bytes).file_name("seal.png"));
    let request = if seal_type.is_some() {
        app.client.post(app.url(path))
    } else {
        app.client.put(app.url(path))
    };
    request
        .header("x-csrf-token", &app.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn json_of(response: reqwest::Response, status: StatusCode) -> Value {
    let actual = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(actual, status, "{body}");
    body
}

async fn png_of(app: &TestApp, path: &str) -> Vec<u8> {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(response.headers()["content-type"], "image/png");
    let bytes = response.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    bytes
}

#[tokio::test]
async fn administrators_manage_seals_members_see_them_outsiders_get_404() {
    let base = app().start().await;
    let (admin, admin_id) = person(&base, 50_000_001, "sealadmin", "张三").await;
    let (member, member_id) = person(&base, 50_000_002, "sealmember", "李四").await;
    let (outsider, outsider_id) = person(&base, 50_000_003, "sealoutsider", "王五").await;
    let p = &base.platform;
    let enterprise = fixture::certified_enterprise(
        p,
        &admin_id,
        "豫云签测试有限公司",
        "91350100M000100Y43",
        "赵六",
    )
    .await;
    fixture::member(p, &enterprise, &member_id, "member").await;
    let other =
        fixture::certified_enterprise(p, &outsider_id, "另一家公司", "91110000MA00000000", "钱七")
            .await;
    let seals = format!("/api/v1/enterprises/{enterprise}/seals");

    let types = json_of(admin.get("/api/v1/seal-types").await, StatusCode::OK).await;
    assert_eq!(types.as_array().unwrap().len(), 4);
    let company = json_of(
        admin.post(&seals, json!({"seal_type": "company"})).await,
        StatusCode::CREATED,
    )
    .await;
    let company_id = company["seal"]["id"].as_str().unwrap().to_owned();
    assert_eq!(company["seal"]["source"], "generated");
    let company_png = png_of(&member, &format!("{seals}/{company_id}/image.png")).await;

    // Upload the drawn PNG as the contract seal; bad uploads are refused.
    let contract = json_of(
        upload(
            &admin,
            &format!("{seals}/upload"),
            Some("contract"),
            company_png.clone(),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(contract["seal"]["source"], "uploaded");
    problem(
        upload(
            &admin,
            &format!("{seals}/upload"),
            Some("date"),
            b"GIF89a....".to_vec(),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "seal_image_not_png",
    )
    .await;
    // A PNG without transparency, and one wider than a seal may be: refused, nothing stored.
    problem(
        upload(
            &admin,
            &format!("{seals}/upload"),
            Some("date"),
            encoded_png(&image::DynamicImage::ImageRgb8(
                image::RgbImage::from_pixel(40, 40, image::Rgb([200, 0, 0])),
            )),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "seal_image_not_transparent",
    )
    .await;
    problem(
        upload(
            &admin,
            &format!("{seals}/upload"),
            Some("date"),
            encoded_png(&image::DynamicImage::ImageRgba8(image::RgbaImage::new(
                signet_core::contracts::seals::png::MAX_SIDE + 1,
                4,
            ))),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "seal_image_too_big",
    )
    .await;
    problem(
        upload(
            &admin,
            &format!("{seals}/upload"),
            Some("date"),
            vec![0x89; 2 * 1024 * 1024],
        )
        .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
    )
    .await;
    problem(
        admin.post(&seals, json!({"seal_type": "company"})).await,
        StatusCode::CONFLICT,
        "seal_exists",
    )
    .await;
    let replaced = json_of(
        upload(
            &admin,
            &format!("{seals}/{company_id}/image"),
            None,
            company_png.clone(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(replaced["seal"]["source"], "uploaded");
    let regenerated = json_of(
        admin
            .post(&format!("{seals}/{company_id}/regenerate"), json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(regenerated["seal"]["source"], "generated");

    // Grant with an expiry, the member sees it usable; a member managing gets 403.
    let grantees = json_of(
        admin
            .get(&format!("/api/v1/enterprises/{enterprise}/seal-grantees"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(grantees.as_array().unwrap().len(), 2);
    let expires = p.clock.now() + 86_400;
    let granted = json_of(
        admin
            .post(
                &format!("{seals}/{company_id}/grants"),
                json!({"user_id": member_id, "expires_at": expires}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(granted["grants"][0]["user_id"], member_id.as_str());
    let listed = json_of(member.get(&seals).await, StatusCode::OK).await;
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["seal"]["id"] == company_id.as_str())
        .unwrap();
    assert_eq!(mine["usable"], true);
    assert_eq!(mine["grants"], json!([]));
    problem(
        member.post(&seals, json!({"seal_type": "date"})).await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
    problem(
        member
            .post(&format!("{seals}/{company_id}/disable"), json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
    problem(
        member
            .post(
                &format!("{seals}/{company_id}/grants"),
                json!({"user_id": member_id}),
            )
            .await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;

    // Disabled: not granted. Revoke.
    let disabled = json_of(
        admin
            .post(&format!("{seals}/{company_id}/disable"), json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(disabled["seal"]["state"], "disabled");
    problem(
        admin
            .post(
                &format!("{seals}/{company_id}/grants"),
                json!({"user_id": member_id}),
            )
            .await,
        StatusCode::CONFLICT,
        "seal_unusable",
    )
    .await;
    json_of(
        admin
            .post(&format!("{seals}/{company_id}/enable"), json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let revoked = json_of(
        admin
            .send(
                reqwest::Method::DELETE,
                &format!("{seals}/{company_id}/grants/{member_id}"),
                None,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(revoked["grants"], json!([]));

    // Outsiders, and this enterprise's seals under another enterprise: 404 everywhere.
    let foreign = format!("/api/v1/enterprises/{other}/seals");
    let outsider_seal = json_of(
        outsider
            .post(&foreign, json!({"seal_type": "company"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let outsider_seal_id = outsider_seal["seal"]["id"].as_str().unwrap();
    for path in [
        seals.clone(),
        format!("{seals}/{company_id}/image.png"),
        format!("/api/v1/enterprises/{enterprise}/seal-grantees"),
    ] {
        problem(
            outsider.get(&path).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    problem(
        admin
            .get(&format!("{seals}/{outsider_seal_id}/image.png"))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        admin
            .get(&format!("{foreign}/{outsider_seal_id}/image.png"))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    for action in ["enable", "disable", "regenerate"] {
        problem(
            admin
                .post(&format!("{seals}/{outsider_seal_id}/{action}"), json!({}))
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        problem(
            outsider
                .post(&format!("{seals}/{company_id}/{action}"), json!({}))
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    problem(
        admin
            .post(
                &format!("{seals}/{outsider_seal_id}/grants"),
                json!({"user_id": member_id}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        admin
            .post(
                &format!("{seals}/{company_id}/grants"),
                json!({"user_id": outsider_id}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        outsider.post(&seals, json!({"seal_type": "date"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        upload(
            &admin,
            &format!("{seals}/{outsider_seal_id}/image"),
            None,
            company_png,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn my_seals_draw_the_name_seal_and_serve_only_my_images() {
    let base = app().start().await;
    let (me, me_id) = person(&base, 50_000_011, "sealme", "张三").await;
    let (other, _) = person(&base, 50_000_012, "sealother", "李四").await;
    let seals = json_of(me.get("/api/v1/me/seals").await, StatusCode::OK).await;
    let name = &seals.as_array().unwrap()[0];
    assert_eq!(name["kind"], "name");
    let id = name["id"].as_str().unwrap();
    png_of(&me, &format!("/api/v1/me/seals/{id}/image.png")).await;
    problem(
        other.get(&format!("/api/v1/me/seals/{id}/image.png")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let again = json_of(me.get("/api/v1/me/seals").await, StatusCode::OK).await;
    assert_eq!(again, seals, "drawn once");
    // The phone's capture goes through store_handwriting and shows up in the list.
    let png = png_of(&me, &format!("/api/v1/me/seals/{id}/image.png")).await;
    signet_core::contracts::seals::personal::store_handwriting(&base.platform, &me_id, &png)
        .await
        .unwrap();
    let with_handwriting = json_of(me.get("/api/v1/me/seals").await, StatusCode::OK).await;
    assert_eq!(with_handwriting.as_array().unwrap().len(), 2);
    let signed_out = base.clone_signed_out().await;
    problem(
        signed_out.get("/api/v1/me/seals").await,
        StatusCode::UNAUTHORIZED,
        "not_signed_in",
    )
    .await;
}

/// `image` encoded as a PNG.
fn encoded_png(image: &image::DynamicImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

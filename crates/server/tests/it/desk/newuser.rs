//! Issue 13, the certificate half as a new user finds it: the subject masked with a detail view
//! and downloads, orders listed by business type, the invoice offered only once it exists, API
//! errors opened in a browser read as a page, the history's wording, links in messages that
//! are absolute, the catalog editor's switched-off products, and renewal review per product.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};

use super::lifecycle::cloud_certificate;
use super::support::{Desk, personal_form, start_check};
use crate::support::problem;

const DAY: i64 = 86_400;

async fn json_of(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{status} {text}");
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn my_certificates_show_the_subject_masked_with_a_detail_and_downloads() {
    let desk = Desk::start().await;
    let (_, serial) = cloud_certificate(&desk, "13500001301").await;
    let list = json_of(desk.app.get("/api/v1/certificates").await).await;
    let held = &list[0];
    let full_id = held["subject"].as_str().unwrap();
    // The list never carries the whole ID number.
    assert!(!list.to_string().contains("440305198505053"), "{list}");
    assert!(full_id.contains("=4403**********3316,"), "{full_id}");
    assert_eq!(held["subject_view"]["name"], "赵个人");
    assert_eq!(held["subject_view"]["organisation"], Value::Null);

    let detail = json_of(
        desk.app
            .get(&format!("/api/v1/certificates/{serial}"))
            .await,
    )
    .await;
    assert_eq!(detail["held"]["serial"], serial.as_str());
    assert_eq!(detail["chain"].as_array().unwrap().len(), 2, "{detail}");
    assert_eq!(detail["issuer"], detail["chain"][0]["masked"]);
    assert!(!detail.to_string().contains("440305198505053"));

    let pem = desk
        .app
        .get(&format!(
            "/api/v1/certificates/{serial}/download?format=pem"
        ))
        .await;
    assert_eq!(pem.status(), StatusCode::OK);
    assert!(
        pem.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".pem")
    );
    let pem = pem.text().await.unwrap();
    assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 1);
    let chain = desk
        .app
        .get(&format!(
            "/api/v1/certificates/{serial}/download?format=chain"
        ))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 3);
    assert!(chain.starts_with(&pem));
    let der = desk
        .app
        .get(&format!(
            "/api/v1/certificates/{serial}/download?format=der"
        ))
        .await;
    assert_eq!(der.headers()[CONTENT_TYPE], "application/pkix-cert");
    let der = der.bytes().await.unwrap();
    assert_eq!(der[0], 0x30, "DER starts with a SEQUENCE");

    // Bad format: a clear refusal; another user's certificate: not found, nothing of it.
    problem(
        desk.app
            .get(&format!(
                "/api/v1/certificates/{serial}/download?format=p12"
            ))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    let mut other = desk.app.clone_signed_out().await;
    other
        .register(&crate::support::phone(50_013_001), "stranger")
        .await;
    for path in [
        format!("/api/v1/certificates/{serial}"),
        format!("/api/v1/certificates/{serial}/download?format=pem"),
    ] {
        let response = other.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(!response.text().await.unwrap().contains("BEGIN"));
    }
}

#[tokio::test]
async fn the_order_list_filters_by_business_type() {
    let desk = Desk::start().await;
    let (first, serial) = cloud_certificate(&desk, "13500001302").await;
    let reissue = json_of(
        desk.app
            .post(
                &format!("/api/v1/certificates/{serial}/orders"),
                json!({"kind": "reissue"}),
            )
            .await,
    )
    .await;
    let numbers = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = json_of(desk.app.get("/api/v1/orders?status=all").await).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let reissues = json_of(desk.app.get("/api/v1/orders?status=all&kind=reissue").await).await;
    assert_eq!(numbers(&reissues), [reissue["id"].as_str().unwrap()]);
    assert_eq!(reissues[0]["kind"], "reissue");
    let new = json_of(desk.app.get("/api/v1/orders?status=all&kind=new").await).await;
    assert_eq!(numbers(&new), [first.as_str()]);
    problem(
        desk.app.get("/api/v1/orders?kind=teleport").await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
}

#[tokio::test]
async fn the_invoice_is_offered_once_it_exists_and_its_email_links_absolutely() {
    let desk = Desk::start().await;
    // A personal cloud order without an invoice: paid, completed, no invoice offered.
    let (plain, _) = cloud_certificate(&desk, "13500001303").await;
    let detail = desk.detail(&plain).await;
    assert_eq!(detail["paid"], true);
    assert_eq!(detail["invoice_ready"], false);
    // One that wants an invoice after payment: offered once paid, and the e-mail links to the
    // order with the server's public URL.
    let order = desk.create("zfgjj-personal-cloud").await;
    let id = order["id"].as_str().unwrap().to_owned();
    let mut form = personal_form(&desk, &order, "13500001304").await;
    form["invoice"] = json!({"wanted": true, "title": "赵个人", "email": "invoice@example.com"});
    assert_eq!(desk.save(&id, &form).await.status(), StatusCode::OK);
    desk.sign_and_submit(&id, &form, false).await;
    start_check(
        &desk,
        &id,
        json!({"party": "person", "method": "three_factor"}),
    )
    .await;
    assert_eq!(desk.detail(&id).await["invoice_ready"], false);
    desk.pay(&id).await;
    assert_eq!(desk.detail(&id).await["invoice_ready"], true);
    let inbox = json_of(desk.app.get("/dev/inbox?to=invoice%40example.com").await).await;
    let body = inbox[0]["body"].as_str().unwrap();
    assert!(
        body.contains(&format!("{}/orders/{id}", desk.app.base)),
        "{body}"
    );
}

#[tokio::test]
async fn api_errors_opened_as_a_page_read_as_a_page() {
    let desk = Desk::start().await;
    let (order, _) = cloud_certificate(&desk, "13500001305").await;
    let path = format!("/api/v1/orders/{order}/invoice.pdf");
    let page = desk
        .app
        .client
        .get(desk.app.url(&path))
        .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(
        page.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("problem-page"), "{html}");
    assert!(!html.contains("\"code\""));
    // The web app and other clients keep problem+json.
    problem(
        desk.app.get(&path).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn the_history_says_submitted_before_any_check_and_names_the_payment_channel() {
    let desk = Desk::start().await;
    let (order, _) = cloud_certificate(&desk, "13500001306").await;
    let history = desk.detail(&order).await["history"].clone();
    let notes: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["note"].as_str().unwrap())
        .collect();
    assert!(notes.contains(&"提交成功，待身份核验"), "{notes:?}");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("（微信支付）") || n.contains("（支付宝）")),
        "{notes:?}"
    );
    assert!(
        !notes
            .iter()
            .any(|n| n.contains("自动审核通过") || n.contains("wechat"))
    );
}

pub(super) async fn save_product(
    staff: &crate::support::TestApp,
    product: &Value,
) -> reqwest::Response {
    staff
        .put(
            &format!(
                "/api/v1/staff/catalog/projects/{}/products",
                product["project_id"].as_str().unwrap()
            ),
            json!({
                "code": product["code"],
                "name": product["name"],
                "subject_kind": product["subject_kind"],
                "ca": product["ca"],
                "profile": product["profile"],
                "settings": product["settings"],
                "active": product["active"],
            }),
        )
        .await
}

pub(super) async fn saved_product(staff: &crate::support::TestApp, code: &str) -> Value {
    let catalog = json_of(staff.get("/api/v1/staff/catalog").await).await;
    catalog
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["products"].as_array().unwrap().iter())
        .find(|p| p["code"] == code)
        .cloned()
        .unwrap_or_else(|| panic!("{code} not in the editor's catalog"))
}

#[tokio::test]
async fn the_catalog_editor_lists_switched_off_products_and_keeps_english_names() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let mut product = saved_product(&staff, "ukey-org").await;
    assert_eq!(
        product["settings"]["name_en"],
        "Organisation UKEY certificate"
    );
    // Saved before the setting existed: renewals keep their review.
    assert_eq!(product["settings"]["renewal_review"], true);
    product["active"] = json!(false);
    product["settings"]["name_en"] = json!("Organisation key certificate");
    assert_eq!(
        save_product(&staff, &product).await.status(),
        StatusCode::OK
    );
    let edited = saved_product(&staff, "ukey-org").await;
    assert_eq!(edited["active"], false);
    assert_eq!(
        edited["settings"]["name_en"],
        "Organisation key certificate"
    );
    // Applicants no longer see it.
    let published = json_of(desk.app.get("/api/v1/catalog").await).await;
    assert!(!published.to_string().contains("\"ukey-org\""));
    // Projects carry their English texts.
    let catalog = json_of(staff.get("/api/v1/staff/catalog").await).await;
    let ukey = catalog
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "ukey")
        .unwrap();
    assert_eq!(ukey["help"]["english"]["name"], "Signet UKEY certificates");
}

#[tokio::test]
async fn renewal_review_is_a_product_setting() {
    let mut desk = Desk::start().await;
    let (_, serial) = cloud_certificate(&desk, "13500001307").await;
    desk.advance(2 * 365 * DAY - 20 * DAY).await;
    // Switched off after the first certificate: the setting is read when the renewal is ready.
    let staff = desk.staff_login().await;
    let mut product = saved_product(&staff, "zfgjj-personal-cloud").await;
    product["settings"]["renewal_review"] = json!(false);
    assert_eq!(
        save_product(&staff, &product).await.status(),
        StatusCode::OK
    );
    let renewal = json_of(
        desk.app
            .post(
                &format!("/api/v1/certificates/{serial}/orders"),
                json!({"kind": "renewal"}),
            )
            .await,
    )
    .await;
    let id = renewal["id"].as_str().unwrap().to_owned();
    let mut form = renewal["form"].clone();
    form["materials"] = personal_form(&desk, &renewal, "13500001307").await["materials"].clone();
    assert_eq!(desk.save(&id, &form).await.status(), StatusCode::OK);
    desk.sign_and_submit(&id, &form, false).await;
    start_check(
        &desk,
        &id,
        json!({"party": "person", "method": "three_factor"}),
    )
    .await;
    // Paid: no reviewer needed, the cloud certificate is issued at once.
    let paid = desk.pay(&id).await;
    let detail = desk.detail(&id).await;
    assert_eq!(detail["state"], "completed", "{paid} {detail}");
    assert_eq!(detail["certificates"].as_array().unwrap().len(), 1);
    let codes: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"approved_without_review"), "{codes:?}");
    assert!(!codes.contains(&"approved"));

    // A new order of the same product still goes to a reviewer: only renewals skip review.
    let order = desk.create("zfgjj-personal-cloud").await;
    let new_id = order["id"].as_str().unwrap().to_owned();
    let form = personal_form(&desk, &order, "13500001308").await;
    desk.save(&new_id, &form).await;
    desk.sign_and_submit(&new_id, &form, false).await;
    start_check(
        &desk,
        &new_id,
        json!({"party": "person", "method": "three_factor"}),
    )
    .await;
    desk.pay(&new_id).await;
    assert_eq!(desk.detail(&new_id).await["state"], "awaiting_review");
}

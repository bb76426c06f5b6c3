//! Fixtures of billing: a certified enterprise with its administrator, a staff member who keeps
//! the price list and issues invoices, one package on sale, and a gateway that signs
//! notifications the way the sandbox's does.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use signet_core::desk::roles::{self, Role};
use signet_core::platform::providers::Notification;

use super::support::{enterprise, person};
use crate::support::{TestApp, app, phone};

pub struct Shop {
    pub admin: TestApp,
    pub enterprise_id: String,
    pub staff: TestApp,
    /// 100 contracts, 400.00 yuan, valid 365 days.
    pub package_id: String,
}

pub async fn shop() -> Shop {
    let mut admin = app().start().await;
    let user = admin.register(&phone(7_300), "billadmin").await;
    let admin_id = user["id"].as_str().unwrap().to_owned();
    let ent = enterprise(
        &admin.platform,
        &admin_id,
        "计费测试有限公司",
        "91330100MA2B000011",
        "王五",
        "certified",
    )
    .await;
    let (staff, staff_id) = person(&admin, 7_301, None).await;
    for role in [Role::ChannelAdmin, Role::Producer] {
        roles::grant(&admin.platform, &staff_id, role, "test")
            .await
            .unwrap();
    }
    let package = package(&staff, "标准包 100 份", 100, 40_000, 365).await;
    Shop {
        admin,
        enterprise_id: ent.id,
        staff,
        package_id: package["id"].as_str().unwrap().to_owned(),
    }
}

/// Adds a package through the staff API.
pub async fn package(staff: &TestApp, name: &str, contracts: i64, price: i64, days: i64) -> Value {
    let response = staff
        .post(
            "/api/v1/staff/billing/packages",
            json!({"name": name, "contracts": contracts, "price_fen": price, "validity_days": days}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// Opens a purchase of `package` (201 expected).
pub async fn buy(shop: &Shop, package: &str) -> Value {
    let response = shop
        .admin
        .post(
            &format!(
                "/api/v1/enterprises/{}/billing/purchases",
                shop.enterprise_id
            ),
            json!({"package_id": package, "channel": "wechat"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// The notification a gateway sends for `purchase`.
pub fn paid_note(purchase: &Value, notify_id: &str) -> Notification {
    Notification {
        notify_id: notify_id.into(),
        payment_id: purchase["id"].as_str().unwrap().into(),
        amount_fen: purchase["amount_fen"].as_i64().unwrap(),
        result: "paid".into(),
        transaction: format!("T-{notify_id}"),
    }
}

/// Signs a notification as the sandbox gateway does.
pub fn signed(app: &TestApp, note: &Notification) -> (Vec<u8>, String) {
    app.platform
        .sandbox_gateway
        .as_ref()
        .unwrap()
        .sign(note)
        .unwrap()
}

/// Delivers a signed body to the platform's notification endpoint, without a session.
pub async fn deliver(app: &TestApp, body: Vec<u8>, signature: String) -> Response {
    crate::support::new_client()
        .post(app.url("/api/v1/payments/notify"))
        .header("content-type", "application/json")
        .header("x-signet-signature", signature)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Signs and delivers.
pub async fn notify(app: &TestApp, note: &Notification) -> Response {
    let (body, signature) = signed(app, note);
    deliver(app, body, signature).await
}

/// The enterprise's summary (balance, invoiceable amount).
pub async fn summary(shop: &Shop) -> Value {
    let response = shop
        .admin
        .get(&format!(
            "/api/v1/enterprises/{}/billing",
            shop.enterprise_id
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Counts rows of `sql` with one bind.
pub async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    super::support::count(&app.platform, sql, &[bind]).await
}

/// Buys the shop's package and pays it; returns the purchase.
pub async fn bought(shop: &Shop) -> Value {
    let purchase = buy(shop, &shop.package_id).await;
    let id = purchase["id"].as_str().unwrap();
    let answer = notify(&shop.admin, &paid_note(&purchase, &format!("N-{id}"))).await;
    assert_eq!(answer.status(), StatusCode::OK);
    purchase
}

/// A paper special invoice request, complete.
pub fn special_invoice(amount: i64) -> Value {
    json!({"kind": "special", "amount_fen": amount, "title": "计费测试有限公司",
        "tax_number": "91330100MA2B000011", "bank": "中国银行杭州分行", "bank_account": "6217000000000000",
        "company_address": "杭州市西湖区文三路 1 号", "company_phone": "0571-88888888",
        "mail_address": "杭州市西湖区文三路 1 号 101 室", "mail_recipient": "王五", "mail_phone": "13800007300"})
}

/// An e-invoice request, complete.
pub fn normal_invoice(amount: i64) -> Value {
    json!({"kind": "normal", "amount_fen": amount, "title": "计费测试有限公司",
        "tax_number": "91330100MA2B000011", "email": "finance@example.com"})
}

/// Moves the platform clock; the administrator's session may have lapsed meanwhile, so it signs
/// in again.
pub async fn advance(shop: &mut Shop, seconds: i64) {
    shop.admin.advance_clock(seconds).await;
    shop.admin.refresh_session().await;
    let response = shop
        .admin
        .login("billadmin", crate::support::PASSWORD)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

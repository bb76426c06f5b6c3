//! Billing through the API: the price list kept by staff, a purchase paid through the gateway
//! (one `purchase` ledger row, the balance up), the expiry of what is left of a lapsed purchase
//! (first in, first out), records with their Excel export, and invoices.

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::contracts::billing::expiry;
use signet_core::contracts::tasks::quota;
use signet_core::platform::clock::Clock as _;

use super::billing_support::{
    advance, bought, buy, count, normal_invoice, notify, package, paid_note, shop, special_invoice,
    summary,
};
use crate::support::problem;

#[tokio::test]
async fn staff_keep_the_price_list_and_buyers_see_only_what_is_on_sale() {
    let s = shop().await;
    let trial = package(&s.staff, "体验包 10 份", 10, 5_000, 30).await;
    let mut off = trial.clone();
    off["on_sale"] = json!(false);
    let response = s
        .staff
        .put(
            &format!(
                "/api/v1/staff/billing/packages/{}",
                trial["id"].as_str().unwrap()
            ),
            off,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let all: Vec<Value> = s
        .staff
        .get("/api/v1/staff/billing/packages")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let on_sale: Vec<Value> = s
        .admin
        .get("/api/v1/billing/packages")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(on_sale.len(), 1);
    assert_eq!(on_sale[0]["id"], s.package_id.as_str());
    // Off sale: cannot be bought.
    problem(
        s.admin
            .post(
                &format!("/api/v1/enterprises/{}/billing/purchases", s.enterprise_id),
                json!({"package_id": trial["id"], "channel": "wechat"}),
            )
            .await,
        StatusCode::CONFLICT,
        "package_not_on_sale",
    )
    .await;
    // Bad fields, and buyers are not staff.
    let bad = problem(
        s.staff
            .post(
                "/api/v1/staff/billing/packages",
                json!({"name": "零元包", "contracts": 10, "price_fen": 0, "validity_days": 30}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "billing_input",
    )
    .await;
    assert_eq!(bad["field"], "price_fen", "{bad}");
    let refused = s
        .admin
        .post(
            "/api/v1/staff/billing/packages",
            json!({"name": "自助包", "contracts": 10, "price_fen": 100, "validity_days": 30}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        count(
            &s.admin,
            "SELECT COUNT(*) FROM ec_packages WHERE name <> $1",
            ""
        )
        .await,
        2
    );
}

#[tokio::test]
async fn a_paid_notification_credits_the_quota_once_through_the_ledger() {
    let s = shop().await;
    let purchase = buy(&s, &s.package_id).await;
    assert_eq!(purchase["state"], "pending");
    assert_eq!(purchase["amount_fen"], 40_000);
    assert!(
        purchase["code_url"]
            .as_str()
            .unwrap()
            .starts_with("/sandbox/pay/")
    );
    assert_eq!(summary(&s).await["balance"], 0);
    let answer = notify(&s.admin, &paid_note(&purchase, "N-1")).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let paid: Value = answer.json().await.unwrap();
    assert_eq!(paid["state"], "paid");
    assert_eq!(
        paid["expires_at"].as_i64().unwrap() - paid["paid_at"].as_i64().unwrap(),
        365 * 86_400
    );
    let head = summary(&s).await;
    assert_eq!(head["balance"], 100);
    assert_eq!(head["invoiceable_fen"], 40_000);
    let id = purchase["id"].as_str().unwrap();
    assert_eq!(
        count(
            &s.admin,
            "SELECT COUNT(*) FROM ec_quota_ledger WHERE purchase_id = $1 AND reason = 'purchase'",
            id
        )
        .await,
        1
    );
    let records: Vec<Value> = s
        .admin
        .get(&format!(
            "/api/v1/enterprises/{}/billing/records?kind=purchase",
            s.enterprise_id
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["purchase_id"], id);
    assert_eq!(records[0]["package_name"], "标准包 100 份");
    assert_eq!(records[0]["amount_fen"], 40_000);
    // The gateway's own endpoint acknowledges a repeat (it stops retrying); nothing changes.
    let (body, signature) = super::billing_support::signed(&s.admin, &paid_note(&purchase, "N-1"));
    let repeat = crate::support::new_client()
        .post(s.admin.url("/api/v1/payments/notify/wechat"))
        .header("x-signet-signature", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(repeat.status(), StatusCode::NO_CONTENT);
    assert_eq!(summary(&s).await["balance"], 100);
}

#[tokio::test]
async fn the_sandbox_pay_page_settles_a_purchase_and_a_failed_one_adds_nothing() {
    let s = shop().await;
    let failed = buy(&s, &s.package_id).await;
    let answer = s
        .admin
        .post(
            &format!("/dev/payments/{}", failed["id"].as_str().unwrap()),
            json!({"result": "failed"}),
        )
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.json::<Value>().await.unwrap()["state"], "failed");
    assert_eq!(summary(&s).await["balance"], 0);
    let good = buy(&s, &s.package_id).await;
    let answer = s
        .admin
        .post(
            &format!("/dev/payments/{}", good["id"].as_str().unwrap()),
            json!({"result": "paid"}),
        )
        .await;
    assert_eq!(answer.json::<Value>().await.unwrap()["state"], "paid");
    assert_eq!(summary(&s).await["balance"], 100);
    let list: Vec<Value> = s
        .admin
        .get(&format!(
            "/api/v1/enterprises/{}/billing/purchases",
            s.enterprise_id
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
}

async fn spend(s: &super::billing_support::Shop, n: i64) {
    let mut tx = s.admin.platform.db.begin().await.unwrap();
    quota::record(
        &mut tx,
        &s.enterprise_id,
        -n,
        quota::LAUNCH,
        None,
        "test",
        s.admin.platform.clock.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_lapsed_purchase_expires_what_is_left_of_it_first_in_first_out() {
    let mut s = shop().await;
    quota::grant(
        &s.admin.platform,
        &s.enterprise_id,
        50,
        quota::GRANT,
        "test",
    )
    .await
    .unwrap();
    let trial = package(&s.staff, "体验包 10 份", 10, 5_000, 30).await;
    let first = buy(&s, trial["id"].as_str().unwrap()).await;
    assert_eq!(
        notify(&s.admin, &paid_note(&first, "N-first"))
            .await
            .status(),
        StatusCode::OK
    );
    spend(&s, 3).await;
    advance(&mut s, 86_400).await;
    let second = bought(&s).await;
    // Eight launches in all: the oldest purchase pays for them first (10 − 8 = 2 left of it).
    spend(&s, 5).await;
    assert_eq!(summary(&s).await["balance"], 50 + 10 + 100 - 8);
    // Nothing lapsed yet.
    assert_eq!(expiry::expire_due(&s.admin.platform).await.unwrap(), 0);
    advance(&mut s, 30 * 86_400).await;
    assert_eq!(expiry::expire_due(&s.admin.platform).await.unwrap(), 2);
    assert_eq!(summary(&s).await["balance"], 150);
    // A second run (another node, the next period) writes nothing more.
    assert_eq!(expiry::expire_due(&s.admin.platform).await.unwrap(), 0);
    assert_eq!(
        count(
            &s.admin,
            "SELECT COUNT(*) FROM ec_quota_ledger WHERE purchase_id = $1 AND reason = 'expiry'",
            first["id"].as_str().unwrap()
        )
        .await,
        1
    );
    // The year's package lapses too: the 40 launches since came out of it (grants go last), so
    // 60 of it are left and expire; the 50 granted stay.
    spend(&s, 40).await;
    advance(&mut s, 365 * 86_400).await;
    assert_eq!(expiry::expire_due(&s.admin.platform).await.unwrap(), 60);
    assert_eq!(summary(&s).await["balance"], 50);
    let shown: Value = s
        .admin
        .get(&format!(
            "/api/v1/enterprises/{}/billing/purchases/{}",
            s.enterprise_id,
            second["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert!(shown["expired_at"].is_i64(), "{shown}");
}

#[tokio::test]
async fn records_filter_by_kind_and_date_and_export_to_excel() {
    let s = shop().await;
    bought(&s).await;
    spend(&s, 2).await;
    let base = format!("/api/v1/enterprises/{}/billing/records", s.enterprise_id);
    let all: Vec<Value> = s.admin.get(&base).await.json().await.unwrap();
    assert_eq!(all.len(), 2);
    let signing: Vec<Value> = s
        .admin
        .get(&format!("{base}?kind=signing"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(signing.len(), 1);
    assert_eq!(signing[0]["delta"], -2);
    let now = s.admin.platform.clock.now();
    let later: Vec<Value> = s
        .admin
        .get(&format!("{base}?from={}", now + 1))
        .await
        .json()
        .await
        .unwrap();
    assert!(later.is_empty());
    let until: Vec<Value> = s
        .admin
        .get(&format!("{base}?to={}&from={}", now + 1, now - 60))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(until.len(), 2);
    problem(
        s.admin.get(&format!("{base}?kind=everything")).await,
        StatusCode::BAD_REQUEST,
        "billing_input",
    )
    .await;
    let xlsx = s
        .admin
        .get(&format!(
            "/api/v1/enterprises/{}/billing/records.xlsx?kind=purchase",
            s.enterprise_id
        ))
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = xlsx.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"));
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "购买记录").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][1], "购买");
    assert_eq!(rows[1][4], "标准包 100 份");
    assert_eq!(rows[1][5], "400.00");
}

#[tokio::test]
async fn invoices_reserve_their_amount_and_staff_issue_them() {
    let s = shop().await;
    bought(&s).await;
    let base = format!("/api/v1/enterprises/{}/billing/invoices", s.enterprise_id);
    let e = s.admin.post(&base, normal_invoice(10_000)).await;
    assert_eq!(e.status(), StatusCode::CREATED);
    let e: Value = e.json().await.unwrap();
    let paper = s.admin.post(&base, special_invoice(30_000)).await;
    assert_eq!(paper.status(), StatusCode::CREATED);
    let paper: Value = paper.json().await.unwrap();
    assert_eq!(paper["mail_phone"], "138****7300");
    assert_eq!(summary(&s).await["invoiceable_fen"], 0);
    let queue: Vec<Value> = s
        .staff
        .get("/api/v1/staff/billing/invoices")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue.len(), 2);
    // Staff see the whole phone: they mail the paper invoice.
    let queued_paper = queue.iter().find(|i| i["kind"] == "special").unwrap();
    assert_eq!(queued_paper["mail_phone"], "13800007300");
    assert_eq!(queued_paper["mail_recipient"], "王五");
    // At rest the contact details are sealed: neither the phone, the recipient, the address
    // nor the e-mail is in the table in clear.
    let stored = sqlx::query(
        "SELECT email || mail_address || mail_recipient || mail_phone AS contact FROM ec_invoices",
    )
    .fetch_all(s.admin.platform.db.pool())
    .await
    .unwrap();
    assert_eq!(stored.len(), 2);
    for row in stored {
        let contact: String = sqlx::Row::try_get(&row, "contact").unwrap();
        for clear in ["13800007300", "王五", "文三路", "finance@example.com"] {
            assert!(!contact.contains(clear), "{clear} stored in clear");
        }
    }
    // The e-invoice: a PDF, e-mailed through the outbox.
    let issued = s
        .staff
        .post(
            &format!(
                "/api/v1/staff/billing/invoices/{}/issue",
                e["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(issued.status(), StatusCode::OK);
    assert_eq!(issued.json::<Value>().await.unwrap()["state"], "issued");
    let key = format!("contracts.invoice:{}:email", e["id"].as_str().unwrap());
    assert_eq!(
        count(
            &s.admin,
            "SELECT COUNT(*) FROM jobs WHERE idempotency_key = $1",
            &key
        )
        .await,
        1
    );
    let pdf = s
        .admin
        .get(&format!("{base}/{}/pdf", e["id"].as_str().unwrap()))
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    // Twice: refused.
    problem(
        s.staff
            .post(
                &format!(
                    "/api/v1/staff/billing/invoices/{}/issue",
                    e["id"].as_str().unwrap()
                ),
                json!({}),
            )
            .await,
        StatusCode::CONFLICT,
        "invoice_issued",
    )
    .await;
    // The paper one needs its tracking number.
    let paper_issue = format!(
        "/api/v1/staff/billing/invoices/{}/issue",
        paper["id"].as_str().unwrap()
    );
    let refused = problem(
        s.staff.post(&paper_issue, json!({})).await,
        StatusCode::BAD_REQUEST,
        "billing_input",
    )
    .await;
    assert_eq!(refused["field"], "tracking_number");
    let shipped: Value = s
        .staff
        .post(&paper_issue, json!({"tracking_number": "SF1234567890"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shipped["tracking_number"], "SF1234567890");
    let history: Vec<Value> = s.admin.get(&base).await.json().await.unwrap();
    assert!(history.iter().all(|i| i["state"] == "issued"));
    // Applicants are not staff.
    assert_eq!(
        s.admin.get("/api/v1/staff/billing/invoices").await.status(),
        StatusCode::FORBIDDEN
    );
}

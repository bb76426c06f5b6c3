//! Billing's refusals, each a clear error with nothing changed: a purchase paid twice, a forged,
//! replayed or short notification, an invoice over the invoiceable amount, a paper invoice
//! without an address, a member who is not the administrator buying, another enterprise's
//! purchase; and the races money depends on, forty at once.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::billing_support::{
    Shop, bought, buy, deliver, normal_invoice, notify, paid_note, shop, signed, special_invoice,
    summary,
};
use super::support::{add_member, enterprise, person};
use crate::support::problem;

/// Everything billing writes, to compare before and after a refusal.
async fn snapshot(s: &Shop) -> Value {
    let mut out = Vec::new();
    for sql in [
        "SELECT COUNT(*) || ':' || COALESCE(SUM(delta), 0) FROM ec_quota_ledger WHERE enterprise_id = $1",
        "SELECT COUNT(*) || ':' || COALESCE(SUM(CASE WHEN state = 'paid' THEN 1 ELSE 0 END), 0) FROM ec_purchases WHERE enterprise_id = $1",
        "SELECT COUNT(*) || '' FROM ec_purchase_notifications n JOIN ec_purchases p ON p.id = n.purchase_id WHERE p.enterprise_id = $1",
        "SELECT COUNT(*) || ':' || COALESCE(SUM(amount_fen), 0) FROM ec_invoices WHERE enterprise_id = $1",
    ] {
        let text: String = sqlx::Row::try_get(
            &sqlx::query(sql)
                .bind(&s.enterprise_id)
                .fetch_one(s.admin.platform.db.pool())
                .await
                .unwrap(),
            0,
        )
        .unwrap();
        out.push(Value::String(text));
    }
    Value::Array(out)
}

#[tokio::test]
async fn a_purchase_paid_twice_or_notified_again_changes_nothing() {
    let s = shop().await;
    let purchase = bought(&s).await;
    let before = snapshot(&s).await;
    let id = purchase["id"].as_str().unwrap();
    // The same notification again (a replay).
    problem(
        notify(&s.admin, &paid_note(&purchase, &format!("N-{id}"))).await,
        StatusCode::CONFLICT,
        "notification_replayed",
    )
    .await;
    // A second payment of the same purchase (a new notification id).
    problem(
        notify(&s.admin, &paid_note(&purchase, "N-second")).await,
        StatusCode::CONFLICT,
        "notification_replayed",
    )
    .await;
    assert_eq!(snapshot(&s).await, before);
    assert_eq!(summary(&s).await["balance"], 100);
}

#[tokio::test]
async fn a_forged_or_short_notification_is_refused_and_credits_nothing() {
    let s = shop().await;
    let purchase = buy(&s, &s.package_id).await;
    let before = snapshot(&s).await;
    let note = paid_note(&purchase, "N-1");
    let (body, signature) = signed(&s.admin, &note);
    // Forged: signed with another key, or the body changed after signing.
    let forged = signet_core::platform::providers::SandboxGateway::new([7; 32])
        .sign(&note)
        .unwrap();
    problem(
        deliver(&s.admin, forged.0, forged.1).await,
        StatusCode::UNAUTHORIZED,
        "notification_signature",
    )
    .await;
    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replace("\"paid\"", "\"paid\" ");
    problem(
        deliver(&s.admin, tampered.into_bytes(), signature.clone()).await,
        StatusCode::UNAUTHORIZED,
        "notification_signature",
    )
    .await;
    // Signed by the gateway but for another amount.
    let short = signet_core::platform::providers::Notification {
        amount_fen: 1,
        notify_id: "N-short".into(),
        ..note.clone()
    };
    problem(
        notify(&s.admin, &short).await,
        StatusCode::BAD_REQUEST,
        "payment_mismatch",
    )
    .await;
    // And the WeChat Pay endpoint says so too (no retry helps).
    let (short_body, short_sig) = signed(&s.admin, &short);
    let wechat = crate::support::new_client()
        .post(s.admin.url("/api/v1/payments/notify/wechat"))
        .header("x-signet-signature", short_sig)
        .body(short_body)
        .send()
        .await
        .unwrap();
    assert_eq!(wechat.status(), StatusCode::BAD_REQUEST);
    assert_eq!(snapshot(&s).await, before);
    assert_eq!(summary(&s).await["balance"], 0);
    // The genuine one still settles it.
    assert_eq!(
        deliver(&s.admin, body, signature).await.status(),
        StatusCode::OK
    );
    assert_eq!(summary(&s).await["balance"], 100);
}

#[tokio::test]
async fn invoices_over_the_amount_or_paper_ones_without_an_address_are_refused() {
    let s = shop().await;
    bought(&s).await;
    let base = format!("/api/v1/enterprises/{}/billing/invoices", s.enterprise_id);
    let before = snapshot(&s).await;
    let over = problem(
        s.admin.post(&base, normal_invoice(40_001)).await,
        StatusCode::CONFLICT,
        "invoice_over_amount",
    )
    .await;
    assert!(
        over["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("400.00")
    );
    let mut no_address = special_invoice(10_000);
    no_address["mail_address"] = json!("  ");
    let refused = problem(
        s.admin.post(&base, no_address).await,
        StatusCode::BAD_REQUEST,
        "billing_input",
    )
    .await;
    assert_eq!(refused["field"], "mail_address");
    let mut no_email = normal_invoice(10_000);
    no_email["email"] = json!("");
    problem(
        s.admin.post(&base, no_email).await,
        StatusCode::BAD_REQUEST,
        "billing_input",
    )
    .await;
    assert_eq!(snapshot(&s).await, before);
    // What was asked for is no longer invoiceable.
    assert_eq!(
        s.admin.post(&base, normal_invoice(40_000)).await.status(),
        StatusCode::CREATED
    );
    problem(
        s.admin.post(&base, normal_invoice(1)).await,
        StatusCode::CONFLICT,
        "invoice_over_amount",
    )
    .await;
}

#[tokio::test]
async fn only_the_administrator_buys_and_another_enterprises_purchase_is_not_found() {
    let s = shop().await;
    let purchase = bought(&s).await;
    let (member, member_id) = person(&s.admin, 7_310, Some("李四")).await;
    add_member(&s.admin.platform, &s.enterprise_id, &member_id, "delegate").await;
    let before = snapshot(&s).await;
    let refused = problem(
        member
            .post(
                &format!("/api/v1/enterprises/{}/billing/purchases", s.enterprise_id),
                json!({"package_id": s.package_id, "channel": "wechat"}),
            )
            .await,
        StatusCode::FORBIDDEN,
        "role_required",
    )
    .await;
    assert!(refused["message"]["zh-CN"].as_str().is_some());
    assert_eq!(
        member
            .get(&format!(
                "/api/v1/enterprises/{}/billing/records",
                s.enterprise_id
            ))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // The member administers an enterprise of its own: the first one's purchase is not there.
    let other = enterprise(
        &s.admin.platform,
        &member_id,
        "另一家有限公司",
        "91330100MA2B000022",
        "李四",
        "certified",
    )
    .await;
    let id = purchase["id"].as_str().unwrap();
    problem(
        member
            .get(&format!(
                "/api/v1/enterprises/{}/billing/purchases/{id}",
                other.id
            ))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        member
            .post(
                &format!("/api/v1/enterprises/{}x/billing/purchases", s.enterprise_id),
                json!({"package_id": s.package_id, "channel": "wechat"}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // A bad channel, refused before anything is written.
    problem(
        s.admin
            .post(
                &format!("/api/v1/enterprises/{}/billing/purchases", s.enterprise_id),
                json!({"package_id": s.package_id, "channel": "paypal"}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "channel_unavailable",
    )
    .await;
    assert_eq!(snapshot(&s).await, before);
}

/// Fires `n` copies of a request at once; the statuses counted.
async fn forty<F, Fut>(n: usize, make: F) -> (BTreeMap<u16, usize>, Vec<Value>)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = reqwest::Response> + Send + 'static,
{
    let handles: Vec<_> = (0..n).map(|_| tokio::spawn(make())).collect();
    let mut statuses = BTreeMap::new();
    let mut bodies = Vec::new();
    for handle in handles {
        let response = handle.await.unwrap();
        *statuses.entry(response.status().as_u16()).or_insert(0) += 1;
        bodies.push(response.json().await.unwrap_or(Value::Null));
    }
    (statuses, bodies)
}

#[tokio::test]
async fn forty_deliveries_of_one_payment_credit_it_once() {
    let s = shop().await;
    let purchase = buy(&s, &s.package_id).await;
    // One notification delivered forty times at once.
    let (body, signature) = signed(&s.admin, &paid_note(&purchase, "N-same"));
    let url = s.admin.url("/api/v1/payments/notify");
    let (statuses, bodies) = forty(40, || {
        let (url, body, signature) = (url.clone(), body.clone(), signature.clone());
        async move {
            crate::support::new_client()
                .post(url)
                .header("x-signet-signature", signature)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    })
    .await;
    assert_eq!(statuses.get(&200), Some(&1), "{statuses:?} {bodies:?}");
    assert_eq!(statuses.get(&409), Some(&39), "{statuses:?} {bodies:?}");
    assert_eq!(summary(&s).await["balance"], 100);
    // Forty different notifications of another purchase's payment at once.
    let second = buy(&s, &s.package_id).await;
    let notes: Vec<_> = (0..40)
        .map(|i| signed(&s.admin, &paid_note(&second, &format!("N-{i}"))))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (statuses, bodies) = forty(40, || {
        let (body, signature) =
            notes[next.fetch_add(1, std::sync::atomic::Ordering::SeqCst)].clone();
        let url = url.clone();
        async move {
            crate::support::new_client()
                .post(url)
                .header("x-signet-signature", signature)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    })
    .await;
    assert_eq!(statuses.get(&200), Some(&1), "{statuses:?} {bodies:?}");
    assert_eq!(statuses.get(&409), Some(&39), "{statuses:?} {bodies:?}");
    assert_eq!(summary(&s).await["balance"], 200);
    assert_eq!(
        super::billing_support::count(
            &s.admin,
            "SELECT COUNT(*) FROM ec_quota_ledger WHERE enterprise_id = $1 AND reason = 'purchase'",
            &s.enterprise_id
        )
        .await,
        2
    );
}

#[tokio::test]
async fn forty_invoice_requests_for_the_whole_amount_leave_one() {
    let s = shop().await;
    bought(&s).await;
    let url = s.admin.url(&format!(
        "/api/v1/enterprises/{}/billing/invoices",
        s.enterprise_id
    ));
    let (statuses, bodies) = forty(40, || {
        let client = s.admin.client.clone();
        let csrf = s.admin.csrf.clone();
        let url = url.clone();
        async move {
            client
                .post(url)
                .header("x-csrf-token", csrf)
                .json(&normal_invoice(40_000))
                .send()
                .await
                .unwrap()
        }
    })
    .await;
    assert_eq!(statuses.get(&201), Some(&1), "{statuses:?} {bodies:?}");
    assert_eq!(statuses.get(&409), Some(&39), "{statuses:?} {bodies:?}");
    assert!(
        bodies
            .iter()
            .filter(|b| b["code"].is_string())
            .all(|b| b["code"] == "invoice_over_amount")
    );
    assert_eq!(summary(&s).await["invoiceable_fen"], 0);
}

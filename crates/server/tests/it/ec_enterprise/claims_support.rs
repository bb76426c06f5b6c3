//! Helpers of the administrator claim: a certified enterprise with its administrator, claimants
//! who are members of it, and the claim order walked through the desk's wizard, checks and the
//! staff's approval.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::contracts::support::{Enterprise, add_member, enterprise, real_name, silent_person};
use crate::desk::support::{Desk, credit_code, id_number, start_check};

/// The legal representative's name of the fixture enterprise.
pub const LEGAL_REP: &str = "张法人";

/// A certified enterprise (legal representative [`LEGAL_REP`]) whose administrator is a silent,
/// real-named account; returns it and the administrator's id.
pub async fn certified_enterprise(desk: &Desk, tail: u32, code17: &str) -> (Enterprise, String) {
    let platform = &desk.app.platform;
    let admin_id = silent_person(platform, tail).await;
    let ent = enterprise(
        platform,
        &admin_id,
        &format!("申领测试{tail}有限公司"),
        &credit_code(code17),
        LEGAL_REP,
        "certified",
    )
    .await;
    (ent, admin_id)
}

/// A signed-in, real-named person (a valid ID number from `id17`), wrapped as a desk client so
/// the wizard helpers act as them; with their user id.
pub async fn claimant(desk: &Desk, tail: u32, name: &str, id17: &str) -> (Desk, String) {
    let mut app = desk.app.clone_signed_out().await;
    let user = app
        .register(&crate::support::phone(tail), &format!("claimant{tail}"))
        .await;
    let id = user["id"].as_str().unwrap().to_owned();
    real_name(&desk.app.platform, &id, name, &id_number(id17)).await;
    (Desk { app }, id)
}

/// [`claimant`], then an active member of `enterprise_id`.
pub async fn member(
    desk: &Desk,
    enterprise_id: &str,
    tail: u32,
    name: &str,
    id17: &str,
) -> (Desk, String) {
    let (client, id) = claimant(desk, tail, name, id17).await;
    add_member(&desk.app.platform, enterprise_id, &id, "member").await;
    (client, id)
}

pub fn claims_path(enterprise_id: &str) -> String {
    format!("/api/v1/enterprises/{enterprise_id}/admin-claims")
}

/// Opens a claim by `route`; asserts 201 and returns the claim.
pub async fn open_claim(client: &Desk, enterprise_id: &str, route: &str) -> Value {
    let response = client
        .app
        .post(&claims_path(enterprise_id), json!({ "route": route }))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    response.json().await.unwrap()
}

/// Walks the claim order through the wizard as its claimant: on the authorised route the letter
/// is uploaded and the legal representative's ID number and phone entered; SMS-signed; the legal
/// representative (and the operator) pass phone three-factor. The order waits for review.
pub async fn submit_claim(client: &Desk, order_id: &str, authorised: bool) {
    let mut form = client.detail(order_id).await["form"].clone();
    if authorised {
        let letter = client.material(order_id, "authorisation_letter").await;
        form["materials"] = json!({ "authorisation_letter": letter });
        form["organisation"]["legal_rep_id_number"] = json!(id_number("11010519491231002"));
        form["organisation"]["legal_rep_phone"] = json!("13700000031");
        let saved = client.save(order_id, &form).await;
        assert_eq!(
            saved.status(),
            StatusCode::OK,
            "{}",
            saved.text().await.unwrap()
        );
    }
    client.sign_and_submit(order_id, &form, false).await;
    let parties: &[&str] = if authorised {
        &["organisation", "operator"]
    } else {
        &["organisation"]
    };
    for party in parties {
        let started = start_check(
            client,
            order_id,
            json!({"party": party, "method": "three_factor"}),
        )
        .await;
        assert_eq!(
            started.status(),
            StatusCode::OK,
            "{}",
            started.text().await.unwrap()
        );
    }
    assert_eq!(
        client.detail(order_id).await["state"],
        "awaiting_review",
        "the claim waits for staff"
    );
}

/// The active administrators of the enterprise.
pub async fn admins(desk: &Desk, enterprise_id: &str) -> Vec<String> {
    use sqlx::Row as _;
    sqlx::query("SELECT user_id FROM ec_members WHERE enterprise_id = $1 AND role = 'admin' AND state = 'active'")
        .bind(enterprise_id)
        .fetch_all(desk.app.platform.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("user_id").unwrap())
        .collect()
}

/// A claim's state and reason as stored.
pub async fn claim_state(desk: &Desk, claim_id: &str) -> (String, Option<String>) {
    use sqlx::Row as _;
    let row = sqlx::query("SELECT state, reason FROM ec_admin_claims WHERE id = $1")
        .bind(claim_id)
        .fetch_one(desk.app.platform.db.pool())
        .await
        .unwrap();
    (
        row.try_get("state").unwrap(),
        row.try_get("reason").unwrap(),
    )
}

/// How many rows `sql` (one `$1`) counts, as `n`.
pub async fn count(desk: &Desk, sql: &str, bind: &str) -> i64 {
    super::support::count(&desk.app, sql, bind).await
}

/// The codes of the order's history rows, oldest first.
pub async fn history_codes(client: &Desk, order_id: &str) -> Vec<String> {
    client.detail(order_id).await["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["code"].as_str().unwrap_or("").to_owned())
        .collect()
}

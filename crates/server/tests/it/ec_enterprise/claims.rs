//! The administrator claim as a desk order (§2.9.3.2, ADR 0013): the legal representative's
//! claim through the wizard, checks and staff approval makes them the one administrator; every
//! refusal changes nothing; a completed claim whose claimant left or is already administrator,
//! or whose form was edited to name someone else, changes nothing and the history says why;
//! withdrawal while the order is open.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::claims_support::{
    LEGAL_REP, admins, certified_enterprise, claim_state, claimant, claims_path, count,
    history_codes, member, open_claim, submit_claim,
};
use super::support::{drain, staff_approves};
use crate::desk::support::Desk;
use crate::support::problem;

#[tokio::test]
async fn the_legal_representative_claims_through_a_desk_order_and_staff_approval() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let (ent, admin_id) = certified_enterprise(&desk, 60_001, "91410100MA0000101").await;
    let (rep, rep_id) = member(&desk, &ent.id, 60_002, LEGAL_REP, "41010219800101001").await;

    let claim = open_claim(&rep, &ent.id, "legal_rep").await;
    assert_eq!(claim["state"], "open", "{claim}");
    assert_eq!(claim["route"], "legal_rep");
    assert_eq!(claim["actions"], json!(["continue", "withdraw"]));
    let order_id = claim["order_id"].as_str().unwrap().to_owned();
    let detail = rep.detail(&order_id).await;
    assert_eq!(detail["product"]["code"], "econtract-admin-claim");
    assert_eq!(detail["product"]["name"], "管理员申领");
    assert_eq!(detail["form"]["organisation"]["legal_rep_name"], LEGAL_REP);
    assert_eq!(detail["form"]["legal_rep_handles"], true);
    // One open claim per enterprise and claimant.
    problem(
        rep.app.post(&claims_path(&ent.id), json!({})).await,
        StatusCode::CONFLICT,
        "admin_claim_open",
    )
    .await;

    submit_claim(&rep, &order_id, false).await;
    assert_eq!(admins(&desk, &ent.id).await, vec![admin_id.clone()]);
    staff_approves(&staff, &order_id).await;
    drain(&desk).await;

    let detail = rep.detail(&order_id).await;
    assert_eq!(detail["state"], "completed", "{detail}");
    assert_eq!(detail["certificates"], json!([]), "no certificate issued");
    // The approval's SMS says the claim is done, not that a certificate is being made.
    let to = detail["form"]["person"]["phone"]
        .as_str()
        .unwrap()
        .to_owned();
    let inbox: Value = desk
        .app
        .get(&format!("/dev/inbox?to={to}"))
        .await
        .json()
        .await
        .unwrap();
    let bodies: Vec<&str> = inbox
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert!(
        bodies.iter().any(|b| b.contains("已审核通过，申请已办结")),
        "{bodies:?}"
    );
    assert!(!bodies.iter().any(|b| b.contains("制作证书")), "{bodies:?}");
    let codes = history_codes(&rep, &order_id).await;
    assert!(
        codes.ends_with(&["concluded".into(), "settled".into()]),
        "{codes:?}"
    );
    assert_eq!(admins(&desk, &ent.id).await, vec![rep_id.clone()]);
    assert_eq!(
        count(
            &desk,
            "SELECT COUNT(*) AS n FROM ec_members WHERE user_id = $1 AND role = 'delegate' AND state = 'active'",
            &admin_id
        )
        .await,
        1
    );
    assert_eq!(
        claim_state(&desk, claim["id"].as_str().unwrap()).await.0,
        "done"
    );
    assert_eq!(
        count(
            &desk,
            "SELECT COUNT(*) AS n FROM jobs WHERE idempotency_key LIKE $1",
            &format!("admin_claim:%:{admin_id}:sms")
        )
        .await,
        1
    );
    let audited = "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1";
    assert_eq!(count(&desk, audited, "contracts.admin_claim").await, 1);
    // A repeated job changes nothing.
    signet_core::contracts::settle::order_settled(&desk.app.platform, &order_id)
        .await
        .unwrap();
    assert_eq!(count(&desk, audited, "contracts.admin_claim").await, 1);
    assert_eq!(history_codes(&rep, &order_id).await, codes);
    // The new administrator has nothing left to claim.
    problem(
        rep.app.post(&claims_path(&ent.id), json!({})).await,
        StatusCode::BAD_REQUEST,
        "not_oneself",
    )
    .await;
    let listed: Value = rep
        .app
        .get(&claims_path(&ent.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["state"], "done", "{listed}");
    assert_eq!(listed[0]["actions"], json!([]));
}

#[tokio::test]
async fn claims_of_outsiders_admins_other_enterprises_and_non_legal_reps_are_refused() {
    let desk = Desk::start().await;
    let (ent, admin_id) = certified_enterprise(&desk, 60_101, "91410100MA0000102").await;
    let (other, _) = certified_enterprise(&desk, 60_102, "91410100MA0000103").await;
    let (rep, _) = member(&desk, &ent.id, 60_103, LEGAL_REP, "41010219800101002").await;
    let (plain, _) = member(&desk, &ent.id, 60_104, "李四", "41010219800101003").await;
    let (outsider, _) = claimant(&desk, 60_105, LEGAL_REP, "41010219800101004").await;
    let mut admin = desk.app.clone_signed_out().await;
    admin
        .login(&format!("silent{}", 60_101), crate::support::PASSWORD)
        .await;
    let mut unnamed = desk.app.clone_signed_out().await;
    unnamed
        .register(&crate::support::phone(60_106), "unnamed60106")
        .await;
    let path = claims_path(&ent.id);
    let orders = "SELECT COUNT(*) AS n FROM desk_orders WHERE id <> $1";

    problem(
        plain.app.post(&path, json!({"route": "legal_rep"})).await,
        StatusCode::FORBIDDEN,
        "not_legal_rep",
    )
    .await;
    problem(
        outsider.app.post(&path, json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        admin.post(&path, json!({})).await,
        StatusCode::BAD_REQUEST,
        "not_oneself",
    )
    .await;
    problem(
        rep.app.post(&claims_path(&other.id), json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        rep.app
            .post(&claims_path("no-such-enterprise"), json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        unnamed.post(&path, json!({})).await,
        StatusCode::FORBIDDEN,
        "real_name_required",
    )
    .await;
    problem(
        rep.app.post(&path, json!({"route": "by_magic"})).await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    problem(
        outsider.app.get(&path).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // The old direct claim points at the desk order.
    let moved = problem(
        rep.app
            .post(
                &format!("/api/v1/enterprises/{}/admin/claim", ent.id),
                json!({"method": "three_factor", "phone": "13912345678"}),
            )
            .await,
        StatusCode::CONFLICT,
        "admin_claim_moved",
    )
    .await;
    assert!(
        moved["message"]["en"]
            .as_str()
            .unwrap()
            .contains("admin-claims"),
        "{moved}"
    );
    assert_eq!(
        count(
            &desk,
            "SELECT COUNT(*) AS n FROM ec_admin_claims WHERE id <> $1",
            ""
        )
        .await,
        0
    );
    assert_eq!(count(&desk, orders, "").await, 0);
    assert_eq!(admins(&desk, &ent.id).await, vec![admin_id.clone()]);

    // Someone else's claim is not found: listing shows only one's own, withdrawing another's is 404.
    let claim = open_claim(&rep, &ent.id, "legal_rep").await;
    let withdraw = format!("{path}/{}/withdraw", claim["id"].as_str().unwrap());
    problem(
        plain.app.post(&withdraw, json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        outsider.app.post(&withdraw, json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let listed: Value = plain.app.get(&path).await.json().await.unwrap();
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn a_claim_that_names_someone_else_or_finds_its_claimant_gone_changes_nothing() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let (ent, admin_id) = certified_enterprise(&desk, 60_201, "91410100MA0000104").await;
    let (plain, _) = member(&desk, &ent.id, 60_202, "李四", "41010219800101005").await;
    let (rep, rep_id) = member(&desk, &ent.id, 60_203, LEGAL_REP, "41010219800101006").await;

    // Not the legal representative: the desk refuses "the legal representative handles it".
    let claim = open_claim(&plain, &ent.id, "authorised").await;
    let order_id = claim["order_id"].as_str().unwrap().to_owned();
    let mut form = plain.detail(&order_id).await["form"].clone();
    assert_eq!(form["legal_rep_handles"], false);
    assert_eq!(form["authorisation_grantee"], "李四");
    form["organisation"]["legal_rep_id_number"] =
        json!(crate::desk::support::id_number("11010519491231002"));
    form["organisation"]["legal_rep_phone"] = json!("13700000031");
    form["legal_rep_handles"] = json!(true);
    let saved = plain.save(&order_id, &form).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let version = plain.version(&order_id).await;
    let refused = plain
        .app
        .post(
            &format!("/api/v1/orders/{order_id}/submit"),
            json!({"agree": true, "sms_code": "000000"}),
        )
        .await;
    let body = problem(refused, StatusCode::BAD_REQUEST, "invalid_field").await;
    assert_eq!(body["field"], "legal_rep_handles", "{body}");
    assert_eq!(plain.version(&order_id).await, version);
    assert_eq!(plain.detail(&order_id).await["state"], "drafting");
    // Editing the legal representative to oneself gets through the desk, but the completed
    // order does not name the enterprise's legal representative: nothing changes.
    form["organisation"]["legal_rep_name"] = json!("李四");
    form["organisation"]["legal_rep_id_number"] = form["person"]["id_number"].clone();
    form["organisation"]["legal_rep_phone"] = form["person"]["phone"].clone();
    let saved = plain.save(&order_id, &form).await;
    assert_eq!(
        saved.status(),
        StatusCode::OK,
        "{}",
        saved.text().await.unwrap()
    );
    plain.sign_and_submit(&order_id, &form, false).await;
    let started = crate::desk::support::start_check(
        &plain,
        &order_id,
        json!({"party": "organisation", "method": "three_factor"}),
    )
    .await;
    assert_eq!(started.status(), StatusCode::OK);
    staff_approves(&staff, &order_id).await;
    drain(&desk).await;
    let claim_id = claim["id"].as_str().unwrap();
    assert_eq!(
        claim_state(&desk, claim_id).await,
        ("void".to_owned(), Some("form_mismatch".to_owned()))
    );
    assert_eq!(admins(&desk, &ent.id).await, vec![admin_id.clone()]);
    let detail = plain.detail(&order_id).await;
    let last = detail["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["code"], "settled", "{last}");
    assert!(
        last["params"]["zh"].as_str().unwrap().contains("未生效"),
        "{last}"
    );
    assert!(
        last["params"]["en"]
            .as_str()
            .unwrap()
            .contains("changed nothing"),
        "{last}"
    );

    // The claimant removed before the order completes: nothing changes.
    let claim = open_claim(&rep, &ent.id, "legal_rep").await;
    let order_id = claim["order_id"].as_str().unwrap().to_owned();
    submit_claim(&rep, &order_id, false).await;
    sqlx::query(
        "UPDATE ec_members SET state = 'removed' WHERE enterprise_id = $1 AND user_id = $2",
    )
    .bind(&ent.id)
    .bind(&rep_id)
    .execute(desk.app.platform.db.pool())
    .await
    .unwrap();
    staff_approves(&staff, &order_id).await;
    drain(&desk).await;
    assert_eq!(
        claim_state(&desk, claim["id"].as_str().unwrap()).await,
        ("void".to_owned(), Some("not_member".to_owned()))
    );
    assert_eq!(admins(&desk, &ent.id).await, vec![admin_id.clone()]);

    // Made administrator by a transfer meanwhile: the claim changes nothing either.
    sqlx::query("UPDATE ec_members SET state = 'active' WHERE enterprise_id = $1 AND user_id = $2")
        .bind(&ent.id)
        .bind(&rep_id)
        .execute(desk.app.platform.db.pool())
        .await
        .unwrap();
    let claim = open_claim(&rep, &ent.id, "legal_rep").await;
    let order_id = claim["order_id"].as_str().unwrap().to_owned();
    submit_claim(&rep, &order_id, false).await;
    signet_core::contracts::members::admin::transfer(
        &desk.app.platform,
        &ent.id,
        &admin_id,
        &rep_id,
    )
    .await
    .unwrap();
    staff_approves(&staff, &order_id).await;
    drain(&desk).await;
    assert_eq!(
        claim_state(&desk, claim["id"].as_str().unwrap()).await,
        ("void".to_owned(), Some("already_admin".to_owned()))
    );
    assert_eq!(admins(&desk, &ent.id).await, vec![rep_id]);
    assert_eq!(
        count(
            &desk,
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1",
            "contracts.admin_claim"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn an_open_claim_is_withdrawn_and_a_finished_one_cannot_be() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let (ent, admin_id) = certified_enterprise(&desk, 60_301, "91410100MA0000105").await;
    let (rep, rep_id) = member(&desk, &ent.id, 60_302, LEGAL_REP, "41010219800101007").await;
    let path = claims_path(&ent.id);

    let claim = open_claim(&rep, &ent.id, "legal_rep").await;
    let order_id = claim["order_id"].as_str().unwrap().to_owned();
    let withdraw = format!("{path}/{}/withdraw", claim["id"].as_str().unwrap());
    let done = rep.app.post(&withdraw, json!({})).await;
    assert_eq!(
        done.status(),
        StatusCode::OK,
        "{}",
        done.text().await.unwrap()
    );
    let done: Value = done.json().await.unwrap();
    assert_eq!(done["state"], "withdrawn", "{done}");
    assert_eq!(done["order_state"], "cancelled");
    assert_eq!(done["actions"], json!([]));
    drain(&desk).await;
    assert_eq!(
        claim_state(&desk, claim["id"].as_str().unwrap()).await.0,
        "withdrawn"
    );
    problem(
        rep.app.post(&withdraw, json!({})).await,
        StatusCode::CONFLICT,
        "admin_claim_closed",
    )
    .await;
    assert_eq!(rep.detail(&order_id).await["state"], "cancelled");

    // A new claim after the withdrawal; submitted, it can still be withdrawn before review.
    let claim = open_claim(&rep, &ent.id, "legal_rep").await;
    let order_id = claim["order_id"].as_str().unwrap().to_owned();
    submit_claim(&rep, &order_id, false).await;
    let listed: Value = rep.app.get(&path).await.json().await.unwrap();
    let open = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == claim["id"])
        .unwrap();
    assert_eq!(open["actions"], json!(["continue", "withdraw"]), "{listed}");
    assert_eq!(listed.as_array().unwrap().len(), 2);
    // Approved, the order is done and the claim can no longer be withdrawn.
    staff_approves(&staff, &order_id).await;
    drain(&desk).await;
    let withdraw = format!("{path}/{}/withdraw", claim["id"].as_str().unwrap());
    problem(
        rep.app.post(&withdraw, json!({})).await,
        StatusCode::CONFLICT,
        "admin_claim_closed",
    )
    .await;
    assert_eq!(admins(&desk, &ent.id).await, vec![rep_id]);
    assert_eq!(
        count(
            &desk,
            "SELECT COUNT(*) AS n FROM ec_members WHERE user_id = $1 AND role = 'delegate'",
            &admin_id
        )
        .await,
        1
    );
}

//! Two claimants' orders complete together (the legal representative's and an authorised
//! operator's) and their order-settled jobs run forty times at once: exactly one administrator
//! afterwards, each claim settled once. Meant for PostgreSQL (`SIGNET_TEST_DATABASE_URL`); on
//! SQLite the writers queue and the same assertions hold.

use super::claims_support::{
    LEGAL_REP, admins, certified_enterprise, claim_state, count, member, open_claim, submit_claim,
};
use super::support::{drain, staff_approves};
use crate::desk::support::Desk;

#[tokio::test]
async fn forty_settlements_of_two_completed_claims_leave_exactly_one_administrator() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let (ent, admin_id) = certified_enterprise(&desk, 61_001, "91410100MA0000106").await;
    let (rep, rep_id) = member(&desk, &ent.id, 61_002, LEGAL_REP, "41010219800101008").await;
    let (operator, operator_id) =
        member(&desk, &ent.id, 61_003, "周经办", "41010219800101009").await;
    let by_rep = open_claim(&rep, &ent.id, "legal_rep").await;
    let by_operator = open_claim(&operator, &ent.id, "authorised").await;
    let orders = [
        by_rep["order_id"].as_str().unwrap().to_owned(),
        by_operator["order_id"].as_str().unwrap().to_owned(),
    ];
    submit_claim(&rep, &orders[0], false).await;
    submit_claim(&operator, &orders[1], true).await;
    // Both orders complete; their settled jobs wait in the queue.
    for order in &orders {
        staff_approves(&staff, order).await;
    }
    let platform = desk.app.platform.clone();
    let runs: Vec<_> = (0..40)
        .map(|i| {
            let platform = platform.clone();
            let order = orders[i % 2].clone();
            tokio::spawn(async move {
                signet_core::contracts::settle::order_settled(&platform, &order).await
            })
        })
        .collect();
    for run in runs {
        run.await.unwrap().unwrap();
    }
    // The queued jobs run afterwards, as repeated jobs: nothing more changes.
    drain(&desk).await;

    let now = admins(&desk, &ent.id).await;
    assert_eq!(now.len(), 1, "{now:?}");
    assert!(now[0] == rep_id || now[0] == operator_id, "{now:?}");
    for claim in [&by_rep, &by_operator] {
        assert_eq!(
            claim_state(&desk, claim["id"].as_str().unwrap()).await,
            ("done".to_owned(), None)
        );
    }
    assert_eq!(
        count(
            &desk,
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1",
            "contracts.admin_claim"
        )
        .await,
        2
    );
    // The former administrator and the claimant who settled first are delegates now.
    for user in [&admin_id, &rep_id, &operator_id] {
        if *user != now[0] {
            assert_eq!(
                count(
                    &desk,
                    "SELECT COUNT(*) AS n FROM ec_members WHERE user_id = $1 AND role = 'delegate' AND state = 'active'",
                    user
                )
                .await,
                1,
                "{user}"
            );
        }
    }
    // Each claim wrote one "took effect" line in its order's history.
    for order in &orders {
        assert_eq!(
            count(
                &desk,
                "SELECT COUNT(*) AS n FROM desk_order_events WHERE order_id = $1 AND code = 'settled'",
                order
            )
            .await,
            1
        );
    }
}

//! Contract tasks end to end: launch, signing in order under each party's own certificate,
//! completion as B-LTA, the lists, and the signed file checked by `signet_pdf`, pyHanko and
//! pdfsig (and all three failing it after one byte changes).

use reqwest::StatusCode;
use serde_json::{Value, json};
use signet_core::contracts::tasks::events;

use super::tasks_support::{
    balance, document, launch, launch_body, launch_person_then_enterprise, list_ids, pdfsig,
    person, pyhanko, roots_pem, signed_ok, task, verify, world,
};

#[tokio::test]
async fn a_serial_task_is_signed_by_the_person_then_the_enterprise_and_completes_as_b_lta() {
    let w = world().await;
    let zhang = person(&w, 7_201, "张三").await;
    let before = balance(&w.admin, &w.enterprise_id).await;
    let id = launch_person_then_enterprise(&w, &zhang.phone).await;
    assert_eq!(balance(&w.admin, &w.enterprise_id).await, before - 1);

    // Lists: the person's turn first; the administrator waits.
    assert_eq!(list_ids(&zhang.app, "to_sign").await, vec![id.clone()]);
    assert!(list_ids(&w.admin, "to_sign").await.is_empty());
    assert_eq!(list_ids(&w.admin, "others").await, vec![id.clone()]);
    assert_eq!(list_ids(&w.admin, "initiated").await, vec![id.clone()]);
    assert!(list_ids(&zhang.app, "initiated").await.is_empty());
    let view = task(&zhang.app, &id).await;
    assert_eq!(view["state"], "launched");
    assert_eq!(view["parties"][0]["state"], "to_sign");
    assert_eq!(view["parties"][0]["mine"], true);
    assert_eq!(view["parties"][1]["state"], "waiting");
    assert!(view["events"].is_null(), "a party does not read the log");
    let launched = document(&zhang.app, &id).await;
    assert_eq!(launched, super::tasks_support::PDF);

    let after_b = signed_ok(&zhang.app, &zhang.phone, &id, json!({})).await;
    assert_eq!(after_b["parties"][0]["state"], "signed");
    assert_eq!(after_b["parties"][1]["state"], "to_sign");
    assert_eq!(after_b["state"], "launched");
    let one = document(&zhang.app, &id).await;
    let (count, ok, report) = verify(&w.admin, &one).await;
    assert!(ok && count == 1, "{report}");
    assert!(report.to_string().contains("张三"), "{report}");
    assert_eq!(list_ids(&w.admin, "to_sign").await, vec![id.clone()]);
    assert!(list_ids(&zhang.app, "to_sign").await.is_empty());
    assert_eq!(list_ids(&zhang.app, "others").await, vec![id.clone()]);

    let done = signed_ok(
        &w.admin,
        &super::super::support::phone(7_100),
        &id,
        json!({}),
    )
    .await;
    assert_eq!(done["state"], "completed", "{done}");
    assert!(done["completed_at"].is_i64());
    assert_eq!(list_ids(&zhang.app, "completed").await, vec![id.clone()]);
    assert_eq!(list_ids(&w.admin, "completed").await, vec![id.clone()]);
    assert!(list_ids(&w.admin, "others").await.is_empty());

    let signed = document(&w.admin, &id).await;
    assert!(
        signed.starts_with(&one),
        "earlier revisions stay byte for byte"
    );
    let (count, ok, report) = verify(&w.admin, &signed).await;
    // The person's signature, the enterprise's, and the document timestamp.
    assert!(ok && count == 3, "{report}");
    assert_eq!(report["all_valid"], true, "{report}");
    let text = report.to_string();
    assert!(text.contains("B-LTA"), "{report}");
    assert!(
        text.contains(signet_core::contracts::demo::NAME),
        "the enterprise signs under its own certificate: {report}"
    );

    // The log: complete, in order, chained.
    let view = task(&w.admin, &id).await;
    let kinds: Vec<&str> = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "launched",
            "sms_sent",
            "intent_confirmed",
            "signed",
            "sms_sent",
            "intent_confirmed",
            "signed",
            "completed"
        ]
    );
    let log: Vec<events::EventView> = events::list(w.admin.platform.db.pool(), &id).await.unwrap();
    assert!(events::chain_links(&log));
    let signed_events: Vec<&events::EventView> =
        log.iter().filter(|e| e.kind == "signed").collect();
    assert_eq!(
        signed_events[1].hash_before, signed_events[0].hash_after,
        "each signature starts from the revision before it"
    );
    assert!(signed_events.iter().all(|e| {
        e.phone_masked
            .as_deref()
            .is_some_and(|p| p.contains("****"))
    }));
    assert!(signed_events.iter().all(|e| e.ip.is_some()));

    // Every party and the initiator is told, with the link.
    signet_core::platform::jobs::drain(&w.admin.platform, &signet_core::job_handlers())
        .await
        .unwrap();
    let inbox: Value = w
        .admin
        .get(&format!("/dev/inbox?to={}", zhang.phone))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        inbox
            .to_string()
            .contains(&format!("/contracts/tasks/{id}")),
        "{inbox}"
    );
    assert!(inbox.to_string().contains("已全部签署完成"), "{inbox}");

    // pyHanko and pdfsig accept it; after one byte changes, all three refuse it.
    let dir = tempfile::tempdir().unwrap();
    let roots = roots_pem(&w.admin).await;
    if let Some((ok, text)) = pyhanko(dir.path(), &roots, &signed).await {
        assert!(ok, "pyHanko:\n{text}");
    }
    if let Some((count, ok, text)) = pdfsig(dir.path(), &roots, &signed) {
        assert!(ok && count == 2, "pdfsig:\n{text}");
    }
    let mut tampered = signed.clone();
    let at = super::tasks_support::PDF.len() / 2;
    tampered[at] ^= 0x01;
    let (_, ok, report) = verify(&w.admin, &tampered).await;
    assert!(!ok, "the verifier accepted a changed file: {report}");
    if let Some((ok, text)) = pyhanko(dir.path(), &roots, &tampered).await {
        assert!(!ok, "pyHanko accepted a changed file:\n{text}");
    }
    if let Some((_, ok, text)) = pdfsig(dir.path(), &roots, &tampered) {
        assert!(!ok, "pdfsig accepted a changed file:\n{text}");
    }
}

#[tokio::test]
async fn parallel_signers_of_a_group_both_land_and_the_next_group_follows() {
    let w = world().await;
    let li = person(&w, 7_211, "李四").await;
    let wang = person(&w, 7_212, "王五").await;
    let mut body = launch_body(
        &w.bt,
        "groups",
        json!([
            {"role": "B", "kind": "person", "phone": li.phone, "group": 1},
            {"role": "C", "kind": "person", "phone": wang.phone, "group": 1},
            {"role": "A", "kind": "enterprise", "enterprise_id": w.enterprise_id, "group": 2}
        ]),
    );
    body["documents"][0]["spots"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "c1", "role": "C", "kind": "name_seal", "page": 1, "x": 90.0, "y": 600.0, "w": 80.0, "h": 80.0}));
    let id = launch(&w.admin, &w.enterprise_id, &body).await;
    assert!(list_ids(&w.admin, "to_sign").await.is_empty());
    // Both codes first, then both signatures at once: one of them signs over the other's revision.
    let code_li = super::tasks_support::intent_code(&li.app, &li.phone, &id).await;
    let code_wang = super::tasks_support::intent_code(&wang.app, &wang.phone, &id).await;
    let url = format!("/api/v1/tasks/{id}/sign");
    let (a, b) = tokio::join!(
        li.app.post(&url, json!({"sms_code": code_li})),
        wang.app.post(&url, json!({"sms_code": code_wang})),
    );
    assert_eq!(a.status(), StatusCode::OK, "{}", a.text().await.unwrap());
    assert_eq!(b.status(), StatusCode::OK, "{}", b.text().await.unwrap());
    let view = task(&w.admin, &id).await;
    assert_eq!(view["parties"][2]["state"], "to_sign", "{view}");
    assert_eq!(view["documents"][0]["revision"], 2);
    assert_eq!(list_ids(&w.admin, "to_sign").await, vec![id.clone()]);
    let done = signed_ok(
        &w.admin,
        &super::super::support::phone(7_100),
        &id,
        json!({}),
    )
    .await;
    assert_eq!(done["state"], "completed");
    let signed = document(&w.admin, &id).await;
    let (count, ok, report) = verify(&w.admin, &signed).await;
    assert!(ok && count == 4, "{report}");
}

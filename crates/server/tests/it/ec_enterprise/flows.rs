//! The happy paths: real-name (carrier three-factor, face), certification through the desk,
//! spaces, my enterprises, the enterprise's certificates, information change and re-certification.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row as _;

use super::support::{approve, certified, certify, company, count, drain, real_name, submit_order};
use crate::desk::support::{Desk, id_number};

#[tokio::test]
async fn a_person_is_real_named_with_a_cloud_certificate_and_certifies_an_enterprise() {
    let mut desk = Desk::start().await;
    let staff = desk.staff().await;
    let app = &desk.app;

    // Before: browse only.
    let spaces: Value = app.get("/api/v1/me/spaces").await.json().await.unwrap();
    assert_eq!(spaces["real_named"], false);
    assert_eq!(spaces["landing"], "personal");

    let passed = real_name(app, "张三", "11010119900307123").await;
    assert_eq!(passed["person"]["name_masked"], "张*");
    assert_eq!(passed["person"]["method"], "carrier3");
    let id_masked = passed["person"]["id_masked"].as_str().unwrap();
    assert!(
        id_masked.starts_with("1101") && id_masked.contains("****"),
        "{id_masked}"
    );
    // Consent recorded per text, with the IP and the version read.
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM ec_consents WHERE ip <> $1 AND version = '2026-12-01'",
            ""
        )
        .await,
        2
    );
    // The person's cloud certificate: ECC (the default hierarchy), the person's name and ID.
    let cert: Value = app
        .get("/api/v1/me/person-certificate")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cert["ca"], "ecc", "{cert}");
    let subject = cert["subject"].as_str().unwrap();
    assert!(subject.contains("CN=张三"), "{subject}");
    assert!(
        subject.contains(&id_number("11010119900307123")),
        "{subject}"
    );
    assert!(
        cert["cert_pem"]
            .as_str()
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
    // The key is held sealed on the server, never in clear.
    let sealed = count(
        app,
        "SELECT COUNT(*) AS n FROM ec_person_keys WHERE key_sealed NOT LIKE '%PRIVATE KEY%' AND serial <> $1",
        "",
    )
    .await;
    assert_eq!(sealed, 1);

    let enterprise = certify(app, &company("福州云签科技有限公司", "91350100M000300Y4")).await;
    assert_eq!(enterprise["state"], "certifying");
    assert_eq!(enterprise["state_label"], "认证中");
    assert_eq!(enterprise["medium"], "cloud");
    assert_eq!(enterprise["actions"], json!(["continue", "withdraw"]));
    let order_id = enterprise["order_id"].as_str().unwrap().to_owned();
    // The desk order carries the enterprise and the applicant as operator.
    let order = desk.detail(&order_id).await;
    assert_eq!(order["product"]["code"], "econtract-org-cloud");
    assert_eq!(
        order["form"]["organisation"]["name"],
        "福州云签科技有限公司"
    );
    assert_eq!(order["form"]["person"]["name"], "张三");

    submit_order(&desk, &order_id).await;
    approve(&desk, &staff, &order_id).await;
    let id = enterprise["id"].as_str().unwrap();
    let now: Value = app
        .get(&format!("/api/v1/enterprises/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["state"], "certified", "{now}");
    assert_eq!(now["role"], "admin");
    assert_eq!(now["state_label"], "已认证");

    // The enterprise's certificate: O = name, serialNumber = credit code.
    let cert: Value = app
        .get(&format!("/api/v1/enterprises/{id}/certificate"))
        .await
        .json()
        .await
        .unwrap();
    let subject = cert["subject"].as_str().unwrap();
    assert!(subject.contains("O=福州云签科技有限公司"), "{subject}");
    assert!(
        subject.contains(now["credit_code"].as_str().unwrap()),
        "{subject}"
    );
    assert_eq!(
        Some(cert["serial"].as_str().unwrap()),
        now["certificate_serial"].as_str()
    );

    // One admin; the platform's business types copied, labour with its required fields.
    assert_eq!(
        count(app, "SELECT COUNT(*) AS n FROM ec_members WHERE enterprise_id = $1 AND role = 'admin' AND state = 'active'", id).await,
        1
    );
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM ec_business_types WHERE enterprise_id = $1",
            id
        )
        .await,
        4
    );
    let fields: String = sqlx::query(
        "SELECT required_fields FROM ec_business_types WHERE enterprise_id = $1 AND code = 'labour'",
    )
    .bind(id)
    .fetch_one(app.platform.db.pool())
    .await
    .unwrap()
    .try_get("required_fields")
    .unwrap();
    let fields: Vec<String> = serde_json::from_str(&fields).unwrap();
    assert_eq!(
        fields,
        [
            "姓名",
            "身份证号",
            "岗位",
            "月工资",
            "合同开始日期",
            "合同结束日期"
        ]
    );

    // Spaces: personal and the enterprise; the administrator lands in the enterprise.
    let spaces: Value = app.get("/api/v1/me/spaces").await.json().await.unwrap();
    assert_eq!(spaces["real_named"], true);
    assert_eq!(spaces["landing"], id);
    assert_eq!(spaces["enterprises"][0]["role"], "admin");
    let mine: Value = app
        .get("/api/v1/me/enterprises")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["actions"], json!(["change"]));

    // Certificates page: the certificate and the certification order.
    let page: Value = app
        .get(&format!("/api/v1/enterprises/{id}/certificates"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["certificates"][0]["current"], true);
    assert_eq!(page["renewal"], json!([]), "a fresh certificate is not due");
    assert_eq!(page["orders"][0]["purpose"], "certify");
    assert_eq!(page["orders"][0]["state"], "completed");
    // Nearly a year on, it is listed for renewal.
    desk.advance(350 * 24 * 3600).await;
    let page: Value = desk
        .app
        .get(&format!("/api/v1/enterprises/{id}/certificates"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["renewal"][0]["expiring"], true, "{page}");
}

#[tokio::test]
async fn a_face_check_real_names_the_person_when_the_phone_passes() {
    let desk = Desk::start().await;
    let app = &desk.app;
    let texts: Value = app
        .get("/api/v1/contracts/consent-texts")
        .await
        .json()
        .await
        .unwrap();
    let accepted: Vec<Value> = texts
        .as_array()
        .unwrap()
        .iter()
        .map(|t| json!({"document": t["document"], "version": t["version"]}))
        .collect();
    app.post("/api/v1/me/consents", json!({ "accepted": accepted }))
        .await;
    let started: Value = app
        .post(
            "/api/v1/me/real-name",
            json!({"name": "张三", "id_number": id_number("11010119900307124"), "method": "face"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(started["state"], "pending", "{started}");
    let token = started["face_url"]
        .as_str()
        .unwrap()
        .trim_start_matches("/face/")
        .to_owned();
    let status: Value = app.get("/api/v1/me/real-name").await.json().await.unwrap();
    assert!(status["person"].is_null());
    let done = app
        .post(&format!("/dev/face/{token}"), json!({"passed": true}))
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let status: Value = app.get("/api/v1/me/real-name").await.json().await.unwrap();
    assert_eq!(status["person"]["method"], "face", "{status}");
    // The link works once.
    let again = app
        .post(&format!("/dev/face/{token}"), json!({"passed": true}))
        .await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_rename_voids_every_seal_and_grant_and_certification_starts_again() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let app = &desk.app;
    real_name(app, "张三", "11010119900307123").await;
    let enterprise = certified(&desk, &staff, "福州改名科技有限公司", "91350100M000400Y4").await;
    let id = enterprise["id"].as_str().unwrap().to_owned();
    let admin: String = {
        sqlx::query("SELECT user_id FROM ec_members WHERE enterprise_id = $1")
            .bind(&id)
            .fetch_one(app.platform.db.pool())
            .await
            .unwrap()
            .try_get("user_id")
            .unwrap()
    };
    // Seals and grants as the seals part makes them (its own code is elsewhere).
    let platform = &app.platform;
    for (seal, kind) in [("s-company", "company"), ("s-rep", "legal_rep")] {
        sqlx::query(
            "INSERT INTO ec_seals (id, enterprise_id, kind, name, image_blob, image_width, image_height, source, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $3, 'blob', 10, 10, 'generated', 'active', 0, 0)",
        )
        .bind(seal)
        .bind(&id)
        .bind(kind)
        .execute(platform.db.pool())
        .await
        .unwrap();
        let mut tx = platform.db.begin().await.unwrap();
        signet_core::contracts::grants::grant(platform, &mut tx, &id, seal, &admin, &admin, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    // A new legal representative: only the legal-rep seal goes, with its grant.
    let changed = app
        .post(
            &format!("/api/v1/enterprises/{id}/change"),
            json!({"legal_rep_name": "周新法"}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["legal_rep_name_masked"], "周*法");
    assert_eq!(changed["state"], "certified");
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM ec_seals WHERE state = 'void' AND enterprise_id = $1",
            &id
        )
        .await,
        1
    );
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM ec_seal_grants WHERE revoked_at IS NULL AND seal_id = $1",
            "s-company"
        )
        .await,
        1
    );

    // A rename: every seal void, every grant revoked (by the system), certify again.
    let renamed: Value = app
        .post(
            &format!("/api/v1/enterprises/{id}/change"),
            json!({"name": "福州新名科技有限公司"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renamed["state"], "recertifying");
    assert_eq!(renamed["actions"], json!(["recertify"]));
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM ec_seals WHERE state <> 'void' AND enterprise_id = $1",
            &id
        )
        .await,
        0
    );
    assert_eq!(
        count(app, "SELECT COUNT(*) AS n FROM ec_seal_grants WHERE revoked_at IS NULL AND enterprise_id = $1", &id).await,
        0
    );
    assert_eq!(
        count(app, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'contracts.seal_revoke' AND actor = $1", "system").await,
        2
    );
    // While re-certifying, the enterprise cannot act.
    let refused = app
        .post(
            &format!("/api/v1/enterprises/{id}/change"),
            json!({"legal_rep_name": "吴法人"}),
        )
        .await;
    crate::support::problem(refused, StatusCode::CONFLICT, "enterprise_not_certified").await;

    // Restart: a new desk order under the new name; completing it certifies again.
    let restarted: Value = app
        .post(&format!("/api/v1/enterprises/{id}/recertify"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let order_id = restarted["order_id"].as_str().unwrap().to_owned();
    assert_ne!(Some(order_id.as_str()), enterprise["order_id"].as_str());
    assert_eq!(
        desk.detail(&order_id).await["form"]["organisation"]["name"],
        "福州新名科技有限公司"
    );
    let mut detail = desk.detail(&order_id).await["form"].clone();
    detail["organisation"]["legal_rep_id_number"] = json!(id_number("11010519491231002"));
    detail["organisation"]["legal_rep_phone"] = json!("13700000021");
    desk.save(&order_id, &detail).await;
    submit_order(&desk, &order_id).await;
    approve(&desk, &staff, &order_id).await;
    drain(&desk).await;
    let now: Value = app
        .get(&format!("/api/v1/enterprises/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["state"], "certified", "{now}");
    assert_ne!(now["certificate_serial"], enterprise["certificate_serial"]);
    let page: Value = app
        .get(&format!("/api/v1/enterprises/{id}/certificates"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["orders"].as_array().unwrap().len(), 2);
}

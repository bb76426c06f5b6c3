//! Key pairs, requests, certificates and login signatures through the agent.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use der::Encode;
use serde_json::{Value, json};
use signet_pki::KeyAlgorithm;
use signet_pki::csr::parse_csr;
use signet_pki::names::parse_name;
use signet_pki::signer::{Sm2Ids, verify_signature};

use super::{Requested, Running, base64, init, logged_in};
use crate::support::{USER_PIN, issue_for, softhsm};

#[test]
fn the_agent_makes_keys_writes_certificates_and_signs_challenges() {
    let Some(hsm) = softhsm() else { return };
    let serial = init(&hsm, "agent");
    let agent = Running::start(&hsm);

    let status = agent.get("/v1/status");
    assert_eq!(status.status, 200);
    assert_eq!(status.json["agent"], "signet-agent");
    assert_eq!(status.json["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(status.json["module"], hsm.module_path.display().to_string());

    let listed = agent.get("/v1/tokens");
    assert_eq!(listed.status, 200);
    let tokens = listed.json["tokens"].as_array().unwrap();
    let token = tokens.iter().find(|t| t["serial"] == serial).unwrap();
    assert_eq!(token["label"], "agent");
    assert_eq!(token["initialized"], true);
    assert_eq!(token["user_pin_locked"], false);
    assert_eq!(token["user_pin_count_low"], false);
    assert_eq!(token["model"], "SoftHSM v2");
    assert!(token["slot"].is_u64());
    assert_eq!(token["certificates"], json!([]));
    assert!(tokens.iter().any(|t| t["initialized"] == false));

    let base = format!("/v1/tokens/{serial}");
    let challenge = super::LOGIN_CHALLENGE.as_bytes();
    let subject = "CN=张三,O=测试科技有限公司,C=CN";
    let mut made_ids = Vec::new();
    for (seed, name) in (20..).zip(["ecdsa-p256", "rsa-2048"]) {
        let algorithm: KeyAlgorithm = name.parse().unwrap();
        let made = agent.post(
            &format!("{base}/keys"),
            &json!({"pin": USER_PIN, "algorithm": name, "subject_dn": subject, "label": "login"}),
        );
        assert_eq!(made.status, 201, "{}", made.json);
        assert_eq!(made.json["algorithm"], name);
        assert_eq!(made.json["label"], "login");
        let key_id = made.json["key_id"].as_str().unwrap().to_owned();
        let csr = parse_csr(&base64(&made.json["csr"])).unwrap();
        assert_eq!(csr.algorithm, algorithm);
        assert_eq!(csr.subject, parse_name(subject).unwrap());
        assert!(
            !logged_in(&hsm, &serial),
            "the agent logs out after each request"
        );

        // The platform's CA issues; the page hands the certificate back, as PEM or DER.
        let certificate = issue_for(&Requested(csr), "张三", seed);
        let der = certificate.to_der().unwrap();
        let (sent, label) = if seed == 20 {
            let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &der);
            (pem.unwrap(), json!("login certificate"))
        } else {
            (B64.encode(&der), Value::Null)
        };
        let written = agent.post(
            &format!("{base}/certificates"),
            &json!({"pin": USER_PIN, "key_id": key_id, "certificate": sent, "label": label}),
        );
        assert_eq!(written.status, 201, "{}", written.json);
        assert_eq!(written.json["key_id"], key_id.as_str());
        let expected_label = if seed == 20 {
            "login certificate"
        } else {
            "login"
        };
        assert_eq!(written.json["label"], expected_label);
        assert_eq!(base64(&written.json["der"]), der);
        let tbs = certificate.tbs_certificate();
        assert_eq!(
            written.json["serial"],
            signet_pki::serial::serial_hex(tbs.serial_number())
        );
        assert_eq!(written.json["subject"], tbs.subject().to_string());
        assert!(
            written.json["not_after"]
                .as_str()
                .unwrap()
                .starts_with("2027-11-01T"),
            "{}",
            written.json
        );

        let signed = agent.post(
            &format!("{base}/sign"),
            &json!({"pin": USER_PIN, "key_id": key_id, "challenge": B64.encode(challenge)}),
        );
        assert_eq!(signed.status, 200, "{}", signed.json);
        assert_eq!(signed.json["key_id"], key_id.as_str());
        assert_eq!(signed.json["algorithm"], name);
        let signature_algorithm = algorithm.signature_algorithm();
        assert_eq!(
            signed.json["signature_algorithm"],
            signature_algorithm.oid.to_string()
        );
        assert_eq!(base64(&signed.json["certificate"]), der);
        let public_key = tbs.subject_public_key_info();
        let signature = base64(&signed.json["signature"]);
        verify_signature(
            public_key,
            &signature_algorithm,
            challenge,
            &signature,
            Sm2Ids::EITHER,
        )
        .unwrap();
        let forged = verify_signature(
            public_key,
            &signature_algorithm,
            b"another challenge",
            &signature,
            Sm2Ids::EITHER,
        );
        assert!(forged.is_err());
        assert!(!logged_in(&hsm, &serial), "signing leaves nobody logged in");
        made_ids.push(key_id);
    }

    let listed = agent.get("/v1/tokens");
    let token = listed.json["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["serial"] == serial)
        .unwrap()
        .clone();
    let certificates = token["certificates"].as_array().unwrap();
    assert_eq!(certificates.len(), 2, "{token}");
    for id in &made_ids {
        assert!(certificates.iter().any(|c| c["key_id"] == id.as_str()));
    }

    let first_certificate = certificates
        .iter()
        .find(|c| c["key_id"] == made_ids[0].as_str())
        .unwrap()["der"]
        .clone();

    // Every signature needs the right PIN.
    let sign = |body: Value| agent.post(&format!("{base}/sign"), &body);
    let first = made_ids[0].as_str();
    let challenge = B64.encode(challenge);
    sign(json!({"pin": "9999", "key_id": first, "challenge": challenge}))
        .refused(401, "token.pin_incorrect");
    assert!(!logged_in(&hsm, &serial));
    let count_low = |agent: &Running| {
        agent.get("/v1/tokens").json["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["serial"] == serial)
            .unwrap()["user_pin_count_low"]
            .clone()
    };
    assert_eq!(
        count_low(&agent),
        true,
        "the page can warn before the PIN locks"
    );
    sign(json!({"key_id": first, "challenge": challenge})).refused(400, "agent.pin_required");
    sign(json!({"pin": "", "key_id": first, "challenge": challenge}))
        .refused(400, "agent.pin_required");
    sign(json!({"pin": USER_PIN, "key_id": "00ff", "challenge": challenge}))
        .refused(404, "token.key_not_found");
    assert_eq!(count_low(&agent), false, "a right PIN clears the warning");
    sign(json!({"pin": USER_PIN, "key_id": "xyz", "challenge": challenge}))
        .refused(400, "token.invalid_key_id");
    sign(json!({"pin": USER_PIN, "key_id": first, "challenge": "not base64!"}))
        .refused(400, "agent.bad_request");
    sign(json!({"pin": USER_PIN, "key_id": first, "challenge": challenge, "extra": 1}))
        .refused(400, "agent.bad_request");
    agent
        .post(
            "/v1/tokens/no-such-token/sign",
            &json!({"pin": USER_PIN, "key_id": first, "challenge": challenge}),
        )
        .refused(404, "token.not_found");
    let bad_dn = agent.post(
        &format!("{base}/keys"),
        &json!({"pin": USER_PIN, "algorithm": "ecdsa-p256", "subject_dn": "no equals sign"}),
    );
    assert_eq!(bad_dn.status, 400, "{}", bad_dn.json);
    agent
        .post(
            &format!("{base}/keys"),
            &json!({"pin": USER_PIN, "algorithm": "sm2", "subject_dn": subject}),
        )
        .refused(400, "token.unsupported_algorithm");
    agent
        .post(
            &format!("{base}/certificates"),
            &json!({"pin": USER_PIN, "key_id": made_ids[1], "certificate": first_certificate}),
        )
        .refused(400, "token.certificate_key_mismatch");

    // Bodies: JSON only, 64 KiB at most.
    agent
        .send(
            agent
                .client
                .post(agent.url(&format!("{base}/sign")))
                .body("pin=1234"),
        )
        .refused(415, "agent.not_json");
    agent
        .send(
            agent
                .client
                .post(agent.url(&format!("{base}/sign")))
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .refused(400, "agent.bad_request");
    let huge = "A".repeat(65 * 1024);
    sign(json!({"pin": USER_PIN, "key_id": first, "challenge": huge}))
        .refused(413, "agent.body_too_large");

    // No endpoint hands out keys; unknown paths answer JSON.
    let read_key = agent.get(&format!("{base}/keys/{first}"));
    read_key.refused(405, "agent.method_not_allowed");
    agent.get("/v1/keys").refused(404, "agent.not_found");

    // Renewal: the old pair goes once the new one is written.
    let remove = |id: &str, body: &Value| {
        agent.send(
            agent
                .client
                .delete(agent.url(&format!("{base}/keys/{id}")))
                .json(body),
        )
    };
    remove(first, &json!({})).refused(400, "agent.pin_required");
    remove(first, &json!({"pin": "0000"})).refused(401, "token.pin_incorrect");
    let removed = remove(first, &json!({"pin": USER_PIN}));
    assert_eq!(removed.status, 200, "{}", removed.json);
    assert_eq!(removed.json, json!({"key_id": first, "removed": 3}));
    remove(first, &json!({"pin": USER_PIN})).refused(404, "token.key_not_found");
    assert!(!logged_in(&hsm, &serial));
    let listed = agent.get("/v1/tokens");
    let left: Vec<&Value> = listed.json["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["certificates"].as_array().unwrap())
        .collect();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["key_id"], made_ids[1].as_str());
}

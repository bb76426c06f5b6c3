//! What a page that reaches the agent cannot make it do (finding 15): sign anything but the
//! platform's own challenges, or spend the token's PIN tries until it locks.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use signet_token::Token;
use signet_token::agent::{AgentConfig, router};

use super::{LOGIN_CHALLENGE, PLATFORM, Running, init};
use crate::support::{SO_PIN, USER_PIN, softhsm};

/// Wrong user PINs a token takes through the agent in 15 minutes.
const USER_PIN_FAILURES: usize = 3;

/// A key pair made through the agent on `serial`; its hex key id.
fn make_key(agent: &Running, serial: &str) -> String {
    let made = agent.post(
        &format!("/v1/tokens/{serial}/keys"),
        &json!({"pin": USER_PIN, "algorithm": "ecdsa-p256", "subject_dn": "CN=张三,C=CN"}),
    );
    assert_eq!(made.status, 201, "{}", made.json);
    made.json["key_id"].as_str().unwrap().to_owned()
}

fn count_low(agent: &Running, serial: &str) -> bool {
    agent.get("/v1/tokens").json["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["serial"] == serial)
        .unwrap()["user_pin_count_low"]
        .as_bool()
        .unwrap()
}

#[test]
fn finding_15_the_agent_signs_only_the_platforms_challenges() {
    let Some(hsm) = softhsm() else { return };
    let serial = init(&hsm, "agent signing");
    let agent = Running::start(&hsm);
    let key_id = make_key(&agent, &serial);
    let sign = |challenge: &[u8], purpose: Option<&str>, pin: &str| {
        let mut body = json!({"pin": pin, "key_id": key_id, "challenge": B64.encode(challenge)});
        if let Some(purpose) = purpose {
            body["purpose"] = Value::from(purpose);
        }
        agent.post(&format!("/v1/tokens/{serial}/sign"), &body)
    };

    // A document digest, another purpose, a challenge of the wrong purpose: refused, and the
    // PIN never reaches the token (a wrong one would raise its count-low flag).
    let digest = [0x5a_u8; 32];
    let contract = LOGIN_CHALLENGE.replace("signet-login", "signet-contract");
    for (challenge, purpose) in [
        (&digest[..], None),
        (b"GET / HTTP/1.1\r\nHost: bank.example\r\n\r\n", None),
        (contract.as_bytes(), None),
        (contract.as_bytes(), Some("contract")),
        (LOGIN_CHALLENGE.as_bytes(), Some("bind")),
    ] {
        let refused = sign(challenge, purpose, "9999");
        refused.refused(403, "agent.challenge_refused");
        assert!(
            refused.json["message"]
                .as_str()
                .unwrap()
                .contains("signet-login:<nonce>:<time>"),
            "{}",
            refused.json
        );
    }
    assert!(!count_low(&agent, &serial), "no PIN was tried");

    for purpose in [None, Some("login")] {
        let signed = sign(LOGIN_CHALLENGE.as_bytes(), purpose, USER_PIN);
        assert_eq!(signed.status, 200, "{}", signed.json);
    }
    let bind = LOGIN_CHALLENGE.replace("signet-login", "signet-bind");
    let signed = sign(bind.as_bytes(), Some("bind"), USER_PIN);
    assert_eq!(signed.status, 200, "{}", signed.json);
}

#[test]
fn finding_15_the_agent_rations_pin_tries_so_a_page_cannot_lock_the_token() {
    let Some(hsm) = softhsm() else { return };
    let serial = init(&hsm, "agent throttle");
    let other = init(&hsm, "agent other");
    let agent = Running::start(&hsm);
    let key_id = make_key(&agent, &serial);
    let sign = |serial: &str, pin: &str| {
        agent
            .client
            .post(agent.url(&format!("/v1/tokens/{serial}/sign")))
            .json(&json!({"pin": pin, "key_id": key_id, "challenge": B64.encode(LOGIN_CHALLENGE)}))
    };

    // 40 wrong PINs at once: the token sees three of them, the rest are refused unheard.
    let replies = agent.send_all((0..40).map(|_| sign(&serial, "9999")).collect());
    let wrong = replies.iter().filter(|r| r.status == 401).count();
    let throttled: Vec<_> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!(
        wrong, USER_PIN_FAILURES,
        "wrong PINs that reached the token"
    );
    assert_eq!(throttled.len(), 40 - USER_PIN_FAILURES);
    for reply in &throttled {
        reply.refused(429, "agent.pin_throttled");
        let wait: u64 = reply.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=900).contains(&wait), "{wait}");
    }
    // Now even the right PIN waits, on every route that takes the user PIN.
    agent
        .send(sign(&serial, USER_PIN))
        .refused(429, "agent.pin_throttled");
    agent
        .post(
            &format!("/v1/tokens/{serial}/pin"),
            &json!({"old_pin": USER_PIN, "new_pin": "24681357"}),
        )
        .refused(429, "agent.pin_throttled");
    agent
        .post(
            &format!("/v1/tokens/{serial}/keys"),
            &json!({"pin": USER_PIN, "algorithm": "ecdsa-p256", "subject_dn": "CN=x"}),
        )
        .refused(429, "agent.pin_throttled");
    // The token itself still takes the right PIN: nothing was locked.
    let token = Token::open(&hsm.module, &serial).unwrap();
    token.login_user(USER_PIN).unwrap();
    token.logout().unwrap();
    // Another token is not affected.
    let other_key = {
        let made = agent.post(
            &format!("/v1/tokens/{other}/keys"),
            &json!({"pin": USER_PIN, "algorithm": "ecdsa-p256", "subject_dn": "CN=y"}),
        );
        assert_eq!(made.status, 201, "{}", made.json);
        made.json["key_id"].as_str().unwrap().to_owned()
    };
    assert!(!other_key.is_empty());

    // One wrong SO PIN per window: the second try, even with the right SO PIN, is not made.
    let unlock = |so_pin: &str| {
        agent.post(
            &format!("/v1/tokens/{other}/unlock"),
            &json!({"so_pin": so_pin, "new_pin": "13572468"}),
        )
    };
    unlock("00000000").refused(401, "token.so_pin_incorrect");
    unlock(SO_PIN).refused(429, "agent.pin_throttled");
    let token = Token::open(&hsm.module, &other).unwrap();
    token.login_user(USER_PIN).unwrap();
    token.logout().unwrap();
}

#[test]
fn finding_15_the_agent_serves_only_an_https_platform_or_one_on_this_machine() {
    let config = |origin: &str| AgentConfig {
        listen: "127.0.0.1:7000".parse().unwrap(),
        allowed_origin: origin.into(),
        module: "/nonexistent/libvendor-pkcs11.so".into(),
    };
    for origin in [
        "http://sign.example.com",
        "http://sign.example.com:8080",
        "http://192.168.1.20:8080",
    ] {
        let error = router(config(origin)).unwrap_err();
        assert_eq!(error.code(), "agent.invalid_origin", "{origin}");
        assert!(error.to_string().contains("https://"), "{error}");
    }
    // Accepted: the module is what fails next.
    for origin in [
        "https://sign.example.com",
        PLATFORM,
        "http://localhost:5173",
    ] {
        let error = router(config(origin)).unwrap_err();
        assert_eq!(error.code(), "token.module_load", "{origin}");
    }
}

//! The producer's console initialises a blank token through the agent (issue 13), and pages
//! detect the agent by framing its hello page.

use serde_json::json;
use signet_token::PinRule;

use super::{PLATFORM, Running, init};
use crate::support::{USER_PIN, softhsm};

#[test]
fn a_blank_token_is_initialised_with_an_so_pin_the_agent_makes() {
    let Some(hsm) = softhsm() else { return };
    let agent = Running::start(&hsm);
    let slot = hsm.blank().slot.0;
    let made = agent.send(
        agent
            .client
            .post(agent.url(&format!("/v1/slots/{slot}/init")))
            .header("origin", PLATFORM)
            .json(&json!({"label": "Signet SN0001", "pin": "246810"})),
    );
    assert_eq!(made.status, 201, "{}", made.json);
    let serial = made.json["serial"].as_str().unwrap().to_owned();
    let so_pin = made.json["so_pin"].as_str().unwrap().to_owned();
    assert_eq!(made.json["label"], "Signet SN0001");
    assert_eq!(so_pin.len(), 16);
    assert!(so_pin.chars().all(|c| c.is_ascii_digit()));
    // The PINs are the ones the token now takes: the user PIN as given, the SO PIN as answered.
    // Open the token the agent made (`hsm.token` would initialise another with the same label).
    let token = signet_token::Token::open(&hsm.module, &serial).unwrap();
    assert_eq!(token.serial(), serial);
    token.login_user("246810").unwrap();
    token.logout().unwrap();
    let new = PinRule::DIGITS_1_TO_8.check("135790").unwrap();
    token.unlock_user_pin(&so_pin, &new).unwrap();

    // The same slot, initialised now, is refused: an initialisation would erase its keys.
    let again = agent.post(
        &format!("/v1/slots/{}/init", token.info().unwrap().slot.0),
        &json!({"label": "again", "pin": "1111"}),
    );
    again.refused(409, "token.already_initialized");
    token.login_user("135790").unwrap();
    token.logout().unwrap();

    // An initialised token made elsewhere is refused too; so are a missing PIN and label.
    let other = init(&hsm, "made elsewhere");
    let info = signet_token::Token::open(&hsm.module, &other)
        .unwrap()
        .info()
        .unwrap();
    assert_eq!(info.serial, other);
    agent
        .post(
            &format!("/v1/slots/{}/init", info.slot.0),
            &json!({"label": "x", "pin": "1111"}),
        )
        .refused(409, "token.already_initialized");
    signet_token::Token::open(&hsm.module, &other)
        .unwrap()
        .login_user(USER_PIN)
        .unwrap();
    let blank = hsm.blank().slot.0;
    agent
        .post(&format!("/v1/slots/{blank}/init"), &json!({"label": "x"}))
        .refused(400, "agent.pin_required");
    agent
        .post(&format!("/v1/slots/{blank}/init"), &json!({"pin": "1111"}))
        .refused(400, "agent.bad_request");
    agent
        .post(
            &format!("/v1/slots/{blank}/init"),
            &json!({"label": "x", "pin": "12ab"}),
        )
        .refused(400, "token.pin_rule");
    assert!(!hsm.blank().initialized);
    // Another site's page cannot initialise anything.
    agent
        .send(
            agent
                .client
                .post(agent.url(&format!("/v1/slots/{blank}/init")))
                .header("origin", "http://evil.example")
                .json(&json!({"label": "x", "pin": "1111"})),
        )
        .refused(403, "agent.origin_refused");
    assert!(!hsm.blank().initialized);
}

#[test]
fn the_hello_page_posts_only_to_the_platform_and_may_be_framed_only_by_it() {
    let Some(hsm) = softhsm() else { return };
    let agent = Running::start(&hsm);
    // A frame's navigation carries no Origin and, from the platform's pages, may be cross-site.
    let hello = agent.send(
        agent
            .client
            .get(agent.url("/v1/hello"))
            .header("sec-fetch-site", "cross-site")
            .header("sec-fetch-dest", "iframe"),
    );
    assert_eq!(hello.status, 200);
    assert!(
        hello
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let policy = hello.header("content-security-policy").unwrap();
    assert!(
        policy.contains(&format!("frame-ancestors {PLATFORM}")),
        "{policy}"
    );
    assert!(policy.contains("script-src 'sha256-"), "{policy}");
    // No other endpoint answers a cross-site request without an Origin.
    agent
        .send(
            agent
                .client
                .get(agent.url("/v1/status"))
                .header("sec-fetch-site", "cross-site"),
        )
        .refused(403, "agent.cross_site");
    // The page's script names the platform as the message's only recipient.
    let page = agent.text("/v1/hello");
    assert!(page.contains(&format!("\"{PLATFORM}\")")), "{page}");
    assert!(page.contains("\"agent\":\"signet-agent\""), "{page}");
}

//! Self-service unlock (LIFE-5) and finding 7: an SMS code to the bound phone buys a one-time
//! unlock code bound to the key agent's redeemer; only the agent holding the redeemer's secret
//! redeems it, for the token it names only, for the SO PIN kept sealed since production, hands
//! over a new SO PIN and confirms it: every unlock rotates the SO PIN. Every failure to prove
//! a redemption gets the same answer.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use signet_core::platform::crypto::sha256_hex;

use super::support::{Desk, usb_certificate};
use crate::support::{phone, problem};

/// The SO PIN `usb_certificate` produced the token with.
const PRODUCED_SO_PIN: &str = "1234567890123456";

/// What the key agent makes before the page asks for a code: a secret it keeps, and the
/// redeemer (its SHA-256) the page passes on.
struct Agent {
    secret: String,
    redeemer: String,
}

impl Agent {
    fn new(seed: u8) -> Self {
        let secret = format!("{seed:02x}").repeat(32);
        Self {
            redeemer: sha256_hex(secret.as_bytes()),
            secret,
        }
    }
}

/// The key agent's calls: no session, no cookies.
async fn agent_post(desk: &Desk, path: &str, body: &Value) -> Response {
    crate::support::new_client()
        .post(desk.app.url(path))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn redeem(desk: &Desk, code: &str, token: &str, secret: &str, new_so_pin: &str) -> Response {
    agent_post(
        desk,
        &format!("/api/v1/token-unlock/{code}"),
        &json!({"token_serial": token, "redeemer_secret": secret, "new_so_pin": new_so_pin}),
    )
    .await
}

async fn confirm(desk: &Desk, code: &str, token: &str, secret: &str) -> Response {
    agent_post(
        desk,
        &format!("/api/v1/token-unlock/{code}/confirm"),
        &json!({"token_serial": token, "redeemer_secret": secret}),
    )
    .await
}

/// The answer to a redemption that does not prove itself; always the same body.
async fn expired(response: Response) -> Value {
    problem(response, StatusCode::BAD_REQUEST, "link_expired").await
}

/// The holder, signed in, proves the bound phone and gets an unlock code for `agent`.
async fn authorise(desk: &Desk, serial: &str, agent: &Agent) -> String {
    // Past the SMS resend gap of any earlier code.
    desk.app.advance_clock(61).await;
    let sent = desk
        .app
        .post(
            &format!("/api/v1/certificates/{serial}/unlock-code"),
            json!({}),
        )
        .await;
    assert_eq!(sent.status(), StatusCode::OK);
    let code = desk.app.inbox_code(&phone(50_000_001)).await;
    let granted = desk
        .app
        .post(
            &format!("/api/v1/certificates/{serial}/unlock-authorisation"),
            json!({"sms_code": code, "redeemer": agent.redeemer}),
        )
        .await;
    assert_eq!(granted.status(), StatusCode::OK);
    let granted: Value = granted.json().await.unwrap();
    assert_eq!(granted["token_serial"], "TOKEN-1");
    granted["unlock_code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn finding_7_only_the_agent_that_asked_redeems_the_code_and_the_so_pin_rotates() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let (_, cert) = usb_certificate(&desk, &staff, 8).await;
    let serial = &cert.serial;
    let agent = Agent::new(7);

    // A code is only given for an agent's redeemer.
    let sent = desk
        .app
        .post(
            &format!("/api/v1/certificates/{serial}/unlock-code"),
            json!({}),
        )
        .await;
    assert_eq!(sent.status(), StatusCode::OK);
    let sms = desk.app.inbox_code(&phone(50_000_001)).await;
    let authorise_path = format!("/api/v1/certificates/{serial}/unlock-authorisation");
    let not_hex = "g".repeat(64);
    for redeemer in ["", "not-a-hash", not_hex.as_str(), &agent.redeemer[..63]] {
        let refused = problem(
            desk.app
                .post(
                    &authorise_path,
                    json!({"sms_code": sms, "redeemer": redeemer}),
                )
                .await,
            StatusCode::BAD_REQUEST,
            "invalid_field",
        )
        .await;
        assert_eq!(refused["field"], "redeemer", "{refused}");
    }
    let code = authorise(&desk, serial, &agent).await;

    // Whoever sees the code but lacks the secret, or names another token, or guesses a code,
    // gets one answer, and the code stays good for the agent.
    let new_so_pin = "24681357902468";
    let answers = [
        expired(redeem(&desk, &code, "TOKEN-1", &Agent::new(8).secret, new_so_pin).await).await,
        expired(redeem(&desk, &code, "TOKEN-1", &agent.redeemer, new_so_pin).await).await,
        expired(redeem(&desk, &code, "TOKEN-1", "", new_so_pin).await).await,
        expired(redeem(&desk, &code, "OTHER-TOKEN", &agent.secret, new_so_pin).await).await,
        expired(redeem(&desk, "000000000000", "TOKEN-1", &agent.secret, new_so_pin).await).await,
        expired(confirm(&desk, &code, "TOKEN-1", &agent.secret).await).await,
    ];
    for answer in &answers[1..] {
        assert_eq!(answer, &answers[0], "every failure looks the same");
    }
    // The old body (the code alone) redeems nothing.
    let old = agent_post(
        &desk,
        &format!("/api/v1/token-unlock/{code}"),
        &json!({"token_serial": "TOKEN-1"}),
    )
    .await;
    assert_eq!(old.status(), StatusCode::BAD_REQUEST);

    // The agent: current SO PIN out, new SO PIN pending; then confirmed.
    let redeemed = redeem(&desk, &code, "TOKEN-1", &agent.secret, new_so_pin).await;
    assert_eq!(redeemed.status(), StatusCode::OK);
    let body: Value = redeemed.json().await.unwrap();
    assert_eq!(body["so_pin"], PRODUCED_SO_PIN);
    expired(redeem(&desk, &code, "TOKEN-1", &agent.secret, new_so_pin).await).await;
    expired(confirm(&desk, &code, "TOKEN-1", &Agent::new(8).secret).await).await;
    expired(confirm(&desk, &code, "OTHER-TOKEN", &agent.secret).await).await;
    let confirmed = confirm(&desk, &code, "TOKEN-1", &agent.secret).await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    expired(confirm(&desk, &code, "TOKEN-1", &agent.secret).await).await;

    // The next unlock hands out the SO PIN the agent set: it was rotated.
    let next = Agent::new(9);
    let code = authorise(&desk, serial, &next).await;
    let redeemed = redeem(&desk, &code, "TOKEN-1", &next.secret, "13572468013579").await;
    assert_eq!(redeemed.status(), StatusCode::OK);
    let body: Value = redeemed.json().await.unwrap();
    assert_eq!(body["so_pin"], new_so_pin);
    // Not confirmed (the token did not take it): the rotated SO PIN stays the token's.
    let again = Agent::new(10);
    let code = authorise(&desk, serial, &again).await;
    // A new SO PIN equal to the current one, or none, is refused to the proven agent only.
    for bad in ["", new_so_pin] {
        problem(
            redeem(&desk, &code, "TOKEN-1", &again.secret, bad).await,
            StatusCode::BAD_REQUEST,
            "invalid_field",
        )
        .await;
    }
    let redeemed = redeem(&desk, &code, "TOKEN-1", &again.secret, "11223344556677").await;
    let body: Value = redeemed.json().await.unwrap();
    assert_eq!(body["so_pin"], new_so_pin);

    // Another user cannot ask for a code.
    let mut stranger = desk.app.clone_signed_out().await;
    stranger.register(&phone(50_000_005), "stranger2").await;
    problem(
        stranger
            .post(
                &format!("/api/v1/certificates/{serial}/unlock-code"),
                json!({}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn finding_7_a_code_is_redeemed_and_confirmed_once_under_40_parallel_tries() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let (_, cert) = usb_certificate(&desk, &staff, 10).await;
    let agent = Agent::new(11);
    let code = authorise(&desk, &cert.serial, &agent).await;
    let client = crate::support::new_client();
    let redeem_url = desk.app.url(&format!("/api/v1/token-unlock/{code}"));
    let mut tries = tokio::task::JoinSet::new();
    for n in 0..40_u64 {
        let request = client.post(&redeem_url).json(&json!({
            "token_serial": "TOKEN-1",
            "redeemer_secret": agent.secret,
            "new_so_pin": format!("{}", 90_000_000_000_000 + n),
        }));
        tries.spawn(async move { request.send().await.unwrap().status() });
    }
    let statuses = tries.join_all().await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::BAD_REQUEST)
        .count();
    assert_eq!((ok, refused), (1, 39), "{statuses:?}");
    let confirm_url = desk
        .app
        .url(&format!("/api/v1/token-unlock/{code}/confirm"));
    let mut confirms = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let request = client.post(&confirm_url).json(&json!({
            "token_serial": "TOKEN-1",
            "redeemer_secret": agent.secret,
        }));
        confirms.spawn(async move { request.send().await.unwrap().status() });
    }
    let statuses = confirms.join_all().await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{statuses:?}");
}

#[tokio::test]
async fn finding_7_staff_approved_unlock_order_completes_when_the_agent_confirms() {
    let desk = Desk::start().await;
    let staff = desk.staff().await;
    let (_, cert) = usb_certificate(&desk, &staff, 9).await;
    let approved =
        super::support::usb_business_approved(&desk, &staff, &cert.serial, "unlock").await;
    // Unlocking costs nothing: no payment was asked, and the order went from review to waiting.
    assert_eq!(approved["amount_fen"], 0);
    let order_id = approved["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/orders/{order_id}/unlock-authorisation");
    // Only an approved unlock order gets a code: the order that produced the key does not.
    let produced = desk
        .app
        .get("/api/v1/orders?status=finished")
        .await
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "new")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let agent = Agent::new(12);
    problem(
        desk.app
            .post(
                &format!("/api/v1/orders/{produced}/unlock-authorisation"),
                json!({"redeemer": agent.redeemer}),
            )
            .await,
        StatusCode::CONFLICT,
        "order_state",
    )
    .await;
    assert_eq!(approved["state"], "awaiting_unlock");
    // Without the agent's redeemer there is no code.
    assert_eq!(
        desk.app.post(&path, json!({})).await.status(),
        StatusCode::BAD_REQUEST
    );
    let granted: Value = desk
        .app
        .post(&path, json!({"redeemer": agent.redeemer}))
        .await
        .json()
        .await
        .unwrap();
    let code = granted["unlock_code"].as_str().unwrap();
    let redeemed = redeem(&desk, code, "TOKEN-1", &agent.secret, "97531864209753").await;
    let answer: Value = redeemed.json().await.unwrap();
    assert_eq!(answer["so_pin"], PRODUCED_SO_PIN);
    // Redeemed is not done: the order waits for the token to take the new SO PIN.
    assert_eq!(desk.detail(&order_id).await["state"], "awaiting_unlock");
    let confirmed = confirm(&desk, code, "TOKEN-1", &agent.secret).await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert_eq!(desk.detail(&order_id).await["state"], "completed");
}

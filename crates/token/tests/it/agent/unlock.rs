//! Unlocking with a code from the platform (finding 7): the page asks the agent for a redeemer,
//! the agent redeems the code at the platform itself, unlocks the token and replaces its SO
//! PIN, and confirms. A stand-in platform plays the server's side (its real side is tested in
//! `crates/server/tests/it/desk/unlock.rs`); no PIN ever reaches the page.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use sha2::Digest as _;
use signet_token::{PinRule, Token};

use super::{Running, init};
use crate::support::{SO_PIN, USER_PIN, softhsm};

const CODE: &str = "123456789012";

/// What the stand-in platform knows and saw.
#[derive(Default)]
struct Platform {
    /// The redeemer the page passed on with its request for a code.
    redeemer: Option<String>,
    token_serial: String,
    so_pin: String,
    pending: Option<String>,
    redeemed: bool,
    redeem_calls: usize,
    confirm_calls: usize,
    /// Answer 503 to every confirmation.
    confirm_fails: bool,
}

type Shared = Arc<Mutex<Platform>>;

fn refused() -> (StatusCode, Json<Value>) {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({
            "code": "link_expired",
            "message": {"zh-CN": "链接已失效", "en": "The link has expired"},
        })),
    )
}

fn proves(platform: &Platform, code: &str, body: &Value) -> bool {
    let secret = body["redeemer_secret"].as_str().unwrap_or_default();
    let hash = hex(&sha2::Sha256::digest(secret.as_bytes()));
    code == CODE
        && platform.redeemer.as_deref() == Some(hash.as_str())
        && body["token_serial"] == platform.token_serial.as_str()
}

async fn redeem(
    State(platform): State<Shared>,
    Path(code): Path<String>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let mut platform = platform.lock().unwrap();
    platform.redeem_calls += 1;
    if !proves(&platform, &code, &body) || platform.redeemed {
        return refused();
    }
    platform.redeemed = true;
    platform.pending = body["new_so_pin"].as_str().map(str::to_owned);
    (StatusCode::OK, Json(json!({"so_pin": platform.so_pin})))
}

async fn confirm(
    State(platform): State<Shared>,
    Path(code): Path<String>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let mut platform = platform.lock().unwrap();
    platform.confirm_calls += 1;
    if platform.confirm_fails {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({})));
    }
    if !proves(&platform, &code, &body) {
        return refused();
    }
    let Some(pending) = platform.pending.take() else {
        return refused();
    };
    platform.so_pin = pending;
    (StatusCode::OK, Json(json!({"ok": true})))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        write!(out, "{b:02x}").unwrap();
        out
    })
}

/// The agent, started for a stand-in platform that holds `so_pin` for the token `serial`.
fn start(hsm: &crate::support::SoftHsm, serial: &str, so_pin: &str) -> (Running, Shared) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let agent = Running::start_for(hsm, &origin);
    let platform: Shared = Arc::new(Mutex::new(Platform {
        token_serial: serial.to_owned(),
        so_pin: so_pin.to_owned(),
        ..Platform::default()
    }));
    let app = Router::new()
        .route("/api/v1/token-unlock/{code}", post(redeem))
        .route("/api/v1/token-unlock/{code}/confirm", post(confirm))
        .with_state(Arc::clone(&platform));
    agent.runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        axum::serve(listener, app).await.unwrap();
    });
    (agent, platform)
}

/// The page: asks the agent for a redeemer and hands it to the platform with its request for a
/// code (which the stand-in grants as [`CODE`]).
fn ask_for_code(agent: &Running, platform: &Shared, serial: &str) {
    let made = agent.send(
        agent
            .client
            .post(agent.url(&format!("/v1/tokens/{serial}/unlock-redeemer")))
            .header("origin", agent.origin.as_str()),
    );
    assert_eq!(made.status, 200, "{}", made.json);
    let redeemer = made.json["redeemer"].as_str().unwrap().to_owned();
    assert_eq!(redeemer.len(), 64);
    assert!(redeemer.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(made.json["expires_in"], 1800);
    let mut platform = platform.lock().unwrap();
    platform.redeemer = Some(redeemer);
    platform.redeemed = false;
}

fn unlock(agent: &Running, serial: &str, body: &Value) -> super::Reply {
    agent.send(
        agent
            .client
            .post(agent.url(&format!("/v1/tokens/{serial}/unlock")))
            .header("origin", agent.origin.as_str())
            .json(body),
    )
}

/// Whether `so_pin` is the token's SO PIN (it resets the user PIN to [`USER_PIN`] to find out).
fn so_pin_is(hsm: &crate::support::SoftHsm, serial: &str, so_pin: &str) -> bool {
    let token = Token::open(&hsm.module, serial).unwrap();
    let user_pin = PinRule::DIGITS_1_TO_8.check(USER_PIN).unwrap();
    match token.unlock_user_pin(so_pin, &user_pin) {
        Ok(()) => true,
        Err(error) if error.code() == "token.so_pin_incorrect" => false,
        Err(error) => panic!("{error}"),
    }
}

#[test]
fn finding_7_the_agent_redeems_the_code_itself_and_replaces_the_so_pin() {
    let Some(hsm) = softhsm() else { return };
    let serial = init(&hsm, "agent unlock");
    let (agent, platform) = start(&hsm, &serial, SO_PIN);

    // No redeemer asked for this token yet: nothing to redeem with, and the platform is not
    // called.
    unlock(
        &agent,
        &serial,
        &json!({"unlock_code": CODE, "new_pin": "13572468"}),
    )
    .refused(409, "agent.no_redeemer");
    unlock(
        &agent,
        &serial,
        &json!({"unlock_code": "12/../x", "new_pin": "13572468"}),
    )
    .refused(400, "agent.bad_request");
    unlock(
        &agent,
        &serial,
        &json!({"unlock_code": CODE, "so_pin": SO_PIN, "new_pin": "13572468"}),
    )
    .refused(400, "agent.bad_request");
    assert_eq!(platform.lock().unwrap().redeem_calls, 0);

    ask_for_code(&agent, &platform, &serial);
    // A bad new PIN is refused before the code is spent.
    unlock(
        &agent,
        &serial,
        &json!({"unlock_code": CODE, "new_pin": "12ab"}),
    )
    .refused(400, "token.pin_rule");
    assert_eq!(platform.lock().unwrap().redeem_calls, 0);

    let unlocked = unlock(
        &agent,
        &serial,
        &json!({"unlock_code": CODE, "new_pin": "13572468"}),
    );
    assert_eq!(unlocked.status, 200, "{}", unlocked.json);
    // The page learns that it worked, and nothing else.
    assert_eq!(unlocked.json, json!({"ok": true, "so_pin_rotated": true}));
    let token = Token::open(&hsm.module, &serial).unwrap();
    token.login_user("13572468").unwrap();
    token.logout().unwrap();
    let new_so_pin = {
        let platform = platform.lock().unwrap();
        assert_eq!((platform.redeem_calls, platform.confirm_calls), (1, 1));
        assert!(platform.pending.is_none(), "confirmed");
        platform.so_pin.clone()
    };
    assert_eq!(new_so_pin.len(), 16);
    assert!(new_so_pin.bytes().all(|b| b.is_ascii_digit()));
    assert!(!so_pin_is(&hsm, &serial, SO_PIN), "the old SO PIN is dead");
    assert!(
        so_pin_is(&hsm, &serial, &new_so_pin),
        "the platform holds the new one"
    );

    // The secret went with the code; a new redeemer with a spent code: the platform's refusal.
    unlock(
        &agent,
        &serial,
        &json!({"unlock_code": CODE, "new_pin": "24681357"}),
    )
    .refused(409, "agent.no_redeemer");
    ask_for_code(&agent, &platform, &serial);
    platform.lock().unwrap().redeemed = true;
    let spent = unlock(
        &agent,
        &serial,
        &json!({"unlock_code": CODE, "new_pin": "24681357"}),
    );
    spent.refused(400, "agent.unlock_code_refused");
    assert!(
        spent.json["message"]
            .as_str()
            .unwrap()
            .contains("link_expired"),
        "{}",
        spent.json
    );
}

#[test]
fn finding_7_the_agent_keeps_the_so_pin_right_when_the_platform_cannot_be_told() {
    let Some(hsm) = softhsm() else { return };
    let serial = init(&hsm, "agent unconfirmed");
    let (agent, platform) = start(&hsm, &serial, SO_PIN);
    platform.lock().unwrap().confirm_fails = true;
    ask_for_code(&agent, &platform, &serial);
    let unlocked = unlock(
        &agent,
        &serial,
        &json!({"unlock_code": CODE, "new_pin": "13572468"}),
    );
    assert_eq!(unlocked.status, 200, "{}", unlocked.json);
    assert_eq!(unlocked.json, json!({"ok": true, "so_pin_rotated": false}));
    assert_eq!(platform.lock().unwrap().confirm_calls, 3, "retried");
    let token = Token::open(&hsm.module, &serial).unwrap();
    token.login_user("13572468").unwrap();
    token.logout().unwrap();
    assert!(
        so_pin_is(&hsm, &serial, SO_PIN),
        "the old SO PIN was put back"
    );

    // A platform whose SO PIN is wrong costs the token one SO PIN try, not more: the next
    // unlock is held back before the code is even spent.
    {
        let mut platform = platform.lock().unwrap();
        platform.confirm_fails = false;
        platform.so_pin = "00000000".into();
        platform.redeem_calls = 0;
        platform.confirm_calls = 0;
    }
    ask_for_code(&agent, &platform, &serial);
    unlock(
        &agent,
        &serial,
        &json!({"unlock_code": CODE, "new_pin": "13572468"}),
    )
    .refused(401, "token.so_pin_incorrect");
    ask_for_code(&agent, &platform, &serial);
    platform.lock().unwrap().redeemed = false;
    unlock(
        &agent,
        &serial,
        &json!({"unlock_code": CODE, "new_pin": "13572468"}),
    )
    .refused(429, "agent.pin_throttled");
    let platform = platform.lock().unwrap();
    assert_eq!((platform.redeem_calls, platform.confirm_calls), (1, 0));
    assert!(so_pin_is(&hsm, &serial, SO_PIN));
}

//! The user PIN through the agent: change and unlock.

use serde_json::{Value, json};
use signet_token::Token;

use super::{Running, init, logged_in};
use crate::support::{SO_PIN, USER_PIN, softhsm};

#[test]
fn the_agent_changes_and_unlocks_the_user_pin() {
    let Some(hsm) = softhsm() else { return };
    let serial = init(&hsm, "agent pins");
    let agent = Running::start(&hsm);
    let change = |body: Value| agent.post(&format!("/v1/tokens/{serial}/pin"), &body);
    let unlock = |body: Value| agent.post(&format!("/v1/tokens/{serial}/unlock"), &body);

    change(json!({"new_pin": "24681357"})).refused(400, "agent.pin_required");
    change(json!({"old_pin": USER_PIN})).refused(400, "agent.pin_required");
    change(json!({"old_pin": USER_PIN, "new_pin": "12ab"})).refused(400, "token.pin_rule");
    // SoftHSM2 wants 4 digits at least: the rule narrows to the token.
    change(json!({"old_pin": USER_PIN, "new_pin": "123"})).refused(400, "token.pin_rule");
    change(json!({"old_pin": USER_PIN, "new_pin": "123456789"})).refused(400, "token.pin_rule");
    change(json!({"old_pin": "0000", "new_pin": "24681357"})).refused(401, "token.pin_incorrect");
    let changed = change(json!({"old_pin": USER_PIN, "new_pin": "24681357"}));
    assert_eq!(changed.status, 200, "{}", changed.json);
    assert_eq!(changed.json, json!({"ok": true}));
    let token = Token::open(&hsm.module, &serial).unwrap();
    assert_eq!(
        token.login_user(USER_PIN).unwrap_err().code(),
        "token.pin_incorrect"
    );
    token.login_user("24681357").unwrap();
    token.logout().unwrap();

    unlock(json!({"new_pin": "13572468"})).refused(400, "agent.pin_required");
    unlock(json!({"so_pin": SO_PIN, "new_pin": "x"})).refused(400, "token.pin_rule");
    let unlocked = unlock(json!({"so_pin": SO_PIN, "new_pin": "13572468"}));
    assert_eq!(unlocked.status, 200, "{}", unlocked.json);
    token.login_user("13572468").unwrap();
    token.logout().unwrap();
    assert!(!logged_in(&hsm, &serial));
    // One wrong SO PIN, and the agent tries no other for a while (finding 15).
    unlock(json!({"so_pin": "00000000", "new_pin": "13572468"}))
        .refused(401, "token.so_pin_incorrect");
    unlock(json!({"so_pin": SO_PIN, "new_pin": "13572468"})).refused(429, "agent.pin_throttled");
    agent
        .post(
            "/v1/tokens/no-such-token/pin",
            &json!({"old_pin": "13572468", "new_pin": "1234"}),
        )
        .refused(404, "token.not_found");
}

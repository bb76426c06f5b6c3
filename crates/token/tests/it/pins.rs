//! User PIN: wrong tries, change, unlock with the SO PIN, and what SoftHSM2 does about lockout.

use signet_pki::KeyAlgorithm;
use signet_token::{PinRule, Token};

use crate::support::{SO_PIN, USER_PIN, softhsm};

#[test]
fn a_wrong_pin_is_told_apart_and_flagged() {
    let Some(hsm) = softhsm() else { return };
    let token = hsm.token("wrong pin");
    token.logout().unwrap();
    let error = token.login_user("9999").unwrap_err();
    assert_eq!(error.code(), "token.pin_incorrect");
    assert!(error.to_string().starts_with("wrong PIN"), "{error}");
    assert!(!token.is_logged_in().unwrap());
    let info = token.info().unwrap();
    assert!(info.user_pin_count_low, "{info:?}");
    token.login_user(USER_PIN).unwrap();
    assert!(!token.info().unwrap().user_pin_count_low);
}

/// SoftHSM2 never locks the user PIN: `Token::loginUser` sets `CKF_USER_PIN_COUNT_LOW` on a
/// wrong PIN and clears it on a right one, and never answers `CKR_PIN_LOCKED`. Real tokens lock
/// after a vendor-set number of tries; the lock path is covered by the unit tests of the error
/// mapping and by `login_user` refusing a token whose flags say locked.
#[test]
fn softhsm_does_not_lock_the_user_pin() {
    let Some(hsm) = softhsm() else { return };
    let token = hsm.token("no lockout");
    token.logout().unwrap();
    for _ in 0..12 {
        assert_eq!(
            token.login_user("0000").unwrap_err().code(),
            "token.pin_incorrect"
        );
    }
    let info = token.info().unwrap();
    assert!(
        !info.user_pin_locked && !info.user_pin_final_try,
        "{info:?}"
    );
    token.login_user(USER_PIN).unwrap();
}

#[test]
fn the_user_pin_is_changed_with_the_old_one() {
    let Some(hsm) = softhsm() else { return };
    let token = hsm.token("change pin");
    let rule = PinRule::DIGITS_1_TO_8.within(&token.info().unwrap());
    assert_eq!(rule.min_length(), 4);
    assert_eq!(rule.max_length(), 8);
    // The rule refuses before the token is asked.
    assert_eq!(rule.check("123").unwrap_err().code(), "token.pin_rule");
    assert_eq!(rule.check("12ab").unwrap_err().code(), "token.pin_rule");

    let new = rule.check("24681357").unwrap();
    let error = token.change_user_pin("0000", &new).unwrap_err();
    assert_eq!(error.code(), "token.pin_incorrect");
    token.change_user_pin(USER_PIN, &new).unwrap();
    token.logout().unwrap();
    assert_eq!(
        token.login_user(USER_PIN).unwrap_err().code(),
        "token.pin_incorrect"
    );
    token.login_user("24681357").unwrap();

    // A rule looser than the token: the token's refusal names its limits.
    let short = PinRule::DIGITS_1_TO_8.check("12").unwrap();
    let error = token.change_user_pin("24681357", &short).unwrap_err();
    assert_eq!(error.code(), "token.pin_length");
    assert!(error.to_string().contains("4 to 255"), "{error}");
}

#[test]
fn the_so_pin_sets_a_new_user_pin() {
    let Some(hsm) = softhsm() else { return };
    let token = hsm.token("unlock");
    let id = token.random_key_id().unwrap();
    token
        .generate_key_pair(KeyAlgorithm::EcdsaP256, &id, "kept")
        .unwrap();
    let rule = PinRule::DIGITS_1_TO_8.within(&token.info().unwrap());
    let new = rule.check("13572468").unwrap();

    let error = token.unlock_user_pin("00000000", &new).unwrap_err();
    assert_eq!(error.code(), "token.so_pin_incorrect");
    // The user PIN is still the old one.
    token.login_user(USER_PIN).unwrap();

    token.unlock_user_pin(SO_PIN, &new).unwrap();
    assert!(
        !token.is_logged_in().unwrap(),
        "unlock leaves the user logged out"
    );
    assert_eq!(
        token.login_user(USER_PIN).unwrap_err().code(),
        "token.pin_incorrect"
    );
    token.login_user("13572468").unwrap();
    // The keys survive: only the PIN changed.
    assert!(token.key(&id).is_ok());

    // Another session sees the new PIN too.
    let other = Token::open(&hsm.module, "unlock").unwrap();
    other.logout().unwrap();
    other.login_user("13572468").unwrap();
}

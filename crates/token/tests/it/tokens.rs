//! Listing, initialising and opening tokens.

use signet_token::{PinRule, Token};

use crate::support::{SO_PIN, USER_PIN, softhsm};

#[test]
fn tokens_are_listed_initialised_and_found_by_serial_or_label() {
    let Some(hsm) = softhsm() else { return };
    let blank = hsm.blank();
    assert!(!blank.initialized && !blank.user_pin_initialized);
    assert_eq!(blank.manufacturer, "SoftHSM project");

    let pin = PinRule::DIGITS_1_TO_8.check(USER_PIN).unwrap();
    let info = hsm
        .module
        .init_token(blank.slot, SO_PIN, "签名钥匙 1", &pin)
        .unwrap();
    assert!(info.initialized && info.user_pin_initialized);
    assert_eq!(info.label, "签名钥匙 1");
    assert!(!info.serial.is_empty());
    assert!(!info.user_pin_locked && !info.user_pin_count_low);
    assert!(info.min_pin_length >= 1 && info.max_pin_length >= 8);
    // SoftHSM2 renumbers the slot and offers a new blank token.
    let tokens = hsm.module.tokens().unwrap();
    assert!(
        tokens
            .iter()
            .any(|t| t.serial == info.serial && t.initialized)
    );
    assert!(tokens.iter().any(|t| !t.initialized));

    assert_eq!(hsm.module.find_token(&info.serial).unwrap(), info);
    assert_eq!(hsm.module.find_token("签名钥匙 1").unwrap(), info);
    let token = Token::open(&hsm.module, &info.serial).unwrap();
    assert_eq!(token.serial(), info.serial);
    assert!(!token.is_logged_in().unwrap());
    token.login_user(USER_PIN).unwrap();
    assert!(token.is_logged_in().unwrap());
    // Logging in twice is fine, but the PIN is checked each time.
    token.login_user(USER_PIN).unwrap();
    assert!(token.is_logged_in().unwrap());
    let error = token.login_user("0000").unwrap_err();
    assert_eq!(error.code(), "token.pin_incorrect");
    assert!(!token.is_logged_in().unwrap());
    token.login_user(USER_PIN).unwrap();
    // Logging out twice is fine.
    token.logout().unwrap();
    token.logout().unwrap();
    assert!(!token.is_logged_in().unwrap());

    let again = hsm
        .module
        .init_token(info.slot, SO_PIN, "erase me", &pin)
        .unwrap_err();
    assert_eq!(again.code(), "token.already_initialized");
    assert!(again.to_string().contains("erase its keys"));

    let missing = Token::open(&hsm.module, "no such token").unwrap_err();
    assert_eq!(missing.code(), "token.not_found");
    assert!(
        missing.to_string().contains("plug the token in"),
        "{missing}"
    );
    // The blank token has no serial and no label: nothing names it.
    assert_eq!(
        Token::open(&hsm.module, "").unwrap_err().code(),
        "token.not_found"
    );
    let long = hsm
        .module
        .init_token(hsm.blank().slot, SO_PIN, "测试科技有限公司测试科技", &pin)
        .unwrap_err();
    assert_eq!(long.code(), "token.invalid_label");

    // Two tokens with one label: only the serial tells them apart.
    let second = hsm
        .module
        .init_token(hsm.blank().slot, SO_PIN, "签名钥匙 1", &pin)
        .unwrap();
    assert_ne!(second.serial, info.serial);
    let ambiguous = Token::open(&hsm.module, "签名钥匙 1").unwrap_err();
    assert_eq!(ambiguous.code(), "token.ambiguous");
    assert_eq!(
        Token::open(&hsm.module, &second.serial).unwrap().serial(),
        second.serial
    );
}

#[test]
fn a_missing_module_says_what_to_do() {
    let error = signet_token::Module::load("/nonexistent/libvendor-pkcs11.so").unwrap_err();
    assert_eq!(error.code(), "token.module_load");
    assert!(
        error
            .to_string()
            .contains("/nonexistent/libvendor-pkcs11.so")
    );
}

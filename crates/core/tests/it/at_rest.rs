//! Personal data is sealed at rest: the database never holds a phone, email or name in clear.

use signet_core::platform::accounts::{RegisterInput, create_verified};
use sqlx::Row as _;

use crate::platform;

#[tokio::test]
async fn phones_emails_and_names_are_not_stored_in_clear() {
    let t = platform().await;
    let input = RegisterInput {
        login_name: "atrest".into(),
        real_name: "王小明".into(),
        email: "wang.xiaoming@example.com".into(),
        password: "Secret#2026".into(),
    };
    let user = create_verified(&t.platform, "13912345678", &input)
        .await
        .unwrap();
    assert_eq!(user.phone_masked, "139****5678");
    let row = sqlx::query("SELECT * FROM users")
        .fetch_one(t.platform.db.pool())
        .await
        .unwrap();
    let mut stored = String::new();
    for column in [
        "phone_sealed",
        "email_sealed",
        "real_name_sealed",
        "phone_index",
        "email_index",
        "password_hash",
    ] {
        stored.push_str(&row.try_get::<String, _>(column).unwrap());
    }
    for secret in ["13912345678", "wang.xiaoming", "王小明", "Secret#2026"] {
        assert!(!stored.contains(secret), "{secret} stored in clear");
    }
    let hash: String = row.try_get("password_hash").unwrap();
    assert!(hash.starts_with("$argon2id$"));
    // Creating the same phone again is idempotent.
    let again = create_verified(&t.platform, "139 1234 5678", &input)
        .await
        .unwrap();
    assert_eq!(again.id, user.id);
}

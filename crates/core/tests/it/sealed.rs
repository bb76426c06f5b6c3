//! Finding 16: sealed values are bound to their row and column, values of the first (unbound)
//! format are re-sealed bound at start, and CA keys are kept in an authenticated format that
//! older keys are rewritten into.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead as _, KeyInit as _};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use signet_core::Platform;
use signet_core::ca::{IssueRequest, KEY_PURPOSE, init_hierarchies, issue, rekey};
use signet_core::platform::accounts::{RegisterInput, UserView, create_verified, find_by_id};
use signet_pki::keystore::{KeyEncryptionKey, KeyLocation, SoftwareKeyStore, StoredKey};
use sqlx::Row as _;

use crate::{TestPlatform, platform};

async fn user(p: &Platform, phone: &str, name: &str) -> UserView {
    let input = RegisterInput {
        login_name: name.into(),
        real_name: "王小明".into(),
        email: format!("{name}@example.com"),
        password: "Secret#2026".into(),
    };
    create_verified(p, phone, &input).await.unwrap()
}

async fn column(p: &Platform, sql: &str, id: &str) -> String {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(id)
        .fetch_one(p.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

#[tokio::test]
async fn finding_16_a_sealed_value_copied_to_another_row_does_not_open() {
    let t = platform().await;
    let p = &t.platform;
    let victim = user(p, "13912345678", "victim").await;
    let intruder = user(p, "13987654321", "intruder").await;
    let victims_phone = column(
        p,
        "SELECT phone_sealed FROM users WHERE id = $1",
        &victim.id,
    )
    .await;
    sqlx::query("UPDATE users SET phone_sealed = $1 WHERE id = $2")
        .bind(&victims_phone)
        .bind(&intruder.id)
        .execute(p.db.pool())
        .await
        .unwrap();
    let error = find_by_id(p, &intruder.id).await.unwrap_err().to_string();
    assert!(
        error.contains(&format!("users.phone_sealed of row {}", intruder.id)),
        "{error}"
    );
    assert!(error.contains("sealed for another row"), "{error}");
    // The same value in another column of its own row is refused too.
    sqlx::query("UPDATE users SET email_sealed = $1 WHERE id = $2")
        .bind(&victims_phone)
        .bind(&victim.id)
        .execute(p.db.pool())
        .await
        .unwrap();
    let error = find_by_id(p, &victim.id).await.unwrap_err().to_string();
    assert!(error.contains("users.email_sealed"), "{error}");
}

/// A value as the first format sealed it: XChaCha20-Poly1305 with no associated data.
fn legacy_seal(p: &Platform, plain: &str) -> String {
    let key = p.derive_key("signet/field-encryption/v1").unwrap();
    let aead = XChaCha20Poly1305::new_from_slice(&key).unwrap();
    let nonce = [7u8; 24];
    let mut blob = nonce.to_vec();
    blob.extend(
        aead.encrypt(&XNonce::from(nonce), plain.as_bytes())
            .unwrap(),
    );
    format!("v1.{}", URL_SAFE_NO_PAD.encode(blob))
}

#[tokio::test]
async fn finding_16_legacy_sealed_values_are_bound_at_the_next_start() {
    let t = platform().await;
    let p = &t.platform;
    let account = user(p, "13912345678", "legacy").await;
    sqlx::query("UPDATE users SET phone_sealed = $1 WHERE id = $2")
        .bind(legacy_seal(p, "13912345678"))
        .bind(&account.id)
        .execute(p.db.pool())
        .await
        .unwrap();
    // Unbound values are refused by the running code ...
    let error = find_by_id(p, &account.id).await.unwrap_err().to_string();
    assert!(error.contains("format v1"), "{error}");
    // ... and rewritten bound to their row by the next start of a data directory that has not
    // been upgraded yet.
    sqlx::query("DELETE FROM platform_upgrades")
        .execute(p.db.pool())
        .await
        .unwrap();
    let restarted = Platform::open(&t.config).await.unwrap();
    let sealed = column(
        &restarted,
        "SELECT phone_sealed FROM users WHERE id = $1",
        &account.id,
    )
    .await;
    assert!(sealed.starts_with("v2."), "{sealed}");
    let found = find_by_id(&restarted, &account.id).await.unwrap().unwrap();
    assert_eq!(found.phone, "13912345678");
    let upgraded: i64 = sqlx::query("SELECT COUNT(*) AS n FROM platform_upgrades")
        .fetch_one(restarted.db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert_eq!(upgraded, 1);
}

fn ca_store(p: &Platform) -> SoftwareKeyStore {
    SoftwareKeyStore::new(KeyEncryptionKey::new(p.derive_key(KEY_PURPOSE).unwrap()))
}

async fn stored_key(p: &Platform, name: &str) -> (StoredKey, String) {
    let row = sqlx::query(
        "SELECT key_algorithm, sm2_id, key_encrypted FROM ca_authorities WHERE name = $1",
    )
    .bind(name)
    .fetch_one(p.db.pool())
    .await
    .unwrap();
    let text: String = row.try_get("key_encrypted").unwrap();
    let key = StoredKey {
        algorithm: row
            .try_get::<String, _>("key_algorithm")
            .unwrap()
            .parse()
            .unwrap(),
        sm2_id: row.try_get("sm2_id").unwrap(),
        location: KeyLocation::Software {
            encrypted_pkcs8_der: STANDARD.decode(&text).unwrap(),
        },
    };
    (key, text)
}

async fn set_key(p: &Platform, name: &str, bytes: &[u8]) {
    sqlx::query("UPDATE ca_authorities SET key_encrypted = $1 WHERE name = $2")
        .bind(STANDARD.encode(bytes))
        .bind(name)
        .execute(p.db.pool())
        .await
        .unwrap();
}

async fn issue_operator(p: &Platform) -> Result<String, signet_core::CoreError> {
    issue(
        p,
        &IssueRequest {
            ca: "ecc",
            profile: "operator",
            subject: "CN=王五,O=Signet 测试,C=CN",
            csr: None,
            actor: "tester",
        },
    )
    .await
    .map(|issued| issued.serial)
}

async fn with_ca() -> TestPlatform {
    let t = platform().await;
    init_hierarchies(&t.platform, "http://127.0.0.1:8080")
        .await
        .unwrap();
    t
}

#[tokio::test]
async fn finding_16_legacy_ca_keys_open_and_are_rewritten() {
    let t = with_ca().await;
    let p = &t.platform;
    // Put the issuing CA's key back in the format keys had before (PBES2, PBKDF2 + CBC).
    let store = ca_store(p);
    let (current, _) = stored_key(p, "ecc").await;
    let clear = store.unwrap_key(&current).unwrap();
    let legacy = store.wrap_legacy(&clear, &mut crate::ca::rng()).unwrap();
    let KeyLocation::Software {
        encrypted_pkcs8_der,
    } = &legacy.location
    else {
        panic!("software key")
    };
    set_key(p, "ecc", encrypted_pkcs8_der).await;
    // A new process still signs with it, then rewrites it once.
    let node = Platform::open(&t.config).await.unwrap();
    issue_operator(&node).await.unwrap();
    assert_eq!(rekey(&node).await.unwrap(), ["ecc"]);
    assert!(rekey(&node).await.unwrap().is_empty());
    let (rewritten, _) = stored_key(&node, "ecc").await;
    let KeyLocation::Software {
        encrypted_pkcs8_der,
    } = &rewritten.location
    else {
        panic!("software key")
    };
    assert!(encrypted_pkcs8_der.starts_with(b"SGNK"));
    let fresh = Platform::open(&t.config).await.unwrap();
    issue_operator(&fresh).await.unwrap();
    assert_eq!(fresh.audit.verify(&fresh.db).await.unwrap().problem, None);
}

#[tokio::test]
async fn finding_16_a_changed_ca_key_is_refused() {
    let t = with_ca().await;
    let p = &t.platform;
    let (current, _) = stored_key(p, "ecc").await;
    let KeyLocation::Software {
        encrypted_pkcs8_der,
    } = &current.location
    else {
        panic!("software key")
    };
    let mut changed = encrypted_pkcs8_der.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x01;
    set_key(p, "ecc", &changed).await;
    let node = Platform::open(&t.config).await.unwrap();
    let error = issue_operator(&node).await.unwrap_err().to_string();
    assert!(error.contains("pki.key_decryption"), "{error}");
    // Relabelling the key's algorithm beside it is refused as well.
    set_key(p, "ecc", encrypted_pkcs8_der).await;
    sqlx::query("UPDATE ca_authorities SET sm2_id = 'x' WHERE name = 'ecc'")
        .execute(p.db.pool())
        .await
        .unwrap();
    let node = Platform::open(&t.config).await.unwrap();
    assert!(issue_operator(&node).await.is_err());
}

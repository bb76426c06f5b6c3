//! Test fixtures (feature `testing`): a real-named person and a certified enterprise with its
//! administrator, written straight into the tables, so seal tests need not walk the whole
//! certification through the desk. The certificates are placeholders under a placeholder CA.
#![expect(
    clippy::panic,
    reason = "a fixture that cannot be written fails the test loudly"
)]

use crate::Platform;
use crate::platform::clock::Clock as _;
use crate::platform::crypto::SealedAt;

const FIXTURE_CA: &str = "fixture-ca";

/// A placeholder certificate row (serial returned) for seals to be bound to.
pub async fn certificate(platform: &Platform, subject: &str) -> String {
    let now = platform.clock.now();
    let serial = uuid::Uuid::new_v4().simple().to_string();
    sqlx::query(
        "INSERT INTO ca_authorities (name, family, role, serial, subject, not_before, not_after, \
           certificate_der, key_algorithm, sm2_id, key_encrypted, public_url, created_at) \
         VALUES ($1, 'ecc', 'fixture', '01', 'CN=Fixture CA', $2, $3, '', 'ecdsa-p256', '', '', \
           'http://127.0.0.1', $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(FIXTURE_CA)
    .bind(now)
    .bind(now + 86_400 * 365)
    .execute(platform.db.pool())
    .await
    .unwrap_or_else(|e| panic!("fixture CA: {e}"));
    sqlx::query(
        "INSERT INTO ca_certificates (serial, ca_name, profile, subject, key_algorithm, not_before, \
           not_after, status, certificate_der, created_at) \
         VALUES ($1, $2, 'fixture', $3, 'ecdsa-p256', $4, $5, 'active', '', $4)",
    )
    .bind(&serial)
    .bind(FIXTURE_CA)
    .bind(subject)
    .bind(now)
    .bind(now + 86_400 * 365)
    .execute(platform.db.pool())
    .await
    .unwrap_or_else(|e| panic!("fixture certificate: {e}"));
    serial
}

/// Makes `user_id` a real-named person called `name`, with a personal certificate.
pub async fn real_named(platform: &Platform, user_id: &str, name: &str) {
    let now = platform.clock.now();
    let serial = certificate(platform, &format!("CN={name}")).await;
    let cipher = &platform.cipher;
    let id_number = format!("ID-{user_id}");
    sqlx::query(
        "INSERT INTO ec_persons (user_id, name_sealed, name_masked, id_index, id_sealed, id_masked, \
           method, certificate_serial, verified_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, '1101**********0000', 'face', $6, $7, $7)",
    )
    .bind(user_id)
    .bind(
        cipher
            .seal(SealedAt::new("ec_persons", "name_sealed", user_id), name)
            .unwrap_or_default(),
    )
    .bind(masked(name))
    .bind(cipher.blind_index("id_number", &id_number))
    .bind(
        cipher
            .seal(SealedAt::new("ec_persons", "id_sealed", user_id), &id_number)
            .unwrap_or_default(),
    )
    .bind(&serial)
    .bind(now)
    .execute(platform.db.pool())
    .await
    .unwrap_or_else(|e| panic!("fixture person: {e}"));
}

/// A certified enterprise with its certificate, `admin` as its administrator; returns its id.
pub async fn certified_enterprise(
    platform: &Platform,
    admin: &str,
    name: &str,
    credit_code: &str,
    legal_rep: &str,
) -> String {
    let now = platform.clock.now();
    let id = uuid::Uuid::new_v4().to_string();
    let serial = certificate(platform, &format!("O={name}")).await;
    sqlx::query(
        "INSERT INTO ec_enterprises (id, name, credit_code, legal_rep_name_sealed, \
           legal_rep_name_masked, state, applicant_user_id, certificate_serial, medium, \
           certified_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'certified', $6, $7, 'cloud', $8, $8, $8)",
    )
    .bind(&id)
    .bind(name)
    .bind(credit_code)
    .bind(
        platform
            .cipher
            .seal(
                SealedAt::new("ec_enterprises", "legal_rep_name_sealed", &id),
                legal_rep,
            )
            .unwrap_or_default(),
    )
    .bind(masked(legal_rep))
    .bind(admin)
    .bind(&serial)
    .bind(now)
    .execute(platform.db.pool())
    .await
    .unwrap_or_else(|e| panic!("fixture enterprise: {e}"));
    member(platform, &id, admin, "admin").await;
    id
}

/// Adds `user_id` to the enterprise as an active member with `role`.
pub async fn member(platform: &Platform, enterprise_id: &str, user_id: &str, role: &str) {
    let now = platform.clock.now();
    sqlx::query(
        "INSERT INTO ec_members (enterprise_id, user_id, role, state, created_at, updated_at) \
         VALUES ($1, $2, $3, 'active', $4, $4)",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .bind(role)
    .bind(now)
    .execute(platform.db.pool())
    .await
    .unwrap_or_else(|e| panic!("fixture member: {e}"));
}

/// 张* style: the first character, the rest starred.
fn masked(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().into_iter().chain(chars.map(|_| '*')).collect()
}

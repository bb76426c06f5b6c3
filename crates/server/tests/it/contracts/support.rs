//! Fixtures of the e-contract wing: a real-named person, a certified enterprise with its
//! administrator and business types, and seals, inserted directly. They stand in for the real
//! flows (real-name authentication, certification through the desk, seal creation) and are kept
//! here, in one place, so they can be swapped for those flows.

use serde_json::Value;
use signet_core::Platform;
use signet_core::platform::accounts::{RegisterInput, create_verified};
use signet_core::platform::clock::Clock as _;
use signet_core::platform::crypto::SealedAt;
use signet_core::platform::mask;
use sqlx::Row as _;

use crate::support::{TestApp, phone};

/// Marks the account as real-named with this name and ID number.
pub async fn real_name(platform: &Platform, user_id: &str, name: &str, id_number: &str) {
    let c = &platform.cipher;
    let now = platform.clock.now();
    let masked_name = format!("{}*", name.chars().next().unwrap());
    sqlx::query(
        "INSERT INTO ec_persons (user_id, name_sealed, name_masked, id_index, id_sealed, id_masked, method, verified_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'carrier3', $7, $7)",
    )
    .bind(user_id)
    .bind(c.seal(SealedAt::new("ec_persons", "name_sealed", user_id), name).unwrap())
    .bind(masked_name)
    .bind(c.blind_index("id_number", id_number))
    .bind(c.seal(SealedAt::new("ec_persons", "id_sealed", user_id), id_number).unwrap())
    .bind(mask::identifier(id_number))
    .bind(now)
    .execute(platform.db.pool())
    .await
    .unwrap();
}

/// An ID number unique per tail (the check character is not checked here).
pub fn id_number(tail: u32) -> String {
    format!("1101011990{tail:08}")
}

/// A second signed-in person on the same server, registered and (when `name` is given)
/// real-named; returns the client and the user id.
pub async fn person(app: &TestApp, tail: u32, name: Option<&str>) -> (TestApp, String) {
    let mut other = app.clone_signed_out().await;
    let user = other.register(&phone(tail), &format!("person{tail}")).await;
    let id = user["id"].as_str().unwrap().to_owned();
    if let Some(name) = name {
        real_name(&app.platform, &id, name, &id_number(tail)).await;
    }
    (other, id)
}

/// An account without a session (for members who never act in a test), real-named.
pub async fn silent_person(platform: &Platform, tail: u32) -> String {
    let input = RegisterInput {
        login_name: format!("silent{tail}"),
        real_name: "赵六".into(),
        email: format!("silent{tail}@example.com"),
        password: crate::support::PASSWORD.into(),
    };
    let id = create_verified(platform, &phone(tail), &input)
        .await
        .unwrap()
        .id;
    real_name(platform, &id, "赵六", &id_number(tail)).await;
    id
}

pub struct Enterprise {
    pub id: String,
    /// Business type ids: 劳动合同, 劳务派遣合同.
    pub labour: String,
    pub dispatch: String,
    /// Seal ids: the company seal, the contract seal.
    pub company_seal: String,
    pub contract_seal: String,
}

/// A certified enterprise with `admin` as its administrator, the two demo business types and two
/// active seals. `state` other than `certified` makes an enterprise still being certified.
pub async fn enterprise(
    platform: &Platform,
    admin: &str,
    name: &str,
    code: &str,
    legal_rep: &str,
    state: &str,
) -> Enterprise {
    let c = &platform.cipher;
    let now = platform.clock.now();
    let id = new_id();
    sqlx::query(
        "INSERT INTO ec_enterprises (id, name, credit_code, legal_rep_name_sealed, legal_rep_name_masked, state, \
         applicant_user_id, medium, certified_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'cloud', $8, $8, $8)",
    )
    .bind(&id)
    .bind(name)
    .bind(code)
    .bind(c.seal(SealedAt::new("ec_enterprises", "legal_rep_name_sealed", &id), legal_rep).unwrap())
    .bind(format!("{}*", legal_rep.chars().next().unwrap()))
    .bind(state)
    .bind(admin)
    .bind(now)
    .execute(platform.db.pool())
    .await
    .unwrap();
    if state == "certified" {
        add_member(platform, &id, admin, "admin").await;
    }
    let labour = business_type(platform, &id, "labour", "劳动合同").await;
    let dispatch = business_type(platform, &id, "dispatch", "劳务派遣合同").await;
    let company_seal = seal(platform, &id, "company", &format!("{name}公章"), "active").await;
    let contract_seal = seal(
        platform,
        &id,
        "contract",
        &format!("{name}合同专用章"),
        "active",
    )
    .await;
    Enterprise {
        id,
        labour,
        dispatch,
        company_seal,
        contract_seal,
    }
}

pub async fn add_member(platform: &Platform, enterprise_id: &str, user_id: &str, role: &str) {
    let now = platform.clock.now();
    sqlx::query(
        "INSERT INTO ec_members (enterprise_id, user_id, role, state, decided_at, created_at, updated_at) \
         VALUES ($1, $2, $3, 'active', $4, $4, $4)",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .bind(role)
    .bind(now)
    .execute(platform.db.pool())
    .await
    .unwrap();
}

/// Gives the member `user_id` the business type `business_type_id` (what the administrator's
/// member form does), directly in the table.
pub async fn hold_business_type(
    platform: &Platform,
    enterprise_id: &str,
    user_id: &str,
    business_type_id: &str,
) {
    sqlx::query(
        "INSERT INTO ec_member_business_types (enterprise_id, user_id, business_type_id, granted_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .bind(business_type_id)
    .bind(platform.clock.now())
    .execute(platform.db.pool())
    .await
    .unwrap();
}

/// Grants `seal` to `user_id` (by `by`, without expiry) through the grants module.
pub async fn grant_seal(
    platform: &Platform,
    enterprise_id: &str,
    seal: &str,
    user_id: &str,
    by: &str,
) {
    let mut tx = platform.db.begin().await.unwrap();
    signet_core::contracts::grants::grant(
        platform,
        &mut tx,
        enterprise_id,
        seal,
        user_id,
        by,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

pub async fn business_type(
    platform: &Platform,
    enterprise_id: &str,
    code: &str,
    name: &str,
) -> String {
    let id = new_id();
    sqlx::query(
        "INSERT INTO ec_business_types (id, enterprise_id, code, name, name_en, required_fields, active, created_at) \
         VALUES ($1, $2, $3, $4, $3, '[]', 1, $5)",
    )
    .bind(&id)
    .bind(enterprise_id)
    .bind(code)
    .bind(name)
    .bind(platform.clock.now())
    .execute(platform.db.pool())
    .await
    .unwrap();
    id
}

pub async fn seal(
    platform: &Platform,
    enterprise_id: &str,
    kind: &str,
    name: &str,
    state: &str,
) -> String {
    let id = new_id();
    let now = platform.clock.now();
    sqlx::query(
        "INSERT INTO ec_seals (id, enterprise_id, kind, name, image_blob, image_width, image_height, source, state, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, 'fixture', 240, 240, 'generated', $5, $6, $6)",
    )
    .bind(&id)
    .bind(enterprise_id)
    .bind(kind)
    .bind(name)
    .bind(state)
    .bind(now)
    .execute(platform.db.pool())
    .await
    .unwrap();
    id
}

/// One number from the database.
pub async fn count(platform: &Platform, sql: &str, binds: &[&str]) -> i64 {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for bind in binds {
        query = query.bind(*bind);
    }
    query
        .fetch_one(platform.db.pool())
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

/// Everything about the enterprise's people, to compare before and after a refusal.
pub async fn snapshot(platform: &Platform, enterprise_id: &str) -> Value {
    let mut out = Vec::new();
    for sql in [
        "SELECT user_id || ':' || role || ':' || state AS v FROM ec_members WHERE enterprise_id = $1 ORDER BY user_id",
        "SELECT user_id || ':' || business_type_id AS v FROM ec_member_business_types WHERE enterprise_id = $1 ORDER BY user_id, business_type_id",
        "SELECT user_id || ':' || seal_id || ':' || COALESCE(CAST(revoked_at AS TEXT), 'open') AS v FROM ec_seal_grants WHERE enterprise_id = $1 ORDER BY id",
        "SELECT name || ':' || CAST(active AS TEXT) AS v FROM ec_business_types WHERE enterprise_id = $1 ORDER BY name",
    ] {
        let rows = sqlx::query(sql)
            .bind(enterprise_id)
            .fetch_all(platform.db.pool())
            .await
            .unwrap();
        out.push(Value::from(
            rows.iter()
                .map(|r| r.try_get::<String, _>("v").unwrap())
                .collect::<Vec<_>>(),
        ));
    }
    Value::from(out)
}

fn new_id() -> String {
    signet_core::platform::random::Random.token().unwrap()
}

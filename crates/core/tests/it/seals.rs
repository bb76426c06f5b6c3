//! Seals (ES-12, ES-14): enterprise seals drawn, uploaded, replaced, disabled and granted;
//! personal name seals and handwriting; every refusal changes nothing; the unique rules hold
//! under 40 requests at once.
#![expect(clippy::too_many_lines, reason = "scenarios read top to bottom")]

use image::{Rgba, RgbaImage};
use signet_core::contracts::grants;
use signet_core::contracts::seals::enterprise::manage::{self, Artwork};
use signet_core::contracts::seals::enterprise::{self};
use signet_core::contracts::seals::fixture;
use signet_core::contracts::seals::{personal, png};
use signet_core::platform::accounts::{RegisterInput, UserView, create_verified};
use signet_core::platform::clock::Clock as _;
use signet_core::{CoreError, Platform, PlatformError};
use sqlx::Row as _;

use crate::platform;

async fn user(p: &Platform, tail: u32, name: &str) -> UserView {
    let input = RegisterInput {
        login_name: name.into(),
        real_name: "王小明".into(),
        email: format!("{name}@example.com"),
        password: "Secret#2026".into(),
    };
    create_verified(p, &format!("139{tail:08}"), &input)
        .await
        .unwrap()
}

fn code(error: &CoreError) -> &'static str {
    error.describe().code
}

async fn count(p: &Platform, sql: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(p.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

async fn audit_count(p: &Platform, action: &str) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(p.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

/// A transparent PNG with a red blot in the middle.
fn blot(width: u32, height: u32) -> Vec<u8> {
    let mut image = RgbaImage::new(width, height);
    for x in width / 4..width * 3 / 4 {
        for y in height / 4..height * 3 / 4 {
            image.put_pixel(x, y, Rgba([220, 0, 0, 255]));
        }
    }
    png::encode(&image).unwrap().bytes
}

struct World {
    enterprise: String,
    admin: String,
    member: String,
    outsider: String,
    other_enterprise: String,
}

async fn world(p: &Platform) -> World {
    let admin = user(p, 1, "admin").await.id;
    let member = user(p, 2, "member").await.id;
    let outsider = user(p, 3, "outsider").await.id;
    fixture::real_named(p, &admin, "张三").await;
    fixture::real_named(p, &member, "李四").await;
    fixture::real_named(p, &outsider, "王五").await;
    let enterprise = fixture::certified_enterprise(
        p,
        &admin,
        "河南豫云签数字科技有限公司",
        "91350100M000100Y43",
        "赵六",
    )
    .await;
    fixture::member(p, &enterprise, &member, "member").await;
    let other_enterprise =
        fixture::certified_enterprise(p, &outsider, "另一家公司", "91110000MA00000000", "钱七")
            .await;
    World {
        enterprise,
        admin,
        member,
        outsider,
        other_enterprise,
    }
}

#[tokio::test]
async fn enterprise_seals_are_drawn_bound_to_the_certificate_and_granted() {
    let t = platform().await;
    let p = &t.platform;
    let w = world(p).await;
    let types = enterprise::seal_types(p).await.unwrap();
    let codes: Vec<_> = types.iter().map(|t| t.code.as_str()).collect();
    assert_eq!(codes, ["company", "contract", "legal_rep", "date"]);

    let company = manage::create(p, &w.enterprise, &w.admin, "company", Artwork::Generated)
        .await
        .unwrap();
    let certificate: String =
        sqlx::query("SELECT certificate_serial FROM ec_enterprises WHERE id = $1")
            .bind(&w.enterprise)
            .fetch_one(p.db.pool())
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
    assert_eq!(
        company.seal.certificate_serial.as_deref(),
        Some(certificate.as_str())
    );
    assert_eq!(
        (company.seal.kind.as_str(), company.seal.source.as_str()),
        ("company", "generated")
    );
    assert_eq!(company.seal.state, "active");
    let created = manage::ensure_default_seals(p, &w.enterprise, &w.admin)
        .await
        .unwrap();
    let kinds: Vec<_> = created.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["contract", "legal_rep", "date"],
        "the company seal existed"
    );
    assert!(
        manage::ensure_default_seals(p, &w.enterprise, &w.admin)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(audit_count(p, manage::CREATE).await, 4);

    // Members see the seals and their images; the images are transparent PNGs.
    let seals = enterprise::list(p, &w.enterprise, &w.member).await.unwrap();
    assert_eq!(seals.len(), 4);
    assert!(seals.iter().all(|s| s.grants.is_empty() && !s.usable));
    for seal in &seals {
        let image = enterprise::image(p, &w.enterprise, &seal.seal.id, &w.member)
            .await
            .unwrap();
        let decoded = image::load_from_memory(&image.png).unwrap().to_rgba8();
        assert_eq!(decoded.get_pixel(0, 0).0[3], 0);
        assert_eq!(i64::from(decoded.width()), seal.seal.width);
    }
    let legal_rep = seals.iter().find(|s| s.seal.kind == "legal_rep").unwrap();
    assert_eq!((legal_rep.seal.width, legal_rep.seal.height), (240, 240));

    // A grant with an expiry: usable until then, listed for managers.
    let now = p.clock.now();
    let granted = enterprise::grant(
        p,
        &w.enterprise,
        &company.seal.id,
        &w.admin,
        &w.member,
        Some(now + 3600),
    )
    .await
    .unwrap();
    assert_eq!(granted.grants.len(), 1);
    assert_eq!(granted.grants[0].user_id, w.member);
    assert!(
        grants::may_use(p, &w.enterprise, &company.seal.id, &w.member)
            .await
            .unwrap()
    );
    let mine = enterprise::get(p, &w.enterprise, &company.seal.id, &w.member)
        .await
        .unwrap();
    assert!(
        mine.usable && mine.grants.is_empty(),
        "members do not see the grant list"
    );
    p.clock.advance(3601);
    assert!(
        !grants::may_use(p, &w.enterprise, &company.seal.id, &w.member)
            .await
            .unwrap()
    );
    let listed = enterprise::get(p, &w.enterprise, &company.seal.id, &w.admin)
        .await
        .unwrap();
    assert!(listed.grants[0].expired);
    let revoked = enterprise::revoke(p, &w.enterprise, &company.seal.id, &w.admin, &w.member)
        .await
        .unwrap();
    assert!(revoked.grants.is_empty());
    assert_eq!(audit_count(p, grants::GRANT).await, 1);
    assert_eq!(audit_count(p, grants::REVOKE).await, 1);

    // Disable, enable, replace: the seal keeps its id; the image changes.
    let disabled = manage::set_enabled(p, &w.enterprise, &company.seal.id, &w.admin, false)
        .await
        .unwrap();
    assert_eq!(disabled.seal.state, "disabled");
    let enabled = manage::set_enabled(p, &w.enterprise, &company.seal.id, &w.admin, true)
        .await
        .unwrap();
    assert_eq!(enabled.seal.state, "active");
    let replaced = manage::replace_image(
        p,
        &w.enterprise,
        &company.seal.id,
        &w.admin,
        Artwork::Uploaded(&blot(300, 300)),
    )
    .await
    .unwrap();
    assert_eq!(replaced.seal.source, "uploaded");
    assert_eq!(
        (replaced.seal.width, replaced.seal.height),
        (158, 158),
        "trimmed to the ink"
    );
    assert_ne!(replaced.seal.image_version, company.seal.image_version);
    assert_eq!(audit_count(p, manage::REPLACE).await, 1);
}

#[tokio::test]
async fn seal_refusals_change_nothing() {
    let t = platform().await;
    let p = &t.platform;
    let w = world(p).await;
    let company = manage::create(p, &w.enterprise, &w.admin, "company", Artwork::Generated)
        .await
        .unwrap();
    let foreign = manage::create(
        p,
        &w.other_enterprise,
        &w.outsider,
        "company",
        Artwork::Generated,
    )
    .await
    .unwrap();
    let seals_before = count(p, "SELECT COUNT(*) FROM ec_seals").await;
    let audit_before = count(p, "SELECT COUNT(*) FROM audit_log").await;
    let e = &w.enterprise;

    // A member manages nothing.
    let refused = manage::create(p, e, &w.member, "contract", Artwork::Generated)
        .await
        .unwrap_err();
    assert_eq!(code(&refused), "role_required");
    let refused = manage::set_enabled(p, e, &company.seal.id, &w.member, false)
        .await
        .unwrap_err();
    assert_eq!(code(&refused), "role_required");
    let refused = enterprise::grant(p, e, &company.seal.id, &w.member, &w.member, None)
        .await
        .unwrap_err();
    assert_eq!(code(&refused), "role_required");
    assert_eq!(
        code(&enterprise::grantees(p, e, &w.member).await.unwrap_err()),
        "role_required"
    );

    // Outsiders and other enterprises' seals: not found, in every route.
    assert!(matches!(
        enterprise::list(p, e, &w.outsider).await,
        Err(CoreError::Platform(PlatformError::NotFound))
    ));
    assert!(matches!(
        enterprise::image(p, e, &company.seal.id, &w.outsider).await,
        Err(CoreError::Platform(PlatformError::NotFound))
    ));
    assert!(matches!(
        enterprise::image(p, e, &foreign.seal.id, &w.admin).await,
        Err(CoreError::Platform(PlatformError::NotFound))
    ));
    assert!(matches!(
        manage::set_enabled(p, e, &foreign.seal.id, &w.admin, false).await,
        Err(CoreError::Platform(PlatformError::NotFound))
    ));
    assert!(matches!(
        manage::replace_image(p, e, &foreign.seal.id, &w.admin, Artwork::Generated).await,
        Err(CoreError::Platform(PlatformError::NotFound))
    ));
    assert!(matches!(
        enterprise::grant(p, e, &foreign.seal.id, &w.admin, &w.member, None).await,
        Err(CoreError::Platform(PlatformError::NotFound))
    ));
    assert!(matches!(
        enterprise::revoke(p, e, &foreign.seal.id, &w.admin, &w.member).await,
        Err(CoreError::Platform(PlatformError::NotFound))
    ));
    assert!(matches!(
        enterprise::grant(p, e, &company.seal.id, &w.admin, &w.outsider, None).await,
        Err(CoreError::Platform(PlatformError::NotFound))
    ));
    assert!(matches!(
        manage::create(p, e, &w.outsider, "contract", Artwork::Generated).await,
        Err(CoreError::Platform(PlatformError::NotFound))
    ));
    assert!(matches!(
        manage::create(p, e, &w.admin, "no_such_type", Artwork::Generated).await,
        Err(CoreError::Platform(PlatformError::NotFound))
    ));

    // A second company seal; bad uploads.
    assert_eq!(
        code(
            &manage::create(p, e, &w.admin, "company", Artwork::Generated)
                .await
                .unwrap_err()
        ),
        "seal_exists"
    );
    let admin = &w.admin;
    let upload = |bytes: Vec<u8>| async move {
        manage::create(p, e, admin, "contract", Artwork::Uploaded(&bytes))
            .await
            .unwrap_err()
    };
    assert_eq!(
        code(&upload(b"%PDF-1.7 not an image".to_vec()).await),
        "seal_image_not_png"
    );
    let mut jpeg_named_png = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg_named_png.extend_from_slice(&[0; 100]);
    assert_eq!(code(&upload(jpeg_named_png).await), "seal_image_not_png");
    let mut opaque = Vec::new();
    image::RgbImage::new(50, 50)
        .write_to(
            &mut std::io::Cursor::new(&mut opaque),
            image::ImageFormat::Png,
        )
        .unwrap();
    assert_eq!(code(&upload(opaque).await), "seal_image_not_transparent");
    let mut heavy = blot(20, 20);
    heavy.resize(png::MAX_BYTES + 1, 0);
    assert_eq!(code(&upload(heavy).await), "too_large");

    // A disabled seal is not granted; nor a void one.
    manage::set_enabled(p, e, &company.seal.id, &w.admin, false)
        .await
        .unwrap();
    let after_disable = count(p, "SELECT COUNT(*) FROM audit_log").await;
    assert_eq!(
        code(
            &enterprise::grant(p, e, &company.seal.id, &w.admin, &w.member, None)
                .await
                .unwrap_err()
        ),
        "seal_unusable"
    );
    assert_eq!(
        code(
            &manage::set_enabled(p, e, &company.seal.id, &w.admin, false)
                .await
                .unwrap_err()
        ),
        "seal_state"
    );
    sqlx::query("UPDATE ec_seals SET state = 'void' WHERE id = $1")
        .bind(&company.seal.id)
        .execute(p.db.pool())
        .await
        .unwrap();
    assert_eq!(
        code(
            &enterprise::grant(p, e, &company.seal.id, &w.admin, &w.member, None)
                .await
                .unwrap_err()
        ),
        "seal_unusable"
    );
    assert_eq!(
        code(
            &manage::set_enabled(p, e, &company.seal.id, &w.admin, true)
                .await
                .unwrap_err()
        ),
        "seal_state"
    );
    assert_eq!(
        code(
            &manage::replace_image(p, e, &company.seal.id, &w.admin, Artwork::Generated)
                .await
                .unwrap_err()
        ),
        "seal_state"
    );

    assert_eq!(
        count(p, "SELECT COUNT(*) FROM ec_seals").await,
        seals_before
    );
    assert_eq!(count(p, "SELECT COUNT(*) FROM ec_seal_grants").await, 0);
    assert_eq!(
        after_disable,
        audit_before + 1,
        "only the disabling was logged"
    );
    assert_eq!(
        count(p, "SELECT COUNT(*) FROM audit_log").await,
        after_disable
    );
}

#[tokio::test]
async fn an_enterprise_without_a_certificate_gets_no_seals() {
    let t = platform().await;
    let p = &t.platform;
    let w = world(p).await;
    sqlx::query("UPDATE ec_enterprises SET certificate_serial = NULL WHERE id = $1")
        .bind(&w.enterprise)
        .execute(p.db.pool())
        .await
        .unwrap();
    let refused = manage::create(p, &w.enterprise, &w.admin, "company", Artwork::Generated)
        .await
        .unwrap_err();
    assert_eq!(code(&refused), "seal_no_certificate");
    sqlx::query("UPDATE ec_enterprises SET state = 'recertifying' WHERE id = $1")
        .bind(&w.enterprise)
        .execute(p.db.pool())
        .await
        .unwrap();
    let refused = manage::create(p, &w.enterprise, &w.admin, "company", Artwork::Generated)
        .await
        .unwrap_err();
    assert_eq!(code(&refused), "enterprise_not_certified");
    assert_eq!(count(p, "SELECT COUNT(*) FROM ec_seals").await, 0);
}

#[tokio::test]
async fn personal_name_seal_is_drawn_once_and_handwriting_replaces_the_last() {
    let t = platform().await;
    let p = &t.platform;
    let w = world(p).await;
    let seals = personal::list(p, &w.member).await.unwrap();
    assert_eq!(seals.len(), 1);
    let name = &seals[0];
    assert_eq!(
        (name.kind.as_str(), name.source.as_str()),
        ("name", "generated")
    );
    assert!(name.certificate_serial.is_some() && name.enterprise_id.is_none());
    assert_eq!(
        personal::list(p, &w.member).await.unwrap(),
        seals,
        "drawn once"
    );
    let image = personal::image(p, &w.member, &name.id).await.unwrap();
    assert!(image.png.starts_with(b"\x89PNG"));

    // Handwriting: trimmed, stored as captured, the previous one voided.
    let first = personal::store_handwriting(p, &w.member, &blot(400, 200))
        .await
        .unwrap();
    assert_eq!(
        (first.kind.as_str(), first.source.as_str()),
        ("handwriting", "captured")
    );
    assert_eq!((first.width, first.height), (208, 108));
    let second = personal::store_handwriting(p, &w.member, &blot(100, 100))
        .await
        .unwrap();
    let active = personal::list(p, &w.member).await.unwrap();
    let ids: Vec<_> = active.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, [name.id.as_str(), second.id.as_str()]);
    let state: String = sqlx::query("SELECT state FROM ec_seals WHERE id = $1")
        .bind(&first.id)
        .fetch_one(p.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(state, "void");
    assert!(
        personal::image(p, &w.member, &first.id).await.is_ok(),
        "the owner still sees a void one"
    );

    // Someone else's seal is not found; bad captures change nothing.
    assert!(matches!(
        personal::image(p, &w.admin, &second.id).await,
        Err(CoreError::Platform(PlatformError::NotFound))
    ));
    let company = manage::create(p, &w.enterprise, &w.admin, "company", Artwork::Generated)
        .await
        .unwrap();
    assert!(matches!(
        personal::image(p, &w.admin, &company.seal.id).await,
        Err(CoreError::Platform(PlatformError::NotFound))
    ));
    let before = count(p, "SELECT COUNT(*) FROM ec_seals").await;
    assert_eq!(
        code(
            &personal::store_handwriting(p, &w.member, b"not a png")
                .await
                .unwrap_err()
        ),
        "seal_image_not_png"
    );
    assert_eq!(
        code(
            &personal::store_handwriting(
                p,
                &w.member,
                &png::encode(&RgbaImage::new(10, 10)).unwrap().bytes
            )
            .await
            .unwrap_err()
        ),
        "seal_image_empty"
    );
    let stranger = user(p, 9, "stranger").await.id;
    assert!(
        personal::list(p, &stranger).await.unwrap().is_empty(),
        "not real-named: no name seal"
    );
    assert_eq!(
        code(
            &personal::store_handwriting(p, &stranger, &blot(50, 50))
                .await
                .unwrap_err()
        ),
        "real_name_required"
    );
    assert_eq!(count(p, "SELECT COUNT(*) FROM ec_seals").await, before);
}

#[tokio::test]
async fn forty_at_once_make_one_seal_of_a_type_one_name_seal_and_one_handwriting() {
    let t = platform().await;
    let p = &t.platform;
    let w = world(p).await;
    let creates =
        (0..40).map(|_| manage::create(p, &w.enterprise, &w.admin, "contract", Artwork::Generated));
    let results = futures_join(creates).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "exactly one contract seal");
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(code(refused), "seal_exists");
    }
    let lists = futures_join((0..40).map(|_| personal::list(p, &w.member))).await;
    for listed in &lists {
        let seals = listed.as_ref().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(seals.len(), 1, "one name seal");
    }
    let member = &w.member;
    let captures = futures_join((0..40).map(|i| {
        let image = blot(60 + i, 60);
        async move { personal::store_handwriting(p, member, &image).await }
    }))
    .await;
    for capture in &captures {
        assert!(
            capture.is_ok(),
            "each capture replaces the one before: {capture:?}"
        );
    }
    let kinds = |kind: &'static str, state: &'static str| {
        format!(
            "SELECT COUNT(*) FROM ec_seals WHERE user_id = '{}' AND kind = '{kind}' AND state = '{state}'",
            w.member
        )
    };
    assert_eq!(count(p, &kinds("name", "active")).await, 1);
    assert_eq!(count(p, &kinds("handwriting", "active")).await, 1);
    assert_eq!(count(p, &kinds("handwriting", "void")).await, 39);
    assert_eq!(
        count(
            p,
            &format!(
                "SELECT COUNT(*) FROM ec_seals WHERE enterprise_id = '{}'",
                w.enterprise
            )
        )
        .await,
        1
    );
}

/// Runs the futures at once (each on its own task would need 'static; joining is enough to
/// have them all in flight against the pool together).
async fn futures_join<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut all: Vec<_> = futures.map(Box::pin).collect();
    let mut results: Vec<Option<F::Output>> = all.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, result) in all.iter_mut().zip(results.iter_mut()) {
            if result.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *result = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    results.into_iter().map(|r| r.unwrap()).collect()
}

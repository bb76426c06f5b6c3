//! Production (APP-13): cloud certificates are issued by a job (`desk.issue`) that the approval
//! or payment reaching "awaiting production" writes in its own transaction, with the key made
//! here and kept sealed; USB-key certificates are issued from a PKCS#10 made on the token by CA
//! staff (`signet token produce`), then shipped; own-key certificates from a request the
//! applicant's key client sends. Every issuance commits with the order's move.

use async_trait::async_trait;
use secrecy::ExposeSecret as _;
use sqlx::Row as _;

use super::DeskError;
use super::catalog::{self, Medium, Product, SubjectKind};
use super::orders::{self, ApplicationForm, Change, Columns, Event, Note, Order, OrderState};
use crate::Platform;
use crate::ca::{self, CertificateInfo, IssueRequest};
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Clock as _;
use crate::platform::crypto::SealedAt;
use crate::platform::db::Tx;
use crate::platform::jobs::{Handler, NewJob, RunningJob};

/// The job that issues the certificates of an approved, paid cloud order (payload
/// `{"order_id": …}`, key [`issue_key`]).
pub const ISSUE: &str = "desk.issue";

/// How long a desk job written by a request waits before the workers may take it: the request
/// runs it itself right after its commit ([`super::jobs::run_now`]), so the workers only take it
/// when that request died (or the run failed, which sets its own backoff).
pub const INLINE_GRACE_SECONDS: i64 = 30;

/// One issuance per order: the second approval or payment of the same order writes no second job.
pub fn issue_key(order_id: &str) -> String {
    format!("{ISSUE}:{order_id}")
}

/// Writes, in the transaction that moves the order to "awaiting production", the job issuing its
/// cloud certificates; other media wait for a key and queue nothing. Returns whether a job was
/// written (`false` also when one already exists for the order).
pub async fn queue_issuance(
    tx: &mut Tx,
    now: i64,
    order_id: &str,
    product: &Product,
) -> Result<bool, CoreError> {
    if product.settings.medium != Medium::Cloud {
        return Ok(false);
    }
    crate::platform::jobs::enqueue(
        tx,
        now,
        &NewJob::new(
            ISSUE,
            issue_key(order_id),
            serde_json::json!({ "order_id": order_id }),
        )
        .at(now + INLINE_GRACE_SECONDS),
    )
    .await
}

/// Runs [`ISSUE`] jobs: issues the order's cloud certificates once, however often it runs.
pub struct IssueHandler;

#[async_trait]
impl Handler for IssueHandler {
    async fn run(&self, platform: &Platform, job: &RunningJob) -> Result<(), CoreError> {
        let order_id = job.payload()["order_id"]
            .as_str()
            .ok_or_else(|| CoreError::internal("desk.issue job without order_id"))?;
        issue_cloud(platform, order_id).await
    }
}

/// Issues the certificates of a cloud order awaiting production, then (a reissue) revokes the
/// one it replaces. The order's state is the guard: an order that moved on (issued by an earlier
/// run, or cancelled) issues nothing, and the revocation is repeated harmlessly, so a job that
/// runs twice, or again after its worker was killed, has one effect.
pub async fn issue_cloud(platform: &Platform, order_id: &str) -> Result<(), CoreError> {
    let order = orders::load(platform, order_id).await?;
    if order.state == OrderState::AwaitingProduction {
        let product = catalog::product(platform, &order.product_id).await?;
        if product.settings.medium != Medium::Cloud {
            return Ok(());
        }
        produce_cloud(platform, &order, &product).await?;
    }
    supersede(platform, &orders::load(platform, order_id).await?).await
}

/// The certificate subject the verified form names.
pub fn subject(product: &Product, form: &ApplicationForm) -> Result<String, CoreError> {
    match product.subject_kind {
        SubjectKind::Enterprise => {
            let org = form
                .organisation
                .as_ref()
                .ok_or(DeskError::Missing("organisation"))?;
            // The seal profile names the seal in CN; the plain one names the organisation.
            let cn = if product.profile == "enterprise-seal" {
                format!("{}电子印章", org.name)
            } else {
                org.name.clone()
            };
            Ok(format!(
                "CN={},O={},serialNumber={},C=CN",
                crate::ca::escape_name_value(&cn),
                crate::ca::escape_name_value(&org.name),
                crate::ca::escape_name_value(&org.id_number)
            ))
        }
        SubjectKind::Personal => {
            let person = form.person.as_ref().ok_or(DeskError::Missing("person"))?;
            Ok(format!(
                "CN={},serialNumber={},C=CN",
                crate::ca::escape_name_value(&person.name),
                crate::ca::escape_name_value(&person.id_number)
            ))
        }
    }
}

/// Serials of the certificates an order produced.
pub async fn certificates_of(
    platform: &Platform,
    order_id: &str,
) -> Result<Vec<String>, CoreError> {
    let rows = sqlx::query(
        "SELECT serial FROM desk_cloud_keys WHERE order_id = $1 \
         UNION ALL SELECT certificate_serial AS serial FROM desk_tokens WHERE order_id = $1",
    )
    .bind(order_id)
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter()
        .map(|r| r.try_get::<String, _>("serial").map_err(CoreError::from))
        .collect()
}

/// The certificates of an order with their chains.
pub async fn certificates(
    platform: &Platform,
    order_id: &str,
) -> Result<Vec<CertificateInfo>, CoreError> {
    let mut out = Vec::new();
    for serial in certificates_of(platform, order_id).await? {
        out.push(ca::certificate(platform, &serial).await?);
    }
    Ok(out)
}

/// What happens when an order reaches "awaiting production": cloud certificates are issued now;
/// own-key orders wait for the applicant's download; USB-key orders wait for staff; an order of
/// a product that issues no certificate is done.
pub async fn after_approval(platform: &Platform, order: &Order) -> Result<Order, CoreError> {
    let order = orders::load(platform, &order.id).await?;
    if order.state != OrderState::AwaitingProduction {
        return Ok(order);
    }
    let product = catalog::product(platform, &order.product_id).await?;
    if !product.settings.issues_certificate {
        return move_on(platform, &order, Event::Concluded, Note::Concluded).await;
    }
    let key_business = match order.kind {
        super::catalog::Business::Reissue => Some((Event::AwaitRecovery, Note::AwaitRecovery)),
        super::catalog::Business::Unlock => Some((Event::AwaitUnlock, Note::AwaitUnlock)),
        super::catalog::Business::Renewal | super::catalog::Business::Change => {
            Some((Event::AwaitKeyUpdate, Note::AwaitKeyUpdate))
        }
        super::catalog::Business::New => None,
    };
    match product.settings.medium {
        Medium::Cloud => {
            // The job was written with the move to "awaiting production"; run it now.
            super::jobs::run_now(platform, &issue_key(&order.id)).await;
            orders::load(platform, &order.id).await
        }
        Medium::OwnKey => {
            move_on(
                platform,
                &order,
                Event::ReadyForDownload,
                Note::ReadyForDownload,
            )
            .await
        }
        Medium::UsbKey => {
            let Some((event, note)) = key_business else {
                return Ok(order);
            };
            move_on(platform, &order, event, note).await
        }
    }
}

/// One system move of an order, in its own transaction.
async fn move_on(
    platform: &Platform,
    order: &Order,
    event: Event,
    note: Note,
) -> Result<Order, CoreError> {
    let mut tx = platform.db.begin().await?;
    orders::apply(
        platform,
        &mut tx,
        order,
        &Change::new(event, "system", note, platform.clock.now()),
    )
    .await?;
    tx.commit().await?;
    orders::load(platform, &order.id).await
}

/// Issues the cloud certificates of `order` under its row lock: of two runs at once, the second
/// finds the version moved and issues nothing (no certificate is signed outside the transaction
/// that records it and moves the order).
async fn produce_cloud(
    platform: &Platform,
    order: &Order,
    product: &Product,
) -> Result<(), CoreError> {
    let subject = subject(product, &order.form)?;
    ca::prepare(platform, &product.ca).await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    if !lock_version(&mut tx, order).await? {
        return Ok(());
    }
    let made = sqlx::query("SELECT COUNT(*) AS n FROM desk_cloud_keys WHERE order_id = $1")
        .bind(&order.id)
        .fetch_one(&mut *tx)
        .await?
        .try_get::<i64, _>("n")?;
    if made > 0 {
        return Ok(());
    }
    let actor = format!("order:{}", order.id);
    let mut serials = Vec::new();
    for _ in 0..order.quantity {
        let issued = ca::issue_in(
            platform,
            &mut tx,
            &IssueRequest {
                ca: &product.ca,
                profile: &product.profile,
                subject: &subject,
                csr: None,
                actor: &actor,
            },
            Some(order.term_years),
        )
        .await?;
        let key = issued
            .key_pem
            .as_ref()
            .ok_or_else(|| CoreError::internal("cloud issuance without key"))?;
        sqlx::query(
            "INSERT INTO desk_cloud_keys (serial, order_id, user_id, key_sealed, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&issued.serial)
        .bind(&order.id)
        .bind(&order.user_id)
        .bind(platform.cipher.seal(
            super::cloud::key_sealed_at(&issued.serial),
            key.expose_secret(),
        )?)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        serials.push(issued.serial);
    }
    let first = serials.first().cloned();
    orders::apply(
        platform,
        &mut tx,
        order,
        &Change::new(
            Event::ProducedToCloud,
            "system",
            Note::CloudIssued { serials },
            now,
        )
        .with(Columns {
            certificate_serial: first,
            ..Columns::default()
        }),
    )
    .await?;
    super::notify::applicant(
        platform,
        &mut tx,
        order,
        "云证书已签发",
        "的云证书已签发，可在“我的证书”中查看和使用。",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the producer's token station sends for one certificate of a USB-key order.
pub struct TokenProduction<'a> {
    pub csr: &'a [u8],
    pub token_serial: &'a str,
    pub token_model: &'a str,
    /// The token's SO PIN, set at production; kept sealed, never shown to the holder.
    pub so_pin: Option<&'a str>,
    pub actor: &'a str,
}

/// The holder's own key client writes a certificate (`POST /orders/{id}/key-update`): only to a
/// key the holder already has, that is a renewal, change or reissue of a USB-key certificate, or
/// the download of an own-key order. Producing a new USB key (`awaiting_production`) is the CA
/// staff's step at the token station and is refused here with nothing changed.
pub async fn write_holder_key(
    platform: &Platform,
    order: &Order,
    production: &TokenProduction<'_>,
) -> Result<CertificateInfo, CoreError> {
    if !matches!(
        order.state,
        OrderState::AwaitingDownload | OrderState::AwaitingUpdate | OrderState::AwaitingRecovery
    ) {
        return Err(DeskError::Transition("download", order.state.as_str()).into());
    }
    produce_on_token(platform, order, production).await
}

/// Issues one certificate of a USB-key order from a request made on the token (the staff's
/// production step, and through [`write_holder_key`] the holder's). When the order's quantity
/// is reached it moves on. The order row is locked before its certificates are counted, so
/// racing calls never issue more than the quantity paid for. Returns the certificate.
pub async fn produce_on_token(
    platform: &Platform,
    order: &Order,
    production: &TokenProduction<'_>,
) -> Result<CertificateInfo, CoreError> {
    let product = catalog::product(platform, &order.product_id).await?;
    let Some(event) = orders::key_write_event(product.settings.medium, order.state) else {
        return Err(DeskError::Transition("produce", order.state.as_str()).into());
    };
    let done_note = match order.state {
        OrderState::AwaitingProduction => Note::ProducedToToken,
        OrderState::AwaitingDownload => Note::Downloaded,
        OrderState::AwaitingRecovery => Note::Recovered,
        _ => Note::KeyUpdated,
    };
    if production.token_serial.trim().is_empty() {
        return Err(PlatformError::Invalid {
            field: "token_serial",
            zh: "缺少 USB Key 序列号",
            en: "The token serial is missing",
        }
        .into());
    }
    let subject = subject(&product, &order.form)?;
    ca::prepare(platform, &product.ca).await?;
    let now = platform.clock.now();
    let mut tx = platform.db.begin().await?;
    let (current, made) = lock_and_count(platform, &mut tx, order).await?;
    let issued = ca::issue_in(
        platform,
        &mut tx,
        &IssueRequest {
            ca: &product.ca,
            profile: &product.profile,
            subject: &subject,
            csr: Some(production.csr),
            actor: production.actor,
        },
        Some(order.term_years),
    )
    .await?;
    let inherited_so_pin = inherited_so_pin(platform, &mut tx, order, production)
        .await?
        .map(|pin| platform.cipher.seal(so_pin_sealed_at(&issued.serial), &pin))
        .transpose()?;
    sqlx::query(
        "INSERT INTO desk_tokens (certificate_serial, order_id, user_id, token_serial, token_model, so_pin_sealed, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&issued.serial)
    .bind(&order.id)
    .bind(&order.user_id)
    .bind(production.token_serial.trim())
    .bind(production.token_model)
    .bind(match production.so_pin {
        Some(pin) => Some(platform.cipher.seal(so_pin_sealed_at(&issued.serial), pin)?),
        None => inherited_so_pin,
    })
    .bind(now)
    .execute(&mut *tx)
    .await?;
    // The last certificate moves the order on; one before it is recorded without a move.
    let (event, note) = if made + 1 == order.quantity {
        (event, done_note)
    } else {
        (
            Event::TokenWritten,
            Note::TokenWritten {
                serial: issued.serial.clone(),
            },
        )
    };
    orders::apply(
        platform,
        &mut tx,
        &current,
        &Change::new(event, production.actor, note, now).with(Columns {
            certificate_serial: Some(issued.serial.clone()),
            ..Columns::default()
        }),
    )
    .await?;
    tx.commit().await?;
    if made + 1 == order.quantity {
        supersede(platform, &orders::load(platform, &order.id).await?).await?;
    }
    ca::certificate(platform, &issued.serial).await
}

/// Takes the order row's lock and counts the certificates already written for it. A no-op write
/// holds the lock (PostgreSQL; SQLite's writer lock is already held) until commit: a second call
/// waits here, then finds the version moved and stops; a full order is refused.
async fn lock_and_count(
    platform: &Platform,
    tx: &mut Tx,
    order: &Order,
) -> Result<(Order, i64), CoreError> {
    if !lock_version(tx, order).await? {
        return Err(DeskError::Transition("produce", order.state.as_str()).into());
    }
    let current = orders::load_in(platform, tx, &order.id).await?;
    if current.version != order.version {
        return Err(DeskError::Transition("produce", current.state.as_str()).into());
    }
    let made = sqlx::query("SELECT COUNT(*) AS n FROM desk_tokens WHERE order_id = $1")
        .bind(&order.id)
        .fetch_one(&mut **tx)
        .await?
        .try_get::<i64, _>("n")?;
    if made >= order.quantity {
        return Err(DeskError::Transition("produce", order.state.as_str()).into());
    }
    Ok((current, made))
}

/// Takes the order row's lock if it is still at the version read: a no-op write that holds the
/// row (PostgreSQL; SQLite's writer lock is already held) until commit. `false` when another
/// transaction moved the order first.
async fn lock_version(tx: &mut Tx, order: &Order) -> Result<bool, CoreError> {
    let locked =
        sqlx::query("UPDATE desk_orders SET version = version WHERE id = $1 AND version = $2")
            .bind(&order.id)
            .bind(order.version)
            .execute(&mut **tx)
            .await?;
    Ok(locked.rows_affected() == 1)
}

/// Where a token's SO PIN is sealed: the row of the certificate written to it.
pub(crate) fn so_pin_sealed_at(certificate_serial: &str) -> SealedAt<'_> {
    SealedAt::new("desk_tokens", "so_pin_sealed", certificate_serial)
}

/// A renewal written to the same token keeps its SO PIN: the one under the certificate this
/// order replaces, opened from that row (the caller seals it again for the new one's row).
async fn inherited_so_pin(
    platform: &Platform,
    tx: &mut Tx,
    order: &Order,
    production: &TokenProduction<'_>,
) -> Result<Option<String>, CoreError> {
    let (Some(target), None) = (&order.target_serial, production.so_pin) else {
        return Ok(None);
    };
    let sealed = sqlx::query(
        "SELECT so_pin_sealed FROM desk_tokens WHERE certificate_serial = $1 AND token_serial = $2",
    )
    .bind(target)
    .bind(production.token_serial.trim())
    .fetch_optional(&mut **tx)
    .await?
    .and_then(|row| {
        row.try_get::<Option<String>, _>("so_pin_sealed")
            .ok()
            .flatten()
    });
    sealed
        .map(|sealed| platform.cipher.open(so_pin_sealed_at(target), &sealed))
        .transpose()
}

/// A completed reissue revokes the certificate it replaces (LIFE-4); renewals and changes leave
/// the old one to expire.
async fn supersede(platform: &Platform, order: &Order) -> Result<(), CoreError> {
    if order.kind != super::catalog::Business::Reissue || order.state != OrderState::Completed {
        return Ok(());
    }
    let Some(target) = &order.target_serial else {
        return Ok(());
    };
    match ca::revoke(
        platform,
        target,
        "superseded",
        &format!("order:{}", order.id),
    )
    .await
    {
        Ok(_) => Ok(()),
        Err(error) if matches!(error.as_wing(), Some(ca::CaError::AlreadyRevoked(_))) => Ok(()),
        Err(error) => Err(error),
    }
}

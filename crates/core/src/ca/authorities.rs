//! The CAs themselves: creating the rsa, ecc and sm2 hierarchies once, listing them, and reading
//! a CA's row (certificate and encrypted key) back.

use std::fmt::Write as _;

use der::Encode as _;
use serde_json::json;
use signet_pki::Family;
use signet_pki::ca::{HierarchyConfig, KeyedCertificate, create_family};
use signet_pki::keystore::StoredKey;
use sqlx::Row as _;
use sqlx::any::AnyRow;
use x509_cert::Certificate;

use super::Authority;
use super::keys::{KeyColumns, stored_key};
use super::{
    CaError, certificate_from_base64, from_pki, internal, key_store, rng, system_time, to_base64,
    unix,
};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::db::Tx;
use crate::platform::ids::CertificateSerial;

/// Organisation named in every CA's subject.
const ORGANIZATION: &str = "Signet";
/// The organisation of a sandbox data directory's hierarchies: every subject they sign under
/// says 测试 / TEST, so a sandbox identity never chains to a production CA.
pub const TEST_ORGANIZATION: &str = "Signet 测试 TEST";

/// What a CA does in its family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaRole {
    Root,
    Issuing,
    Ocsp,
    Tsa,
}

impl CaRole {
    pub fn name(self) -> &'static str {
        match self {
            Self::Root => "root",
            Self::Issuing => "issuing",
            Self::Ocsp => "ocsp",
            Self::Tsa => "tsa",
        }
    }

    fn parse(text: &str) -> Result<Self, CoreError> {
        [Self::Root, Self::Issuing, Self::Ocsp, Self::Tsa]
            .into_iter()
            .find(|r| r.name() == text)
            .ok_or_else(|| internal(format!("unknown CA role {text}")))
    }
}

/// One CA as `signet ca list` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaSummary {
    pub name: String,
    pub family: String,
    pub role: CaRole,
    pub issuer: Option<String>,
    pub subject: String,
    pub serial: String,
    pub key_algorithm: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
}

/// A CA's row with its certificate parsed and its key ready for the key store.
pub(super) struct CaRow {
    pub name: String,
    pub family: Family,
    pub role: CaRole,
    pub issuer_name: Option<String>,
    pub certificate: Certificate,
    pub key: StoredKey,
    pub public_url: String,
}

/// The columns every query of `ca_authorities` reads, as a literal for `concat!`.
macro_rules! columns {
    () => {
        "name, family, role, issuer_name, serial, subject, not_before, not_after, \
         certificate_der, key_algorithm, sm2_id, key_encrypted, key_token_label, key_token_id, \
         public_url"
    };
}

fn ca_row(row: &AnyRow) -> Result<CaRow, CoreError> {
    let family: String = row.try_get("family")?;
    Ok(CaRow {
        name: row.try_get("name")?,
        family: family.parse().map_err(internal)?,
        role: CaRole::parse(&row.try_get::<String, _>("role")?)?,
        issuer_name: row.try_get("issuer_name")?,
        certificate: certificate_from_base64(&row.try_get::<String, _>("certificate_der")?)?,
        key: stored_key(row)?,
        public_url: row.try_get("public_url")?,
    })
}

fn summary(row: &AnyRow) -> Result<CaSummary, CoreError> {
    Ok(CaSummary {
        name: row.try_get("name")?,
        family: row.try_get("family")?,
        role: CaRole::parse(&row.try_get::<String, _>("role")?)?,
        issuer: row.try_get("issuer_name")?,
        subject: row.try_get("subject")?,
        serial: row.try_get("serial")?,
        key_algorithm: row.try_get("key_algorithm")?,
        not_before: row.try_get("not_before")?,
        not_after: row.try_get("not_after")?,
    })
}

/// Every CA, roots first within each family.
pub async fn list_cas(platform: &Platform) -> Result<Vec<CaSummary>, CoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM ca_authorities ORDER BY family, \
         CASE role WHEN 'root' THEN 0 WHEN 'issuing' THEN 1 WHEN 'ocsp' THEN 2 ELSE 3 END"
    ))
    .fetch_all(platform.db.pool())
    .await?;
    rows.iter().map(summary).collect()
}

/// The row of CA `name`, if there is one.
pub(super) async fn find(platform: &Platform, name: &str) -> Result<Option<CaRow>, CoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM ca_authorities WHERE name = $1"
    ))
    .bind(name)
    .fetch_optional(platform.db.pool())
    .await?;
    row.as_ref().map(ca_row).transpose()
}

/// The delegated responder or time-stamping unit of issuing CA `issuer`.
pub(super) async fn helper(
    platform: &Platform,
    issuer: &str,
    role: CaRole,
) -> Result<Option<CaRow>, CoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM ca_authorities WHERE issuer_name = $1 AND role = $2"
    ))
    .bind(issuer)
    .bind(role.name())
    .fetch_optional(platform.db.pool())
    .await?;
    row.as_ref().map(ca_row).transpose()
}

/// Whether this data directory's CA hierarchies are test ones; `None` before `signet init`.
pub async fn hierarchies_are_test(platform: &Platform) -> Result<Option<bool>, CoreError> {
    let subjects: Vec<String> =
        sqlx::query_scalar("SELECT subject FROM ca_certificates WHERE profile = 'issuing-ca'")
            .fetch_all(platform.db.pool())
            .await?;
    if subjects.is_empty() {
        return Ok(None);
    }
    Ok(Some(subjects.iter().all(|s| s.contains("TEST"))))
}

/// The DER certificate of a root or issuing CA (what `/pki/{ca}/ca.crt` serves).
pub async fn ca_certificate(platform: &Platform, name: &str) -> Result<Vec<u8>, CoreError> {
    let material = Authority::of(platform)?
        .cache
        .material(platform, name)
        .await?;
    material.certificate.to_der().map_err(internal)
}

/// Create the `rsa`, `ecc` and `sm2` hierarchies that do not exist yet; returns the families
/// created (empty when all were there). `public_url` is where `/pki` answers.
pub async fn init_hierarchies(
    platform: &Platform,
    public_url: &str,
) -> Result<Vec<String>, CoreError> {
    init_hierarchies_as(platform, public_url, false).await
}

/// [`init_hierarchies`], as test hierarchies ([`TEST_ORGANIZATION`]) when `test`.
pub async fn init_hierarchies_as(
    platform: &Platform,
    public_url: &str,
    test: bool,
) -> Result<Vec<String>, CoreError> {
    let organization = if test {
        TEST_ORGANIZATION
    } else {
        ORGANIZATION
    };
    let mut created = Vec::new();
    for family in Family::ALL {
        let exists = sqlx::query("SELECT name FROM ca_authorities WHERE family = $1")
            .bind(family.name())
            .fetch_optional(platform.db.pool())
            .await?
            .is_some();
        if exists {
            continue;
        }
        let now = platform.clock.now();
        let config = HierarchyConfig::new(public_url, organization);
        let hierarchy = create_family(
            &key_store(platform)?,
            family,
            &config,
            system_time(now),
            &mut rng(),
        )
        .map_err(from_pki)?;
        let mut tx = platform.db.begin().await?;
        let root = &hierarchy.root;
        let issuing = &hierarchy.issuing;
        insert_ca(&mut tx, family, CaRole::Root, None, root, public_url, now).await?;
        let root_name = Some(root.name.as_str());
        insert_ca(
            &mut tx,
            family,
            CaRole::Issuing,
            root_name,
            issuing,
            public_url,
            now,
        )
        .await?;
        let issuing_name = Some(issuing.name.as_str());
        for (role, keyed) in [
            (CaRole::Ocsp, &hierarchy.ocsp),
            (CaRole::Tsa, &hierarchy.tsa),
        ] {
            insert_ca(&mut tx, family, role, issuing_name, keyed, public_url, now).await?;
        }
        // The CA certificates below the root are certificates like any other: OCSP and CRLs
        // answer for them.
        for (ca, profile, keyed) in [
            (&root.name, "issuing-ca", issuing),
            (&issuing.name, "ocsp", &hierarchy.ocsp),
            (&issuing.name, "tsa", &hierarchy.tsa),
        ] {
            let algorithm = keyed.key.algorithm.name();
            record_certificate(&mut tx, ca, profile, algorithm, &keyed.certificate, now).await?;
        }
        let event = AuditEvent::new("system", "ca.hierarchy.create", format!("ca:{family}"))
            .change(
                serde_json::Value::Null,
                json!({
                    "root": root.name,
                    "issuing": issuing.name,
                    "public_url": public_url,
                    "keys": key_place(&root.key),
                }),
            );
        platform.audit.append(&mut tx, now, &event).await?;
        tx.commit().await?;
        // The root's first CRL, signed now: the server only ever serves stored root CRLs.
        super::publish_crl(platform, &root.name).await?;
        created.push(family.name().to_owned());
    }
    Ok(created)
}

/// Where a hierarchy's keys were made, as the audit event and `signet init` say it.
fn key_place(key: &StoredKey) -> &'static str {
    match key.location {
        signet_pki::keystore::KeyLocation::Software { .. } => "software",
        signet_pki::keystore::KeyLocation::Pkcs11 { .. } => "pkcs11",
    }
}

async fn insert_ca(
    tx: &mut Tx,
    family: Family,
    role: CaRole,
    issuer: Option<&str>,
    keyed: &KeyedCertificate,
    public_url: &str,
    now: Timestamp,
) -> Result<(), CoreError> {
    let tbs = keyed.certificate.tbs_certificate();
    let key = KeyColumns::of(&keyed.key);
    sqlx::query(concat!(
        "INSERT INTO ca_authorities (",
        columns!(),
        ", created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
         $16)"
    ))
    .bind(&keyed.name)
    .bind(family.name())
    .bind(role.name())
    .bind(issuer)
    .bind(CertificateSerial::of(tbs.serial_number()).into_string())
    .bind(tbs.subject().to_string())
    .bind(unix(&tbs.validity().not_before))
    .bind(unix(&tbs.validity().not_after))
    .bind(to_base64(&keyed.certificate)?)
    .bind(keyed.key.algorithm.name())
    .bind(&keyed.key.sm2_id)
    .bind(key.encrypted)
    .bind(key.token_label)
    .bind(key.token_id)
    .bind(public_url)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records one certificate (see [`record_certificates`]); returns its serial.
pub(super) async fn record_certificate(
    tx: &mut Tx,
    ca: &str,
    profile: &'static str,
    key_algorithm: &'static str,
    certificate: &Certificate,
    now: Timestamp,
) -> Result<String, CoreError> {
    let row = CertificateRow::new(certificate, profile, key_algorithm)?;
    let serial = row.serial.clone();
    record_certificates(tx, ca, vec![row], now).await?;
    Ok(serial)
}

/// A certificate as its `ca_certificates` row stores it, worked out off the writer's path (the
/// batch signing threads make these).
pub(super) struct CertificateRow {
    pub serial: String,
    pub profile: &'static str,
    pub key_algorithm: &'static str,
    pub subject: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    pub der_base64: String,
}

impl CertificateRow {
    pub(super) fn new(
        certificate: &Certificate,
        profile: &'static str,
        key_algorithm: &'static str,
    ) -> Result<Self, CoreError> {
        let tbs = certificate.tbs_certificate();
        Ok(Self {
            serial: CertificateSerial::of(tbs.serial_number()).into_string(),
            profile,
            key_algorithm,
            subject: tbs.subject().to_string(),
            not_before: unix(&tbs.validity().not_before),
            not_after: unix(&tbs.validity().not_after),
            der_base64: to_base64(certificate)?,
        })
    }
}

/// Rows per `INSERT`: 9 parameters each stays far below SQLite's 32,766 and PostgreSQL's 65,535.
const ROWS_PER_INSERT: usize = 250;

/// Records many certificates of one CA with multi-row inserts; returns their serials in order.
pub(super) async fn record_certificates(
    tx: &mut Tx,
    ca: &str,
    rows: Vec<CertificateRow>,
    now: Timestamp,
) -> Result<Vec<String>, CoreError> {
    let mut serials = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<CertificateRow> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        let mut sql = String::from(
            "INSERT INTO ca_certificates (serial, ca_name, profile, subject, key_algorithm, \
             not_before, not_after, status, certificate_der, created_at) VALUES ",
        );
        for i in 0..chunk.len() {
            let p = i * 9;
            if i > 0 {
                sql.push(',');
            }
            // Only placeholders are formatted in; every value is bound.
            let _ = write!(
                sql,
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, 'active', ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 7,
                p + 8,
                p + 9
            );
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            serials.push(row.serial.clone());
            query = query
                .bind(row.serial)
                .bind(ca.to_owned())
                .bind(row.profile)
                .bind(row.subject)
                .bind(row.key_algorithm)
                .bind(row.not_before)
                .bind(row.not_after)
                .bind(row.der_base64)
                .bind(now);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(serials)
}

/// Refusal for a name that is no CA (or not one that publishes).
pub(super) fn unknown(name: &str) -> CoreError {
    CaError::UnknownCa(name.to_owned()).into()
}

/// A certificate the CA issued, as holders and the desk see it.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateInfo {
    pub serial: String,
    pub ca: String,
    pub profile: String,
    pub subject: String,
    pub key_algorithm: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    /// `active` or `revoked` (expiry is derived from `not_after`).
    pub status: String,
    pub revoked_at: Option<Timestamp>,
    pub cert_pem: String,
    /// The issuing CA's certificate, then the root's.
    pub chain_pem: String,
}

/// One issued certificate by serial (hex, any case or separators).
pub async fn certificate(platform: &Platform, serial: &str) -> Result<CertificateInfo, CoreError> {
    let serial = super::normalise_serial(serial);
    let row = sqlx::query(
        "SELECT serial, ca_name, profile, subject, key_algorithm, not_before, not_after, status, \
         revoked_at, certificate_der FROM ca_certificates WHERE serial = $1",
    )
    .bind(&serial)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or_else(|| CaError::UnknownCertificate(serial.clone()))?;
    let ca: String = row.try_get("ca_name")?;
    let certificate = certificate_from_base64(&row.try_get::<String, _>("certificate_der")?)?;
    let material = Authority::of(platform)?
        .cache
        .material(platform, &ca)
        .await?;
    let pem =
        |c: &Certificate| der::EncodePem::to_pem(c, der::pem::LineEnding::LF).map_err(internal);
    Ok(CertificateInfo {
        serial: row.try_get("serial")?,
        profile: row.try_get("profile")?,
        subject: row.try_get("subject")?,
        key_algorithm: row.try_get("key_algorithm")?,
        not_before: row.try_get("not_before")?,
        not_after: row.try_get("not_after")?,
        status: row.try_get("status")?,
        revoked_at: row.try_get("revoked_at")?,
        cert_pem: pem(&certificate)?,
        chain_pem: material
            .chain
            .iter()
            .map(pem)
            .collect::<Result<String, _>>()?,
        ca,
    })
}

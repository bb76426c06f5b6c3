//! What the CA keeps in memory: each CA's certificate chain with its key decrypted once, and the
//! OCSP answers signed ahead of time, dropped as soon as a revocation under that CA is seen.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use signet_pki::keystore::KeyStore as _;
use signet_pki::ocsp::{CertStatus, PresignedResponse};
use signet_pki::{Family, Signer};
use sqlx::Row as _;
use x509_cert::Certificate;

use super::authorities::{CaRole, find, helper, unknown};
use super::{from_pki, key_store};
use crate::Platform;
use crate::error::CoreError;

/// How often the database is asked whether another process revoked something: answers are at
/// most this stale, and the hot path makes at most one small query per CA in this interval.
const REVISION_CHECK: Duration = Duration::from_millis(500);

/// A root or issuing CA ready to sign.
pub struct CaMaterial {
    pub name: String,
    pub family: Family,
    pub role: CaRole,
    pub certificate: Certificate,
    pub signer: Box<dyn Signer>,
    /// This CA's certificate, then its issuer's, up to the root.
    pub chain: Vec<Certificate>,
    pub public_url: String,
    /// The delegated OCSP responder (issuing CAs); roots answer for themselves.
    pub ocsp: Option<Delegate>,
    /// The time-stamping unit (issuing CAs).
    pub tsa: Option<Delegate>,
}

/// A certificate under an issuing CA that signs on its behalf (OCSP responder, TSA).
pub struct Delegate {
    pub certificate: Certificate,
    pub signer: Box<dyn Signer>,
}

/// One serial's status and its pre-signed answer.
#[derive(Clone)]
pub(super) struct Cached {
    pub status: CertStatus,
    pub presigned: PresignedResponse,
}

struct Answers {
    /// The CA's revision the answers were made at; `None` after a revocation in this process.
    revision: Option<i64>,
    checked: Option<Instant>,
    by_serial: HashMap<String, Cached>,
}

/// Held by the [`super::Authority`]; shared by every request.
#[derive(Default)]
pub struct CaCache {
    materials: RwLock<HashMap<String, Arc<CaMaterial>>>,
    answers: Mutex<HashMap<String, Answers>>,
}

impl CaCache {
    /// The root or issuing CA `name`, loaded and decrypted on first use.
    pub(super) async fn material(
        &self,
        platform: &Platform,
        name: &str,
    ) -> Result<Arc<CaMaterial>, CoreError> {
        let known = self
            .materials
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned();
        if let Some(material) = known {
            return Ok(material);
        }
        let row = find(platform, name)
            .await?
            .filter(|row| matches!(row.role, CaRole::Root | CaRole::Issuing))
            .ok_or_else(|| unknown(name))?;
        let store = key_store(platform)?;
        let mut chain = vec![row.certificate.clone()];
        let mut issuer = row.issuer_name.clone();
        while let Some(next) = issuer {
            let Some(parent) = find(platform, &next).await? else {
                break;
            };
            chain.push(parent.certificate);
            issuer = parent.issuer_name;
        }
        let delegate = async |role| -> Result<Option<Delegate>, CoreError> {
            let Some(found) = helper(platform, name, role).await? else {
                return Ok(None);
            };
            Ok(Some(Delegate {
                signer: store.signer(&found.key).map_err(from_pki)?,
                certificate: found.certificate,
            }))
        };
        let ocsp = delegate(CaRole::Ocsp).await?;
        let tsa = delegate(CaRole::Tsa).await?;
        let material = Arc::new(CaMaterial {
            signer: store.signer(&row.key).map_err(from_pki)?,
            name: row.name,
            family: row.family,
            role: row.role,
            certificate: row.certificate,
            chain,
            public_url: row.public_url,
            ocsp,
            tsa,
        });
        self.materials
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.to_owned(), material.clone());
        Ok(material)
    }

    /// Makes sure the cached answers of `ca` reflect every revocation the database knows
    /// (checking at most every [`REVISION_CHECK`]); returns the revision they stand for.
    pub(super) async fn sync(&self, platform: &Platform, ca: &str) -> Result<i64, CoreError> {
        {
            let answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(entry) = answers.get(ca) {
                let fresh = entry
                    .checked
                    .is_some_and(|at| at.elapsed() < REVISION_CHECK);
                if let (true, Some(revision)) = (fresh, entry.revision) {
                    return Ok(revision);
                }
            }
        }
        let row = sqlx::query("SELECT revision FROM ca_authorities WHERE name = $1")
            .bind(ca)
            .fetch_one(platform.db.pool())
            .await?;
        let revision: i64 = row.try_get("revision")?;
        let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = answers.entry(ca.to_owned()).or_insert_with(|| Answers {
            revision: Some(revision),
            checked: None,
            by_serial: HashMap::new(),
        });
        if entry.revision != Some(revision) {
            entry.by_serial.clear();
            entry.revision = Some(revision);
        }
        entry.checked = Some(Instant::now());
        Ok(revision)
    }

    pub(super) fn answer(&self, ca: &str, serial: &str) -> Option<Cached> {
        let answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        answers.get(ca)?.by_serial.get(serial).cloned()
    }

    /// Keeps an answer made from the database at `revision`, unless a revocation came since.
    pub(super) fn keep(&self, ca: &str, revision: i64, serial: String, cached: Cached) {
        let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = answers
            .get_mut(ca)
            .filter(|entry| entry.revision == Some(revision))
        {
            entry.by_serial.insert(serial, cached);
        }
    }

    /// Drops the answers of `ca` at once (a revocation in this process).
    pub(super) fn forget(&self, ca: &str) {
        let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = answers.get_mut(ca) {
            entry.by_serial.clear();
            entry.revision = None;
            entry.checked = None;
        }
    }
}

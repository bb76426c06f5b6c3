//! What the CA keeps in memory: each CA's certificate chain with its key decrypted once (issuing
//! CAs only: a root's key is never loaded here), and the OCSP answers signed ahead of time, at
//! most [`MAX_ANSWERS`] per CA, dropped as soon as a revocation under that CA or a renewed
//! responder certificate is seen.

use std::collections::{HashMap, VecDeque};
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

/// Most pre-signed answers kept per CA (a few KiB each). Only certificates the CA issued get
/// one, and the oldest answer goes first when the cap is reached: a client asking about every
/// certificate in turn costs signatures, bounded by the rate limit, but never unbounded memory.
pub const MAX_ANSWERS: usize = 50_000;

/// A root or issuing CA ready to sign.
pub struct CaMaterial {
    pub name: String,
    pub family: Family,
    pub role: CaRole,
    pub certificate: Certificate,
    /// The CA's key: issuing CAs only. A root's key stays encrypted in the database and is
    /// loaded only by the command line (`signet init`, `signet ca crl`), never by the server.
    pub signer: Option<Box<dyn Signer>>,
    /// This CA's certificate, then its issuer's, up to the root.
    pub chain: Vec<Certificate>,
    pub public_url: String,
    /// The delegated OCSP responder (issuing CAs). Roots answer no OCSP: their CRL says it.
    pub ocsp: Option<Delegate>,
    /// The time-stamping unit (issuing CAs).
    pub tsa: Option<Delegate>,
}

/// A certificate under an issuing CA that signs on its behalf (OCSP responder, TSA).
pub struct Delegate {
    /// Its serial as stored (a renewed responder has a new one).
    pub serial: String,
    pub certificate: Certificate,
    pub signer: Box<dyn Signer>,
}

impl CaMaterial {
    /// The CA's own key; a root's is offline.
    pub fn signer(&self) -> Result<&dyn Signer, CoreError> {
        self.signer.as_deref().ok_or_else(|| {
            CoreError::internal(format!(
                "ca: the key of {} is offline (roots sign on the command line only)",
                self.name
            ))
        })
    }
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
    /// The serial of the responder certificate the answers were signed by.
    responder: Option<String>,
    checked: Option<Instant>,
    by_serial: HashMap<String, Cached>,
    /// Serials in the order their answers were first kept: the oldest is dropped first.
    order: VecDeque<String>,
}

impl Answers {
    fn new(revision: i64, responder: Option<String>) -> Self {
        Self {
            revision: Some(revision),
            responder,
            checked: None,
            by_serial: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn clear(&mut self) {
        self.by_serial.clear();
        self.order.clear();
    }

    /// Keeps `cached` for `serial`, dropping the oldest answers beyond `cap`.
    fn insert(&mut self, serial: String, cached: Cached, cap: usize) {
        if self.by_serial.insert(serial.clone(), cached).is_none() {
            self.order.push_back(serial);
        }
        while self.by_serial.len() > cap {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            self.by_serial.remove(&oldest);
        }
    }
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
                serial: super::serial_of(&found.certificate),
                signer: store.signer(&found.key).map_err(from_pki)?,
                certificate: found.certificate,
            }))
        };
        let ocsp = delegate(CaRole::Ocsp).await?;
        let tsa = delegate(CaRole::Tsa).await?;
        // The root's key is not decrypted here: the server never holds it.
        let signer = match row.role {
            CaRole::Issuing => Some(store.signer(&row.key).map_err(from_pki)?),
            _ => None,
        };
        let material = Arc::new(CaMaterial {
            signer,
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

    /// Makes sure the cached answers of `ca` reflect every revocation the database knows and
    /// its current responder certificate (checking at most every [`REVISION_CHECK`]); returns
    /// the revision they stand for. A renewed responder (another process's job) drops the CA's
    /// material, so the next [`Self::material`] loads the new certificate and key.
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
        let row = sqlx::query(
            "SELECT a.revision, o.serial AS responder FROM ca_authorities a \
             LEFT JOIN ca_authorities o ON o.issuer_name = a.name AND o.role = 'ocsp' \
             WHERE a.name = $1",
        )
        .bind(ca)
        .fetch_one(platform.db.pool())
        .await?;
        let revision: i64 = row.try_get("revision")?;
        let responder: Option<String> = row.try_get("responder")?;
        let renewed = {
            let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
            let entry = answers
                .entry(ca.to_owned())
                .or_insert_with(|| Answers::new(revision, responder.clone()));
            let renewed = entry.responder != responder;
            if entry.revision != Some(revision) || renewed {
                entry.clear();
                entry.revision = Some(revision);
                entry.responder.clone_from(&responder);
            }
            entry.checked = Some(Instant::now());
            renewed
        };
        let loaded = self
            .materials
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(ca)
            .map(|m| m.ocsp.as_ref().map(|d| d.serial.clone()));
        if renewed || loaded.is_some_and(|serial| serial != responder) {
            self.materials
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(ca);
        }
        Ok(revision)
    }

    pub(super) fn answer(&self, ca: &str, serial: &str) -> Option<Cached> {
        let answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        answers.get(ca)?.by_serial.get(serial).cloned()
    }

    /// How many pre-signed answers of `ca` are kept.
    pub(super) fn answers_kept(&self, ca: &str) -> usize {
        let answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        answers.get(ca).map_or(0, |entry| entry.by_serial.len())
    }

    /// Keeps an answer made from the database at `revision`, unless a revocation came since.
    pub(super) fn keep(&self, ca: &str, revision: i64, serial: String, cached: Cached) {
        let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = answers
            .get_mut(ca)
            .filter(|entry| entry.revision == Some(revision))
        {
            entry.insert(serial, cached, MAX_ANSWERS);
        }
    }

    /// Drops the answers of `ca` at once (a revocation in this process).
    pub(super) fn forget(&self, ca: &str) {
        let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = answers.get_mut(ca) {
            entry.clear();
            entry.revision = None;
            entry.checked = None;
        }
    }

    /// Drops the material and answers of `ca` (its responder was renewed in this process).
    pub(super) fn reload(&self, ca: &str) {
        self.forget(ca);
        self.materials
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(ca);
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use signet_pki::ocsp::{CertStatus, PresignedResponse};
    use x509_cert::serial_number::SerialNumber;

    use super::{Answers, Cached};

    fn cached(n: u8) -> Cached {
        Cached {
            status: CertStatus::Good,
            presigned: PresignedResponse {
                serial: SerialNumber::new(&[n]).unwrap(),
                der: vec![n],
                next_update: SystemTime::UNIX_EPOCH,
            },
        }
    }

    #[test]
    fn finding_4_the_answer_cache_keeps_at_most_its_cap_dropping_the_oldest() {
        let mut answers = Answers::new(1, None);
        for n in 0..10u8 {
            answers.insert(format!("{n:02x}"), cached(n), 4);
            assert!(answers.by_serial.len() <= 4);
        }
        let mut kept: Vec<&String> = answers.by_serial.keys().collect();
        kept.sort();
        assert_eq!(kept, ["06", "07", "08", "09"]);
        // Signing an answer again for a kept serial does not grow the cache.
        answers.insert("09".into(), cached(9), 4);
        assert_eq!((answers.by_serial.len(), answers.order.len()), (4, 4));
    }
}

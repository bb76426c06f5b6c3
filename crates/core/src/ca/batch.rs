//! Issuing many certificates under one CA at once (event certificates for a signing round, cloud
//! certificates for a company's staff). The items are checked and signed on every core, a slice
//! at a time, while the slices already signed are written; the certificates commit only when
//! every item has passed, in one transaction with one audit event that names every serial.

use std::sync::Arc;

use der::EncodePem as _;
use der::pem::LineEnding;
use serde_json::json;
use tokio::sync::mpsc;

use super::authorities::{CertificateRow, record_certificates};
use super::cache::CaMaterial;
use super::issuance::{KeyInput, Planned, chain_pem, deliver, issuing_material, plan, sign};
use super::{CaError, Issued, internal};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::audit::AuditEvent;
use crate::platform::clock::{Clock as _, Timestamp};

/// The most certificates one batch may ask for.
pub const MAX_BATCH: usize = 10_000;

/// Items signed before their slice is handed to the database writer.
const SLICE: usize = 250;

/// One certificate of a batch; the CA and the actor are the batch's.
#[derive(Clone, Debug)]
pub struct BatchItem<'a> {
    /// Profile name, as for [`super::IssueRequest`].
    pub profile: &'a str,
    /// Subject in RFC 4514 form.
    pub subject: &'a str,
    /// The subject's key.
    pub key: KeyInput<'a>,
}

/// Issue `items` under `ca`, all or nothing. A refusal names the first bad item and leaves the
/// database as it was.
pub async fn issue_batch(
    platform: &Platform,
    ca: &str,
    items: &[BatchItem<'_>],
    actor: &str,
) -> Result<Vec<Issued>, CoreError> {
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(CaError::BatchSize(items.len()).into());
    }
    let material = issuing_material(platform, ca).await?;
    let mut slices: Vec<Vec<OwnedItem>> = Vec::new();
    for slice in items.chunks(SLICE) {
        slices.push(slice.iter().map(OwnedItem::from).collect());
    }
    let now = platform.clock.now();
    // The signer runs ahead of the writer by at most two slices.
    let (sender, mut receiver) = mpsc::channel(2);
    let signing = {
        let material = Arc::clone(&material);
        tokio::task::spawn_blocking(move || {
            for (n, slice) in slices.into_iter().enumerate() {
                let signed = plan_and_sign(&material, n * SLICE, slice, now);
                let refused = signed.is_err();
                if sender.blocking_send(signed).is_err() || refused {
                    break;
                }
            }
        })
    };

    let mut tx = platform.db.begin().await?;
    let mut signed: Vec<Signed> = Vec::with_capacity(items.len());
    let mut serials = Vec::with_capacity(items.len());
    while let Some(slice) = receiver.recv().await {
        // A refusal returns here: the transaction rolls back and the signer stops.
        let (rows, slice): (Vec<CertificateRow>, Vec<Signed>) = slice?.into_iter().unzip();
        serials.extend(record_certificates(&mut tx, &material.name, rows, now).await?);
        signed.extend(slice);
    }
    signing.await.map_err(internal)?;
    if signed.len() != items.len() {
        return Err(CoreError::internal("ca: a batch's signer stopped early"));
    }
    let mut profiles: Vec<&str> = signed.iter().map(|(p, _)| p.profile.name()).collect();
    profiles.sort_unstable();
    profiles.dedup();
    let event = AuditEvent::new(
        actor,
        "ca.certificate.issue_batch",
        format!("ca:{}", material.name),
    )
    .change(
        serde_json::Value::Null,
        json!({
            "ca": material.name,
            "count": serials.len(),
            "profiles": profiles,
            "keys_made_here": signed.iter().filter(|(p, _)| p.key.is_some()).count(),
            "serials": serials,
        }),
    );
    platform.audit.append(&mut tx, now, &event).await?;
    tx.commit().await?;

    let chain = chain_pem(&material)?;
    signed
        .into_iter()
        .zip(serials)
        .map(|((planned, cert_pem), serial)| deliver(planned, cert_pem, serial, chain.clone()))
        .collect()
}

/// A refusal of item `index` (counted from 0, shown from 1); internal errors stay as they are.
fn in_batch(index: usize, error: CoreError) -> CoreError {
    match error.into_wing::<CaError>() {
        Ok(error) => CaError::InBatch {
            index,
            error: Box::new(error),
        }
        .into(),
        Err(other) => other,
    }
}

/// A signed certificate as the holder gets it (PEM) and the key made for it, if any.
type Signed = (Planned, String);

/// A [`BatchItem`] the signing threads own.
struct OwnedItem {
    profile: String,
    subject: String,
    key: OwnedKey,
}

enum OwnedKey {
    Csr(Vec<u8>),
    PublicKey(x509_cert::spki::SubjectPublicKeyInfoOwned),
    MakeHere,
}

impl From<&BatchItem<'_>> for OwnedItem {
    fn from(item: &BatchItem<'_>) -> Self {
        Self {
            profile: item.profile.to_owned(),
            subject: item.subject.to_owned(),
            key: match &item.key {
                KeyInput::Csr(csr) => OwnedKey::Csr(csr.to_vec()),
                KeyInput::PublicKey(key) => OwnedKey::PublicKey(key.clone()),
                KeyInput::MakeHere => OwnedKey::MakeHere,
            },
        }
    }
}

/// Checks (the CSR signatures are most of the work) and signs one slice, split evenly over the
/// machine's cores; `first` is the slice's position in the batch. The first refusal by position
/// wins.
fn plan_and_sign(
    material: &CaMaterial,
    first: usize,
    items: Vec<OwnedItem>,
    now: Timestamp,
) -> Result<Vec<(CertificateRow, Signed)>, CoreError> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let per_thread = items.len().div_ceil(threads).max(1);
    let mut parts: Vec<(usize, Vec<OwnedItem>)> = Vec::new();
    let mut rest = items.into_iter().peekable();
    while rest.peek().is_some() {
        let start = first + parts.len() * per_thread;
        parts.push((start, rest.by_ref().take(per_thread).collect()));
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> = parts
            .into_iter()
            .map(|(start, part)| {
                scope.spawn(move || {
                    part.into_iter()
                        .enumerate()
                        .map(|(offset, item)| {
                            let key = match &item.key {
                                OwnedKey::Csr(csr) => KeyInput::Csr(csr),
                                OwnedKey::PublicKey(key) => KeyInput::PublicKey(key.clone()),
                                OwnedKey::MakeHere => KeyInput::MakeHere,
                            };
                            let planned = plan(material, &item.profile, &item.subject, key, None)
                                .map_err(|error| in_batch(start + offset, error))?;
                            let certificate = sign(material, &planned, now)?;
                            let row = CertificateRow::new(
                                &certificate,
                                planned.profile.name(),
                                planned.algorithm.name(),
                            )?;
                            let pem = certificate.to_pem(LineEnding::LF).map_err(internal)?;
                            Ok((row, (planned, pem)))
                        })
                        .collect::<Result<Vec<_>, CoreError>>()
                })
            })
            .collect();
        let mut signed = Vec::new();
        for worker in workers {
            let part = worker
                .join()
                .map_err(|_| CoreError::internal("ca: a signing thread failed"))??;
            signed.extend(part);
        }
        Ok(signed)
    })
}

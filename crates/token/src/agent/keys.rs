//! Key pairs and their certificates: make a key pair and its PKCS#10 request on the token,
//! write the issued certificate next to it, and remove an old pair after renewal.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use signet_pki::KeyAlgorithm;

use super::Shared;
use super::error::AgentError;
use super::wire::{
    Body, CertificateView, Params, certificate_der, encode, key_id, required, required_pin,
};

/// Label of a key pair when the request names none.
const DEFAULT_LABEL: &str = "Signet";

/// `POST /v1/tokens/{serial}/keys`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewKey {
    pin: Option<String>,
    /// `ecdsa-p256`, `rsa-2048` (or `rsa-3072`).
    algorithm: Option<String>,
    /// RFC 4514, e.g. `CN=张三,O=测试科技有限公司,C=CN`.
    subject_dn: Option<String>,
    label: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct MadeKey {
    /// Hex `CKA_ID`: name the key by it when writing its certificate, signing, or removing it.
    key_id: String,
    algorithm: &'static str,
    label: String,
    /// The PKCS#10 request, DER, base64.
    csr: String,
}

pub(crate) async fn create(
    State(agent): State<Shared>,
    Params(serial): Params<String>,
    Body(request): Body<NewKey>,
) -> Result<(StatusCode, Json<MadeKey>), AgentError> {
    let pin = required_pin("pin", request.pin)?;
    let algorithm: KeyAlgorithm = required("algorithm", request.algorithm)?.parse()?;
    let subject = signet_pki::names::parse_name(&required("subject_dn", request.subject_dn)?)?;
    let label = request.label.unwrap_or_else(|| DEFAULT_LABEL.to_owned());
    let made = agent
        .as_user(serial, pin, move |token| {
            let id = token.random_key_id()?;
            let key = token.generate_key_pair(algorithm, &id, &label)?;
            let csr = key.make_csr(&subject);
            drop(key);
            match csr {
                Ok(csr) => Ok(MadeKey {
                    key_id: id.to_hex(),
                    algorithm: algorithm.name(),
                    label,
                    csr: encode(&csr),
                }),
                Err(error) => {
                    // A key pair without its request is of no use: leave nothing behind.
                    if let Err(cleanup) = token.delete_key_and_certificate(&id) {
                        tracing::warn!(key_id = %id, %cleanup, "could not remove a key pair");
                    }
                    Err(error.into())
                }
            }
        })
        .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// `POST /v1/tokens/{serial}/certificates`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCertificate {
    pin: Option<String>,
    key_id: Option<String>,
    /// PEM, or DER in base64.
    certificate: Option<String>,
    /// Defaults to the key pair's label.
    label: Option<String>,
}

pub(crate) async fn write_certificate(
    State(agent): State<Shared>,
    Params(serial): Params<String>,
    Body(request): Body<NewCertificate>,
) -> Result<(StatusCode, Json<CertificateView>), AgentError> {
    let pin = required_pin("pin", request.pin)?;
    let id = key_id("key_id", request.key_id.as_deref())?;
    let der = certificate_der(&required("certificate", request.certificate)?)?;
    let stored = agent
        .as_user(serial, pin, move |token| {
            let label = if let Some(label) = request.label {
                label
            } else {
                let key = token.key(&id)?;
                let label = key.label().trim();
                if label.is_empty() {
                    DEFAULT_LABEL
                } else {
                    label
                }
                .to_owned()
            };
            let stored = token.write_certificate(&der, &id, &label)?;
            Ok(CertificateView::from(&stored))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// `DELETE /v1/tokens/{serial}/keys/{key_id}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PinOnly {
    pin: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct Removed {
    key_id: String,
    /// Objects removed: private key, public key, certificate.
    removed: usize,
}

pub(crate) async fn remove(
    State(agent): State<Shared>,
    Params((serial, id)): Params<(String, String)>,
    Body(request): Body<PinOnly>,
) -> Result<Json<Removed>, AgentError> {
    let pin = required_pin("pin", request.pin)?;
    let id = key_id("key_id", Some(&id))?;
    let removed = agent
        .as_user(serial, pin, move |token| {
            Ok(Removed {
                removed: token.delete_key_and_certificate(&id)?,
                key_id: id.to_hex(),
            })
        })
        .await?;
    Ok(Json(removed))
}

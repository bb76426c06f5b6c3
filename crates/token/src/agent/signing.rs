//! `POST /v1/tokens/{serial}/sign`: certificate login. The platform hands the page a
//! challenge; the token signs it with the key of the holder's certificate; the platform checks
//! the signature with that certificate (`signet_pki::signer::verify_signature`).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use signet_pki::Signer as _;

use super::Shared;
use super::error::AgentError;
use super::wire::{Body, Params, decode, encode, key_id, required, required_pin};

/// `POST /v1/tokens/{serial}/sign`. The PIN comes with every request: the agent logs in,
/// signs and logs out, so a page cannot sign anything without the holder typing the PIN.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignRequest {
    pin: Option<String>,
    key_id: Option<String>,
    /// The challenge, base64.
    challenge: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct Signed {
    key_id: String,
    /// The key's algorithm (`ecdsa-p256`, `rsa-2048`, …); its signature algorithm is
    /// `KeyAlgorithm::signature_algorithm` of it.
    algorithm: &'static str,
    /// The signature algorithm's OID (`1.2.840.10045.4.3.2` for ecdsa-with-SHA256,
    /// `1.2.840.113549.1.1.11` for sha256WithRSAEncryption).
    signature_algorithm: String,
    /// The signature, base64: PKCS#1 v1.5 for RSA, DER `SEQUENCE { r, s }` for ECDSA.
    signature: String,
    /// The key's certificate from the token, DER, base64 (`null` if none is stored).
    certificate: Option<String>,
}

pub(crate) async fn sign(
    State(agent): State<Shared>,
    Params(serial): Params<String>,
    Body(request): Body<SignRequest>,
) -> Result<Json<Signed>, AgentError> {
    let pin = required_pin("pin", request.pin)?;
    let id = key_id("key_id", request.key_id.as_deref())?;
    let challenge = decode("challenge", &required("challenge", request.challenge)?)?;
    let signed = agent
        .as_user(serial, pin, move |token| {
            let algorithm = token.key(&id)?.key_algorithm();
            let signed = token.sign_challenge(&id, &challenge)?;
            Ok(Signed {
                key_id: id.to_hex(),
                algorithm: algorithm.name(),
                signature_algorithm: signed.algorithm.oid.to_string(),
                signature: encode(&signed.signature),
                certificate: signed.certificate.as_deref().map(encode),
            })
        })
        .await?;
    Ok(Json(signed))
}

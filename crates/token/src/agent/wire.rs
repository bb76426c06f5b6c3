//! The agent's side of the wire: extractors that answer in the agent's error form, and the
//! encodings requests and answers use (base64, hex key IDs, PEM or DER certificates).

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::AgentError;
use crate::certificates::TokenCertificate;
use crate::keys::KeyId;

/// Standard base64; padding optional on input, present on output.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A JSON body; a bad one is answered as an [`AgentError`].
pub(crate) struct Body<T>(pub T);

impl<S, T> FromRequest<S> for Body<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AgentError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AgentError> {
        let axum::Json(value) = axum::Json::<T>::from_request(request, state).await?;
        Ok(Self(value))
    }
}

/// Path parameters; a bad one is answered as an [`AgentError`].
pub(crate) struct Params<T>(pub T);

impl<S, T> FromRequestParts<S> for Params<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = AgentError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AgentError> {
        let Path(value) = Path::<T>::from_request_parts(parts, state).await?;
        Ok(Self(value))
    }
}

/// A PIN field's value, refusing it missing or empty.
pub(crate) fn required_pin(
    field: &'static str,
    value: Option<String>,
) -> Result<String, AgentError> {
    value
        .filter(|pin| !pin.is_empty())
        .ok_or(AgentError::PinRequired(field))
}

/// A text field's value, refusing it missing or blank.
pub(crate) fn required(field: &'static str, value: Option<String>) -> Result<String, AgentError> {
    value
        .filter(|text| !text.trim().is_empty())
        .ok_or_else(|| AgentError::BadRequest(format!("`{field}` is required")))
}

pub(crate) fn key_id(field: &'static str, value: Option<&str>) -> Result<KeyId, AgentError> {
    let text = value.ok_or_else(|| AgentError::BadRequest(format!("`{field}` is required")))?;
    Ok(KeyId::from_hex(text)?)
}

pub(crate) fn encode(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

pub(crate) fn decode(field: &str, text: &str) -> Result<Vec<u8>, AgentError> {
    BASE64
        .decode(text.trim())
        .map_err(|error| AgentError::BadRequest(format!("`{field}` is not base64: {error}")))
}

/// A certificate given as PEM (`-----BEGIN CERTIFICATE-----`) or as base64 DER.
pub(crate) fn certificate_der(text: &str) -> Result<Vec<u8>, AgentError> {
    let text = text.trim();
    if !text.starts_with("-----BEGIN") {
        return decode("certificate", text);
    }
    let (label, der) = der::pem::decode_vec(text.as_bytes())
        .map_err(|error| AgentError::BadRequest(format!("`certificate` is not PEM: {error}")))?;
    if label != "CERTIFICATE" {
        return Err(AgentError::BadRequest(format!(
            "`certificate` is PEM of a {label}, not a CERTIFICATE"
        )));
    }
    Ok(der)
}

/// A certificate on the token, as the agent shows it.
#[derive(Serialize)]
pub(crate) struct CertificateView {
    /// Hex `CKA_ID` of its key pair (`null` for a certificate without one).
    key_id: Option<String>,
    label: String,
    /// DER, base64.
    der: String,
    /// RFC 4514.
    subject: String,
    issuer: String,
    /// Hex, as the platform shows serial numbers.
    serial: String,
    /// RFC 3339, UTC.
    not_before: String,
    not_after: String,
}

impl From<&TokenCertificate> for CertificateView {
    fn from(stored: &TokenCertificate) -> Self {
        let tbs = stored.certificate.tbs_certificate();
        Self {
            key_id: stored.id.as_ref().map(KeyId::to_hex),
            label: stored.label.clone(),
            der: encode(&stored.der),
            subject: tbs.subject().to_string(),
            issuer: tbs.issuer().to_string(),
            serial: signet_pki::serial::serial_hex(tbs.serial_number()),
            not_before: tbs.validity().not_before.to_string(),
            not_after: tbs.validity().not_after.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_lenient_in_and_strict_out() {
        assert_eq!(encode(b"ab"), "YWI=");
        assert_eq!(decode("x", "YWI=").unwrap(), b"ab");
        assert_eq!(decode("x", "YWI").unwrap(), b"ab");
        assert_eq!(decode("x", "!!").unwrap_err().code(), "agent.bad_request");
        assert_eq!(certificate_der("YWI=").unwrap(), b"ab");
        let pem = "-----BEGIN CERTIFICATE-----\nYWI=\n-----END CERTIFICATE-----\n";
        assert_eq!(certificate_der(pem).unwrap(), b"ab");
        let key = "-----BEGIN PRIVATE KEY-----\nYWI=\n-----END PRIVATE KEY-----\n";
        assert!(certificate_der(key).is_err());
        assert_eq!(
            required_pin("pin", Some(String::new())).unwrap_err().code(),
            "agent.pin_required"
        );
        assert_eq!(
            required_pin("pin", None).unwrap_err().code(),
            "agent.pin_required"
        );
        assert_eq!(
            key_id("key_id", Some("zz")).unwrap_err().code(),
            "token.invalid_key_id"
        );
    }
}

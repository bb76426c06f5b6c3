//! `POST /v1/tokens/{serial}/sign`: certificate login. The platform hands the page a
//! challenge; the token signs it with the key of the holder's certificate; the platform checks
//! the signature with that certificate (`signet_pki::signer::verify_signature`).
//!
//! Only the platform's own challenges are signed, named by their purpose:
//! `signet-login:<nonce>:<time>` and `signet-bind:<nonce>:<time>`. Anything else (a document
//! hash, a TLS handshake, another service's login) is refused before the PIN reaches the token,
//! so a page that gets hold of the holder's PIN still cannot make the token sign for it.

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
    /// What the signature is for (`login` or `bind`): when given, the challenge must be one of
    /// that purpose.
    purpose: Option<String>,
}

/// The purposes the platform asks signatures for, as its challenges name them.
const PURPOSES: [&str; 2] = ["login", "bind"];
/// A challenge's nonce: the platform's 256-bit random token in hex (64 characters); a little
/// room either way, never room for a document.
const NONCE_CHARS: std::ops::RangeInclusive<usize> = 32..=128;
/// A challenge's time: Unix seconds.
const TIME_DIGITS: std::ops::RangeInclusive<usize> = 1..=12;

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
    platform_challenge(&challenge, request.purpose.as_deref())?;
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

/// Accept `challenge` only if it is one the platform makes: `signet-<purpose>:<nonce>:<time>`
/// with a known purpose (the one asked for, if any), a hex or base64url nonce and a time in
/// Unix seconds.
pub(crate) fn platform_challenge(
    challenge: &[u8],
    purpose: Option<&str>,
) -> Result<(), AgentError> {
    let refused = |why: &str| Err(AgentError::ChallengeRefused(why.to_owned()));
    let Ok(text) = std::str::from_utf8(challenge) else {
        return refused("it is not text");
    };
    let mut parts = text.split(':');
    let (Some(head), Some(nonce), Some(time), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return refused("it is not of the form signet-<purpose>:<nonce>:<time>");
    };
    let Some(named) = head
        .strip_prefix("signet-")
        .filter(|named| PURPOSES.contains(named))
    else {
        return refused("it names no purpose the platform signs for");
    };
    if purpose.is_some_and(|asked| asked != named) {
        return refused("it is not a challenge of the purpose asked for");
    }
    let nonce_ok = NONCE_CHARS.contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let time_ok = TIME_DIGITS.contains(&time.len()) && time.bytes().all(|b| b.is_ascii_digit());
    if !nonce_ok || !time_ok {
        return refused("its nonce or time is malformed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_15_only_the_platforms_challenges_pass() {
        let nonce = "7c1e".repeat(16);
        for (good, purpose) in [
            (format!("signet-login:{nonce}:1793491200"), None),
            (format!("signet-bind:{nonce}:1793491200"), None),
            (format!("signet-login:{nonce}:1793491200"), Some("login")),
            (format!("signet-bind:{nonce}:1793491200"), Some("bind")),
        ] {
            assert!(
                platform_challenge(good.as_bytes(), purpose).is_ok(),
                "{good}"
            );
        }
        let digest = [0x5a_u8; 32];
        assert_eq!(
            platform_challenge(&digest, None).unwrap_err().code(),
            "agent.challenge_refused"
        );
        for (bad, purpose) in [
            (String::new(), None),
            (
                "signet login 2026-11-01T00:00:00Z nonce 7c1e".to_owned(),
                None,
            ),
            (format!("signet-login:{nonce}:1793491200"), Some("bind")),
            (format!("signet-login:{nonce}:1793491200"), Some("contract")),
            (format!("signet-contract:{nonce}:1793491200"), None),
            (
                format!("signet-contract:{nonce}:1793491200"),
                Some("contract"),
            ),
            (format!("signet-login:{nonce}:1793491200:extra"), None),
            (format!("signet-login:{nonce}:1793491200\n"), None),
            (format!("signet-login:{nonce}:"), None),
            (format!("signet-login:{nonce}:-1"), None),
            ("signet-login:short:1793491200".to_owned(), None),
            (format!("signet-login:{}:1793491200", "a".repeat(129)), None),
            (format!("signet-login:{nonce}/..:1793491200"), None),
            (format!("x-signet-login:{nonce}:1793491200"), None),
            (format!("SIGNET-LOGIN:{nonce}:1793491200"), None),
        ] {
            let error = platform_challenge(bad.as_bytes(), purpose).unwrap_err();
            assert_eq!(error.code(), "agent.challenge_refused", "{bad:?}");
            assert_eq!(error.status(), 403);
        }
    }
}

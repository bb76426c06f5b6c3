//! The signature of a delivery: `v1=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>`, where the
//! key is the secret exactly as shown to the administrator (`whsec_…`) and the timestamp is the
//! `Signet-Timestamp` header (unix seconds). Receivers recompute it over the raw body and refuse
//! timestamps far from their clock (five minutes is the documented tolerance).

use hmac::{Hmac, KeyInit as _, Mac};
use sha2::Sha256;

use crate::error::CoreError;

/// The prefix of every secret, so one pasted in the wrong place is recognisable.
pub const SECRET_PREFIX: &str = "whsec_";

/// The value of `Signet-Signature` for `body` sent at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> Result<String, CoreError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|e| CoreError::internal(format!("webhook hmac: {e}")))?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Ok(format!("v1={}", hex::encode(mac.finalize().into_bytes())))
}

/// A fresh secret: the prefix and 256 random bits in hex.
pub fn new_secret(random: crate::platform::random::Random) -> Result<String, CoreError> {
    Ok(format!("{SECRET_PREFIX}{}", random.token()?))
}

#[cfg(test)]
mod tests {
    use super::sign;

    #[test]
    fn signs_timestamp_dot_body_with_the_secret_text() {
        // Pinned: `printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test`.
        let signature = sign("whsec_test", 1_700_000_000, r#"{"a":1}"#).unwrap();
        assert_eq!(
            signature,
            "v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
        assert_ne!(
            signature,
            sign("whsec_test", 1_700_000_001, r#"{"a":1}"#).unwrap()
        );
        assert_ne!(
            signature,
            sign("whsec_other", 1_700_000_000, r#"{"a":1}"#).unwrap()
        );
    }
}

//! The CA's TSA as the notary of audit checkpoints: it stamps a checkpoint's statement with an
//! RFC 3161 token, and checks such a token was made by one of this CA's own TSAs.

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use der::asn1::OctetString;
use der::{Decode as _, Encode as _};
use signet_pki::algorithm::SHA256;
use signet_pki::tsa::types::{MessageImprint, TimeStampReqAsn1, TimeStampRespAsn1};
use sqlx::Row as _;
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::{internal, timestamp};
use crate::Platform;
use crate::error::CoreError;
use crate::platform::audit::checkpoint::Notary;

/// Which issuing CA's TSA stamps checkpoints: the first of these that exists.
const PREFERRED: [&str; 3] = ["ecc", "sm2", "rsa"];

/// Stamps audit checkpoints with this CA's own TSA.
pub struct TsaNotary;

fn request(digest: &[u8; 32]) -> Result<Vec<u8>, CoreError> {
    TimeStampReqAsn1 {
        version: 1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: SHA256,
                parameters: None,
            },
            hashed_message: OctetString::new(digest.to_vec()).map_err(internal)?,
        },
        req_policy: None,
        nonce: None,
        cert_req: Some(true),
        extensions: None,
    }
    .to_der()
    .map_err(internal)
}

#[async_trait]
impl Notary for TsaNotary {
    async fn stamp(
        &self,
        platform: &Platform,
        digest: &[u8; 32],
    ) -> Result<Option<(String, Vec<u8>)>, CoreError> {
        for name in PREFERRED {
            let exists = sqlx::query(
                "SELECT name FROM ca_authorities WHERE issuer_name = $1 AND role = 'tsa'",
            )
            .bind(name)
            .fetch_optional(platform.db.pool())
            .await?
            .is_some();
            if !exists {
                continue;
            }
            let answer = timestamp(platform, name, &request(digest)?).await?;
            let response = TimeStampRespAsn1::from_der(&answer).map_err(internal)?;
            if response.status.status > 1 {
                return Err(internal(format!(
                    "TSA {name} refused the checkpoint (status {})",
                    response.status.status
                )));
            }
            let token = response
                .time_stamp_token
                .ok_or_else(|| internal("TSA answered without a token"))?
                .to_der()
                .map_err(internal)?;
            return Ok(Some((name.to_owned(), token)));
        }
        Ok(None)
    }

    async fn check(
        &self,
        platform: &Platform,
        token: &[u8],
        digest: &[u8; 32],
    ) -> Result<Option<String>, CoreError> {
        let (check, _) = signet_pdf::verify::cms::check_token(token, &|algorithm| {
            if algorithm == SHA256 {
                Ok(digest.to_vec())
            } else {
                Err(signet_pdf::PdfError::Timestamp(
                    "imprint is not SHA-256".into(),
                ))
            }
        });
        if let Some(why) = check.error {
            return Ok(Some(why));
        }
        let Some(signer) = check.signer else {
            return Ok(Some("no signer certificate in the token".into()));
        };
        let signer = STANDARD.encode(signer.to_der().map_err(internal)?);
        let ours: Vec<String> =
            sqlx::query("SELECT certificate_der FROM ca_authorities WHERE role = 'tsa'")
                .fetch_all(platform.db.pool())
                .await?
                .iter()
                .map(|row| row.try_get("certificate_der"))
                .collect::<Result<_, _>>()?;
        if ours.contains(&signer) {
            Ok(None)
        } else {
            Ok(Some("signed by a TSA that is not this CA's".into()))
        }
    }
}

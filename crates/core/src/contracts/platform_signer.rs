//! The platform's own signatures (the evidence report, the regulator's reports): each is made
//! under a one-off certificate of the CA's `event` profile, issued for that one use and never
//! stored, from the first issuing CA that exists (ECDSA first: every reader validates it; SM2
//! only ours). Its key lives only in memory while the signature is made.

use secrecy::ExposeSecret as _;
use signet_pdf::Credentials;
use signet_pki::names::{ORGANIZATION, attribute};

use crate::Platform;
use crate::ca::{self, CaRole, IssueRequest};
use crate::error::CoreError;

/// Which issuing CA signs: the first that exists.
const PREFERRED: [&str; 3] = ["ecc", "rsa", "sm2"];

fn internal(error: impl std::fmt::Display) -> CoreError {
    CoreError::internal(format!("platform signer: {error}"))
}

/// The issuing CA to sign with, and the organisation its certificates name.
async fn signing_ca(platform: &Platform) -> Result<(String, String), CoreError> {
    let cas = ca::list_cas(platform).await?;
    let name = PREFERRED
        .into_iter()
        .find(|name| {
            cas.iter()
                .any(|c| c.name == *name && c.role == CaRole::Issuing)
        })
        .ok_or_else(|| internal("no issuing CA: run `signet init` first"))?;
    let der = ca::ca_certificate(platform, name).await?;
    let certificate = Credentials::parse_der(&der).map_err(internal)?;
    let organisation = attribute(certificate.tbs_certificate().subject(), ORGANIZATION)
        .unwrap_or_else(|| "Signet".into());
    Ok((name.to_owned(), organisation))
}

/// A one-off signing identity: the key and certificate, the chain as PEM, and the CA whose TSA
/// stamps its signatures.
pub struct OneOff {
    pub credentials: Credentials,
    /// The issuing CA's certificate, then the root's.
    pub chain_pem: String,
    pub ca: String,
}

/// Issues a one-off certificate named `common_name` (audit actor `actor`) and holds its key.
pub async fn one_off(
    platform: &Platform,
    common_name: &str,
    actor: &str,
) -> Result<OneOff, CoreError> {
    let (ca_name, organisation) = signing_ca(platform).await?;
    let subject = format!(
        "CN={},O={},C=CN",
        crate::ca::escape_name_value(common_name),
        crate::ca::escape_name_value(&organisation)
    );
    let issued = ca::issue(
        platform,
        &IssueRequest {
            ca: &ca_name,
            profile: "event",
            subject: &subject,
            csr: None,
            actor,
        },
    )
    .await?;
    let key_pem = issued
        .key_pem
        .as_ref()
        .ok_or_else(|| internal("the CA made no key"))?;
    let credentials = Credentials::from_pem(
        issued.cert_pem.as_bytes(),
        key_pem.expose_secret().as_bytes(),
        Some(issued.chain_pem.as_bytes()),
    )
    .map_err(internal)?;
    Ok(OneOff {
        credentials,
        chain_pem: issued.chain_pem,
        ca: ca_name,
    })
}

/// The time-stamping unit of the CA the platform signs with (archives' document timestamps).
pub async fn timestamps(platform: &Platform) -> Result<ca::PlatformTimestamps, CoreError> {
    let (ca_name, _) = signing_ca(platform).await?;
    ca::timestamps(platform, &ca_name).await
}

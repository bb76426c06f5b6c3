//! X.509 certificates on the token: writing one next to its key, and listing them.

use cryptoki::object::{Attribute, AttributeType, CertificateType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use der::{Decode, Encode};
use signet_pki::PkiError;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;

use crate::error::{Result, TokenError, p11};
use crate::keys::{KeyId, find, read_bytes, read_public_key};
use crate::module::check_label;
use crate::token::Token;

/// Longest certificate label accepted.
const MAX_OBJECT_LABEL_BYTES: usize = 128;

/// A certificate stored on the token.
#[derive(Clone, Debug)]
pub struct TokenCertificate {
    /// `CKA_ID`: the ID of its key pair (`None` for a certificate stored without one, such as
    /// a CA certificate another tool wrote).
    pub id: Option<KeyId>,
    /// `CKA_LABEL`.
    pub label: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// The certificate, decoded.
    pub certificate: Certificate,
}

impl Token {
    /// Store `der` as the certificate of the key pair `id` (`CKO_CERTIFICATE`, `CKC_X_509`,
    /// with `CKA_SUBJECT`, `CKA_ISSUER`, `CKA_SERIAL_NUMBER` and `CKA_VALUE`).
    ///
    /// The certificate must certify that key. A key has one certificate: an older one stored
    /// under the same ID is removed once the new one is written. Writing the same certificate
    /// twice changes nothing.
    pub fn write_certificate(
        &self,
        der: &[u8],
        id: &KeyId,
        label: &str,
    ) -> Result<TokenCertificate> {
        check_label(label, MAX_OBJECT_LABEL_BYTES)?;
        let certificate = Certificate::from_der(der)
            .map_err(|e| TokenError::MalformedCertificate(e.to_string()))?;
        let tbs = certificate.tbs_certificate();
        let subject = tbs.subject().to_der().map_err(PkiError::from)?;
        let issuer = tbs.issuer().to_der().map_err(PkiError::from)?;
        // CKA_SERIAL_NUMBER is the DER of the INTEGER, tag and length included.
        let serial = tbs.serial_number().to_der().map_err(PkiError::from)?;
        let key = self.public_key_of(id)?;
        if &key != tbs.subject_public_key_info() {
            return Err(TokenError::CertificateKeyMismatch(id.clone()));
        }
        let session = self.session();
        let older = certificate_objects(&session, Some(id))?;
        for object in &older {
            if read_bytes(&session, *object, AttributeType::Value)?.as_deref() == Some(der) {
                drop(session);
                return self.stored(id, der);
            }
        }
        session
            .create_object(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::CertificateType(CertificateType::X_509),
                Attribute::Token(true),
                Attribute::Private(false),
                Attribute::Id(id.as_bytes().to_vec()),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Subject(subject),
                Attribute::Issuer(issuer),
                Attribute::SerialNumber(serial),
                Attribute::Value(der.to_vec()),
            ])
            .map_err(p11)?;
        for object in older {
            session.destroy_object(object).map_err(p11)?;
        }
        Ok(TokenCertificate {
            id: Some(id.clone()),
            label: label.to_owned(),
            der: der.to_vec(),
            certificate,
        })
    }

    /// Every X.509 certificate on the token. Objects whose value does not decode as a
    /// certificate are left out: nothing in Signet could use them.
    pub fn certificates(&self) -> Result<Vec<TokenCertificate>> {
        let session = self.session();
        let mut out = Vec::new();
        for object in certificate_objects(&session, None)? {
            if let Some(certificate) = read_certificate(&session, object)? {
                out.push(certificate);
            }
        }
        Ok(out)
    }

    /// The public key of the key pair `id`: from its public key object, or else through
    /// [`Token::key`] (which needs the user logged in).
    fn public_key_of(&self, id: &KeyId) -> Result<SubjectPublicKeyInfoOwned> {
        let public = {
            let session = self.session();
            let objects = find(
                &session,
                &[
                    Attribute::Class(ObjectClass::PUBLIC_KEY),
                    Attribute::Id(id.as_bytes().to_vec()),
                ],
            )?;
            match objects.first() {
                Some(object) => Some(read_public_key(&session, *object)?),
                None => None,
            }
        };
        match public {
            Some(key) => Ok(key),
            None => Ok(signet_pki::Signer::public_key(&self.key(id)?).clone()),
        }
    }

    fn stored(&self, id: &KeyId, der: &[u8]) -> Result<TokenCertificate> {
        self.certificates()?
            .into_iter()
            .find(|c| c.id.as_ref() == Some(id) && c.der == der)
            .ok_or_else(|| TokenError::KeyNotFound(id.clone()))
    }
}

fn certificate_objects(session: &Session, id: Option<&KeyId>) -> Result<Vec<ObjectHandle>> {
    let mut template = vec![
        Attribute::Class(ObjectClass::CERTIFICATE),
        Attribute::CertificateType(CertificateType::X_509),
    ];
    if let Some(id) = id {
        template.push(Attribute::Id(id.as_bytes().to_vec()));
    }
    find(session, &template)
}

fn read_certificate(session: &Session, object: ObjectHandle) -> Result<Option<TokenCertificate>> {
    let Some(der) = read_bytes(session, object, AttributeType::Value)? else {
        return Ok(None);
    };
    let Ok(certificate) = Certificate::from_der(&der) else {
        return Ok(None);
    };
    // An ID Signet would not make (empty, or very long) is shown as none.
    let id = read_bytes(session, object, AttributeType::Id)?.and_then(|id| KeyId::new(id).ok());
    let label = read_bytes(session, object, AttributeType::Label)?.unwrap_or_default();
    Ok(Some(TokenCertificate {
        id,
        label: String::from_utf8_lossy(&label).into_owned(),
        der,
        certificate,
    }))
}

/// The public key in the certificate stored under `id`, for keys kept without a public
/// key object.
pub(crate) fn certificate_public_key(
    session: &Session,
    id: &KeyId,
) -> Result<Option<SubjectPublicKeyInfoOwned>> {
    for object in certificate_objects(session, Some(id))? {
        if let Some(stored) = read_certificate(session, object)? {
            return Ok(Some(
                stored
                    .certificate
                    .tbs_certificate()
                    .subject_public_key_info()
                    .clone(),
            ));
        }
    }
    Ok(None)
}

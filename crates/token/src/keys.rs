//! Key pairs on the token: their IDs, generation, lookup and removal.

use cryptoki::mechanism::MechanismType;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use der::Decode;
use signet_pki::KeyAlgorithm;
use signet_pki::algorithm::P256_CURVE;
use signet_pki::keystore::{self, KeyPairTemplate};
use spki::SubjectPublicKeyInfoOwned;

use crate::certificates::certificate_public_key;
use crate::error::{Result, TokenError, p11};
use crate::module::check_label;
use crate::signer::TokenKey;
use crate::token::Token;

/// Longest `CKA_ID` accepted (PKCS#11 sets no limit; real IDs are 16–32 bytes).
const MAX_KEY_ID_BYTES: usize = 64;

/// Longest object label accepted.
const MAX_OBJECT_LABEL_BYTES: usize = 128;

/// `CKA_ID`: what ties a private key, its public key and its certificate together.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct KeyId(Vec<u8>);

impl KeyId {
    /// An ID of 1 to 64 bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self> {
        let bytes = bytes.into();
        if bytes.is_empty() || bytes.len() > MAX_KEY_ID_BYTES {
            return Err(TokenError::InvalidKeyId(format!(
                "{} bytes; use 1 to {MAX_KEY_ID_BYTES}",
                bytes.len()
            )));
        }
        Ok(Self(bytes))
    }

    /// Parse hexadecimal, as `pkcs11-tool` prints IDs (`a1b2…`).
    pub fn from_hex(text: &str) -> Result<Self> {
        let text = text.trim();
        if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(TokenError::InvalidKeyId(format!(
                "`{text}` is not an even number of hexadecimal digits"
            )));
        }
        let bytes = (0..text.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&text[at..at + 2], 16))
            .collect::<std::result::Result<Vec<u8>, _>>()
            .map_err(|e| TokenError::InvalidKeyId(e.to_string()))?;
        Self::new(bytes)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Lower-case hexadecimal.
    pub fn to_hex(&self) -> String {
        use std::fmt::Write as _;
        self.0.iter().fold(String::new(), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl std::fmt::Debug for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyId({})", self.to_hex())
    }
}

impl std::str::FromStr for KeyId {
    type Err = TokenError;

    fn from_str(text: &str) -> Result<Self> {
        Self::from_hex(text)
    }
}

impl Token {
    /// Make a key pair on the token, labelled `label`, both halves with `CKA_ID` `id`.
    ///
    /// The private key never leaves the token (`CKA_SENSITIVE`, not `CKA_EXTRACTABLE`) and can
    /// only sign (no decrypt, unwrap or derive). RSA-2048, RSA-3072 and ECDSA P-256 are
    /// supported. SM2 is not: PKCS#11 has no standard SM2 mechanism (each vendor defines its
    /// own), so it is refused with [`TokenError::UnsupportedAlgorithm`]. The user must be
    /// logged in.
    pub fn generate_key_pair(
        &self,
        algorithm: KeyAlgorithm,
        id: &KeyId,
        label: &str,
    ) -> Result<TokenKey> {
        check_label(label, MAX_OBJECT_LABEL_BYTES)?;
        let (mechanism, sign) = match algorithm {
            KeyAlgorithm::Rsa2048 | KeyAlgorithm::Rsa3072 => (
                MechanismType::RSA_PKCS_KEY_PAIR_GEN,
                MechanismType::SHA256_RSA_PKCS,
            ),
            KeyAlgorithm::EcdsaP256 => (MechanismType::ECC_KEY_PAIR_GEN, MechanismType::ECDSA),
            KeyAlgorithm::Sm2 => {
                return Err(TokenError::UnsupportedAlgorithm(
                    "SM2 (PKCS#11 defines no SM2 mechanism; vendor extensions are not used)".into(),
                ));
            }
        };
        self.require_mechanisms(algorithm, &[mechanism, sign])?;
        self.require_login()?;
        let session = self.session();
        if !find(&session, &[Attribute::Id(id.as_bytes().to_vec())])?.is_empty() {
            return Err(TokenError::KeyIdInUse(id.clone()));
        }
        let template = KeyPairTemplate::new(algorithm, id.as_bytes(), label)?;
        let (public, _private) = session
            .generate_key_pair(&template.mechanism, &template.public, &template.private)
            .map_err(p11)?;
        let public_key = read_public_key(&session, public)?;
        drop(session);
        TokenKey::new(
            self.shared_session(),
            id.clone(),
            label.to_owned(),
            public_key,
        )
    }

    /// The key pair with `CKA_ID` `id` (needs the user logged in: private keys are private).
    pub fn key(&self, id: &KeyId) -> Result<TokenKey> {
        self.require_login()?;
        let session = self.session();
        let id_attribute = Attribute::Id(id.as_bytes().to_vec());
        let private = *find(
            &session,
            &[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                id_attribute.clone(),
            ],
        )?
        .first()
        .ok_or_else(|| TokenError::KeyNotFound(id.clone()))?;
        let label = read_bytes(&session, private, AttributeType::Label)?.unwrap_or_default();
        let label = String::from_utf8_lossy(&label).into_owned();
        let public = find(
            &session,
            &[Attribute::Class(ObjectClass::PUBLIC_KEY), id_attribute],
        )?;
        // Some tools keep only the certificate next to the private key.
        let public_key = match public.first() {
            Some(object) => read_public_key(&session, *object)?,
            None => certificate_public_key(&session, id)?.ok_or_else(|| TokenError::Pkcs11 {
                function: "FindObjects".into(),
                reason: format!("key {id} has neither a public key nor a certificate"),
            })?,
        };
        drop(session);
        TokenKey::new(self.shared_session(), id.clone(), label, public_key)
    }

    /// Remove every object with `CKA_ID` `id`: private key, public key and certificate.
    /// Returns how many objects were removed.
    ///
    /// For renewal, write the new key's certificate first and remove the old key after, so a
    /// failure in between leaves the holder with a working certificate.
    pub fn delete_key_and_certificate(&self, id: &KeyId) -> Result<usize> {
        self.require_login()?;
        let session = self.session();
        let objects = find(&session, &[Attribute::Id(id.as_bytes().to_vec())])?;
        if objects.is_empty() {
            return Err(TokenError::KeyNotFound(id.clone()));
        }
        for object in &objects {
            session.destroy_object(*object).map_err(p11)?;
        }
        Ok(objects.len())
    }

    fn require_mechanisms(&self, algorithm: KeyAlgorithm, needed: &[MechanismType]) -> Result<()> {
        let offered = self
            .module()
            .context()
            .get_mechanism_list(self.slot())
            .map_err(p11)?;
        match needed.iter().find(|m| !offered.contains(m)) {
            None => Ok(()),
            Some(missing) => Err(TokenError::UnsupportedAlgorithm(format!(
                "{algorithm} (the module lacks {missing})"
            ))),
        }
    }
}

pub(crate) fn find(session: &Session, template: &[Attribute]) -> Result<Vec<ObjectHandle>> {
    session.find_objects(template).map_err(p11)
}

/// One byte-string attribute of an object, if the object has it.
pub(crate) fn read_bytes(
    session: &Session,
    object: ObjectHandle,
    kind: AttributeType,
) -> Result<Option<Vec<u8>>> {
    keystore::read_attribute_bytes(session, object, kind).map_err(p11)
}

fn required_bytes(session: &Session, object: ObjectHandle, kind: AttributeType) -> Result<Vec<u8>> {
    read_bytes(session, object, kind)?.ok_or_else(|| TokenError::Pkcs11 {
        function: "GetAttributeValue".into(),
        reason: format!("the token did not return {kind}"),
    })
}

/// The `SubjectPublicKeyInfo` of a public key object (RSA, or EC on P-256).
pub(crate) fn read_public_key(
    session: &Session,
    public: ObjectHandle,
) -> Result<SubjectPublicKeyInfoOwned> {
    let key_type = session
        .get_attributes(public, &[AttributeType::KeyType])
        .map_err(p11)?
        .into_iter()
        .find_map(|attribute| match attribute {
            Attribute::KeyType(kind) => Some(kind),
            _ => None,
        });
    match key_type {
        Some(kind) if kind == KeyType::RSA => rsa_public_key(session, public),
        Some(kind) if kind == KeyType::EC => ec_public_key(session, public),
        other => Err(TokenError::UnsupportedAlgorithm(format!(
            "key type {}",
            other.map_or_else(|| "unknown".to_owned(), |k| k.to_string())
        ))),
    }
}

fn rsa_public_key(session: &Session, public: ObjectHandle) -> Result<SubjectPublicKeyInfoOwned> {
    let modulus = required_bytes(session, public, AttributeType::Modulus)?;
    let exponent = required_bytes(session, public, AttributeType::PublicExponent)?;
    Ok(keystore::rsa_public_key_info(&modulus, &exponent)?)
}

fn ec_public_key(session: &Session, public: ObjectHandle) -> Result<SubjectPublicKeyInfoOwned> {
    let params = required_bytes(session, public, AttributeType::EcParams)?;
    let curve = der::asn1::ObjectIdentifier::from_der(&params).ok();
    if curve != Some(P256_CURVE) {
        return Err(TokenError::UnsupportedAlgorithm(format!(
            "EC key on curve {}",
            curve.map_or_else(
                || "given by explicit parameters".to_owned(),
                |c| c.to_string()
            )
        )));
    }
    let point = required_bytes(session, public, AttributeType::EcPoint)?;
    Ok(keystore::p256_public_key_info(point)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_round_trip_through_hex() {
        let id = KeyId::from_hex("00A1ff").unwrap();
        assert_eq!(id.as_bytes(), [0x00, 0xa1, 0xff]);
        assert_eq!(id.to_string(), "00a1ff");
        assert_eq!(format!("{id:?}"), "KeyId(00a1ff)");
        assert_eq!("00a1ff".parse::<KeyId>().unwrap(), id);
        for bad in ["", "abc", "zz", "é1"] {
            assert_eq!(
                KeyId::from_hex(bad).unwrap_err().code(),
                "token.invalid_key_id",
                "{bad}"
            );
        }
        assert!(KeyId::new(vec![1; 65]).is_err());
    }
}

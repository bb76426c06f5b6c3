//! The CA in the database: hierarchies made once, issuance for every family and profile, bad
//! input refused without a trace, revocation final, CRLs numbered upwards.

use der::{Decode as _, DecodePem as _};
use signet_core::CoreError;
use signet_core::ca::{
    CaRole, IssueRequest, crl, init_hierarchies, issue, list_cas, ocsp, revoke, timestamp,
};
use signet_core::platform::clock::Clock as _;
use signet_pki::csr::make_csr;
use signet_pki::ids::{credit_check_character, id_check_digit};
use signet_pki::names::parse_name;
use signet_pki::signer::Sm2Ids;
use signet_pki::validate::validate_path;
use signet_pki::{KeyAlgorithm, SoftwareKey};
use sqlx::Row as _;
use x509_cert::Certificate;
use x509_cert::certificate::Rfc5280;
use x509_cert::crl::CertificateList;

use crate::platform;

const URL: &str = "http://127.0.0.1:8080";

fn credit_code() -> String {
    let first = "91110108MA01ABCD1";
    format!(
        "{first}{}",
        char::from(credit_check_character(first).unwrap())
    )
}

fn subject(profile: &str) -> String {
    match profile {
        "enterprise" => format!(
            "CN=测试科技有限公司,O=测试科技有限公司,serialNumber={},C=CN",
            credit_code()
        ),
        "enterprise-seal" => format!(
            "CN=测试科技有限公司合同专用章,O=测试科技有限公司,serialNumber={},C=CN",
            credit_code()
        ),
        "personal" => {
            let first = "11010519491231002";
            let id = format!("{first}{}", char::from(id_check_digit(first).unwrap()));
            format!("CN=张三,serialNumber={id},C=CN")
        }
        _ => "CN=王五,O=Signet 测试,C=CN".to_owned(),
    }
}

fn request<'a>(
    ca: &'a str,
    profile: &'a str,
    subject: &'a str,
    csr: Option<&'a [u8]>,
) -> IssueRequest<'a> {
    IssueRequest {
        ca,
        profile,
        subject,
        csr,
        actor: "tester",
    }
}

pub async fn count(p: &signet_core::Platform, table: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM {table}"
    )))
    .fetch_one(p.db.pool())
    .await
    .unwrap()
    .try_get("n")
    .unwrap()
}

fn code(error: &CoreError) -> &'static str {
    error.describe().code
}

#[tokio::test]
async fn init_creates_three_hierarchies_once() {
    let t = platform().await;
    let p = &t.platform;
    assert_eq!(
        init_hierarchies(p, URL).await.unwrap(),
        ["rsa", "ecc", "sm2"]
    );
    let cas = list_cas(p).await.unwrap();
    assert_eq!(cas.len(), 12);
    assert!(init_hierarchies(p, URL).await.unwrap().is_empty());
    assert_eq!(list_cas(p).await.unwrap(), cas);
    let issuing: Vec<_> = cas.iter().filter(|c| c.role == CaRole::Issuing).collect();
    assert_eq!(issuing.len(), 3);
    assert!(
        issuing
            .iter()
            .all(|c| c.issuer.as_deref() == Some(&format!("{}-root", c.name)[..]))
    );
    // The CA certificates below the roots are answered for like any other.
    assert_eq!(count(p, "ca_certificates").await, 9);
    // Keys are stored encrypted (format 1: Argon2id + AES-256-GCM), never as a clear PKCS#8 key.
    let keys = sqlx::query("SELECT key_encrypted FROM ca_authorities")
        .fetch_all(p.db.pool())
        .await
        .unwrap();
    for row in keys {
        let text: String = row.try_get("key_encrypted").unwrap();
        let stored = base64_decode(&text);
        assert!(stored.starts_with(b"SGNK"));
        assert!(!is_clear_pkcs8(&stored));
    }
    assert_eq!(p.audit.verify(&p.db).await.unwrap().problem, None);
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn is_clear_pkcs8(der: &[u8]) -> bool {
    // A clear PrivateKeyInfo names its key algorithm: id-ecPublicKey (also SM2) or rsaEncryption.
    const EC: [u8; 9] = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    const RSA: [u8; 11] = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
    ];
    der.windows(EC.len()).any(|w| w == EC) || der.windows(RSA.len()).any(|w| w == RSA)
}

#[tokio::test]
async fn issues_every_profile_of_every_family_from_a_csr_and_with_a_key_made_here() {
    let t = platform().await;
    let p = &t.platform;
    init_hierarchies(p, URL).await.unwrap();
    let at = signet_core::ca::system_time(p.clock.now() + 60);
    for (ca, algorithm) in [
        ("rsa", KeyAlgorithm::Rsa2048),
        ("ecc", KeyAlgorithm::EcdsaP256),
        ("sm2", KeyAlgorithm::Sm2),
    ] {
        let key = SoftwareKey::generate(algorithm, "", &mut rng()).unwrap();
        let csr = make_csr(&key, &parse_name("CN=ignored").unwrap()).unwrap();
        for profile in [
            "enterprise",
            "personal",
            "enterprise-seal",
            "operator",
            "event",
            "sm2-encryption",
        ] {
            if profile == "sm2-encryption" && ca != "sm2" {
                let error = issue(p, &request(ca, profile, &subject(profile), Some(&csr)))
                    .await
                    .unwrap_err();
                assert_eq!(code(&error), "algorithm_not_allowed");
                continue;
            }
            let subject = subject(profile);
            for csr in [Some(&csr[..]), None] {
                let issued = issue(p, &request(ca, profile, &subject, csr))
                    .await
                    .unwrap();
                assert_eq!(issued.key_pem.is_some(), csr.is_none(), "{ca} {profile}");
                let leaf = Certificate::from_pem(issued.cert_pem.as_bytes()).unwrap();
                let chain = Certificate::load_pem_chain(issued.chain_pem.as_bytes()).unwrap();
                assert_eq!(chain.len(), 2);
                validate_path(&leaf, &chain[..1], &chain[1..], at, Sm2Ids::EITHER)
                    .unwrap_or_else(|e| panic!("{ca} {profile}: {e}"));
                let status: String =
                    sqlx::query("SELECT status FROM ca_certificates WHERE serial = $1")
                        .bind(&issued.serial)
                        .fetch_one(p.db.pool())
                        .await
                        .unwrap()
                        .try_get("status")
                        .unwrap();
                assert_eq!(status, "active");
            }
        }
    }
    assert_eq!(p.audit.verify(&p.db).await.unwrap().problem, None);
}

pub fn rng() -> sys_rng::rand_core::UnwrapErr<sys_rng::SysRng> {
    sys_rng::rand_core::UnwrapErr(sys_rng::SysRng)
}

#[tokio::test]
async fn bad_requests_are_refused_and_change_nothing() {
    let t = platform().await;
    let p = &t.platform;
    init_hierarchies(p, URL).await.unwrap();
    let key = SoftwareKey::generate(KeyAlgorithm::EcdsaP256, "", &mut rng()).unwrap();
    let good = make_csr(&key, &parse_name("CN=x").unwrap()).unwrap();
    let mut tampered = good.clone();
    let last = tampered.len() - 3;
    tampered[last] ^= 0x55;
    let oversized = vec![0x30; 20_000];
    let enterprise = subject("enterprise");
    let wrong_code = enterprise.replace(&credit_code(), "91110108MA01ABCD10");
    let certificates = count(p, "ca_certificates").await;
    let events = count(p, "audit_log").await;
    for (ca, profile, subject, csr, expected) in [
        (
            "ecc",
            "enterprise",
            &enterprise,
            Some(&b"not a request"[..]),
            "csr_malformed",
        ),
        (
            "ecc",
            "enterprise",
            &enterprise,
            Some(&tampered[..]),
            "csr_signature_invalid",
        ),
        (
            "ecc",
            "enterprise",
            &enterprise,
            Some(&oversized[..]),
            "csr_too_large",
        ),
        (
            "rsa",
            "enterprise",
            &enterprise,
            Some(&good[..]),
            "algorithm_not_allowed",
        ),
        (
            "ecc",
            "enterprise",
            &wrong_code,
            None,
            "credit_code_invalid",
        ),
        (
            "ecc",
            "enterprise",
            &"CN=x".to_owned(),
            None,
            "subject_invalid",
        ),
        (
            "ecc",
            "enterprise",
            &"not a name".to_owned(),
            None,
            "subject_invalid",
        ),
        ("nope", "enterprise", &enterprise, None, "ca_unknown"),
        (
            "ecc-root",
            "enterprise",
            &enterprise,
            None,
            "ca_not_issuing",
        ),
        ("ecc", "nope", &enterprise, None, "profile_unknown"),
        (
            "ecc",
            "issuing-ca",
            &enterprise,
            None,
            "profile_not_issuable",
        ),
    ] {
        let error = issue(p, &request(ca, profile, subject, csr))
            .await
            .unwrap_err();
        assert_eq!(code(&error), expected, "{ca} {profile} {subject}: {error}");
        let d = error.describe();
        assert!(!d.zh.is_empty() && !d.en.is_empty());
    }
    assert_eq!(count(p, "ca_certificates").await, certificates);
    assert_eq!(count(p, "audit_log").await, events);
}

fn crl_facts(der: &[u8]) -> (u64, Vec<String>) {
    let list = CertificateList::<Rfc5280>::from_der(der).unwrap();
    let number = list
        .tbs_cert_list
        .crl_extensions
        .as_ref()
        .unwrap()
        .iter()
        .find(|e| e.extn_id.to_string() == "2.5.29.20")
        .map(|e| {
            let n = der::asn1::Uint::from_der(e.extn_value.as_bytes()).unwrap();
            n.as_bytes()
                .iter()
                .fold(0u64, |acc, b| acc * 256 + u64::from(*b))
        })
        .unwrap();
    let serials = list
        .tbs_cert_list
        .revoked_certificates
        .unwrap_or_default()
        .iter()
        .map(|r| hex::encode(r.serial_number.as_bytes()))
        .collect();
    (number, serials)
}

#[tokio::test]
async fn revocation_is_final_and_the_next_crl_lists_it_with_a_higher_number() {
    let t = platform().await;
    let p = &t.platform;
    init_hierarchies(p, URL).await.unwrap();
    let issued = issue(p, &request("ecc", "operator", &subject("operator"), None))
        .await
        .unwrap();
    let (first, serials) = crl_facts(&crl(p, "ecc").await.unwrap());
    assert!(serials.is_empty());
    // Nothing changed: the same CRL again.
    assert_eq!(crl_facts(&crl(p, "ecc").await.unwrap()).0, first);

    let upper = issued.serial.to_ascii_uppercase();
    let revoked = revoke(p, &upper, "keyCompromise", "tester").await.unwrap();
    assert_eq!(
        (revoked.ca.as_str(), revoked.reason),
        ("ecc", "key-compromise")
    );
    let error = revoke(p, &issued.serial, "superseded", "tester")
        .await
        .unwrap_err();
    assert_eq!(code(&error), "certificate_already_revoked");
    let error = revoke(p, "00ff", "superseded", "tester").await.unwrap_err();
    assert_eq!(code(&error), "certificate_unknown");
    let other = issue(p, &request("ecc", "operator", &subject("operator"), None))
        .await
        .unwrap();
    let error = revoke(p, &other.serial, "certificate-hold", "tester")
        .await
        .unwrap_err();
    assert_eq!(code(&error), "revocation_reason_unknown");

    let (second, serials) = crl_facts(&crl(p, "ecc").await.unwrap());
    assert!(second > first, "{second} > {first}");
    assert_eq!(serials, std::slice::from_ref(&issued.serial));
    // Other CAs' CRLs are not affected; the root publishes one too.
    assert!(crl_facts(&crl(p, "rsa").await.unwrap()).1.is_empty());
    assert!(crl_facts(&crl(p, "ecc-root").await.unwrap()).1.is_empty());
    assert_eq!(code(&crl(p, "ecc-ocsp").await.unwrap_err()), "ca_unknown");
    assert_eq!(p.audit.verify(&p.db).await.unwrap().problem, None);
}

#[tokio::test]
async fn malformed_ocsp_and_timestamp_requests_get_protocol_errors() {
    let t = platform().await;
    let p = &t.platform;
    init_hierarchies(p, URL).await.unwrap();
    // OCSPResponse { responseStatus malformedRequest(1) }.
    assert_eq!(
        ocsp(p, "ecc", b"junk").await.unwrap(),
        [0x30, 0x03, 0x0a, 0x01, 0x01]
    );
    let reply = timestamp(p, "ecc", b"junk").await.unwrap();
    // TimeStampResp { status { rejection(2), failInfo } }.
    assert_eq!(
        &reply[..7],
        [0x30, reply[1], 0x30, reply[3], 0x02, 0x01, 0x02]
    );
    assert_eq!(
        code(&ocsp(p, "nope", b"junk").await.unwrap_err()),
        "ca_unknown"
    );
    assert_eq!(
        code(&timestamp(p, "ecc-root", b"junk").await.unwrap_err()),
        "ca_unknown"
    );
}

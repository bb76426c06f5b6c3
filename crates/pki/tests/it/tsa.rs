//! RFC 3161 time-stamps built here and checked by `openssl ts -verify`.

use std::process::Command;
use std::time::Duration;

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode};
use signet_pki::Family;
use signet_pki::profile::TSA_POLICY;
use signet_pki::serial::random_serial;
use signet_pki::signer::{Sm2Ids, verify_signature};
use signet_pki::tsa::{Failure, Tsa, failure_of, parse_request, rejection};

use crate::support::{attime, fixture, now, openssl, rng, run, tempdir, write, write_pem};

#[test]
fn openssl_verifies_tokens_with_nonce_and_cert_request() {
    let fixture = fixture();
    let dir = tempdir();
    let data = write(dir.path(), "contract.pdf", "合同内容".as_bytes());
    // SM2 is left out: OpenSSL 3.0's PKCS#7 code (used by `ts`) signs and verifies SM2 over the
    // bare SM3 digest without the Z value GM/T 0003 requires, so it cannot check a conformant
    // SM2 token. Ours is checked by `sm2_token_signature_verifies` below.
    for hierarchy in fixture
        .openssl_checkable()
        .into_iter()
        .filter(|h| h.family != Family::Sm2)
    {
        for cert_req in [true, false] {
            let Some(_) = openssl() else { return };
            let query = dir.path().join("req.tsq");
            let mut command = Command::new("openssl");
            command
                .args(["ts", "-query", "-sha256", "-data"])
                .arg(&data);
            if cert_req {
                command.arg("-cert");
            }
            let (ok, text) = run(command.arg("-out").arg(&query));
            assert!(ok, "{text}");
            let request = parse_request(&std::fs::read(&query).unwrap()).unwrap();
            assert_eq!(request.cert_req, cert_req);
            let signer = fixture.signer(&hierarchy.tsa.key);
            let tsa = Tsa {
                certificate: &hierarchy.tsa.certificate,
                signer: signer.as_ref(),
                policy: TSA_POLICY,
                accuracy: Duration::from_millis(1500),
            };
            let serial = random_serial(&mut rng(51)).unwrap();
            let response = tsa.stamp(&request, serial, now()).unwrap();
            let reply = write(dir.path(), "resp.tsr", &response);
            let root = write_pem(dir.path(), "root.pem", &[&hierarchy.root.certificate]);
            let untrusted = write_pem(
                dir.path(),
                "untrusted.pem",
                &[&hierarchy.issuing.certificate, &hierarchy.tsa.certificate],
            );
            let (ok, text) = run(Command::new("openssl")
                .args(["ts", "-verify", "-attime", &attime(), "-queryfile"])
                .arg(&query)
                .arg("-in")
                .arg(&reply)
                .arg("-CAfile")
                .arg(&root)
                .arg("-untrusted")
                .arg(&untrusted));
            assert!(
                ok && text.contains("Verification: OK"),
                "{}: {text}",
                hierarchy.family
            );
            let (ok, text) = run(Command::new("openssl")
                .args(["ts", "-reply", "-text", "-in"])
                .arg(&reply));
            assert!(ok, "{text}");
            assert!(text.contains("1.3.6.1.4.1.32473.2.1"), "{text}");
            assert!(
                text.contains("Accuracy: 0x01 seconds, 0x01F4 millis"),
                "{text}"
            );
            assert!(text.contains("Nonce: 0x"), "{text}");
        }
    }
}

#[test]
fn bad_requests_are_rejected_with_failure_info() {
    let error = parse_request(b"\x30\x00").unwrap_err();
    assert_eq!(error.code(), "pki.tsa_bad_request");
    assert_eq!(failure_of(&error), Failure::BadDataFormat);
    let answer = rejection(Failure::BadAlg).unwrap();
    // status rejection(2), failInfo badAlg: BIT STRING with bit 0 set.
    assert_eq!(
        answer,
        [
            0x30, 0x09, 0x30, 0x07, 0x02, 0x01, 0x02, 0x03, 0x02, 0x07, 0x80
        ]
    );
}

/// The token a GM/T verifier sees: SM2 over the DER signed attributes, with the CA's ID.
#[test]
fn sm2_token_signature_verifies() {
    #[derive(der::Sequence)]
    struct Response {
        status: der::Any,
        token: ContentInfo,
    }
    let fixture = fixture();
    let hierarchy = fixture.family(Family::Sm2);
    let signer = fixture.signer(&hierarchy.tsa.key);
    let tsa = Tsa {
        certificate: &hierarchy.tsa.certificate,
        signer: signer.as_ref(),
        policy: TSA_POLICY,
        accuracy: Duration::from_secs(1),
    };
    // A DER TimeStampReq: version 1, SM3 imprint of 32 bytes, certReq TRUE.
    let mut request = vec![
        0x30, 0x31, 0x02, 0x01, 0x01, 0x30, 0x2e, 0x30, 0x0a, 0x06, 0x08,
    ];
    request.extend([0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x11, 0x04, 0x20]);
    request.extend([7u8; 32]);
    request.extend([0x01, 0x01, 0xff]);
    request[1] = u8::try_from(request.len() - 2).unwrap();
    let parsed = parse_request(&request).unwrap();
    let response = tsa
        .stamp(&parsed, random_serial(&mut rng(3)).unwrap(), now())
        .unwrap();
    let response = Response::from_der(&response).unwrap();
    let signed_data = response.token.content.decode_as::<SignedData>().unwrap();
    let info = signed_data.signer_infos.0.iter().next().unwrap();
    let attrs = info.signed_attrs.as_ref().unwrap().to_der().unwrap();
    let public_key = hierarchy
        .tsa
        .certificate
        .tbs_certificate()
        .subject_public_key_info();
    verify_signature(
        public_key,
        &info.signature_algorithm,
        &attrs,
        info.signature.as_bytes(),
        Sm2Ids::GMT,
    )
    .unwrap();
    assert!(
        verify_signature(
            public_key,
            &info.signature_algorithm,
            &attrs,
            info.signature.as_bytes(),
            Sm2Ids::EMPTY
        )
        .is_err()
    );
    let _ = response.status;
}

#!/usr/bin/env bash
# Regenerates fuzz/fixtures (the test CA) and fuzz/seeds: the project's own code makes the CA,
# certificate requests and PDFs (examples/make_seeds.rs); openssl makes the rest, so the seeds
# also come from an independent producer. Seeds change on every run (keys are random): commit the
# result only when a seed is added or must change.
set -euo pipefail
cd "$(dirname "$0")"
cargo run --quiet --example make_seeds
seeds=seeds
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Certificate requests: RSA in PEM with extensions, P-384 (an algorithm we refuse) in DER.
openssl req -new -newkey rsa:2048 -nodes -keyout "$work/rsa.key" -subj "/CN=fuzz RSA/O=Signet/C=CN" \
  -addext "subjectAltName=DNS:fuzz.signet.test" -addext "keyUsage=digitalSignature" \
  -out "$seeds/csr/rsa2048-extensions.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$work/p384.key" \
  -subj "/CN=fuzz P-384" -outform DER -out "$seeds/csr/p384-refused.der" 2>/dev/null

# OCSP requests about certificates of the test CA: with a nonce, without, SHA-256 CertIDs, several.
ca=fixtures/ca.pem
openssl ocsp -issuer "$ca" -serial 2 -reqout "$seeds/ocsp_request/nonce.der"
openssl ocsp -issuer "$ca" -serial 2 -no_nonce -reqout "$seeds/ocsp_request/no-nonce.der"
openssl ocsp -issuer "$ca" -sha256 -serial 0x0123456789abcdef -reqout "$seeds/ocsp_request/sha256.der"
openssl ocsp -issuer "$ca" -serial 2 -serial 3 -serial 4 -no_nonce -reqout "$seeds/ocsp_request/three.der"

# Time-stamp requests: SHA-256 with nonce and certReq, SHA-512 bare, and one asking for our policy.
echo "Signet fuzz seed" >"$work/data"
openssl ts -query -data "$work/data" -sha256 -cert -out "$seeds/tsa_request/sha256-cert.der"
openssl ts -query -data "$work/data" -sha512 -no_nonce -out "$seeds/tsa_request/sha512.der"
openssl ts -query -data "$work/data" -sha384 -tspolicy 1.3.6.1.4.1.32473.2.1 \
  -out "$seeds/tsa_request/sha384-policy.der"
ls -l "$seeds"/*

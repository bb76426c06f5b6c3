"""Reference for `cargo xtask bench pdf`: pyHanko signs the same 10-page PDF at B-T (in-process
timestamper, as our benchmark uses an in-process TSA) and validates it, N times each, in one
Python process so interpreter start-up is not counted.

usage: pyhanko_pdf.py KEYDIR ROUNDS INPUT.pdf
KEYDIR holds ca.pem, cert.pem, key.pem, tsa.pem, tsa-key.pem (RSA-2048, made by openssl).
"""

import io
import sys
import time

from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def main() -> None:
    keydir, rounds, source = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    pdf = open(source, "rb").read()
    ca = load_cert_from_pemder(f"{keydir}/ca.pem")
    signer = signers.SimpleSigner.load(
        f"{keydir}/key.pem", f"{keydir}/cert.pem", ca_chain_files=(f"{keydir}/ca.pem",)
    )
    tsa = DummyTimeStamper(
        tsa_cert=load_cert_from_pemder(f"{keydir}/tsa.pem"),
        tsa_key=load_private_key_from_pemder(f"{keydir}/tsa-key.pem", None),
        certs_to_embed=[ca],
    )
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES
    )
    started = time.perf_counter()
    for _ in range(rounds):
        out = signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer, timestamper=tsa
        )
    sign_rate = rounds / (time.perf_counter() - started)
    signed = out.getvalue()
    context = ValidationContext(trust_roots=[ca])
    started = time.perf_counter()
    for _ in range(rounds):
        signature = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
        status = validate_pdf_signature(signature, context)
        if not status.intact or not status.valid:
            raise SystemExit(f"pyHanko could not validate its own signature: {status}")
    verify_rate = rounds / (time.perf_counter() - started)
    print(f"pyhanko sign B-T: {sign_rate:.1f}/s")
    print(f"pyhanko verify: {verify_rate:.1f}/s")


if __name__ == "__main__":
    main()

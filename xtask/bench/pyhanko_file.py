"""pyHanko beside `bench_file` in `cargo xtask bench pdf`: the same operation on the same file
with the same keys, in a process of its own, timed around the operation alone.

usage: pyhanko_file.py KEYDIR sign-bt|verify INPUT OUTPUT
sign-bt: `sign addsig` at B-T (PAdES, in-process timestamper like ours);
verify: `sign validate` of every signature, trusting ca.pem.
Prints `seconds=… peak_rss_kib=…` (ru_maxrss).
"""

import io
import resource
import sys
import time

from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext


def main() -> None:
    keydir, operation, source, target = sys.argv[1:5]
    ca = load_cert_from_pemder(f"{keydir}/ca.pem")
    started = time.perf_counter()
    if operation == "sign-bt":
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
        with open(source, "rb") as inp, open(target, "wb") as out:
            signers.sign_pdf(
                IncrementalPdfFileWriter(inp), meta, signer=signer, timestamper=tsa, output=out
            )
    elif operation == "verify":
        context = ValidationContext(trust_roots=[ca])
        with open(source, "rb") as inp:
            for signature in PdfFileReader(inp).embedded_signatures:
                if signature.sig_object_type == "/DocTimeStamp":
                    status = validate_pdf_timestamp(signature, validation_context=context)
                    if not status.intact or not status.valid:
                        raise SystemExit(f"pyHanko: timestamp not valid: {status}")
                    continue
                status = validate_pdf_signature(signature, context)
                if not status.intact or not status.valid:
                    raise SystemExit(f"pyHanko: not valid: {status}")
    else:
        raise SystemExit(f"unknown operation {operation}")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"seconds={seconds:.3f} peak_rss_kib={peak}")


if __name__ == "__main__":
    main()

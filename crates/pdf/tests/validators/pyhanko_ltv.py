"""Validate every signature and document timestamp of a PDF with pyHanko, revocation from /DSS.

Usage: python pyhanko_ltv.py FILE.pdf ROOTS.pem
Builds a validation context from the file's /DSS only (certificates, OCSP answers, CRLs), with
fetching off and revocation checking in hard-fail mode, so a signature passes only when the
embedded data proves every certificate's status. Exit 0 when every signature is intact,
trusted and followed only by allowed changes.
"""
import sys

from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext


def main():
    path, roots_path = sys.argv[1], sys.argv[2]
    with open(roots_path, 'rb') as f:
        roots = [x509.Certificate.load(der) for _, _, der in pem.unarmor(f.read(), multiple=True)]
    failures = 0
    with open(path, 'rb') as f:
        reader = PdfFileReader(f)
        dss = reader.root['/DSS']

        def items(key):
            return [s.get_object().data for s in dss.get(key, [])]

        def context():
            return ValidationContext(
                trust_roots=roots,
                other_certs=[x509.Certificate.load(c) for c in items('/Certs')],
                ocsps=items('/OCSPs'),
                crls=items('/CRLs'),
                allow_fetching=False,
                revocation_mode='hard-fail',
            )

        for sig in reader.embedded_signatures:
            try:
                if sig.sig_object.get('/Type') == '/DocTimeStamp':
                    status = validate_pdf_timestamp(sig, validation_context=context())
                    ok = status.valid and status.trusted
                else:
                    status = validate_pdf_signature(
                        sig, signer_validation_context=context(), ts_validation_context=context()
                    )
                    ok = status.bottom_line
                print(f'{sig.field_name}: ok={ok} modification={status.modification_level}')
                if not ok:
                    print(status.pretty_print_details())
                    failures += 1
            except Exception as e:  # noqa: BLE001 - report and count every failure
                print(f'{sig.field_name}: ERROR {type(e).__name__}: {e}')
                failures += 1
    print(f'{failures} failed')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()

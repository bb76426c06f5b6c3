"""Validate a PDF's signatures with pyHanko from the embedded /DSS alone: no network.

Usage: python pyhanko_ltv.py FILE.pdf ROOTS.pem

The pyHanko CLI (`pyhanko sign validate`, `pyhanko sign adesverify`) always asks the OCSP
responders and CRL distribution points named in the certificates when it validates at the
current time, so it cannot show that the file *itself* carries what long-term validation needs.
This script runs the same pyHanko validations with fetching switched off:

1. the legacy model with revocation checking in hard-fail mode, every certificate, OCSP answer
   and CRL taken from /DSS (signatures and document timestamps);
2. the AdES model (ETSI EN 319 102-1, what `adesverify` runs) with revocation information
   required, freshness judged as `adesverify` does, and only local data
   (RevinfoOnlineFetchingRule.LOCAL_ONLY, no certificate fetching). Each signature with a
   signature timestamp must come out PASSED: with a document timestamp after it, through the
   whole long-term procedure (`ades_lta_validation`, the document timestamps as evidence
   record); without one (B-LT), at the current time (`ades_with_time_validation`).

Why not `ades_lta_validation` for B-LT too: with no document timestamp pyHanko 0.38 always
ends it INDETERMINATE/NO_POE. Its past-signature step runs even after a PASSED current-time
result, and asks for proof of existence of the certificates before the validation time it
took at the start; with no evidence record, POEManager.__getitem__ registers "now" (a moment
later) as their POE, so the check `poe_manager[cert] > control_time` fails whatever the file
holds. The CLI reports such signatures VALID (it prints api_status.bottom_line). Signatures
without a signature timestamp (B-B) fail AdES with-time validation by design
(SIG_CONSTRAINTS_FAILURE) and are checked by the hard-fail pass only.

Exit 0 when everything passes; prints "N failed".
"""
import asyncio
import dataclasses
import sys

from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation import ades
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.ades import (
    AdESPassed,
    ades_lta_validation,
    ades_with_time_validation,
)
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import PdfSignatureStatus, format_pretty_print_details
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import (
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    FreshnessReqType,
)
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.registry import SimpleTrustManager


def ades_spec(roots):
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=roots),
        revinfo_policy=CertRevTrustPolicy(
            REQUIRE_REVINFO,
            freshness=None,
            freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION,
        ),
    )
    return PdfSignatureValidationSpec(
        signature_validation_spec=SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
                certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
            ),
        ),
        diff_policy=DEFAULT_DIFF_POLICY,
    )


async def with_time(sig, spec):
    """AdES validation at the current time from /DSS only (B-LT without an evidence record)."""
    sig.compute_integrity_info()
    local = ades._dss_to_local_knowledge(reader=sig.reader)
    validation_spec = dataclasses.replace(spec.signature_validation_spec, local_knowledge=local)
    timing = ValidationTimingInfo.now()
    handlers = ades.bootstrap_validation_data_handlers(spec=validation_spec, timing_info=timing)
    return await ades_with_time_validation(
        signed_data=sig.signed_data,
        validation_spec=validation_spec,
        timing_info=timing,
        validation_data_handlers=handlers,
        raw_digest=sig.compute_digest(),
        extra_status_kwargs=sig.summarise_integrity_info(),
        status_cls=PdfSignatureStatus,
    )


def main():
    path, roots_path = sys.argv[1], sys.argv[2]
    with open(roots_path, 'rb') as f:
        roots = [x509.Certificate.load(der) for _, _, der in pem.unarmor(f.read(), multiple=True)]
    failures = 0
    with open(path, 'rb') as f:
        reader = PdfFileReader(f)
        dss = reader.root['/DSS'] if '/DSS' in reader.root else {}

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
                print(f'{sig.field_name}: hard-fail ok={ok} modification={status.modification_level}')
                if not ok:
                    print(status.pretty_print_details())
                    failures += 1
            except Exception as e:  # noqa: BLE001 - report and count every failure
                print(f'{sig.field_name}: ERROR {type(e).__name__}: {e}')
                failures += 1

        spec = ades_spec(roots)
        doc_timestamps = [
            sig.signed_revision
            for sig in reader.embedded_signatures
            if sig.sig_object.get('/Type') == '/DocTimeStamp'
        ]
        for sig in reader.embedded_regular_signatures:
            if next(extract_tst_data_iter(sig.signer_info, signed=False), None) is None:
                print(f'{sig.field_name}: AdES skipped (B-B: no signature timestamp)')
                continue
            archived = any(rev > sig.signed_revision for rev in doc_timestamps)
            try:
                if archived:
                    result = asyncio.run(ades_lta_validation(sig, spec))
                    mode = 'long-term'
                else:
                    result = asyncio.run(with_time(sig, spec))
                    mode = 'current time'
                ok = (
                    result.ades_subindic == AdESPassed.OK
                    and result.api_status is not None
                    and result.api_status.bottom_line
                )
                print(
                    f'{sig.field_name}: AdES {mode} {result.ades_subindic} '
                    f'best signature time {result.best_signature_time}'
                )
                if not ok:
                    print(getattr(result, 'failure_msg', None))
                    if result.api_status is not None:
                        print(format_pretty_print_details(result.api_status))
                    failures += 1
            except Exception as e:  # noqa: BLE001 - report and count every failure
                print(f'{sig.field_name}: AdES ERROR {type(e).__name__}: {e}')
                failures += 1
    print(f'{failures} failed')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()

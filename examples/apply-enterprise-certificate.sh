#!/usr/bin/env bash
# Applies for an enterprise cloud certificate through the 001-style project (review before
# payment) with curl, from registration to the issued certificate, whose PEM is printed last.
#
#   examples/apply-enterprise-certificate.sh http://127.0.0.1:8080
#
# The server runs `signet serve --sandbox` on data prepared with `signet init --demo` (the demo
# catalog and the CA staff account; override with STAFF_USER / STAFF_PASSWORD).
# Needs: curl, python3.
set -euo pipefail
BASE="${1:?usage: $0 BASE_URL}"
source "$(dirname "$0")/lib/desk.sh"
APPLICANT=$(new_jar); STAFF=$(new_jar); PNG=$(mktemp --suffix .png)
trap 'rm -f "$APPLICANT" "$STAFF" "$PNG"' EXIT
RUN=$(unique8)
PHONE="139$RUN"; OPERATOR_PHONE="137$RUN"; REP_PHONE="136$RUN"
ACCOUNT="62220202${RUN}"
USCC=$(credit_code "91350100M${RUN}")
tiny_png "$PNG"

echo "1. register the applicant ($PHONE)" >&2
register "$APPLICANT" "$PHONE" "ent$RUN" 'Example#2026'

echo "2. open an order for the project's cloud certificate (ggzy-org-cloud)" >&2
ORDER=$(call "$APPLICANT" POST /api/v1/orders "{\"product_id\":\"$(product_id ggzy-org-cloud)\"}" | json "['id']")

echo "3. upload the business licence (checked by content, 1 MB limit)" >&2
LICENCE=$(upload "$APPLICANT" "$ORDER" business_licence "$PNG")

echo "3b. the operator is not the legal representative: upload the authorisation letter (seed 001)" >&2
LETTER=$(upload "$APPLICANT" "$ORDER" authorisation_letter "$PNG")

echo "4. save the wizard's form (spaces in the credit code are stripped)" >&2
call "$APPLICANT" PUT "/api/v1/orders/$ORDER/form" "{
  \"term_years\": 1, \"quantity\": 1, \"authorisation_grantee\": \"李经办\",
  \"organisation\": {\"name\": \"示例科技有限公司$RUN\", \"id_number\": \" $USCC \",
    \"legal_rep_name\": \"王法人\", \"legal_rep_id_number\": \"$(id_number 11010519491231002)\",
    \"legal_rep_phone\": \"$REP_PHONE\"},
  \"person\": {\"name\": \"李经办\", \"id_number\": \"$(id_number 35010219900101123)\",
    \"phone\": \"$OPERATOR_PHONE\", \"email\": \"operator$RUN@example.com\"},
  \"invoice\": {\"wanted\": true, \"title\": \"示例科技有限公司$RUN\", \"taxpayer_id\": \"$USCC\",
    \"email\": \"finance$RUN@example.com\"},
  \"materials\": {\"business_licence\": \"$LICENCE\", \"authorisation_letter\": \"$LETTER\"}
}" | json "['amount_fen']" | sed 's/^/   price in fen: /' >&2

echo "5. sign (SMS code to the operator + agreement) and submit: $(sign_and_submit "$APPLICANT" "$ORDER" "$OPERATOR_PHONE")" >&2

echo "6. micro-deposit to the organisation's account; the amount is read from the sandbox bank" >&2
CHECK=$(call "$APPLICANT" POST "/api/v1/orders/$ORDER/verifications" \
  "{\"party\":\"organisation\",\"method\":\"micro_deposit\",\"bank\":\"中国工商银行\",\"account\":\"$ACCOUNT\"}" \
  | json "['verification']['id']")
FEN=$(inbox_code "$ACCOUNT")
AMOUNT=$(python3 -c "print(f'{$FEN/100:.2f}')")
call "$APPLICANT" POST "/api/v1/orders/$ORDER/verifications/$CHECK/deposit" "{\"amount\":\"$AMOUNT\"}" >/dev/null

echo "7. operator check by phone three-factor" >&2
STATE=$(call "$APPLICANT" POST "/api/v1/orders/$ORDER/verifications" '{"party":"operator","method":"three_factor"}' | json "['order_state']")
echo "   order is now $STATE (review comes before payment here)" >&2

echo "8. CA staff approves" >&2
login "$STAFF" "${STAFF_USER:-staff}" "${STAFF_PASSWORD:-Staff@2026}"
call "$STAFF" POST "/api/v1/staff/orders/$ORDER/approve" '{}' | json "['state']" | sed 's/^/   /' >&2

echo "9. pay by WeChat Pay QR on the sandbox page: $(pay "$APPLICANT" "$ORDER")" >&2
echo "   order is now $(state "$APPLICANT" "$ORDER")" >&2

echo "10. the issued cloud certificate" >&2
call "$APPLICANT" GET "/api/v1/orders/$ORDER/certificates" | json "[0]['cert_pem']"

#!/usr/bin/env bash
# Applies for a personal cloud certificate through the 002-style partner channel (payment before
# review) with curl, from registration to the issued certificate, whose PEM is printed last.
#
#   examples/apply-personal-certificate.sh http://127.0.0.1:8080
#
# The server runs `signet serve --sandbox` on data prepared with `signet init --demo`.
# Needs: curl, python3.
set -euo pipefail
BASE="${1:?usage: $0 BASE_URL}"
source "$(dirname "$0")/lib/desk.sh"
APPLICANT=$(new_jar); STAFF=$(new_jar); PNG=$(mktemp --suffix .png)
trap 'rm -f "$APPLICANT" "$STAFF" "$PNG"' EXIT
RUN=$(unique8)
PHONE="138$RUN"
tiny_png "$PNG"

echo "1. the channel's landing page: $(curl -fsS "$BASE/api/v1/catalog/zfgjj" | json "['help']['landing_title']")" >&2

echo "2. register ($PHONE) and open an order for the personal cloud certificate" >&2
register "$APPLICANT" "$PHONE" "per$RUN" 'Example#2026'
ORDER=$(call "$APPLICANT" POST /api/v1/orders "{\"product_id\":\"$(product_id zfgjj-personal-cloud)\"}" | json "['id']")

echo "3. upload both sides of the ID card" >&2
FRONT=$(upload "$APPLICANT" "$ORDER" id_front "$PNG")
BACK=$(upload "$APPLICANT" "$ORDER" id_back "$PNG")

echo "4. save the form: 2 years" >&2
call "$APPLICANT" PUT "/api/v1/orders/$ORDER/form" "{
  \"term_years\": 2, \"quantity\": 1,
  \"person\": {\"name\": \"赵个人\", \"id_number\": \"$(id_number 44030519850505${RUN:0:3})\",
    \"phone\": \"$PHONE\", \"email\": \"person$RUN@example.com\"},
  \"materials\": {\"id_front\": \"$FRONT\", \"id_back\": \"$BACK\"}
}" | json "['amount_fen']" | sed 's/^/   price in fen: /' >&2

echo "5. sign and submit: $(sign_and_submit "$APPLICANT" "$ORDER" "$PHONE")" >&2

echo "6. phone three-factor check: order $(call "$APPLICANT" POST "/api/v1/orders/$ORDER/verifications" '{"party":"person","method":"three_factor"}' | json "['order_state']")" >&2

echo "7. pay first (Alipay/WeChat QR on the sandbox page): $(pay "$APPLICANT" "$ORDER"); order $(state "$APPLICANT" "$ORDER")" >&2

echo "8. CA staff reviews and approves; the cloud certificate is issued at once" >&2
login "$STAFF" "${STAFF_USER:-staff}" "${STAFF_PASSWORD:-Staff@2026}"
call "$STAFF" POST "/api/v1/staff/orders/$ORDER/approve" '{}' | json "['state']" | sed 's/^/   /' >&2

echo "9. the issued cloud certificate" >&2
call "$APPLICANT" GET "/api/v1/orders/$ORDER/certificates" | json "[0]['cert_pem']"

#!/usr/bin/env bash
# Orders a USB-key certificate, produces it onto a SoftHSM2 token, moves the sandbox clock into
# the renewal window, renews it, and leaves the renewed certificate on the token (its PEM is
# printed last).
#
#   SIGNET_DATA=./data examples/renew-token-certificate.sh http://127.0.0.1:8080
#
# The server runs `signet serve --sandbox` on data prepared with `signet init --demo`.
# `signet token produce` is the CA's production station: it runs on the platform's data
# (SIGNET_DATA, or DATABASE_URL for PostgreSQL). The token is SoftHSM2: the SOFTHSM2_CONF given,
# or a temporary one. SIGNET_BIN names the signet binary (default: signet on the PATH).
# Needs: curl, python3, softhsm2.
set -euo pipefail
BASE="${1:?usage: $0 BASE_URL}"
source "$(dirname "$0")/lib/desk.sh"
SIGNET="${SIGNET_BIN:-signet}"
: "${SIGNET_DATA:?set SIGNET_DATA to the data directory of the server}"
WORK=$(mktemp -d)
APPLICANT="$WORK/applicant.jar"; STAFF="$WORK/staff.jar"; PNG="$WORK/licence.png"
trap 'rm -rf "$WORK"' EXIT
if [ -z "${SOFTHSM2_CONF:-}" ]; then
  mkdir -p "$WORK/tokens"
  printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK/tokens" >"$WORK/softhsm2.conf"
  export SOFTHSM2_CONF="$WORK/softhsm2.conf"
fi
RUN=$(unique8)
PHONE="135$RUN"; OPERATOR_PHONE="133$RUN"; LABEL="UKEY$RUN"; PIN=123456
USCC=$(credit_code "91350100M${RUN}")
tiny_png "$PNG"
token() { "$SIGNET" token "$@"; }

echo "1. register and order the USB-key certificate (ukey-org, 300.00 CNY a year)" >&2
register "$APPLICANT" "$PHONE" "key$RUN" 'Example#2026'
FORM_JSON() { # materials-id
  cat <<JSON
{ "term_years": 1, "quantity": 1,
  "organisation": {"name": "令牌示例有限公司$RUN", "id_number": "$USCC", "legal_rep_name": "王法人",
    "legal_rep_id_number": "$(id_number 11010519491231002)", "legal_rep_phone": "136$RUN"},
  "person": {"name": "李经办", "id_number": "$(id_number 35010219900101123)", "phone": "$OPERATOR_PHONE",
    "email": "key$RUN@example.com"},
  "shipping": {"name": "李经办", "phone": "$OPERATOR_PHONE", "address": "福州市鼓楼区软件大道 1 号"},
  "materials": {"business_licence": "$1"} }
JSON
}
# apply ORDER: form, signature, identity checks, payment, staff approval.
apply() {
  local order="$1"
  call "$APPLICANT" PUT "/api/v1/orders/$order/form" "$(FORM_JSON "$(upload "$APPLICANT" "$order" business_licence "$PNG")")" >/dev/null
  sign_and_submit "$APPLICANT" "$order" "$OPERATOR_PHONE" >/dev/null
  call "$APPLICANT" POST "/api/v1/orders/$order/verifications" '{"party":"organisation","method":"three_factor"}' >/dev/null
  call "$APPLICANT" POST "/api/v1/orders/$order/verifications" '{"party":"operator","method":"three_factor"}' >/dev/null
  pay "$APPLICANT" "$order" >/dev/null
  call "$STAFF" POST "/api/v1/staff/orders/$order/approve" '{}' | json "['state']"
}
ORDER=$(call "$APPLICANT" POST /api/v1/orders "{\"product_id\":\"$(product_id ukey-org)\"}" | json "['id']")
login "$STAFF" "${STAFF_USER:-staff}" "${STAFF_PASSWORD:-Staff@2026}"
echo "   after review: $(apply "$ORDER")" >&2

echo "2. CA staff produces it onto a blank SoftHSM2 token (key made on the token)" >&2
# (awk reads the whole listing: stopping early would cut the pipe under signet)
SLOT=$(token list | awk '/\(blank\)/ && !done {print $2; done=1}')
token produce --order "$ORDER" --token "$LABEL" --init-slot "$SLOT" --pin "$PIN" >&2
call "$STAFF" POST "/api/v1/staff/orders/$ORDER/ship" '{"courier":"顺丰速运","tracking_number":"SF'"$RUN"'0001"}' | json "['state']" | sed 's/^/   shipped: /' >&2
OLD_KEY=$(token list | awk '/certificate id=/ && !done {sub("id=","",$2); print $2; done=1}')

echo "3. eleven months later (the sandbox clock moves; sign in again)" >&2
call "$STAFF" POST /dev/clock '{"advance_seconds": 29462400}' >/dev/null   # CA staff only
login "$APPLICANT" "key$RUN" 'Example#2026'
login "$STAFF" "${STAFF_USER:-staff}" "${STAFF_PASSWORD:-Staff@2026}"
SERIAL=$(call "$APPLICANT" GET '/api/v1/certificates?expiring=true' | json "[0]['serial']")
echo "   certificate $SERIAL is expiring and renewable" >&2

echo "4. renewal order: the first order's data prefilled, checked and paid again" >&2
RENEWAL=$(call "$APPLICANT" POST "/api/v1/certificates/$SERIAL/orders" '{"kind":"renewal"}' | json "['id']")
echo "   after review: $(apply "$RENEWAL")" >&2

echo "5. a new key pair on the same token, its request signed there" >&2
NEW_KEY=$(token enroll --token "$LABEL" --pin "$PIN" --csr-out "$WORK/renewal.csr")
CSR=$(python3 -c "import base64,sys; print(base64.b64encode(open('$WORK/renewal.csr','rb').read()).decode())")
TOKEN_SERIAL=$(token list | awk -v l="label=$LABEL" '$0 ~ l && !done {for (i=1;i<=NF;i++) if ($i ~ /^serial=/) {sub("serial=","",$i); print $i}; done=1}')
call "$APPLICANT" POST "/api/v1/orders/$RENEWAL/key-update" "{\"csr\":\"$CSR\",\"token_serial\":\"$TOKEN_SERIAL\"}" \
  | json "['cert_pem']" >"$WORK/renewed.pem"
echo "   renewal order is now $(state "$APPLICANT" "$RENEWAL")" >&2

echo "6. the renewed certificate written to the token; the old key pair removed" >&2
token renew --token "$LABEL" --pin "$PIN" --key-id "$NEW_KEY" --cert "$WORK/renewed.pem" --old-key-id "$OLD_KEY" >&2
token list | grep -A3 "label=$LABEL" >&2

echo "7. the renewed certificate on the token" >&2
cat "$WORK/renewed.pem"

#!/usr/bin/env bash
# The e-contract platform's first half with curl: a new person registers, passes real-name
# authentication (a free personal cloud certificate), certifies a new enterprise through the desk
# (CA staff approves through the staff API) and becomes its administrator, draws its seals; a
# second person registers, is real-named and joins with a business type and a grant of the company
# seal. Writes to OUT_DIR:
#
#   enterprise.json      ids of the enterprise, the administrator, the member and the seals, and
#                        the two persons' phones (they sign in again with SMS codes)
#   enterprise.pem       the enterprise's certificate (O = name, serialNumber = credit code)
#   person.pem           the administrator's personal certificate
#   member.pem           the member's personal certificate
#   seal-company.png     the company seal (公章), as the API serves it
#   seal-legal-rep.png   the legal representative's seal (法人章)
#   seal-name.png        the administrator's personal name seal
#
#   examples/certify-enterprise.sh http://127.0.0.1:8080 ./out
#
# The server runs `signet serve --sandbox` on data prepared with `signet init --demo` (the demo
# catalog's e-contract products and the CA staff account; override with STAFF_USER /
# STAFF_PASSWORD). Needs: curl, python3.
set -euo pipefail
BASE="${1:?usage: $0 BASE_URL OUT_DIR}"
OUT="${2:?usage: $0 BASE_URL OUT_DIR}"
source "$(dirname "$0")/lib/desk.sh"
require_demo econtract-org-cloud
mkdir -p "$OUT"
ADMIN=$(new_jar); MEMBER=$(new_jar); STAFF=$(new_jar); PNG=$(mktemp --suffix .png)
trap 'rm -f "$ADMIN" "$MEMBER" "$STAFF" "$PNG"' EXIT
RUN=$(unique8)
ADMIN_PHONE="158$RUN"; MEMBER_PHONE="159$RUN"; REP_PHONE="157$RUN"
NAME="豫云签示例科技有限公司$RUN"
USCC=$(credit_code "91410100M${RUN}")
ADMIN_ID17="41${RUN:0:4}19850101${RUN:4:3}"; MEMBER_ID17="41${RUN:0:4}19900202${RUN:4:3}"
tiny_png "$PNG"

# pem JAR PATH FILE: the `cert_pem` of a certificate answer, written to FILE.
pem() { call "$1" GET "$2" | json "['cert_pem']" >"$3"; }
# png JAR PATH FILE: an image as served.
png() { curl -fsS -b "$1" -o "$3" "$BASE$2"; }

echo "1. register the future administrator ($ADMIN_PHONE) and pass real-name authentication" >&2
register "$ADMIN" "$ADMIN_PHONE" "eca$RUN" 'Example#2026'
echo "   carrier three-factor: $(real_name "$ADMIN" 孙管理 "$ADMIN_ID17")" >&2
ADMIN_ID=$(call "$ADMIN" GET /api/v1/me | json "['id']")

echo "2. apply for the enterprise $NAME ($USCC): a desk order of the econtract project" >&2
ENTERPRISE=$(call "$ADMIN" POST /api/v1/enterprises "{
  \"name\": \"$NAME\", \"credit_code\": \"$USCC\", \"legal_rep_name\": \"孙管理\",
  \"legal_rep_id_number\": \"$(id_number "$ADMIN_ID17")\", \"legal_rep_phone\": \"$REP_PHONE\"}")
ENTERPRISE_ID=$(echo "$ENTERPRISE" | json "['id']")
ORDER=$(echo "$ENTERPRISE" | json "['order_id']")
echo "   enterprise $ENTERPRISE_ID is $(echo "$ENTERPRISE" | json "['state']"), order $ORDER" >&2

echo "3. the desk's wizard: business licence, the prefilled form, SMS-signed with the legal rep's code" >&2
LICENCE=$(upload "$ADMIN" "$ORDER" business_licence "$PNG")
FORM=$(call "$ADMIN" GET "/api/v1/orders/$ORDER" | python3 -c "
import json, sys
form = json.load(sys.stdin)['form']
form['materials'] = {'business_licence': '$LICENCE'}
print(json.dumps(form))")
call "$ADMIN" PUT "/api/v1/orders/$ORDER/form" "$FORM" >/dev/null
echo "   submitted: $(sign_and_submit "$ADMIN" "$ORDER" "$ADMIN_PHONE" "$REP_PHONE")" >&2

echo "4. paperless checks: the legal rep's and the operator's phone three-factor" >&2
for party in organisation operator; do
  call "$ADMIN" POST "/api/v1/orders/$ORDER/verifications" \
    "{\"party\":\"$party\",\"method\":\"three_factor\"}" | json "['order_state']" | sed "s/^/   $party: order /" >&2
done

echo "5. CA staff approves through the staff API; the desk issues the enterprise's certificate" >&2
staff_login "$STAFF"
call "$STAFF" POST "/api/v1/staff/orders/$ORDER/approve" '{}' | json "['state']" | sed 's/^/   order /' >&2
for _ in $(seq 1 100); do
  STATE=$(call "$ADMIN" GET "/api/v1/enterprises/$ENTERPRISE_ID" | json "['state']")
  [ "$STATE" = certified ] && break
  sleep 0.2
done
[ "$STATE" = certified ] || { echo "the enterprise is still $STATE" >&2; exit 1; }
echo "   enterprise is $STATE; role of the applicant: $(call "$ADMIN" GET "/api/v1/enterprises/$ENTERPRISE_ID" | json "['role']")" >&2

echo "6. the administrator draws the company seal and the legal representative's seal" >&2
COMPANY=$(call "$ADMIN" POST "/api/v1/enterprises/$ENTERPRISE_ID/seals" '{"seal_type":"company"}' | json "['seal']['id']")
LEGAL_REP=$(call "$ADMIN" POST "/api/v1/enterprises/$ENTERPRISE_ID/seals" '{"seal_type":"legal_rep"}' | json "['seal']['id']")
NAME_SEAL=$(call "$ADMIN" GET /api/v1/me/seals | python3 -c "
import json, sys
print(next(s['id'] for s in json.load(sys.stdin) if s['kind'] == 'name'))")

echo "7. a second person registers ($MEMBER_PHONE), is real-named and asks to join" >&2
register "$MEMBER" "$MEMBER_PHONE" "ecm$RUN" 'Example#2026'
echo "   carrier three-factor: $(real_name "$MEMBER" 周成员 "$MEMBER_ID17")" >&2
MEMBER_ID=$(call "$MEMBER" GET /api/v1/me | json "['id']")
call "$MEMBER" POST "/api/v1/enterprises/$ENTERPRISE_ID/join-requests" '{"reason":"人事部合同专员"}' >/dev/null

echo "8. the administrator approves: member, business type 劳动合同, the company seal" >&2
call "$ADMIN" GET "/api/v1/enterprises/$ENTERPRISE_ID/join-requests" | python3 -c "
import json, sys
assert '$MEMBER_ID' in [r['user_id'] for r in json.load(sys.stdin)], 'the request is not listed'"
LABOUR=$(call "$ADMIN" GET "/api/v1/enterprises/$ENTERPRISE_ID/business-types" | python3 -c "
import json, sys
print(next(t['id'] for t in json.load(sys.stdin) if t['name'] == '劳动合同'))")
call "$ADMIN" POST "/api/v1/enterprises/$ENTERPRISE_ID/join-requests/$MEMBER_ID/approve" \
  "{\"role\":\"member\",\"business_type_ids\":[\"$LABOUR\"],\"grants\":[{\"seal_id\":\"$COMPANY\"}]}" >/dev/null
call "$MEMBER" GET "/api/v1/enterprises/$ENTERPRISE_ID/seals" | python3 -c "
import json, sys
usable = [s['seal']['id'] for s in json.load(sys.stdin) if s['usable']]
assert usable == ['$COMPANY'], usable
print('   the member may use the company seal')" >&2

echo "9. certificates and seal images, as served, into $OUT" >&2
pem "$ADMIN" "/api/v1/enterprises/$ENTERPRISE_ID/certificate" "$OUT/enterprise.pem"
pem "$ADMIN" /api/v1/me/person-certificate "$OUT/person.pem"
pem "$MEMBER" /api/v1/me/person-certificate "$OUT/member.pem"
png "$ADMIN" "/api/v1/enterprises/$ENTERPRISE_ID/seals/$COMPANY/image.png" "$OUT/seal-company.png"
png "$ADMIN" "/api/v1/enterprises/$ENTERPRISE_ID/seals/$LEGAL_REP/image.png" "$OUT/seal-legal-rep.png"
png "$ADMIN" "/api/v1/me/seals/$NAME_SEAL/image.png" "$OUT/seal-name.png"
cat >"$OUT/enterprise.json" <<JSON
{
  "enterprise": {"id": "$ENTERPRISE_ID", "name": "$NAME", "credit_code": "$USCC", "order_id": "$ORDER"},
  "administrator": {"user_id": "$ADMIN_ID", "phone": "$ADMIN_PHONE"},
  "member": {"user_id": "$MEMBER_ID", "phone": "$MEMBER_PHONE", "business_type_ids": ["$LABOUR"]},
  "seals": {"company": "$COMPANY", "legal_rep": "$LEGAL_REP", "name": "$NAME_SEAL"}
}
JSON
ls "$OUT"

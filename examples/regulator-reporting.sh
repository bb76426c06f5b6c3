#!/usr/bin/env bash
# Regulator reporting (ES-17) with curl: the demo enterprise launches a labour contract to a new
# person, the person signs (SMS code, their own cloud certificate), the enterprise signs last, and
# the script waits until the contract's report to the supervising platform is marked 已上报.
# Writes to OUT_DIR:
#
#   report-status.json   {"task_id": …, "task_state": "completed", "reports": [the contract's
#                        reports as GET /api/v1/tasks/{id} shows them: state, 已上报, receipt …]}
#
#   examples/regulator-reporting.sh http://127.0.0.1:8080 ./out
#
# The server runs `signet serve --sandbox` on data prepared with `signet init --demo` (the demo
# enterprise and its administrator `ecadmin`; override with EC_ADMIN_USER / EC_ADMIN_PASSWORD /
# EC_ADMIN_PHONE). Its reports go to SIGNET_REGULATOR_URL, or in the sandbox to its own
# receiver at /dev/regulator. The contract is the example's own PDF unless SIGNET_CONTRACT_PDF
# names another (its page 2 carries the signing spots). Needs: curl, python3, base64.
set -euo pipefail
BASE="${1:?usage: $0 BASE_URL OUT_DIR}"
OUT="${2:?usage: $0 BASE_URL OUT_DIR}"
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/lib/desk.sh"
PDF="${SIGNET_CONTRACT_PDF:-$HERE/../crates/pdf/tests/fixtures/libreoffice-contract2.pdf}"
DEMO_CREDIT_CODE=91350100M000100Y43
ADMIN_USER="${EC_ADMIN_USER:-ecadmin}"; ADMIN_PASSWORD="${EC_ADMIN_PASSWORD:-Demo@2026}"
ADMIN_PHONE="${EC_ADMIN_PHONE:-13800000003}"
require_demo econtract-org-cloud
[ -f "$PDF" ] || { echo "error: no contract PDF at $PDF (set SIGNET_CONTRACT_PDF)" >&2; exit 2; }
mkdir -p "$OUT"
ADMIN=$(new_jar); PERSON=$(new_jar); BODY=$(mktemp)
trap 'rm -f "$ADMIN" "$PERSON" "$BODY"' EXIT
RUN=$(unique8)
PERSON_PHONE="156$RUN"; PERSON_ID17="35${RUN:0:4}19920303${RUN:4:3}"

echo "1. sign in as the demo enterprise's administrator ($ADMIN_USER)" >&2
if ! login "$ADMIN" "$ADMIN_USER" "$ADMIN_PASSWORD" 2>/dev/null; then
  echo "error: cannot sign in as $ADMIN_USER: was the server's data prepared with \`signet init --demo\`?" >&2
  exit 2
fi
ENTERPRISE_ID=$(call "$ADMIN" GET /api/v1/me/enterprises | python3 -c "
import json, sys
print(next((e['id'] for e in json.load(sys.stdin) if e['credit_code'] == '$DEMO_CREDIT_CODE'), ''))")
if [ -z "$ENTERPRISE_ID" ]; then
  echo "error: $ADMIN_USER administers no demo enterprise ($DEMO_CREDIT_CODE): prepare the data with \`signet init --demo\`" >&2
  exit 2
fi
LABOUR=$(call "$ADMIN" GET "/api/v1/enterprises/$ENTERPRISE_ID/business-types" | python3 -c "
import json, sys
print(next(t['id'] for t in json.load(sys.stdin) if t['code'] == 'labour'))")

echo "2. a new person ($PERSON_PHONE) registers and passes real-name authentication" >&2
register "$PERSON" "$PERSON_PHONE" "rp$RUN" 'Example#2026'
echo "   carrier three-factor: $(real_name "$PERSON" 周劳动 "$PERSON_ID17")" >&2

echo "3. the enterprise launches a labour contract: the person (B) signs first, the enterprise (A) last" >&2
python3 - "$PDF" "$LABOUR" "$ENTERPRISE_ID" "$PERSON_PHONE" >"$BODY" <<'PY'
import base64, json, sys
pdf, labour, enterprise, phone = sys.argv[1:]
print(json.dumps({
    "business_type_id": labour,
    "title": "劳动合同（周劳动）",
    "order": "serial",
    "parties": [
        {"role": "B", "kind": "person", "phone": phone},
        {"role": "A", "kind": "enterprise", "enterprise_id": enterprise},
    ],
    "documents": [{
        "name": "劳动合同",
        "pdf": base64.b64encode(open(pdf, "rb").read()).decode(),
        "spots": [
            {"id": "a1", "role": "A", "kind": "company", "page": 2, "x": 360, "y": 560, "w": 120, "h": 120},
            {"id": "b1", "role": "B", "kind": "name_seal", "page": 2, "x": 90, "y": 580, "w": 80, "h": 80},
        ],
    }],
}))
PY
TASK=$(call "$ADMIN" POST "/api/v1/enterprises/$ENTERPRISE_ID/tasks" "$(cat "$BODY")" | json "['id']")
echo "   task $TASK" >&2

# sign JAR PHONE: an SMS code confirms the intent, then the signature under the party's certificate.
sign() {
  call "$1" POST "/api/v1/tasks/$TASK/sign-code" '{}' >/dev/null
  call "$1" POST "/api/v1/tasks/$TASK/sign" "{\"sms_code\":\"$(inbox_code "$2")\"}" | json "['state']"
}
echo "4. the person signs: $(sign "$PERSON" "$PERSON_PHONE")" >&2
echo "5. the enterprise signs last: $(sign "$ADMIN" "$ADMIN_PHONE")" >&2

echo "6. wait for the report to the supervising platform" >&2
STATE=""
for _ in $(seq 1 60); do
  call "$ADMIN" GET "/api/v1/tasks/$TASK" | python3 -c "
import json, sys
t = json.load(sys.stdin)
json.dump({'task_id': t['id'], 'task_state': t['state'], 'reports': t.get('regulator') or []},
          open('$OUT/report-status.json', 'w'), ensure_ascii=False, indent=2)"
  STATE=$(python3 -c "
import json
r = json.load(open('$OUT/report-status.json'))['reports']
print(r[0]['state'] if r else 'none')")
  [ "$STATE" = reported ] || [ "$STATE" = failed ] && break
  # The sandbox inbox runs the jobs that are due; a real server's workers do the same.
  curl -fsS -o /dev/null "$BASE/dev/inbox?to=probe" || true
  sleep 1
done
python3 -c "
import json
r = json.load(open('$OUT/report-status.json'))['reports']
for x in r:
    print('   ', x['kind'], x['state_label'], x.get('receipt_id') or '', x.get('last_error') or '')" >&2
if [ "$STATE" != reported ]; then
  echo "error: the report is $STATE (see $OUT/report-status.json); is SIGNET_REGULATOR_URL reachable?" >&2
  exit 1
fi
echo "done: $OUT/report-status.json" >&2

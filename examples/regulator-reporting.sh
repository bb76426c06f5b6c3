#!/usr/bin/env bash
# Regulator reporting (ES-17) with curl: examples/labour-contracts.sh launches and completes one
# labour contract (a workbook of two rows: one new employee, and one row with a wrong ID check
# digit that is refused and only reported), then the script waits until the contract's report
# to the supervising platform is marked 已上报. Writes to OUT_DIR, besides the files of
# labour-contracts.sh (and of certify-enterprise.sh before it):
#
#   rows-one.xlsx        the two rows given to labour-contracts.sh
#   report-status.json   {"task_id": …, "task_state": "completed", "reports": [the contract's
#                        reports as GET /api/v1/tasks/{id} shows them: state, 已上报, receipt …]}
#
#   examples/regulator-reporting.sh http://127.0.0.1:8080 ./out
#
# The server runs `signet serve --sandbox` on data prepared with `signet init --demo`. Its
# reports go to SIGNET_REGULATOR_URL, or in the sandbox to its own receiver at /dev/regulator.
# SIGNET_TEMPLATE_PDF is passed on to labour-contracts.sh. Needs: curl, python3.
set -euo pipefail
BASE="${1:?usage: $0 BASE_URL OUT_DIR}"
OUT="${2:?usage: $0 BASE_URL OUT_DIR}"
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/lib/desk.sh"
require_demo econtract-org-cloud
mkdir -p "$OUT"
ADMIN=$(new_jar)
trap 'rm -f "$ADMIN"' EXIT
RUN=$(unique8)
while [ "${RUN:4:4}" = 0000 ]; do RUN=$(unique8); done

echo "1. the rows: 周劳动, a new employee, and a row whose ID number has a wrong check digit" >&2
# The header of the workbook labour-contracts.sh's template gives (its rows-template.xlsx).
GOOD_ID=$(id_number "35010219920303${RUN:0:3}")
BAD_ID="${GOOD_ID:0:17}$(python3 -c "print('0' if '${GOOD_ID:17}' != '0' else '1')")"
cat <<JSON | python3 "$HERE/lib/xlsx.py" write "$OUT/rows-one.xlsx"
[["姓名", "身份证号", "岗位", "月工资", "合同开始日期", "合同结束日期", "乙方（劳动者）手机号"],
 ["周劳动", "$GOOD_ID", "装配工", "6800", "2026-03-01", "2029-02-28", "156$RUN"],
 ["吴校验", "$BAD_ID", "装配工", "6800", "2026-03-01", "2029-02-28", "157$RUN"]]
JSON

echo "2. examples/labour-contracts.sh launches the row that passes and every party signs" >&2
bash "$HERE/labour-contracts.sh" "$BASE" "$OUT" "$OUT/rows-one.xlsx" 2>&1 | sed 's/^/   | /' >&2
TASK=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))[0]['task_id'])" "$OUT/tasks.json")
python3 - "$OUT/launch.json" <<'PY'
import json, sys
rows = {r["row"]: r for r in json.load(open(sys.argv[1]))}
assert rows[2]["ok"] and not rows[3]["ok"], rows
print("   row 2 launched; row 3 refused:", "; ".join(e["zh"] for e in rows[3]["errors"]), file=sys.stderr)
PY

echo "3. wait for the report of task $TASK to the supervising platform (as the enterprise's administrator)" >&2
sms_login "$ADMIN" "$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['administrator']['phone'])" "$OUT/enterprise.json")"
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

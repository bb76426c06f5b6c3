#!/usr/bin/env bash
# Labour contracts launched in bulk from Excel and signed by every party, with curl. On top of
# examples/certify-enterprise.sh (run first into the same OUT_DIR, its files left there): the
# enterprise's administrator makes a labour-contract template (fields 姓名, 身份证号, 岗位, 月工资,
# 合同开始日期, 合同结束日期; role A the enterprise, role B the employee) and publishes it; the member
# (人事部合同专员, granted the company seal) downloads the workbook for it, has it filled and uploads
# it; every employee signs in with an SMS code (registering when new) and passes real-name
# authentication; the rows that pass are launched (serial order: the employee first, the
# enterprise last with a riding seal (骑缝章) of its company seal over all pages; a QR code on
# every page) and the refused ones only reported; each employee signs with an SMS code under
# their own certificate, then the member countersigns every task for the enterprise in one batch
# (one SMS code for the whole set, a background job signing each) with its company seal, which
# also stamps the riding seal's slices — one signature per page, each under the enterprise's
# certificate.
# Writes to OUT_DIR, besides certify-enterprise.sh's files (enterprise.pem among them):
#
#   rows-template.xlsx   the workbook the platform makes from the template, as downloaded
#   rows.xlsx            the three rows of the example's own (only when no ROWS.xlsx is given)
#   launch.json          each data row's check: [{"row": 2, "ok": true, "errors": []}, …], rows
#                        numbered as in Excel; errors as the platform gives them (column, code,
#                        zh, en)
#   tasks.json           each launched row: its task, state and the files below
#   contracts/row-N.pdf  the completed contract of Excel row N (PAdES B-LTA, every party's
#                        signature under its own certificate, plus one riding-seal slice per
#                        page signed by the enterprise)
#   evidence/row-N.zip   its evidence package (`signet verify --evidence` checks it offline)
#
#   examples/labour-contracts.sh http://127.0.0.1:8080 ./out [ROWS.xlsx]
#
# ROWS.xlsx is rows-template.xlsx filled in: one row per contract, the employee's mobile in the
# column 乙方（劳动者）手机号. The template is the example's own two-page PDF unless
# SIGNET_TEMPLATE_PDF names another of at least two pages (fields go on its first page, signing
# spots on its last; the riding seal spans them all).
# The server runs `signet serve --sandbox` on data prepared with `signet init --demo`. A new
# enterprise has no contracts in its quota: the administrator buys a package in the sandbox.
# Needs: curl, python3.
set -euo pipefail
USAGE="usage: $0 BASE_URL OUT_DIR [ROWS.xlsx]"
BASE="${1:?$USAGE}"
OUT="${2:?$USAGE}"
ROWS="${3:-}"
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/lib/desk.sh"
XLSX="$HERE/lib/xlsx.py"
PDF="${SIGNET_TEMPLATE_PDF:-$HERE/../crates/pdf/tests/fixtures/libreoffice-contract2.pdf}"
XLSX_TYPE=application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
require_demo econtract-org-cloud
[ -f "$PDF" ] || { echo "error: no template PDF at $PDF (set SIGNET_TEMPLATE_PDF)" >&2; exit 2; }
if [ -n "$ROWS" ] && [ ! -f "$ROWS" ]; then
  echo "error: $ROWS: no such file" >&2
  exit 2
fi
# A second run into the same OUT_DIR leaves no file of the first beside its own.
rm -rf "$OUT/contracts" "$OUT/evidence" "$OUT/launch.json" "$OUT/tasks.json"
mkdir -p "$OUT/contracts" "$OUT/evidence"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ADMIN="$WORK/admin.jar"; MEMBER="$WORK/member.jar"

# ej SUBSCRIPT: a value of certify-enterprise.sh's enterprise.json.
ej() { python3 -c "import json, sys; print(json.load(open(sys.argv[1]))$1)" "$OUT/enterprise.json"; }

echo "1. examples/certify-enterprise.sh: a new certified enterprise, its administrator and a member" >&2
bash "$HERE/certify-enterprise.sh" "$BASE" "$OUT" 2>&1 >/dev/null | sed 's/^/   | /' >&2
ENTERPRISE_ID=$(ej "['enterprise']['id']")
COMPANY=$(ej "['seals']['company']")
LABOUR=$(ej "['member']['business_type_ids'][0]")
ADMIN_PHONE=$(ej "['administrator']['phone']")
MEMBER_PHONE=$(ej "['member']['phone']")

echo "2. the administrator ($ADMIN_PHONE) and the member ($MEMBER_PHONE) sign in with SMS codes" >&2
sms_login "$ADMIN" "$ADMIN_PHONE"
sms_login "$MEMBER" "$MEMBER_PHONE"

echo "3. the administrator makes the labour-contract template from $(basename "$PDF") and publishes it" >&2
CREATED=$(post_form "$ADMIN" "/api/v1/enterprises/$ENTERPRISE_ID/templates" \
  --form-string "name=劳动合同（示例）" --form-string "business_type_id=$LABOUR" \
  -F "file=@$PDF;type=application/pdf")
TEMPLATE=$(echo "$CREATED" | json "['id']")
# The layout: the six launcher fields down the first page, the signing spots on the last page
# (for the example's own PDF: under 甲方（盖章） and 乙方（盖章）). Points from the page's top-left.
LAYOUT=$(echo "$CREATED" | python3 -c "
import json, sys
pages = json.load(sys.stdin)['version']['pages']
first, last = pages[0], pages[-1]
fields = [('姓名', 'text', None), ('身份证号', 'id_number', None), ('岗位', 'text', None),
          ('月工资', 'number', None), ('合同开始日期', 'date', 'YYYY年MM月DD日'),
          ('合同结束日期', 'date', 'YYYY年MM月DD日')]
w, h = last['width'], last['height']
print(json.dumps({
    'roles': [{'key': 'A', 'kind': 'enterprise', 'name': '甲方（用人单位）'},
              {'key': 'B', 'kind': 'person', 'name': '乙方（劳动者）'}],
    'fields': [{'key': key, 'kind': kind, 'size': 12, 'min_size': 8, 'required': True,
                'date_format': fmt,
                'placements': [{'page': 1, 'x': first['width'] * 0.25, 'y': first['height'] * 0.12 + 36 * i,
                                'w': first['width'] * 0.5, 'h': 22}]}
               for i, (key, kind, fmt) in enumerate(fields)],
    'signing': [
        {'id': 'a-company', 'role': 'A', 'kind': 'company', 'page': len(pages),
         'x': w * 0.1, 'y': h * 0.475, 'w': 120, 'h': 120},
        {'id': 'b-name', 'role': 'B', 'kind': 'name_seal', 'page': len(pages),
         'x': w * 0.345, 'y': h * 0.485, 'w': 80, 'h': 80},
    ],
}, ensure_ascii=False))")
TEMPLATES="/api/v1/enterprises/$ENTERPRISE_ID/templates/$TEMPLATE"
call "$ADMIN" PUT "$TEMPLATES/draft" "$LAYOUT" >/dev/null
echo "   template $TEMPLATE: $(call "$ADMIN" POST "$TEMPLATES/publish" '{}' | json "['version']['state']")" >&2

echo "4. the member downloads the workbook for it: $OUT/rows-template.xlsx" >&2
download "$MEMBER" "/api/v1/enterprises/$ENTERPRISE_ID/bulk-launches/workbook?business_type_id=$LABOUR&template_ids=$TEMPLATE" \
  "$OUT/rows-template.xlsx"
if [ -z "$ROWS" ]; then
  ROWS="$OUT/rows.xlsx"
  RUN=$(unique8)
  while [ "${RUN:4:4}" = 0000 ]; do RUN=$(unique8); done
  # Three employees of this run: new mobiles, ID numbers with their check digits.
  python3 "$XLSX" read "$OUT/rows-template.xlsx" | python3 -c "
import json, sys
header = json.load(sys.stdin)['header']
people = [
    ('赵晓明', '$(id_number "11010519950501${RUN:0:3}")', '135$RUN', '软件工程师', '12000'),
    ('钱丽华', '$(id_number "31011519960612${RUN:2:3}")', '136$RUN', '人事专员', '8500.50'),
    ('孙建国', '$(id_number "41010219880923${RUN:5:3}")', '150$RUN', '仓储主管', '9800'),
]
rows = [header]
for name, id_number, phone, job, pay in people:
    values = {'姓名': name, '身份证号': id_number, '岗位': job, '月工资': pay,
              '合同开始日期': '2026-01-05', '合同结束日期': '2029/1/4'}
    rows.append([phone if h.endswith('手机号') else values.get(h, '') for h in header])
json.dump(rows, sys.stdout, ensure_ascii=False)" | python3 "$XLSX" write "$ROWS"
  echo "   no ROWS.xlsx given: three rows of the example's own in $ROWS" >&2
else
  echo "   the rows to launch: $ROWS" >&2
fi

# Each data row: Excel row, mobile, name, ID number (full-width characters, spaces and a
# lower-case x normalised as the platform does).
python3 "$XLSX" read "$ROWS" | python3 -c "
import json, sys, unicodedata
book = json.load(sys.stdin)
header = book['header']
def column(pred):
    return next((i for i, h in enumerate(header) if pred(h.strip())), None)
phone, name, id_number = column(lambda h: h.endswith('手机号')), column(lambda h: h == '姓名'), column(lambda h: h == '身份证号')
def cell(row, i):
    value = row['cells'][i] if i is not None and i < len(row['cells']) else ''
    return unicodedata.normalize('NFKC', value).strip()
def compact(text):
    return ''.join(text.split()).upper()
for row in book['rows']:
    print(row['row'], compact(cell(row, phone)) or '-', cell(row, name) or '-',
          compact(cell(row, id_number)) or '-', sep='\t')
" >"$WORK/rows.tsv"

echo "5. each employee signs in with an SMS code (registering when new) and passes real-name authentication" >&2
declare -A PHONE_OF=()
while IFS=$'\t' read -r row phone name id_number; do
  PHONE_OF[$row]="$phone"
  jar="$WORK/person-$phone.jar"
  [ -f "$jar" ] && continue
  if [ "$phone" = - ] || ! sms_login "$jar" "$phone" 2>"$WORK/error"; then
    echo "   row $row: cannot sign in as $phone ($(problem_text "$WORK/error" 2>/dev/null)); the row will be refused" >&2
    continue
  fi
  if [ "$(call "$jar" GET /api/v1/me/real-name | json "['person'] is not None")" = True ]; then
    echo "   row $row: $phone is already real-named" >&2
  elif state=$(real_name_id "$jar" "$name" "$id_number" 2>"$WORK/error"); then
    echo "   row $row: $name ($phone) carrier three-factor: $state" >&2
  else
    echo "   row $row: real-name authentication refused: $(problem_text "$WORK/error"); the row will be refused" >&2
  fi
done <"$WORK/rows.tsv"

echo "6. the member uploads the rows: every row is checked, nothing launched yet" >&2
SPEC="{\"business_type_id\":\"$LABOUR\",\"title\":\"劳动合同（{姓名}）\",\"order\":\"serial\",
  \"template_ids\":[\"$TEMPLATE\"],\"page_qr\":true,
  \"parties\":[{\"role\":\"B\",\"may_refuse\":true},
    {\"role\":\"A\",\"riding_seal\":{\"seal_id\":\"$COMPANY\",\"pages\":\"all\"}}]}"
post_form "$MEMBER" "/api/v1/enterprises/$ENTERPRISE_ID/bulk-launches" \
  --form-string "spec=$SPEC" -F "file=@$ROWS;type=$XLSX_TYPE;filename=rows.xlsx" >"$WORK/batch.json"
BATCH=$(json "['id']" <"$WORK/batch.json")
VALID=$(json "['valid_rows']" <"$WORK/batch.json")
python3 - "$WORK/batch.json" "$OUT/launch.json" <<'PY' >&2
import json, sys
batch = json.load(open(sys.argv[1]))
rows = [{"row": r["row"], "ok": r["ok"], "errors": r["errors"]} for r in batch["rows"]]
json.dump(rows, open(sys.argv[2], "w"), ensure_ascii=False, indent=2)
for r in rows:
    said = "; ".join(f"{e['column'] or '整行'}: {e['zh']}" for e in r["errors"])
    print(f"   row {r['row']}: {'passes' if r['ok'] else 'refused — ' + said}")
PY
echo "   batch $BATCH: $VALID of $(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$OUT/launch.json") rows pass; written to $OUT/launch.json" >&2
if [ "$VALID" -eq 0 ]; then
  echo "error: no row passes its checks (see $OUT/launch.json)" >&2
  exit 1
fi

echo "7. the administrator buys contracts for the quota (sandbox payment) when it is short" >&2
BILLING="/api/v1/enterprises/$ENTERPRISE_ID/billing"
BALANCE=$(call "$ADMIN" GET "$BILLING" | json "['balance']")
while [ "$BALANCE" -lt "$VALID" ]; do
  PACKAGE=$(call "$ADMIN" GET /api/v1/billing/packages | python3 -c "
import json, sys
on_sale = sorted((p for p in json.load(sys.stdin) if p['on_sale']), key=lambda p: p['contracts'])
enough = [p for p in on_sale if p['contracts'] >= $VALID - $BALANCE]
print((enough or on_sale[-1:])[0]['id'])")
  PURCHASE=$(call "$ADMIN" POST "$BILLING/purchases" "{\"package_id\":\"$PACKAGE\",\"channel\":\"wechat\"}")
  curl -fsS -X POST -H 'Content-Type: application/json' -d '{"result":"paid"}' \
    "$BASE/dev/payments/$(echo "$PURCHASE" | json "['id']")" >/dev/null
  BALANCE=$(call "$ADMIN" GET "$BILLING" | json "['balance']")
  echo "   bought $(echo "$PURCHASE" | json "['package_name']"): the quota holds $BALANCE contracts" >&2
done

echo "8. the member launches the rows that pass (valid_only): a background job" >&2
call "$MEMBER" POST "/api/v1/bulk-launches/$BATCH/launch" '{"valid_only":true}' >/dev/null
for _ in $(seq 1 240); do
  call "$MEMBER" GET "/api/v1/bulk-launches/$BATCH" >"$WORK/batch.json"
  [ "$(json "['state']" <"$WORK/batch.json")" = done ] && break
  # The sandbox inbox runs the jobs that are due; a real server's workers do the same.
  curl -fsS -o /dev/null "$BASE/dev/inbox?to=probe" || true
  sleep 0.5
done
python3 - "$WORK/batch.json" >"$WORK/tasks.tsv" <<'PY'
import json, sys
batch = json.load(open(sys.argv[1]))
if batch["state"] != "done":
    sys.exit(f"error: the launch job is still {batch['state']}: {batch.get('job')}")
for r in batch["rows"]:
    if r["state"] == "launched":
        print(r["row"], r["task_id"], sep="\t")
    elif r["state"] == "failed":
        print(f"   row {r['row']} failed to launch: {r['errors']}", file=sys.stderr)
PY
echo "   $(wc -l <"$WORK/tasks.tsv") tasks launched" >&2
[ -s "$WORK/tasks.tsv" ] || { echo "error: no task was launched" >&2; exit 1; }

# sign JAR PHONE TASK [EXTRA]: the intent code to PHONE, then the signature (EXTRA: more JSON
# members of the request, e.g. the seal). Prints the task's state.
sign() {
  call_patient "$1" POST "/api/v1/tasks/$3/sign-code" '{}' >/dev/null
  call "$1" POST "/api/v1/tasks/$3/sign" "{\"sms_code\":\"$(inbox_code "$2")\"${4:-}}" | json "['state']"
}

echo "9. each employee signs first: an SMS code, their name seal, their own certificate" >&2
while IFS=$'\t' read -r row task; do
  phone="${PHONE_OF[$row]}"
  echo "   row $row ($phone): task $task is $(sign "$WORK/person-$phone.jar" "$phone" "$task")" >&2
done <"$WORK/tasks.tsv"

# The member (granted the company seal) countersigns every task at once: one intent code for the
# whole set (an SMS code may be asked for once a minute), then a background job signs each task.
echo "10. the member countersigns all $(wc -l <"$WORK/tasks.tsv") tasks in one batch: one SMS code, the company seal and the riding seal" >&2
TASK_IDS=$(cut -f2 "$WORK/tasks.tsv" | python3 -c "import json, sys; print(json.dumps([l.strip() for l in sys.stdin if l.strip()]))")
call_patient "$MEMBER" POST /api/v1/tasks/batch-sign/code "{\"task_ids\":$TASK_IDS}" >/dev/null
SIGNING=$(call "$MEMBER" POST /api/v1/tasks/batch-sign \
  "{\"task_ids\":$TASK_IDS,\"sms_code\":\"$(inbox_code "$MEMBER_PHONE")\",\"seal_id\":\"$COMPANY\"}" | json "['id']")
for _ in $(seq 1 240); do
  call "$MEMBER" GET "/api/v1/tasks/batch-sign/$SIGNING" >"$WORK/signing.json"
  [ "$(json "['state']" <"$WORK/signing.json")" = done ] && break
  curl -fsS -o /dev/null "$BASE/dev/inbox?to=probe" || true
  sleep 0.5
done
python3 - "$WORK/signing.json" <<'PY'
import json, sys
batch = json.load(open(sys.argv[1]))
if batch["state"] != "done":
    sys.exit(f"error: the batch signing is still {batch['state']} ({batch['done']} of {batch['total']})")
for f in batch["failures"]:
    print(f"   task {f['task_id']} failed: {f['code']} {f['zh']}", file=sys.stderr)
print(f"   {batch['signed']} of {batch['total']} signed", file=sys.stderr)
sys.exit(1 if batch["failed"] else 0)
PY

echo "11. the completed contracts and their evidence packages" >&2
echo "[]" >"$OUT/tasks.json"
while IFS=$'\t' read -r row task; do
  call "$MEMBER" GET "/api/v1/tasks/$task" >"$WORK/task.json"
  python3 -c "
import json, sys
task = json.load(open(sys.argv[1]))
for i, d in enumerate(task['documents']):
    suffix = '' if len(task['documents']) == 1 else f'-{i + 1}'
    print(d['id'], suffix, sep='\t')" "$WORK/task.json" >"$WORK/documents.tsv"
  while IFS=$'\t' read -r document suffix; do
    download "$MEMBER" "/api/v1/tasks/$task/documents/$document/pdf" "$OUT/contracts/row-$row$suffix.pdf"
    download "$MEMBER" "/api/v1/tasks/$task/documents/$document/evidence" "$OUT/evidence/row-$row$suffix.zip"
    echo "   row $row: contracts/row-$row$suffix.pdf, evidence/row-$row$suffix.zip" >&2
  done <"$WORK/documents.tsv"
  python3 - "$OUT/tasks.json" "$WORK/task.json" "$row" "$WORK/documents.tsv" <<'PY'
import json, sys
path, task, row, documents = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3]), sys.argv[4]
suffixes = [line.rstrip("\n").split("\t")[1] for line in open(documents) if line.strip()]
tasks = json.load(open(path))
tasks.append({"row": row, "task_id": task["id"], "title": task["title"], "state": task["state"],
              "contracts": [f"contracts/row-{row}{s}.pdf" for s in suffixes],
              "evidence": [f"evidence/row-{row}{s}.zip" for s in suffixes]})
json.dump(tasks, open(path, "w"), ensure_ascii=False, indent=2)
PY
done <"$WORK/tasks.tsv"
python3 -c "
import json, sys
tasks = json.load(open(sys.argv[1]))
open_ = [t['row'] for t in tasks if t['state'] != 'completed']
sys.exit(f'error: rows {open_} are not completed' if open_ else 0)" "$OUT/tasks.json"
echo "done: $OUT/launch.json, $OUT/tasks.json, $OUT/contracts/, $OUT/evidence/" >&2

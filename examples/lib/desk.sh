# Shared helpers of the registration-desk walkthroughs (sourced, not run). Each function is one
# documented API call; see docs/api.md for the shapes.
#
#   BASE   the server, e.g. http://127.0.0.1:8080 (signet serve --sandbox, after signet init --demo)

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }

# A cookie jar per actor: applicant and CA staff are different sessions.
new_jar() { mktemp; }
csrf() { curl -fsS -b "$1" -c "$1" "$BASE/api/v1/session" | json "['csrf_token']"; }
# call JAR METHOD PATH [JSON]: prints the body; fails loudly (with the problem+json) on an error.
# A 429 `rate_limited` (this client's budget of sensitive requests is spent; the server did
# nothing) is waited out as its `retry_after` says and the same request sent again, at most
# five times.
call() {
  local jar="$1" method="$2" path="$3" body="${4:-}" out status wait tries=0
  out=$(mktemp)
  while :; do
    status=$(curl -sS -o "$out" -w '%{http_code}' -b "$jar" -c "$jar" -X "$method" \
      -H "X-CSRF-Token: $(csrf "$jar")" -H 'Content-Type: application/json' \
      ${body:+-d "$body"} "$BASE$path")
    if [ "$status" = 429 ] && grep -q '"code":"rate_limited"' "$out" && [ "$tries" -lt 5 ]; then
      wait=$(retry_after_in "$out")
      tries=$((tries + 1))
      echo "   ($method $path: the server asks this client to slow down; waiting ${wait:-5}s)" >&2
      sleep "${wait:-5}"
      continue
    fi
    break
  done
  if [ "$status" -ge 400 ]; then
    echo "$method $path -> HTTP $status: $(cat "$out")" >&2
    rm -f "$out"
    return 1
  fi
  cat "$out"
  rm -f "$out"
}
# inbox_code TO: the newest code (SMS code, captcha answer) the sandbox inbox holds for TO;
# notices without a code that arrived after it (a "your turn to sign" SMS) are passed over.
inbox_code() {
  curl -fsS "$BASE/dev/inbox?to=$1" | python3 -c "
import json, sys
print(next((m['code'] for m in json.load(sys.stdin) if m.get('code')), ''))"
}

# register JAR PHONE LOGIN_NAME PASSWORD: a new account, signed in.
register() {
  local jar="$1" phone="$2" name="$3" password="$4" captcha answer code
  csrf "$jar" >/dev/null
  captcha=$(call "$jar" POST /api/v1/captcha '{}' | json "['captcha_id']")
  answer=$(inbox_code "$captcha")
  call "$jar" POST /api/v1/sms-codes "{\"phone\":\"$phone\",\"purpose\":\"register\",\"captcha_id\":\"$captcha\",\"captcha_answer\":\"$answer\"}" >/dev/null
  code=$(inbox_code "$phone")
  call "$jar" POST /api/v1/register/phone "{\"phone\":\"$phone\",\"sms_code\":\"$code\",\"agree\":true}" >/dev/null
  call "$jar" POST /api/v1/register "{\"login_name\":\"$name\",\"real_name\":\"示例申请人\",\"email\":\"$name@example.com\",\"password\":\"$password\"}" >/dev/null
}

# login JAR IDENTIFIER PASSWORD
login() {
  local jar="$1" captcha answer
  csrf "$jar" >/dev/null
  captcha=$(call "$jar" POST /api/v1/captcha '{}' | json "['captcha_id']")
  answer=$(inbox_code "$captcha")
  call "$jar" POST /api/v1/login/password "{\"identifier\":\"$2\",\"password\":\"$3\",\"captcha_id\":\"$captcha\",\"captcha_answer\":\"$answer\"}" >/dev/null
}

# sms_login JAR PHONE: signs in with an SMS code (behind a captcha); a phone without an account
# is registered on the spot (the account then has no password, which signing does not need).
sms_login() {
  local jar="$1" phone="$2" error wait
  error=$(mktemp)
  csrf "$jar" >/dev/null
  # A code asked for within a minute of the last one is refused with `retry_after`: wait, and
  # ask again behind a fresh captcha.
  until call "$jar" POST /api/v1/sms-codes \
    "{\"phone\":\"$phone\",\"purpose\":\"login\",$(captcha_fields "$jar")}" >/dev/null 2>"$error"; do
    wait=$(retry_after_in "$error")
    if [ -z "$wait" ]; then cat "$error" >&2; rm -f "$error"; return 1; fi
    echo "   (an SMS code to $phone within the minute: waiting ${wait}s)" >&2
    sleep "$wait"
  done
  rm -f "$error"
  call "$jar" POST /api/v1/login/sms "{\"phone\":\"$phone\",\"sms_code\":\"$(inbox_code "$phone")\"}" >/dev/null
}

# problem_text FILE: the Chinese message of the problem `call` reported in FILE (else its first
# line), for a one-line report.
problem_text() {
  grep -o '"zh-CN":"[^"]*"' "$1" | head -1 | cut -d'"' -f4 | grep . || head -1 "$1"
}

# retry_after_in FILE: the `retry_after` seconds of the problem `call` reported in FILE, if any.
retry_after_in() { grep -o '"retry_after":[0-9]*' "$1" | head -1 | cut -d: -f2; }

# call_patient JAR METHOD PATH [JSON]: call, but an answer that says when to try again (an SMS
# code asked for within a minute of the last one: 429 `sms_too_soon` with `retry_after`) waits
# that long and asks again, at most five times.
call_patient() {
  local error wait tries=0
  error=$(mktemp)
  until call "$@" 2>"$error"; do
    wait=$(retry_after_in "$error")
    tries=$((tries + 1))
    if [ -z "$wait" ] || [ "$tries" -gt 5 ]; then cat "$error" >&2; rm -f "$error"; return 1; fi
    echo "   ($3: the server asks to wait ${wait}s)" >&2
    sleep "$wait"
  done
  rm -f "$error"
}

# post_form JAR PATH CURL_FORM_ARGS…: a multipart POST (-F / --form-string); prints the body,
# fails loudly like `call`.
post_form() {
  local jar="$1" path="$2" out status
  shift 2
  out=$(mktemp)
  status=$(curl -sS -o "$out" -w '%{http_code}' -b "$jar" -c "$jar" \
    -H "X-CSRF-Token: $(csrf "$jar")" "$@" "$BASE$path")
  if [ "$status" -ge 400 ]; then
    echo "POST $path -> HTTP $status: $(cat "$out")" >&2
    rm -f "$out"
    return 1
  fi
  cat "$out"
  rm -f "$out"
}

# download JAR PATH FILE: a GET into FILE. A 409 that says to come back later (an evidence
# package the jobs have not made yet) is asked again after the sandbox inbox ran the due jobs,
# for up to a minute.
download() {
  local status
  for _ in $(seq 1 120); do
    status=$(curl -sS -o "$3" -w '%{http_code}' -b "$1" -c "$1" "$BASE$2")
    [ "$status" = 200 ] && return 0
    if [ "$status" != 409 ] || ! grep -q '"retry_after":[0-9]' "$3"; then
      echo "GET $2 -> HTTP $status: $(cat "$3")" >&2
      rm -f "$3"
      return 1
    fi
    curl -fsS -o /dev/null "$BASE/dev/inbox?to=probe" || true
    sleep 0.5
  done
  echo "GET $2: still not ready after a minute: $(cat "$3")" >&2
  rm -f "$3"
  return 1
}

# product_id CODE: the id of a catalog product by its code.
product_id() {
  curl -fsS "$BASE/api/v1/catalog" | python3 -c "
import json, sys
for project in json.load(sys.stdin):
    for product in project['products']:
        if product['code'] == '$1':
            print(product['id'])"
}

# upload JAR ORDER KIND FILE: a material; prints its id.
upload() {
  curl -fsS -b "$1" -c "$1" -H "X-CSRF-Token: $(csrf "$1")" \
    -F "kind=$3" -F "file=@$4" "$BASE/api/v1/orders/$2/materials" | json "['id']"
}

# A 1×1 PNG, the smallest image the desk accepts as a material.
tiny_png() {
  python3 -c "import sys,base64; sys.stdout.buffer.write(base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='))" >"$1"
}

# captcha_fields JAR: a fresh graphic captcha solved through the sandbox inbox, as JSON fields.
captcha_fields() {
  local captcha answer
  captcha=$(call "$1" POST /api/v1/captcha '{}' | json "['captcha_id']")
  answer=$(inbox_code "$captcha")
  printf '"captcha_id":"%s","captcha_answer":"%s"' "$captcha" "$answer"
}

# sign_and_submit JAR ORDER PHONE [LEGAL_REP_PHONE]: SMS code to the operator (and the legal
# representative when given), each behind a captcha, agreement, submit.
sign_and_submit() {
  local jar="$1" order="$2" code rep_code=""
  call "$jar" POST "/api/v1/orders/$order/signing-code" "{$(captcha_fields "$jar")}" >/dev/null
  code=$(inbox_code "$3")
  if [ -n "${4:-}" ]; then
    call "$jar" POST "/api/v1/orders/$order/signing-code" "{\"legal_rep\":true,$(captcha_fields "$jar")}" >/dev/null
    rep_code=",\"legal_rep_code\":\"$(inbox_code "$4")\""
  fi
  call "$jar" POST "/api/v1/orders/$order/submit" "{\"agree\":true,\"sms_code\":\"$code\"$rep_code}" | json "['state']"
}

# pay JAR ORDER: opens a WeChat Pay QR payment and pays it on the sandbox page.
pay() {
  local payment
  payment=$(call "$1" POST "/api/v1/orders/$2/payments" '{"channel":"wechat"}' | json "['id']")
  curl -fsS -X POST -H 'Content-Type: application/json' -d '{"result":"paid"}' \
    "$BASE/dev/payments/$payment" | json "['state']"
}

# state JAR ORDER
state() { call "$1" GET "/api/v1/orders/$2" | json "['state']"; }

# A unique 8-digit tail for phone numbers and accounts of this run.
unique8() { printf '%08d' $(( (RANDOM * 32768 + RANDOM) % 100000000 )); }

# id_number PREFIX17: a resident ID number with its GB 11643 check digit.
id_number() {
  python3 -c "
p='$1'; w=[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2]
print(p + '10X98765432'[sum(int(a)*b for a,b in zip(p,w)) % 11])"
}

# credit_code PREFIX17: a unified social credit code with its GB 32100 check character.
credit_code() {
  python3 -c "
cs='0123456789ABCDEFGHJKLMNPQRTUWXY'; p='$1'
w=[1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28]
print(p + cs[(31 - sum(cs.index(c)*x for c,x in zip(p,w)) % 31) % 31])"
}

# require_demo PRODUCT_CODE: stops with a clear message unless the server runs --sandbox on data
# prepared with `signet init --demo` (the sandbox inbox answers and the demo catalog has PRODUCT).
require_demo() {
  if ! curl -fsS -o /dev/null "$BASE/dev/inbox?to=probe" 2>/dev/null; then
    echo "error: $BASE has no sandbox inbox: serve it with \`signet serve --sandbox\`" >&2
    exit 2
  fi
  if [ -z "$(product_id "$1" 2>/dev/null)" ]; then
    echo "error: $BASE has no demo catalog (product $1): prepare its data with \`signet init --demo\` first" >&2
    exit 2
  fi
}

# staff_login JAR: the CA staff account of the demo data (override with STAFF_USER / STAFF_PASSWORD).
staff_login() {
  if ! login "$1" "${STAFF_USER:-staff}" "${STAFF_PASSWORD:-Staff@2026}" 2>/dev/null; then
    echo "error: cannot sign in as ${STAFF_USER:-staff}: was the server's data prepared with \`signet init --demo\`?" >&2
    exit 2
  fi
}

# real_name JAR NAME ID17: consents to every current text, then passes carrier three-factor.
real_name() { real_name_id "$1" "$2" "$(id_number "$3")"; }

# real_name_id JAR NAME ID_NUMBER: real_name with a whole 18-character ID number.
real_name_id() {
  local accepted
  accepted=$(curl -fsS "$BASE/api/v1/contracts/consent-texts" | python3 -c "
import json, sys
print(json.dumps([{'document': t['document'], 'version': t['version']} for t in json.load(sys.stdin)]))")
  call "$1" POST /api/v1/me/consents "{\"accepted\":$accepted}" >/dev/null
  call "$1" POST /api/v1/me/real-name \
    "{\"name\":\"$2\",\"id_number\":\"$3\",\"method\":\"carrier3\"}" | json "['state']"
}

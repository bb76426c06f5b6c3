#!/usr/bin/env bash
# Walks the account API of a sandbox Signet server with curl: session and CSRF token, captcha,
# SMS code (read from the sandbox inbox), registration in two steps, logout, password login.
#
#   examples/register-and-login.sh http://127.0.0.1:8080
#
# Needs: curl, python3 (to read JSON). The server must run with --sandbox.
set -euo pipefail
BASE="${1:?usage: $0 BASE_URL}"
JAR="$(mktemp)"
trap 'rm -f "$JAR"' EXIT
PHONE="139$(printf '%08d' $((RANDOM * 32768 + RANDOM)) | cut -c1-8)"
NAME="demo$(date +%s)$RANDOM"
PASSWORD='Example#2026'

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
csrf() { curl -fsS -b "$JAR" -c "$JAR" "$BASE/api/v1/session" | json "['csrf_token']"; }
post() { # path json-body
  curl -fsS -b "$JAR" -c "$JAR" -H "X-CSRF-Token: $(csrf)" -H 'Content-Type: application/json' \
    -X POST "$BASE$1" -d "$2"
}
inbox_code() { curl -fsS "$BASE/dev/inbox?to=$1" | json "[0]['code']"; }

echo "1. session (sets the signet_session cookie)"
csrf >/dev/null

echo "2. captcha, answered from the sandbox inbox"
CAPTCHA_ID=$(post /api/v1/captcha '{}' | json "['captcha_id']")
ANSWER=$(inbox_code "$CAPTCHA_ID")

echo "3. SMS code for registration to $PHONE"
post /api/v1/sms-codes "{\"phone\":\"$PHONE\",\"purpose\":\"register\",\"captcha_id\":\"$CAPTCHA_ID\",\"captcha_answer\":\"$ANSWER\"}" >/dev/null
CODE=$(inbox_code "$PHONE")

echo "4. register, step 1: phone + code + agreement"
post /api/v1/register/phone "{\"phone\":\"$PHONE\",\"sms_code\":\"$CODE\",\"agree\":true}"
echo

echo "5. register, step 2: the account (signed in on a fresh session)"
post /api/v1/register "{\"login_name\":\"$NAME\",\"real_name\":\"示例用户\",\"email\":\"$NAME@example.com\",\"password\":\"$PASSWORD\"}"
echo

echo "6. logout"
post /api/v1/logout '{}'

echo "7. login by password with a new captcha"
CAPTCHA_ID=$(post /api/v1/captcha '{}' | json "['captcha_id']")
ANSWER=$(inbox_code "$CAPTCHA_ID")
post /api/v1/login/password "{\"identifier\":\"$NAME\",\"password\":\"$PASSWORD\",\"captcha_id\":\"$CAPTCHA_ID\",\"captcha_answer\":\"$ANSWER\"}" >/dev/null

echo "8. who am I"
curl -fsS -b "$JAR" "$BASE/api/v1/me"
echo

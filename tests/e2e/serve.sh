#!/usr/bin/env bash
# End-to-end tests of `covcheck serve` as a process: start-up exit statuses, the JSON API
# over curl, hot reload on SIGHUP (success and failure), the access log, and shutdown on
# SIGTERM.
set -uo pipefail

: "${COVCHECK:?set COVCHECK to the covcheck binary}"
COVCHECK=$(cd "$(dirname "$COVCHECK")" && pwd)/$(basename "$COVCHECK")
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
repo=$(pwd)

passed=0
failed=0
tmp=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

expect() {  # expect DESCRIPTION COMMAND...: passes when the command succeeds
  local what=$1
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}
command -v curl >/dev/null || { echo "SKIP: no curl"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }

# Start-up failures: bad flags and unreadable rules are 2, rules that do not compile 3.
"$COVCHECK" serve --rules "$tmp/none" --port 0 2>"$tmp/err"
expect "missing rules exit 2" test $? -eq 2
printf 'policy p "P" version "1" default denied "x"\nrule r {\n  when nothing.here\n}\n' >"$tmp/bad.cpl"
"$COVCHECK" serve --rules "$tmp/bad.cpl" --port 0 2>"$tmp/err"
expect "rules that do not compile exit 3" test $? -eq 3
expect "the compile error names file:line:col" grep -q "bad.cpl:[0-9]*:[0-9]*: error" "$tmp/err"
"$COVCHECK" serve --rules rules/acme --threads 0 2>"$tmp/err"
expect "--threads 0 is a usage error" test $? -eq 2
"$COVCHECK" serve --rules rules/acme --header-timeout 10min 2>"$tmp/err"
expect "a timeout in an unknown unit is a usage error" test $? -eq 2
"$COVCHECK" serve --rules rules/acme --body-timeout 0ms 2>"$tmp/err"
expect "a zero timeout is a usage error" test $? -eq 2
"$COVCHECK" serve --rules rules/acme --admin-token short 2>"$tmp/err"
expect "a short admin token is refused" test $? -eq 2

# A server over a private copy of the rules, so that SIGHUP can be tested on edits.
mkdir -p "$tmp/rules"
cp -r rules/acme "$tmp/rules/acme"
cp -r rules/mandates "$tmp/rules/mandates"
rm -rf "$tmp/rules/acme/tests" "$tmp/rules/acme/cases"
(cd "$tmp" && exec "$COVCHECK" serve --rules rules/acme --rules rules/mandates --port 0 \
  --access-log "$tmp/access.log" 2>"$tmp/server.err") &
server_pid=$!
url=
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/server.err" | head -1)
  [[ -n "$url" ]] && break
  sleep 0.1
done
expect "the server prints its address" test -n "$url"

status() { curl -s -o "$tmp/body" -w '%{http_code}' "$@"; }
expect "healthz" test "$(status "$url/healthz")" = 200
expect "check covered" test "$(status -H 'Content-Type: application/yaml' --data-binary @rules/acme/cases/esk-covered.yaml "$url/v1/check")" = 200
expect "the answer is covered" grep -q '"decision":"covered"' "$tmp/body"
expect "a bad case is 400" test "$(status -H 'Content-Type: application/yaml' --data-binary $'patient:\n  sex: femal\n' "$url/v1/check")" = 400
expect "the 400 names the field" grep -q '"field":"patient.sex"' "$tmp/body"
expect "no admin endpoint without a token" test "$(status -X POST "$url/v1/admin/reload")" = 404
expect "generation 1" grep -q '"generation":1' <(curl -s "$url/readyz")

# SIGHUP with an edited rule file: generation 2, and the new text is served.
echo "# edited for the reload test" >>"$tmp/rules/acme/acme-2026.1.cpl"
kill -HUP "$server_pid"
for _ in $(seq 1 100); do grep -q '"generation":2' <(curl -s "$url/readyz") && break; sleep 0.1; done
expect "SIGHUP reloads (generation 2)" grep -q '"generation":2' <(curl -s "$url/readyz")
expect "the reloaded text is served" grep -q "edited for the reload test" \
  <(curl -s "$url/v1/policies/acme/2026.1/files/rules/acme/acme-2026.1.cpl")

# SIGHUP with a broken rule file: still generation 2, still answering, diagnostics logged.
printf 'module broken "B"\nrule x {\n  when patient.agee > 3\n}\n' >"$tmp/rules/mandates/broken.cpl"
kill -HUP "$server_pid"
for _ in $(seq 1 100); do grep -q "reload failed" "$tmp/server.err" && break; sleep 0.1; done
expect "a failed reload is reported on stderr" grep -q "reload failed; still serving generation 2" "$tmp/server.err"
expect "with the diagnostics" grep -q "broken.cpl:[0-9]*:[0-9]*: error" "$tmp/server.err"
expect "the old rules still answer" test "$(status -H 'Content-Type: application/yaml' --data-binary @rules/acme/cases/esk-covered.yaml "$url/v1/check")" = 200
expect "metrics count the failed reload" grep -q 'covcheck_reloads_total{result="failed"} 1' <(curl -s "$url/metrics")

# The access log: JSON Lines naming the case by a keyed hash of its id, never patient details.
expect "the access log names the case by its keyed hash" grep -q '"case":"hmac:[0-9a-f]\{32\}"' "$tmp/access.log"
expect "not by its id" bash -c "! grep -q esk-covered '$tmp/access.log'"
expect "the access log has no birth dates" bash -c "! grep -q 1987-05-14 '$tmp/access.log'"
expect "the access log is JSON Lines" python3 -c "
import json, sys
for line in open('$tmp/access.log'):
    json.loads(line)
"

kill -TERM "$server_pid"
wait "$server_pid"
expect "SIGTERM stops the server with status 0" test $? -eq 0
server_pid=

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]

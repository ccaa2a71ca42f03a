#!/usr/bin/env bash
# End-to-end tests of the audit trail and of who may call `serve`: `batch --audit-log` over
# every shipped example case and `covcheck replay` of each record (exit 0), a changed rule
# named by its policy digest (exit 1), replay's usage/rules/case statuses; `serve` refusing a
# non-loopback --host without authentication, API keys over curl, the audit record of a
# served decision replayed, and case ids in the access log as an HMAC under the log key.
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

server_pid=
stop_server() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  server_pid=
}
trap 'stop_server; rm -rf "$tmp"' EXIT
check() { local name=$1; shift; if "$@"; then pass; else fail "$name"; fi; }

# ---- batch --audit-log, then replay of every example case ---------------------------------
# One YAML stream of every example, remembering the line of each case's `---` (the line a
# batch record is numbered by, and its answer id ends with).
: >"$tmp/stream.yaml"
: >"$tmp/index"
for f in rules/*/cases/*.yaml; do
  echo "$(($(wc -l <"$tmp/stream.yaml") + 1)) $f" >>"$tmp/index"
  echo '---' >>"$tmp/stream.yaml"
  cat "$f" >>"$tmp/stream.yaml"
  [[ -n "$(tail -c1 "$f")" ]] && echo >>"$tmp/stream.yaml"
done
cases=$(wc -l <"$tmp/index")
run batch --rules rules --cases "$tmp/stream.yaml" --input-format yaml --threads 2 --audit-log "$tmp/audit.jsonl" --out "$tmp/answers.jsonl"
check "batch --audit-log exits 0" test "$status" -eq 0
decided=$(grep -c '"decision"' "$tmp/answers.jsonl")
check "one audit record per decided case ($decided)" test "$(wc -l <"$tmp/audit.jsonl")" -eq "$decided"
check "most examples are decided ($decided of $cases)" test "$decided" -ge $((cases / 2))
check "no case id in the audit log" bash -c "! grep -q '\"case\"' '$tmp/audit.jsonl'"
check "no birth date in the audit log" bash -c "! grep -Eq '19[0-9]{2}-[0-9]{2}-[0-9]{2}' '$tmp/audit.jsonl'"

mismatches=0
replayed=0
while read -r record; do
  n=$(sed 's/.*"answer_id":"[^"]*:\([0-9]*\)".*/\1/' <<<"$record")
  file=$(awk -v n="$n" '$1 == n { print $2 }' "$tmp/index")
  printf '%s\n' "$record" >"$tmp/one.jsonl"
  if ! "$COVCHECK" replay "$tmp/one.jsonl" "$file" --rules rules >"$tmp/out" 2>"$tmp/err"; then
    mismatches=$((mismatches + 1))
    echo "  replay of $file (line $n) did not match:"
    sed 's/^/    /' "$tmp/out" | head -5
  fi
  replayed=$((replayed + 1))
done <"$tmp/audit.jsonl"
check "every example's audit record replays to the same decision ($replayed replayed)" test "$mismatches" -eq 0

# The replayed record is the audit file's last one.
acme_case=rules/acme/cases/esk-covered.yaml
run batch --rules rules --cases "$acme_case" --input-format yaml --audit-log "$tmp/acme.jsonl" --out "$tmp/o.jsonl"
cp "$tmp/acme.jsonl" "$tmp/two.jsonl"
head -1 "$tmp/audit.jsonl" >>"$tmp/two.jsonl"
run replay "$tmp/acme.jsonl" "$acme_case" --rules rules
check "replay matches: exit 0" test "$status" -eq 0
check "replay says it matches" grep -q "^replay matches: answer batch-[0-9a-f]*:1 decided covered again" "$tmp/out"
run replay "$tmp/two.jsonl" "$acme_case" --rules rules
check "the last record is replayed (another case's): exit 1" test "$status" -eq 1
check "the case digest differs" grep -q "case digest: recorded sha256:" "$tmp/out"

# The same case as JSON has the same digest.
python3 -c "
import json, sys, yaml
print(json.dumps(yaml.safe_load(open('$acme_case')), default=str))" >"$tmp/case.json"
run replay "$tmp/acme.jsonl" "$tmp/case.json" --rules rules
check "the case as JSON replays the YAML's record" test "$status" -eq 0

# One rule changed: the policy digest that differs is named.
cp -r rules "$tmp/rules"
echo "# an analyst's edit" >>"$tmp/rules/acme/acme-2026.1.cpl"
run replay "$tmp/acme.jsonl" "$acme_case" --rules "$tmp/rules"
check "a changed rule file: exit 1" test "$status" -eq 1
check "names the policy digest that differs" grep -q "policy \`acme\` 2026.1 digest: recorded sha256:[0-9a-f]*, now sha256:" "$tmp/out"
check "and only that" test "$(grep -c '^  ' "$tmp/out")" -eq 1

# Statuses: 2 usage and files, 3 rules, 4 case.
expect_status "replay: missing audit file" 2 replay "$tmp/nope.jsonl" "$acme_case" --rules rules
: >"$tmp/empty.jsonl"
expect_status "replay: empty audit file" 2 replay "$tmp/empty.jsonl" "$acme_case" --rules rules
echo '{"not": "a record"}' >"$tmp/junk.jsonl"
expect_status "replay: not an audit record" 2 replay "$tmp/junk.jsonl" "$acme_case" --rules rules
check "names what is missing" grep -q "is not an audit record" "$tmp/err"
expect_status "replay: missing case" 2 replay "$tmp/acme.jsonl" "$tmp/nope.yaml" --rules rules
printf 'policy "broken" version "1"\nrule x {\n' >"$tmp/broken.cpl"
expect_status "replay: rules that do not compile" 3 replay "$tmp/acme.jsonl" "$acme_case" --rules "$tmp/broken.cpl"
printf 'patient:\n  sex: femal\n' >"$tmp/bad.yaml"
expect_status "replay: a case that does not load" 4 replay "$tmp/acme.jsonl" "$tmp/bad.yaml" --rules rules
expect_status "batch: --audit-log with --compact" 2 batch --rules rules --cases "$acme_case" --compact --audit-log "$tmp/x.jsonl"

# ---- serve: who may call ----------------------------------------------------------------
expect_status "serve: non-loopback host without authentication" 2 serve --rules rules/acme --host 0.0.0.0 --port 0
check "names the flags" grep -q -- "--api-keys FILE, or --insecure-no-auth" "$tmp/err"

# wait_for_url ERRFILE: the address the server printed.
wait_for_url() {
  url=
  for _ in $(seq 1 100); do
    url=$(grep -o 'http://[0-9.]*:[0-9]*' "$1" | head -1)
    [[ -n "$url" ]] && return 0
    sleep 0.1
  done
  return 1
}
if command -v curl >/dev/null; then
  "$COVCHECK" serve --rules rules/acme --host 0.0.0.0 --port 0 --insecure-no-auth \
    --access-log "$tmp/insecure.log" 2>"$tmp/insecure.err" &
  server_pid=$!
  check "--insecure-no-auth starts on 0.0.0.0" wait_for_url "$tmp/insecure.err"
  check "and warns" grep -q "warning: --insecure-no-auth" "$tmp/insecure.err"
  check "also in the access log" grep -q '"event":"insecure_no_auth"' "$tmp/insecure.log"
  stop_server

  key=clinic-portal-key-$$-0123456789
  hash=$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)
  printf 'keys:\n  - name: clinic-portal\n    sha256: %s\n    routes: [/v1/check, /v1/schema, /v1/policies]\n' "$hash" >"$tmp/keys.yaml"
  log_key=the-log-key-of-this-test-0123
  COVCHECK_LOG_KEY=$log_key "$COVCHECK" serve --rules rules/acme --rules rules/mandates --port 0 --api-keys "$tmp/keys.yaml" \
    --audit-log "$tmp/served.jsonl" --access-log "$tmp/access.log" 2>"$tmp/server.err" &
  server_pid=$!
  check "serve with --api-keys starts" wait_for_url "$tmp/server.err"
  code() { curl -s -o "$tmp/body" -w '%{http_code}' "$@"; }
  check "no key: 401" test "$(code -H 'Content-Type: application/yaml' --data-binary @"$acme_case" "$url/v1/check")" = 401
  check "the 401 says why" grep -q '"error":"unauthorized"' "$tmp/body"
  check "a wrong key: 401" test "$(code -H 'X-API-Key: wrong-key-0000' "$url/v1/schema")" = 401
  check "the key is not echoed" bash -c "! grep -q wrong-key-0000 '$tmp/body'"
  check "the page needs no key" test "$(code "$url/")" = 200
  check "X-API-Key: 200" test "$(code -H "X-API-Key: $key" "$url/v1/schema")" = 200
  check "Bearer: 200" test "$(code -D "$tmp/headers" -H "Authorization: Bearer $key" -H 'Content-Type: application/yaml' \
    --data-binary @"$acme_case" "$url/v1/check")" = 200
  stop_server
  request_id=$(grep -i '^x-request-id:' "$tmp/headers" | tr -d '\r' | cut -d' ' -f2)
  check "one audit record for the one decision" test "$(wc -l <"$tmp/served.jsonl")" -eq 1
  check "it names the client and the answer id" grep -q "\"client\":\"clinic-portal\",\"route\":\"/v1/check\",\"answer_id\":\"$request_id\"" "$tmp/served.jsonl"
  run replay "$tmp/served.jsonl" "$acme_case" --rules rules/acme --rules rules/mandates
  check "the served decision replays" test "$status" -eq 0
  expected=$(printf '%s' esk-covered | openssl dgst -sha256 -hmac "$log_key" | sed 's/.*= //' | cut -c1-32)
  check "the access log names the case by its HMAC under the log key" grep -q "\"case\":\"hmac:$expected\"" "$tmp/access.log"
  check "never by its id" bash -c "! grep -q esk-covered '$tmp/access.log'"
  check "the client is logged" grep -q '"client":"clinic-portal"' "$tmp/access.log"
  check "the key is not logged" bash -c "! grep -q '$key' '$tmp/access.log' '$tmp/server.err'"

  # /v1/compare (one record per payer's row) and /v1/batch (one per record) over the registry.
  "$COVCHECK" serve --rules rules --port 0 --audit-log "$tmp/registry.jsonl" --access-log "$tmp/registry.log" \
    2>"$tmp/registry.err" &
  server_pid=$!
  check "serve over the registry starts" wait_for_url "$tmp/registry.err"
  check "compare: 200" test "$(code -H 'X-Request-Id: cmp-1' -H 'Content-Type: application/yaml' \
    --data-binary @"$acme_case" "$url/v1/compare")" = 200
  python3 -c "
import json, yaml
for f in ['$acme_case', 'rules/acme/cases/esk-missing-lmn.yaml']:
    print(json.dumps(yaml.safe_load(open(f)), default=str))" >"$tmp/two-cases.jsonl"
  check "batch: 200" test "$(code -H 'X-Request-Id: bat-1' -H 'Content-Type: application/x-ndjson' \
    --data-binary @"$tmp/two-cases.jsonl" "$url/v1/batch")" = 200
  stop_server
  check "one record per compared payer" test "$(grep -c '"answer_id":"cmp-1/' "$tmp/registry.jsonl")" -ge 2
  check "one record per batch record" test "$(grep -c '"answer_id":"bat-1:[12]"' "$tmp/registry.jsonl")" -eq 2
  grep '"answer_id":"bat-1:1"' "$tmp/registry.jsonl" >"$tmp/bat1.jsonl"
  run replay "$tmp/bat1.jsonl" "$acme_case" --rules rules
  check "a /v1/batch record replays" test "$status" -eq 0

  "$COVCHECK" serve --rules rules/acme --port 0 --access-log "$tmp/random.log" 2>"$tmp/random.err" &
  server_pid=$!
  wait_for_url "$tmp/random.err"
  check "without a key, a random one is said at start" grep -q "hashed with a random key of this process" "$tmp/random.err"
  stop_server
else
  echo "SKIP: no curl: the serve part"
fi

finish

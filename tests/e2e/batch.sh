#!/usr/bin/env bash
# End-to-end tests of `covcheck batch`: agreement with the peer workload's reference on the
# committed sample (tests/data/workload/), order and completeness with several threads,
# error records, YAML streams, exit statuses. Env COVCHECK = the binary; cwd = repo root.
set -uo pipefail
COVCHECK=${COVCHECK:-build/covcheck}
DATA=tests/data/workload
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { local name=$1; shift; if "$@"; then ok; else bad "$name"; fi; }

# 1. Agreement with the reference, one and two threads, from a file and from stdin.
for t in 1 2; do
  "$COVCHECK" batch --rules bench/workload --cases "$DATA/cases.jsonl" --compact --threads "$t" --out "$tmp/c$t.jsonl" 2>"$tmp/err$t"
  check "exit 0 (threads $t)" test $? -eq 0
  awk -f bench/to_reference.awk "$tmp/c$t.jsonl" > "$tmp/mapped$t.jsonl"
  if cmp -s "$tmp/mapped$t.jsonl" "$DATA/reference.jsonl"; then ok; else
    bad "agreement with the reference (threads $t)"; diff "$tmp/mapped$t.jsonl" "$DATA/reference.jsonl" | head -5; fi
  check "summary on stderr (threads $t)" grep -q "3,000 records: .* 0 errors" "$tmp/err$t"
done
"$COVCHECK" batch --rules bench/workload --cases - --compact --threads 2 < "$DATA/cases.jsonl" > "$tmp/stdin.jsonl" 2>/dev/null
check "stdin gives the same output" cmp -s "$tmp/stdin.jsonl" "$tmp/c1.jsonl"

# 2. The full format: one `check --format json` object per line, same as check on that case.
head -n 5 "$DATA/cases.jsonl" > "$tmp/five.jsonl"
"$COVCHECK" batch --rules bench/workload --cases "$tmp/five.jsonl" --threads 2 > "$tmp/full.jsonl" 2>/dev/null
check "full format: five lines" test "$(wc -l < "$tmp/full.jsonl")" -eq 5
sed -n 3p "$tmp/five.jsonl" > "$tmp/third.json"
"$COVCHECK" check --rules bench/workload --case "$tmp/third.json" --format json --no-trace > "$tmp/third.out" 2>/dev/null
tr -d '\n ' < "$tmp/third.out" > "$tmp/third.flat"
sed -n 3p "$tmp/full.jsonl" | tr -d '\n ' > "$tmp/third.batch"
check "full format equals check --format json" cmp -s "$tmp/third.flat" "$tmp/third.batch"
"$COVCHECK" batch --rules bench/workload --cases "$tmp/five.jsonl" --trace > "$tmp/trace.jsonl" 2>/dev/null
check "--trace adds the trace" grep -q '"trace":\[' "$tmp/trace.jsonl"
check "no trace without --trace" bash -c "! grep -q '\"trace\"' '$tmp/full.jsonl'"

# 3. Malformed records become error records in place; nothing is dropped.
{ sed -n 1p "$DATA/cases.jsonl"; echo '{"id":"x","age":"old"}'; echo 'not json'; echo; sed -n 2p "$DATA/cases.jsonl"; } > "$tmp/mixed.jsonl"
"$COVCHECK" batch --rules bench/workload --cases "$tmp/mixed.jsonl" --compact > "$tmp/mixed.out" 2>"$tmp/mixed.err"
check "bad records: exit 0" test $? -eq 0
check "bad records: one line per record" test "$(wc -l < "$tmp/mixed.out")" -eq 4
check "error record names line and field" grep -q '^{"case":"x","line":2,"error":"`age` must be an integer' "$tmp/mixed.out"
check "error record field path" grep -q '"field":"age"' "$tmp/mixed.out"
check "error record location" grep -q '"at":"'"$tmp"'/mixed.jsonl:2:17"' "$tmp/mixed.out"
check "invalid JSON error record" grep -q '^{"case":null,"line":3,"error":"invalid JSON' "$tmp/mixed.out"
check "order kept after errors" bash -c "sed -n 4p '$tmp/mixed.out' | grep -q '\"case\":\"C0000002\"'"
check "summary counts errors" grep -q "4 records: .* 2 errors" "$tmp/mixed.err"

# 4. YAML streams: by extension or --input-format; same answers as the JSON Lines.
"$COVCHECK" batch --rules bench/workload --cases "$DATA/cases-300.yaml" --compact > "$tmp/yaml.out" 2>/dev/null
head -n 300 "$tmp/c1.jsonl" > "$tmp/c300.jsonl"
check "YAML stream agrees with JSON Lines" cmp -s "$tmp/yaml.out" "$tmp/c300.jsonl"
"$COVCHECK" batch --rules bench/workload --cases - --input-format yaml --compact < "$DATA/cases-300.yaml" > "$tmp/yaml2.out" 2>/dev/null
check "--input-format yaml on stdin" cmp -s "$tmp/yaml2.out" "$tmp/c300.jsonl"

# 5. Exit statuses: rules that do not compile (3), a missing input (2), usage (2).
printf 'policy p "P" version "1" default covered\nrule r when nonsense > 1 deny\n' > "$tmp/bad.cpl"
"$COVCHECK" batch --rules "$tmp/bad.cpl" --cases "$tmp/five.jsonl" >/dev/null 2>&1
check "rules that do not compile: exit 3" test $? -eq 3
"$COVCHECK" batch --rules bench/workload --cases "$tmp/missing.jsonl" >/dev/null 2>&1
check "missing input: exit 2" test $? -eq 2
"$COVCHECK" batch --rules bench/workload --cases "$tmp/five.jsonl" --compact --trace >/dev/null 2>&1
check "--compact with --trace: exit 2" test $? -eq 2
"$COVCHECK" batch --rules bench/workload --cases "$tmp/five.jsonl" --out /nonexistent/dir/out.jsonl >/dev/null 2>&1
check "unwritable output: exit 2" test $? -eq 2

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

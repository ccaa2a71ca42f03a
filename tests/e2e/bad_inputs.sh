#!/usr/bin/env bash
# The bad-input corpus (tests/bad/): every malformed rule file and case gets a clear error
# (or, for BOM, CRLF and tab inputs, is accepted) and never a crash or a hang. Each input's
# `FILE.expected` pins covcheck's stderr (message, file:line:col and caret), then its exit
# status, then, when the input was accepted, the first line of the answer.
#   tests/bad/rules/*.cpl  covcheck check --rules FILE --case rules/acme/cases/esk-covered.yaml
#   tests/bad/cases/*      covcheck check --rules rules/acme --rules rules/mandates --case FILE
# Usage: COVCHECK=build/covcheck bash tests/e2e/bad_inputs.sh [--update]
set -uo pipefail

: "${COVCHECK:?set COVCHECK to the covcheck binary}"
COVCHECK=$(cd "$(dirname "$COVCHECK")" && pwd)/$(basename "$COVCHECK")
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
update=false
[[ "${1:-}" == "--update" ]] && update=true

passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# observe FILE ARGS...: runs covcheck (20 s at most) and writes what the golden pins to $tmp/got.
observe() {
  timeout 20 "$COVCHECK" "$@" >"$tmp/out" 2>"$tmp/err"
  local status=$?
  { cat "$tmp/err"; echo "--- exit $status"; if ((status == 0)); then head -n 1 "$tmp/out"; fi; } >"$tmp/got"
  last_status=$status
}

compare() {
  local input=$1 expected="$1.expected"
  if ((last_status >= 124)); then
    failed=$((failed + 1))
    echo "FAIL: $input: exit $last_status (crash, signal or timeout)"
    sed -n '1,20s/^/  /p' "$tmp/err"
  elif $update; then
    cp "$tmp/got" "$expected"
    passed=$((passed + 1))
  elif [[ ! -f "$expected" ]]; then
    failed=$((failed + 1))
    echo "FAIL: $expected is missing (run: COVCHECK=build/covcheck bash tests/e2e/bad_inputs.sh --update)"
  elif cmp -s "$tmp/got" "$expected"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $input differs from $expected:"
    diff "$expected" "$tmp/got" | sed -n '1,20s/^/  /p'
  fi
}

for f in tests/bad/rules/*.cpl; do
  observe check --rules "$f" --case rules/acme/cases/esk-covered.yaml
  compare "$f"
done
for f in tests/bad/cases/*; do
  [[ "$f" == *.expected ]] && continue
  observe check --rules rules/acme --rules rules/mandates --case "$f"
  compare "$f"
done

echo "$passed passed, $failed failed"
((failed == 0))

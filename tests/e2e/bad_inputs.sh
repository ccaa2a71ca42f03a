#!/usr/bin/env bash
# The bad-input corpus (tests/bad/): every command that reads input answers every malformed
# rule file, case, suite and record stream with a clear error (or, for BOM, CRLF and tab
# inputs, accepts it) and never crashes or hangs. Each input's golden pins covcheck's stderr
# (message, file:line:col and caret), then its exit status, then what it wrote (the first line
# of the answer for `check`; all of it for the other commands).
#   tests/bad/rules/*.cpl          check --rules FILE --case rules/acme/cases/esk-covered.yaml  FILE.expected
#                                  fmt FILE (a copy; then the formatted text and fmt --check)    FILE.fmt.expected
#                                  lint FILE                                                     FILE.lint.expected
#   tests/bad/cases/*              check --rules rules/acme --rules rules/mandates --case FILE  FILE.expected
#   tests/bad/generated/*.expected the same, for cases too big to commit, generated here: 200,000
#                                  treatments, 1,000,000 codes in request.cpt (their memory and
#                                  time bounds: tests/e2e/big_lists.sh)
#   tests/bad/suites/*.yaml        test FILE                                                     FILE.expected
#   tests/bad/streams/*            batch --rules rules/acme --rules rules/mandates --cases FILE --compact
#                                                                                                FILE.expected
#                                  diff (Acme 2025.2 -> 2026.1) --cases FILE                     FILE.diff.expected
# Usage: COVCHECK=build/covcheck bash tests/e2e/bad_inputs.sh [--update]
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

# observe ARGS...: runs covcheck (20 s at most) and writes what the golden pins to $tmp/got:
# stderr, the exit status and, when it is 0, the first line of stdout.
observe() {
  timeout 20 "$COVCHECK" "$@" >"$tmp/out" 2>"$tmp/err"
  local status=$?
  { cat "$tmp/err"; echo "--- exit $status"; if ((status == 0)); then head -n 1 "$tmp/out"; fi; } >"$tmp/got"
  last_status=$status
}
# observe_all ARGS...: the same with all of stdout, whatever the status.
observe_all() {
  timeout 20 "$COVCHECK" "$@" >"$tmp/out" 2>"$tmp/err"
  local status=$?
  { cat "$tmp/err"; echo "--- exit $status"; cat "$tmp/out"; } >"$tmp/got"
  last_status=$status
}

# compare INPUT [SUFFIX]: $tmp/got against INPUT.SUFFIX (default `expected`).
compare() {
  local input=$1 expected="$1.${2:-expected}"
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

mkdir -p "$tmp/generated"
awk 'BEGIN { printf "{\"id\":\"many-treatments\",\"date_of_service\":\"2026-03-02\",\"request\":{\"service\":\"esketamine_nasal\"},";
  printf "\"diagnoses\":[{\"code\":\"F33.2\",\"primary\":true}],\"treatments\":[";
  for (i = 0; i < 200000; i++) printf "%s{\"name\":\"t%06d\",\"class\":\"physical_therapy\",\"start\":\"2025-01-10\",\"end\":\"2025-03-15\",\"adequate_dose\":true,\"outcome\":\"failed\"}", (i ? "," : ""), i
  print "]}" }' > "$tmp/generated/200k_treatments.json"
awk 'BEGIN { printf "{\"id\":\"many-codes\",\"date_of_service\":\"2026-03-02\",\"request\":{\"service\":\"ketamine_iv\",\"cpt\":[";
  for (i = 0; i < 1000000; i++) printf "%s\"96365\"", (i ? "," : ""); print "]}}" }' > "$tmp/generated/1m_cpt_codes.json"
for f in "$tmp"/generated/*; do
  observe check --rules rules/acme --rules rules/mandates --case "$f"
  compare "tests/bad/generated/$(basename "$f")"
done

# fmt never rewrites a file that does not parse, and what it writes parses and is stable; lint
# reports a rule set that does not compile instead of linting it.
mkdir -p "$tmp/fmt"
for f in tests/bad/rules/*.cpl; do
  name=$(basename "$f")
  cp "$f" "$tmp/fmt/$name"
  (cd "$tmp/fmt" && timeout 20 "$COVCHECK" fmt "$name" >"$tmp/out" 2>"$tmp/err")
  status=$?
  {
    cat "$tmp/err"
    echo "--- exit $status"
    if ((status == 0)); then
      (cd "$tmp/fmt" && timeout 20 "$COVCHECK" fmt --check "$name" >/dev/null 2>&1)
      echo "--- fmt --check after: exit $?"
      cat "$tmp/fmt/$name"
    elif cmp -s "$f" "$tmp/fmt/$name"; then
      echo "--- the file is unchanged"
    else
      echo "--- THE FILE WAS CHANGED"
    fi
  } >"$tmp/got"
  last_status=$status
  compare "$f" fmt.expected
  observe_all lint "$f"
  compare "$f" lint.expected
done

for f in tests/bad/suites/*.yaml; do
  observe_all test "$f"
  compare "$f"
done

# Record streams: a bad record is an error record naming its line, in place; nothing is
# dropped. The summary line's timing is blanked.
for f in tests/bad/streams/*; do
  [[ "$f" == *.expected ]] && continue
  observe_all batch --rules rules/acme --rules rules/mandates --cases "$f" --compact
  sed -i -E 's/; [0-9.]+ s, [0-9,]+ cases\/s$/; (time)/' "$tmp/got"
  compare "$f"
  observe_all diff --old rules/acme/acme-2025.2.cpl rules/acme/common.cpl --new rules/acme/acme-2026.1.cpl \
    rules/acme/common.cpl --cases "$f" --old-as-of 2025-10-01 --new-as-of 2026-03-01
  compare "$f" diff.expected
done

finish

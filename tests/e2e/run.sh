#!/usr/bin/env bash
# End-to-end tests of the covcheck CLI: every exit status, outputs, and the golden files.
# Usage: COVCHECK=build/covcheck bash tests/e2e/run.sh [--update]   (cwd: anywhere)
# --update rewrites the golden `*.expected` files instead of comparing (tools/update-golden.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

RULES=(--rules rules/acme --rules rules/mandates)
CASES=rules/acme/cases
VALID_CASE=$CASES/esk-covered.yaml

first_line_is() {
  if [[ "$(head -n1 "$tmp/$2")" == "$3"* ]]; then pass; else fail "$1: first line is \`$(head -n1 "$tmp/$2")\`"; fi
}

# golden NAME EXPECTED_FILE out|err: byte-for-byte comparison (or rewrite with --update).
golden() { golden_file "$1" "$tmp/$3" "$2"; }

if ! $update; then
  # ---- 0: evaluated ---------------------------------------------------------------------
  expect_status "covered case" 0 check "${RULES[@]}" --case "$VALID_CASE"
  first_line_is "covered case headline" out "case esk-covered: COVERED (basis: rules)"
  contains "covered case benefit" out "benefit: mental_health"
  contains "covered case reasons" out "reasons:"
  contains "covered case checklist" out "checklist:"
  lacks "text shows no trace unless asked" out "trace:"

  expect_status "--trace" 0 check "${RULES[@]}" --case "$VALID_CASE" --trace
  contains "--trace shows the trace" out "trace:"
  lacks "covered case has no errors" err "error:"

  expect_status "--no-trace" 0 check "${RULES[@]}" --case "$VALID_CASE" --no-trace
  lacks "--no-trace hides the trace" out "trace:"
  contains "--no-trace keeps reasons" out "reasons:"

  expect_status "json" 0 check "${RULES[@]}" --case "$VALID_CASE" --format json
  first_line_is "json opens an object" out "{"
  contains "json case" out '"case": "esk-covered",'
  contains "json decision" out '"decision": "covered",'
  contains "json prior_auth" out '"prior_auth": true,'
  contains "json policies" out '"digest": "sha256:'
  contains "json reasons" out '"rule": "s3_esketamine",'
  contains "json trace" out '"trace": ['
  contains "json checklist" out '"checklist": ['
  [[ "$(tail -c1 "$tmp/out" | od -An -c | tr -d ' ')" == '\n' ]] && pass || fail "json ends with a newline"

  expect_status "json --no-trace" 0 check "${RULES[@]}" --case "$VALID_CASE" --format json --no-trace
  lacks "json --no-trace has no trace" out '"trace"'

  run check "${RULES[@]}" --case - --format json <"$VALID_CASE"
  [[ "$status" == 0 ]] && pass || fail "stdin case: exit $status"
  contains "stdin case is read" out '"case": "esk-covered",'

  # --case-format json: stdin (or any name) read as strict JSON.
  printf '{"id": "j1", "date_of_service": "2026-03-02", "diagnoses": [{"code": "F33.2"},]}' >"$tmp/trailing.txt"
  expect_status "stdin JSON with a trailing comma" 4 check "${RULES[@]}" --case - --case-format json <"$tmp/trailing.txt"
  contains "the trailing comma is named" err "<stdin>:1:"
  expect_status "the same read as YAML is accepted" 0 check "${RULES[@]}" --case - --case-format yaml <"$tmp/trailing.txt"
  printf '{"id": "j2", "date_of_service": "2026-03-02", "diagnoses": [{"code": "F33.2"}]}' >"$tmp/good.txt"
  run check "${RULES[@]}" --case - --case-format json --format json <"$tmp/good.txt"
  [[ "$status" == 0 ]] && pass || fail "stdin JSON case: exit $status"
  contains "stdin JSON case is read" out '"case": "j2",'
  expect_status "an unknown --case-format" 2 check "${RULES[@]}" --case - --case-format xml <"$tmp/good.txt"

  expect_status "pend case" 0 check "${RULES[@]}" --case "$CASES/esk-no-treatments.yaml"
  first_line_is "pend headline" out "case esk-no-treatments: PEND"
  contains "pend lists the missing fact" out "  treatments (needed by"

  expect_status "excluded case" 0 check "${RULES[@]}" --case "$CASES/iv-depression-no-rider.yaml"
  first_line_is "excluded headline" out "case iv-depression-no-rider: EXCLUDED"

  expect_status "--as-of puts a policy in force" 0 check "${RULES[@]}" --case "$CASES/dated-2027.yaml" --as-of 2026-06-01

  # ---- 1: --fail-on ----------------------------------------------------------------------
  expect_status "--fail-on denied, denied" 1 check "${RULES[@]}" --case "$CASES/esk-trial-4-weeks.yaml" --fail-on denied
  contains "--fail-on still prints the answer" out "DENIED"
  expect_status "--fail-on pend, covered" 0 check "${RULES[@]}" --case "$VALID_CASE" --fail-on pend
  expect_status "--fail-on list, excluded" 1 check "${RULES[@]}" --case "$CASES/iv-depression-no-rider.yaml" \
    --fail-on pend,denied,excluded
  expect_status "--fail-on pend, pend" 1 check "${RULES[@]}" --case "$CASES/esk-no-treatments.yaml" --fail-on pend

  # ---- 2: usage errors and files that cannot be opened -------------------------------------
  expect_status "no subcommand" 2
  expect_status "unknown subcommand" 2 frobnicate
  expect_status "unknown option" 2 check "${RULES[@]}" --case "$VALID_CASE" --colour
  expect_status "missing --case" 2 check "${RULES[@]}"
  expect_status "missing --rules" 2 check --case "$VALID_CASE"
  expect_status "bad --format" 2 check "${RULES[@]}" --case "$VALID_CASE" --format xml
  expect_status "bad --as-of" 2 check "${RULES[@]}" --case "$VALID_CASE" --as-of 2026-02-30
  contains "bad --as-of names the value" err "2026-02-30"
  expect_status "malformed --as-of" 2 check "${RULES[@]}" --case "$VALID_CASE" --as-of yesterday
  expect_status "bad --fail-on" 2 check "${RULES[@]}" --case "$VALID_CASE" --fail-on covered
  expect_status "empty --fail-on item" 2 check "${RULES[@]}" --case "$VALID_CASE" --fail-on pend,,denied
  expect_status "missing rules path" 2 check --rules rules/no-such-dir --case "$VALID_CASE"
  contains "missing rules path is named" err "rules/no-such-dir"
  expect_status "missing case file" 2 check "${RULES[@]}" --case "$CASES/no-such-case.yaml"
  contains "missing case file is named" err "no-such-case.yaml"
  expect_status "case is a directory" 2 check "${RULES[@]}" --case "$CASES"
  expect_status "missing case wins over a bad rule set" 2 \
    check --rules tests/golden/diagnostics/unknown_field.cpl --case "$CASES/no-such-case.yaml"
  expect_status "--help" 0 --help
  contains "--help lists check" out "check"
  expect_status "check --help" 0 check --help
  contains "check --help lists --fail-on" out "--fail-on"
  expect_status "--version" 0 --version
  contains "--version prints the version" out "covcheck "

  # ---- 3 and 4: rule sets that do not compile, cases that cannot be decided -------------------
  expect_status "bad rule set wins over a bad case" 3 \
    check --rules tests/golden/diagnostics/unknown_field.cpl --case tests/golden/cases/wrong-type.yaml
  expect_status "no policy in force" 4 check "${RULES[@]}" --case "$CASES/dated-2027.yaml"
  contains "no policy in force names the date" err "2027"
  expect_status "stdin case with an error" 4 check "${RULES[@]}" --case - <tests/golden/cases/wrong-type.yaml
  contains "stdin errors name <stdin>" err "<stdin>:"
fi

# ---- golden files ---------------------------------------------------------------------------
# Bad rule files: stderr of `check`, exit 3.
for f in tests/golden/diagnostics/*.cpl; do
  run check --rules "$f" --case "$VALID_CASE"
  [[ "$status" == 3 ]] && pass || fail "$f: exit $status, expected 3"
  golden "$f" "$f.expected" err
done

# Bad case files: stderr of `check` against the Acme policy; exit 4, or 0 for warnings only.
for f in tests/golden/cases/*.yaml; do
  run check --rules rules/acme --case "$f"
  # Warnings only (an unknown field, an implausible date): the case is still decided.
  if [[ "$f" == */unknown-field.yaml || "$f" == */assessment-after-service.yaml ]]; then want=0; else want=4; fi
  [[ "$status" == "$want" ]] && pass || fail "$f: exit $status, expected $want"
  golden "$f" "$f.expected" err
done

# Valid cases: stdout of the text format with the trace.
for f in tests/golden/traces/*.yaml; do
  run check "${RULES[@]}" --case "$f" --trace
  [[ "$status" == 0 ]] && pass || fail "$f: exit $status, expected 0"
  golden "$f" "$f.expected" out
done

finish

#!/usr/bin/env bash
# End-to-end tests of `covcheck compare`: side-by-side output (text and JSON golden files),
# error rows for sets with no policy in force, and the exit statuses 2, 3 and 4.
# Usage: COVCHECK=build/covcheck bash tests/e2e/compare.sh [--update]
# --update rewrites tests/golden/compare/*.expected instead of comparing.
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"
GOLDEN=tests/golden/compare

# The three real-payer rule sets of rules/ plus the Acme reference policy; appeal advice on Medicare.
SETS=(--set bcbs-nd=rules/bcbs-nd --set medicare=rules/medicare-j09-a59250,rules/appeals
      --set tricare=rules/tricare --set acme=rules/acme)

# golden NAME: the last run's stdout equals tests/golden/compare/NAME.expected.
golden() { golden_file "$1" "$tmp/out" "$GOLDEN/$1.expected"; }

# ---- side by side ----------------------------------------------------------------------------
expect_status "text: BCBSND TRD case" 0 compare "${SETS[@]}" --case rules/bcbs-nd/cases/bnd-trd-covered.yaml
golden bnd-trd-covered.text

expect_status "json: Medicare denied case, with appeal advice" 0 compare "${SETS[@]}" \
  --case rules/medicare-j09-a59250/cases/mcr-monitoring-1-5-hours.yaml --format json
golden mcr-monitoring-1-5-hours.json
contains "json: Medicare redetermination advice" out "redetermination"

expect_status "text: Acme esketamine case (authorization shown)" 0 compare "${SETS[@]}" --case rules/acme/cases/esk-covered.yaml
golden acme-esk-covered.text
contains "text: Acme authorization" out "28 days, 8 units"

# A case dated 2020-06-01: only BCBSND (no effective range) is in force; the others are error rows.
sed 's/^date_of_service: .*/date_of_service: 2020-06-01/' rules/bcbs-nd/cases/bnd-trd-covered.yaml >"$tmp/old.yaml"
expect_status "text: sets with no policy in force are error rows" 0 compare "${SETS[@]}" --case "$tmp/old.yaml"
golden no-policy-in-force.text
contains "error row: Medicare" out "error: no policy in force on 2020-06-01"

expect_status "--as-of moves the effective dates, not the case" 0 compare "${SETS[@]}" --case "$tmp/old.yaml" --as-of 2026-03-02 --format json
contains "--as-of: TRICARE decided" out '"policy": "tricare_spravato'

expect_status "case from stdin" 0 compare --set tricare=rules/tricare --case - <rules/tricare/cases/tri-trd-covered.yaml
contains "stdin: TRICARE row" out "tricare  covered"

# All seven payers of docs/policies.md side by side (no golden file: four of the rule sets are
# maintained elsewhere and change on their own schedule).
ALL_SEVEN=(--set aetna=rules/aetna-cpb-0938 --set bcbs-al=rules/bcbs-al-mp-446 --set cigna=rules/cigna-spravato
           --set highmark=rules/highmark-i-212-007 --set bcbs-nd=rules/bcbs-nd
           --set medicare=rules/medicare-j09-a59250 --set tricare=rules/tricare)
expect_status "all seven payers" 0 compare "${ALL_SEVEN[@]}" --case rules/bcbs-nd/cases/bnd-trd-covered.yaml
contains "all seven: header" out "case bnd-trd-covered: 7 rule sets"
for name in aetna bcbs-al cigna highmark bcbs-nd medicare tricare; do
  if grep -qx -- "$name:" "$tmp/out"; then pass; else fail "all seven: no block for $name"; fi
done

# ---- exit statuses -----------------------------------------------------------------------------
expect_status "missing case file" 2 compare "${SETS[@]}" --case "$tmp/nope.yaml"
contains "missing case file message" err "does not exist"
expect_status "--set without =" 2 compare --set rules/tricare --case rules/tricare/cases/tri-trd-covered.yaml
contains "--set syntax message" err "expected NAME=PATH"
expect_status "--set with an empty path" 2 compare --set tricare=rules/tricare, --case rules/tricare/cases/tri-trd-covered.yaml
expect_status "a set name used twice" 2 compare --set a=rules/tricare --set a=rules/bcbs-nd --case rules/tricare/cases/tri-trd-covered.yaml
contains "duplicate name message" err "used twice"
expect_status "no --set" 2 compare --case rules/tricare/cases/tri-trd-covered.yaml
expect_status "a rule path that does not exist" 2 compare --set x="$tmp/none" --case rules/tricare/cases/tri-trd-covered.yaml

printf 'policy broken "b" version "1" default denied\nrule r when request.nonexistent cover\n' >"$tmp/broken.cpl"
expect_status "a set that does not compile" 3 compare --set tricare=rules/tricare --set broken="$tmp/broken.cpl" \
  --case rules/tricare/cases/tri-trd-covered.yaml
contains "compile error names the file" err "broken.cpl:2:"
expect_status "unreadable beats does-not-compile (2 before 3)" 2 compare --set broken="$tmp/broken.cpl" --set x="$tmp/none" \
  --case rules/tricare/cases/tri-trd-covered.yaml
expect_status "does-not-compile beats an invalid case (3 before 4)" 3 compare --set broken="$tmp/broken.cpl" \
  --case tests/golden/cases/malformed-code.yaml

expect_status "an invalid case" 4 compare "${SETS[@]}" --case tests/golden/cases/malformed-code.yaml
contains "invalid case names the field" err "malformed"

# Bad case files are reported once, before any set is run, as `check` reports them: a `.json`
# case is strict JSON; bytes that are not text and empty files are errors too.
expect_status "a JSON case with a trailing comma" 4 compare "${SETS[@]}" --case tests/bad/cases/trailing_comma.json
contains "trailing comma: line and column" err "tests/bad/cases/trailing_comma.json:21:14: error: invalid JSON: a trailing comma"
contains "trailing comma: code" err "[case.syntax]"
expect_status "a JSON case with single quotes" 4 compare "${SETS[@]}" --case tests/bad/cases/single_quotes.json
contains "single quotes: line and column" err "tests/bad/cases/single_quotes.json:6:5: error"
expect_status "a case with a NUL byte" 4 compare "${SETS[@]}" --case tests/bad/cases/nul_byte.yaml
contains "NUL byte: code" err "[case.encoding]"
expect_status "an empty case" 4 compare "${SETS[@]}" --case tests/bad/cases/empty.yaml
contains "empty case" err "[case.empty]"

finish

#!/usr/bin/env bash
# End-to-end tests of `covcheck test`: the shipped suites with the coverage gate (every suite
# under rules/, found by folder), and the runner's output on small broken suites, pinned in
# tests/golden/test_command/. Usage: COVCHECK=build/covcheck bash tests/e2e/test_command.sh [--update]
# --update rewrites the golden `*.expected` files (tools/update-golden.sh does it for all).
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"
G=tests/golden/test_command

last_line_is() {
  if [[ "$(tail -n1 "$tmp/$2")" == "$3" ]]; then pass; else fail "$1: last line is \`$(tail -n1 "$tmp/$2")\`, not \`$3\`"; fi
}
# golden NAME FILE EXPECTED: byte-for-byte comparison (or rewrite with --update).
golden() { golden_file "$@"; }

# ---- the CI gate: every suite under rules/ passes with >= 95 % criterion coverage ----------
if ! $update; then
  expect_status "all shipped suites pass with coverage >= 95%" 0 test rules/ --coverage --coverage-min 95
  if [[ "$status" != 0 ]]; then
    grep -E '^FAIL |^[^ ].*: [0-9]+ tests' "$tmp/out" | sed 's/^/  /'
    sed -n '/^criterion coverage/,$p' "$tmp/out" | sed 's/^/  /'
  fi
  [[ "$(tail -n1 "$tmp/out")" =~ ^[0-9]+\ passed,\ [0-9]+\ failed$ ]] && pass || fail "closing line: $(tail -n1 "$tmp/out")"
  # The suites found are exactly the rules/*/tests/*.yaml files, however many payers exist.
  suites=$(find rules -path '*/tests/*.yaml' -o -path '*/tests/*.yml' | wc -l)
  listed=$(grep -cE '^rules/.*/tests/.*\.ya?ml: [0-9]+ tests?' "$tmp/out")
  [[ "$suites" == "$listed" ]] && pass || fail "suites run: $listed of $suites"

  # Coverage counts what a suite owns: BCBSND imports the claims module, whose rules count
  # toward rules/claims/tests only; Cigna's not-captured criterion is reported apart.
  expect_status "bcbs-nd suite alone, coverage" 0 test rules/bcbs-nd --coverage --coverage-min 95
  lacks "an imported module is not the importer's coverage" out "rules/claims/claims.cpl"
  expect_status "cigna suite, not captured apart" 0 test rules/cigna-spravato --coverage --coverage-min 100
  contains "not-captured criteria listed" out "not captured (rules tagged \`not_captured\`; not counted) (1):"

  # Acme and the CA mandate on their own: all pass and reach 95 %.
  expect_status "acme and mandates suites, coverage >= 95%" 0 test rules/acme rules/mandates --coverage-min 95
  last_line_is "acme + mandates count" out "$(grep -c '^  - name:' rules/acme/tests/*.yaml rules/mandates/tests/*.yaml |
    awk -F: '{n += $2} END {print n " passed, 0 failed"}')"

  # --filter: substring and glob; a filter matching nothing is a usage error.
  expect_status "--filter substring" 0 test rules/acme --filter "IV rider"
  last_line_is "--filter substring count" out "$(grep -c '^  - name: .*IV rider' rules/acme/tests/*.yaml |
    awk -F: '{n += $2} END {print n " passed, 0 failed"}')"
  expect_status "--filter glob" 0 test rules/acme --filter "2025.2: esk*"
  contains "--filter glob ran only 2025.2" out "rules/acme/tests/acme-2025.2.yaml:"
  expect_status "--filter matching nothing" 2 test rules/acme --filter "no such test"
  contains "--filter matching nothing says so" err "no test matches --filter"

  # Usage and IO errors.
  expect_status "no PATH" 2 test
  expect_status "missing PATH" 2 test rules/no-such-dir
  contains "missing PATH is named" err "rules/no-such-dir"
  expect_status "folder without suites" 2 test tests/golden/diagnostics
  contains "folder without suites" err "no test suites"
  expect_status "bad --coverage-min" 2 test rules/acme --coverage-min 101
  expect_status "bad --as-of" 2 test rules/acme --as-of 2026-13-01
  expect_status "unwritable --junit" 2 test "$G/coverage.yaml" --junit /no-such-dir/x.xml
fi

# ---- failure output on small suites (goldens) ------------------------------------------------
run test "$G/failing.yaml"
[[ "$status" == 1 ]] && pass || fail "failing suite: exit $status, expected 1"
golden "failing expectations" "$tmp/out" "$G/failing.expected"
last_line_is "failing closing line" out "1 passed, 3 failed"

run test "$G/bad-key.yaml"
[[ "$status" == 2 ]] && pass || fail "bad key: exit $status, expected 2"
golden "bad keys" "$tmp/err" "$G/bad-key.expected"

run test "$G/missing-case.yaml"
[[ "$status" == 2 ]] && pass || fail "missing case: exit $status, expected 2"
golden "missing case file" "$tmp/err" "$G/missing-case.expected"

run test "$G/broken-rules.yaml"
[[ "$status" == 3 ]] && pass || fail "broken rules: exit $status, expected 3"
golden "rule set that does not compile" "$tmp/err" "$G/broken-rules.expected"

# JUnit on stdout (times zeroed), the text on stderr; --junit FILE writes the same XML.
run test "$G/failing.yaml" --format junit --junit "$tmp/junit.xml"
[[ "$status" == 1 ]] && pass || fail "junit: exit $status, expected 1"
sed -E 's/time="[0-9.]+"/time="0"/g' "$tmp/out" >"$tmp/junit-stdout.xml"
golden "junit xml" "$tmp/junit-stdout.xml" "$G/failing.junit.expected"
cmp -s "$tmp/out" "$tmp/junit.xml" && pass || fail "--junit FILE equals --format junit stdout"
last_line_is "junit text on stderr" err "1 passed, 3 failed"
if command -v python3 >/dev/null; then
  python3 -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); assert d.documentElement.tagName == "testsuites"' \
    "$tmp/junit.xml" && pass || fail "junit xml parses"
fi

# YAML anchors and merge keys across tests; an error inside a merged case points at the suite.
run test "$G/anchors.yaml"
[[ "$status" == 1 ]] && pass || fail "anchors: exit $status, expected 1"
golden "anchors and merge keys" "$tmp/out" "$G/anchors.expected"

# Dated criteria and computed authorizations: every test passes, every criterion both ways.
expect_status "dated criteria suite passes with full coverage" 0 test "$G/dated.yaml" --coverage-min 100
last_line_is "dated criteria count" out "8 passed, 0 failed"

# --mutate over tiny/tiny.cpl: the survivors and the score; --mutate-min gates; JSON for tools.
run test "$G/coverage.yaml" --mutate --threads 2
[[ "$status" == 0 ]] && pass || fail "mutate: exit $status, expected 0"
golden "mutation report" "$tmp/out" "$G/mutate.expected"
expect_status "mutate below --mutate-min" 1 test "$G/coverage.yaml" --mutate-min 90
contains "mutate-min names the file" err "mutation score of tests/golden/test_command/tiny/tiny.cpl is"
expect_status "mutate json" 0 test "$G/coverage.yaml" --mutate --format json
if command -v python3 >/dev/null; then
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); m = d["mutation"]
assert d["passed"] == 4 and m["mutants"] == m["killed"] + len(m["survivors"]) and m["files"][0]["file"].endswith("tiny.cpl")' \
    "$tmp/out" && pass || fail "mutate json shape"
fi
expect_status "mutation needs a passing suite" 1 test "$G/failing.yaml" --mutate
contains "mutation needs a passing suite: says so" err "mutation testing needs every selected test to pass first"

# --update on a copy: the failing values are rewritten in place, comments and layout kept.
mkdir -p "$tmp/update" && cp -r "$G/tiny" "$G/update.yaml" "$tmp/update/"
(cd "$tmp/update" && "$COVCHECK" test update.yaml --update >"$tmp/out" 2>"$tmp/err"); status=$?
[[ "$status" == 1 ]] && pass || fail "update with a key it cannot rewrite: exit $status, expected 1"
golden "update report" "$tmp/out" "$G/update.expected"
golden "updated suite" "$tmp/update/update.yaml" "$G/update.after.expected"
(cd "$tmp/update" && "$COVCHECK" test update.yaml >"$tmp/out" 2>"$tmp/err")
last_line_is "updated suite passes but the hand-edited key" out "3 passed, 1 failed"

# Coverage report, --coverage-min and LCOV over tiny/tiny.cpl.
run test "$G/coverage.yaml" --coverage --coverage-min 90 --lcov "$tmp/tiny.info"
[[ "$status" == 1 ]] && pass || fail "coverage below minimum: exit $status, expected 1"
golden "coverage report" "$tmp/out" "$G/coverage.expected"
contains "coverage minimum names the file" err "criterion coverage of tests/golden/test_command/tiny/tiny.cpl is 75.0%, below --coverage-min 90"
golden "lcov" "$tmp/tiny.info" "$G/coverage.lcov.expected"
expect_status "coverage at its minimum passes" 0 test "$G/coverage.yaml" --coverage-min 75
# LCOV is well formed: records open with SF and close with end_of_record; BRH/LH agree with the lines.
awk -F'[:,]' '
  /^SF:/ { if (open) exit 1; open = 1; brh = 0; lh = 0; next }
  /^end_of_record$/ { if (!open) exit 1; open = 0; records++; next }
  /^BRDA:/ { if ($5 != "-" && $5 > 0) brh++; next }
  /^BRH:/ { if ($2 != brh) exit 1; next }
  /^DA:/ { if ($3 > 0) lh++; next }
  /^LH:/ { if ($2 != lh) exit 1; next }
  /^(TN|FN|FNDA|FNF|FNH|BRF|LF):/ { next }
  { exit 1 }
  END { if (open || records == 0) exit 1 }' "$tmp/tiny.info" && pass || fail "lcov is well formed"
if command -v genhtml >/dev/null; then
  genhtml --quiet --branch-coverage --output-directory "$tmp/html" "$tmp/tiny.info" >"$tmp/genhtml.log" 2>&1 &&
    [[ -f "$tmp/html/index.html" ]] && pass || { fail "genhtml reads the lcov file"; cat "$tmp/genhtml.log"; }
fi

finish

#!/usr/bin/env bash
# End-to-end tests of schema extension (`extend` in a policy: docs/language.md, "Extending the
# schema"): the analyst guide's section 11 policy lints clean and is formatted; cases that use
# its added field, member and synonym are read as YAML, JSON and JSON Lines (the fast path) and
# decided by them; an undeclared field is still warned about; conflicts stop the rule set.
# Usage: COVCHECK=build/covcheck bash tests/e2e/extend.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

policy=examples/analyst-guide/extend/northwind-geriatric.cpl
cases=examples/analyst-guide/extend/cases

expect_status "extending policy lints clean" 0 lint --strict "$policy"
expect_status "extending policy is formatted" 0 fmt --check "$policy"

# YAML: the extended field, the synonym of the added member, the added document decide.
expect_status "yaml case" 0 check --rules "$policy" --case "$cases/covered.yaml" --format json
contains "yaml case" out '"decision": "covered"'
lacks "yaml case" err "warning"

# A misspelt extended field: a warning with the did-you-mean, and the fact is missing.
expect_status "misspelt field" 0 check --rules "$policy" --case "$cases/typo.yaml" --format json
contains "misspelt field" err "did you mean \`adherence_documented\`?"
contains "misspelt field" out '"fact": "treatments[1].adherence_documented"'

# JSON and JSON Lines: the second trial's adherence is not documented, so the count fails.
cat >"$tmp/case.json" <<'JSON'
{"id": "j", "date_of_service": "2026-04-02", "patient": {"birth_date": "1955-08-14"},
 "request": {"service": "esketamine_nasal", "prescriber_specialty": "2084P0805X"},
 "treatments": [{"name": "a", "outcome": "failed", "adherence_documented": true},
                {"name": "b", "outcome": "failed", "adherence_documented": false}],
 "documents": ["cognitive_screen"]}
JSON
expect_status "json case" 0 check --rules "$policy" --case "$tmp/case.json" --format json
contains "json case" out '"decision": "denied"'
tr -d '\n' <"$tmp/case.json" >"$tmp/cases.jsonl" && echo >>"$tmp/cases.jsonl"
expect_status "json lines batch" 0 batch --rules "$policy" --cases "$tmp/cases.jsonl"
contains "json lines batch" out '"decision":"denied"'

# Without the extension the same case does not load its new member (rules/acme has no such specialty).
expect_status "other rule sets do not see it" 4 check --rules rules/acme --case "$cases/covered.yaml"
contains "other rule sets do not see it" err "[case.enum]"

# A conflict: both places named, exit 3 (the golden tests/golden/diagnostics/extend_conflict.cpl has the text).
expect_status "conflict" 3 check --rules tests/golden/diagnostics/extend_conflict.cpl --case "$cases/covered.yaml"
contains "conflict" err "[schema.extend_conflict]"
contains "conflict" err "tests/golden/diagnostics/lib/infusion_rate.cpl:5:3: note: declared here"

finish

#!/usr/bin/env bash
# End-to-end tests of `covcheck lint`: the shipped rules lint clean, exit statuses, JSON
# output, and one golden file per finding kind (tests/golden/lint/NAME.cpl ->
# NAME.cpl.expected = stdout of `covcheck lint NAME.cpl`, then a line `exit N`).
# Usage: COVCHECK=build/covcheck bash tests/e2e/lint.sh [--update]
# --update rewrites the golden files instead of comparing (review `git diff tests/golden/lint`).
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

# ---- the shipped rules ----------------------------------------------------------------------
expect_status "shipped rules lint clean" 0 lint rules
contains "shipped rules lint clean" out "no findings in"
expect_status "shipped rules lint clean, strict" 0 lint --strict rules/acme rules/mandates

# The analyst guide's example (docs/analyst-guide.md): the final file is clean, tested and
# formatted; the first draft has the four findings the guide discusses.
expect_status "guide example lints clean" 0 lint --strict examples/analyst-guide/northwind-2026.1.cpl
expect_status "guide example tests pass" 0 test examples/analyst-guide/tests/northwind.yaml
expect_status "guide example is formatted" 0 fmt --check examples/analyst-guide/northwind-2026.1.cpl
expect_status "guide draft" 0 lint examples/analyst-guide/draft/northwind-2026.1.cpl
for code in lint.codeset_overlap lint.never_true check.unused_define lint.missing_cite; do contains "guide draft" out "[$code]"; done

# ---- exit statuses ----------------------------------------------------------------------------
expect_status "warnings only" 0 lint tests/golden/lint/missing_cite.cpl
expect_status "warnings only, strict" 1 lint --strict tests/golden/lint/missing_cite.cpl
expect_status "an error finding" 1 lint tests/golden/lint/unreachable_rule.cpl
expect_status "no such path" 2 lint tests/golden/lint/no-such-file.cpl
contains "no such path" err "does not exist"
expect_status "does not compile" 3 lint tests/golden/diagnostics/type_mismatch.cpl
contains "does not compile" err "[check.type_mismatch]"
expect_status "bad format" 2 lint --format yaml rules/acme
expect_status "no path" 2 lint

# ---- JSON -------------------------------------------------------------------------------------
expect_status "json" 1 lint --format json tests/golden/lint/unreachable_rule.cpl
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["errors"]==3 and d["warnings"]==1; f=d["findings"][0]; assert f["code"]=="lint.unreachable_rule" and f["at"].endswith(":10:43") and f["line"]==10 and f["column"]==43 and f["help"] and f["field"] is None and any(n["at"] is None for n in f["notes"]) and any(n["at"] for n in f["notes"])' "$tmp/out"; then
  pass
else
  fail "json: unexpected shape"
fi
expect_status "json clean" 0 lint --format json rules/acme
contains "json clean" out '"findings": []'

# ---- golden files -----------------------------------------------------------------------------
for f in tests/golden/lint/*.cpl; do
  run lint "$f"
  printf 'exit %s\n' "$status" >>"$tmp/out"
  golden_file "$f" "$tmp/out" "$f.expected"
done

finish

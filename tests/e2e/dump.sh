#!/usr/bin/env bash
# End-to-end tests of `covcheck dump`: golden outputs of each stage for a small rule set
# (tests/golden/dump), the shipped rules, and exit statuses.
# Usage: COVCHECK=build/covcheck bash tests/e2e/dump.sh [--update]   (--update rewrites the
# tests/golden/dump/*.expected files from the current binary; review the diff)
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

golden() { golden_file "$1" "$tmp/out" "$2"; }

small=tests/golden/dump/small
for stage in parse ast; do
  expect_status "dump $stage" 0 dump --stage "$stage" "$small/policy.cpl"
  golden "dump $stage" "tests/golden/dump/$stage.expected"
done
for stage in checked program; do
  expect_status "dump $stage" 0 dump --stage "$stage" "$small"
  golden "dump $stage" "tests/golden/dump/$stage.expected"
done

# Every stage works on the shipped rules.
expect_status "ast of a shipped policy" 0 dump --stage ast rules/acme/acme-2026.1.cpl
contains "ast of a shipped policy" out "Rule s3_esketamine"
expect_status "checked shipped rules" 0 dump --stage checked rules/acme rules/mandates
contains "checked shipped rules" out "Rule s3_esketamine (coverage) in acme 2026.1"
contains "checked shipped rules" out "-> member service.esketamine_nasal"
expect_status "program of shipped rules" 0 dump --stage program rules/acme rules/mandates
contains "program of shipped rules" out "in_codeset"

# Failures: syntax errors (3), unreadable paths and bad options (2).
expect_status "parse of a broken file" 3 dump --stage parse tests/golden/diagnostics/unbalanced_parens.cpl
contains "parse of a broken file" err "unbalanced_parens.cpl:"
expect_status "ast of a broken file" 3 dump --stage ast tests/golden/diagnostics/unbalanced_parens.cpl
expect_status "checked with a type error" 3 dump --stage checked tests/golden/diagnostics/type_mismatch.cpl
contains "checked with a type error" err "error:"
expect_status "missing file" 2 dump --stage ast "$tmp/nope.cpl"
expect_status "missing rule path" 2 dump --stage program "$tmp/nope"
expect_status "unknown stage" 2 dump --stage tokens "$small/policy.cpl"

finish

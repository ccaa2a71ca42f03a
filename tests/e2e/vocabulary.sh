#!/usr/bin/env bash
# End-to-end tests of the case vocabulary: enumeration synonyms and NUCC taxonomy codes in
# case data (YAML and JSON), `none` for a field declared `or none`, and an explicit
# `unknown(...)` naming the facts `missing` lists.
# Usage: COVCHECK=build/covcheck bash tests/e2e/vocabulary.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

dir="$tmp/vocabulary"
mkdir -p "$dir"
cat >"$dir/policy.cpl" <<'CPL'
policy vocab "Vocabulary" version "1"
  default denied "Not addressed"

define no_consultant =
  if request.consultant_specialty is known then request.consultant_specialty is none
  else unknown(request.consultant_specialty)

rule esk "Esketamine" cite "§1"
  when request.service == esketamine_nasal
  cover
  require request.prescriber_specialty == psychiatry cite "§1.1"
    else deny "Esketamine must be prescribed by a psychiatrist"
  require no_consultant cite "§1.2" else deny "Only without a consultation"
CPL

# Synonyms in any case, a taxonomy code, and `none`: covered, no warning.
cat >"$dir/synonyms.yaml" <<'YAML'
date_of_service: 2026-03-02
request:
  service: Spravato
  prescriber_specialty: 2084P0800X
  consultant_specialty: none
YAML
expect_status "synonyms and none" 0 check --rules "$dir/policy.cpl" --case "$dir/synonyms.yaml" --format json
contains "synonyms and none" out '"decision": "covered"'
lacks "synonyms and none" err "warning"

printf '{"date_of_service":"2026-03-02","request":{"service":"SPRAVATO","prescriber_specialty":"psychiatrist","consultant_specialty":"none"}}\n' >"$dir/synonyms.json"
expect_status "synonyms and none, JSON" 0 check --rules "$dir/policy.cpl" --case "$dir/synonyms.json" --format json
contains "synonyms and none, JSON" out '"decision": "covered"'

# A consultant named: denied. No consultant field: pends, and `missing` names it.
sed 's/consultant_specialty: none/consultant_specialty: neurology/' "$dir/synonyms.yaml" >"$dir/consulted.yaml"
expect_status "a consultant" 0 check --rules "$dir/policy.cpl" --case "$dir/consulted.yaml" --format json
contains "a consultant" out '"decision": "denied"'
grep -v consultant_specialty "$dir/synonyms.yaml" >"$dir/absent.yaml"
expect_status "absent consultant" 0 check --rules "$dir/policy.cpl" --case "$dir/absent.yaml" --format json
contains "absent consultant" out '"decision": "pend"'
contains "absent consultant" out '"fact": "request.consultant_specialty"'

# An unknown member is still an error, with a did-you-mean; `none` only where declared.
sed 's/service: Spravato/service: Spravatoo/' "$dir/synonyms.yaml" >"$dir/typo.yaml"
expect_status "typo" 4 check --rules "$dir/policy.cpl" --case "$dir/typo.yaml"
contains "typo" err "[case.enum]"
sed 's/prescriber_specialty: 2084P0800X/prescriber_specialty: none/' "$dir/synonyms.yaml" >"$dir/none.yaml"
expect_status "none not declared" 4 check --rules "$dir/policy.cpl" --case "$dir/none.yaml"
contains "none not declared" err "\`none\` is not a valid \`specialty\` in \`request.prescriber_specialty\`"

# The shipped schema formats to itself, and dumps its synonyms.
expect_status "schema formatted" 0 fmt --check rules/schema/case.cpl
expect_status "dump synonyms" 0 dump --stage ast rules/schema/case.cpl
contains "dump synonyms" out 'SynonymEntry psychiatry: "2084P0800X"'

finish

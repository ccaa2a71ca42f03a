#!/usr/bin/env bash
# FHIR R4 bundles as cases (issue 17): fhir2case goldens (the Inferno CRD transaction bundle,
# a generated esketamine order), hostile bundles, and the differential test: every shipped
# example case, converted into the bundle an EHR would hold (tests/fhir/case_to_bundle.py),
# decides exactly as the case with the facts FHIR cannot carry removed.
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

DATA=tests/data/fhir
GOLDEN=tests/golden/fhir

# ---- fhir2case goldens: stdout (the case with its sources) and stderr (what was skipped) ----
for name in crd_transaction_bundle esketamine_order; do
  run fhir2case "$DATA/$name.json"
  if [[ "$status" == 0 ]]; then pass; else fail "fhir2case $name: exit $status"; fi
  golden_file "fhir2case $name" "$tmp/out" "$GOLDEN/$name.case.yaml"
  sed "s|^$DATA/||" "$tmp/err" >"$tmp/err.rel"
  golden_file "fhir2case $name warnings" "$tmp/err.rel" "$GOLDEN/$name.warnings.txt"
done
# The printed case is a case file: YAML and JSON decide like the bundle.
run check --rules rules/acme --case "$DATA/esketamine_order.json" --format json --no-trace
contains "bundle decides" out '"decision": "pend"'
cp "$tmp/out" "$tmp/from_bundle.json"
"$COVCHECK" fhir2case "$DATA/esketamine_order.json" >"$tmp/printed.yaml" 2>/dev/null
"$COVCHECK" fhir2case --format json "$DATA/esketamine_order.json" >"$tmp/printed.json" 2>/dev/null
for printed in "$tmp/printed.yaml" "$tmp/printed.json"; do
  run check --rules rules/acme --case "$printed" --format json --no-trace
  if [[ "$(grep '"decision"' "$tmp/out")" == "$(grep '"decision"' "$tmp/from_bundle.json")" ]]; then pass
  else fail "fhir2case output $(basename "$printed") decides as the bundle"; fi
done

# ---- hostile bundles: exit 4, a clear error naming the FHIR path, never a crash or hang ----
hostile() {  # NAME FILE CODE TEXT
  run check --rules rules/acme --case "$2"
  if [[ "$status" == 4 ]]; then pass; else fail "$1: exit $status, expected 4"; fi
  contains "$1" err "[$3]"
  contains "$1" err "$4"
}
hostile "not a bundle" "$DATA/hostile_not_bundle.json" fhir.not_a_bundle 'a FHIR `Patient` resource, not a Bundle'
hostile "no resourceType" "$DATA/hostile_no_resource_type.json" fhir.no_resource_type '`Bundle.entry[1].resource` has no `resourceType`'
hostile "broken reference" "$DATA/hostile_broken_reference.json" fhir.broken_reference \
  '`Bundle.entry[1].resource(Coverage/c1).payor[0].reference`: `Organization/nowhere` names no resource'
hostile "reference cycle" "$DATA/hostile_reference_cycle.json" fhir.reference_cycle 'a reference cycle'
hostile "deep nesting" "$DATA/hostile_deep.json" fhir.too_deep 'nests deeper than 100 levels'
python3 - "$tmp/many.json" <<'PY'
import json, sys
entries = [{"resource": {"resourceType": "Observation", "id": f"o{i}", "status": "final", "code": {"text": "x"}}}
           for i in range(100000)]
json.dump({"resourceType": "Bundle", "type": "collection", "entry": entries}, open(sys.argv[1], "w"))
PY
hostile "100,000 entries" "$tmp/many.json" fhir.too_many_resources 'more than 10000 resources'
printf '{"resourceType": "Bundle", "entry": [ {"resource": {"resourceType": "Patient",}} ]}' >"$tmp/comma.json"
hostile "JSON syntax" "$tmp/comma.json" fhir.syntax 'invalid JSON'

# ---- the differential test over every shipped example case ----
compared=0
for case in rules/*/cases/*.yaml; do
  dir=$(dirname "$(dirname "$case")")
  base=$(basename "$case" .yaml)
  python3 tests/fhir/case_to_bundle.py "$case" "$tmp/$base.bundle.json" "$tmp/$base.reduced.yaml" || { fail "generator: $case"; continue; }
  "$COVCHECK" check --rules "$dir" --case "$tmp/$base.reduced.yaml" --format json --no-trace >"$tmp/a.json" 2>/dev/null
  sa=$?
  "$COVCHECK" check --rules "$dir" --case "$tmp/$base.bundle.json" --format json --no-trace >"$tmp/b.json" 2>/dev/null
  sb=$?
  if [[ "$sa" != "$sb" ]]; then
    fail "differential $case: exit $sa for the case, $sb for the bundle"
    continue
  fi
  if python3 - "$tmp/a.json" "$tmp/b.json" <<'PY'
import json, sys
texts = [open(p).read() for p in sys.argv[1:3]]
if not texts[0].strip() and not texts[1].strip():
    sys.exit(0)  # both undecidable (no policy in force): the same exit status was checked
a, b = (json.loads(t) for t in texts)
keys = ("case", "decision", "basis", "prior_auth", "benefit", "missing", "error")
sys.exit(0 if all(a.get(k) == b.get(k) for k in keys) else 1)
PY
  then
    pass
    compared=$((compared + 1))
  else
    fail "differential $case: the bundle decides differently from the reduced case"
    diff <(python3 -m json.tool "$tmp/a.json" | grep -E '"(decision|basis|prior_auth|benefit|fact)"') \
         <(python3 -m json.tool "$tmp/b.json" | grep -E '"(decision|basis|prior_auth|benefit|fact)"') | head -10 | sed 's/^/  /'
  fi
done
if (( compared >= 200 )); then pass; else fail "differential: only $compared cases compared"; fi
echo "differential: $compared example cases decided alike as YAML and as FHIR bundles"

finish

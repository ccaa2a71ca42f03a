#!/usr/bin/env bash
# Every command's JSON against the documented schemas (docs/json.md,
# docs/schema/covcheck.schema.json): answers, compact lines, case errors, batch error
# records, lint reports and every HTTP error body share their shapes, so one diagnostic has
# the same keys wherever it appears. Needs Debian's python3-jsonschema (tools/setup.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

py=/usr/bin/python3
if ! "$py" -c 'import jsonschema' 2>/dev/null; then
  echo "FAIL: python3-jsonschema is not installed (tools/setup.sh installs it)"
  echo "0 passed, 1 failed"
  exit 1
fi
# valid NAME SHAPES FILE [--lines]: FILE (each of its lines, with --lines) must be one of the
# SHAPES. Kept aside and checked in one python run at the end (python starts slowly).
mkdir -p "$tmp/kept"
kept=0
valid() {
  kept=$((kept + 1))
  cp "$3" "$tmp/kept/$kept.json"
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$tmp/kept/$kept.json" "$([[ "${4:-}" == --lines ]] && echo lines || echo whole)" \
    >>"$tmp/manifest"
}
rules=(--rules rules/acme --rules rules/mandates)

# The schema is strict enough to fail: a diagnostic without its null keys is not one.
printf '{"case":null,"line":2,"error":"x","diagnostics":[{"severity":"error","code":"case.x","at":null,"message":"m"}]}\n' >"$tmp/partial.jsonl"
if "$py" tests/e2e/lib/validate_json.py batch_error "$tmp/partial.jsonl" --lines >/dev/null; then
  fail "the schema accepts a diagnostic with keys missing"
else
  pass
fi

# ---- check ------------------------------------------------------------------------------------
# answer_or_error NAME: the last run's stdout is an answer when it exited 0, else the error object.
answer_or_error() {
  if ((status == 0)); then valid "$1" answer "$tmp/out"; else valid "$1" case_error "$tmp/out"; fi
}
for f in rules/acme/cases/*.yaml; do
  run check "${rules[@]}" --case "$f" --format json
  answer_or_error "check $f"
done
run check "${rules[@]}" --case rules/acme/cases/esk-covered.yaml --format json --no-trace
valid "check --no-trace" answer "$tmp/out"
# A dated criterion out of its range (trace and checklist) and an authorization amount unknown (null).
guide=examples/analyst-guide/dated
for f in june no-sessions; do
  run check --rules "$guide/northwind-induction.cpl" --case "$guide/cases/$f.yaml" --format json
  valid "check dated criteria: $f" answer "$tmp/out"
done
expect_status "a case no policy is in force for" 4 check "${rules[@]}" --case rules/acme/cases/dated-2027.yaml --format json
valid "check: undecidable" case_error "$tmp/out"
run check "${rules[@]}" --case tests/golden/cases/unknown-field.yaml --format json
valid "check with warnings" answer "$tmp/out"
# Golden cases with warnings only (an unknown field, an assessment after the service) are
# decided: their answer carries the warnings; every other golden case is an error object.
decided_with_warnings() { [[ "$1" == */unknown-field.yaml || "$1" == */assessment-after-service.yaml ]]; }
for f in tests/golden/cases/*.yaml; do
  decided_with_warnings "$f" && continue
  expect_status "check $f" 4 check "${rules[@]}" --case "$f" --format json
  valid "check $f: the error object" case_error "$tmp/out"
done
run check "${rules[@]}" --case tests/golden/cases/assessment-after-service.yaml --format json
valid "check with a plausibility warning" answer "$tmp/out"
# A case error names the field as data.
run check "${rules[@]}" --case tests/golden/cases/wrong-type.yaml --format json
if "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["case"]=="wrong-type"; assert [x["field"] for x in d["diagnostics"]]==["request.sessions"]' "$tmp/out"; then pass; else fail "check: field path"; fi
expect_status "check: missing case file" 2 check "${rules[@]}" --case "$tmp/none.yaml" --format json
valid "check: missing case file" case_error "$tmp/out"
for f in tests/bad/rules/*.cpl; do
  run check --rules "$f" --case rules/acme/cases/esk-covered.yaml --format json
  if ((status == 3 || status == 2)); then valid "check bad rules $f" case_error "$tmp/out"; fi
done
for f in tests/bad/cases/*; do
  run check "${rules[@]}" --case "$f" --format json
  answer_or_error "check $f"
done

# ---- the payer registry (rules/payers.yaml): answers name the payer; compare reports ------------
run check --rules rules --case rules/cigna-spravato/cases/"$(ls rules/cigna-spravato/cases | head -1)" --format json
valid "check --rules rules (registry)" answer "$tmp/out"
printf 'id: nobody\ndate_of_service: 2026-03-02\nplan: {payer: Nobody Health}\n' >"$tmp/nobody.yaml"
expect_status "check: unknown payer" 4 check --rules rules --case "$tmp/nobody.yaml" --format json
valid "check: unknown payer" case_error "$tmp/out"
run compare --rules rules --case rules/acme/cases/esk-covered.yaml --format json
valid "compare --rules rules" compare_report "$tmp/out"
run compare --set acme=rules/acme --set tricare=rules/tricare --case rules/acme/cases/esk-covered.yaml --format json
valid "compare --set" compare_report "$tmp/out"

# ---- batch ------------------------------------------------------------------------------------
for f in tests/bad/streams/* tests/data/workload/cases-300.yaml; do
  [[ "$f" == *.expected ]] && continue
  for mode in "" --trace; do
    run batch "${rules[@]}" --cases "$f" $mode
    valid "batch $f $mode" "answer|batch_error" "$tmp/out" --lines
  done
  run batch "${rules[@]}" --cases "$f" --compact
  valid "batch $f --compact" "compact_answer|batch_error" "$tmp/out" --lines
done

# ---- lint -------------------------------------------------------------------------------------
for f in tests/golden/lint/*.cpl rules/acme; do
  run lint --format json "$f"
  valid "lint $f" lint_report "$tmp/out"
done

# ---- diff and test ------------------------------------------------------------------------------
run diff --old rules/acme/acme-2025.2.cpl rules/acme/common.cpl --new rules/acme/acme-2026.1.cpl rules/acme/common.cpl \
  --cases examples/corpus/cases.jsonl --old-as-of 2025-10-01 --new-as-of 2026-03-01 --format json
valid "diff --format json" diff_report "$tmp/out"
printf '{"id": "broken", "date_of_service": "soon"}\n' >"$tmp/one-bad.jsonl"
head -3 examples/corpus/cases.jsonl >>"$tmp/one-bad.jsonl"
run diff --old rules/acme/acme-2025.2.cpl rules/acme/common.cpl --new rules/acme/acme-2026.1.cpl rules/acme/common.cpl \
  --cases "$tmp/one-bad.jsonl" --format json
valid "diff --format json with a case error" diff_report "$tmp/out"
run test tests/golden/test_command/coverage.yaml --format json
valid "test --format json" test_report "$tmp/out"
run test tests/golden/test_command/coverage.yaml --mutate --threads 2 --format json
valid "test --mutate --format json" test_report "$tmp/out"

# ---- serve ------------------------------------------------------------------------------------
if command -v curl >/dev/null; then
  "$COVCHECK" serve "${rules[@]}" --port 0 2>"$tmp/server.err" &
  server_pid=$!
  trap 'kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null; rm -rf "$tmp"' EXIT
  url=$(server_url "$tmp/server.err")
  post() {  # post SHAPES TYPE FILE PATH
    curl -s -o "$tmp/body" -H "Content-Type: $2" --data-binary "@$3" "$url$4"
    valid "POST $4 $3 ($2)" "$1" "$tmp/body"
  }
  post served_answer application/yaml rules/acme/cases/esk-covered.yaml /v1/check
  post served_answer application/yaml rules/acme/cases/esk-covered.yaml "/v1/check?trace=true"
  for f in tests/golden/cases/*.yaml; do
    decided_with_warnings "$f" && continue
    post http_error application/yaml "$f" /v1/check
  done
  printf '{"id":"j", "patient": {"sex": "femal"},}' >"$tmp/bad.json"
  post http_error application/json "$tmp/bad.json" /v1/check
  post http_error text/csv rules/acme/cases/esk-covered.yaml /v1/check
  post http_error application/yaml "$tmp/bad.json" /v1/summary
  post http_error application/yaml rules/acme/cases/esk-covered.yaml "/v1/check?as_of=soon"
  curl -s -o "$tmp/body" -H "Content-Type: application/x-ndjson" --data-binary @tests/bad/streams/mixed.jsonl "$url/v1/batch"
  valid "POST /v1/batch" "served_answer|served_batch_error" "$tmp/body" --lines
  curl -s -o "$tmp/body" "$url/v1/nothing"
  valid "GET /v1/nothing" http_error "$tmp/body"
  curl -s -o "$tmp/body" "$url/readyz"
  valid "GET /readyz" readiness "$tmp/body"

  # A rule bundle of the payer registry: its manifest, and what a server of it answers.
  run bundle --rules rules --version 2026.1 --built-at 2026-03-01T00:00:00Z --out "$tmp/rules.tar"
  mkdir -p "$tmp/unpacked" && tar -xf "$tmp/rules.tar" -C "$tmp/unpacked" manifest.json
  valid "bundle manifest.json" bundle_manifest "$tmp/unpacked/manifest.json"
  "$COVCHECK" serve --bundle "$tmp/rules.tar" --port 0 2>"$tmp/bundle-server.err" &
  bundle_pid=$!
  trap 'kill $server_pid $bundle_pid 2>/dev/null; wait $server_pid $bundle_pid 2>/dev/null; rm -rf "$tmp"' EXIT
  url=$(server_url "$tmp/bundle-server.err")
  post served_answer application/yaml rules/acme/cases/esk-covered.yaml /v1/check
  post served_compare_report application/yaml rules/acme/cases/esk-covered.yaml /v1/compare
  curl -s -o "$tmp/body" -H "Content-Type: application/x-ndjson" --data-binary @tests/bad/streams/mixed.jsonl "$url/v1/batch"
  valid "POST /v1/batch from a bundle" "served_answer|served_batch_error" "$tmp/body" --lines
  curl -s -o "$tmp/body" "$url/readyz"
  valid "GET /readyz from a bundle" readiness "$tmp/body"
else
  echo "(no curl: the server's bodies are not checked)"
fi

"$py" tests/e2e/lib/validate_json.py --manifest "$tmp/manifest" >"$tmp/verdicts"
while IFS= read -r line; do
  if [[ "$line" == ok\ * ]]; then pass; else failed=$((failed + 1)); echo "$line"; fi
done <"$tmp/verdicts"
if [[ "$(wc -l <"$tmp/verdicts")" -ne "$kept" ]]; then fail "the validator did not judge every document"; fi

finish

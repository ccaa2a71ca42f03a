#!/usr/bin/env bash
# FHIR R4 bundles through every command that decides cases (the case readers' `fhir` row):
# check (by sniff, by --case-format, the field path of an error), batch (a bundle per JSON
# line, beside plain cases), diff (a corpus of bundle lines), compare (rule sets and the
# payer registry), test (a suite case that is a bundle), replay (an audited bundle), and the
# HTTP routes /v1/check (application/fhir+json and application/json), /v1/batch, /v1/compare.
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

DATA=tests/data/fhir
BUNDLE=$DATA/esketamine_order.json

# ---- check ----
run check --rules rules/acme --case "$BUNDLE" --format json --no-trace
if [[ "$status" == 0 ]]; then pass; else fail "check bundle: exit $status"; fi
contains "check bundle decides" out '"decision": "pend"'
# A bundle with another name than .json is still found by its text; --case-format forces it.
cp "$BUNDLE" "$tmp/order.txt"
run check --rules rules/acme --case "$tmp/order.txt" --format json --no-trace
contains "a bundle named .txt is sniffed" out '"decision": "pend"'
run check --rules rules/acme --case - --format json --no-trace <"$BUNDLE"
contains "a bundle on stdin is sniffed" out '"decision": "pend"'
run check --rules rules/acme --case "$tmp/order.txt" --case-format json --no-trace
contains "--case-format json forces the JSON reader" err 'unknown field `resourceType` [case.unknown_field]'

# A schema error on a value from FHIR: exit 4, the case field path, the FHIR element in a note.
cat >"$tmp/bad.json" <<'JSON'
{"resourceType": "Bundle", "type": "collection", "entry": [
  {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1990-02-30"}}
]}
JSON
run check --rules rules/acme --case "$tmp/bad.json" --format json
if [[ "$status" == 4 ]]; then pass; else fail "bad bundle: exit $status, expected 4"; fi
contains "the error's field is the case path" out '"field": "patient.birth_date"'
contains "the note names the FHIR element" err 'from FHIR `Bundle.entry[0].resource(Patient/p1).birthDate`'
contains "the error is at the bundle's line" err 'bad.json:2:'

# --fhir-map: a directory that cannot be read is a usage error.
expect_status "check --fhir-map missing dir" 2 check --rules rules/acme --case "$BUNDLE" --fhir-map "$tmp/nowhere"

# ---- batch: one bundle per JSON line, beside a plain case ----
python3 - "$BUNDLE" "$tmp/bad.json" "$tmp/cases.jsonl" <<'PY'
import json, sys
bundle, bad, out = sys.argv[1:4]
lines = [json.dumps(json.load(open(bundle))), json.dumps(json.load(open(bad)))]
open(out, "w").write("\n".join(lines) + "\n")
PY
"$COVCHECK" fhir2case --format json "$BUNDLE" 2>/dev/null | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))' >>"$tmp/cases.jsonl"
run batch --rules rules/acme --cases "$tmp/cases.jsonl" --threads 1 --out "$tmp/results.jsonl"
if [[ "$status" == 0 ]]; then pass; else fail "batch: exit $status"; fi
if python3 - "$tmp/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 3, rows
assert rows[0].get("decision") == "pend", rows[0]
assert "error" in rows[1], rows[1]
assert any(d.get("field") == "patient.birth_date" for d in rows[1]["diagnostics"]), rows[1]
assert rows[2].get("decision") == rows[0]["decision"], rows[2]
PY
then pass; else fail "batch: a bundle line decides as its printed case; a bad one is an error record with the field"; fi
expect_status "batch --fhir-map missing dir" 2 batch --rules rules/acme --cases "$tmp/cases.jsonl" --fhir-map "$tmp/nowhere"

# ---- compare ----
run compare --set acme=rules/acme --set mandated=rules/acme,rules/mandates --case "$BUNDLE" --format json
if [[ "$status" == 0 || "$status" == 1 ]]; then pass; else fail "compare bundle: exit $status"; fi
contains "compare decides the bundle" out '"decision": "pend"'
run compare --set acme=rules/acme --set mandated=rules/acme,rules/mandates --case "$tmp/bad.json"
if [[ "$status" == 4 ]]; then pass; else fail "compare bad bundle: exit $status, expected 4"; fi

run compare --rules rules --payers acme,aetna --case "$BUNDLE" --format json
if [[ "$status" == 0 || "$status" == 1 ]]; then pass; else fail "compare --rules bundle: exit $status"; fi
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [s["name"] for s in d["sets"]]==["acme","aetna"], d; assert d["sets"][0].get("decision") == "pend", d' "$tmp/out"; then
  pass
else
  fail "compare --rules: the bundle is decided for every chosen payer"
fi

# ---- diff: a corpus of bundle lines (the batch corpus above) ----
# Line 1 is the bundle, line 2 the bundle with an impossible birth date, line 3 the case
# fhir2case printed for line 1: lines 1 and 3 are the same case (id `esk-covered`, the order's).
run diff --old rules/acme --new rules/acme rules/mandates --cases "$tmp/cases.jsonl" --format json
if [[ "$status" == 0 ]]; then pass; else fail "diff over bundles: exit $status"; fi
if python3 - "$tmp/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["cases"] == 3, d
cells = {(c["old"], c["new"]): c for c in d["matrix"]}
same = [c for c in d["matrix"] if c["old"] != "error"]
assert len(same) == 1 and same[0]["cases"] == 2 and same[0]["examples"] == ["esk-covered", "esk-covered"], d["matrix"]
assert cells[("error", "error")]["cases"] == 1, d["matrix"]
# One error row per side, naming the impossible date the bundle holds.
assert [e["message"][:4] for e in d["errors"]] == ["old:", "new:"], d["errors"]
assert all("1990-02-30" in e["message"] and "patient.birth_date" in e["message"] for e in d["errors"]), d["errors"]
PY
then pass; else fail "diff: a bundle line decides as its printed case; a bad one is an error row"; fi

# ---- replay: a bundle's audit record ----
head -1 "$tmp/cases.jsonl" >"$tmp/bundle.jsonl"
run batch --rules rules --cases "$tmp/bundle.jsonl" --audit-log "$tmp/audit.jsonl" --out "$tmp/audited.jsonl"
if [[ "$status" == 0 ]] && [[ "$(wc -l <"$tmp/audit.jsonl")" == 1 ]]; then pass; else fail "batch --audit-log of a bundle: exit $status"; fi
run replay "$tmp/audit.jsonl" "$BUNDLE" --rules rules
if [[ "$status" == 0 ]]; then pass; else fail "replay of the bundle: exit $status"; fi
contains "replay reads the bundle" out "replay matches:"
"$COVCHECK" fhir2case --format json "$BUNDLE" >"$tmp/printed.json" 2>/dev/null
run replay "$tmp/audit.jsonl" "$tmp/printed.json" --rules rules
if [[ "$status" == 0 ]]; then pass; else fail "replay of the case fhir2case printed: exit $status"; fi
run replay "$tmp/audit.jsonl" "$DATA/esketamine_30.json" --rules rules
if [[ "$status" == 1 ]]; then pass; else fail "replay of another bundle: exit $status, expected 1"; fi
contains "another bundle's case digest differs" out "case digest: recorded sha256:"

# ---- test: a suite case that is a bundle ----
mkdir -p "$tmp/suite/tests"
cp "$BUNDLE" "$tmp/suite/order.json"
cat >"$tmp/suite/tests/bundle.yaml" <<YAML
rules: [$PWD/rules/acme]
tests:
  - name: an esketamine order as a FHIR bundle
    case: ../order.json
    expect:
      decision: pend
  - name: a bundle with an impossible birth date
    case: ../bad.json
    expect:
      error: patient.birth_date
YAML
cp "$tmp/bad.json" "$tmp/suite/bad.json"
run test "$tmp/suite/tests/bundle.yaml"
if [[ "$status" == 0 ]]; then pass; else fail "test with bundle cases: exit $status"; cat "$tmp/out" "$tmp/err" | head -20; fi
sed -i 's/decision: pend/decision: covered/' "$tmp/suite/tests/bundle.yaml"
run test "$tmp/suite/tests/bundle.yaml"
if [[ "$status" == 1 ]]; then pass; else fail "a wrong expectation on a bundle fails the suite: exit $status"; fi

# ---- serve: /v1/check and /v1/batch ----
if command -v curl >/dev/null; then
  "$COVCHECK" serve --rules rules/acme --port 0 2>"$tmp/server.err" &
  server_pid=$!
  url=$(server_url "$tmp/server.err")
  status_of() { curl -s -o "$tmp/body" -w '%{http_code}' "$@"; }
  code=$(status_of -H 'Content-Type: application/fhir+json' --data-binary @"$BUNDLE" "$url/v1/check")
  if [[ "$code" == 200 ]] && grep -q '"decision":"pend"' "$tmp/body"; then pass; else fail "/v1/check fhir+json: $code"; fi
  code=$(status_of -H 'Content-Type: application/json' --data-binary @"$BUNDLE" "$url/v1/check")
  if [[ "$code" == 200 ]] && grep -q '"decision":"pend"' "$tmp/body"; then pass; else fail "/v1/check json bundle: $code"; fi
  code=$(status_of -H 'Content-Type: application/fhir+json' --data-binary @"$tmp/bad.json" "$url/v1/check")
  if [[ "$code" == 400 ]] && grep -q '"field":"patient.birth_date"' "$tmp/body"; then pass; else fail "/v1/check bad bundle: $code"; fi
  code=$(status_of -H 'Content-Type: application/x-ndjson' --data-binary @"$tmp/cases.jsonl" "$url/v1/batch")
  if [[ "$code" == 200 ]] && [[ "$(wc -l <"$tmp/body")" == 3 ]] && head -1 "$tmp/body" | grep -q '"decision":"pend"' &&
     sed -n 2p "$tmp/body" | grep -q '"field":"patient.birth_date"'; then pass; else fail "/v1/batch bundles: $code"; fi
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null

  # /v1/compare needs the payer registry.
  "$COVCHECK" serve --rules rules --port 0 2>"$tmp/registry.err" &
  server_pid=$!
  url=$(server_url "$tmp/registry.err")
  code=$(status_of -H 'Content-Type: application/fhir+json' --data-binary @"$BUNDLE" "$url/v1/compare?payers=acme,aetna")
  if [[ "$code" == 200 ]] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [s["name"] for s in d["sets"]]==["acme","aetna"]' "$tmp/body"; then
    pass
  else
    fail "/v1/compare bundle: $code"
  fi
  code=$(status_of -H 'Content-Type: application/json' --data-binary @"$tmp/bad.json" "$url/v1/compare")
  if [[ "$code" == 400 ]] && grep -q '"field":"patient.birth_date"' "$tmp/body"; then pass; else fail "/v1/compare bad bundle: $code"; fi
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null
fi

finish

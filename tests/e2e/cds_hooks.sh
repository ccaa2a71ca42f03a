#!/usr/bin/env bash
# The CDS Hooks / Da Vinci CRD service end to end (issue 18): `covcheck serve --rules rules`
# (the payer registry) with curl: discovery, an esketamine order-sign request and its
# answer, the questionnaire it links, errors, every Inferno request, and the differential
# over every shipped example case (tests/crd/hook_differential.py: the hook decides as the
# same case in YAML for every payer, and answering the questionnaires settles the pends).
# With --audit-log, the order's audit record is keyed by its coverage-assertion-id and
# `covcheck replay` of it against `covcheck fhir2case` of the order's bundle matches.
# The request and answers shown in docs/cds-hooks.md are the goldens of tests/golden/crd/.
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

GOLDEN=tests/golden/crd
server_pid=
stop_server() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; }
trap 'stop_server; rm -rf "$tmp"' EXIT
expect() {  # NAME COMMAND...
  local name=$1
  shift
  if "$@"; then pass; else fail "$name"; fi
}

"$COVCHECK" serve --rules rules --port 0 --public-url https://covcheck.example --audit-log "$tmp/audit.jsonl" \
  2>"$tmp/server.err" &
server_pid=$!
url=$(server_url "$tmp/server.err")
expect "the server prints its address" test -n "$url"
status() { curl -s -o "$tmp/body" -w '%{http_code}' "$@"; }
pretty() { python3 -m json.tool --indent 2 "$1"; }

# ---- discovery --------------------------------------------------------------------------
expect "discovery" test "$(status "$url/cds-services")" = 200
pretty "$tmp/body" >"$tmp/discovery.json"
golden_file "discovery" "$tmp/discovery.json" "$GOLDEN/discovery.json"

# ---- an esketamine order-sign request, as an EHR sends it ---------------------------------
python3 tests/crd/bundle_to_hook.py tests/data/fhir/esketamine_order.json "$tmp/request.json"
golden_file "order-sign request" "$tmp/request.json" "$GOLDEN/order_sign_request.json"
expect "order-sign answers 200" test "$(status -H 'Content-Type: application/json' --data-binary @"$tmp/request.json" \
  "$url/cds-services/covcheck-order-sign")" = 200
# The assertion date is today's: the golden says DATE.
pretty "$tmp/body" | sed -E "s/\"valueDate\": \"$(date -u +%F)\"/\"valueDate\": \"DATE\"/" >"$tmp/answer.json"
golden_file "order-sign answer" "$tmp/answer.json" "$GOLDEN/order_sign_answer.json"
expect "the order is conditional" grep -q '"valueCode": "conditional"' "$tmp/answer.json"
expect "prior authorization is needed" grep -q '"valueCode": "auth-needed"' "$tmp/answer.json"

# ---- its audit record: keyed by the coverage-assertion-id, replayed from the order's case ---
assertion=$(python3 -c '
import json, sys
for a in json.load(open(sys.argv[1]))["systemActions"]:
    for e in a["resource"]["extension"]:
        for s in e.get("extension", []):
            if s["url"] == "coverage-assertion-id": print(s["valueString"])' "$tmp/answer.json")
expect "one audit record for the one order" test "$(wc -l <"$tmp/audit.jsonl")" -eq 1
expect "keyed by the hook route and the coverage-assertion-id" \
  grep -q "\"route\":\"/cds-services/{id}\",\"answer_id\":\"$assertion\"" "$tmp/audit.jsonl"
expect "no patient id in it" bash -c "! grep -q '\"p1\"\\|Patient/' '$tmp/audit.jsonl'"
run fhir2case tests/data/fhir/esketamine_order.json --format json
cp "$tmp/out" "$tmp/order_case.json"
run replay "$tmp/audit.jsonl" "$tmp/order_case.json" --rules rules
expect "the order's case replays its audit record: exit 0" test "$status" = 0
cp -r rules "$tmp/rules"
echo "# an analyst's edit" >>"$tmp/rules/acme/acme-2026.1.cpl"
run replay "$tmp/audit.jsonl" "$tmp/order_case.json" --rules "$tmp/rules"
expect "a changed policy does not replay: exit 1" test "$status" = 1

questionnaire=$(grep -o 'https://covcheck.example/fhir/Questionnaire/[a-z0-9-]*' "$tmp/answer.json" | head -1)
expect "the answer links a questionnaire" test -n "$questionnaire"
expect "the questionnaire is served" test "$(status "$url${questionnaire#https://covcheck.example}")" = 200
pretty "$tmp/body" >"$tmp/questionnaire.json"
golden_file "questionnaire" "$tmp/questionnaire.json" "$GOLDEN/questionnaire.json"
expect "as FHIR" grep -q '"resourceType": "Questionnaire"' "$tmp/questionnaire.json"

# ---- check --questionnaire: the same questionnaire from the command line ---------------------
run check --rules rules --case rules/acme/cases/esk-trial-end-unknown.yaml --questionnaire
expect "check --questionnaire exits 0" test "$status" = 0
expect "one item per missing fact, linkId the field path" grep -q '"linkId": "treatments\[1\].end"' "$tmp/out"
expect "typed from the schema" grep -q '"type": "date"' "$tmp/out"
run check --rules rules --case rules/acme/cases/esk-covered.yaml --questionnaire
expect "a decided case: no items" python3 -c 'import json, sys; sys.exit(0 if not json.load(open(sys.argv[1]))["item"] else 1)' "$tmp/out"
contains "and says so" err "no fact is missing"

# ---- errors: OperationOutcome bodies with the IG's statuses ---------------------------------
expect "an unknown service is 404" test "$(status -H 'Content-Type: application/json' -d '{}' "$url/cds-services/nothing")" = 404
expect "a non-JSON body is 400" test "$(status -H 'Content-Type: application/json' -d '{"hook": ' "$url/cds-services/covcheck-order-sign")" = 400
expect "with an OperationOutcome" grep -q '"resourceType":"OperationOutcome"' "$tmp/body"
sed 's/"birthDate": "1987-05-14"/"birthDate": "1987-02-30"/' "$tmp/request.json" >"$tmp/bad.json"
expect "an impossible birth date is 400" test "$(status -H 'Content-Type: application/json' --data-binary @"$tmp/bad.json" \
  "$url/cds-services/covcheck-order-sign")" = 400
pretty "$tmp/body" >"$tmp/bad_answer.json"
golden_file "error answer" "$tmp/bad_answer.json" "$GOLDEN/error_answer.json"
for f in tests/data/crd/*_hook_request.json; do
  hook=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["hook"])' "$f")
  code=$(status -H 'Content-Type: application/json' --data-binary @"$f" "$url/cds-services/covcheck-$hook")
  case "$hook" in
    order-sign | order-select | order-dispatch | appointment-book)
      # No prefetch, and the sample fhirServer cannot be reached: 412.
      expect "Inferno $hook: 412" test "$code" = 412 ;;
    *) expect "Inferno $hook: no such service, 404" test "$code" = 404 ;;
  esac
  expect "Inferno $(basename "$f"): an OperationOutcome" grep -q '"resourceType":"OperationOutcome"' "$tmp/body"
done

# ---- every shipped example case, every payer -------------------------------------------------
if python3 tests/crd/hook_differential.py "$url" "$tmp/diff" >"$tmp/out" 2>"$tmp/err"; then pass
else fail "hook differential"; sed -n '1,20p' "$tmp/out"; fi
cat "$tmp/out" | tail -1
expect "at least 240 cases compared" python3 -c 'import json, sys; s = json.loads(open(sys.argv[1]).read().splitlines()[-1]); sys.exit(0 if s["compared"] >= 240 and s["payers"] >= 8 and s["settled"] >= 140 and s["questionnaires_alike"] >= 150 else 1)' "$tmp/out"

# ---- docs/cds-hooks.md shows the goldens: every block it takes from one is still in it -------
if python3 - docs/cds-hooks.md <<'PY'
import re, sys
text = open(sys.argv[1]).read()
blocks = re.findall(r"<!-- golden: (\S+) -->\n```json\n(.*?)\n```", text, re.S)
bad = [path for path, block in blocks if block not in open(path).read()]
sys.exit(1 if bad or len(blocks) < 6 else 0)
PY
then pass; else fail "docs/cds-hooks.md: a block is no longer in its golden (or the blocks are gone)"; fi

stop_server
server_pid=
finish

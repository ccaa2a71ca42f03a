#!/usr/bin/env bash
# End-to-end tests of the payer registry (rules/payers.yaml): the rule set chosen per case from
# plan.payer (name, alias, identifier, state), an unknown payer on every surface (check exit 4,
# a batch error record, HTTP 400 from /v1/check and /v1/compare), registry mistakes at
# file:line:col, and `compare --rules rules` (text and JSON golden files).
# Usage: COVCHECK=build/covcheck bash tests/e2e/registry.sh [--update]
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"
GOLDEN=tests/golden/compare
golden() { golden_file "$1" "$tmp/out" "$GOLDEN/$1.expected"; }

# with_payer PAYER [STATE]: esk-covered.yaml with another plan.payer (and patient.state).
with_payer() {
  sed -e "s/^  payer: .*/  payer: $1/" rules/acme/cases/esk-covered.yaml >"$tmp/case.yaml"
  if [[ -n "${2:-}" ]]; then sed -i "s/^  state: .*/  state: $2/" "$tmp/case.yaml"; fi
}
grep -q '^  state: ' rules/acme/cases/esk-covered.yaml && grep -q '^  payer: ' rules/acme/cases/esk-covered.yaml || { fail "esk-covered.yaml has no patient.state or plan.payer line"; finish; exit; }

# ---- check: the payer chooses the rule set ----------------------------------------------------
with_payer "Acme Health"
expect_status "known payer by name" 0 check --rules rules --case "$tmp/case.yaml" --format json
contains "the answer names the entry" out '"payer": "acme"'
contains "Acme's policy decided" out '"name": "acme"'
with_payer "acme health ppo"
expect_status "an alias, any case" 0 check --rules rules --case "$tmp/case.yaml" --format json
contains "alias: acme" out '"payer": "acme"'
with_payer "ACME1"
expect_status "an identifier" 0 check --rules rules --case "$tmp/case.yaml" --format json
contains "identifier: acme" out '"payer": "acme"'
with_payer "Acme Health" CA
expect_status "Acme member in CA: the mandate set" 0 check --rules rules --case "$tmp/case.yaml" --format json
contains "state: acme-ca" out '"payer": "acme-ca"'
contains "state: the CA module is in force" out '"kind": "module"'
with_payer "Cigna"
expect_status "another payer of the registry" 0 check --rules rules --case "$tmp/case.yaml"
contains "text names the payer" out "payer: cigna"
sed -e 's/^  payer: .*/  payer: Medicare/' -e 's/^  type: .*/  type: commercial/' rules/acme/cases/esk-covered.yaml >"$tmp/mcr.yaml"
expect_status "Medicare's rule set is for plan type medicare only" 4 check --rules rules --case "$tmp/mcr.yaml"
contains "plan type error" err "has no rule set for plan type \`commercial\`"

# ---- an unknown payer, on every surface --------------------------------------------------------
with_payer "Nobody Health"
expect_status "check: unknown payer exits 4" 4 check --rules rules --case "$tmp/case.yaml"
contains "check: located at the payer" err "case.yaml:"
contains "check: the known payers are listed" err "the known payers are \`acme\` (Acme Health)"
expect_status "check --format json: unknown payer" 4 check --rules rules --case "$tmp/case.yaml" --format json
contains "json: the field" out '"field": "plan.payer"'
contains "json: the code" out '"code": "case.unknown_payer"'
sed -n '/^plan:/,$p' "$tmp/case.yaml" >/dev/null
python3 - "$tmp" <<'PY'
import json, sys, yaml, datetime
tmp = sys.argv[1]
case = yaml.safe_load(open("rules/acme/cases/esk-covered.yaml"))
out = []
for i, payer in enumerate(["Acme Health", "Nobody Health", "cigna"]):
    c = dict(case, id=f"r{i}", plan=dict(case["plan"], payer=payer))
    out.append(json.dumps(c, default=lambda o: o.isoformat()))
open(f"{tmp}/cases.jsonl", "w").write("\n".join(out) + "\n")
PY
expect_status "batch: exit 0 with an error record" 0 batch --rules rules --cases "$tmp/cases.jsonl"
if python3 -c '
import json,sys
lines=[json.loads(l) for l in open(sys.argv[1])]
assert [l.get("payer") for l in lines] == ["acme", None, "cigna"], lines
assert lines[1]["line"] == 2 and lines[1]["diagnostics"][0]["field"] == "plan.payer"
assert "the known payers are" in lines[1]["diagnostics"][0]["help"]' "$tmp/out"; then pass; else fail "batch: records"; fi

# ---- without a registry nothing changes ------------------------------------------------------
expect_status "one rule set: plan.payer is not matched" 0 check --rules rules/acme --case "$tmp/case.yaml" --format json
lacks "one rule set: no payer key" out '"payer": "'

# ---- registry mistakes, at file:line:col -------------------------------------------------------
mkdir -p "$tmp/r"
cp -r rules/acme rules/tricare rules/common rules/claims "$tmp/r/"
cat >"$tmp/r/payers.yaml" <<'YAML'
payers:
  - id: acme
    name: Acme Health
    rules: [acme]
    plan: acme-ppo
  - id: tri
    name: TRICARE
    aliases: [acme health]
    rules: [tricare, nowhere]
YAML
expect_status "a registry with mistakes does not load" 2 check --rules "$tmp/r" --case "$tmp/case.yaml"
contains "unknown key, located" err "payers.yaml:5:5: error: unknown key \`plan\` in a payer"
contains "did you mean" err "did you mean \`plans\`?"
contains "missing rule path, located" err "payers.yaml:9:22: error: rule path \`nowhere\` does not exist"

# ---- compare over the registry -----------------------------------------------------------------
expect_status "compare --rules rules (text)" 0 compare --rules rules --case rules/acme/cases/esk-covered.yaml
golden registry-esk-covered.text
contains "not addressed is shown as such" out "not addressed"
contains "next steps in text" out "  next: "
contains "the shortest path" out "covered by: acme, acme-ca"
expect_status "compare --rules rules --payers (json)" 0 compare --rules rules --payers cigna,aetna,bcbs-al \
  --case rules/aetna-cpb-0938/cases/aet-iv-chronic-pain.yaml --format json
golden registry-aet-iv-chronic-pain.json
if python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
assert [s["name"] for s in d["sets"]] == ["cigna","aetna","bcbs-al"]
for s in d["sets"]:
    if not s["addressed"]: assert s["prior_auth"] is None, s
' "$tmp/out"; then pass; else fail "compare json: not addressed has no prior auth"; fi
expect_status "compare: an unknown --payers name" 2 compare --rules rules --payers nobody --case rules/acme/cases/esk-covered.yaml
contains "compare: known payers listed" err "the known payers are"
expect_status "compare: --rules without payers.yaml" 2 compare --rules rules/acme --case rules/acme/cases/esk-covered.yaml
expect_status "compare: --rules and --set together" 2 compare --rules rules --set a=rules/acme --case rules/acme/cases/esk-covered.yaml

# ---- the server ----------------------------------------------------------------------------------
if command -v curl >/dev/null; then
  "$COVCHECK" serve --rules rules --port 0 2>"$tmp/server.err" &
  server_pid=$!
  trap 'kill "$server_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
  url=$(server_url "$tmp/server.err")
  post() { curl -s -o "$tmp/out" -w '%{http_code}' -H 'Content-Type: application/yaml' --data-binary "@$1" "$url$2"; }
  with_payer "Cigna"
  [[ "$(post "$tmp/case.yaml" /v1/check)" == 200 ]] && pass || fail "serve: /v1/check known payer"
  contains "serve: the answer names cigna" out '"payer":"cigna"'
  with_payer "Nobody Health"
  [[ "$(post "$tmp/case.yaml" /v1/check)" == 400 ]] && pass || fail "serve: /v1/check unknown payer is 400"
  contains "serve: unknown payer listed" out "the known payers are"
  contains "serve: field" out '"field":"plan.payer"'
  [[ "$(post rules/acme/cases/esk-covered.yaml '/v1/compare?payers=acme,tricare')" == 200 ]] && pass || fail "serve: /v1/compare"
  if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [s["name"] for s in d["sets"]]==["acme","tricare"]; assert d["shortest_path"]["covered_by"]==["acme"]' "$tmp/out"; then pass; else fail "serve: compare body"; fi
  [[ "$(post rules/acme/cases/esk-covered.yaml '/v1/compare?payers=nobody')" == 400 ]] && pass || fail "serve: /v1/compare unknown payer is 400"
  contains "serve: compare lists payers" out "the known payers are"
  [[ "$(post "$tmp/case.yaml" /v1/compare)" == 200 ]] && pass || fail "serve: /v1/compare decides any payer's case for every payer"
  # The page's payer picker and printed summary.
  [[ "$(curl -s -o "$tmp/out" -w '%{http_code}' "$url/v1/payers")" == 200 ]] && pass || fail "serve: /v1/payers"
  if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); ids=[p["id"] for p in d["payers"]]; assert ids[:2]==["acme","acme-ca"] and "tricare" in ids, ids; assert d["payers"][1]["state"]=="CA"' "$tmp/out"; then pass; else fail "serve: /v1/payers body"; fi
  with_payer "Cigna"
  [[ "$(post "$tmp/case.yaml" /v1/summary)" == 200 ]] && pass || fail "serve: /v1/summary with a registry"
  contains "serve: the summary names the chosen rule set" out "payer rule set <strong>cigna</strong>"
  with_payer "Nobody Health"
  [[ "$(post "$tmp/case.yaml" /v1/summary)" == 400 ]] && pass || fail "serve: /v1/summary unknown payer is 400"
  kill "$server_pid" && wait "$server_pid" 2>/dev/null
  server_pid=
fi
finish

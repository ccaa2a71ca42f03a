#!/usr/bin/env bash
# End-to-end tests of `covcheck diff`: the shipped Acme 2025.2 -> 2026.1 example report is
# reproduced exactly (docs/impact-acme-2025.2-to-2026.1.md), JSON and YAML corpora agree,
# the corpus generator is deterministic, and every failure exits with its status.
# Usage: COVCHECK=build/covcheck bash tests/e2e/diff.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

OLD=(--old rules/acme/acme-2025.2.cpl rules/acme/common.cpl)
NEW=(--new rules/acme/acme-2026.1.cpl rules/acme/common.cpl)
CORPUS=examples/corpus/cases.jsonl
PIN=(--old-as-of 2025-10-01 --new-as-of 2026-03-01)

# ---- the shipped example ------------------------------------------------------------------------
expect_status "acme example" 0 diff "${OLD[@]}" "${NEW[@]}" --cases "$CORPUS" "${PIN[@]}"
# The report in the docs is this output verbatim, between the markers.
sed -n '/<!-- report:begin -->/,/<!-- report:end -->/p' docs/impact-acme-2025.2-to-2026.1.md | sed '1,2d;$d' | sed '$d' >"$tmp/doc"
if cmp -s "$tmp/out" "$tmp/doc"; then pass; else fail "the report in docs/impact-acme-2025.2-to-2026.1.md is stale"; diff "$tmp/doc" "$tmp/out" | head; fi
contains "acme example" out "acme 2025.2"
contains "acme example" out "covered -> denied"
contains "acme example" out "deny s3_esketamine (§3.3)"

# The generator is deterministic: the committed corpus is what it produces.
if python3 tools/gen-corpus.py --seed 2026 --count 400 | cmp -s - "$CORPUS"; then pass; else fail "gen-corpus.py output differs from $CORPUS"; fi

# JSON output parses and agrees with the text; a YAML stream of the same cases agrees too.
expect_status "json" 0 diff "${OLD[@]}" "${NEW[@]}" --cases "$CORPUS" "${PIN[@]}" --format json
cp "$tmp/out" "$tmp/json"
if python3 - "$tmp/json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["cases"] == 400 and sum(c["cases"] for c in d["matrix"]) == 400
changed = [c for c in d["matrix"] if c["old"] != c["new"]]
assert sum(c["cases"] for c in changed) == d["changed"] > 0
assert all(c["reasons"] and 1 <= len(c["examples"]) <= 5 for c in changed)
assert d["old"]["as_of"] == "2025-10-01" and d["new"]["policies"] == ["acme 2026.1"]
PY
then pass; else fail "json: unexpected shape"; fi
python3 tools/gen-corpus.py --seed 2026 --count 400 --format yaml --out "$tmp/cases.yaml"
expect_status "yaml corpus" 0 diff "${OLD[@]}" "${NEW[@]}" --cases "$tmp/cases.yaml" "${PIN[@]}" --format json
if python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); assert a["matrix"]==b["matrix"]' "$tmp/json" "$tmp/out"; then
  pass
else
  fail "yaml and jsonl corpora give different matrices"
fi

# Without pins each side dates cases by date_of_service: the 2025.2 side has no policy in
# force in 2026, so every case is an error row on the old side.
expect_status "unpinned" 0 diff "${OLD[@]}" "${NEW[@]}" --cases "$CORPUS"
contains "unpinned" out "error"
contains "unpinned" out "no policy"

# ---- failures -----------------------------------------------------------------------------------
expect_status "missing corpus" 2 diff "${OLD[@]}" "${NEW[@]}" --cases no-such.jsonl
contains "missing corpus" err "no-such.jsonl"
expect_status "missing rules" 2 diff --old no-such-dir "${NEW[@]}" --cases "$CORPUS"
expect_status "rules do not compile" 3 diff "${OLD[@]}" --new tests/golden/diagnostics/type_mismatch.cpl --cases "$CORPUS"
contains "rules do not compile" err "check.type_mismatch"
expect_status "bad date" 2 diff "${OLD[@]}" "${NEW[@]}" --cases "$CORPUS" --old-as-of 2025-13-01
contains "bad date" err "--old-as-of"
expect_status "missing --new" 2 diff "${OLD[@]}" --cases "$CORPUS"

finish

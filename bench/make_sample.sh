#!/usr/bin/env bash
# Regenerates tests/data/workload/ (the agreement test's committed sample) from the peer
# harness: 3,000 cases with seed 20240611 and the reference outputs of engines/plain.js.
# Needs node and ../shared/bench/peers. Works in a temporary copy of the peers directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PEERS=${PEERS:-../shared/bench/peers}
[ -d "$PEERS" ] || { echo "no peer harness at $PEERS" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$PEERS"/gen.js "$PEERS"/bench.js "$PEERS"/engines "$tmp"/
(cd "$tmp" && node gen.js --n 3000 --seed 20240611 --out cases.jsonl --yaml cases.yaml >/dev/null &&
  node bench.js plain e2e cases.jsonl reference.jsonl >/dev/null)
mkdir -p tests/data/workload
cp "$tmp"/cases.jsonl "$tmp"/reference.jsonl tests/data/workload/
awk '/^---/{n++} n<=300{print}' "$tmp"/cases.yaml > tests/data/workload/cases-300.yaml
echo "tests/data/workload: $(wc -l < tests/data/workload/cases.jsonl) cases regenerated"

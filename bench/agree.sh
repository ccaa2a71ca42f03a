#!/usr/bin/env bash
# Agreement of `covcheck batch` (bench/workload rules) with the peer workload's reference
# (engines/plain.js) on N freshly generated cases:  bash bench/agree.sh [N] [SEED]
# Needs node and ../shared/bench/peers; COVCHECK defaults to build-release/covcheck.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N=${1:-100000}
SEED=${2:-20240611}
PEERS=${PEERS:-../shared/bench/peers}
COVCHECK=${COVCHECK:-build-release/covcheck}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$PEERS"/gen.js "$PEERS"/bench.js "$PEERS"/engines "$tmp"/
(cd "$tmp" && node gen.js --n "$N" --seed "$SEED" --out cases.jsonl --yaml none >/dev/null &&
  node bench.js plain e2e cases.jsonl reference.jsonl >/dev/null)
"$COVCHECK" batch --rules bench/workload --cases "$tmp/cases.jsonl" --compact --out "$tmp/covcheck.jsonl"
awk -f bench/to_reference.awk "$tmp/covcheck.jsonl" > "$tmp/mapped.jsonl"
if cmp -s "$tmp/mapped.jsonl" "$tmp/reference.jsonl"; then
  echo "agree: all $N cases (seed $SEED) match the reference"
else
  echo "DISAGREE: $(diff "$tmp/mapped.jsonl" "$tmp/reference.jsonl" | grep -c '^<') of $N cases differ; first:"
  diff "$tmp/mapped.jsonl" "$tmp/reference.jsonl" | head -6
  exit 1
fi

#!/usr/bin/env bash
# Builds Release with the benchmarks, generates the peer workload's cases with the peer
# harness's gen.js (when ../shared/bench/peers and node are present), runs covcheck, the
# hand-written C++ baseline and the peers' plain-JS reference, and prints one table.
#   ROUNDS=5 N=100000 bash bench/run.sh          (PEERS=path, SKIP_BUILD=1, PIN=0 to not pin)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-5}
N=${N:-100000}
SEED=${SEED:-20240611}
PEERS=${PEERS:-../shared/bench/peers}
BUILD=${BUILD:-build-release}
DATA=${DATA:-$BUILD/bench-data}
PIN=""; [ "${PIN_CPU:-1}" = 1 ] && command -v taskset >/dev/null && PIN="taskset -c 0"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  for p in libsimdjson-dev libbenchmark-dev; do
    dpkg -s "$p" >/dev/null 2>&1 || { apt-get update && apt-get install -y --no-install-recommends "$p"; }
  done
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOVCHECK_BUILD_BENCH=ON -DCOVCHECK_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j2 --target covcheck covcheck_bench covcheck_baseline covcheck_yaml_floor
fi
COVCHECK=$BUILD/covcheck

mkdir -p "$DATA"
cases=$DATA/cases-$N.jsonl
if [ ! -f "$cases" ]; then
  [ -d "$PEERS" ] && command -v node >/dev/null || { echo "need node and $PEERS to generate the cases" >&2; exit 2; }
  tmp=$(mktemp -d)
  cp -r "$PEERS"/gen.js "$PEERS"/bench.js "$PEERS"/engines "$tmp"/
  (cd "$tmp" && node gen.js --n "$N" --seed "$SEED" --out cases.jsonl --yaml cases.yaml >/dev/null)
  mv "$tmp"/cases.jsonl "$cases"; mv "$tmp"/cases.yaml "$DATA/cases-$N.yaml"; cp -r "$tmp"/* "$DATA"/ 2>/dev/null || true
  rm -rf "$tmp"
fi
yaml=$DATA/cases-$N.yaml

median() { sort -g | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%s %s %s\n", m, a[1], a[NR]}'; }
# e2e NAME COMMAND...: ROUNDS runs under /usr/bin/time; records wall seconds and max RSS (KiB).
declare -A WALL RSS
e2e() {
  local name=$1; shift
  local walls="" rsss=""
  for ((r = 1; r <= ROUNDS; r++)); do
    /usr/bin/time -f "%e %M" -o "$DATA/time.txt" "$@" >/dev/null 2>"$DATA/stderr.txt" || { cat "$DATA/stderr.txt" >&2; exit 1; }
    read -r w m < "$DATA/time.txt"
    walls+="$w"$'\n'; rsss+="$m"$'\n'
  done
  WALL[$name]=$(printf '%s' "$walls" | median)
  RSS[$name]=$(printf '%s' "$rsss" | median)
}

echo "== end to end, $N cases, $ROUNDS rounds ==" >&2
e2e "covcheck batch --compact, 1 thread" $PIN "$COVCHECK" batch --rules bench/workload --cases "$cases" --compact --threads 1 --out "$DATA/out.jsonl"
e2e "covcheck batch --compact, 2 threads" "$COVCHECK" batch --rules bench/workload --cases "$cases" --compact --threads 2 --out "$DATA/out.jsonl"
e2e "covcheck batch (full output), 1 thread" $PIN "$COVCHECK" batch --rules bench/workload --cases "$cases" --threads 1 --out "$DATA/out-full.jsonl"
e2e "covcheck batch (full output), 2 threads" "$COVCHECK" batch --rules bench/workload --cases "$cases" --threads 2 --out "$DATA/out-full.jsonl"
[ -f "$yaml" ] && e2e "covcheck batch --compact, YAML, 1 thread" $PIN "$COVCHECK" batch --rules bench/workload --cases "$yaml" --compact --threads 1 --out "$DATA/out-yaml.jsonl"
[ -f "$yaml" ] && e2e "covcheck batch --compact, YAML, 2 threads" "$COVCHECK" batch --rules bench/workload --cases "$yaml" --compact --threads 2 --out "$DATA/out-yaml.jsonl"
[ -f "$yaml" ] && e2e "yaml-cpp alone (parse events, no case)" $PIN "$BUILD/bench/covcheck_yaml_floor" "$yaml"
e2e "C++ baseline (simdjson, hand-written)" $PIN "$BUILD/bench/covcheck_baseline" "$cases" "$DATA/out-baseline.jsonl"
if [ -f "$DATA/bench.js" ] && command -v node >/dev/null; then
  e2e "plain JS (peers' reference)" $PIN node "$DATA/bench.js" plain e2e "$cases" "$DATA/out-plain.jsonl"
fi

# Agreement of this run's output with the baseline (the reference's format).
awk -f bench/to_reference.awk "$DATA/out.jsonl" | cmp -s - "$DATA/out-baseline.jsonl" && agree="yes" || agree="NO"

echo "== evaluation only (Google Benchmark, $ROUNDS repetitions) ==" >&2
COVCHECK_BENCH_CASES=$cases $PIN "$BUILD/bench/covcheck_bench" --benchmark_filter='workload/' \
  --benchmark_repetitions="$ROUNDS" --benchmark_report_aggregates_only=false --benchmark_format=json \
  > "$DATA/micro.json" 2>/dev/null
rates() { # name -> "median min max" of items_per_second over the repetitions
  python3 - "$DATA/micro.json" "$1" <<'PY' 2>/dev/null || grep -A30 "\"name\": \"$1\"" "$DATA/micro.json" | awk '/items_per_second/ {gsub(/[,]/,""); print $2}' | median
import json, sys
d = json.load(open(sys.argv[1]))
v = sorted(b["items_per_second"] for b in d["benchmarks"] if b.get("run_name") == sys.argv[2] and b.get("run_type") == "iteration")
print(v[len(v) // 2 - (1 - len(v) % 2)], v[0], v[-1])
PY
}
fmt_rate() { awk '{printf "%\047d (%\047d–%\047d)", $1, $2, $3}'; }

echo
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%F); N=$N, rounds=$ROUNDS; agreement with baseline: $agree"
echo
echo "| evaluation only, cases/s, 1 thread | median (min–max) | vs C++ baseline |"
echo "|---|---|---|"
base=$(rates workload/baseline_cpp | awk '{print $1}')
for b in workload/eval_quick workload/eval_trace_recorded workload/eval_full_no_trace workload/eval_full_trace workload/baseline_cpp; do
  r=$(rates "$b")
  ratio=$(echo "$r $base" | awk '{printf "%.1f× slower", $4 / $1}')
  echo "| $b | $(echo "$r" | fmt_rate) | $ratio |"
done
echo
echo "| end to end, $N cases | wall s, median (min–max) | peak RSS MiB | vs C++ baseline |"
echo "|---|---|---|---|"
bw=$(echo "${WALL[C++ baseline (simdjson, hand-written)]}" | awk '{print $1}')
for name in "covcheck batch --compact, 1 thread" "covcheck batch --compact, 2 threads" \
            "covcheck batch (full output), 1 thread" "covcheck batch (full output), 2 threads" \
            "covcheck batch --compact, YAML, 1 thread" "covcheck batch --compact, YAML, 2 threads" \
            "yaml-cpp alone (parse events, no case)" \
            "C++ baseline (simdjson, hand-written)" "plain JS (peers' reference)"; do
  [ -n "${WALL[$name]:-}" ] || continue
  echo "| $name | $(echo "${WALL[$name]}" | awk '{printf "%.2f (%.2f–%.2f)", $1, $2, $3}') | $(echo "${RSS[$name]}" | awk '{printf "%.0f", $3 / 1024}') | $(echo "${WALL[$name]} $bw" | awk '{printf "%.1f×", $1 / $4}') |"
done

#!/usr/bin/env bash
# Load test of `covcheck serve`: wrk drives POST /v1/check (the Acme esk-covered case as
# JSON) on loopback for a bounded time, with a rule reload (POST /v1/admin/reload, then
# SIGHUP) in the middle; reports throughput, p50/p99 latency and any failed request.
# Usage: [ROUNDS=N] bash bench/load.sh [BINARY] [SECONDS] [CONNECTIONS]
#   defaults: build-release/covcheck, 10 s, 16 connections (2 wrk threads), 1 round; with
#   ROUNDS > 1 the same server takes N runs (each with its two reloads) and the medians are
#   printed last. On a shared machine, the server's CPU per request is the steadier figure.
# Needs wrk (apt-get install wrk). Results are recorded in docs/PERFORMANCE.md ("Server").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

binary=${1:-build-release/covcheck}
seconds=${2:-10}
connections=${3:-16}
command -v wrk >/dev/null || { echo "bench/load.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
[[ -x "$binary" ]] || { echo "bench/load.sh: no binary at $binary (build it in Release first)" >&2; exit 2; }

tmp=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

token=load-test-admin-token-0123456789
python3 -c '
import json, sys, yaml, datetime
case = yaml.safe_load(open("rules/acme/cases/esk-covered.yaml"))
json.dump(case, sys.stdout, default=lambda v: v.isoformat())' >"$tmp/case.json"
cat >"$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("$tmp/case.json", "rb"))
wrk.body = f:read("*a")
f:close()
LUA

# Worker threads: one per connection plus spare; the access log goes to a file, as in production.
"$binary" serve --rules rules/acme --rules rules/mandates --port 0 --threads $((connections + 8)) \
  --admin-token "$token" --access-log "$tmp/access.log" 2>"$tmp/server.err" &
server_pid=$!
url=
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/server.err" | head -1 || true)
  [[ -n "$url" ]] && break
  sleep 0.1
done
[[ -n "$url" ]] || { echo "the server did not start:" >&2; cat "$tmp/server.err" >&2; exit 1; }
curl -sf -H 'Content-Type: application/json' --data-binary @"$tmp/case.json" "$url/v1/check" | grep -q '"decision":"covered"'

rounds=${ROUNDS:-1}
ticks=$(getconf CLK_TCK)
# The server's own CPU time (utime + stime, in clock ticks) around each run: on a shared
# machine, CPU per request says more than wall-clock throughput.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
summary=()
ok=1
for round in $(seq 1 "$rounds"); do
  # Halfway through: a reload over HTTP, then one by SIGHUP; the load must not notice.
  (
    sleep "$(awk "BEGIN { print $seconds / 2 }")"
    curl -s -o "$tmp/reload.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $token" "$url/v1/admin/reload" >"$tmp/reload.status"
    sleep 0.5
    kill -HUP "$server_pid"
  ) &
  reloader=$!
  cpu_before=$(cpu_ticks)
  TIMEFORMAT='%U %S'
  { time wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$tmp/post.lua" "$url/v1/check" >"$tmp/wrk.out"; } 2>"$tmp/wrk.time"
  cpu_after=$(cpu_ticks)
  wait "$reloader"
  sleep 0.3  # the SIGHUP reload runs on its own thread
  generation=$(curl -s "$url/readyz" | grep -o '"generation":[0-9]*' | cut -d: -f2)

  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk.out")
  total=$(awk '/requests in/ { print $1 }' "$tmp/wrk.out")
  p50=$(awk '$1 == "50%" { print $2 }' "$tmp/wrk.out")
  p99=$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.out")
  non2xx=$(awk '/Non-2xx/ { print $NF }' "$tmp/wrk.out")
  socket_errors=$(awk '/Socket errors/ { print }' "$tmp/wrk.out")
  cpu_us=$(awk -v t=$((cpu_after - cpu_before)) -v n="$total" -v hz="$ticks" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
  wrk_us=$(awk -v n="$total" '{ printf "%.1f", ($1 + $2) * 1e6 / n }' "$tmp/wrk.time")

  [[ "$round" == 1 ]] && cat "$tmp/wrk.out" && echo
  echo "== covcheck serve under load, round $round of $rounds: $seconds s, $connections connections, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "requests:        $total"
  echo "throughput:      $rps req/s"
  echo "latency p50:     $p50"
  echo "latency p99:     $p99"
  echo "server CPU:      $cpu_us us per request (reloads included); wrk: $wrk_us us per request"
  echo "non-2xx:         ${non2xx:-0}"
  echo "socket errors:   ${socket_errors:-none}"
  echo "reload (HTTP):   status $(cat "$tmp/reload.status"); generation after both reloads: $generation"
  summary+=("$rps $p50 $p99 $cpu_us")
  [[ "$(cat "$tmp/reload.status")" == 200 && "$generation" == $((1 + 2 * round)) && -z "$non2xx" && -z "$socket_errors" ]] || ok=0
done

logged_failures=$(grep '"endpoint":"/v1/check"' "$tmp/access.log" | grep -vc '"status":200' || true)
echo "failed in log:   $logged_failures (of $(grep -c '"endpoint":"/v1/check"' "$tmp/access.log") logged)"
if [[ "$rounds" -gt 1 ]]; then
  # Latencies in ms whatever unit wrk printed them in.
  printf '%s\n' "${summary[@]}" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                       return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    { r[NR] = $1; p[NR] = ms($2); q[NR] = ms($3); c[NR] = $4 }
    END { printf "== medians of %d rounds: %.0f req/s, p50 %.2f ms, p99 %.2f ms, server CPU %.1f us per request\n",
                 NR, median(r, NR), median(p, NR), median(q, NR), median(c, NR) }'
fi
[[ "$ok" == 1 && "$logged_failures" == 0 ]]

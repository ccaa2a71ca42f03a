#!/usr/bin/env bash
# A flood from one address: 127.0.0.2 sends GET /healthz as fast as 4 connections with 8
# pipelined requests each allow, for 3 s, against --client-rate 100 (burst 100). It gets 429s,
# each with Retry-After, and no more 200s than its rate allows; meanwhile 127.0.0.1 is served
# normally (every request 200, p99 under 100 ms), and a second flood of connections from
# 127.0.0.3 past --client-connections 4 is refused with 429 (counted in /metrics).
# Without the defence it fails: with DEFENCE= (no limits) the flooder got only 200s (tens
# of thousands), no 429: 3 of the checks failed.
# Usage: COVCHECK=build/covcheck [DEFENCE="--client-rate 100 --client-connections 4"] bash tests/e2e/shield_flood.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/shield.sh" "$@"

defence=${DEFENCE-"--client-rate 100 --client-connections 4"}
# shellcheck disable=SC2086
start_server --threads 8 $defence
python3 "$attack" flood --port "$port" --source 127.0.0.2 --connections 4 --depth 8 --seconds 3 >"$tmp/flood.json" &
flooder=$!
python3 "$attack" probe --port "$port" --case rules/acme/cases/esk-covered.yaml --seconds 2.5 --interval 0.02 \
  --timeout 3 >"$tmp/probe.json"
wait "$flooder"
echo "  flood: $(cat "$tmp/flood.json")"
echo "  probe: $(cat "$tmp/probe.json")"
check_that "the flooder gets 429s" "j['counts'].get('429', 0) > 100" "$tmp/flood.json"
check_that "each with Retry-After" "j['retry_after_missing'] == 0" "$tmp/flood.json"
# 3 s at 100 per second after a burst of 100, with room for the threads starting and ending late.
# The server's clock decides: under AddressSanitizer it works through the queued flood for
# several seconds past the client's 3, so there the bound is reported, not applied.
check_bound "the flooder's 200s stay within its rate" "j['counts'].get('200', 0) <= 100 + 100 * 5" "$tmp/flood.json"
check_that "the other client is served: every request" "j['failed'] == 0 and j['requests'] >= 50" "$tmp/probe.json"
check_bound "the other client is served: p99 under 100 ms" "j['p99_ms'] < 100" "$tmp/probe.json"

# Connections past --client-connections from one address are refused at once.
python3 "$attack" flood --port "$port" --source 127.0.0.3 --connections 12 --depth 1 --seconds 1 >"$tmp/conns.json"
echo "  12 connections from one address: $(cat "$tmp/conns.json")"
curl -s "http://127.0.0.1:$port/metrics" >"$tmp/metrics"
refused=$(awk '/^covcheck_load_shed_total\{reason="client_connections"\}/ { print $2 }' "$tmp/metrics")
if [[ "${refused:-0}" -gt 0 ]]; then pass; else fail "no connection refused for --client-connections (metrics: ${refused:-none})"; fi
stop_server
if grep -q '"event":"load_shed","reason":"client_rate"' "$tmp/access.log"; then pass; else
  fail "the access log has no load_shed line for the rate limit"; fi
finish

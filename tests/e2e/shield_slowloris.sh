#!/usr/bin/env bash
# Slow loris: 1,000 connections from 127.0.0.2-127.0.0.201 each send a request head one byte
# every half second and never finish it. The server keeps answering /healthz and /v1/check
# from 127.0.0.1 (p99 under 100 ms, nothing failed), and closes every slow connection at the
# head deadline (--header-timeout 2s: not before 1.8 s, all by 3.5 s), not one left open.
# Without the defence it fails: against the server before the connection front stage (main's
# binary of 2026-12-06, with DEFENCE= to drop the new flag), no slow connection was closed in
# the 5 s and a probe request timed out (3 s): 5 of the 7 checks failed.
# Usage: COVCHECK=build/covcheck [DEFENCE="--header-timeout 2s"] bash tests/e2e/shield_slowloris.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/shield.sh" "$@"

defence=${DEFENCE-"--header-timeout 2s"}
# shellcheck disable=SC2086
start_server --threads 8 $defence
python3 "$attack" slowloris --port "$port" --connections 1000 --first-source 2 --sources 200 --seconds 5 \
  --ready "$tmp/ready" >"$tmp/loris.json" &
loris=$!
for _ in $(seq 1 100); do [[ -s "$tmp/ready" ]] && break; sleep 0.05; done
python3 "$attack" probe --port "$port" --case rules/acme/cases/esk-covered.yaml --requests 200 --interval 0.01 --timeout 3 \
  --give-up 15 >"$tmp/probe.json"
wait "$loris"
echo "  probe: $(cat "$tmp/probe.json")"
echo "  slow connections: $(cat "$tmp/loris.json")"

check_that "1,000 slow connections were open" "j['opened'] == 1000" "$tmp/loris.json"
check_that "every probe request answered" "j['failed'] == 0 and j['requests'] == 200" "$tmp/probe.json"
check_bound "probe p99 under 100 ms" "j['p99_ms'] < 100" "$tmp/probe.json"
check_that "every slow connection was closed" "j['still_open'] == 0" "$tmp/loris.json"
check_that "closed at the deadline, not before" "j['first_close'] is not None and j['first_close'] >= 1.8" \
  "$tmp/loris.json"
check_that "closed at the deadline, not long after" "j['last_close'] is not None and j['last_close'] < 3.5" \
  "$tmp/loris.json"
stop_server
if grep -q '"event":"load_shed","reason":"header_timeout"' "$tmp/access.log"; then pass; else
  fail "the access log has no load_shed line for the header timeouts"; fi
finish

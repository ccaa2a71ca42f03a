# Shared by the serve defence tests (tests/e2e/shield_*.sh): the harness, a server started
# on a free loopback port with the flags given, and the attackers of attack.py.
# Use: source "$(dirname "${BASH_SOURCE[0]}")/lib/shield.sh" "$@"; start_server FLAGS...; ...
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh" "$@"

attack=tests/e2e/lib/attack.py
for tool in python3 curl; do
  command -v "$tool" >/dev/null || { echo "SKIP: no $tool"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
done
server_pid=
stop_server() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  server_pid=
}
trap 'stop_server; rm -rf "$tmp"' EXIT

# start_server FLAGS...: sets server_pid and port; the access log goes to $tmp/access.log.
start_server() {
  : >"$tmp/server.err"
  "$COVCHECK" serve --rules rules/acme --rules rules/mandates --port 0 --access-log "$tmp/access.log" "$@" \
    2>"$tmp/server.err" &
  server_pid=$!
  port=
  for _ in $(seq 1 100); do
    port=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/server.err" | head -1 | cut -d: -f3)
    [[ -n "$port" ]] && return 0
    sleep 0.1
  done
  echo "FAIL: the server did not start"
  cat "$tmp/server.err"
  exit 1
}

# json_field FILE EXPR: a value of the JSON object in FILE (EXPR in Python, over `j`).
json_field() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# check_that NAME PYTHON_CONDITION FILE: passes when the condition over `j` (FILE's JSON) holds.
check_that() {
  if [[ $(json_field "$3" "bool($2)") == True ]]; then pass; else fail "$1: $(cat "$3")"; fi
}

# check_bound NAME PYTHON_CONDITION FILE: a latency or memory bound. Under AddressSanitizer
# (tools/sanitize.sh sets ASAN_OPTIONS) its checks multiply time and memory, so the bound
# is reported, not applied, as in big_lists.sh; the Release build keeps it.
check_bound() {
  if [[ -n "${ASAN_OPTIONS:-}" && $(json_field "$3" "bool($2)") != True ]]; then
    echo "  $1: over its bound under AddressSanitizer (not applied): $(cat "$3")"
    pass
  else
    check_that "$@"
  fi
}

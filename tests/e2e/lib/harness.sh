# The harness every CLI e2e script shares: checks COVCHECK, moves to the repository root,
# reads `--update`, keeps a scratch folder and the pass/fail counts, and gives the
# assertions. Lives below tests/e2e/, so it is not itself a test.
# Use: source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"   ...   finish
set -uo pipefail

: "${COVCHECK:?set COVCHECK to the covcheck binary}"
COVCHECK=$(cd "$(dirname "$COVCHECK")" && pwd)/$(basename "$COVCHECK")
cd "$(dirname "${BASH_SOURCE[0]}")/../../.." || exit 2
update=false
[[ "${1:-}" == "--update" ]] && update=true

passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { passed=$((passed + 1)); }
# fail MESSAGE: counts a failure and shows the start of the last run's stderr and stdout.
fail() {
  failed=$((failed + 1))
  echo "FAIL: $1"
  if [[ -s "$tmp/err" ]]; then sed -n '1,15s/^/  stderr: /p' "$tmp/err"; fi
  if [[ -s "$tmp/out" ]]; then sed -n '1,10s/^/  stdout: /p' "$tmp/out"; fi
}

# run ARGS...: runs covcheck, keeping stdout, stderr and the exit status.
run() {
  "$COVCHECK" "$@" >"$tmp/out" 2>"$tmp/err"
  status=$?
}

# expect_status NAME STATUS ARGS...
expect_status() {
  local name=$1 want=$2
  shift 2
  run "$@"
  if [[ "$status" == "$want" ]]; then pass; else fail "$name: exit $status, expected $want"; fi
}

# server_url ERRFILE: the address (http or https) a `covcheck serve --port 0` prints on stderr, once it has
# (up to 10 s); empty when it never does.
server_url() {
  local url=
  for _ in $(seq 1 100); do
    url=$(grep -oE 'https?://127.0.0.1:[0-9]*' "$1" | head -1)
    [[ -n "$url" ]] && break
    sleep 0.1
  done
  printf '%s' "$url"
}

# contains / lacks NAME STREAM TEXT: the last run's out or err holds (or not) TEXT.
contains() { if grep -qF -- "$3" "$tmp/$2"; then pass; else fail "$1: $2 lacks \`$3\`"; fi; }
lacks() { if grep -qF -- "$3" "$tmp/$2"; then fail "$1: $2 has \`$3\`"; else pass; fi; }

# golden_file NAME ACTUAL EXPECTED: ACTUAL equals the golden EXPECTED (with --update: becomes it).
golden_file() {
  local name=$1 actual=$2 expected=$3
  if $update; then
    cp "$actual" "$expected"
    pass
  elif [[ ! -f "$expected" ]]; then
    fail "$name: $expected is missing (run tools/update-golden.sh)"
  elif cmp -s "$actual" "$expected"; then
    pass
  else
    fail "$name: output differs from $expected"
    diff -u "$expected" "$actual" | head -40 | sed 's/^/  /'
  fi
}

finish() {
  echo "$passed passed, $failed failed"
  [[ "$failed" == 0 ]]
}

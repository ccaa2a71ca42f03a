#!/usr/bin/env bash
# Browser end-to-end test of the front desk's page against the payer registry
# (`covcheck serve --rules rules`): tests/browser/front_desk.mjs drives Debian's chromium
# (playwright-core) through three payers, the checklist, the compare view, the printed
# summary, an error at its field, labels (ariaSnapshot) and the layout at 1,280 px and phone
# width. Needs chromium, node and tests/browser's npm packages (tools/setup-browser.sh):
# absent in CI (CI set) is a failure, elsewhere a skip.
# SHOTS=docs keeps the screenshots docs/clinic-guide.md shows (that is how they are made).
set -uo pipefail

: "${COVCHECK:?set COVCHECK to the covcheck binary}"
COVCHECK=$(cd "$(dirname "$COVCHECK")" && pwd)/$(basename "$COVCHECK")
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
repo=$(pwd)

missing() {
  if [[ -n "${CI:-}" ]]; then
    echo "FAIL: $1 (run tools/setup-browser.sh)"
    exit 1
  fi
  echo "SKIP: $1 (run tools/setup-browser.sh)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
}
[[ -x ${CHROMIUM:-/usr/bin/chromium} ]] || missing "no ${CHROMIUM:-/usr/bin/chromium}"
command -v node >/dev/null || missing "no node"
[[ -d tests/browser/node_modules/playwright-core ]] || missing "no tests/browser/node_modules"

tmp=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

"$COVCHECK" serve --rules rules --port 0 --access-log "$tmp/access.log" 2>"$tmp/err" &
server_pid=$!
url=
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$tmp/err" | head -1)
  [[ -n "$url" ]] && break
  sleep 0.1
done
if [[ -z "$url" ]]; then
  echo "FAIL: the server did not start"
  sed 's/^/  stderr: /' "$tmp/err"
  echo "0 passed, 1 failed"
  exit 1
fi

shots=
if [[ -n "${SHOTS:-}" ]]; then
  shots=$SHOTS
  [[ "$shots" = /* ]] || shots="$repo/$shots"
fi
(cd tests/browser && timeout 300 node front_desk.mjs "${url%/}" $shots)

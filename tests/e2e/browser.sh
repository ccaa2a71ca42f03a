#!/usr/bin/env bash
# Browser end-to-end test of `covcheck serve`: tests/browser/check_form.mjs drives Debian's
# chromium (playwright-core) through the page. Skips, passing, when chromium or the npm
# packages are absent (install them with tools/setup-browser.sh).
# SCREENSHOT=docs/server-page.png keeps the screenshot (that is how the docs' one is made).
set -uo pipefail

: "${COVCHECK:?set COVCHECK to the covcheck binary}"
COVCHECK=$(cd "$(dirname "$COVCHECK")" && pwd)/$(basename "$COVCHECK")
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
repo=$(pwd)

skip() {
  echo "SKIP: $1"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
}
[[ -x /usr/bin/chromium ]] || skip "no /usr/bin/chromium (run tools/setup-browser.sh)"
command -v node >/dev/null || skip "no node (run tools/setup-browser.sh)"
[[ -d tests/browser/node_modules/playwright-core ]] || skip "no tests/browser/node_modules (run tools/setup-browser.sh)"

tmp=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

"$COVCHECK" serve --rules rules/acme --rules rules/mandates --port 0 --access-log "$tmp/access.log" 2>"$tmp/err" &
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

shot=${SCREENSHOT:-$tmp/page.png}
[[ "$shot" = /* ]] || shot="$repo/$shot"
(cd tests/browser && timeout 120 node check_form.mjs "${url%/}" "$shot")
status=$?
if [[ $status -eq 0 && ! -s "$shot" ]]; then
  echo "FAIL: no screenshot at $shot"
  status=1
fi
exit $status

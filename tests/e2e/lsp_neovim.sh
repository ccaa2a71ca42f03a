#!/usr/bin/env bash
# `covcheck lsp` driven by a real client: a scripted headless Neovim session
# (tests/e2e/lib/neovim_session.lua) on a copy of a shipped policy: diagnostics, a code
# action, hover, go-to-definition, completion, formatting, symbols, the code lenses and rename. Needs Debian's
# `neovim` (tools/setup.sh installs it): absent in CI (CI set) is a failure, elsewhere a skip.
# TRANSCRIPT=FILE keeps the session's transcript (docs/editor.md quotes it).
set -uo pipefail

: "${COVCHECK:?set COVCHECK to the covcheck binary}"
COVCHECK=$(cd "$(dirname "$COVCHECK")" && pwd)/$(basename "$COVCHECK")
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2

if ! command -v nvim >/dev/null; then
  if [[ -n "${CI:-}" ]]; then
    echo "FAIL: nvim is not installed (tools/setup.sh installs the \`neovim\` package)"
    exit 1
  fi
  echo "SKIP: nvim is not installed (apt-get install neovim, or run tools/setup.sh)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r rules/acme "$tmp/acme"
cp -r rules/mandates "$tmp/mandates"  # the acme suites load it (`rules: [.., ../../mandates]`)
transcript=${TRANSCRIPT:-$tmp/transcript.txt}

COVCHECK="$COVCHECK" POLICY="$tmp/acme/acme-2026.1.cpl" TRANSCRIPT="$transcript" HOME="$tmp" \
  timeout 120 nvim --headless --clean -u NONE -c "luafile tests/e2e/lib/neovim_session.lua" >"$tmp/nvim.out" 2>&1
status=$?
if [[ -f "$transcript" ]]; then cat "$transcript"; fi
if [[ $status -ne 0 ]]; then
  echo "FAIL: the Neovim session exited with status $status"
  sed -n '1,20s/^/  nvim: /p' "$tmp/nvim.out"
  exit 1
fi
grep -q '^[0-9]* passed, 0 failed$' "$transcript" || { echo "FAIL: the transcript does not end in success"; exit 1; }
exit 0

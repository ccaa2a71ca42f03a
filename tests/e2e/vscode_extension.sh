#!/usr/bin/env bash
# The VS Code extension (tools/editors/vscode-cpl): packaged with @vscode/vsce 3 into a .vsix
# holding extension.js and vscode-languageclient 9; extension.js's activation with VS Code's
# API stood in for (test/extension.test.js); and `covcheck lsp` driven through vscode-jsonrpc,
# the transport VS Code's client uses (test/protocol.test.js). Needs node and
# the extension's npm packages (tools/setup-browser.sh installs both): absent in CI (CI set)
# is a failure, elsewhere a skip.
set -uo pipefail

: "${COVCHECK:?set COVCHECK to the covcheck binary}"
COVCHECK=$(cd "$(dirname "$COVCHECK")" && pwd)/$(basename "$COVCHECK")
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
ext=tools/editors/vscode-cpl

missing() {
  if [[ -n "${CI:-}" ]]; then
    echo "FAIL: $1 (run tools/setup-browser.sh)"
    exit 1
  fi
  echo "SKIP: $1 (run tools/setup-browser.sh)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
}
command -v node >/dev/null || missing "no node"
[[ -x $ext/node_modules/.bin/vsce && -d $ext/node_modules/vscode-languageclient ]] || missing "no $ext/node_modules"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }

# Packaging: vsce validates the manifest and bundles the production dependencies.
if (cd "$ext" && node_modules/.bin/vsce package --skip-license --out "$tmp/cpl.vsix" </dev/null >"$tmp/vsce.out" 2>&1); then
  pass
else
  fail "vsce package"
  sed -n '1,20s/^/  vsce: /p' "$tmp/vsce.out"
fi
if [[ -f "$tmp/cpl.vsix" ]]; then
  (cd "$tmp" && unzip -q cpl.vsix -d unpacked)
  for f in extension/extension.js extension/package.json extension/syntaxes/cpl.tmLanguage.json \
           extension/node_modules/vscode-languageclient/node.js; do
    if [[ -f "$tmp/unpacked/$f" ]]; then pass; else fail "the .vsix lacks $f"; fi
  done
  version=$(node -p "require('$tmp/unpacked/extension/node_modules/vscode-languageclient/package.json').version")
  if [[ "$version" == 9.* ]]; then pass; else fail "vscode-languageclient $version, expected 9.x"; fi
  if [[ -e "$tmp/unpacked/extension/test" ]]; then fail "the .vsix holds the tests"; else pass; fi
  main=$(node -p "require('$tmp/unpacked/extension/package.json').main")
  if [[ "$main" == ./extension.js ]]; then pass; else fail "package.json main is $main"; fi
fi

# extension.js's own logic, with VS Code's API stood in for.
if timeout 60 node "$ext/test/extension.test.js"; then pass; else fail "extension.js activation"; fi

# The server through the client's JSON-RPC layer.
if COVCHECK="$COVCHECK" POLICY=rules/acme/acme-2026.1.cpl NODE_PATH="$ext/node_modules" \
   timeout 60 node "$ext/test/protocol.test.js"; then
  pass
else
  fail "the vscode-jsonrpc session"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]

#!/usr/bin/env bash
# Installs what the browser end-to-end tests (tests/e2e/browser.sh, tests/e2e/summary_pdf.sh)
# need: Debian's chromium, poppler-utils (pdftotext, pdfinfo: the printed summary read back),
# node and npm when absent, and tests/browser's npm packages (playwright-core, pinned by
# package-lock.json); and the VS Code extension's npm packages (vscode-languageclient, and
# @vscode/vsce for tests/e2e/vscode_extension.sh). Without them those tests skip (outside CI).
# Run as root: `bash tools/setup-browser.sh`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v pdftotext >/dev/null && command -v pdfinfo >/dev/null || missing+=(poppler-utils)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]} > 0)); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

# playwright-core drives the system chromium: no browser download.
(cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
(cd tools/editors/vscode-cpl && npm ci --no-audit --no-fund)

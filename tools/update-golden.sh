#!/usr/bin/env bash
# Regenerates every golden `*.expected` file under tests/golden/ from the current binary.
# Usage: tools/update-golden.sh [path-to-covcheck]   (default: build/covcheck)
# Review the diff (`git diff tests/golden`) before committing: goldens pin user-facing output.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
binary=${1:-build/covcheck}
[[ -x "$binary" ]] || { echo "update-golden: no covcheck binary at $binary" >&2; exit 2; }
COVCHECK=$binary bash tests/e2e/run.sh --update
COVCHECK=$binary bash tests/e2e/lint.sh --update
COVCHECK=$binary bash tests/e2e/test_command.sh --update
COVCHECK=$binary bash tests/e2e/fmt.sh --update
COVCHECK=$binary bash tests/e2e/dump.sh --update
COVCHECK=$binary bash tests/e2e/bad_inputs.sh --update
COVCHECK=$binary bash tests/e2e/answers.sh --update
COVCHECK=$binary bash tests/e2e/summary.sh --update

#!/usr/bin/env bash
# ctest's `python_pytest`: the package's pytest suite with the build tree's module on
# PYTHONPATH, under Debian's interpreter. Fails when the module or pytest is missing in CI
# (CI is set); elsewhere skips (77) when the build has no module (COVCHECK_PYTHON=OFF).
# Usage: run_pytest.sh BUILD_DIR (COVCHECK: the CLI, for the differential tests)
set -uo pipefail
build=$1
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python=/usr/bin/python3
export PYTHONPATH="$build/python"
export COVCHECK_BUILD_DIR="$build"
if ! ls "$build"/python/covcheck/_covcheck*.so >/dev/null 2>&1 || ! "$python" -c "import pytest" 2>/dev/null; then
  echo "the covcheck Python module (cmake -DCOVCHECK_PYTHON=ON) or python3-pytest is missing" >&2
  [[ -n "${CI:-}" ]] && exit 1
  exit 77
fi
cd "$root"
"$python" -m pytest -q -p no:cacheprovider python/tests
status=$?
# pytest's 5: no test was collected, which is a failure here.
if [[ $status -eq 5 ]]; then echo "pytest collected no tests" >&2; exit 1; fi
exit $status

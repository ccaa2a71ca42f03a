#!/usr/bin/env bash
# Builds the whole project with AddressSanitizer + UndefinedBehaviorSanitizer into
# build-asan/ and runs the whole CTest suite there; any sanitizer report fails the run
# (-fno-sanitize-recover=all: UBSan aborts like ASan). -O1 and -j2 keep it within CI's budget.
# Usage: tools/sanitize.sh [extra ctest arguments, e.g. -R e2e]   Env: ASAN_BUILD (build dir).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build=${ASAN_BUILD:-build-asan}
flags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$build" -j2

# Leak checking needs ptrace-free LSan, which works in containers; a report anywhere is fatal.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" -j2 --output-on-failure "$@"

#!/usr/bin/env bash
# Every example command of docs/testing.md runs as shipped: each `$ covcheck …` line of its
# code blocks is run from the repository root (the `--update` example on a copy of
# tests/golden/test_command/update.yaml, as the page says), and its output must be the one the
# page shows: exactly, or, where the page elides with `…`, every line shown, in order.
# Usage: COVCHECK=build/covcheck bash tests/e2e/docs_testing.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"
if ! command -v python3 >/dev/null; then
  echo "python3 not installed: docs examples not checked"
  finish
  exit
fi

mkdir -p "$tmp/update" && cp -r tests/golden/test_command/tiny tests/golden/test_command/update.yaml "$tmp/update/"
mkdir -p "$tmp/bin" && ln -s "$COVCHECK" "$tmp/bin/covcheck"

# Prints one record per example: the command, then its shown output, separated by NUL.
python3 - docs/testing.md >"$tmp/examples" <<'PY'
import sys
block, examples, current = False, [], None
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("```"):
        block = not block
        if current: examples.append(current)
        current = None
        continue
    if not block: continue
    if line.startswith("$ covcheck") or line.startswith("$ genhtml"):
        if current: examples.append(current)
        current = [line[2:], []]
    elif current is not None:
        current[1].append(line)
for cmd, out in examples:
    sys.stdout.write(cmd + "\0" + "\n".join(out) + "\0")
PY

while IFS= read -r -d '' cmd && IFS= read -r -d '' shown; do
  [[ "$cmd" == genhtml* ]] && continue  # needs lcov; tests/e2e/test_command.sh checks it when present
  dir=.
  [[ "$cmd" == *" update.yaml "* ]] && dir="$tmp/update"
  [[ "$cmd" == *"--lcov rules.info"* ]] && cmd=${cmd/rules.info/$tmp\/rules.info}
  actual=$(cd "$dir" && PATH="$tmp/bin:$PATH" bash -c "$cmd" 2>&1)
  if python3 - "$actual" "$shown" <<'PY'
import sys
actual, shown = sys.argv[1].split("\n"), [l for l in sys.argv[2].split("\n")]
if not any("…" in l for l in shown):
    sys.exit(0 if actual == shown or (shown == [""] and actual == [""]) else 1)
i = 0
for line in shown:
    if "…" in line: continue
    while i < len(actual) and actual[i] != line: i += 1
    if i == len(actual): sys.exit(1)
    i += 1
PY
  then pass; else
    fail "docs/testing.md: \`$cmd\` does not print what the page shows"
    diff <(echo "$shown") <(echo "$actual") | head -20 | sed 's/^/  /'
  fi
done <"$tmp/examples"
finish

#!/usr/bin/env bash
# Every example command of docs/testing.md and docs/analyst-guide.md runs as shipped: each
# `$ covcheck …` line of their code blocks is run where the page says (testing.md: the
# repository root, its `--update` example on a copy of tests/golden/test_command/update.yaml;
# the analyst guide: examples/analyst-guide/, its `diff` example the repository root), and its
# output must be the one the page shows: exactly, or, where the page elides with `…`, every
# line shown, in order. A shown last line `exit N` is the command's exit status.
# Usage: COVCHECK=build/covcheck bash tests/e2e/docs_testing.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"
if ! command -v python3 >/dev/null; then
  echo "python3 not installed: docs examples not checked"
  finish
  exit
fi

mkdir -p "$tmp/update" && cp -r tests/golden/test_command/tiny tests/golden/test_command/update.yaml "$tmp/update/"
mkdir -p "$tmp/bin" && ln -s "$COVCHECK" "$tmp/bin/covcheck"

# check_doc PAGE FOLDER: one record per example (the command, then its shown output,
# separated by NUL), each run in FOLDER and compared.
check_doc() {
  local page=$1 folder=$2
  python3 - "$page" >"$tmp/examples" <<'PY'
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
    elif current is not None and current[0].endswith("\\") and not current[1]:
        current[0] = current[0][:-1] + line.strip() if False else current[0].rstrip("\\") + " " + line.strip()
    elif current is not None:
        current[1].append(line)
for cmd, out in examples:
    sys.stdout.write(cmd + "\0" + "\n".join(out) + "\0")
PY
  while IFS= read -r -d '' cmd && IFS= read -r -d '' shown; do
    [[ "$cmd" == genhtml* ]] && continue  # needs lcov; tests/e2e/test_command.sh checks it when present
    local dir=$folder
    [[ "$cmd" == *" update.yaml "* ]] && dir="$tmp/update"
    [[ "$cmd" == *"rules/acme/"* ]] && dir=.
    [[ "$cmd" == *"--lcov rules.info"* ]] && cmd=${cmd/rules.info/$tmp\/rules.info}
    # `fmt` without --check rewrites its file: on a copy of the folder.
    if [[ "$cmd" == "covcheck fmt "* && "$cmd" != *--check* ]]; then
      rm -rf "$tmp/copy" && cp -r "$folder" "$tmp/copy" && dir="$tmp/copy"
    fi
    if [[ "$(tail -n1 <<<"$shown")" =~ ^exit\ [0-9]+$ && "$cmd" != *echo* ]]; then cmd="$cmd; echo \"exit \$?\""; fi
    actual=$(cd "$dir" && PATH="$tmp/bin:$PATH" bash -c "$cmd" 2>&1)
    if python3 - "$actual" "$shown" <<'PY'
import sys
actual, shown = sys.argv[1].split("\n"), sys.argv[2].split("\n")
if not any("…" in l for l in shown):
    sys.exit(0 if actual == shown else 1)
i = 0
for line in shown:
    if "…" in line: continue
    while i < len(actual) and actual[i] != line: i += 1
    if i == len(actual): sys.exit(1)
    i += 1
PY
    then pass; else
      fail "$page: \`$cmd\` does not print what the page shows"
      diff <(echo "$shown") <(echo "$actual") | head -20 | sed 's/^/  /'
    fi
  done <"$tmp/examples"
}

check_doc docs/testing.md .
check_doc docs/analyst-guide.md examples/analyst-guide
finish

#!/usr/bin/env bash
# End-to-end tests of `covcheck fmt`: the shipped rules are formatted (CI's check), the golden
# layouts of tests/golden/format, in-place rewriting, --check, and exit statuses.
# Usage: COVCHECK=build/covcheck bash tests/e2e/fmt.sh [--update]   (--update rewrites the
# tests/golden/format/*.expected files from the current binary; review the diff)
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

empty() { if [[ ! -s "$tmp/$2" ]]; then pass; else fail "$1: $2 is not empty"; fi; }
same_file() { if cmp -s "$2" "$3"; then pass; else fail "$1: $2 differs from $3"; fi; }

# Every shipped rule file is in the canonical layout (a late arrival fails here: run
# `covcheck fmt rules` and review the diff).
expect_status "shipped rules are formatted" 0 fmt --check rules
empty "shipped rules are formatted" out

# Golden layouts: each input rewritten in place equals its .expected; the expected files
# are themselves formatted.
mkdir -p "$tmp/golden"
for input in tests/golden/format/*.cpl; do
  name=$(basename "$input")
  copy="$tmp/golden/$name"
  cp "$input" "$copy"
  expect_status "fmt $name" 0 fmt "$copy"
  if $update; then
    cp "$copy" "$input.expected"
    pass
  else
    same_file "golden $name" "$copy" "$input.expected"
  fi
  expect_status "expected $name is formatted" 0 fmt --check "$input.expected"
done

# --check lists what would change and changes nothing.
input=tests/golden/format/long_expressions.cpl
cp "$input" "$tmp/unformatted.cpl"
expect_status "--check on an unformatted file" 1 fmt --check "$tmp/unformatted.cpl"
contains "--check lists the file" out "$tmp/unformatted.cpl"
same_file "--check leaves the file alone" "$input" "$tmp/unformatted.cpl"

# Rewriting reports each changed file; a second run finds nothing to do; no temp file stays.
mkdir -p "$tmp/dir/sub"
cp tests/golden/format/rules.cpl "$tmp/dir/a.cpl"
cp tests/golden/format/quantifiers.cpl "$tmp/dir/sub/b.cpl"
echo "not a rule file" >"$tmp/dir/notes.txt"
expect_status "fmt a directory" 0 fmt "$tmp/dir"
contains "fmt a directory" out "formatted $tmp/dir/a.cpl"
contains "fmt a directory" out "formatted $tmp/dir/sub/b.cpl"
expect_status "fmt twice" 0 fmt --check "$tmp/dir"
empty "fmt twice" out
if [[ -z "$(find "$tmp/dir" -name '.*fmt-*')" ]]; then pass; else fail "a temporary file was left behind"; fi
if [[ "$(cat "$tmp/dir/notes.txt")" == "not a rule file" ]]; then pass; else fail "a non-.cpl file was touched"; fi

# A file that does not parse is reported and never changed; the syntax error wins over --check.
cp tests/golden/diagnostics/unbalanced_parens.cpl "$tmp/broken.cpl"
expect_status "syntax error" 3 fmt "$tmp/broken.cpl"
contains "syntax error" err "$tmp/broken.cpl:"
contains "syntax error" err "error: expected \`)\` to close the parenthesis"
same_file "syntax error leaves the file alone" tests/golden/diagnostics/unbalanced_parens.cpl "$tmp/broken.cpl"
cp "$input" "$tmp/unformatted.cpl"
expect_status "syntax error and --check" 3 fmt --check "$tmp/broken.cpl" "$tmp/unformatted.cpl"
contains "syntax error and --check" out "$tmp/unformatted.cpl"

# Paths that cannot be read: usage status 2.
expect_status "missing file" 2 fmt "$tmp/nope.cpl"
contains "missing file" err "does not exist"
expect_status "no paths" 2 fmt

finish

#!/usr/bin/env bash
# Golden text answers of every shipped example case (rules/*/cases/*.yaml): the decision,
# the checklist and the next steps a clinic reads, in plain words, against the rule set its
# directory's test suite names. Goldens: tests/golden/answers/<directory>/<case>.txt.
# Usage: COVCHECK=build/covcheck bash tests/e2e/answers.sh [--update]
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

# The rule set a case is decided against, as its test suite (rules/<dir>/tests/) loads it.
rules_for() {
  local dir=$1 name=$2
  case "$dir" in
    acme) echo "rules/acme rules/mandates" ;;
    claims) echo "rules/claims rules/bcbs-nd" ;;
    appeals)
      case "$name" in
        appeal-acme-*) echo "rules/appeals rules/acme" ;;
        appeal-bnd-*) echo "rules/appeals rules/bcbs-nd" ;;
        appeal-medicare-*) echo "rules/appeals rules/medicare-j09-a59250" ;;
        *) echo "" ;;
      esac ;;
    *) echo "rules/$dir" ;;
  esac
}

count=0
for f in rules/*/cases/*.yaml; do
  dir=$(basename "$(dirname "$(dirname "$f")")")
  name=$(basename "$f" .yaml)
  paths=$(rules_for "$dir" "$name")
  if [[ -z "$paths" ]]; then
    fail "$f: no rule set is known for it (add it to rules_for in tests/e2e/answers.sh)"
    continue
  fi
  args=()
  for p in $paths; do args+=(--rules "$p"); done
  run check "${args[@]}" --case "$f"
  # The answer, and for a case that cannot be decided, the exit status and diagnostics.
  cp "$tmp/out" "$tmp/answer"
  if [[ "$status" != 0 ]]; then
    { echo "exit $status"; cat "$tmp/err"; } >>"$tmp/answer"
  fi
  if grep -q "^trace:" "$tmp/answer"; then fail "$f: the text answer shows the trace without --trace"; else pass; fi
  # No rule code outside the trace: no comparison of a path, no "does not hold", no "at stake".
  code='[a-z_]+(\.[a-z_]+)* (==|!=|>=|<=|<|>) |does not hold|at stake:|any [a-z_.]+ [a-z]+:|count\([a-z_.]+ [a-z]+:'
  if grep -qE "$code" "$tmp/out"; then
    fail "$f: rule code outside the trace"
    grep -nE "$code" "$tmp/out" | head -3 | sed 's/^/  /'
  else
    pass
  fi
  $update && mkdir -p "tests/golden/answers/$dir"
  golden_file "$f" "$tmp/answer" "tests/golden/answers/$dir/$name.txt"
  count=$((count + 1))
done
[[ "$count" -gt 100 ]] && pass || fail "only $count example cases found"

finish

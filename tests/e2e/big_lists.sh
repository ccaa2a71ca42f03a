#!/usr/bin/env bash
# Big lists decide with bounded memory and time, their trace bounded (docs/trace.md): a case
# with 200,000 treatments (27 MB of JSON) decides with its full answer and trace in under
# 256 MiB and 2 s of CPU; 1,000,000 codes in `request.cpt` and 1,000,000 diagnoses (read by
# traced quantifiers) decide under 1 GiB. The cases are generated here (too big to commit).
# Also: `missing` lists the absent facts of elements the trace leaves out, and does not
# depend on --trace-elements; the option on check and batch, and its usage errors.
# Peak memory and CPU time come from GNU time (/usr/bin/time, Debian package `time`).
# Usage: COVCHECK=build/covcheck bash tests/e2e/big_lists.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

if [[ ! -x /usr/bin/time ]]; then
  echo "FAIL: /usr/bin/time is missing (the Debian package \`time\`; tools/setup.sh installs it)"
  exit 1
fi

rules=(--rules rules/acme --rules rules/mandates)

# measured NAME MAX_MIB MAX_CPU_SECONDS ARGS...: runs covcheck under GNU time; it must exit 0
# within the peak resident memory and the user + system CPU seconds given.
measured() {
  local name=$1 max_mib=$2 max_seconds=$3
  shift 3
  /usr/bin/time -f "%M %U %S" -o "$tmp/time" "$COVCHECK" "$@" >"$tmp/out" 2>"$tmp/err"
  status=$?
  local kib user sys
  read -r kib user sys < <(tail -n 1 "$tmp/time")
  local verdict
  verdict=$(awk -v k="$kib" -v u="$user" -v s="$sys" -v m="$max_mib" -v t="$max_seconds" \
    'BEGIN { printf "%s %.0f MiB, %.2f s", (k / 1024 < m && u + s < t) ? "ok" : "over", k / 1024, u + s }')
  echo "  $name: ${verdict#* } (bounds: $max_mib MiB, $max_seconds s)"
  if [[ $status != 0 ]]; then
    fail "$name: exit $status"
  elif [[ $verdict == over* && -n "${ASAN_OPTIONS:-}" ]]; then
    # tools/sanitize.sh: ASan's shadow memory and checks multiply memory and time, so under
    # it this test checks the answers only; the bounds hold for the Release build.
    echo "  (bounds not applied under AddressSanitizer)"
    pass
  elif [[ $verdict == over* ]]; then
    fail "$name: ${verdict#* } is over $max_mib MiB or $max_seconds s"
  else
    pass
  fi
}

# treatments_case N UNDECIDED: a JSON esketamine case with N treatments of physical therapy (not
# an antidepressant), except treatments[0], an adequate failed SSRI trial, and, when UNDECIDED
# is `yes`, ten SNRI trials without `adequate_dose` at 100000, 110000, ... 190000 (or at N/2 +
# k * N/20 for smaller N).
treatments_case() {
  awk -v n="$1" -v undecided="$2" 'BEGIN {
    printf "{\"id\":\"many-treatments\",\"date_of_service\":\"2026-03-02\",\"patient\":{\"birth_date\":\"1987-05-14\",\"sex\":\"female\",\"state\":\"NY\",\"pregnant\":false},"
    printf "\"plan\":{\"payer\":\"Acme Health\",\"type\":\"commercial\",\"network\":\"in\",\"riders\":[]},"
    printf "\"request\":{\"service\":\"esketamine_nasal\",\"hcpcs\":[\"J0013\",\"G2082\"],\"site\":\"office\",\"sessions\":8,\"period_days\":28,"
    printf "\"prescriber_specialty\":\"psychiatry\",\"rems_certified_site\":true,\"submitted\":\"2026-03-09\"},"
    printf "\"diagnoses\":[{\"code\":\"F33.2\",\"primary\":true}],\"current_medications\":[{\"name\":\"bupropion XL\",\"class\":\"atypical\"}],"
    printf "\"assessments\":[{\"instrument\":\"phq9\",\"score\":21,\"date\":\"2026-02-20\"}],"
    printf "\"documents\":[\"letter_of_medical_necessity\",\"treatment_history\",\"rems_enrollment\",\"prior_auth_form\"],\"conditions\":[],\"treatments\":["
    for (i = 0; i < n; i++) {
      dose = ",\"adequate_dose\":true"
      class = "physical_therapy"
      if (i == 0) class = "ssri"
      if (undecided == "yes" && i >= n / 2 && (i - n / 2) % (n / 20) == 0) { class = "snri"; dose = "" }
      printf "%s{\"name\":\"t%06d\",\"class\":\"%s\",\"start\":\"2025-01-10\",\"end\":\"2025-03-15\"%s,\"outcome\":\"failed\"}", (i ? "," : ""), i, class, dose
    }
    print "]}"
  }'
}

# 1. 200,000 treatments: denied (one adequate trial), with the whole answer and its trace.
treatments_case 200000 no > "$tmp/t200k.json"
measured "200,000 treatments, check --format json" 256 2 check "${rules[@]}" --case "$tmp/t200k.json" --format json
contains "200,000 treatments: decided" out '"decision": "denied"'
contains "200,000 treatments: elements counted by outcome" out '"elements": 199995,'
contains "200,000 treatments: rejected count" out '"rejected": 199995,'
contains "200,000 treatments: the shared reason" out '"expr": "t.class in antidepressant",'
if (($(wc -c < "$tmp/out") < 2000000)); then pass; else fail "200,000 treatments: the answer is $(wc -c < "$tmp/out") bytes"; fi
measured "200,000 treatments, check (text, trace)" 256 2 check "${rules[@]}" --case "$tmp/t200k.json" --trace
contains "200,000 treatments: the text summary line" out \
  "… 199,995 more: 199,995 rejected (\`t.class in antidepressant\` is false), 0 undecided"
contains "200,000 treatments: the decided count shows its elements" out "treatments[0]  => true  # counted"

# 2. Undecided elements far past the limit: their absent facts are still missing.
treatments_case 200000 yes > "$tmp/t200k-pend.json"
measured "200,000 treatments, pending, check --format json" 256 2 check "${rules[@]}" --case "$tmp/t200k-pend.json" --format json
contains "pending: decided" out '"decision": "pend"'
contains "pending: an undecided element past the limit is missing" out '"fact": "treatments[150000].adequate_dose"'
contains "pending: the last one too" out '"fact": "treatments[190000].adequate_dose"'
contains "pending: undecided elements counted" out '"undecided": 6,'

# Every element undecided (no `adequate_dose` anywhere): `missing` lists all 200,000, and the
# next step names them once each, in linear time. This answer itself holds 200,000 missing
# facts (a 20 MB JSON object, built in memory before it is written), so its bound is 320 MiB;
# the issue's 256 MiB bound is the ordinary 200,000-treatment case's, above.
sed -E 's/,"adequate_dose":true//g; s/"class":"physical_therapy"/"class":"snri"/g' "$tmp/t200k.json" > "$tmp/t200k-all.json"
measured "200,000 undecided treatments, check --format json" 320 2 check "${rules[@]}" --case "$tmp/t200k-all.json" --format json
contains "all undecided: pends" out '"decision": "pend"'
if [[ $(sed -n '/^  "missing": \[/,/^  "requirements"/p' "$tmp/out" | grep -c '"fact": "treatments\[[0-9]*\].adequate_dose"') == 200000 ]]; then pass; else
  fail "all undecided: missing does not list 200,000 facts"; fi

# 3. `missing` and the next steps do not depend on --trace-elements (compared with all shown).
treatments_case 2000 yes > "$tmp/t2k.json"
for n in 0 5 all; do
  run check "${rules[@]}" --case "$tmp/t2k.json" --format json --trace-elements "$n"
  if [[ $status != 0 ]]; then fail "2,000 treatments, --trace-elements $n: exit $status"; continue; fi
  # The checklist's evidence follows the trace's bound; its facts waited for do not.
  sed -n '/^  "missing": \[/,/^  "checklist"/p' "$tmp/out" > "$tmp/explained-$n"
done
if grep -q 'treatments\[1900\].adequate_dose' "$tmp/explained-all"; then pass; else fail "2,000 treatments: missing lacks treatments[1900]"; fi
for n in 0 5; do
  if cmp -s "$tmp/explained-$n" "$tmp/explained-all"; then pass; else
    fail "2,000 treatments: missing and next steps with --trace-elements $n differ from all"
    diff "$tmp/explained-all" "$tmp/explained-$n" | head -10 | sed 's/^/  /'
  fi
done
run check "${rules[@]}" --case "$tmp/t2k.json" --format json --trace-elements all
contains "--trace-elements all shows every element" out '"expr": "treatments[1999]"'
lacks "--trace-elements all leaves nothing out" out '"omitted"'

# 4. The option: batch too, and usage errors.
tr -d '\n' < "$tmp/t2k.json" > "$tmp/t2k.jsonl"
echo >> "$tmp/t2k.jsonl"
run batch "${rules[@]}" --cases "$tmp/t2k.jsonl" --trace --trace-elements 2
contains "batch --trace-elements" out '"omitted":{"elements":1998,"counted":0,"rejected":1989,"undecided":9,'
expect_status "check --trace-elements x is a usage error" 2 check "${rules[@]}" --case "$tmp/t2k.json" --trace-elements x
contains "the usage error names the option" err "--trace-elements: \`x\` is not a count or \`all\`"
expect_status "batch --trace-elements -1 is a usage error" 2 batch "${rules[@]}" --cases "$tmp/t2k.jsonl" --trace --trace-elements -1

# 5. A million small elements: codes in request.cpt (read by `in`), and diagnoses, read by
# the traced quantifiers of routing and coverage.
awk 'BEGIN { printf "{\"id\":\"many-codes\",\"date_of_service\":\"2026-03-02\",\"request\":{\"service\":\"ketamine_iv\",\"cpt\":[";
  for (i = 0; i < 1000000; i++) printf "%s\"96365\"", (i ? "," : ""); print "]},\"diagnoses\":[{\"code\":\"F33.2\",\"primary\":true}]}" }' > "$tmp/cpt1m.json"
measured "1,000,000 codes in request.cpt, check --format json" 1024 10 check "${rules[@]}" --case "$tmp/cpt1m.json" --format json
contains "1,000,000 codes: decided" out '"case": "many-codes"'
awk 'BEGIN { printf "{\"id\":\"many-diagnoses\",\"date_of_service\":\"2026-03-02\",\"request\":{\"service\":\"ketamine_iv\"},\"diagnoses\":[{\"code\":\"F33.2\",\"primary\":true}";
  for (i = 1; i < 1000000; i++) printf ",{\"code\":\"Z79.899\"}"; print "]}" }' > "$tmp/dx1m.json"
measured "1,000,000 diagnoses, check --format json" 1024 10 check "${rules[@]}" --case "$tmp/dx1m.json" --format json
contains "1,000,000 diagnoses: decided" out '"case": "many-diagnoses"'
contains "1,000,000 diagnoses: elements counted by outcome" out '"elements": 999995,'

finish

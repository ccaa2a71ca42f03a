#!/usr/bin/env bash
# `covcheck check --format html`: the printable prior-authorization summary. Golden files for
# a covered, a pending, a denied (with the appeal path) and an excluded shipped case, decided
# through the payer registry (rules/payers.yaml); the document is self-contained (no script,
# no external resource); every case value and rule text is escaped; a case that gets no
# answer writes no summary. The PDF of it is checked by tests/e2e/summary_pdf.sh.
# Usage: COVCHECK=build/covcheck bash tests/e2e/summary.sh [--update]
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"
GOLDEN=tests/golden/summaries

for spec in covered:rules/acme/cases/esk-covered.yaml pend:rules/acme/cases/esk-trial-end-unknown.yaml \
  denied:rules/acme/cases/esk-family-medicine-prescriber.yaml excluded:rules/appeals/cases/appeal-acme-excluded.yaml; do
  want=${spec%%:*}
  f=${spec#*:}
  name=$(basename "$f" .yaml)
  expect_status "$name: html" 0 check --rules rules --case "$f" --format html
  contains "$name: the decision" out "data-decision=\"$want\""
  contains "$name: a print stylesheet" out "@media print"
  contains "$name: page margins for A4 and Letter" out "@page"
  contains "$name: the checklist" out '<section id="checklist">'
  contains "$name: the policy's digest" out "sha256:"
  # Self-contained: nothing to fetch and nothing to run.
  for bad in "<script" "src=" "href=" "url(" "@import"; do lacks "$name: self-contained ($bad)" out "$bad"; done
  golden_file "$name" "$tmp/out" "$GOLDEN/$name.html"
done

# The denial names the appeal path and its deadline; the covered case has no appeal section.
run check --rules rules --case rules/acme/cases/esk-family-medicine-prescriber.yaml --format html
contains "denied: appeal section" out '<h2>Appeal path and deadlines</h2>'
contains "denied: appeal deadline" out "within 180 days"
contains "denied: the unmet criterion" out '<li data-status="not_met">'
run check --rules rules --case rules/acme/cases/esk-covered.yaml --format html
lacks "covered: no appeal section" out "Appeal path"
contains "covered: the header names the payer" out "<dt>Payer</dt><dd>Acme Health</dd>"
contains "covered: the date of service" out "<dt>Date of service</dt><dd>2026-03-02</dd>"
# The pending case lists what is missing.
run check --rules rules --case rules/acme/cases/esk-trial-end-unknown.yaml --format html
contains "pend: missing fact" out "<li>Provide <code>treatments[1].end</code></li>"

# Every value the case gives is escaped: markup in a treatment name and the id stays text.
sed -e 's/^id: esk-covered/id: "x<i>\&amp;"/' -e "s/name: sertraline/name: \"<img src=x onerror=alert('1')>\"/" \
  rules/acme/cases/esk-covered.yaml >"$tmp/markup.yaml"
expect_status "markup: html" 0 check --rules rules --case "$tmp/markup.yaml" --format html
lacks "markup: no tag from the case" out "<img"
lacks "markup: no tag from the id" out "<i>"
contains "markup: the name escaped" out "&lt;img src=x onerror=alert(&#39;1&#39;)&gt;"
contains "markup: the id escaped" out "x&lt;i&gt;&amp;amp;"

# A case that cannot be decided writes no summary, and its errors go to stderr.
printf 'id: bad\ndate_of_service: 2026-13-40\n' >"$tmp/bad.yaml"
expect_status "bad case: exit 4" 4 check --rules rules --case "$tmp/bad.yaml" --format html
if [[ -s "$tmp/out" ]]; then fail "bad case: stdout is not empty"; else pass; fi
contains "bad case: the error" err "date_of_service"

finish

#!/usr/bin/env bash
# The printable summary through a real browser's print: `check --format html` of a covered, a
# pending and a denied case, printed by Debian's chromium headless (`--print-to-pdf`) on
# Letter (chromium's default) and on A4, read back with `pdftotext` (poppler-utils): the
# decision, the policy version and the text of every criterion of the answer's checklist are
# in the PDF. Needs chromium and poppler-utils (tools/setup-browser.sh installs both): absent
# in CI (CI set) is a failure, elsewhere a skip.
# Usage: COVCHECK=build/covcheck bash tests/e2e/summary_pdf.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

missing() {
  if [[ -n "${CI:-}" ]]; then
    echo "FAIL: $1 (run tools/setup-browser.sh)"
    exit 1
  fi
  echo "SKIP: $1 (run tools/setup-browser.sh)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
}
chromium=${CHROMIUM:-/usr/bin/chromium}
[[ -x $chromium ]] || missing "no $chromium"
command -v pdftotext >/dev/null || missing "no pdftotext (Debian poppler-utils)"
command -v pdfinfo >/dev/null || missing "no pdfinfo (Debian poppler-utils)"

# print HTML PDF: chromium's print of a local file, with a fresh profile and no header/footer.
print() {
  rm -rf "$tmp/profile"
  timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$tmp/profile" --no-pdf-header-footer \
    --print-to-pdf="$2" "file://$1" >"$tmp/chromium.log" 2>&1
}

# The PDF's text on one line, whitespace runs made one space (lines wrap anywhere in print).
flat() { pdftotext -enc UTF-8 "$1" - | tr -s ' \n\r\t\f' ' '; }

for spec in "Covered|rules/acme/cases/esk-covered.yaml" \
  "Pending: more information needed|rules/acme/cases/esk-trial-end-unknown.yaml" \
  "Denied|rules/acme/cases/esk-family-medicine-prescriber.yaml"; do
  word=${spec%%|*}
  f=${spec#*|}
  name=$(basename "$f" .yaml)
  run check --rules rules --case "$f" --format html
  cp "$tmp/out" "$tmp/$name.html"
  run check --rules rules --case "$f" --format json --no-trace
  cp "$tmp/out" "$tmp/$name.json"
  # What must be on paper: the policy's version and each criterion's text of the paths and
  # restrictions that apply or may apply (those that do not apply are only counted).
  python3 - "$tmp/$name.json" >"$tmp/$name.want" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
print(next(p["version"] for p in a["policies"] if p["kind"] == "policy"))
for e in a["checklist"]:
    if e["applies"] is False:
        continue
    for c in e["criteria"]:
        print(" ".join(c["text"].split()))
PY
  # Letter as chromium prints it, and A4 by giving the page box a size.
  sed 's|</style>|@page { size: A4; }</style>|' "$tmp/$name.html" >"$tmp/$name-a4.html"
  for paper in letter a4; do
    html=$tmp/$name.html
    [[ $paper == a4 ]] && html=$tmp/$name-a4.html
    pdf=$tmp/$name-$paper.pdf
    if ! print "$html" "$pdf" || [[ ! -s $pdf ]]; then
      fail "$name ($paper): chromium wrote no PDF"
      sed -n '1,5s/^/  chromium: /p' "$tmp/chromium.log"
      continue
    fi
    size=$(pdfinfo "$pdf" | sed -n 's/^Page size: *//p')
    case $paper in
      letter) [[ $size == *"(letter)"* ]] && pass || fail "$name: the Letter PDF is $size" ;;
      a4) [[ $size == *"(A4)"* ]] && pass || fail "$name: the A4 PDF is $size" ;;
    esac
    flat "$pdf" >"$tmp/text"
    grep -qF "Decision: $word" "$tmp/text" && pass || fail "$name ($paper): no \`Decision: $word\` in the PDF"
    n=0
    while IFS= read -r line; do
      [[ -z $line ]] && continue
      n=$((n + 1))
      grep -qF -- "$line" "$tmp/text" && pass || fail "$name ($paper): the PDF lacks \`$line\`"
    done <"$tmp/$name.want"
    [[ $n -gt 3 ]] && pass || fail "$name: only $n lines to look for"
  done
done

finish

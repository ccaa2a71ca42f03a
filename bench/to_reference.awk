# Maps `covcheck batch --compact` lines (bench/workload rules) to the peer workload's
# reference output format (../shared/bench/peers/WORKLOAD.md), so the two can be diffed:
#   pend -> pend-missing-info; covered -> covered-with-prior-auth when prior_auth is true;
#   benefit null -> "none"; reasons -> the ids R01..R19 among them, in order.
# The compact line's key order is fixed (case, decision, basis, prior_auth, benefit, reasons).
# An error record maps to an "error" outcome, which never matches the reference.
function field(name,    s, m) {
  if (match($0, "\"" name "\":(\"[^\"]*\"|true|false|null)")) {
    s = substr($0, RSTART + length(name) + 3, RLENGTH - length(name) - 3)
    gsub(/"/, "", s)
    return s
  }
  return ""
}
{
  if ($0 ~ /^\{"line":/) { print "{\"error\":" $0 "}"; next }
  id = field("case"); decision = field("decision"); pa = field("prior_auth"); benefit = field("benefit")
  if (decision == "pend") outcome = "pend-missing-info"
  else if (decision == "covered" && pa == "true") outcome = "covered-with-prior-auth"
  else outcome = decision
  if (benefit == "null" || benefit == "") benefit = "none"
  reasons = ""
  rest = $0
  sub(/.*"reasons":\[/, "", rest)
  sub(/\].*/, "", rest)
  n = split(rest, ids, ",")
  for (i = 1; i <= n; i++) {
    if (ids[i] ~ /^"R(0[1-9]|1[0-9])"$/) reasons = reasons (reasons == "" ? "" : ",") ids[i]
  }
  printf "{\"id\":\"%s\",\"outcome\":\"%s\",\"category\":\"%s\",\"reasons\":[%s]}\n", id, outcome, benefit, reasons
}

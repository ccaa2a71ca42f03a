// Rendering of `covcheck compare` and POST /v1/compare: a text table (one line per payer, then
// each payer's deciding reason, missing facts and next steps, then the shortest path to
// coverage) and a JSON object with one entry per payer.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine/answer/json_writer.hpp"
#include "engine/session/compare.hpp"
#include "tools/covcheck/compare_command.hpp"

namespace covcheck::engine {

namespace {

const Reason* deciding_reason(const Determination& d) {
  // Route and prior-authorization reasons say where the case goes, not why it was decided.
  for (const Reason& r : d.reasons)
    if (r.decisive && r.effect != "route" && r.effect != "prior_auth") return &r;
  return nullptr;
}

std::string prior_auth_text(const Determination& d) {
  // "not required" from a policy that never addressed the service would read like good news.
  if (not_addressed(d)) return "-";
  return !d.prior_auth ? "unknown" : *d.prior_auth ? "required" : "not required";
}

std::string benefit_text(const Determination& d) {
  if (!d.benefit_conflict.empty()) {
    std::string s = "conflict";
    for (const std::string& b : d.benefit_conflict) s += " " + b;
    return s;
  }
  return d.benefit ? *d.benefit : "none";
}

std::string authorization_text(const Determination& d) {
  if (!d.authorization) return "-";
  std::vector<std::string> parts;
  if (d.authorization->days) parts.push_back(fmt::format("{} days", *d.authorization->days));
  if (d.authorization->months) parts.push_back(fmt::format("{} months", *d.authorization->months));
  if (d.authorization->units) parts.push_back(fmt::format("{} units", *d.authorization->units));
  if (d.authorization->days_unknown) parts.push_back("days unknown");
  if (d.authorization->months_unknown) parts.push_back("months unknown");
  if (d.authorization->units_unknown) parts.push_back("units unknown");
  std::string s;
  for (const std::string& p : parts) s += (s.empty() ? "" : ", ") + p;
  return s;
}

std::string reason_text(const CompareRow& row) {
  const Determination& d = *row.determination;
  if (const Reason* r = deciding_reason(d)) {
    std::string s = fmt::format("{} ({}): {}", r->rule, r->effect, r->message);
    if (r->cite) s += fmt::format(" ({})", *r->cite);
    return s;
  }
  if (d.basis && *d.basis == "default")
    return fmt::format("not addressed by this policy (its default: {}{})", decision_name(d.decision),
                       row.default_message.empty() ? "" : ", " + row.default_message);
  return "undecided";
}

std::string policy_text(const Determination& d) {
  for (const PolicyRef& p : d.policies)
    if (p.kind == "policy") return p.version.empty() ? p.name : p.name + " " + p.version;
  return "-";
}

std::optional<std::string> case_id(const std::vector<CompareRow>& rows) {
  for (const CompareRow& row : rows)
    if (row.determination) return row.determination->case_id;
  return std::nullopt;
}

std::string pad(const std::string& s, std::size_t width) {
  // Column widths count code points, so that `—` and other UTF-8 text line up.
  std::size_t len = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++len;
  return s + std::string(width > len ? width - len : 0, ' ');
}

std::size_t gaps_of(const Determination& d) {
  std::size_t gaps = d.missing.size();
  for (const RequirementStatus& r : d.requirements)
    if (r.status != "present") ++gaps;
  for (const Reason& r : d.reasons)
    if (r.decisive && (r.effect == "deny" || r.effect == "exclude")) ++gaps;
  return gaps;
}

std::string decision_text(const Determination& d) {
  return not_addressed(d) ? "not addressed" : std::string(decision_name(d.decision));
}

}  // namespace

bool not_addressed(const Determination& d) { return d.basis && *d.basis == "default" && deciding_reason(d) == nullptr; }

ShortestPath shortest_path(const std::vector<CompareRow>& rows) {
  ShortestPath p;
  for (const CompareRow& row : rows)
    if (row.determination && row.determination->decision == Decision::covered) p.covered_by.push_back(row.name);
  if (!p.covered_by.empty()) return p;
  for (const CompareRow& row : rows) {
    if (!row.determination || not_addressed(*row.determination) || row.determination->decision == Decision::excluded)
      continue;
    std::size_t gaps = gaps_of(*row.determination);
    if (!p.closest || gaps < p.gaps) p.closest = row.name, p.gaps = gaps;
  }
  return p;
}

std::string render_compare_text(const std::vector<CompareRow>& rows) {
  std::string out;
  std::optional<std::string> id = case_id(rows);
  out += fmt::format("case {}: {} rule set{}\n", id ? *id : std::string("(no id)"), rows.size(),
                     rows.size() == 1 ? "" : "s");
  std::vector<std::vector<std::string>> table{
      {"payer", "decision", "prior auth", "benefit", "authorization", "policy"}};
  for (const CompareRow& row : rows) {
    if (!row.determination) {
      table.push_back({row.name, "ERROR", "-", "-", "-", "-"});
      continue;
    }
    const Determination& d = *row.determination;
    table.push_back(
        {row.name, decision_text(d), prior_auth_text(d), benefit_text(d), authorization_text(d), policy_text(d)});
  }
  std::vector<std::size_t> width(table.front().size(), 0);
  for (const auto& line : table)
    for (std::size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], pad(line[c], 0).size());
  for (const auto& line : table) {
    std::string text;
    for (std::size_t c = 0; c < line.size(); ++c) text += c + 1 < line.size() ? pad(line[c], width[c] + 2) : line[c];
    out += text + "\n";
  }
  for (const CompareRow& row : rows) {
    out += fmt::format("\n{}:\n", row.name);
    if (!row.determination) {
      out += fmt::format("  error: {}\n", row.error);
      continue;
    }
    const Determination& d = *row.determination;
    out += fmt::format("  reason: {}\n", reason_text(row));
    if (d.missing.empty()) {
      out += "  missing: none\n";
    } else {
      std::string facts;
      for (const MissingFact& m : d.missing) facts += (facts.empty() ? "" : ", ") + m.fact;
      out += fmt::format("  missing: {}\n", facts);
    }
    for (const std::string& step : d.next_steps) out += fmt::format("  next: {}\n", step);
  }
  ShortestPath path = shortest_path(rows);
  if (!path.covered_by.empty()) {
    std::string names;
    for (const std::string& n : path.covered_by) names += (names.empty() ? "" : ", ") + n;
    out += fmt::format("\ncovered by: {}\n", names);
  } else if (path.closest) {
    out += fmt::format("\nno payer covers the case; closest: {} ({} item{} to settle)\n", *path.closest, path.gaps,
                       path.gaps == 1 ? "" : "s");
  } else {
    out += "\nno payer covers or addresses the case\n";
  }
  return out;
}

std::string render_compare_json(const std::vector<CompareRow>& rows) {
  JsonWriter w(true);
  w.begin_object();
  w.member("case", case_id(rows));
  w.key("sets").begin_array();
  for (const CompareRow& row : rows) {
    w.begin_object();
    w.member("name", row.name);
    w.key("rules").begin_array();
    for (const std::string& p : row.paths) w.value(p);
    w.end_array();
    if (!row.determination) {
      w.member("error", row.error);
      w.end_object();
      continue;
    }
    const Determination& d = *row.determination;
    w.key("policy");
    std::string policy = policy_text(d);
    if (policy == "-") w.null();
    else w.value(policy);
    w.member("decision", decision_name(d.decision));
    w.member("addressed", !not_addressed(d));
    w.member("basis", d.basis);
    w.key("prior_auth");  // null when not addressed: `false` would read like good news
    if (d.prior_auth && !not_addressed(d)) w.value(*d.prior_auth);
    else w.null();
    w.member("benefit", d.benefit);
    w.key("authorization");
    if (d.authorization) {
      w.begin_object();
      if (d.authorization->days) w.member("days", *d.authorization->days);
      if (d.authorization->months) w.member("months", *d.authorization->months);
      if (d.authorization->units) w.member("units", *d.authorization->units);
      if (d.authorization->days_unknown) w.key("days").null();
      if (d.authorization->months_unknown) w.key("months").null();
      if (d.authorization->units_unknown) w.key("units").null();
      w.end_object();
    } else {
      w.null();
    }
    w.key("reason");
    if (const Reason* r = deciding_reason(d)) {
      w.begin_object();
      w.member("rule", r->rule).member("effect", r->effect).member("message", r->message).member("cite", r->cite);
      w.end_object();
    } else if (d.basis && *d.basis == "default") {
      w.begin_object();
      w.key("rule").null();
      w.member("effect", "default").member("message", row.default_message);
      w.key("cite").null();
      w.end_object();
    } else {
      w.null();
    }
    w.key("missing").begin_array();
    for (const MissingFact& m : d.missing) w.value(m.fact);
    w.end_array();
    w.key("next_steps").begin_array();
    for (const std::string& s : d.next_steps) w.value(s);
    w.end_array();
    w.end_object();
  }
  w.end_array();
  ShortestPath path = shortest_path(rows);
  w.key("shortest_path").begin_object();
  w.key("covered_by").begin_array();
  for (const std::string& n : path.covered_by) w.value(n);
  w.end_array();
  w.member("closest", path.closest);
  w.key("gaps");
  if (path.closest) w.value(static_cast<std::int64_t>(path.gaps));
  else w.null();
  w.end_object();
  w.end_object();
  return w.str() + "\n";
}

}  // namespace covcheck::engine

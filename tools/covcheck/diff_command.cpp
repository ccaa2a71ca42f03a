// The `diff` subcommand: builds the old and the new rule set (each in its own source
// registry, so that locations stay valid on both sides), decides every corpus record with
// both, and prints the impact report.
#include "tools/covcheck/diff_command.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "engine/answer/json_writer.hpp"
#include "engine/compile/pipeline.hpp"
#include "engine/session/session.hpp"
#include "tools/covcheck/check_command.hpp"

namespace covcheck::cli {

namespace {

std::string pinned(const std::optional<std::int32_t>& as_of) {
  return as_of ? "as of " + dsl::format_iso_date(*as_of) : "by each case's date_of_service";
}

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? "0%" : fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

bool looks_like_yaml(const std::string& path, const std::string& text) {
  std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".yaml" || ext == ".yml") return true;
  if (ext == ".jsonl" || ext == ".json" || ext == ".ndjson") return false;
  std::size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string::npos && text[first] != '{';
}

}  // namespace

std::string render_impact_text(const engine::ImpactReport& r, const DiffOptions& o) {
  std::string out;
  out += fmt::format("impact over {} case{}: {} changed decision ({})\n", r.cases, r.cases == 1 ? "" : "s", r.changed,
                     percent(r.changed, r.cases));
  out += fmt::format("old: {} ({}): {}\n", join(o.old_rules, " "), pinned(o.old_as_of),
                     r.old_policies.empty() ? "no policy decided a case" : join(r.old_policies));
  out += fmt::format("new: {} ({}): {}\n", join(o.new_rules, " "), pinned(o.new_as_of),
                     r.new_policies.empty() ? "no policy decided a case" : join(r.new_policies));

  // The matrix: rows old, columns new; only outcomes that occur on either side.
  const auto& names = engine::impact_outcomes();
  std::vector<bool> used(names.size(), false);
  for (const engine::ImpactCell& c : r.cells)
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == c.old_outcome || names[i] == c.new_outcome) used[i] = true;
  auto count = [&](const std::string& a, const std::string& b) -> std::uint64_t {
    for (const engine::ImpactCell& c : r.cells)
      if (c.old_outcome == a && c.new_outcome == b) return c.cases;
    return 0;
  };
  out += "\ndecisions (rows: old, columns: new)\n";
  out += fmt::format("  {:<10}", "old \\ new");
  for (std::size_t j = 0; j < names.size(); ++j)
    if (used[j]) out += fmt::format("{:>10}", names[j]);
  out += fmt::format("{:>10}\n", "total");
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!used[i]) continue;
    std::uint64_t total = 0;
    out += fmt::format("  {:<10}", names[i]);
    for (std::size_t j = 0; j < names.size(); ++j) {
      if (!used[j]) continue;
      std::uint64_t n = count(names[i], names[j]);
      total += n;
      out += fmt::format("{:>10}", i == j ? fmt::format("{}", n) : (n ? fmt::format("*{}", n) : "."));
    }
    out += fmt::format("{:>10}\n", total);
  }
  out += fmt::format("  {:<10}", "total");
  for (std::size_t j = 0; j < names.size(); ++j) {
    if (!used[j]) continue;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < names.size(); ++i) total += count(names[i], names[j]);
    out += fmt::format("{:>10}", total);
  }
  out += fmt::format("{:>10}\n", r.cases);
  out += "  (* a changed cell)\n";

  for (const engine::ImpactCell& c : r.cells) {
    if (c.old_outcome == c.new_outcome) continue;
    out += fmt::format("\n{} -> {}: {} case{}\n", c.old_outcome, c.new_outcome, c.cases, c.cases == 1 ? "" : "s");
    for (const engine::ReasonCount& rc : c.reasons) {
      std::string cite = rc.reason.cite.empty() ? "" : fmt::format(" ({})", rc.reason.cite);
      out += fmt::format("  {:>5}  {} {} {}{}\n", rc.cases,
                         rc.old_side ? "no longer decisive:" : "now decisive:      ", rc.reason.effect, rc.reason.rule,
                         cite);
    }
    if (c.reasons.empty()) out += "  (the decisive rules are the same; their outcome changed)\n";
    out += fmt::format("  examples: {}\n", join(c.examples));
  }

  auto attribute = [&](const char* title, const std::vector<engine::AttributeChange>& changes) {
    std::uint64_t total = 0;
    for (const auto& c : changes) total += c.cases;
    out += fmt::format("\n{}: {} case{} changed\n", title, total, total == 1 ? "" : "s");
    for (const auto& c : changes)
      out += fmt::format("  {:>5}  {} -> {}  (e.g. {})\n", c.cases, c.old_value, c.new_value, join(c.examples));
  };
  attribute("benefit routing", r.benefit);
  attribute("prior authorization", r.prior_auth);
  if (!r.errors.empty()) {
    out += "\nerrors (first few):\n";
    for (const auto& [id, message] : r.errors) out += fmt::format("  {}: {}\n", id, message);
  }
  return out;
}

std::string render_impact_json(const engine::ImpactReport& r, const DiffOptions& o) {
  engine::JsonWriter w(true);
  auto side = [&](const char* key, const std::vector<std::string>& rules, const std::optional<std::int32_t>& as_of,
                  const std::vector<std::string>& policies) {
    w.key(key).begin_object();
    w.key("rules").begin_array();
    for (const auto& p : rules) w.value(p);
    w.end_array();
    w.key("as_of");
    if (as_of) w.value(dsl::format_iso_date(*as_of));
    else w.null();
    w.key("policies").begin_array();
    for (const auto& p : policies) w.value(p);
    w.end_array();
    w.end_object();
  };
  auto strings = [&](const char* key, const std::vector<std::string>& items) {
    w.key(key).begin_array();
    for (const auto& s : items) w.value(s);
    w.end_array();
  };
  w.begin_object();
  w.member("cases", static_cast<std::int64_t>(r.cases)).member("changed", static_cast<std::int64_t>(r.changed));
  side("old", o.old_rules, o.old_as_of, r.old_policies);
  side("new", o.new_rules, o.new_as_of, r.new_policies);
  w.key("matrix").begin_array();
  for (const engine::ImpactCell& c : r.cells) {
    w.begin_object().member("old", c.old_outcome).member("new", c.new_outcome);
    w.member("cases", static_cast<std::int64_t>(c.cases));
    if (c.old_outcome != c.new_outcome) {
      w.key("reasons").begin_array();
      for (const engine::ReasonCount& rc : c.reasons) {
        w.begin_object().member("side", rc.old_side ? "old" : "new").member("rule", rc.reason.rule);
        w.member("effect", rc.reason.effect);
        w.key("cite");
        if (rc.reason.cite.empty()) w.null();
        else w.value(rc.reason.cite);
        w.member("cases", static_cast<std::int64_t>(rc.cases)).end_object();
      }
      w.end_array();
    }
    strings("examples", c.examples);
    w.end_object();
  }
  w.end_array();
  auto attribute = [&](const char* key, const std::vector<engine::AttributeChange>& changes) {
    w.key(key).begin_array();
    for (const auto& c : changes) {
      w.begin_object().member("old", c.old_value).member("new", c.new_value);
      w.member("cases", static_cast<std::int64_t>(c.cases));
      strings("examples", c.examples);
      w.end_object();
    }
    w.end_array();
  };
  attribute("benefit", r.benefit);
  attribute("prior_auth", r.prior_auth);
  w.key("errors").begin_array();
  for (const auto& [id, message] : r.errors)
    w.begin_object().member("case", id).member("message", message).end_object();
  w.end_array();
  w.end_object();
  return w.str() + "\n";
}

int run_diff(const DiffOptions& options, std::ostream& out, std::ostream& err) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(options.cases_path, ec)) {
    err << fmt::format("covcheck: error: cases file `{}` does not exist or is not a file [io.not_found]\n",
                       options.cases_path);
    return exit_usage;
  }
  std::ifstream in(options.cases_path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (!in && !in.eof()) {
    err << fmt::format("covcheck: error: cannot read cases file `{}` [io.read]\n", options.cases_path);
    return exit_usage;
  }
  std::string text = std::move(buffer).str();

  struct Side {
    dsl::SourceRegistry sources;
    dsl::Diagnostics diagnostics;
    engine::RuleSetBuild built;
  };
  Side old_side, new_side;
  int status = exit_ok;
  for (auto [side, paths, label] :
       {std::tuple{&old_side, &options.old_rules, "old"}, std::tuple{&new_side, &options.new_rules, "new"}}) {
    side->built = engine::build_rule_set(*paths, side->sources, side->diagnostics);
    side->diagnostics.sort();
    if (!side->diagnostics.empty()) {
      err << fmt::format("covcheck: {} rules:\n", label) << dsl::render_all(side->diagnostics, side->sources);
    }
    // When several apply the lowest status wins: unreadable (2) before does not compile (3).
    if (side->built.status == engine::RuleSetStatus::unreadable) status = exit_usage;
    else if (side->built.status == engine::RuleSetStatus::does_not_compile && status != exit_usage) status = exit_rules;
  }
  if (status != exit_ok) return status;

  std::vector<engine::CorpusRecord> records =
      engine::split_corpus(text, options.cases_path, looks_like_yaml(options.cases_path, text));
  engine::ImpactSummary summary;
  engine::DecisionSession old_session(*old_side.built.program, old_side.sources);
  engine::DecisionSession new_session(*new_side.built.program, new_side.sources);
  for (const engine::CorpusRecord& record : records) {
    engine::SideOutcome before = engine::decide_record(old_session, record, options.old_as_of);
    engine::SideOutcome after = engine::decide_record(new_session, record, options.new_as_of);
    std::string id = record.name;
    if (before.determination && before.determination->case_id) id = *before.determination->case_id;
    else if (after.determination && after.determination->case_id) id = *after.determination->case_id;
    summary.add(id, before, after);
  }
  engine::ImpactReport report = summary.finish();
  out << (options.json ? render_impact_json(report, options) : render_impact_text(report, options));
  out.flush();
  return exit_ok;
}

Command add_diff_command(CLI::App& app) {
  struct Raw {
    DiffOptions options;
    std::string format = "text";
    std::string old_as_of, new_as_of;
  };
  auto raw = std::make_shared<Raw>();
  CLI::App* diff =
      app.add_subcommand("diff", "Impact of a policy change: decide a corpus of cases with old and new rules");
  diff->add_option("--old", raw->options.old_rules, "The old rule files or directories")->required()->type_name("PATH");
  diff->add_option("--new", raw->options.new_rules, "The new rule files or directories")->required()->type_name("PATH");
  diff->add_option("--cases", raw->options.cases_path,
                   "The corpus: JSON Lines (a case or a FHIR R4 Bundle per line), or a YAML stream of documents")
      ->required()
      ->type_name("FILE");
  diff->add_option("--old-as-of", raw->old_as_of, "Judge the old side's effective ranges on this date")
      ->type_name("DATE");
  diff->add_option("--new-as-of", raw->new_as_of, "Judge the new side's effective ranges on this date")
      ->type_name("DATE");
  diff->add_option("--format", raw->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return {diff, [diff, raw]() {
            DiffOptions options = raw->options;
            options.json = raw->format == "json";
            for (auto [flag, text, target] : {std::tuple{"--old-as-of", &raw->old_as_of, &options.old_as_of},
                                              std::tuple{"--new-as-of", &raw->new_as_of, &options.new_as_of}}) {
              if (diff->count(flag) == 0) continue;
              *target = dsl::parse_iso_date(*text);
              if (!*target) return usage_error(fmt::format("{}: `{}` is not a date (YYYY-MM-DD)", flag, *text));
            }
            return run_diff(options, std::cout, std::cerr);
          }};
}

}  // namespace covcheck::cli

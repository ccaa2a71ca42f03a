// Coverage counting from traces (RuleTrace.applied, its `when` node, CriterionTrace.result)
// matched to the program's rules by source span, and the text report.
#include "tools/covcheck/suite_coverage.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "dsl/source/one_line.hpp"

namespace covcheck::cli {

namespace {

using dsl::one_line;

void count(Counts& c, std::string_view result) {
  if (result == "true" || result == "present") ++c.yes;
  else if (result == "false" || result == "missing") ++c.no;
  else ++c.unknown;
}

std::string describe(const CoverageItem& item) {
  switch (item.kind) {
    case CoverageItem::Kind::rule: return fmt::format("rule {}", item.rule);
    case CoverageItem::Kind::when: return fmt::format("{} when `{}`", item.rule, item.text);
    case CoverageItem::Kind::criterion:
      return fmt::format("{} require `{}`{}", item.rule, item.text, item.cite.empty() ? "" : " (" + item.cite + ")");
    case CoverageItem::Kind::document:
      return fmt::format("{} document `{}`{}", item.rule, item.text, item.cite.empty() ? "" : " (" + item.cite + ")");
  }
  return item.rule;
}

std::string gap_text(const CoverageItem& item) {
  const Counts& c = item.counts;
  bool rule = item.kind == CoverageItem::Kind::rule;
  bool doc = item.kind == CoverageItem::Kind::document;
  if (c.total() == 0) return rule ? "never evaluated" : "never evaluated (its rule never applied)";
  std::string yes = rule ? "applied" : doc ? "present" : "true";
  std::string no = rule ? "not applied" : doc ? "missing" : "false";
  std::vector<std::string> never;
  if (c.yes == 0) never.push_back(rule ? "never applied" : "never " + yes);
  if (c.no == 0) never.push_back(rule ? "always applied" : "never " + no);
  std::string joined = never.size() == 2 ? never[0] + " and " + never[1] : never[0];
  return fmt::format("{} ({} {}, {} {}, unknown {})", joined, yes, c.yes, no, c.no, c.unknown);
}

}  // namespace

// Rounded down, so that a file shown at 95.0% never fails `--coverage-min 95`.
double shown_percent(const FileCoverage& f) { return std::floor(f.percent() * 10.0) / 10.0; }

bool CoverageItem::gap() const {
  if (not_captured) return false;
  if (kind == Kind::rule) return counts.yes == 0 || (can_be_off && counts.no == 0);
  return counts.yes == 0 || counts.no == 0;
}

Coverage::Key Coverage::key(dsl::SourceSpan span, CoverageItem::Kind kind, const dsl::SourceRegistry& sources) {
  const std::string& name = sources.file(span.file).name();
  auto it = canonical_.find(name);
  if (it == canonical_.end()) {
    std::error_code ec;
    std::filesystem::path canonical = std::filesystem::weakly_canonical(name, ec);
    it = canonical_.emplace(name, ec ? name : canonical.generic_string()).first;
  }
  // `when` items share their rule's span, so the kind is part of the key.
  return {it->second, span.begin, static_cast<int>(kind)};
}

std::size_t Coverage::insert(Key k, CoverageItem item) {
  auto [it, fresh] = index_.try_emplace(std::move(k), items_.size());
  if (fresh) items_.push_back(std::move(item));
  return it->second;
}

void Coverage::add_program(const engine::Program& program, const dsl::SourceRegistry& sources) {
  using Kind = CoverageItem::Kind;
  for (const engine::CompiledRule& rule : program.rules) {
    const dsl::ast::Rule& ast = *rule.source;
    auto item_at = [&](Kind kind, dsl::SourceSpan span) {
      CoverageItem item;
      item.kind = kind;
      item.file = sources.file(span.file).name();
      dsl::LineColumn lc = sources.file(span.file).location(span.begin);
      item.line = lc.line;
      item.column = lc.column;
      item.rule = rule.checked->display_id;
      return item;
    };
    bool not_captured = std::any_of(ast.tags.begin(), ast.tags.end(),
                                    [](const dsl::ast::Ident& t) { return t.text == "not_captured"; });
    CoverageItem r = item_at(Kind::rule, ast.span);
    r.text = ast.title.value_or("");
    r.can_be_off = ast.when != nullptr || !rule.overridden_by.empty();
    std::size_t rule_index = insert(key(ast.span, Kind::rule, sources), r);
    items_[rule_index].rule_item = rule_index;
    if (ast.when) {
      CoverageItem w = item_at(Kind::when, ast.when->span);
      w.text = one_line(sources.file(ast.when->span.file).slice(ast.when->span));
      w.rule_item = rule_index;
      insert(key(ast.span, Kind::when, sources), w);
    }
    for (const engine::Criterion& c : rule.criteria) {
      const dsl::ast::Requirement& q = *c.source;
      Kind kind = q.kind == dsl::ast::Requirement::Kind::document ? Kind::document : Kind::criterion;
      CoverageItem item = item_at(kind, q.span);
      item.text = kind == Kind::document ? q.document->text
                                         : one_line(sources.file(q.condition->span.file).slice(q.condition->span));
      item.cite = q.cite.value_or("");
      item.rule_item = rule_index;
      item.not_captured = not_captured;
      insert(key(q.span, kind, sources), item);
    }
  }
}

void Coverage::add(const engine::Determination& d, const dsl::SourceRegistry& sources, const std::string& suite) {
  using Kind = CoverageItem::Kind;
  auto find = [&](dsl::SourceSpan span, Kind kind) -> CoverageItem* {
    if (span.file == dsl::no_file) return nullptr;
    Key k = key(span, kind, sources);
    if (!suite.empty()) {
      auto [it, fresh] = counts_.try_emplace({suite, std::get<0>(k)}, false);
      if (fresh) it->second = owners_.counts(suite, std::get<0>(k));
      if (!it->second) return nullptr;
    }
    auto it = index_.find(k);
    return it == index_.end() ? nullptr : &items_[it->second];
  };
  for (const engine::RuleTrace& t : d.trace) {
    if (!t.in_force) continue;
    CoverageItem* rule = find(t.span, Kind::rule);
    if (!rule) continue;
    rule->in_force = true;
    count(rule->counts, t.applied);
    if (CoverageItem* when = find(t.span, Kind::when)) {
      when->in_force = true;
      if (t.when) count(when->counts, t.when->value);
    }
    for (const engine::CriterionTrace& c : t.criteria) {
      // A dated criterion out of its range ran for no case: it counts toward no outcome.
      if (c.kind == "prior_auth" || c.result.rfind("not in force", 0) == 0) continue;
      if (CoverageItem* item = find(c.span, c.kind == "document" ? Kind::document : Kind::criterion))
        count(item->counts, c.result);
    }
  }
  // A rule's criteria are reported wherever the rule is, even when it never applied.
  for (CoverageItem& item : items_)
    if (item.condition() && items_[item.rule_item].in_force) item.in_force = true;
}

std::vector<const CoverageItem*> Coverage::items() const {
  std::vector<const CoverageItem*> out;
  for (const CoverageItem& item : items_)
    if (item.in_force) out.push_back(&item);
  std::stable_sort(out.begin(), out.end(), [](const CoverageItem* a, const CoverageItem* b) {
    return std::tie(a->file, a->line, a->column) < std::tie(b->file, b->line, b->column);
  });
  return out;
}

std::vector<FileCoverage> Coverage::summary() const {
  std::vector<FileCoverage> out;
  FileCoverage total{"total"};
  for (const CoverageItem* item : items()) {
    if (out.empty() || out.back().file != item->file) out.push_back(FileCoverage{item->file});
    if (!item->counted()) continue;
    for (FileCoverage* f : {&out.back(), &total}) {
      f->conditions += 1;
      f->directions += static_cast<std::size_t>(item->counts.directions());
    }
  }
  out.push_back(total);
  return out;
}

std::string render_coverage(const Coverage& coverage) {
  std::string out = "coverage: tests that made each rule and condition true / false / unknown\n";
  std::string file;
  std::vector<const CoverageItem*> gaps, not_captured;
  for (const CoverageItem* item : coverage.items()) {
    if (item->not_captured) not_captured.push_back(item);
    if (item->file != file) {
      file = item->file;
      out += file + "\n";
    }
    const Counts& c = item->counts;
    std::string where = fmt::format("{}:{}", item->line, item->column);
    if (item->kind == CoverageItem::Kind::rule) {
      out += fmt::format("  {:>7}  {}: applied {}, not applied {}, unknown {}\n", where, describe(*item), c.yes, c.no,
                         c.unknown);
    } else {
      out += fmt::format("  {:>7}    {}: {} / {} / {}\n", where, describe(*item), c.yes, c.no, c.unknown);
    }
    if (item->gap()) gaps.push_back(item);
  }
  if (!gaps.empty()) {
    out += fmt::format("not made both true and false ({}):\n", gaps.size());
    for (const CoverageItem* g : gaps)
      out += fmt::format("  {}:{}:{}: {}: {}\n", g->file, g->line, g->column, describe(*g), gap_text(*g));
  }
  if (!not_captured.empty()) {
    out += fmt::format("not captured (rules tagged `not_captured`; not counted) ({}):\n", not_captured.size());
    for (const CoverageItem* g : not_captured) {
      const Counts& c = g->counts;
      out += fmt::format("  {}:{}:{}: {}: {} / {} / {}\n", g->file, g->line, g->column, describe(*g), c.yes, c.no,
                         c.unknown);
    }
  }
  out += "criterion coverage (directions: true and false of each `when` and criterion):\n";
  std::vector<FileCoverage> files = coverage.summary();
  std::size_t width = 0;
  for (const FileCoverage& f : files) width = std::max(width, f.file.size());
  for (const FileCoverage& f : files)
    out += fmt::format("  {:<{}}  {:5.1f}%  ({} of {} directions)\n", f.file, width, shown_percent(f), f.directions,
                       2 * f.conditions);
  return out;
}

std::vector<std::string> below_minimum(const Coverage& coverage, double min_percent) {
  std::vector<std::string> out;
  for (const FileCoverage& f : coverage.summary()) {
    if (f.percent() < min_percent)
      out.push_back(fmt::format("criterion coverage of {} is {:.1f}%, below --coverage-min {}", f.file,
                                shown_percent(f), min_percent));
  }
  return out;
}

}  // namespace covcheck::cli

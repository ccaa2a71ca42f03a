// Building the checklist (see checklist.hpp) from the decider's state and recorded traces.
#include "engine/eval/checklist.hpp"

#include <unordered_set>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "engine/eval/explain.hpp"

namespace covcheck::engine {

namespace {

using dsl::RuleKind;
using Req = dsl::ast::Requirement::Kind;

// Facts one criterion's `missing` names at most (200,000 undecided treatments wait for
// 200,000 facts; the answer's own `missing` has them all).
constexpr std::size_t checklist_missing_limit = 100;

const char* status_of(Truth t) { return t == Truth::yes ? "met" : t == Truth::no ? "not_met" : "unknown"; }
const char* truth_name(Truth t) { return t == Truth::yes ? "true" : t == Truth::no ? "false" : "unknown"; }

// Whether `out` already names `path` from `first` on: a criterion reads a few facts, so a
// scan; past a few dozen (every element of a long list shown, `--trace-elements all`) a set.
class SeenPaths {
 public:
  SeenPaths(const std::vector<Evidence>& out, std::size_t first) : out_(out), first_(first) {}
  // True when `path` is new (the caller then appends it to `out`).
  bool insert(const std::string& path) {
    constexpr std::size_t scanned = 32;
    if (out_.size() - first_ <= scanned) {
      for (std::size_t k = first_; k < out_.size(); ++k)
        if (out_[k].field == path) return false;
      if (out_.size() - first_ == scanned)
        for (std::size_t k = first_; k < out_.size(); ++k) set_.insert(out_[k].field);
      if (out_.size() - first_ < scanned) return true;
    }
    return set_.insert(path).second;
  }

 private:
  const std::vector<Evidence>& out_;
  std::size_t first_;
  std::unordered_set<std::string> set_;
};

// The facts a criterion read with their values: each fact once, absent ones left to `missing`.
void evidence(ExprEvaluator& ev, const ChecklistWords& words, const Case& c, const TraceLog& log, std::uint32_t at,
              std::vector<Evidence>& out) {
  if (at == no_entry) return;
  SeenPaths seen(out, out.size());
  std::string path;
  for (std::uint32_t i = at; i < log.entries[at].end; ++i) {
    const TraceEntry& e = log.entries[i];
    if (e.element || e.absent || !e.value.known() || e.value.kind == Kind::record) continue;
    // A derived fact that came out records no fact: name it by its path when it has one.
    path.clear();
    if (e.fact != TraceEntry::Fact::none) ev.append_fact_path(path, log, i);
    else if (e.op < words.op_paths.size()) path = words.op_paths[e.op];
    if (path.empty() || !seen.insert(path)) continue;
    std::string value = ev.render_value(e.value, ev.program().ops[e.op].enum_ref);
    if (e.value.kind == Kind::list) {
      // A list of codes or strings shows its items (`[J0013, G2082]`), a list of records its size.
      const CaseList& l = c.lists[e.value.index];
      std::string items;
      bool scalars = true;
      for (std::uint32_t k = 0; k < l.count && scalars; ++k) {
        const Value& item = c.items[l.first + k];
        scalars = item.kind == Kind::code || item.kind == Kind::string;
        if (scalars) {
          if (!items.empty()) items += ", ";
          items += ev.str(item);
        }
      }
      if (scalars && l.count > 0) value = "[" + items + "]";
    }
    out.push_back({path, std::move(value)});
  }
}

}  // namespace

std::string rule_section(const Program& p, const CompiledRule& rule) {
  const dsl::Schema& schema = p.schema();
  auto sections = schema.find_enum("section");
  if (!sections || schema.enums[*sections].members.empty()) return "clinical";
  const dsl::EnumType& en = schema.enums[*sections];
  for (const dsl::ast::Ident& tag : rule.source->tags)
    if (en.find(tag.text)) return tag.text;
  return en.members[0];
}

void build_checklist(Decider& dec, const Case& c, Determination& d) {
  const Program& p = dec.program();
  const ChecklistWords& words = dec.checklist_words();
  const std::uint32_t documents = p.checked->documents_field.value_or(0);
  for (std::uint32_t r = 0; r < p.rules.size(); ++r) {
    const RuleState& s = dec.rule(r);
    const CompiledRule& rule = p.rules[r];
    if (!s.active) continue;
    const bool coverage = rule.kind == RuleKind::coverage;
    const bool restriction = rule.kind == RuleKind::restriction;
    if (!coverage && !restriction) continue;
    const Truth applies = s.applies_done ? s.applies : dec.when_of(r);
    if (coverage && applies == Truth::no) continue;  // a path that cannot apply is no path
    // A restriction without criteria that does not apply (a detector of one problem, like a
    // coding error) has nothing to list; one with criteria lists them as not applicable.
    if (applies == Truth::no && rule.criteria.empty()) continue;
    const ChecklistWords::Rule& rule_words = words.rules[r];
    ChecklistEntry& entry = d.checklist.emplace_back();
    entry.section = rule_words.section;
    entry.rule = rule.checked->display_id;
    entry.title = rule_words.title;
    entry.cite = rule.source->cite;
    entry.applies = truth_name(applies);
    entry.criteria.reserve(rule.criteria.size());
    for (std::size_t i = 0; i < rule.criteria.size(); ++i) {
      const Criterion& cr = rule.criteria[i];
      const ChecklistWords::Criterion& criterion_words = words.criteria[rule_words.first + i];
      ChecklistCriterion& item = entry.criteria.emplace_back();
      item.cite = cr.source->cite;
      if (!s.evaluated || applies == Truth::no) {
        item.status = "not_applicable";
        item.text = criterion_words.not_applicable;
        continue;
      }
      if (!dec.criterion_in_force(r, i)) {  // a dated criterion outside its range: not applied
        item.status = "not_applicable";
        item.text =
            fmt::format("{}: not in force on {}", criterion_words.label, dsl::format_iso_date(*dec.evaluation_date()));
        continue;
      }
      const Truth t = dec.criterion(r, i);
      item.status = status_of(t);
      const std::uint32_t at = dec.criterion_entry(r, i);
      if (cr.kind == Req::document) {
        const Value& docs = c.field(0, documents);
        std::string path = c.field_path(p.schema(), 0, documents);
        if (docs.kind == Kind::list) {
          const CaseList& l = c.lists[docs.index];
          const auto& members = p.schema().enums[*p.checked->document_enum].members;
          std::string listed = "[";
          for (std::uint32_t k = 0; k < l.count; ++k) {
            if (k > 0) listed += ", ";
            listed += members.at(c.items[l.first + k].index);
          }
          listed += ']';
          item.evidence.push_back({std::move(path), std::move(listed)});
        } else {
          item.missing.push_back(std::move(path));
        }
      } else {
        evidence(dec.expr(), words, c, dec.trace_log(), at, item.evidence);
        if (t == Truth::unknown) {
          std::unordered_set<std::string> seen;
          // Bounded like the trace: the answer's `missing` lists every fact, once.
          collect_missing(dec.expr(), dec.trace_log(), at, [&](const std::string& f) {
            if (item.missing.size() < checklist_missing_limit && seen.insert(f).second) item.missing.push_back(f);
          });
        }
      }
      if (t == Truth::yes) {
        item.text = criterion_words.met;
      } else {
        std::string detail = criterion_detail(dec.expr(), c, rule, i, t, dec.trace_log(), at);
        item.text = detail.empty()
                        ? fmt::format("{}: {}", criterion_words.label, t == Truth::no ? "not met" : "not yet decided")
                        : fmt::format("{}: {}", criterion_words.label, detail);
      }
    }
  }
}

}  // namespace covcheck::engine

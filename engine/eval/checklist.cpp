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

// The facts a criterion read with their values: each fact once, absent ones left to `missing`.
void evidence(ExprEvaluator& ev, const Case& c, const TraceLog& log, std::uint32_t at, std::vector<Evidence>& out) {
  if (at == no_entry) return;
  std::unordered_set<std::string> seen;
  for (std::uint32_t i = at; i < log.entries[at].end; ++i) {
    const TraceEntry& e = log.entries[i];
    if (e.element || e.absent || !e.value.known() || e.value.kind == Kind::record) continue;
    // A derived fact that came out records no fact: name it by its path when it has one.
    std::string path = e.fact != TraceEntry::Fact::none ? ev.fact_path(log, i) : op_fact_path(ev.program(), e.op);
    if (path.empty() || !seen.insert(path).second) continue;
    std::string value = ev.render_value(e.value, ev.program().ops[e.op].enum_ref);
    if (e.value.kind == Kind::list) {
      // A list of codes or strings shows its items (`[J0013, G2082]`), a list of records its size.
      const CaseList& l = c.lists[e.value.index];
      std::string items;
      bool scalars = true;
      for (std::uint32_t k = 0; k < l.count && scalars; ++k) {
        const Value& item = c.items[l.first + k];
        scalars = item.kind == Kind::code || item.kind == Kind::string;
        if (scalars) items += (items.empty() ? "" : ", ") + std::string(ev.str(item));
      }
      if (scalars && l.count > 0) value = "[" + items + "]";
    }
    out.push_back({std::move(path), std::move(value)});
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
    ChecklistEntry entry;
    entry.section = rule_section(p, rule);
    entry.rule = rule.checked->display_id;
    entry.title = rule.source->title.value_or(rule.checked->display_id);
    entry.cite = rule.source->cite;
    entry.applies = truth_name(applies);
    for (std::size_t i = 0; i < rule.criteria.size(); ++i) {
      const Criterion& cr = rule.criteria[i];
      ChecklistCriterion item;
      item.cite = cr.source->cite;
      std::string label = criterion_label(p, rule, i);
      // An `else` message words the failure ("filed more than 90 days after …"): a rule's
      // only criterion, when met or not applicable, is named by the rule's title, which
      // words the requirement.
      const bool title_words = rule.criteria.size() == 1 && rule.source->title;
      if (!s.evaluated || applies == Truth::no) {
        if (title_words) label = *rule.source->title;
        item.status = "not_applicable";
        item.text = fmt::format("{}: does not apply", label);
        entry.criteria.push_back(std::move(item));
        continue;
      }
      if (!dec.criterion_in_force(r, i)) {  // a dated criterion outside its range: not applied
        item.status = "not_applicable";
        item.text = fmt::format("{}: not in force on {}", label, dsl::format_iso_date(*dec.evaluation_date()));
        entry.criteria.push_back(std::move(item));
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
          std::string listed;
          for (std::uint32_t k = 0; k < l.count; ++k)
            listed += (listed.empty() ? "" : ", ") + members.at(c.items[l.first + k].index);
          item.evidence.push_back({path, "[" + listed + "]"});
        } else {
          item.missing.push_back(path);
        }
      } else {
        evidence(dec.expr(), c, dec.trace_log(), at, item.evidence);
        if (t == Truth::unknown) {
          std::unordered_set<std::string> seen;
          // Bounded like the trace: the answer's `missing` lists every fact, once.
          collect_missing(dec.expr(), dec.trace_log(), at, [&](const std::string& f) {
            if (item.missing.size() < checklist_missing_limit && seen.insert(f).second) item.missing.push_back(f);
          });
        }
      }
      if (t == Truth::yes) {
        if (title_words) label = *rule.source->title;
        item.text = fmt::format("{}: met", label);
      } else {
        std::string detail = criterion_detail(dec.expr(), c, rule, i, t, dec.trace_log(), at);
        item.text = detail.empty() ? fmt::format("{}: {}", label, t == Truth::no ? "not met" : "not yet decided")
                                   : fmt::format("{}: {}", label, detail);
      }
      entry.criteria.push_back(std::move(item));
    }
    d.checklist.push_back(std::move(entry));
  }
}

}  // namespace covcheck::engine

// Deciding one case: the shared Decider (decider.cpp) settles the decision, then its state
// becomes the Determination a clinic reads: reasons, missing facts, next steps, advice, trace.
#include "engine/eval/evaluate.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "engine/eval/checklist.hpp"
#include "engine/eval/decider.hpp"
#include "engine/eval/explain.hpp"
#include "engine/eval/expr_eval.hpp"

namespace covcheck::engine {

const char* decision_name(Decision d) {
  switch (d) {
    case Decision::covered: return "covered";
    case Decision::pend: return "pend";
    case Decision::denied: return "denied";
    case Decision::excluded: return "excluded";
  }
  return "pend";
}

namespace {

using dsl::RuleKind;
using Req = dsl::ast::Requirement::Kind;

const char* truth_name(Truth t) { return t == Truth::yes ? "true" : t == Truth::no ? "false" : "unknown"; }

std::string range_text(const std::optional<dsl::ast::DateRange>& r) {
  if (!r) return "always";
  return fmt::format("{} .. {}", r->from ? dsl::format_iso_date(*r->from) : "",
                     r->to ? dsl::format_iso_date(*r->to) : "");
}

// Turns the decider's state into the Determination: reasons with messages, prior
// authorization, requirements and grants, missing facts, next steps, advice and the trace.
class DeterminationBuilder {
 public:
  DeterminationBuilder(Decider& decider, const Case& c, const EvaluationOptions& o)
      : dec_(decider), p_(decider.program()), rs_(*p_.checked), c_(c), options_(o) {}
  Evaluation run();

 private:
  void policies();
  void benefit();
  void reasons();
  void requirements_and_grants();
  void missing();
  void next_steps();
  void add_step(std::string step, const std::optional<std::string>& criterion_cite,
                const std::optional<std::string>& rule_cite);
  void advice();
  void trace();

  Decider& dec_;
  const Program& p_;
  const dsl::CheckedRuleSet& rs_;
  const Case& c_;
  const EvaluationOptions& options_;
  Determination d_;
};

void DeterminationBuilder::policies() {
  for (std::uint32_t u = 0; u < rs_.units.size(); ++u) {
    if (!dec_.unit_active(u)) continue;
    const dsl::Unit& unit = rs_.units[u];
    d_.policies.push_back(
        {unit.kind == dsl::ast::FileKind::policy ? "policy" : "module", unit.id, unit.version, unit.digest});
  }
  std::stable_sort(d_.policies.begin(), d_.policies.end(),
                   [](const PolicyRef& a, const PolicyRef& b) { return a.kind > b.kind; });
}

void DeterminationBuilder::benefit() {
  const auto& members = rs_.schema.enums[rs_.benefit_enum.value_or(0)].members;
  if (dec_.routed().size() > 1) {
    for (std::uint32_t b : dec_.routed()) d_.benefit_conflict.push_back(members[b]);
    std::sort(d_.benefit_conflict.begin(), d_.benefit_conflict.end());
  } else if (dec_.benefit() != no_member) {
    d_.benefit = members[dec_.benefit()];
  }
}

void DeterminationBuilder::reasons() {
  for (std::uint32_t r : dec_.reasons()) {
    const RuleState& s = dec_.rule(r);
    const CompiledRule& rule = p_.rules[r];
    Reason reason;
    reason.rule = rule.checked->display_id;
    reason.at = rule.source->span;
    reason.cite = rule.source->cite;
    reason.decisive = s.decisive;
    std::string title = rule.source->title.value_or(rule.source->name.text);
    if (s.has_outcome) {
      Decision o = s.lo == s.hi ? s.lo : Decision::pend;
      reason.effect = o == Decision::covered    ? "cover"
                      : o == Decision::denied   ? "deny"
                      : o == Decision::excluded ? "exclude"
                                                : "pend";
      reason.message = title;
      if (rule.direct && rule.source->direct->message) reason.message = rule.source->direct->message->text;
      // Name the criterion that decided: the first failed one, else the first open one.
      for (int pass = 0; pass < 2 && o != Decision::covered && !rule.direct; ++pass) {
        bool found = false;
        for (std::size_t i = 0; i < rule.criteria.size(); ++i) {
          Truth t = dec_.criterion(r, i);
          if ((pass == 0 && t != Truth::no) || (pass == 1 && t != Truth::unknown)) continue;
          const dsl::ast::Requirement& q = *rule.criteria[i].source;
          if (q.else_message) reason.message = q.else_message->text;
          else if (q.kind == Req::document)
            reason.message =
                fmt::format("{} document `{}`", t == Truth::no ? "missing" : "undocumented", q.document->text);
          else
            reason.message = fmt::format("{}: {}", title,
                                         t == Truth::no ? "a criterion is not met" : "a criterion is not yet decided");
          if (q.cite) reason.cite = q.cite;
          found = true;
          break;
        }
        if (found) break;
      }
    } else if (rule.route) {
      reason.effect = "route";
      reason.message = fmt::format("{}: routed to {}", title, rule.source->route->text);
    } else {
      reason.effect = "prior_auth";
      reason.message = title;
    }
    d_.reasons.push_back(std::move(reason));
  }
}

void DeterminationBuilder::requirements_and_grants() {
  const auto& docs = rs_.document_enum ? rs_.schema.enums[*rs_.document_enum].members : std::vector<std::string>{};
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    const RuleState& s = dec_.rule(r);
    const CompiledRule& rule = p_.rules[r];
    if (!s.evaluated || s.applies != Truth::yes) continue;
    for (std::size_t i = 0; i < rule.criteria.size(); ++i) {
      if (rule.criteria[i].kind != Req::document) continue;
      Truth t = dec_.criterion(r, i);
      d_.requirements.push_back({docs.at(rule.criteria[i].document),
                                 t == Truth::yes  ? "present"
                                 : t == Truth::no ? "missing"
                                                  : "unknown",
                                 rule.checked->display_id});
    }
    if (d_.decision == Decision::covered && s.decisive && rule.kind == RuleKind::coverage &&
        !rule.source->grants.empty()) {
      Authorization a;
      for (const auto& g : rule.source->grants) {
        if (g.unit == "days") a.days = g.amount;
        else if (g.unit == "weeks") a.days = g.amount * 7;
        else if (g.unit == "months") a.months = g.amount;
        else a.units = g.amount;
      }
      auto length = [](const Authorization& x) { return x.months.value_or(0) * 31 + x.days.value_or(0); };
      if (!d_.authorization || length(a) > length(*d_.authorization)) d_.authorization = a;
    }
  }
}

void DeterminationBuilder::missing() {
  if (d_.decision != Decision::pend || !dec_.traced()) return;
  std::map<std::string, std::vector<std::string>> by_fact;
  std::vector<std::string> order;
  auto note = [&](const std::string& fact, const std::string& rule) {
    auto [it, inserted] = by_fact.try_emplace(fact);
    if (inserted) order.push_back(fact);
    if (std::find(it->second.begin(), it->second.end(), rule) == it->second.end()) it->second.push_back(rule);
  };
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    const RuleState& s = dec_.rule(r);
    const CompiledRule& rule = p_.rules[r];
    if (!s.active || rule.kind == RuleKind::advice) continue;
    bool matters = s.evaluated && (s.decisive || (rule.route && s.applies == Truth::unknown));
    if (!matters) continue;
    const std::string& id = rule.checked->display_id;
    // Read from the recorded log, not the rendered trace: elements the trace leaves out count too.
    const TraceLog& log = dec_.trace_log();
    if (s.applies == Truth::unknown)
      collect_missing(dec_.expr(), log, dec_.when_entry(r), [&](const std::string& f) { note(f, id); });
    for (std::size_t i = 0; i < rule.criteria.size(); ++i) {
      if (dec_.criterion(r, i) != Truth::unknown) continue;
      if (rule.criteria[i].kind == Req::document) {
        note(c_.field_path(rs_.schema, 0, *rs_.documents_field), id);
      } else {
        collect_missing(dec_.expr(), log, dec_.criterion_entry(r, i), [&](const std::string& f) { note(f, id); });
      }
    }
  }
  for (const std::string& f : order) {
    auto rules = by_fact[f];
    std::sort(rules.begin(), rules.end());
    d_.missing.push_back({f, rules});
  }
}

void DeterminationBuilder::next_steps() {
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    const RuleState& s = dec_.rule(r);
    const CompiledRule& rule = p_.rules[r];
    if (!s.evaluated) continue;
    if (s.decisive && !rule.direct) {
      for (std::size_t i = 0; i < rule.criteria.size(); ++i) {
        Truth t = dec_.criterion(r, i);
        if (t == Truth::yes) continue;
        if (d_.decision != Decision::pend && t == Truth::unknown) continue;
        const dsl::ast::Requirement& q = *rule.criteria[i].source;
        std::string step = next_step_for(dec_.expr(), c_, rule, i, t, dec_.trace_log(), dec_.criterion_entry(r, i));
        if (q.cite) step += fmt::format(" ({})", *q.cite);
        if (std::find(d_.next_steps.begin(), d_.next_steps.end(), step) == d_.next_steps.end())
          add_step(std::move(step), q.cite, rule.source->cite);
      }
    }
    if (s.applies == Truth::yes && rule.kind != RuleKind::advice)
      for (const auto& n : rule.source->next_steps) add_step(n.text, std::nullopt, rule.source->cite);
  }
}

void DeterminationBuilder::add_step(std::string step, const std::optional<std::string>& criterion_cite,
                                    const std::optional<std::string>& rule_cite) {
  d_.next_steps.push_back(std::move(step));
  std::vector<std::string> cites;
  if (criterion_cite) cites.push_back(*criterion_cite);
  if (rule_cite) cites.push_back(*rule_cite);
  auto& sets = d_.next_step_cite_sets;
  auto found = std::find(sets.begin(), sets.end(), cites);
  if (found == sets.end()) found = sets.insert(sets.end(), std::move(cites));
  d_.next_step_cites.push_back(static_cast<std::uint32_t>(found - sets.begin()));
}

void DeterminationBuilder::advice() {
  dec_.run_advice();
  const std::size_t before = d_.next_steps.size();
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    const CompiledRule& rule = p_.rules[r];
    if (rule.kind != RuleKind::advice || !dec_.rule(r).active || dec_.rule(r).applies != Truth::yes) continue;
    for (const auto& n : rule.source->next_steps)
      add_step(rule.source->cite ? fmt::format("{} ({})", n.text, *rule.source->cite) : n.text, std::nullopt,
               rule.source->cite);
    // A warning about the case as a whole (a declared indication the record contradicts): no
    // single field of the case is at fault, so it carries no location.
    for (const auto& w : rule.source->warnings)
      d_.warnings.push_back({{}, rule.source->cite ? fmt::format("{} ({})", w.text, *rule.source->cite) : w.text});
  }
  d_.advice_steps = static_cast<std::uint32_t>(d_.next_steps.size() - before);
}

void DeterminationBuilder::trace() {
  for (std::uint32_t r = 0; r < p_.rules.size(); ++r) {
    const RuleState& s = dec_.rule(r);
    const CompiledRule& rule = p_.rules[r];
    if (!s.active && !(rule.from || rule.to) && !dec_.unit_active(rule.unit))
      continue;  // versions and modules not in force
    RuleTrace t;
    t.rule = rule.checked->display_id;
    t.title = rule.source->title.value_or("");
    t.span = rule.source->span;
    switch (rule.kind) {
      case RuleKind::coverage: t.kind = "coverage"; break;
      case RuleKind::restriction: t.kind = "restriction"; break;
      case RuleKind::advice: t.kind = "advice"; break;
      case RuleKind::effect: t.kind = rule.route ? "route" : "effect"; break;
    }
    t.in_force = s.active;
    t.applied = s.active ? truth_name(s.applies_done ? s.applies : dec_.when_of(r)) : "false";
    t.when = dec_.when_trace(r);
    for (std::uint32_t o : rule.overridden_by) {
      const RuleState& other = dec_.rule(o);
      if (other.active && other.applies_done && other.applies != Truth::no && s.when != Truth::no)
        t.overridden_by.push_back(p_.rules[o].checked->display_id);
    }
    for (std::uint32_t target : rule.checked->overrides)
      if (dec_.rule(target).active && s.applies == Truth::yes && dec_.rule(target).when != Truth::no)
        t.overrides.push_back(p_.rules[target].checked->display_id);
    if (!s.active) t.outcome = "not in force";
    else if (!s.evaluated || s.applies == Truth::no) t.outcome = "none";
    else if (rule.kind == RuleKind::advice) t.outcome = "advice";
    else if (s.has_outcome)
      t.outcome =
          s.lo == s.hi ? decision_name(s.lo) : fmt::format("{} or {}", decision_name(s.lo), decision_name(s.hi));
    else if (rule.route) t.outcome = "route " + rule.source->route->text;
    else t.outcome = rule.prior_auth ? "prior_auth" : "none";
    if (s.evaluated && rule.kind != RuleKind::advice) {
      for (std::size_t i = 0; i < rule.criteria.size(); ++i) {
        const dsl::ast::Requirement& q = *rule.criteria[i].source;
        Truth result = dec_.criterion(r, i);
        CriterionTrace ct;
        ct.kind = q.kind == Req::document ? "document" : "criterion";
        ct.span = q.span;
        ct.cite = q.cite;
        if (q.kind == Req::document) {
          ct.text = q.document->text;
          ct.result = result == Truth::yes ? "present" : result == Truth::no ? "missing" : "unknown";
        } else {
          ct.text = std::string(dec_.expr().text(rule.criteria[i].op));
          ct.result = truth_name(result);
          ct.detail = dec_.criterion_trace(r, i);
        }
        t.criteria.push_back(std::move(ct));
      }
    }
    if (rule.prior_auth && s.evaluated) {
      CriterionTrace ct;
      ct.kind = "prior_auth";
      ct.text = "prior authorization required";
      ct.result = "true";
      t.criteria.push_back(std::move(ct));
    }
    d_.trace.push_back(std::move(t));
  }
}

Evaluation DeterminationBuilder::run() {
  Evaluation out;
  d_.case_id = c_.id;
  // `missing` and undecided next steps read the conditions' traces: when they were not
  // recorded and the case pends, decide again recording them (pending cases only).
  bool record = options_.trace || options_.checklist;
  DecideStatus status = dec_.decide(c_, options_.as_of, record);
  if (status == DecideStatus::decided && !record && options_.explain && dec_.decision() == Decision::pend)
    status = dec_.decide(c_, options_.as_of, true);
  if (status == DecideStatus::undated) {
    d_.decision = Decision::pend;
    d_.basis = std::nullopt;
    d_.prior_auth = std::nullopt;
    d_.missing.push_back({"date_of_service", {}});
    add_step("State the date of service: the policies in force depend on it", std::nullopt, std::nullopt);
    out.determination = std::move(d_);
    return out;
  }
  if (status != DecideStatus::decided) {
    std::string loaded;
    for (const dsl::Unit& unit : rs_.units)
      if (unit.kind == dsl::ast::FileKind::policy)
        loaded +=
            fmt::format("{}{} {} ({})", loaded.empty() ? "" : ", ", unit.id, unit.version, range_text(unit.effective));
    auto date = dec_.evaluation_date();
    std::string when = date ? dsl::format_iso_date(*date) : "an undated case";
    dsl::Diagnostic& diag =
        status == DecideStatus::no_policy
            ? out.errors.error("eval.no_policy_in_force", {}, fmt::format("no policy in force on {}", when))
            : out.errors.error("eval.several_policies_in_force", {},
                               fmt::format("{} policies in force on {}", dec_.policies_in_force(), when));
    diag.notes.push_back({std::nullopt, fmt::format("loaded: {}", loaded.empty() ? "no policy" : loaded)});
    if (c_.id) diag.notes.push_back({std::nullopt, fmt::format("case `{}`", *c_.id)});
    return out;
  }
  d_.decision = dec_.decision();
  if (dec_.lowest() != dec_.highest()) d_.at_stake = {dec_.lowest(), dec_.highest()};
  d_.basis = dec_.basis_rules() ? "rules" : "default";
  d_.prior_auth = dec_.prior_auth();
  policies();
  benefit();
  reasons();
  requirements_and_grants();
  missing();
  next_steps();
  advice();
  if (options_.checklist) build_checklist(dec_, c_, d_);
  if (options_.trace) trace();
  for (const std::string& w : dec_.warnings()) {
    // A condition read twice (a define, an explanation) warns once.
    bool seen =
        std::any_of(d_.warnings.begin(), d_.warnings.end(), [&](const CaseWarning& x) { return x.message == w; });
    if (!seen) d_.warnings.push_back({{}, w});
  }
  out.determination = std::move(d_);
  return out;
}

}  // namespace

Evaluation evaluate(const Program& program, const Case& c, const EvaluationOptions& options) {
  Decider decider(program);
  return evaluate(decider, c, options);
}

Evaluation evaluate(Decider& decider, const Case& c, const EvaluationOptions& options) {
  decider.set_sources(options.sources);
  decider.set_trace_elements(options.trace_elements);
  return DeterminationBuilder(decider, c, options).run();
}

std::optional<std::uint32_t> parse_trace_elements(std::string_view text) {
  if (text == "all") return every_trace_element;
  std::uint32_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

void validate_case(const Program& program, const Case& c, dsl::Diagnostics& diagnostics) {
  if (program.checks.empty() || c.records.empty()) return;
  EvalContext ctx;
  ExprEvaluator expr(program, c, ctx);
  const dsl::Schema& schema = program.schema();
  // One diagnostic per value: a score both negative and outside its scale is reported by the
  // first check that names it (the schema declares the most telling first).
  std::vector<dsl::SourceSpan> reported;
  for (std::uint32_t r = 0; r < c.records.size(); ++r) {
    for (const SchemaCheck& check : program.checks) {
      if (check.record != c.records[r].type) continue;
      expr.set_self_record(r);
      // A check whose guard is false or unknown does not apply; one over a value that is
      // unknown (absent, or refused by the loader) is unknown, never false: it is skipped.
      if (check.guard != no_op && expr.test(check.guard) != Truth::yes) continue;
      // Checks pass for nearly every case: only a failing one is evaluated again with its
      // trace, to name the fact it read.
      if (expr.test(check.op) != Truth::no) continue;
      TraceNode root;
      Value v = expr.eval_traced(check.op, root);
      if (truth_of(v) != Truth::no) continue;
      // Point at the first case fact the condition read.
      const TraceNode* fact = nullptr;
      std::function<void(const TraceNode&)> first_fact = [&](const TraceNode& n) {
        if (fact) return;
        if (!n.fact.empty()) fact = &n;
        for (const auto& ch : n.children) first_fact(ch);
      };
      first_fact(root);
      // The fact may sit in a nested record (`patient.birth_date` checked at the root).
      dsl::SourceSpan at = {};
      for (std::uint32_t rr = 0; rr < c.records.size() && fact && at.file == dsl::no_file; ++rr) {
        const auto& fields = schema.records[c.records[rr].type].fields;
        for (std::uint32_t f = 0; f < fields.size(); ++f) {
          if (c.field_path(schema, rr, f) == fact->fact) at = c.slot_spans[c.records[rr].first_slot + f];
        }
      }
      if (at.file != dsl::no_file) {
        if (std::find(reported.begin(), reported.end(), at) != reported.end()) continue;
        reported.push_back(at);
      }
      std::string message = check.decl ? check.decl->message : "validation failed";
      for (std::size_t p = message.find("{value}"); p != std::string::npos; p = message.find("{value}", p)) {
        std::string value = fact ? fact->value : "unknown";
        message.replace(p, 7, value);
        p += value.size();
      }
      std::string field = fact ? fact->fact : c.record_path(schema, r);
      std::string text = fmt::format("{}: {}", field, message);
      dsl::Diagnostic& d = check.decl && check.decl->warning ? diagnostics.warning("case.check", at, std::move(text))
                                                             : diagnostics.error("case.check", at, std::move(text));
      if (!field.empty()) d.field = std::move(field);
    }
  }
}

}  // namespace covcheck::engine

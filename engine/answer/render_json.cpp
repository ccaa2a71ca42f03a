// The JSON determination of the brief's CLI contract; key order is part of the contract.
#include <charconv>
#include <string>

#include "engine/answer/json_writer.hpp"
#include "engine/answer/render.hpp"
#include "engine/answer/render_common.hpp"

namespace covcheck::engine {

namespace {

using render_detail::located;

class JsonRenderer {
 public:
  JsonRenderer(const dsl::SourceRegistry& sources, bool pretty, std::string& out)
      : sources_(sources), out_(out), w_(pretty, out) {}

  // Appends the object and a newline to the output.
  void render(const Determination& d, bool with_trace) {
    w_.begin_object();
    w_.member("case", d.case_id);
    if (d.payer) w_.member("payer", *d.payer);
    w_.member("decision", decision_name(d.decision));
    w_.member("basis", d.basis);
    w_.member("prior_auth", d.prior_auth);
    w_.member("benefit", d.benefit);
    if (!d.benefit_conflict.empty()) strings("benefit_conflict", d.benefit_conflict);
    if (d.authorization) authorization(*d.authorization);
    if (d.decision == Decision::pend && !d.at_stake.empty()) {
      w_.key("at_stake").begin_array();
      for (Decision s : d.at_stake) w_.value(decision_name(s));
      w_.end_array();
    }
    policies(d);
    reasons(d);
    missing(d);
    requirements(d);
    strings("next_steps", d.next_steps);
    checklist(d);
    warnings(d);
    if (with_trace) trace(d);
    w_.end_object();
    out_ += '\n';
  }

 private:
  // `file:line:col`, as SourceRegistry::describe() spells it, without a string per span.
  void at(std::string_view name, dsl::SourceSpan span) {
    w_.key(name);
    if (!located(span, sources_)) {
      w_.null();
      return;
    }
    const dsl::SourceFile& f = sources_.file(span.file);
    dsl::LineColumn lc = f.location(span.begin);
    location_.assign(f.name());
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, lc.line);
    location_ += ':';
    location_.append(buf, end);
    auto [end2, ec2] = std::to_chars(buf, buf + sizeof buf, lc.column);
    location_ += ':';
    location_.append(buf, end2);
    w_.value(location_);
  }

  void strings(std::string_view name, const std::vector<std::string>& items) {
    w_.key(name).begin_array();
    for (const std::string& s : items) w_.value(s);
    w_.end_array();
  }

  void authorization(const Authorization& a) {
    w_.key("authorization").begin_object();
    auto amount = [&](const char* key, const std::optional<std::int64_t>& v, bool unknown) {
      if (v) w_.member(key, *v);
      else if (unknown) w_.key(key).null();
    };
    amount("days", a.days, a.days_unknown);
    amount("months", a.months, a.months_unknown);
    amount("units", a.units, a.units_unknown);
    w_.end_object();
  }

  void policies(const Determination& d) {
    w_.key("policies").begin_array();
    for (const PolicyRef& p : d.policies) {
      w_.begin_object();
      w_.member("name", p.name).member("version", p.version).member("digest", p.digest).member("kind", p.kind);
      w_.end_object();
    }
    w_.end_array();
  }

  void reasons(const Determination& d) {
    w_.key("reasons").begin_array();
    for (const Reason& r : d.reasons) {
      w_.begin_object();
      w_.member("rule", r.rule).member("effect", r.effect).member("message", r.message);
      w_.member("decisive", r.decisive);
      if (r.cite) w_.member("cite", *r.cite);
      at("at", r.at);
      w_.end_object();
    }
    w_.end_array();
  }

  void missing(const Determination& d) {
    w_.key("missing").begin_array();
    for (const MissingFact& m : d.missing) {
      w_.begin_object();
      w_.member("fact", m.fact);
      strings("rules", m.rules);
      w_.end_object();
    }
    w_.end_array();
  }

  void requirements(const Determination& d) {
    w_.key("requirements").begin_array();
    for (const RequirementStatus& r : d.requirements) {
      w_.begin_object();
      w_.member("item", r.item).member("status", r.status).member("rule", r.rule);
      w_.end_object();
    }
    w_.end_array();
  }

  void checklist(const Determination& d) {
    w_.key("checklist").begin_array();
    for (const ChecklistEntry& e : d.checklist) {
      w_.begin_object();
      w_.member("section", e.section).member("rule", e.rule).member("title", e.title).member("cite", e.cite);
      w_.key("applies");
      if (e.applies == "unknown") w_.null();
      else w_.value(e.applies == "true");
      w_.key("criteria").begin_array();
      for (const ChecklistCriterion& c : e.criteria) {
        w_.begin_object();
        w_.member("cite", c.cite).member("text", c.text).member("status", c.status);
        w_.key("evidence").begin_array();
        for (const Evidence& ev : c.evidence) {
          w_.begin_object();
          w_.member("field", ev.field).member("value", ev.value);
          w_.end_object();
        }
        w_.end_array();
        strings("missing", c.missing);
        w_.end_object();
      }
      w_.end_array();
      w_.end_object();
    }
    w_.end_array();
  }

  void warnings(const Determination& d) {
    w_.key("warnings").begin_array();
    for (const CaseWarning& cw : d.warnings) {
      w_.begin_object();
      at("at", cw.at);
      w_.member("message", cw.message);
      w_.end_object();
    }
    w_.end_array();
  }

  void node(const TraceNode& n) {
    w_.begin_object();
    w_.member("expr", render_detail::source_text(n.expr, n.span, sources_));
    at("at", n.span);
    w_.member("value", n.value);
    if (!n.note.empty()) w_.member("note", n.note);
    if (!n.fact.empty()) w_.member("fact", n.fact);
    if (!n.children.empty()) {
      w_.key("children").begin_array();
      for (const TraceNode& c : n.children) node(c);
      w_.end_array();
    }
    if (n.omitted) omitted(*n.omitted);
    w_.end_object();
  }

  // A quantifier's elements left out of the trace: how many, by outcome, and the
  // sub-expression each outcome's elements share (docs/trace.md).
  void omitted(const OmittedElements& o) {
    w_.key("omitted").begin_object();
    w_.member("elements", static_cast<std::int64_t>(o.count));
    for (const OmittedElements::Group& g : o.groups) w_.member(g.outcome, static_cast<std::int64_t>(g.count));
    w_.key("reasons").begin_array();
    for (const OmittedElements::Group& g : o.groups) {
      if (!g.reason) continue;
      w_.begin_object();
      w_.member("outcome", g.outcome);
      w_.member("expr", render_detail::source_text(g.reason->expr, g.reason->span, sources_));
      w_.member("value", g.reason->value);
      at("at", g.reason->span);
      w_.end_object();
    }
    w_.end_array();
    w_.end_object();
  }

  void trace(const Determination& d) {
    w_.key("trace").begin_array();
    for (const RuleTrace& r : d.trace) {
      w_.begin_object();
      w_.member("rule", r.rule).member("title", r.title);
      at("at", r.span);
      w_.member("kind", r.kind).member("in_force", r.in_force).member("applied", r.applied);
      if (!r.overridden_by.empty()) strings("overridden_by", r.overridden_by);
      if (!r.overrides.empty()) strings("overrides", r.overrides);
      w_.member("outcome", r.outcome);
      if (r.when) {
        w_.key("when");
        node(*r.when);
      }
      w_.key("criteria").begin_array();
      for (const CriterionTrace& c : r.criteria) {
        w_.begin_object();
        w_.member("kind", c.kind).member("text", render_detail::source_text(c.text, c.span, sources_));
        at("at", c.span);
        if (c.cite) w_.member("cite", *c.cite);
        w_.member("result", c.result);
        if (c.detail) {
          w_.key("detail");
          node(*c.detail);
        }
        w_.end_object();
      }
      w_.end_array();
      w_.end_object();
    }
    w_.end_array();
  }

  const dsl::SourceRegistry& sources_;
  std::string& out_;
  JsonWriter w_;
  std::string location_;  // scratch for at()
};

}  // namespace

std::string render_json(const Determination& d, const dsl::SourceRegistry& sources, bool with_trace) {
  std::string out;
  JsonRenderer(sources, true, out).render(d, with_trace);
  return out;
}

std::string render_json_line(const Determination& d, const dsl::SourceRegistry& sources, bool with_trace) {
  std::string out;
  render_json_line(d, sources, with_trace, out);
  return out;
}

void render_json_line(const Determination& d, const dsl::SourceRegistry& sources, bool with_trace, std::string& out) {
  JsonRenderer(sources, false, out).render(d, with_trace);
}

}  // namespace covcheck::engine

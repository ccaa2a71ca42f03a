// Compiler-style text: the decision in one line, then reasons with `file:line:col`, missing
// facts, requirements, next steps, warnings and the trace. Pinned by golden files.
#include <string>

#include <fmt/format.h>

#include "dsl/source/one_line.hpp"
#include "engine/answer/render.hpp"
#include "engine/answer/render_common.hpp"

namespace covcheck::engine {

namespace {

using dsl::one_line;

using render_detail::located;
using render_detail::source_text;

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// `sha256:1a2b3c4d5e6f…`: enough to tell versions apart; JSON carries the full digest.
std::string short_digest(const std::string& digest) {
  constexpr std::size_t keep = std::string_view("sha256:").size() + 12;
  return digest.size() > keep ? digest.substr(0, keep) + "\u2026" : digest;
}

class TextRenderer {
 public:
  explicit TextRenderer(const dsl::SourceRegistry& sources) : sources_(sources) {}

  std::string render(const Determination& d, bool with_trace) {
    headline(d);
    policies(d);
    checklist(d);
    if (!d.reasons.empty()) {
      out_ += "reasons:\n";
      for (const Reason& r : d.reasons) {
        out_ +=
            fmt::format("  {}: {}{} {}: {}", where(r.at), r.effect, r.decisive ? " [decisive]" : "", r.rule, r.message);
        if (r.cite) out_ += fmt::format(" ({})", *r.cite);
        out_ += '\n';
      }
    }
    if (!d.missing.empty()) {
      out_ += "missing:\n";
      for (const MissingFact& m : d.missing) {
        out_ += fmt::format("  {}", m.fact);
        if (!m.rules.empty()) out_ += fmt::format(" (needed by {})", join(m.rules, ", "));
        out_ += '\n';
      }
    }
    if (!d.requirements.empty()) {
      out_ += "requirements:\n";
      for (const RequirementStatus& r : d.requirements)
        out_ += fmt::format("  {}: {} ({})\n", r.item, r.status, r.rule);
    }
    if (!d.next_steps.empty()) {
      out_ += "next steps:\n";
      for (const std::string& s : d.next_steps) out_ += fmt::format("  - {}\n", s);
    }
    if (!d.warnings.empty()) {
      out_ += "warnings:\n";
      // A warning about the case as a whole (an advice rule's) has no place in it to name.
      for (const CaseWarning& w : d.warnings)
        out_ += located(w.at, sources_) ? fmt::format("  {}: {}\n", where(w.at), w.message)
                                        : fmt::format("  - {}\n", w.message);
    }
    if (with_trace && !d.trace.empty()) {
      out_ += "trace:\n";
      for (const RuleTrace& r : d.trace) rule(r);
    }
    return std::move(out_);
  }

 private:
  std::string where(dsl::SourceSpan span) const {
    return located(span, sources_) ? sources_.describe(span) : std::string("<no location>");
  }

  void headline(const Determination& d) {
    out_ +=
        fmt::format("case {}: {}", d.case_id ? *d.case_id : std::string("(no id)"), upper(decision_name(d.decision)));
    std::string detail = fmt::format("{}basis: {}", d.payer ? "payer: " + *d.payer + "; " : std::string(),
                                     d.basis ? *d.basis : std::string("none"));
    if (d.decision == Decision::pend && !d.at_stake.empty()) {
      std::vector<std::string> stake;
      for (Decision s : d.at_stake) stake.emplace_back(decision_name(s));
      detail += fmt::format("; undecided between {}", join(stake, " and "));
    }
    out_ += fmt::format(" ({})", detail);
    const char* pa = !d.prior_auth ? "unknown" : *d.prior_auth ? "required" : "not required";
    out_ += fmt::format(" \u2014 prior authorization: {}", pa);
    if (!d.benefit_conflict.empty()) {
      out_ += fmt::format(" \u2014 benefit: conflict ({})", join(d.benefit_conflict, ", "));
    } else {
      out_ += fmt::format(" \u2014 benefit: {}", d.benefit ? *d.benefit : std::string("none"));
    }
    out_ += '\n';
  }

  void policies(const Determination& d) {
    if (!d.policies.empty()) {
      std::vector<std::string> parts;
      for (const PolicyRef& p : d.policies) {
        std::string s = fmt::format("{} {}", p.kind, p.name);
        if (!p.version.empty()) s += " " + p.version;
        if (!p.digest.empty()) s += fmt::format(" ({})", short_digest(p.digest));
        parts.push_back(std::move(s));
      }
      out_ += join(parts, ", ") + "\n";
    }
    if (d.authorization) {
      std::vector<std::string> parts;
      if (d.authorization->days) parts.push_back(fmt::format("{} days", *d.authorization->days));
      if (d.authorization->months) parts.push_back(fmt::format("{} months", *d.authorization->months));
      if (d.authorization->units) parts.push_back(fmt::format("{} units", *d.authorization->units));
      if (d.authorization->days_unknown) parts.push_back("days unknown");
      if (d.authorization->months_unknown) parts.push_back("months unknown");
      if (d.authorization->units_unknown) parts.push_back("units unknown");
      out_ += fmt::format("authorization: {}\n", join(parts, ", "));
    }
  }

  // Each path and restriction that applies or may apply, with every criterion; the
  // restrictions that do not apply are counted on one line.
  void checklist(const Determination& d) {
    if (d.checklist.empty()) return;
    out_ += "checklist:\n";
    std::size_t not_applying = 0;
    for (const ChecklistEntry& e : d.checklist) {
      if (e.applies == "false") {
        ++not_applying;
        continue;
      }
      out_ += fmt::format("  {}: {}", e.section, e.title);
      if (e.cite) out_ += fmt::format(" ({})", *e.cite);
      out_ += fmt::format(" [{}]{}\n", e.rule, e.applies == "unknown" ? " — may apply" : "");
      if (e.criteria.empty()) out_ += "    [applies] this rule applies to the case\n";
      for (const ChecklistCriterion& c : e.criteria) {
        const char* mark = c.status == "met"       ? "[met]    "
                           : c.status == "not_met" ? "[not met]"
                           : c.status == "unknown" ? "[unknown]"
                                                   : "[n/a]    ";
        out_ += fmt::format("    {} {}", mark, c.text);
        if (c.cite) out_ += fmt::format(" ({})", *c.cite);
        out_ += '\n';
      }
    }
    if (not_applying > 0)
      out_ += fmt::format("  {} other restriction{} do{} not apply\n", not_applying, not_applying == 1 ? "" : "s",
                          not_applying == 1 ? "es" : "");
  }

  void rule(const RuleTrace& r) {
    out_ += fmt::format("  {}: rule {} ({})", where(r.span), r.rule, r.kind);
    if (!r.in_force) {
      out_ += " not in force";
    } else {
      out_ += fmt::format(" applied: {}, outcome: {}", r.applied, r.outcome);
    }
    if (!r.overridden_by.empty()) out_ += fmt::format(", overridden by {}", join(r.overridden_by, ", "));
    if (!r.overrides.empty()) out_ += fmt::format(", overrides {}", join(r.overrides, ", "));
    out_ += '\n';
    if (r.when) {
      out_ += "    when ";
      node_line(*r.when);
      children(*r.when, 3);
    }
    for (const CriterionTrace& c : r.criteria) criterion(c);
  }

  void criterion(const CriterionTrace& c) {
    out_ += fmt::format("    {}", c.kind);
    if (c.cite) out_ += fmt::format(" {}", *c.cite);
    std::string text = one_line(source_text(c.text, c.span, sources_));
    out_ += fmt::format(" {}  => {}", text, c.result);
    // The detail is usually the criterion's own expression: show its note and children
    // under the criterion line rather than repeating it.
    if (c.detail && one_line(source_text(c.detail->expr, c.detail->span, sources_)) == text) {
      if (!c.detail->note.empty()) out_ += fmt::format("  # {}", c.detail->note);
      out_ += '\n';
      children(*c.detail, 3);
    } else {
      out_ += '\n';
      if (c.detail) node(*c.detail, 3);
    }
  }

  void node_line(const TraceNode& n) {
    out_ += fmt::format("{}  => {}", one_line(source_text(n.expr, n.span, sources_)), n.value);
    if (!n.note.empty()) out_ += fmt::format("  # {}", n.note);
    out_ += '\n';
  }

  void node(const TraceNode& n, int depth) {
    out_.append(static_cast<std::size_t>(depth) * 2, ' ');
    node_line(n);
    children(n, depth + 1);
  }

  void children(const TraceNode& n, int depth) {
    for (const TraceNode& c : n.children) node(c, depth);
    if (n.omitted) omitted(*n.omitted, depth);
  }

  // `… 199,995 more: 199,995 rejected (`t.class in antidepressant` is false), 0 undecided`:
  // outcomes with elements, and always the undecided count.
  void omitted(const OmittedElements& o, int depth) {
    out_.append(static_cast<std::size_t>(depth) * 2, ' ');
    out_ += fmt::format("\u2026 {} more:", render_detail::grouped(o.count));
    bool first = true;
    for (const OmittedElements::Group& g : o.groups) {
      if (g.count == 0 && g.outcome != "undecided") continue;
      out_ += fmt::format("{} {} {}", first ? "" : ",", render_detail::grouped(g.count), g.outcome);
      if (g.reason)
        out_ += fmt::format(" (`{}` is {})", one_line(source_text(g.reason->expr, g.reason->span, sources_)),
                            g.reason->value);
      first = false;
    }
    out_ += '\n';
  }

  const dsl::SourceRegistry& sources_;
  std::string out_;
};

}  // namespace

std::string render_text(const Determination& d, const dsl::SourceRegistry& sources, bool with_trace) {
  return TextRenderer(sources).render(d, with_trace);
}

}  // namespace covcheck::engine

// The printable prior-authorization summary: one self-contained HTML document per case
// (inline styles, no script, no external resource), laid out for A4 and Letter. Every text
// from the case or the rules is escaped. Pinned by golden files (tests/golden/summaries/).
#include <algorithm>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "engine/answer/markup.hpp"
#include "engine/answer/render.hpp"
#include "engine/answer/render_common.hpp"

namespace covcheck::engine {

namespace {

using render_detail::located;

// Both papers: A4 is 210 mm wide, Letter 215.9 mm; with 15 mm margins the page box is at
// least 180 mm wide on either, and `size` is left to the printer so each gets its own height.
constexpr std::string_view stylesheet = R"css(
:root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --covered: #116329; --pend: #7d4e00;
  --denied: #a40e26; --excluded: #3d1a63; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 1rem; font: 11pt/1.4 "DejaVu Sans", system-ui, sans-serif;
  color: var(--ink); background: #fff; }
h1 { font-size: 16pt; margin: 0 0 0.2rem; }
h2 { font-size: 13pt; margin: 1.1rem 0 0.4rem; border-bottom: 1px solid var(--line); padding-bottom: 0.15rem; }
h3 { font-size: 11pt; margin: 0.7rem 0 0.2rem; }
p { margin: 0.25rem 0; }
.muted { color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; margin: 0.3rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.parts { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 0 1.5rem; }
table { width: 100%; border-collapse: collapse; margin: 0.3rem 0; table-layout: auto; }
th, td { border: 1px solid var(--line); padding: 0.15rem 0.35rem; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
th { background: #f6f8fa; font-weight: 600; }
td.digest { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; word-break: break-all; }
.decision { border: 2px solid; border-radius: 6px; padding: 0.5rem 0.8rem; margin: 0.6rem 0; }
.decision .word { font-size: 15pt; font-weight: 700; }
.decision-covered { border-color: var(--covered); color: var(--covered); }
.decision-pend { border-color: var(--pend); color: var(--pend); }
.decision-denied { border-color: var(--denied); color: var(--denied); }
.decision-excluded { border-color: var(--excluded); color: var(--excluded); }
.decision p, .decision dl { color: var(--ink); }
.entry { border: 1px solid var(--line); border-radius: 6px; padding: 0.3rem 0.6rem; margin: 0.4rem 0; }
.entry h3 { margin-top: 0.2rem; }
ul.criteria { list-style: none; padding: 0; margin: 0.2rem 0; }
ul.criteria > li { margin: 0.25rem 0; padding-left: 5.6rem; text-indent: -5.6rem; }
ul.criteria ul { text-indent: 0; margin: 0.1rem 0; padding-left: 1rem; font-size: 9.5pt; }
.status { display: inline-block; width: 5.2rem; text-indent: 0; font-weight: 700; }
.status-met { color: var(--covered); }
.status-not_met { color: var(--denied); }
.status-unknown, .status-applies { color: var(--pend); }
.status-not_applicable { color: var(--muted); }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; }
footer { margin-top: 1.2rem; border-top: 1px solid var(--line); padding-top: 0.3rem; font-size: 9pt; color: var(--muted); }
@page { margin: 15mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  .decision, ul.criteria > li, tr, dl.facts { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .decision-covered, .decision-pend, .decision-denied, .decision-excluded { -webkit-print-color-adjust: exact;
    print-color-adjust: exact; }
}
)css";

std::string capitalized(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

std::string words(std::string_view name) {
  std::string out(name);
  for (char& c : out)
    if (c == '_') c = ' ';
  return out;
}

const char* decision_title(Decision d) {
  switch (d) {
    case Decision::covered: return "Covered";
    case Decision::pend: return "Pending: more information needed";
    case Decision::denied: return "Denied";
    case Decision::excluded: return "Excluded";
  }
  return "";
}

const char* decision_meaning(Decision d) {
  switch (d) {
    case Decision::covered: return "The case meets the policy's criteria for coverage.";
    case Decision::pend:
      return "The answer depends on facts or documents the case does not give yet: see the checklist and what is "
             "missing.";
    case Decision::denied:
      return "The case does not meet the policy's criteria: the checklist shows which, the next steps what would "
             "change it.";
    case Decision::excluded:
      return "The plan does not cover this service for this use; medical-necessity evidence does not change it.";
  }
  return "";
}

const char* status_word(std::string_view status) {
  if (status == "met") return "Met";
  if (status == "not_met") return "Not met";
  if (status == "unknown") return "Unknown";
  return "Does not apply";
}

class HtmlRenderer {
 public:
  explicit HtmlRenderer(const dsl::SourceRegistry& sources) : sources_(sources) {}

  std::string render(const Determination& d) {
    const std::string id = d.case_id ? *d.case_id : std::string("(no id)");
    out_ += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out_ += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
    text(fmt::format("Prior-authorization summary: {} ({})", id, decision_name(d.decision)));
    out_ += "</title>\n<style>";
    out_ += stylesheet;
    out_ += "</style>\n</head>\n<body>\n<header>\n<h1>Prior-authorization pre-screening summary</h1>\n";
    out_ += "<p class=\"muted\">Case <strong>";
    text(id);
    out_ += "</strong>";
    if (d.payer) {
      out_ += " \u00b7 payer rule set <strong>";
      text(*d.payer);
      out_ += "</strong>";
    }
    out_ += "</p>\n";
    header_facts(d);
    out_ += "</header>\n<main>\n";
    decision(d);
    policies(d);
    checklist(d);
    missing(d);
    next_steps(d);
    reasons(d);
    warnings(d);
    case_details(d);
    out_ +=
        "</main>\n<footer>A pre-screening by covcheck against the policy versions named above (their sha256 "
        "digests identify the exact rule text). It is not the payer's decision.</footer>\n</body>\n</html>\n";
    return std::move(out_);
  }

 private:
  void text(std::string_view s) { escape_markup_into(out_, s); }

  void fact_list(const std::vector<CaseFact>& facts) {
    out_ += "<dl class=\"facts\">\n";
    for (const CaseFact& f : facts) {
      out_ += "<dt>";
      text(capitalized(f.label));
      out_ += "</dt><dd>";
      text(f.value);
      out_ += "</dd>\n";
    }
    out_ += "</dl>\n";
  }

  // Patient and plan (and the case's own facts: date of service, documents) head the page.
  void header_facts(const Determination& d) {
    out_ += "<div class=\"parts\">\n";
    for (const CaseFactGroup& g : d.case_facts) {
      if (g.rows || g.facts.empty() || (g.field != "" && g.field != "patient" && g.field != "plan")) continue;
      out_ += "<section class=\"head\" aria-label=\"";
      text(g.field.empty() ? "Case" : capitalized(words(g.field)));
      out_ += "\">\n";
      out_ += "<h2>";
      text(g.field.empty() ? "Case" : capitalized(words(g.field)));
      out_ += "</h2>\n";
      fact_list(g.facts.front());
      out_ += "</section>\n";
    }
    out_ += "</div>\n";
  }

  void decision(const Determination& d) {
    out_ += fmt::format("<section class=\"decision decision-{0}\" id=\"decision\" data-decision=\"{0}\">\n",
                        decision_name(d.decision));
    out_ += fmt::format("<div class=\"word\">Decision: {}</div>\n<p>", decision_title(d.decision));
    text(decision_meaning(d.decision));
    out_ += "</p>\n<dl class=\"facts\">\n";
    if (d.decision == Decision::pend && !d.at_stake.empty()) {
      std::string stake;
      for (Decision s : d.at_stake) stake += (stake.empty() ? "" : " or ") + std::string(decision_name(s));
      item("Still possible", stake);
    }
    item("Prior authorization", !d.prior_auth   ? "unknown (missing information)"
                                : *d.prior_auth ? "required"
                                                : "not required");
    if (!d.benefit_conflict.empty()) {
      std::string conflict;
      for (const std::string& b : d.benefit_conflict) conflict += (conflict.empty() ? "" : ", ") + words(b);
      item("Benefit", "conflict: " + conflict);
    } else {
      item("Benefit", d.benefit ? words(*d.benefit) : std::string("not routed"));
    }
    if (d.authorization) {
      std::string auth;
      auto add = [&](std::optional<std::int64_t> n, const char* unit) {
        if (n) auth += fmt::format("{}{} {}", auth.empty() ? "" : ", ", *n, unit);
      };
      add(d.authorization->days, "days");
      add(d.authorization->months, "months");
      add(d.authorization->units, "units");
      item("Authorization", auth);
    }
    out_ += "</dl>\n</section>\n";
  }

  void item(std::string_view label, std::string_view value) {
    out_ += "<dt>";
    text(label);
    out_ += "</dt><dd>";
    text(value);
    out_ += "</dd>\n";
  }

  void policies(const Determination& d) {
    out_ += "<section id=\"policies\">\n<h2>Policy</h2>\n";
    if (d.policies.empty()) {
      out_ += "<p>No policy was in force for this case.</p>\n</section>\n";
      return;
    }
    out_ +=
        "<table>\n<thead><tr><th scope=\"col\">Kind</th><th scope=\"col\">Name</th><th "
        "scope=\"col\">Version</th><th scope=\"col\">Digest</th></tr></thead>\n<tbody>\n";
    for (const PolicyRef& p : d.policies) {
      out_ += "<tr><td>";
      text(p.kind);
      out_ += "</td><td>";
      text(p.name);
      out_ += "</td><td class=\"version\">";
      text(p.version.empty() ? "(none)" : p.version);
      out_ += "</td><td class=\"digest\">";
      text(p.digest);
      out_ += "</td></tr>\n";
    }
    out_ += "</tbody>\n</table>\n</section>\n";
  }

  // Every path and restriction that applies or may apply, with every criterion, its
  // evidence and what it waits for; those that do not apply are counted.
  void checklist(const Determination& d) {
    out_ += "<section id=\"checklist\">\n<h2>Checklist</h2>\n";
    if (d.checklist.empty()) out_ += "<p>No coverage path or restriction applies to this case.</p>\n";
    std::size_t not_applying = 0;
    for (const ChecklistEntry& e : d.checklist) {
      if (e.applies == "false") {
        ++not_applying;
        continue;
      }
      out_ += "<div class=\"entry\" data-rule=\"";
      text(e.rule);
      out_ += "\">\n<h3>";
      text(e.title.empty() ? e.rule : e.title);
      if (e.cite) {
        out_ += " (";
        text(*e.cite);
        out_ += ")";
      }
      out_ += "</h3>\n<p class=\"muted\">";
      text(capitalized(e.section));
      out_ += e.applies == "unknown" ? " \u00b7 may apply" : " \u00b7 applies";
      out_ += " \u00b7 rule <code>";
      text(e.rule);
      out_ += "</code></p>\n<ul class=\"criteria\">\n";
      // A restriction without criteria applies as a whole: its reason says what it does.
      if (e.criteria.empty())
        out_ +=
            "<li data-status=\"applies\"><span class=\"status status-applies\">Applies</span> This rule applies to "
            "the case (see the rules that applied).</li>\n";
      for (const ChecklistCriterion& c : e.criteria) criterion(c);
      out_ += "</ul>\n</div>\n";
    }
    if (not_applying > 0)
      out_ += fmt::format("<p class=\"muted\">{} other restriction{} do{} not apply.</p>\n", not_applying,
                          not_applying == 1 ? "" : "s", not_applying == 1 ? "es" : "");
    out_ += "</section>\n";
  }

  void criterion(const ChecklistCriterion& c) {
    out_ += "<li data-status=\"";
    text(c.status);
    out_ += "\"><span class=\"status status-";
    text(c.status);
    out_ += "\">";
    text(status_word(c.status));
    out_ += "</span> ";
    text(c.text);
    if (c.cite) {
      out_ += " <span class=\"muted\">(";
      text(*c.cite);
      out_ += ")</span>";
    }
    // The facts it read on one line, what it waits for on another: a printed page stays short.
    if (!c.evidence.empty() || !c.missing.empty()) {
      out_ += "\n<ul>\n";
      if (!c.evidence.empty()) {
        out_ += "<li class=\"evidence\">Evidence: ";
        for (std::size_t i = 0; i < c.evidence.size(); ++i) {
          out_ += i == 0 ? "<code>" : "; <code>";
          text(c.evidence[i].field);
          out_ += "</code> = ";
          text(c.evidence[i].value);
        }
        out_ += "</li>\n";
      }
      if (!c.missing.empty()) {
        out_ += "<li class=\"missing\">Missing: ";
        for (std::size_t i = 0; i < c.missing.size(); ++i) {
          out_ += i == 0 ? "<code>" : ", <code>";
          text(c.missing[i]);
          out_ += "</code>";
        }
        out_ += "</li>\n";
      }
      out_ += "</ul>\n";
    }
    out_ += "</li>\n";
  }

  void missing(const Determination& d) {
    std::vector<const RequirementStatus*> documents;
    for (const RequirementStatus& r : d.requirements)
      if (r.status != "present") documents.push_back(&r);
    out_ += "<section id=\"missing\">\n<h2>Missing documents and information</h2>\n";
    if (documents.empty() && d.missing.empty()) {
      out_ += "<p>Nothing is missing.</p>\n</section>\n";
      return;
    }
    out_ += "<ul>\n";
    for (const RequirementStatus* r : documents) {
      out_ += "<li>";
      text(capitalized(words(r->item)));
      out_ += r->status == "missing" ? ": missing" : ": not known whether it is attached";
      out_ += "</li>\n";
    }
    for (const MissingFact& m : d.missing) {
      out_ += "<li>Provide <code>";
      text(m.fact);
      out_ += "</code></li>\n";
    }
    out_ += "</ul>\n</section>\n";
  }

  // The rules' own advice (appeal paths and their deadlines) apart from the steps that
  // would change the outcome; on a denial or exclusion it is the appeal path.
  void next_steps(const Determination& d) {
    const std::size_t advice = std::min<std::size_t>(d.advice_steps, d.next_steps.size());
    const std::size_t steps = d.next_steps.size() - advice;
    out_ += "<section id=\"next-steps\">\n<h2>Next steps</h2>\n";
    if (steps == 0) {
      out_ += "<p>None.</p>\n";
    } else {
      out_ += "<ol>\n";
      for (std::size_t i = 0; i < steps; ++i) {
        out_ += "<li>";
        text(d.next_steps[i]);
        out_ += "</li>\n";
      }
      out_ += "</ol>\n";
    }
    out_ += "</section>\n";
    if (advice == 0) return;
    const bool adverse = d.decision == Decision::denied || d.decision == Decision::excluded;
    out_ += adverse ? "<section id=\"appeal\">\n<h2>Appeal path and deadlines</h2>\n<ul>\n"
                    : "<section id=\"advice\">\n<h2>Advice</h2>\n<ul>\n";
    for (std::size_t i = steps; i < d.next_steps.size(); ++i) {
      out_ += "<li>";
      text(d.next_steps[i]);
      out_ += "</li>\n";
    }
    out_ += "</ul>\n</section>\n";
  }

  void reasons(const Determination& d) {
    if (d.reasons.empty()) return;
    out_ += "<section id=\"reasons\">\n<h2>Rules that applied</h2>\n<ul>\n";
    for (const Reason& r : d.reasons) {
      out_ += "<li>";
      if (r.decisive) out_ += "<strong>Decisive:</strong> ";
      text(r.message);
      if (r.cite) {
        out_ += " (";
        text(*r.cite);
        out_ += ")";
      }
      out_ += " <span class=\"muted\">rule <code>";
      text(r.rule);
      out_ += "</code>";
      if (located(r.at, sources_)) {
        out_ += ", ";
        text(sources_.describe(r.at));
      }
      out_ += "</span></li>\n";
    }
    out_ += "</ul>\n</section>\n";
  }

  void warnings(const Determination& d) {
    if (d.warnings.empty()) return;
    out_ += "<section id=\"warnings\">\n<h2>Warnings about the case</h2>\n<ul>\n";
    for (const CaseWarning& w : d.warnings) {
      out_ += "<li>";
      text(w.message);
      out_ += "</li>\n";
    }
    out_ += "</ul>\n</section>\n";
  }

  // The request and the lists (diagnoses, treatments, assessments…) as the case gives them.
  void case_details(const Determination& d) {
    bool any = false;
    for (const CaseFactGroup& g : d.case_facts) {
      if (g.field.empty() || (!g.rows && (g.field == "patient" || g.field == "plan"))) continue;
      if (!any) out_ += "<section id=\"case\">\n<h2>The case as sent</h2>\n";
      any = true;
      out_ += "<h3>";
      text(capitalized(words(g.field)));
      out_ += "</h3>\n";
      if (!g.rows) {
        fact_list(g.facts.front());
        continue;
      }
      rows(g);
    }
    if (any) out_ += "</section>\n";
  }

  // A list of records as a table: the columns are the labels any row gives, in first-seen order.
  void rows(const CaseFactGroup& g) {
    std::vector<std::string> columns;
    for (const auto& row : g.facts)
      for (const CaseFact& f : row)
        if (std::find(columns.begin(), columns.end(), f.label) == columns.end()) columns.push_back(f.label);
    out_ += "<table>\n<thead><tr><th scope=\"col\">#</th>";
    for (const std::string& c : columns) {
      out_ += "<th scope=\"col\">";
      text(capitalized(c));
      out_ += "</th>";
    }
    out_ += "</tr></thead>\n<tbody>\n";
    for (std::size_t i = 0; i < g.facts.size(); ++i) {
      out_ += fmt::format("<tr><td>{}</td>", i + 1);
      for (const std::string& c : columns) {
        out_ += "<td>";
        for (const CaseFact& f : g.facts[i])
          if (f.label == c) text(f.value);
        out_ += "</td>";
      }
      out_ += "</tr>\n";
    }
    out_ += "</tbody>\n</table>\n";
  }

  const dsl::SourceRegistry& sources_;
  std::string out_;
};

}  // namespace

std::string render_html(const Determination& d, const dsl::SourceRegistry& sources) {
  return HtmlRenderer(sources).render(d);
}

}  // namespace covcheck::engine

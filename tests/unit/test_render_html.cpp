// The printable summary (render_html): the rules' advice apart from the other next steps
// (the appeal path on a denial), every text escaped, the case's facts as lists and tables.
#include <catch2/catch.hpp>

#include "engine/answer/render.hpp"

using namespace covcheck::engine;

namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

Determination denied_case() {
  Determination d;
  d.case_id = "c<1>";
  d.decision = Decision::denied;
  d.basis = "rules";
  d.prior_auth = true;
  d.policies.push_back({"policy", "acme", "2026.1", "sha256:ab"});
  d.next_steps = {"Have a psychiatrist prescribe", "Appeal within 180 days"};
  d.advice_steps = 1;
  ChecklistEntry e;
  e.section = "clinical";
  e.rule = "s3";
  e.title = "Esketamine & <b>friends</b>";
  e.applies = "true";
  e.criteria.push_back({std::string("§3.5"),
                        "Prescribed by \"a\" psychiatrist",
                        "not_met",
                        {{"request.prescriber_specialty", "family medicine"}},
                        {}});
  e.criteria.push_back({std::nullopt, "Trial 2's end", "unknown", {}, {"treatments[1].end"}});
  d.checklist.push_back(e);
  CaseFactGroup patient;
  patient.field = "patient";
  patient.facts.push_back({{"patient.state", "state", "NY"}});
  d.case_facts.push_back(patient);
  CaseFactGroup treatments;
  treatments.field = "treatments";
  treatments.rows = true;
  treatments.facts.push_back({{"treatments[0].name", "name", "sertraline"}});
  treatments.facts.push_back(
      {{"treatments[1].name", "name", "<venlafaxine>"}, {"treatments[1].end", "end", "2025-06-15"}});
  d.case_facts.push_back(treatments);
  return d;
}

std::string section(const std::string& html, const std::string& id) {
  std::size_t b = html.find("<section id=\"" + id + "\">");
  if (b == std::string::npos) return {};
  return html.substr(b, html.find("</section>", b) - b);
}

}  // namespace

TEST_CASE("a denial's summary shows the appeal path apart from the next steps", "[summary]") {
  covcheck::dsl::SourceRegistry sources;
  std::string html = render_html(denied_case(), sources);
  CHECK(has(section(html, "next-steps"), "Have a psychiatrist prescribe"));
  CHECK_FALSE(has(section(html, "next-steps"), "Appeal within"));
  CHECK(has(section(html, "appeal"), "Appeal path and deadlines"));
  CHECK(has(section(html, "appeal"), "Appeal within 180 days"));
  CHECK(has(html, R"(data-decision="denied")"));
  CHECK(has(html, "<td class=\"version\">2026.1</td>"));

  // Advice on a case that is not denied is advice, not an appeal.
  Determination pend = denied_case();
  pend.decision = Decision::pend;
  std::string p = render_html(pend, sources);
  CHECK(section(p, "appeal").empty());
  CHECK(has(section(p, "advice"), "Appeal within 180 days"));
}

TEST_CASE("the summary escapes every text and lays out the case's facts", "[summary]") {
  covcheck::dsl::SourceRegistry sources;
  std::string html = render_html(denied_case(), sources);
  CHECK(has(html, "c&lt;1&gt;"));
  CHECK(has(html, "Esketamine &amp; &lt;b&gt;friends&lt;/b&gt;"));
  CHECK(has(html, "Prescribed by &quot;a&quot; psychiatrist"));
  CHECK(has(html, "Trial 2&#39;s end"));
  CHECK_FALSE(has(html, "<b>friends"));
  CHECK_FALSE(has(html, "<venlafaxine>"));
  // Statuses, evidence and missing facts.
  CHECK(has(html, R"(<li data-status="not_met"><span class="status status-not_met">Not met</span>)"));
  CHECK(has(html, "<code>request.prescriber_specialty</code> = family medicine"));
  CHECK(has(html, "Missing: <code>treatments[1].end</code>"));
  // The patient as a list; the treatments as a table with every row's columns.
  CHECK(has(html, "<dt>State</dt><dd>NY</dd>"));
  CHECK(has(html, "<th scope=\"col\">Name</th><th scope=\"col\">End</th>"));
  CHECK(has(html, "<tr><td>1</td><td>sertraline</td><td></td></tr>"));
  CHECK(has(html, "<tr><td>2</td><td>&lt;venlafaxine&gt;</td><td>2025-06-15</td></tr>"));
}

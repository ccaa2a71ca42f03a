// Bounded traces: a quantifier shows at most N elements (those that decided first) and
// counts the rest by outcome; recording keeps only what `missing` reads of the others, so
// `missing` and next steps are the same whatever N is. See docs/trace.md.
#include <catch2/catch.hpp>

#include <string_view>

#include "engine/answer/render.hpp"
#include "engine/eval/decider.hpp"
#include "engine/eval/evaluate.hpp"
#include "rule_text_fixture.hpp"
#include "test_server_fixture.hpp"

using namespace covcheck;
using covcheck::testing::decision_text;
using covcheck::testing::policy_pipeline;

namespace {

const std::string header = "policy p \"Test\" version \"1\" default denied \"not addressed\"\n";

// `n` trials written by `trial(i)` (the text inside `{}`).
template <class Trial>
std::string trials_case(int n, Trial trial) {
  std::string yaml = "date_of_service: 2026-03-01\ntrials:\n";
  for (int i = 0; i < n; ++i) yaml += "  - {" + trial(i) + "}\n";
  return yaml;
}

engine::Determination decide(testing::Pipeline& p, const std::string& yaml, std::uint32_t elements) {
  REQUIRE(p.ok());
  engine::EvaluationOptions options;
  options.trace_elements = elements;
  auto run = p.run_text("case.yaml", yaml, options);
  INFO(run.first_error());
  REQUIRE(run.determination);
  return *run.determination;
}

const engine::TraceNode* find(const engine::TraceNode& n, std::string_view expr) {
  if (n.expr == expr) return &n;
  for (const engine::TraceNode& c : n.children)
    if (const engine::TraceNode* found = find(c, expr)) return found;
  return nullptr;
}

const engine::TraceNode& node(const engine::Determination& d, std::string_view expr) {
  for (const engine::RuleTrace& r : d.trace) {
    if (r.when)
      if (const engine::TraceNode* n = find(*r.when, expr)) return *n;
    for (const engine::CriterionTrace& c : r.criteria)
      if (c.detail)
        if (const engine::TraceNode* n = find(*c.detail, expr)) return *n;
  }
  FAIL("no trace node `" << expr << "`");
  throw 0;
}

// The element paths a quantifier node shows, in order.
std::vector<std::string> shown(const engine::TraceNode& q) {
  std::vector<std::string> out;
  for (const engine::TraceNode& c : q.children)
    if (c.expr.find('[') != std::string::npos) out.push_back(c.expr);
  return out;
}

// "counted 0 rejected 7 (t.cls == a false) undecided 0"
std::string groups(const engine::OmittedElements& o) {
  std::string out;
  for (const auto& g : o.groups) {
    out += (out.empty() ? "" : " ") + g.outcome + " " + std::to_string(g.count);
    if (g.reason) out += " (" + g.reason->expr + " " + g.reason->value + ")";
  }
  return out;
}

std::vector<std::string> missing_facts(const engine::Determination& d) {
  std::vector<std::string> out;
  for (const auto& m : d.missing) out.push_back(m.fact);
  return out;
}

}  // namespace

TEST_CASE("a count shows the counted elements first and counts the rest by outcome", "[trace][bounded]") {
  auto p = policy_pipeline(header + "rule r cover require count(trials t: t.cls == a) >= 2\n");
  std::string yaml = trials_case(12, [](int i) { return std::string("cls: ") + (i == 7 || i == 9 ? "a" : "b"); });
  engine::Determination d = decide(p, yaml, engine::default_trace_elements);
  CHECK(decision_text(d.decision) == "covered");
  const engine::TraceNode& count = node(d, "count(trials t: t.cls == a)");
  CHECK(shown(count) == std::vector<std::string>{"trials[0]", "trials[1]", "trials[2]", "trials[7]", "trials[9]"});
  REQUIRE(count.omitted);
  CHECK(count.omitted->count == 7);
  CHECK(groups(*count.omitted) == "counted 0 rejected 7 (t.cls == a false) undecided 0");

  std::string text = engine::render_text(d, p.sources(), true);
  INFO(text);
  CHECK(text.find("\n        trials[9]  => true  # counted\n"
                  "          t.cls == a  => true\n"
                  "            t.cls  => a\n"
                  "        \u2026 7 more: 7 rejected (`t.cls == a` is false), 0 undecided\n") != std::string::npos);
  std::string json = engine::render_json_line(d, p.sources(), true);
  CHECK(json.find("\"omitted\":{\"elements\":7,\"counted\":0,\"rejected\":7,\"undecided\":0,\"reasons\":[{\"outcome\":"
                  "\"rejected\",\"expr\":\"t.cls == a\",\"value\":\"false\",\"at\":\"") != std::string::npos);

  // Every element, for audits; and with N at least the list's length nothing is left out.
  for (std::uint32_t n : {engine::every_trace_element, 12u}) {
    engine::Determination all = decide(p, yaml, n);
    const engine::TraceNode& every = node(all, "count(trials t: t.cls == a)");
    CHECK(shown(every).size() == 12);
    CHECK_FALSE(every.omitted);
    CHECK(engine::render_json(all, p.sources(), true).find("omitted") == std::string::npos);
  }
}

TEST_CASE("any and all show the elements that decided them, wherever they are", "[trace][bounded]") {
  auto p = policy_pipeline(header +
                           "rule r when any trials t: t.cls == c cover\n"
                           "rule s when all trials t: t.outcome == failed deny\n");
  std::string yaml = trials_case(20, [](int i) {
    return std::string("cls: ") + (i == 15 ? "c" : "a") + ", outcome: " + (i == 11 || i == 12 ? "ok" : "failed");
  });
  engine::Determination d = decide(p, yaml, 2);
  CHECK(decision_text(d.decision) == "covered");
  const engine::TraceNode& any = node(d, "any trials t: t.cls == c");
  CHECK(any.value == "true");
  CHECK(shown(any) == std::vector<std::string>{"trials[0]", "trials[15]"});
  REQUIRE(any.omitted);
  CHECK(groups(*any.omitted) == "holds 0 fails 18 (t.cls == c false) undecided 0");
  const engine::TraceNode& all = node(d, "all trials t: t.outcome == failed");
  CHECK(all.value == "false");
  CHECK(shown(all) == std::vector<std::string>{"trials[11]", "trials[12]"});
  REQUIRE(all.omitted);
  CHECK(groups(*all.omitted) == "holds 18 (t.outcome == failed true) fails 0 undecided 0");
  std::string text = engine::render_text(d, p.sources(), true);
  CHECK(text.find("\u2026 18 more: 18 fails (`t.cls == c` is false), 0 undecided\n") != std::string::npos);
  CHECK(text.find("\u2026 18 more: 18 holds (`t.outcome == failed` is true), 0 undecided\n") != std::string::npos);
}

TEST_CASE("the shared reason goes down through defines and connectives, and is left out when reasons differ",
          "[trace][bounded]") {
  auto p = policy_pipeline(header +
                           "define good(t) = t.cls == a and t.outcome == failed\n"
                           "rule r cover require count(trials t: good(t)) >= 1\n");
  auto one_reason = decide(p, trials_case(10, [](int) { return std::string("cls: b, outcome: failed"); }), 1);
  const engine::TraceNode& count = node(one_reason, "count(trials t: good(t))");
  REQUIRE(count.omitted);
  CHECK(groups(*count.omitted) == "counted 0 rejected 9 (t.cls == a false) undecided 0");
  auto two_reasons = decide(
      p,
      trials_case(
          10,
          [](int i) { return i % 2 ? std::string("cls: b, outcome: failed") : std::string("cls: a, outcome: ok"); }),
      1);
  const engine::TraceNode& mixed = node(two_reasons, "count(trials t: good(t))");
  REQUIRE(mixed.omitted);
  CHECK(groups(*mixed.omitted) == "counted 0 rejected 9 undecided 0");
  CHECK(engine::render_json_line(two_reasons, p.sources(), true).find("\"undecided\":0,\"reasons\":[]}") !=
        std::string::npos);
}

TEST_CASE("missing and next steps read every element, whatever the trace shows", "[trace][bounded][missing]") {
  SECTION("undecided elements past the limit") {
    auto p = policy_pipeline(header + "rule r cover require count(trials t: t.outcome == failed) >= 40\n");
    std::string yaml = trials_case(40, [](int i) {
      return i == 3 || i == 17 || i == 33 ? std::string("cls: a") : std::string("cls: a, outcome: failed");
    });
    engine::Determination all = decide(p, yaml, engine::every_trace_element);
    CHECK(decision_text(all.decision) == "pend");
    CHECK(missing_facts(all) ==
          std::vector<std::string>{"trials[3].outcome", "trials[17].outcome", "trials[33].outcome"});
    for (std::uint32_t n : {0u, 1u, 5u}) {
      engine::Determination d = decide(p, yaml, n);
      INFO("trace elements " << n);
      CHECK(missing_facts(d) == missing_facts(all));
      CHECK(d.next_steps == all.next_steps);
    }
    engine::Determination one = decide(p, yaml, 1);
    const engine::TraceNode& count = node(one, "count(trials t: t.outcome == failed)");
    CHECK(shown(count) == std::vector<std::string>{"trials[0]"});
    CHECK(groups(*count.omitted) ==
          "counted 36 (t.outcome == failed true) rejected 0 undecided 3 (t.outcome == failed unknown)");
  }
  SECTION("nested quantifiers, pruned inside pruned elements") {
    auto p = policy_pipeline(
        header + "rule r cover require count(trials t: any trials u: u.cls == t.cls and u.outcome == ok) >= 1\n");
    std::string yaml = trials_case(
        30, [](int i) { return i == 5 || i == 25 ? std::string("cls: a") : std::string("cls: a, outcome: failed"); });
    engine::Determination all = decide(p, yaml, engine::every_trace_element);
    CHECK(decision_text(all.decision) == "pend");
    CHECK(missing_facts(all) == std::vector<std::string>{"trials[5].outcome", "trials[25].outcome"});
    for (std::uint32_t n : {0u, 1u, 2u}) {
      engine::Determination d = decide(p, yaml, n);
      INFO("trace elements " << n);
      CHECK(missing_facts(d) == missing_facts(all));
      CHECK(d.next_steps == all.next_steps);
    }
  }
  SECTION("a count distinct undecided by unknown keys names every absent fact below it") {
    auto p = policy_pipeline(
        header + "rule r cover require count distinct(trials t: t.outcome == failed and t.cls == a ; t.end) >= 2\n");
    std::string yaml = trials_case(
        10, [](int i) { return i < 2 ? std::string("cls: a, outcome: failed") : std::string("outcome: ok"); });
    engine::Determination all = decide(p, yaml, engine::every_trace_element);
    CHECK(decision_text(all.decision) == "pend");
    REQUIRE(all.missing.size() == 10);
    CHECK(all.missing[1].fact == "trials[1].end");
    CHECK(all.missing[9].fact == "trials[9].cls");
    for (std::uint32_t n : {0u, 1u, 5u}) {
      engine::Determination d = decide(p, yaml, n);
      INFO("trace elements " << n);
      CHECK(missing_facts(d) == missing_facts(all));
      CHECK(d.next_steps == all.next_steps);
    }
  }
}

TEST_CASE("recording keeps a bounded log: elements past the limit leave only their tally", "[trace][bounded]") {
  auto p = policy_pipeline(header + "rule r cover require count(trials t: t.cls == a and t.outcome == failed) >= 1\n");
  REQUIRE(p.ok());
  dsl::FileId file =
      p.sources().add("case.yaml", trials_case(10000, [](int i) {
                        return i == 9000 ? std::string("cls: a") : std::string("cls: b, outcome: failed");
                      }));
  dsl::Diagnostics diagnostics;
  std::optional<engine::Case> c = engine::load_case(p.program().schema(), p.sources(), file, diagnostics);
  REQUIRE(c);
  engine::Decider decider(p.program());
  decider.set_trace_elements(5);
  REQUIRE(decider.decide(*c, std::nullopt, true) == engine::DecideStatus::decided);
  CHECK(decider.decision() == engine::Decision::pend);
  // The list, 5 elements in full, the undecided one (its absent fact kept for `missing`).
  CHECK(decider.trace_log().entries.size() < 100);
  CHECK(decider.trace_log().elements.size() <= 6);
  decider.set_trace_elements(engine::every_trace_element);
  REQUIRE(decider.decide(*c, std::nullopt, true) == engine::DecideStatus::decided);
  CHECK(decider.trace_log().entries.size() > 10000);
}

TEST_CASE("the trace element limit (--trace-elements, trace_elements) is a count or all", "[trace][options]") {
  CHECK(engine::parse_trace_elements("all") == engine::every_trace_element);
  CHECK(engine::parse_trace_elements("0") == 0u);
  CHECK(engine::parse_trace_elements("25") == 25u);
  CHECK_FALSE(engine::parse_trace_elements(""));
  CHECK_FALSE(engine::parse_trace_elements("-1"));
  CHECK_FALSE(engine::parse_trace_elements("5x"));
  CHECK_FALSE(engine::parse_trace_elements("All"));
  CHECK_FALSE(engine::parse_trace_elements("99999999999"));
}

TEST_CASE("the server's trace_elements: on /v1/check (both case syntaxes) and /v1/batch", "[trace][server]") {
  testing::TestServer ts({});
  auto client = ts.client();
  std::string treatments;
  for (int i = 0; i < 8; ++i)
    treatments += std::string(i ? "," : "") + R"({"class":"physical_therapy","outcome":"failed"})";
  std::string json = R"({"id":"s1","date_of_service":"2026-03-02","request":{"service":"esketamine_nasal"},)"
                     R"("diagnoses":[{"code":"F33.2","primary":true}],"treatments":[)" +
                     treatments + "]}";
  auto contains = [](const std::string& body, const std::string& text) { return body.find(text) != std::string::npos; };
  auto json_default = client.Post("/v1/check?trace=true", json, "application/json");
  REQUIRE(json_default);
  CHECK(json_default->status == 200);
  CHECK(contains(json_default->body, R"("omitted":{"elements":3,"counted":0,"rejected":3,"undecided":0,)"));
  auto json_two = client.Post("/v1/check?trace=true&trace_elements=2", json, "application/json");
  REQUIRE(json_two);
  CHECK(contains(json_two->body, R"("omitted":{"elements":6,"counted":0,"rejected":6,"undecided":0,)"));
  auto yaml_two = client.Post("/v1/check?trace=true&trace_elements=2", json, "application/yaml");
  REQUIRE(yaml_two);
  CHECK(yaml_two->status == 200);
  CHECK(contains(yaml_two->body, R"("omitted":{"elements":6,)"));
  auto all = client.Post("/v1/check?trace=true&trace_elements=all", json, "application/json");
  REQUIRE(all);
  CHECK(contains(all->body, R"("expr":"treatments[7]")"));
  CHECK_FALSE(contains(all->body, "omitted"));
  auto bad = client.Post("/v1/check?trace=true&trace_elements=lots", json, "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(contains(bad->body, "trace_elements: `lots` is not a count or `all`"));
  auto batch = client.Post("/v1/batch?trace=true&trace_elements=1", json + "\n", "application/x-ndjson");
  REQUIRE(batch);
  CHECK(contains(batch->body, R"("omitted":{"elements":7,"counted":0,"rejected":7,"undecided":0,)"));
}

// Renderers and the JSON writer against a hand-built determination: key order, optional
// keys, escaping, and the text layout the golden files rely on.
#include <catch2/catch.hpp>

#include "engine/answer/json_writer.hpp"
#include "engine/answer/render.hpp"
#include "engine/answer/render_common.hpp"

using namespace covcheck;
using engine::Decision;

namespace {

struct Fixture {
  dsl::SourceRegistry sources;
  dsl::FileId rules = sources.add("rules/acme/acme-2026.1.cpl", "policy acme\nrule s3 \"t\"\n  when x\n");
  dsl::FileId case_file = sources.add("case.yaml", "id: c1\npatinet: {}\n");

  engine::Determination determination() const {
    engine::Determination d;
    d.case_id = "case-0001";
    d.decision = Decision::denied;
    d.basis = "rules";
    d.prior_auth = true;
    d.benefit = "mental_health";
    d.policies.push_back({"policy", "acme", "2026.1", "sha256:0123456789abcdef0123"});
    d.reasons.push_back({"s3", "deny", "Two \"adequate\" trials", true, "\u00a73.3", dsl::SourceSpan{rules, 12, 14}});
    d.missing.push_back({"treatments[1].end", {"s3"}});
    d.requirements.push_back({"letter_of_medical_necessity", "present", "s3"});
    d.next_steps.push_back("document 1 more adequate trial");
    engine::ChecklistEntry e{"clinical", "s3", "t", "\u00a73", "true", {}};
    e.criteria.push_back({"\u00a73.3",
                          "Two trials are required: treatments: 1 qualifies; 1 more needed",
                          "not_met",
                          {{"treatments[0].class", "ssri"}},
                          {}});
    e.criteria.push_back({std::nullopt, "Document: lmn: met", "met", {}, {}});
    engine::ChecklistEntry other{"filing", "s6", "Filing", std::nullopt, "false", {}};
    other.criteria.push_back({std::nullopt, "Filing: does not apply", "not_applicable", {}, {"request.submitted"}});
    d.checklist = {e, other};
    d.warnings.push_back({dsl::SourceSpan{case_file, 7, 14}, "unknown field `patinet`; did you mean `patient`?"});
    engine::RuleTrace r;
    r.rule = "s3";
    r.title = "t";
    r.span = {rules, 12, 14};
    r.kind = "coverage";
    r.applied = "true";
    r.outcome = "denied";
    r.when = engine::TraceNode{"x", {rules, 29, 30}, "true", "", "", false, {}, {}};
    engine::CriterionTrace c;
    c.kind = "criterion";
    c.text = "count(treatments t: ok(t))\n    >= 2";
    c.span = {rules, 29, 30};
    c.cite = "\u00a73.3";
    c.result = "false";
    engine::TraceNode count{"count(treatments t: ok(t))", {rules, 29, 30}, "1..1", "", "treatments", false, {}, {}};
    count.children.push_back({"treatments[0]", {}, "true", "counted", "", false, {}, {}});
    c.detail =
        engine::TraceNode{"count(treatments t: ok(t)) >= 2", {rules, 29, 30}, "false", "", "", false, {count}, {}};
    r.criteria.push_back(c);
    d.trace.push_back(r);
    return d;
  }
};

}  // namespace

TEST_CASE("json writer escapes control characters and keeps UTF-8", "[render]") {
  std::string out;
  engine::JsonWriter::escape(out, "a\"b\\c\n\t\x01\x1f \xc2\xa7 \xff");
  CHECK(out == "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f \xc2\xa7 \\ufffd\"");
}

TEST_CASE("json writer escapes the same wherever a special byte falls in a string of any length", "[render]") {
  // Plain runs are scanned sixteen bytes at a time, and strings shorter than sixteen bytes as
  // two overlapping halves: put each special byte at every offset of plain strings of 0 to
  // 40 bytes and compare with the plain bytes copied and the special one escaped.
  const std::pair<std::string, std::string> specials[] = {
      {"\"", "\\\""},
      {"\\", "\\\\"},
      {"\n", "\\n"},
      {"\x01", "\\u0001"},
      {"\x1f", "\\u001f"},
      {"\x7f", "\x7f"},
      {"\xc2\xa7", "\xc2\xa7"},
      {"\xff", "\\ufffd"},
      {"\xe2\x82", "\\ufffd\\ufffd"},  // a sequence cut short: each byte replaced
  };
  for (const auto& [special, escaped] : specials) {
    for (std::size_t length = 0; length <= 40; ++length) {
      for (std::size_t at = 0; at <= length; ++at) {
        const std::string before(at, 'a'), after(length - at, 'b');
        std::string whole;
        engine::JsonWriter::escape(whole, before + special + after);
        INFO("byte " << static_cast<int>(static_cast<unsigned char>(special[0])) << " after " << at << " of " << length
                     << " plain bytes");
        CHECK(whole == "\"" + before + escaped + after + "\"");
      }
    }
  }
  for (std::size_t length = 0; length <= 40; ++length) {  // and no special byte at all
    std::string plain(length, 'p'), out;
    engine::JsonWriter::escape(out, plain);
    CHECK(out == "\"" + plain + "\"");
  }
}

TEST_CASE("json writer nests pretty and compact", "[render]") {
  engine::JsonWriter pretty(true);
  pretty.begin_object().member("a", 1).key("b").begin_array().value(true).null().end_array();
  pretty.key("c").begin_array().end_array().key("d").begin_object().end_object().end_object();
  CHECK(pretty.str() == "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null\n  ],\n  \"c\": [],\n  \"d\": {}\n}");
  engine::JsonWriter compact(false);
  compact.begin_object()
      .member("a", std::string("x"))
      .key("b")
      .begin_array()
      .value(std::int64_t{-3})
      .end_array()
      .end_object();
  CHECK(compact.str() == "{\"a\":\"x\",\"b\":[-3]}");
}

TEST_CASE("json determination follows the contract's key order", "[render]") {
  Fixture f;
  engine::Determination d = f.determination();
  std::string line = engine::render_json_line(d, f.sources, false);
  CHECK(
      line ==
      "{\"case\":\"case-0001\",\"decision\":\"denied\",\"basis\":\"rules\",\"prior_auth\":true,"
      "\"benefit\":\"mental_health\","
      "\"policies\":[{\"name\":\"acme\",\"version\":\"2026.1\",\"digest\":\"sha256:0123456789abcdef0123\",\"kind\":"
      "\"policy\"}],"
      "\"reasons\":[{\"rule\":\"s3\",\"effect\":\"deny\",\"message\":\"Two \\\"adequate\\\" trials\",\"decisive\":true,"
      "\"cite\":\"\u00a73.3\",\"at\":\"rules/acme/acme-2026.1.cpl:2:1\"}],"
      "\"missing\":[{\"fact\":\"treatments[1].end\",\"rules\":[\"s3\"]}],"
      "\"requirements\":[{\"item\":\"letter_of_medical_necessity\",\"status\":\"present\",\"rule\":\"s3\"}],"
      "\"next_steps\":[\"document 1 more adequate trial\"],"
      "\"checklist\":[{\"section\":\"clinical\",\"rule\":\"s3\",\"title\":\"t\",\"cite\":\"\u00a73\",\"applies\":true,"
      "\"criteria\":[{\"cite\":\"\u00a73.3\",\"text\":\"Two trials are required: treatments: 1 qualifies; 1 more "
      "needed\","
      "\"status\":\"not_met\",\"evidence\":[{\"field\":\"treatments[0].class\",\"value\":\"ssri\"}],\"missing\":[]},"
      "{\"cite\":null,\"text\":\"Document: lmn: met\",\"status\":\"met\",\"evidence\":[],\"missing\":[]}]},"
      "{\"section\":\"filing\",\"rule\":\"s6\",\"title\":\"Filing\",\"cite\":null,\"applies\":false,"
      "\"criteria\":[{\"cite\":null,\"text\":\"Filing: does not apply\",\"status\":\"not_applicable\",\"evidence\":[],"
      "\"missing\":[\"request.submitted\"]}]}],"
      "\"warnings\":[{\"at\":\"case.yaml:2:1\",\"message\":\"unknown field `patinet`; did you mean `patient`?\"}]}\n");
}

TEST_CASE("json optional keys appear only when set", "[render]") {
  Fixture f;
  engine::Determination d;
  std::string plain = engine::render_json_line(d, f.sources, false);
  CHECK(plain ==
        "{\"case\":null,\"decision\":\"pend\",\"basis\":null,\"prior_auth\":null,\"benefit\":null,\"policies\":[],"
        "\"reasons\":[],\"missing\":[],\"requirements\":[],\"next_steps\":[],\"checklist\":[],\"warnings\":[]}\n");
  d.benefit_conflict = {"medical", "pharmacy"};
  d.authorization = engine::Authorization{28, std::nullopt, 8};
  d.at_stake = {Decision::covered, Decision::denied};
  std::string full = engine::render_json_line(d, f.sources, true);
  CHECK(full.find("\"benefit\":null,\"benefit_conflict\":[\"medical\",\"pharmacy\"],"
                  "\"authorization\":{\"days\":28,\"units\":8},\"at_stake\":[\"covered\",\"denied\"],\"policies\"") !=
        std::string::npos);
  CHECK(full.find("\"trace\":[]}") != std::string::npos);
  d.decision = Decision::denied;  // at_stake belongs to pend only
  CHECK(engine::render_json_line(d, f.sources, false).find("at_stake") == std::string::npos);
}

TEST_CASE("json trace carries rule, criteria and nodes", "[render]") {
  Fixture f;
  std::string json = engine::render_json(f.determination(), f.sources, true);
  CHECK(json.back() == '\n');
  CHECK(json.find("\"trace\": [\n    {\n      \"rule\": \"s3\",\n      \"title\": \"t\",\n      \"at\": "
                  "\"rules/acme/acme-2026.1.cpl:2:1\",\n      \"kind\": \"coverage\",\n      \"in_force\": true,\n"
                  "      \"applied\": \"true\",\n      \"outcome\": \"denied\",\n      \"when\": {") !=
        std::string::npos);
  CHECK(json.find("\"fact\": \"treatments\"") != std::string::npos);
  CHECK(json.find("\"at\": null") != std::string::npos);  // a node without a location
  CHECK(json.find("overridden_by") == std::string::npos);
}

TEST_CASE("text output reads like a compiler's", "[render]") {
  Fixture f;
  std::string text = engine::render_text(f.determination(), f.sources, true);
  CHECK(text ==
        "case case-0001: DENIED (basis: rules) \u2014 prior authorization: required \u2014 benefit: mental_health\n"
        "policy acme 2026.1 (sha256:0123456789ab\u2026)\n"
        "checklist:\n"
        "  clinical: t (\u00a73) [s3]\n"
        "    [not met] Two trials are required: treatments: 1 qualifies; 1 more needed (\u00a73.3)\n"
        "    [met]     Document: lmn: met\n"
        "  1 other restriction does not apply\n"
        "reasons:\n"
        "  rules/acme/acme-2026.1.cpl:2:1: deny [decisive] s3: Two \"adequate\" trials (\u00a73.3)\n"
        "missing:\n"
        "  treatments[1].end (needed by s3)\n"
        "requirements:\n"
        "  letter_of_medical_necessity: present (s3)\n"
        "next steps:\n"
        "  - document 1 more adequate trial\n"
        "warnings:\n"
        "  case.yaml:2:1: unknown field `patinet`; did you mean `patient`?\n"
        "trace:\n"
        "  rules/acme/acme-2026.1.cpl:2:1: rule s3 (coverage) applied: true, outcome: denied\n"
        "    when x  => true\n"
        "    criterion \u00a73.3 count(treatments t: ok(t)) >= 2  => false\n"
        "      count(treatments t: ok(t))  => 1..1\n"
        "        treatments[0]  => true  # counted\n");
  std::string bare = engine::render_text(f.determination(), f.sources, false);
  CHECK(bare.find("trace:") == std::string::npos);
}

TEST_CASE("text output omits empty sections", "[render]") {
  Fixture f;
  engine::Determination d;
  d.at_stake = {Decision::covered, Decision::denied};
  CHECK(engine::render_text(d, f.sources, true) ==
        "case (no id): PEND (basis: none; undecided between covered and denied) \u2014 prior authorization: unknown "
        "\u2014 "
        "benefit: none\n");
}

TEST_CASE("a quantifier's omitted elements: one text line, one JSON object", "[render][trace]") {
  Fixture f;
  engine::Determination d = f.determination();
  engine::TraceNode& count = d.trace[0].criteria[0].detail->children[0];
  engine::OmittedElements omitted;
  omitted.count = 199995;
  omitted.groups = {{"counted", 0, std::nullopt},
                    {"rejected", 199995, engine::ElementReason{"t.class in antidepressant", {}, "false"}},
                    {"undecided", 0, std::nullopt}};
  count.omitted = omitted;
  std::string text = engine::render_text(d, f.sources, true);
  CHECK(text.find(
            "        treatments[0]  => true  # counted\n"
            "        \u2026 199,995 more: 199,995 rejected (`t.class in antidepressant` is false), 0 undecided\n") !=
        std::string::npos);
  std::string json = engine::render_json_line(d, f.sources, true);
  CHECK(json.find("\"note\":\"counted\"}],\"omitted\":{\"elements\":199995,\"counted\":0,\"rejected\":199995,"
                  "\"undecided\":0,\"reasons\":[{\"outcome\":\"rejected\",\"expr\":\"t.class in antidepressant\","
                  "\"value\":\"false\",\"at\":null}]}}") != std::string::npos);
  CHECK(engine::render_detail::grouped(0) == "0");
  CHECK(engine::render_detail::grouped(999) == "999");
  CHECK(engine::render_detail::grouped(1000) == "1,000");
  CHECK(engine::render_detail::grouped(1234567) == "1,234,567");
}

// Resource limits and hostile input: each limit answers with its diagnostic instead of a
// crash, a stack overflow or a runaway allocation; odd but valid input (BOM, CRLF, tabs,
// very long lists) is accepted with correct line:col. See docs/RELIABILITY.md.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "dsl/source/limits.hpp"
#include "engine/answer/render.hpp"
#include "engine/cases/json_case_loader.hpp"
#include "rule_text_fixture.hpp"

using namespace covcheck;
using covcheck::testing::decision_text;
using covcheck::testing::Pipeline;
using covcheck::testing::policy_pipeline;

namespace {

const std::string header = "policy p \"Limits\" version \"1\" default denied \"not addressed\"\n";

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

bool has_code(const dsl::Diagnostics& ds, std::string_view code) {
  for (const dsl::Diagnostic& d : ds.items())
    if (d.code == code) return true;
  return false;
}

// "file:line:col" of the first diagnostic with `code`.
std::string where(Pipeline& p, const dsl::Diagnostics& ds, std::string_view code) {
  for (const dsl::Diagnostic& d : ds.items())
    if (d.code == code) return p.sources().describe(d.span);
  return "(no " + std::string(code) + ")";
}

// The rule set either compiles or reports `parse.too_deep`; when it compiles, a case is decided.
void survives(const std::string& when) {
  auto p = policy_pipeline(header + "rule r when " + when + " cover\n");
  if (!p.ok()) {
    INFO(p.diagnostics_text().substr(0, 400));
    CHECK(p.diagnostics_text().find("parse.too_deep") != std::string::npos);
    return;
  }
  auto run = p.run_text("case.yaml", "date_of_service: 2026-01-01\nx: 3\nperson: {flag: true}\n");
  CHECK(run.determination);
}

}  // namespace

TEST_CASE("expression nesting is limited: parse.too_deep, never a stack overflow", "[limits][nesting]") {
  auto ok = policy_pipeline(header + "rule r when " + repeat("(", 150) + "x > 0" + repeat(")", 150) + " cover\n");
  CHECK(ok.ok());
  auto deep =
      policy_pipeline(header + "rule r when " + repeat("(", 100000) + "x > 0" + repeat(")", 100000) + " cover\n");
  CHECK_FALSE(deep.ok());
  CHECK(deep.diagnostics_text().find("expression nested too deeply (more than 200 levels) [parse.too_deep]") !=
        std::string::npos);
}

TEST_CASE("long chains of not, negation, and, if and quantifiers never overflow the stack", "[limits][nesting]") {
  survives(repeat("not ", 100000) + "person.flag");
  survives("x > " + repeat("-", 100000) + "1");
  survives(repeat("x > 0 and ", 100000) + "x > 0");
  survives(repeat("x + ", 100000) + "x > 0");
  survives(repeat("if person.flag then ", 20000) + "true" + repeat(" else false", 20000));
  survives(repeat("any trials t: ", 20000) + "true");
}

TEST_CASE("rule files over 16 MiB are refused before they are read", "[limits][size]") {
  std::string big = header + repeat("# padding padding padding padding padding padding padding padding\n", 270000);
  REQUIRE(big.size() > (16u << 20));
  auto p = policy_pipeline(big);
  CHECK_FALSE(p.ok());
  CHECK(p.diagnostics_text().find("rule files are limited to 16 MiB [load.file_too_large]") != std::string::npos);
}

TEST_CASE("rule counts, code-set entries and string lengths are limited", "[limits][size]") {
  auto dir = testing::write_rule_dir(
      {{"policy.cpl", header + "codeset a = icd10 { F32.0, F32.1, F33.* }\n"
                               "rule r1 \"title\" deny\nrule r2 deny \"abcdef\"\n"
                               "rule r3 when x in { 1 } and c in icd10 { F40.0, F41.* } cover\n"}});
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  dsl::RuleFiles files;
  REQUIRE(dsl::load_rule_files({dir.string()}, sources, files, diagnostics));
  REQUIRE_FALSE(diagnostics.has_errors());
  dsl::RuleSetSize size = dsl::measure_rule_set(files);
  CHECK(size.rules == 3);
  CHECK(size.code_entries == 5);

  dsl::RuleSetLimits tight;
  tight.max_rules = 2;
  tight.max_code_entries = 4;
  tight.max_string_bytes = 5;
  dsl::Diagnostics over;
  CHECK_FALSE(dsl::check_rule_set_limits(files, over, tight));
  CHECK(has_code(over, "load.too_many_rules"));
  CHECK(has_code(over, "load.too_many_codes"));
  CHECK(has_code(over, "load.string_too_long"));
  std::string text = dsl::render_all(over, sources);
  CHECK(text.find("the rule set has 3 rules; at most 2 are allowed") != std::string::npos);
  CHECK(text.find("policy.cpl:5:1: error") != std::string::npos);  // at the first rule past the limit

  dsl::Diagnostics fine;
  CHECK(dsl::check_rule_set_limits(files, fine));
  CHECK_FALSE(fine.has_errors());
}

TEST_CASE("the default limits accept a big rule set: 20,000 rules and 200,000 codes", "[limits][size][slow]") {
  std::string codes;
  for (int i = 0; i < 200000; ++i)
    codes += fmt::format("{}{:02}.{:02}, ", static_cast<char>('A' + i % 20), i / 100 % 100, i % 100);
  codes += "Z99.9";
  std::string rules;
  for (int i = 0; i < 20000; ++i) rules += fmt::format("rule r{} when x == {} deny\n", i, i + 1000);
  auto p = policy_pipeline(header + "codeset big = icd10 { " + codes + " }\n" + rules +
                           "rule c when any codes k: k in big cover\n");
  INFO(p.diagnostics_text().substr(0, 500));
  REQUIRE(p.ok());
  auto run = p.run_text("case.yaml", "date_of_service: 2026-01-01\nx: 3\ncodes: [B01.01]\n");
  REQUIRE(run.determination);
  CHECK(decision_text(run.determination->decision) == "covered");
}

TEST_CASE("imports nest at most 64 files deep; cycles are errors", "[limits][imports]") {
  auto chain = [](int n) {
    std::vector<std::pair<std::string, std::string>> files;
    for (int i = 0; i < n; ++i)
      files.emplace_back(fmt::format("f{}.cpl", i), fmt::format("import \"f{}.cpl\"\n", i + 1));
    files.emplace_back(fmt::format("f{}.cpl", n), "define leaf = true\n");
    auto dir = testing::write_rule_dir(files);
    dsl::SourceRegistry sources;
    dsl::Diagnostics diagnostics;
    dsl::RuleFiles out;
    dsl::load_rule_files({(dir / "f0.cpl").string()}, sources, out, diagnostics);
    return std::pair{out.files.size(), dsl::render_all(diagnostics, sources)};
  };
  auto [loaded, ok_text] = chain(60);
  CHECK(loaded == 61);
  CHECK(ok_text.find("error") == std::string::npos);
  auto [deep_loaded, deep_text] = chain(200);
  CHECK(deep_loaded <= 66);
  CHECK(deep_text.find("imports nest deeper than 64 files") != std::string::npos);

  auto p = policy_pipeline(header + "import \"a.cpl\"\n",
                           {{"a.cpl", "import \"b.cpl\"\n"}, {"b.cpl", "import \"a.cpl\"\n"}});
  CHECK_FALSE(p.ok());
  CHECK(p.diagnostics_text().find("[load.import_cycle]") != std::string::npos);
}

TEST_CASE("a case list of 1,000,000 elements is accepted", "[limits][case][slow]") {
  auto p =
      policy_pipeline(header + "rule r when count(codes) >= 1000000 and any codes c: c in icd10 { G90.5* } cover\n");
  REQUIRE(p.ok());
  std::string yaml = "date_of_service: 2026-01-01\ncodes: [" + repeat("F33.2, ", 999999) + "G90.50]\n";
  auto run = p.run_text("case.yaml", yaml);
  INFO(run.first_error());
  REQUIRE(run.determination);
  CHECK(decision_text(run.determination->decision) == "covered");
  // The trace shows 5 elements of each quantifier and counts the rest (docs/trace.md).
  std::string json = engine::render_json(*run.determination, p.sources(), true);
  CHECK(json.size() < 20000);
  CHECK(json.find("\"omitted\": {\n") != std::string::npos);
  CHECK(json.find("\"counted\": 999995,") != std::string::npos);
}

TEST_CASE("a traced list of 200,000 records keeps its trace small and its missing facts whole",
          "[limits][case][trace]") {
  auto p = policy_pipeline(header + "rule r cover require count(trials t: t.cls == a and t.outcome == failed) >= 2\n");
  REQUIRE(p.ok());
  std::string yaml = "date_of_service: 2026-01-01\ntrials:\n";
  yaml.reserve(200000 * 28);
  for (int i = 0; i < 200000; ++i)
    yaml += i >= 150000 && i < 150010 ? "  - {cls: a}\n" : "  - {cls: b, outcome: failed}\n";
  auto started = std::chrono::steady_clock::now();
  auto run = p.run_text("case.yaml", yaml);
  INFO(run.first_error());
  REQUIRE(run.determination);
  const engine::Determination& d = *run.determination;
  CHECK(decision_text(d.decision) == "pend");
  REQUIRE(d.missing.size() == 10);
  CHECK(d.missing.front().fact == "trials[150000].outcome");
  CHECK(d.missing.back().fact == "trials[150009].outcome");  // pruned from the log, still missing
  std::string json = engine::render_json(d, p.sources(), true);
  CHECK(json.size() < 20000);
  CHECK(json.find("\"elements\": 199995,\n") != std::string::npos);
  CHECK(json.find("\"undecided\": 5,\n") != std::string::npos);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK(seconds < 20);
}

TEST_CASE("a million bad elements give a capped list of errors", "[limits][case][slow]") {
  auto p = policy_pipeline(header + "rule r cover\n");
  REQUIRE(p.ok());
  auto run = p.run_text("case.yaml", "date_of_service: 2026-01-01\ncodes: [" + repeat("X, ", 999999) + "X]\n");
  CHECK_FALSE(run.determination);
  CHECK(run.case_diagnostics.items().size() <= 1001);
  CHECK(has_code(run.case_diagnostics, "case.too_many_errors"));
}

TEST_CASE("case nesting, value length and file size are limited", "[limits][case]") {
  auto p = policy_pipeline(header + "rule r cover\n");
  REQUIRE(p.ok());
  auto nested = p.run_text("deep.yaml",
                           "date_of_service: 2026-01-01\nextra: " + repeat("[", 100000) + repeat("]", 100000) + "\n");
  CHECK(has_code(nested.case_diagnostics, "case.too_deep"));
  CHECK(where(p, nested.case_diagnostics, "case.too_deep") == "deep.yaml:2:71");
  auto blocks = p.run_text(
      "blocks.yaml", "date_of_service: 2026-01-01\nperson:\n" + [] {
        std::string s;
        for (int i = 1; i <= 70; ++i) s += std::string(2 * i, ' ') + "a:\n";
        return s;
      }());
  CHECK(has_code(blocks.case_diagnostics, "case.too_deep"));

  auto max_string = p.run_text("max.yaml", "date_of_service: 2026-01-01\ns: " + std::string(1u << 20, 'a') + "\n");
  CHECK(max_string.determination);
  auto long_string =
      p.run_text("long.yaml", "date_of_service: 2026-01-01\ns: \"" + std::string((1u << 20) + 1, 'a') + "\"\n");
  CHECK_FALSE(long_string.determination);
  CHECK(has_code(long_string.case_diagnostics, "case.too_long"));
  CHECK(where(p, long_string.case_diagnostics, "case.too_long") == "long.yaml:2:4");

  auto huge = p.run_text("huge.yaml", "date_of_service: 2026-01-01\n# " + std::string(64u << 20, 'x') + "\n");
  CHECK_FALSE(huge.determination);
  CHECK(has_code(huge.case_diagnostics, "case.too_large"));
}

TEST_CASE("YAML aliases are never expanded: a billion laughs loads in bounded time", "[limits][case][alias]") {
  auto p = policy_pipeline(header + "rule r when count(codes) >= 1 cover\n");
  REQUIRE(p.ok());
  std::string laughs =
      "date_of_service: 2026-01-01\nl0: &l0 [F33.2, F33.2, F33.2, F33.2, F33.2, F33.2, F33.2, F33.2, F33.2, F33.2]\n";
  for (int i = 1; i <= 9; ++i) {
    laughs += fmt::format("l{}: &l{} [", i, i);
    for (int k = 0; k < 10; ++k) laughs += fmt::format("{}*l{}", k ? ", " : "", i - 1);
    laughs += "]\n";
  }
  auto started = std::chrono::steady_clock::now();
  auto as_lists = p.run_text("laughs.yaml", laughs + "codes: *l9\n");    // 10^10 codes if expanded
  auto as_trials = p.run_text("trials.yaml", laughs + "trials: *l9\n");  // records expected, lists given
  auto flat = p.run_text("flat.yaml", "date_of_service: 2026-01-01\nc: &c [" + repeat("F33.2, ", 9999) +
                                          "F33.2]\ntrials: []\ncodes: *c\nl1: [" + repeat("*c, ", 999) + "*c]\n");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK(seconds < 20);
  CHECK_FALSE(as_lists.determination);
  CHECK(as_lists.case_diagnostics.items().size() <= 1300);
  CHECK_FALSE(as_trials.determination);
  REQUIRE(flat.determination);  // 10,000 shared codes, read once
  CHECK(decision_text(flat.determination->decision) == "covered");
}

TEST_CASE("integer overflow makes the value unknown, pends the case and warns naming the expression",
          "[limits][overflow]") {
  auto p = policy_pipeline(header + "rule r cover require x * y > 0\nrule s cover require x + y > 0\n");
  REQUIRE(p.ok());
  auto run = p.run_text("case.yaml", "date_of_service: 2026-01-01\nx: 4611686018427387904\ny: 4611686018427387904\n");
  INFO(run.first_error());
  REQUIRE(run.determination);
  const engine::Determination& d = *run.determination;
  CHECK(decision_text(d.decision) == "pend");
  std::vector<std::string> warnings;
  for (const engine::CaseWarning& w : d.warnings) warnings.push_back(w.message);
  CHECK(std::find(warnings.begin(), warnings.end(), "integer overflow in `x * y`: its value is unknown") !=
        warnings.end());
  CHECK(std::find(warnings.begin(), warnings.end(), "integer overflow in `x + y`: its value is unknown") !=
        warnings.end());
  std::string json = engine::render_json(d, p.sources(), false);
  CHECK(json.find("integer overflow in `x * y`") != std::string::npos);

  auto dates =
      policy_pipeline(header + "rule r cover require person.birth_date + 9000000000000 days > date_of_service\n");
  REQUIRE(dates.ok());
  auto far = dates.run_text("case.yaml", "date_of_service: 2026-01-01\nperson: {birth_date: 1990-01-01}\n");
  REQUIRE(far.determination);
  CHECK(decision_text(far.determination->decision) == "pend");
  CHECK_FALSE(far.determination->warnings.empty());
}

TEST_CASE("negating the smallest integer warns like the other overflows", "[limits][overflow]") {
  auto p = policy_pipeline(header + "rule r cover require -y > 0\n");
  REQUIRE(p.ok());
  auto run = p.run_text("case.yaml", "date_of_service: 2026-01-01\ny: -9223372036854775808\n");
  INFO(run.first_error());
  REQUIRE(run.determination);
  CHECK(decision_text(run.determination->decision) == "pend");
  REQUIRE_FALSE(run.determination->warnings.empty());
  CHECK(run.determination->warnings[0].message == "integer overflow in `-y`: its value is unknown");
}

TEST_CASE("invalid dates are errors in rules and cases", "[limits][dates]") {
  CHECK_FALSE(dsl::parse_iso_date("2026-02-30"));
  CHECK_FALSE(dsl::parse_iso_date("2025-02-29"));
  CHECK_FALSE(dsl::parse_iso_date("2026-13-01"));
  CHECK_FALSE(dsl::parse_iso_date("99999-01-01"));
  CHECK(dsl::parse_iso_date("2024-02-29"));
  auto rules = policy_pipeline(header + "rule r when date_of_service > 2026-02-30 cover\n");
  CHECK(rules.diagnostics_text().find("invalid date `2026-02-30` [parse.invalid_date]") != std::string::npos);
  auto p = policy_pipeline(header + "rule r cover\n");
  auto run = p.run_text("case.yaml", "date_of_service: 2026-02-30\n");
  CHECK(where(p, run.case_diagnostics, "case.date") == "case.yaml:1:18");
}

TEST_CASE("NUL, control characters and bytes that are not UTF-8 are named in cases", "[limits][encoding]") {
  auto p = policy_pipeline(header + "rule r cover\n");
  REQUIRE(p.ok());
  auto nul = p.run_text("nul.yaml", std::string("date_of_service: 2026-01-01\ns: a\0b\n", 34));
  CHECK(where(p, nul.case_diagnostics, "case.encoding") == "nul.yaml:2:5");
  auto bell = p.run_text("bell.yaml", "date_of_service: 2026-01-01\ns: a\ab\n");
  CHECK(where(p, bell.case_diagnostics, "case.encoding") == "bell.yaml:2:5");
  auto latin1 = p.run_text("latin1.yaml", "date_of_service: 2026-01-01\ns: caf\xe9\n");
  CHECK(where(p, latin1.case_diagnostics, "case.encoding") == "latin1.yaml:2:7");
  CHECK(p.render(latin1.case_diagnostics).find("byte 0xE9 is not valid UTF-8") != std::string::npos);
  for (const char* bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80"}) {
    auto run = p.run_text("bad.yaml", std::string("date_of_service: 2026-01-01\ns: x") + bad + "\n");
    CHECK(has_code(run.case_diagnostics, "case.encoding"));
  }
  auto utf8 = p.run_text("ok.yaml", "date_of_service: 2026-01-01\ns: \"caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x92\x8a\"\n");
  CHECK(utf8.determination);
}

TEST_CASE("an unterminated quoted string is an error, not the rest of the file swallowed", "[limits][case]") {
  auto p = policy_pipeline(header + "rule r cover\n");
  auto run = p.run_text("q.yaml", "date_of_service: 2026-01-01\ns: \"abc\nx: 1\n");
  CHECK(where(p, run.case_diagnostics, "case.syntax") == "q.yaml:2:4");
  CHECK(p.render(run.case_diagnostics).find("the double-quoted string is never closed") != std::string::npos);
  auto single = p.run_text("s.yaml", "date_of_service: 2026-01-01\ns: 'it''s\n");
  CHECK(has_code(single.case_diagnostics, "case.syntax"));
}

TEST_CASE("BOM, CRLF and tabs are accepted, with columns that count neither", "[limits][encoding]") {
  auto p = policy_pipeline(header + "rule r when person.flag cover\n");
  REQUIRE(p.ok());
  auto ok = p.run_text("ok.yaml",
                       "\xEF\xBB\xBF"
                       "date_of_service: 2026-01-01\r\nperson:\r\n  flag:\ttrue\r\n");
  INFO(ok.first_error());
  REQUIRE(ok.determination);
  CHECK(decision_text(ok.determination->decision) == "covered");
  auto bad = p.run_text("bad.yaml",
                        "\xEF\xBB\xBF"
                        "date_of_service: 2026-02-30\r\nperson:\r\n  flag:\t7\r\n");
  CHECK(where(p, bad.case_diagnostics, "case.date") == "bad.yaml:1:18");
  CHECK(where(p, bad.case_diagnostics, "case.type") == "bad.yaml:3:9");
  std::string text = p.render(bad.case_diagnostics);
  CHECK(text.find(" 1 | date_of_service: 2026-02-30\n   |                  ^^^^^^^^^^\n") != std::string::npos);
  CHECK(text.find('\r') == std::string::npos);

  auto rules = policy_pipeline(
      "\xEF\xBB\xBF"
      "policy p \"t\" version \"1\" default denied\r\nrule r\r\n\twhen\tx >= \"a\"\r\n\tcover\r\n");
  std::string rtext = rules.diagnostics_text();
  INFO(rtext);
  CHECK(rtext.find("policy.cpl:3:7: error") != std::string::npos);
  CHECK(rtext.find('\r') == std::string::npos);
}

// Found by fuzz_case_json: an empty record was copied into an empty padded buffer with
// memcpy(nullptr, ..., 0), undefined behaviour that UBSan reports.
TEST_CASE("the JSON loader rejects empty and truncated records cleanly", "[limits][json]") {
  auto p = policy_pipeline(header + "rule r cover\n");
  REQUIRE(p.ok());
  engine::JsonCaseLoader loader;
  for (std::string text : {std::string(), std::string("{"), std::string("{\"date_of_service\": \"2026-01-0"),
                           std::string("\0", 1), std::string("[1, 2]"), std::string("{\"x\": 99999999999999999999}")}) {
    dsl::FileId file = p.sources().add("record.json", text);
    dsl::Diagnostics diagnostics;
    engine::Case c;
    INFO(text);
    CHECK_FALSE(loader.load(p.program().schema(), text, text.size(), file, diagnostics, c));
    CHECK(diagnostics.has_errors());
  }
}

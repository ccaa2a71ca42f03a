// Seeded generators of small CPL rule sets and matching cases, shared by the property tests
// (tests/unit/test_properties.cpp, driven by std::mt19937_64) and the evaluation fuzzer
// (fuzz/fuzz_eval.cpp, driven by the fuzzer's bytes). Everything generated type-checks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "dsl/check/checker.hpp"
#include "dsl/source/diagnostics.hpp"
#include "dsl/syntax/parser.hpp"
#include "dsl/syntax/rule_files.hpp"
#include "engine/compile/compile.hpp"
#include "engine/compile/pipeline.hpp"
#include "engine/compile/program.hpp"
#include "engine/session/session.hpp"

namespace covcheck::testing::gen {

// Where the choices come from: any callable `std::uint32_t below(std::uint32_t n)` source.
class SeededChoices {
 public:
  explicit SeededChoices(std::uint64_t seed) : rng_(seed) {}
  std::uint32_t below(std::uint32_t n) { return n == 0 ? 0 : static_cast<std::uint32_t>(rng_() % n); }

 private:
  std::mt19937_64 rng_;
};

// Reads choices from fuzzer bytes; once they run out every choice is 0 (the smallest).
class ByteChoices {
 public:
  ByteChoices(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint32_t below(std::uint32_t n) {
    if (n <= 1) return 0;
    std::uint32_t v = 0;
    for (int i = 0; i < (n > 256 ? 2 : 1); ++i) v = (v << 8) | (at_ < size_ ? data_[at_++] : 0);
    return v % n;
  }
  bool exhausted() const { return at_ >= size_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

// No defaults and no derived field reads presence, so information monotonicity applies to
// every rule set generated without presence tests.
inline const char* schema_text = R"(schema g "generated" version "1"
enum benefit { pain_management, mental_health }
enum document { lmn, notes }
enum color { red, green, blue }
record item {
  color: color
  n: int
  day: date
}
record case {
  id: string
  date_of_service: date
  birth_date: date
  age: int = years_between(birth_date, date_of_service)
  a: int
  b: int
  flag: bool
  other: bool
  color: color
  code: icd10
  items: list of item
  documents: list of document
}
)";

struct RuleSetOptions {
  bool presence_tests = false;  // allow `is known` / `is unknown`
  int max_rules = 6;
  int max_depth = 3;
};

struct GeneratedRule {
  std::string id;
  std::string text;  // the whole rule, ending in a newline
};

struct GeneratedFile {
  std::string name;    // e.g. "policy.cpl"
  std::string header;  // the policy or module header and code sets
  std::vector<GeneratedRule> rules;
  std::string text() const {
    std::string out = header;
    for (const GeneratedRule& r : rules) out += "\n" + r.text;
    return out;
  }
};

template <class Choices>
class RuleSetGenerator {
 public:
  RuleSetGenerator(Choices& c, RuleSetOptions options) : c_(c), o_(options) {}

  // A policy file and (sometimes) a module file, over schema_text (file "schema.cpl").
  std::vector<GeneratedFile> generate() {
    static const char* decisions[] = {"covered", "pend", "denied", "excluded"};
    std::vector<GeneratedFile> files;
    GeneratedFile policy;
    policy.name = "policy.cpl";
    policy.header = std::string("policy p \"generated\" version \"1\" effective 2020-01-01 ..\n  default ") +
                    decisions[c_.below(4)] + " \"not addressed\"\n" + codesets();
    int n = 1 + static_cast<int>(c_.below(static_cast<std::uint32_t>(o_.max_rules)));
    for (int i = 0; i < n; ++i) policy.rules.push_back(rule("r" + std::to_string(i), i));
    files.push_back(std::move(policy));
    if (c_.below(2) == 1) {
      GeneratedFile module;
      module.name = "module.cpl";
      module.header = "module m \"generated module\"\n" + codesets();
      int k = 1 + static_cast<int>(c_.below(3));
      for (int i = 0; i < k; ++i) module.rules.push_back(rule("q" + std::to_string(i), -1));
      files.push_back(std::move(module));
    }
    return files;
  }

 private:
  static std::string codesets() {
    return "codeset dep = icd10 { F32.0 .. F32.5, F33.* }\ncodeset pain = icd10 { G89.*, G90.5* }\n";
  }

  std::string num(int lo, int hi) {
    return std::to_string(lo + static_cast<int>(c_.below(static_cast<std::uint32_t>(hi - lo + 1))));
  }
  std::string color() {
    static const char* colors[] = {"red", "green", "blue"};
    return colors[c_.below(3)];
  }

  std::string atom(int depth) {
    switch (c_.below(o_.presence_tests ? 20 : 18)) {
      case 0: return "a >= " + num(-2, 5);
      case 1: return "b < " + num(-2, 5);
      case 2: return "a + b > " + num(-3, 8);
      case 3: return "a * b <= " + num(-4, 9);
      case 4: return "flag";
      case 5: return "not other";
      case 6: return "color == " + color();
      case 7: return "color in { " + color() + ", " + color() + " }";
      case 8: return "code in dep";
      case 9: return "code in pain | dep";
      case 10: return "age >= " + num(10, 30);
      case 11: return "any items i: i.color == " + color();
      case 12: return "all items i: i.n > " + num(-1, 3);
      case 13: return "count(items i: i.n >= " + num(0, 3) + ") >= " + num(0, 3);
      case 14: return "count distinct(items i: i.n > 0 ; i.color) >= " + num(1, 3);
      case 15: return "any items i: i.day within " + num(1, 60) + " days before date_of_service";
      case 16: return "birth_date + " + num(1, 40) + " months < date_of_service";
      case 17:
        if (depth < o_.max_depth) return "(if flag then " + expr(depth + 1) + " else " + expr(depth + 1) + ")";
        return "a != b";
      case 18: {
        static const char* fields[] = {"a", "b", "flag", "color", "code", "items", "birth_date"};
        return std::string(fields[c_.below(7)]) + (c_.below(2) ? " is known" : " is unknown");
      }
      default: return "count(documents) >= 1";
    }
  }

  std::string expr(int depth) {
    if (depth >= o_.max_depth) return atom(depth);
    switch (c_.below(6)) {
      case 0: return "(" + expr(depth + 1) + " and " + expr(depth + 1) + ")";
      case 1: return "(" + expr(depth + 1) + " or " + expr(depth + 1) + ")";
      case 2: return "not (" + expr(depth + 1) + ")";
      default: return atom(depth);
    }
  }

  std::string otherwise() {
    static const char* effects[] = {"deny", "pend", "exclude"};
    return std::string(" else ") + effects[c_.below(3)] + " \"criterion failed\"";
  }

  // `index` >= 0: a policy rule, which may override an earlier policy rule.
  GeneratedRule rule(const std::string& id, int index) {
    std::string t = "rule " + id + " \"generated rule\"\n";
    if (c_.below(4) != 0) t += "  when " + expr(0) + "\n";
    if (index > 0 && c_.below(5) == 0)
      t += "  overrides r" + std::to_string(c_.below(static_cast<std::uint32_t>(index))) + "\n";
    switch (c_.below(7)) {
      case 0:
      case 1:
      case 2: {
        t += "  cover\n";
        int n = static_cast<int>(c_.below(3));
        for (int i = 0; i < n; ++i) t += "  require " + expr(0) + otherwise() + "\n";
        if (c_.below(4) == 0) t += "  require document lmn else pend \"send the letter\"\n";
        if (c_.below(3) == 0) t += "  require prior_auth\n";
        break;
      }
      case 3: t += "  exclude \"excluded\"\n"; break;
      case 4: t += "  deny \"denied\"\n"; break;
      case 5: t += "  pend \"pended\"\n"; break;
      default: t += "  require " + expr(0) + otherwise() + "\n"; break;
    }
    return {id, t};
  }

  Choices& c_;
  RuleSetOptions o_;
};

// A case over schema_text: every field may be absent; `fill` gives one absent field a value.
struct GeneratedItem {
  std::optional<std::string> color;
  std::optional<int> n;
  std::optional<std::string> day;
};

struct GeneratedCase {
  std::optional<std::string> birth_date;
  std::optional<int> a, b;
  std::optional<bool> flag, other;
  std::optional<std::string> color, code;
  std::optional<std::vector<GeneratedItem>> items;
  std::optional<std::vector<std::string>> documents;

  std::string yaml() const {
    std::string y = "id: generated\ndate_of_service: 2026-03-02\n";
    auto line = [&](const char* k, const std::string& v) { y += std::string(k) + ": " + v + "\n"; };
    if (birth_date) line("birth_date", *birth_date);
    if (a) line("a", std::to_string(*a));
    if (b) line("b", std::to_string(*b));
    if (flag) line("flag", *flag ? "true" : "false");
    if (other) line("other", *other ? "true" : "false");
    if (color) line("color", *color);
    if (code) line("code", *code);
    if (items) {
      y += items->empty() ? "items: []\n" : "items:\n";
      for (const GeneratedItem& i : *items) {
        y += "  - {";
        std::string sep;
        if (i.color) y += sep + "color: " + *i.color, sep = ", ";
        if (i.n) y += sep + "n: " + std::to_string(*i.n), sep = ", ";
        if (i.day) y += sep + "day: " + *i.day, sep = ", ";
        y += "}\n";
      }
    }
    if (documents) {
      y += "documents: [";
      for (std::size_t k = 0; k < documents->size(); ++k) y += (k ? ", " : "") + (*documents)[k];
      y += "]\n";
    }
    return y;
  }
};

template <class Choices>
class CaseGenerator {
 public:
  explicit CaseGenerator(Choices& c) : c_(c) {}

  GeneratedCase generate() {
    GeneratedCase k;
    if (c_.below(3)) k.birth_date = birth_date();
    if (c_.below(3)) k.a = num();
    if (c_.below(3)) k.b = num();
    if (c_.below(3)) k.flag = c_.below(2) == 1;
    if (c_.below(3)) k.other = c_.below(2) == 1;
    if (c_.below(3)) k.color = color();
    if (c_.below(3)) k.code = code();
    if (c_.below(3)) {
      k.items.emplace();
      std::uint32_t n = c_.below(4);
      for (std::uint32_t i = 0; i < n; ++i) k.items->push_back(item(c_.below(4) == 0));
    }
    if (c_.below(3)) k.documents = documents();
    return k;
  }

  // Gives one absent field (top level, or of a list element) a value and returns its name
  // (`a`, `items`, `items[].color`); empty when no field is absent.
  std::string fill(GeneratedCase& k) {
    std::vector<int> absent;
    for (int f = 0; f < 9; ++f) {
      if (!present(k, f)) absent.push_back(f);
    }
    std::vector<std::pair<std::size_t, int>> absent_in_items;
    if (k.items) {
      for (std::size_t i = 0; i < k.items->size(); ++i) {
        const GeneratedItem& it = (*k.items)[i];
        if (!it.color) absent_in_items.push_back({i, 0});
        if (!it.n) absent_in_items.push_back({i, 1});
        if (!it.day) absent_in_items.push_back({i, 2});
      }
    }
    std::size_t total = absent.size() + absent_in_items.size();
    if (total == 0) return {};
    std::size_t pick = c_.below(static_cast<std::uint32_t>(total));
    if (pick < absent.size()) {
      set(k, absent[pick]);
      static const char* names[] = {"birth_date", "a", "b", "flag", "other", "color", "code", "items", "documents"};
      return names[absent[pick]];
    }
    auto [i, f] = absent_in_items[pick - absent.size()];
    GeneratedItem& it = (*k.items)[i];
    if (f == 0) it.color = color();
    if (f == 1) it.n = num();
    if (f == 2) it.day = day();
    static const char* item_names[] = {"items[].color", "items[].n", "items[].day"};
    return item_names[f];
  }

 private:
  static bool present(const GeneratedCase& k, int f) {
    switch (f) {
      case 0: return k.birth_date.has_value();
      case 1: return k.a.has_value();
      case 2: return k.b.has_value();
      case 3: return k.flag.has_value();
      case 4: return k.other.has_value();
      case 5: return k.color.has_value();
      case 6: return k.code.has_value();
      case 7: return k.items.has_value();
      default: return k.documents.has_value();
    }
  }

  void set(GeneratedCase& k, int f) {
    switch (f) {
      case 0: k.birth_date = birth_date(); break;
      case 1: k.a = num(); break;
      case 2: k.b = num(); break;
      case 3: k.flag = c_.below(2) == 1; break;
      case 4: k.other = c_.below(2) == 1; break;
      case 5: k.color = color(); break;
      case 6: k.code = code(); break;
      case 7: {
        k.items.emplace();
        std::uint32_t n = c_.below(4);
        for (std::uint32_t i = 0; i < n; ++i) k.items->push_back(item(false));
        break;
      }
      default: k.documents = documents(); break;
    }
  }

  int num() { return static_cast<int>(c_.below(9)) - 3; }
  std::string color() {
    static const char* colors[] = {"red", "green", "blue"};
    return colors[c_.below(3)];
  }
  std::string code() {
    static const char* codes[] = {"F32.1", "F33.9", "F32.81", "G89.4", "G90.52", "M79.7"};
    return codes[c_.below(6)];
  }
  std::string birth_date() {
    static const char* dates[] = {"1990-05-01", "2008-03-02", "2008-03-03", "2025-12-31"};
    return dates[c_.below(4)];
  }
  std::string day() {
    static const char* dates[] = {"2026-01-01", "2026-02-20", "2026-03-02", "2025-06-30"};
    return dates[c_.below(4)];
  }
  GeneratedItem item(bool sparse) {
    GeneratedItem i;
    if (!sparse || c_.below(2)) i.color = color();
    if (!sparse || c_.below(2)) i.n = num();
    if (!sparse || c_.below(2)) i.day = day();
    return i;
  }
  std::vector<std::string> documents() {
    std::vector<std::string> d;
    if (c_.below(2)) d.push_back("lmn");
    if (c_.below(2)) d.push_back("notes");
    return d;
  }

  Choices& c_;
};

// A rule set built from in-memory files (in the given order: the load order), and decisions.
struct GeneratedProgram {
  dsl::SourceRegistry sources;
  std::shared_ptr<const engine::Program> program;  // null when it did not compile
  std::string diagnostics;                         // rendered, when it did not compile
};

inline GeneratedProgram build_program(const std::vector<std::pair<std::string, std::string>>& files) {
  GeneratedProgram g;
  dsl::Diagnostics diagnostics;
  dsl::RuleFiles rule_files;
  for (const auto& [name, text] : files) {
    dsl::FileId id = g.sources.add(name, text);
    std::optional<dsl::ast::File> parsed = dsl::parse_file(g.sources, id, rule_files.node_count, diagnostics);
    if (!parsed) continue;
    rule_files.files.push_back(std::move(*parsed));
    rule_files.imports.emplace_back();
    rule_files.canonical_paths.push_back("/generated/" + name);
  }
  if (!diagnostics.has_errors()) {
    std::unique_ptr<dsl::CheckedRuleSet> checked = dsl::check_rule_set(std::move(rule_files), g.sources, diagnostics);
    if (checked && !diagnostics.has_errors()) g.program = engine::compile(std::move(checked));
  }
  if (!g.program) g.diagnostics = dsl::render_all(diagnostics, g.sources);
  return g;
}

// The schema file first, then the generated files in order.
inline std::vector<std::pair<std::string, std::string>> with_schema(const std::vector<GeneratedFile>& files) {
  std::vector<std::pair<std::string, std::string>> out{{"schema.cpl", schema_text}};
  for (const GeneratedFile& f : files) out.emplace_back(f.name, f.text());
  return out;
}

// Decides a case given as YAML text; nullopt (with the rendered diagnostics) when it fails.
inline std::optional<engine::Determination> decide(GeneratedProgram& g, const std::string& yaml,
                                                   std::string* errors = nullptr) {
  engine::DecisionSession session(*g.program, g.sources);
  engine::CaseInput input;
  input.text = yaml;
  input.name = "case.yaml";
  engine::SessionOptions options;
  options.trace = true;
  engine::CaseOutcome& r = session.decide(input, options);
  if (!r.determination && errors) *errors = dsl::render_all(r.diagnostics, session.sources());
  return std::move(r.determination);
}

// Where a determination's outcome may still land, as [lowest, highest] in lattice order
// (covered < pend < denied < excluded): one point when definite.
inline std::pair<engine::Decision, engine::Decision> outcome_bounds(const engine::Determination& d) {
  if (d.decision == engine::Decision::pend && d.at_stake.size() == 2) return {d.at_stake[0], d.at_stake[1]};
  return {d.decision, d.decision};
}

}  // namespace covcheck::testing::gen

// Differential test of JSON case loading: thousands of seeded mutations of the workload's
// records (wrong types, unknown and repeated keys, nulls, escapes, syntax errors, deep
// nesting, stray bytes) go through the clean-document fast path, the full simdjson walk and,
// when the text is valid JSON, the YAML loader; all must give the same result, diagnostics
// and Case, so that the fast path cannot silently diverge from the walk that words errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "engine/cases/case_builder.hpp"
#include "engine/cases/case_loader.hpp"
#include "engine/cases/json_case_loader.hpp"
#include "engine/cases/json_clean_walk.hpp"
#include "tests/unit/pipeline_fixture.hpp"

using namespace covcheck;

namespace {

std::vector<std::string> sample_records(std::size_t limit) {
  std::ifstream in(COVCHECK_SOURCE_DIR "/tests/data/workload/cases.jsonl", std::ios::binary);
  std::vector<std::string> out;
  for (std::string line; out.size() < limit && std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// Deterministic across platforms: only the raw mt19937 sequence is used, never a
// std::*_distribution (whose results the standard leaves to the implementation).
struct Mutator {
  std::mt19937 rng{20261124u};
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); }
  template <typename T, std::size_t N>
  const T& pick(const T (&a)[N]) {
    return a[below(N)];
  }

  // Where a member's value starts: just after a `":` (the text keeps its order otherwise).
  std::size_t value_start(const std::string& s) {
    std::vector<std::size_t> at;
    for (std::size_t i = 0; i + 1 < s.size(); ++i)
      if (s[i] == '"' && s[i + 1] == ':') at.push_back(i + 2);
    return at.empty() ? std::string::npos : at[below(at.size())];
  }
  // The end of the JSON value starting at `i` (a rough scan: enough for generated records).
  static std::size_t value_end(const std::string& s, std::size_t i) {
    int depth = 0;
    bool in_string = false;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (in_string) {
        if (c == '\\') ++i;
        else if (c == '"') in_string = false;
        if (!in_string && depth == 0) return i + 1;
        continue;
      }
      if (c == '"') in_string = true;
      else if (c == '[' || c == '{') ++depth;
      else if (c == ']' || c == '}') {
        if (depth == 0) return i;
        if (--depth == 0) return i + 1;
      } else if (c == ',' && depth == 0) {
        return i;
      }
    }
    return s.size();
  }
  std::string nested(std::size_t depth) {
    bool objects = below(2) == 0;
    std::string open, close;
    for (std::size_t i = 0; i < depth; ++i) {
      open += objects ? "{\"a\":" : "[";
      close += objects ? "}" : "]";
    }
    return open + "1" + close;
  }

  void mutate(std::string& s) {
    static const char* const values[] = {
        "null",
        "\"x\"",
        "12",
        "-0.5e3",
        "true",
        "false",
        "[]",
        "{}",
        "[1,\"a\",null]",
        "{\"a\":1}",
        "99999999999999999999",
        "\"F33.2\"",
        "\"f332\"",
        "\"2026-02-30\"",
        "\"12\"",
        "\"true\"",
        "[null]",
        "[{}]",
        "[\"F33.2\",null,\"G89.4\"]",
        "\"a\\u00e9\\n\"",
        "\"caf\xC3\xA9\"",
        "\"\\\"q\\\\\"",
        "0",
        "-0",
        "1E5",
        "01",
        "1.",
        "tru",
        "nul",
        "\"unterminated",
        "[1,]",
        "{\"a\":1,}",
        "\"SSRI\"",
        "\"ssri\"",
        "{\"drug\":\"x\",\"class\":\"SSRI\",\"weeks\":3,\"outcome\":\"failed\"}",
        " 7 ",
        "\"\"",
        "-",
        "1e400",
        "9223372036854775807",
        "-9223372036854775809",
        "\"\t\"",
    };
    static const char* const keys[] = {"zz", "id",       "age",       "plan", "trials", "drug",      "class", "weeks",
                                       "bp", "systolic", "documents", "Age",  "",       "a\\u0067e", "x y"};
    static const char* const bytes[] = {"{",  "}",  "[",    "]",    ":",        ",",    "\"", "\\", " ",
                                        "\t", "\n", "\r",   "0",    "9",        "a",    "n",  "t",  "-",
                                        ".",  "e",  "\x7f", "\x80", "\xC3\xA9", "\x01", "'",  "#",  "/"};
    switch (below(10)) {
      case 0:
      case 1: {  // a member's value replaced
        std::size_t at = value_start(s);
        if (at == std::string::npos) return;
        s.replace(at, value_end(s, at) - at, pick(values));
        return;
      }
      case 2: {  // a member inserted after an opening brace: unknown, or repeating a known key
        std::vector<std::size_t> opens;
        for (std::size_t i = 0; i < s.size(); ++i)
          if (s[i] == '{') opens.push_back(i + 1);
        if (opens.empty()) return;
        std::size_t at = opens[below(opens.size())];
        std::string key = pick(keys);
        if (below(2) == 0 && at < s.size() && s[at] == '"') key = s.substr(at + 1, s.find('"', at + 1) - at - 1);
        bool last = at < s.size() && s[at] == '}';
        s.insert(at, "\"" + key + "\":" + pick(values) + (last ? "" : ","));
        return;
      }
      case 3: {  // deep nesting somewhere
        std::size_t at = value_start(s);
        if (at == std::string::npos) return;
        s.replace(at, value_end(s, at) - at, nested(20 + below(60)));
        return;
      }
      case 4: {  // whitespace between tokens (valid: moves every later span)
        std::size_t at = value_start(s);
        if (at == std::string::npos) return;
        static const char* const spaces[] = {" ", "\n", "\t ", "\r\n  "};
        s.insert(below(2) ? at : at - 1, pick(spaces));
        return;
      }
      case 5: {  // a byte inserted, replaced or deleted
        std::size_t at = below(s.size() + 1);
        std::size_t how = below(3);
        if (how == 0 || at == s.size()) s.insert(at, pick(bytes));
        else if (how == 1) s.replace(at, 1, pick(bytes));
        else s.erase(at, 1);
        return;
      }
      case 6:  // truncated, or trailing content
        if (below(2) == 0) s.resize(below(s.size()));
        else s += below(2) ? " {\"id\":\"b\"}" : "  \n";
        return;
      case 7: {  // a list element replaced
        std::vector<std::size_t> at;
        for (std::size_t i = 0; i + 1 < s.size(); ++i)
          if (s[i] == '[' || (s[i] == ',' && s[i + 1] == '"')) at.push_back(i + 1);
        if (at.empty()) return;
        std::size_t i = at[below(at.size())];
        s.replace(i, value_end(s, i) - i, pick(values));
        return;
      }
      default: return;  // left valid: the fast path's own ground
    }
  }
};

// Everything a loader leaves in a Case, spans included, as text for an exact comparison.
// `ends` false: spans by where they begin only (see the YAML comparison below).
std::string dump(const engine::Case& c, bool ends = true) {
  std::string out;
  auto span = [&](const dsl::SourceSpan& s) {
    out += '@' + std::to_string(s.file) + ':' + std::to_string(s.begin);
    if (ends) out += '-' + std::to_string(s.end);
  };
  auto value = [&](const engine::Value& v) {
    std::int64_t bits;
    std::memcpy(&bits, &v.integer, sizeof bits);
    out += ' ' + std::to_string(static_cast<int>(v.kind)) + '/' + std::to_string(bits);
  };
  out += "id " + c.id.value_or("<none>") + "\nslots";
  for (std::size_t i = 0; i < c.slots.size(); ++i) {
    value(c.slots[i]);
    span(c.slot_spans[i]);
  }
  out += "\nrecords";
  for (const engine::CaseRecord& r : c.records) {
    for (std::uint32_t x : {r.type, r.first_slot, r.parent_record, r.parent_field, r.parent_list, r.index_in_list})
      out += ' ' + std::to_string(x);
    out += ';';
  }
  out += "\nitems";
  for (std::size_t i = 0; i < c.items.size(); ++i) {
    value(c.items[i]);
    span(c.item_spans[i]);
  }
  out += "\nlists";
  for (const engine::CaseList& l : c.lists)
    out += ' ' + std::to_string(l.first) + ',' + std::to_string(l.count) + ',' + std::to_string(l.parent_record) + ',' +
           std::to_string(l.parent_field);
  out += "\nstrings";
  for (const std::string& s : c.strings) out += " [" + s + ']';
  return out + '\n';
}

std::string dump(const dsl::Diagnostics& ds, bool ends = true) {
  std::string out;
  auto span = [&](const dsl::SourceSpan& s) {
    out += '@' + std::to_string(s.begin);
    if (ends) out += '-' + std::to_string(s.end);
    out += ' ';
  };
  for (const dsl::Diagnostic& d : ds.items()) {
    out += (d.severity == dsl::Severity::error ? "error " : "warning ") + d.code + ' ';
    span(d.span);
    out += d.message + " | " + d.help.value_or("-");
    for (const dsl::DiagnosticNote& n : d.notes) {
      out += " | note ";
      if (n.span) span(*n.span);
      out += n.message;
    }
    out += '\n';
  }
  return out;
}

bool syntax_error(const dsl::Diagnostics& ds) {
  for (const dsl::Diagnostic& d : ds.items())
    if (d.code == "case.syntax" || d.code == "case.too_deep" || d.code == "case.empty") return true;
  return false;
}

}  // namespace

TEST_CASE("mutated workload records load alike through the fast path, the full walk and YAML", "[json][differential]") {
  testing::Pipeline p({COVCHECK_SOURCE_DIR "/bench/workload"});
  REQUIRE(p.ok());
  const dsl::Schema& schema = p.program().schema();
  engine::SchemaIndex index(schema);
  std::vector<std::string> records = sample_records(400);
  REQUIRE(records.size() == 400);

  engine::JsonCaseLoader fast, full;
  full.set_fast_path(false);
  engine::CleanWalkPools pools;
  engine::Case fast_case, full_case, clean_case;
  Mutator m;
  std::size_t clean = 0, unclean = 0, compared_with_yaml = 0, yaml_agreed = 0;
  for (std::size_t round = 0; round < 10; ++round) {
    for (const std::string& original : records) {
      std::string text = original;
      for (std::size_t k = 0, n = round == 0 ? 0 : 1 + m.below(3); k < n; ++k) m.mutate(text);
      INFO("record: " << text);
      const dsl::FileId file = 0;
      dsl::Diagnostics fast_diags, full_diags;
      // The fast path takes the text with no readable bytes past it: it must not read there.
      bool fast_ok = fast.load(index, text, text.size(), file, fast_diags, fast_case);
      bool full_ok = full.load(index, text, text.size(), file, full_diags, full_case);
      REQUIRE(fast_ok == full_ok);
      REQUIRE(dump(fast_diags) == dump(full_diags));
      if (full_ok) REQUIRE(dump(fast_case) == dump(full_case));

      // A clean document is exactly one that loads with no diagnostic at all.
      bool was_clean = engine::load_clean_json(index, text, file, pools, clean_case);
      if (was_clean) {
        ++clean;
        REQUIRE(full_ok);
        REQUIRE(full_diags.empty());
        REQUIRE(dump(clean_case) == dump(full_case));
      } else {
        ++unclean;
        if (full_ok && full_diags.empty()) {
          // Left to the full walk although it loads without a word: only for what the fast
          // path does not read itself (escapes, bytes outside ASCII, deep nesting).
          bool unusual = text.find('\\') != std::string::npos ||
                         std::any_of(text.begin(), text.end(), [](char c) { return (c & 0x80) != 0; });
          CHECK(unusual);
        }
      }

      // Valid JSON on one line is valid flow-style YAML: the YAML loader must agree. (YAML
      // wants a flow mapping's key and its `:` on one line, so multi-line texts are left
      // out; and yaml-cpp's span of a `null` is its first character only, so spans are
      // compared by where they begin: what `file:line:col` shows. The YAML loader also
      // refuses a raw DEL byte, 0x7F, which JSON allows in a string: left out too.)
      if (syntax_error(full_diags) || text.find_first_of("\r\n\x7f") != std::string::npos) continue;
      ++compared_with_yaml;
      dsl::SourceRegistry sources;
      dsl::FileId yf = sources.add("case.json", text);
      dsl::Diagnostics yaml_diags;
      std::optional<engine::Case> yaml_case = engine::load_case(schema, sources, yf, yaml_diags);
      CHECK(yaml_case.has_value() == full_ok);
      bool agreed = yaml_case.has_value() == full_ok && dump(yaml_diags, false) == dump(full_diags, false) &&
                    (!full_ok || dump(*yaml_case, false) == dump(full_case, false));
      CHECK(dump(yaml_diags, false) == dump(full_diags, false));
      if (yaml_case && full_ok) CHECK(dump(*yaml_case, false) == dump(full_case, false));
      yaml_agreed += agreed;
    }
  }
  // The mutations must reach both paths in earnest, or this test proves nothing.
  INFO("clean " << clean << ", unclean " << unclean << ", compared with YAML " << compared_with_yaml);
  CHECK(clean >= 800);
  CHECK(unclean >= 2000);
  CHECK(compared_with_yaml >= 1500);
  CHECK(yaml_agreed == compared_with_yaml);
}

// Synonyms (any case), taxonomy codes and `none` load identically through the fast path, the
// full walk and YAML, with no diagnostic: the fast path keeps canonical members to its own
// lookup and hands anything else to the same CaseBuilder conversion.
TEST_CASE("synonyms and none load alike through the fast path, the full walk and YAML",
          "[json][differential][synonyms][none]") {
  testing::Pipeline p({COVCHECK_SOURCE_DIR "/rules/acme"});
  REQUIRE(p.ok());
  const dsl::Schema& schema = p.program().schema();
  engine::SchemaIndex index(schema);
  const std::string head = R"({"id":"v","date_of_service":"2026-03-02","request":{"service":)";
  struct Sample {
    std::string text;
    bool loads;
    const char* diagnostic;  // the first diagnostic's code, or "" for none
  };
  const std::vector<Sample> samples = {
      {head +
           R"("esketamine_nasal","prescriber_specialty":"psychiatry"},"assessments":[{"instrument":"phq9","score":20}]})",
       true, ""},
      {head +
           R"("Spravato","prescriber_specialty":"2084P0800X","consultant_specialty":"207lp2900x"},"assessments":[{"instrument":"PHQ-9","score":20}],"treatments":[{"class":"SSRI"},{"class":"Tricyclic"}],"documents":["LMN","Clinical_Notes"],"patient":{"state":"ca"},"conditions":["History of Psychosis"]})",
       true, ""},
      {head + R"("ESKETAMINE_NASAL","consultant_specialty":"none"}})", true, ""},
      {head + R"("ketamine_iv","consultant_specialty":null}})", true, ""},
      {head + R"("ketamine_iv","prescriber_specialty":"none"}})", false, "case.enum"},
      {head + R"("ketamine_iv","consultant_specialty":"None"}})", false, "case.enum"},
      {head + R"("Spravatto"}})", false, "case.enum"},
      {head + R"("ketamine_iv","site":"Office","cpt":["96365"]},"treatments":[{"class":"rtms","outcome":"FAILED"}]})",
       true, ""},
  };
  engine::JsonCaseLoader fast, full;
  full.set_fast_path(false);
  engine::CleanWalkPools pools;
  engine::Case fast_case, full_case, clean_case;
  for (const Sample& s : samples) {
    INFO("record: " << s.text);
    dsl::Diagnostics fast_diags, full_diags;
    bool fast_ok = fast.load(index, s.text, s.text.size(), 0, fast_diags, fast_case);
    bool full_ok = full.load(index, s.text, s.text.size(), 0, full_diags, full_case);
    CHECK(full_ok == s.loads);
    REQUIRE(fast_ok == full_ok);
    REQUIRE(dump(fast_diags) == dump(full_diags));
    CHECK((full_diags.empty() ? std::string() : full_diags.items().front().code) == s.diagnostic);
    if (full_ok) REQUIRE(dump(fast_case) == dump(full_case));
    // A synonym is no diagnostic: such records stay on the fast path.
    CHECK(engine::load_clean_json(index, s.text, 0, pools, clean_case) == (full_ok && full_diags.empty()));
    if (full_ok && full_diags.empty()) CHECK(dump(clean_case) == dump(full_case));
    dsl::SourceRegistry sources;
    dsl::FileId yf = sources.add("case.json", s.text);
    dsl::Diagnostics yaml_diags;
    std::optional<engine::Case> yaml_case = engine::load_case(schema, sources, yf, yaml_diags);
    CHECK(yaml_case.has_value() == full_ok);
    CHECK(dump(yaml_diags, false) == dump(full_diags, false));
    if (yaml_case && full_ok) CHECK(dump(*yaml_case, false) == dump(full_case, false));
  }
  // The synonyms are the members themselves: the second sample is the canonical spelling.
  dsl::Diagnostics diags;
  REQUIRE(full.load(index, samples[1].text, samples[1].text.size(), 0, diags, full_case));
  const dsl::RecordType& request = schema.records[*schema.find_record("request")];
  const engine::Value& req = full_case.field(0, *schema.root_record().find("request"));
  REQUIRE(req.kind == engine::Kind::record);
  auto member = [&](const char* field) {
    const engine::Value& v = full_case.field(req.index, *request.find(field));
    REQUIRE(v.kind == engine::Kind::enumeration);
    return schema.enums[request.fields[*request.find(field)].type.ref].members[v.index];
  };
  CHECK(member("service") == "esketamine_nasal");
  CHECK(member("prescriber_specialty") == "psychiatry");
  CHECK(member("consultant_specialty") == "pain_medicine");
  REQUIRE(full.load(index, samples[2].text, samples[2].text.size(), 0, diags, full_case));
  const engine::Value& req2 = full_case.field(0, *schema.root_record().find("request"));
  CHECK(full_case.field(req2.index, *request.find("consultant_specialty")).kind == engine::Kind::none);
  REQUIRE(full.load(index, samples[3].text, samples[3].text.size(), 0, diags, full_case));
  const engine::Value& req3 = full_case.field(0, *schema.root_record().find("request"));
  CHECK(full_case.field(req3.index, *request.find("consultant_specialty")).kind == engine::Kind::unknown);
}

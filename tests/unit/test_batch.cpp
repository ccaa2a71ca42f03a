// `batch` building blocks: cutting streams into records, the simdjson loader against the
// YAML loader (same Case, same diagnostics), and run_batch's ordered, complete output.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "engine/batch/batch.hpp"
#include "engine/batch/batch_reader.hpp"
#include "engine/cases/case_loader.hpp"
#include "engine/cases/json_case_loader.hpp"
#include "tests/unit/pipeline_fixture.hpp"
#include "tests/unit/rule_text_fixture.hpp"

namespace fs = std::filesystem;
using namespace covcheck;

namespace {

std::string temp_file(const std::string& name, const std::string& text) {
  fs::path path = fs::temp_directory_path() / ("covcheck-batch-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Reads a whole file through RecordReader with a given chunk size.
std::vector<std::pair<std::uint64_t, std::string>> read_records(const std::string& path, engine::InputFormat f,
                                                                std::size_t chunk, std::size_t max_record = 1 << 20) {
  int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  engine::RecordReader reader(fd, f, chunk, max_record);
  engine::Chunk c;
  std::vector<std::pair<std::uint64_t, std::string>> out;
  while (reader.next(c)) {
    for (const auto& r : c.records)
      out.emplace_back(r.line, r.oversized ? "<oversized>" : c.text.substr(r.offset, r.length));
  }
  ::close(fd);
  return out;
}

std::string diagnostics_summary(const dsl::Diagnostics& ds) {
  std::string out;
  for (const dsl::Diagnostic& d : ds.items()) {
    out += d.code + " " + std::to_string(d.span.begin) + " " + d.message + " | " + d.help.value_or("");
    for (const dsl::DiagnosticNote& n : d.notes)
      out += " note " + (n.span ? std::to_string(n.span->begin) : std::string("-")) + " " + n.message;
    out += "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("JSON Lines are cut into non-blank lines with their line numbers", "[batch]") {
  std::vector<engine::RecordRef> r;
  std::string text = "{\"a\":1}\n\n  \r\n{\"b\":2}\r\n{\"c\":3}";
  engine::split_records(text, engine::InputFormat::jsonl, 10, r);
  REQUIRE(r.size() == 3);
  CHECK(r[0].line == 10);
  CHECK(text.substr(r[1].offset, r[1].length) == "{\"b\":2}");  // the CR is not part of it
  CHECK(r[1].line == 13);
  CHECK(r[2].line == 14);
  CHECK(text.substr(r[2].offset, r[2].length) == "{\"c\":3}");
}

TEST_CASE("YAML streams are cut at document markers; empty explicit documents are kept", "[batch]") {
  std::vector<engine::RecordRef> r;
  std::string text = "# a comment before the first document\n---\nid: a\n--- \nid: b\n---\n# nothing\n---\nid: c\n";
  engine::split_records(text, engine::InputFormat::yaml, 1, r);
  REQUIRE(r.size() == 4);
  CHECK(r[0].line == 2);
  CHECK(text.substr(r[0].offset, r[0].length) == "---\nid: a\n");
  CHECK(r[1].line == 4);
  CHECK(r[2].line == 6);  // reported as an empty case, never dropped
  CHECK(r[3].line == 8);
  r.clear();
  engine::split_records("id: only\nage: 3\n", engine::InputFormat::yaml, 1, r);
  REQUIRE(r.size() == 1);
  CHECK(r[0].line == 1);
}

TEST_CASE("the reader yields the same records whatever the chunk size", "[batch]") {
  std::string jsonl;
  for (int i = 0; i < 500; ++i)
    jsonl += "{\"id\":\"c" + std::to_string(i) + "\",\"x\":" + std::string(i % 37, ' ') + "1}\n";
  jsonl += "\n{\"id\":\"last\"}";  // no final newline
  std::string path = temp_file("chunks.jsonl", jsonl);
  auto whole = read_records(path, engine::InputFormat::jsonl, 1 << 20);
  REQUIRE(whole.size() == 501);
  CHECK(whole.back().first == 502);
  CHECK(read_records(path, engine::InputFormat::jsonl, 4096) == whole);

  std::string yaml;
  for (int i = 0; i < 300; ++i) yaml += "---\nid: c" + std::to_string(i) + "\nx: 1\n";
  std::string ypath = temp_file("chunks.yaml", yaml);
  auto ywhole = read_records(ypath, engine::InputFormat::yaml, 1 << 20);
  REQUIRE(ywhole.size() == 300);
  CHECK(read_records(ypath, engine::InputFormat::yaml, 4096) == ywhole);
  CHECK(ywhole[299].first == 3 * 299 + 1);
}

TEST_CASE("a record over the size limit becomes one error record and reading goes on", "[batch]") {
  std::string text = "{\"id\":\"a\"}\n{\"id\":\"" + std::string(20000, 'x') + "\"}\n{\"id\":\"b\"}\n";
  auto records = read_records(temp_file("big.jsonl", text), engine::InputFormat::jsonl, 4096, 8192);
  REQUIRE(records.size() == 3);
  CHECK(records[1].second == "<oversized>");
  CHECK(records[1].first == 2);
  CHECK(records[2].first == 3);
  CHECK(records[2].second == "{\"id\":\"b\"}");
}

TEST_CASE("JSON through simdjson loads like the same JSON through the YAML loader", "[batch][json]") {
  auto p = testing::policy_pipeline(R"(policy p "P" version "1" default denied
rule r "R" when x > 0 cover
)");
  REQUIRE(p.ok());
  const dsl::Schema& schema = p.program().schema();
  const char* texts[] = {
      R"({"id":"a","date_of_service":"2026-03-02","x":3,"s":"t\"q","codes":["F33.2","G89.4"],)"
      R"("person":{"birth_date":"1990-01-01","flag":true},"trials":[{"cls":"a","outcome":"failed"},{}],"documents":["lmn"]})",
      R"({"id":"b","x":"3","y":1.5,"codes":"F33.2","person":[],"trials":[{"cls":"d"}],"documents":["lmnn"]})",
      R"({"id":"c","x":1,"x":2,"patinet":{},"date_of_service":"2026-02-30","codes":["f332"]})",
      R"({"id":"d","x":-1,"y":99999999999999999999,"s":null,"person":null,"trials":null})",
      R"({"id":"e","x":true,"s":12,"person":{"flag":"yes"}})",
      R"([1,2])",
      R"("just text")",
      // Repeated keys, known and unknown, at every level; the note names the first.
      R"({"id":"f","zz":1,"x":1,"zz":{"a":[1,{"b":2}]},"x":"2","zz":3,"x":4,"person":{"flag":true,"flag":false}})",
      R"({"trials":[null,{"cls":"a","cls":"b","qq":1,"qq":[]},[],3,{"outcome":null}],"documents":[null,"lmn",7,["x"]]})",
      // Wrong shapes with content inside, skipped but read.
      R"({"person":[{"flag":1},[2,[3]]],"codes":{"a":{"b":[1,2]}},"x":{"y":null},"s":[],"trials":{"cls":"a"}})",
      R"({"id":"g\u00e9\"\\","s":"t\n\t","x":  7 ,"y":-1.5e3,"unknown":{"deep":[[[[[[[[[[1]]]]]]]]]]}})",
      R"({"x":1,"y":"1.5","person":{"birth_date":"1990-13-01","flag":"true"},"date_of_service":"yesterday"})",
      R"({"codes":["F33.2","F33.2","g89.4","G8941","Z"],"x":9223372036854775807,"y":1e400})",
      R"({"x":-9223372036854775809,"trials":[{},{},{"cls":"zz"}],"documents":[]})",
  };
  engine::JsonCaseLoader loader;
  engine::Case reused;
  for (const char* text : texts) {
    INFO(text);
    dsl::Diagnostics yaml_diags, json_diags;
    dsl::FileId f = p.sources().add("case.json", text);
    std::optional<engine::Case> expected = engine::load_case(schema, p.sources(), f, yaml_diags);
    bool ok = loader.load(schema, text, std::strlen(text), f, json_diags, reused);
    CHECK(ok == expected.has_value());
    CHECK(diagnostics_summary(json_diags) == diagnostics_summary(yaml_diags));
    if (!expected || !ok) continue;
    CHECK(reused.id == expected->id);
    CHECK(reused.strings == expected->strings);
    REQUIRE(reused.slots.size() == expected->slots.size());
    for (std::size_t i = 0; i < reused.slots.size(); ++i) {
      CHECK(reused.slots[i].kind == expected->slots[i].kind);
      CHECK(reused.slots[i].integer == expected->slots[i].integer);
      INFO("slot " << i << ": " << reused.slot_spans[i].begin << "-" << reused.slot_spans[i].end << " vs "
                   << expected->slot_spans[i].begin << "-" << expected->slot_spans[i].end);
      CHECK(reused.slot_spans[i] == expected->slot_spans[i]);
    }
    CHECK(reused.items.size() == expected->items.size());
  }
}

TEST_CASE("a syntax error anywhere in a JSON case is its only error", "[batch][json]") {
  auto p = testing::policy_pipeline(R"(policy p "P" version "1" default denied
rule r "R" when x > 0 cover
)");
  REQUIRE(p.ok());
  engine::JsonCaseLoader loader;
  engine::Case c;
  std::string deep = "{\"id\":\"a\",\"x\":\"bad\",\"zz\":" + std::string(70, '[') + std::string(70, ']') + "}";
  for (std::string text :
       {std::string(R"({"x":"bad","qq":1,"person":[],"y":tru})"),
        std::string(R"({"x":"bad","x":2,"trials":[{"cls":1}, 01]})"), std::string(R"({"x":"bad"} {"y":1})"), deep}) {
    INFO(text);
    dsl::Diagnostics diags;
    CHECK_FALSE(loader.load(p.program().schema(), text, text.size(), 0, diags, c));
    REQUIRE(diags.items().size() == 1);
    CHECK((diags.items()[0].code == "case.syntax" || diags.items()[0].code == "case.too_deep"));
  }
}

TEST_CASE("invalid JSON is an error naming the place", "[batch][json]") {
  auto p = testing::policy_pipeline(R"(policy p "P" version "1" default denied
rule r "R" when x > 0 cover
)");
  REQUIRE(p.ok());
  engine::JsonCaseLoader loader;
  engine::Case c;
  for (const char* text : {R"({"id":"a","x":})", R"({"id":"a"} trailing)", R"({"id":"a)", R"({"x":01})", "   "}) {
    INFO(text);
    dsl::Diagnostics diags;
    CHECK_FALSE(loader.load(p.program().schema(), text, std::strlen(text), 0, diags, c));
    REQUIRE(diags.has_errors());
    CHECK((diags.items()[0].code == "case.syntax" || diags.items()[0].code == "case.empty"));
  }
}

TEST_CASE("run_batch writes one line per record, in input order, with any thread count", "[batch]") {
  testing::Pipeline p({COVCHECK_SOURCE_DIR "/bench/workload"});
  REQUIRE(p.ok());
  std::string input;
  std::vector<std::string> sample = lines(read_file(COVCHECK_SOURCE_DIR "/tests/data/workload/cases.jsonl"));
  for (std::size_t i = 0; i < 400; ++i) {
    input += sample[i] + "\n";
    if (i == 17) input += "{\"id\":\"bad\",\"age\":\"old\"}\n";
    if (i == 40) input += "not json\n\n";
  }
  std::string in_path = temp_file("in.jsonl", input);
  auto run = [&](unsigned threads, engine::OutputMode mode) {
    std::string out_path = temp_file("out-" + std::to_string(threads) + ".jsonl", "");
    int in = ::open(in_path.c_str(), O_RDONLY), out = ::open(out_path.c_str(), O_WRONLY | O_TRUNC);
    engine::BatchOptions o;
    o.threads = threads;
    o.mode = mode;
    o.chunk_size = 4096;  // many chunks in flight
    o.input_name = "in.jsonl";
    engine::BatchSummary s = engine::run_batch(p.program(), p.sources(), in, out, o);
    ::close(in);
    ::close(out);
    CHECK(s.records == 402);
    CHECK(s.errors == 2);
    CHECK(s.by_decision[0] + s.by_decision[1] + s.by_decision[2] + s.by_decision[3] == 400);
    return read_file(out_path);
  };
  std::string one = run(1, engine::OutputMode::compact);
  std::vector<std::string> out = lines(one);
  REQUIRE(out.size() == 402);
  CHECK(out[0].rfind("{\"case\":\"C0000001\",", 0) == 0);
  // An error record: the case's id when it was read, the record's line, the first error.
  CHECK(out[18].rfind("{\"case\":\"bad\",\"line\":19,\"error\":\"`age` must be an integer", 0) == 0);
  CHECK_THAT(out[18], Catch::Contains("\"field\":\"age\""));
  CHECK_THAT(out[18], Catch::Contains("\"at\":\"in.jsonl:19:19\""));
  CHECK(out[42].rfind("{\"case\":null,\"line\":43,\"error\":\"invalid JSON", 0) == 0);
  CHECK(out[401].rfind("{\"case\":\"C0000400\",", 0) == 0);
  CHECK(run(2, engine::OutputMode::compact) == one);
  CHECK(run(3, engine::OutputMode::compact) == one);
  std::string full = run(1, engine::OutputMode::full);
  CHECK(run(2, engine::OutputMode::full) == full);
  CHECK_THAT(full, Catch::Contains("\"policies\":[{\"name\":\"peer_ketamine\""));
}

// Bad bodies over HTTP: an application/json case is strict JSON (as a `.json` case file is for
// `covcheck check`), whichever path the server takes; bytes that are not text, bodies that are
// not one object, and broken records in the middle of a batch are answered, never dropped.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "test_server_fixture.hpp"

using covcheck::testing::TestServer;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

const std::string good_json = R"({"id":"j1","date_of_service":"2026-03-02","request":{"service":"esketamine_nasal"}})";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("an application/json case is strict JSON, on the fast path and with as_of", "[server][bad]") {
  TestServer ts({});
  auto client = ts.client();
  struct Bad {
    const char* what;
    std::string body;
    const char* where;  // "line":L,"column":C of the error
    const char* code;
  };
  const std::vector<Bad> bad = {
      {"trailing comma", "{\"id\":\"j1\",\n\"date_of_service\":\"2026-03-02\",\n}", R"("line":2,"column":31)",
       "case.syntax"},
      {"comment", "{\"id\":\"j1\", # a comment\n\"date_of_service\":\"2026-03-02\"}", R"("line":1,"column":13)",
       "case.syntax"},
      {"single quotes", "{\"id\":\"j1\",\n 'date_of_service':'2026-03-02'}", R"("line":2,"column":2)", "case.syntax"},
      {"duplicate key", "{\"id\":\"j1\",\n\"id\":\"j2\"}", R"("line":2,"column":1)", "case.duplicate_key"},
      {"unquoted key", "{id: \"j1\"}", R"("line":1,"column":2)", "case.syntax"},
  };
  for (const Bad& b : bad) {
    for (const char* path : {"/v1/check", "/v1/check?as_of=2026-03-02", "/v1/check?trace=true"}) {
      INFO(b.what << " " << path);
      auto res = client.Post(path, b.body, "application/json");
      REQUIRE(res);
      CHECK(res->status == 400);
      CHECK(contains(res->body, R"("error":"invalid_case")"));
      CHECK(contains(res->body, b.code));
      CHECK(contains(res->body, b.where));
    }
  }
  // YAML is lenient by design: the same trailing comma in a flow mapping is accepted there.
  auto yaml = client.Post("/v1/check", "{\"id\":\"j1\",\n\"date_of_service\":\"2026-03-02\",\n}", "application/yaml");
  REQUIRE(yaml);
  CHECK(yaml->status != 400);
  // And strict JSON passes both ways.
  for (const char* type : {"application/json", "application/json; charset=utf-8", "application/yaml"}) {
    INFO(type);
    auto ok = client.Post("/v1/check", good_json, type);
    REQUIRE(ok);
    CHECK(ok->status == 200);
  }
  // A byte-order mark before the object is accepted, as in a `.json` case file.
  auto bom = client.Post("/v1/check?as_of=2026-03-02", "\xEF\xBB\xBF" + good_json, "application/json");
  REQUIRE(bom);
  CHECK(bom->status == 200);
}

TEST_CASE("bodies that are not text or not one object are 400 naming where", "[server][bad]") {
  TestServer ts({});
  auto client = ts.client();
  for (const char* type : {"application/json", "application/yaml"}) {
    INFO(type);
    auto nul = client.Post("/v1/check", std::string("{\"id\":\"a\0b\"}", 12), type);
    REQUIRE(nul);
    CHECK(nul->status == 400);
    CHECK(contains(nul->body, "case.encoding"));
    CHECK(contains(nul->body, R"("line":1,"column":9)"));
    auto latin1 = client.Post("/v1/check", "{\"id\":\"caf\xE9\"}", type);
    REQUIRE(latin1);
    CHECK(latin1->status == 400);
    CHECK(contains(latin1->body, "case.encoding"));
  }
  auto list = client.Post("/v1/check", "[" + good_json + "]", "application/json");
  REQUIRE(list);
  CHECK(list->status == 400);
  CHECK(contains(list->body, "a JSON case must be one object"));
  auto two = client.Post("/v1/check", good_json + good_json, "application/json");
  REQUIRE(two);
  CHECK(two->status == 400);
  CHECK(contains(two->body, "unexpected content after the case object"));
}

TEST_CASE("broken records in the middle of a batch are error records naming their line", "[server][bad]") {
  TestServer ts({});
  auto client = ts.client();
  std::string input = good_json + "\n" +                                    // 1
                      "{\"id\":\"x\",}\n" +                                 // 2: trailing comma
                      std::string("{\"id\":\"a\0b\"}\n", 13) +              // 3: NUL byte
                      "\n   \n" +                                           // 4, 5: blank, no record
                      "{\"id\":\"caf\xE9\"}\r\n" +                          // 6: not UTF-8, CRLF
                      good_json + "\n" +                                    // 7
                      "{\"id\":\"truncated\",\"date_of_service\":\"2026-";  // 8: no newline at the end
  auto res = client.Post("/v1/batch", input, "application/x-ndjson");
  REQUIRE(res);
  CHECK(res->status == 200);
  std::vector<std::string> lines = lines_of(res->body);
  REQUIRE(lines.size() == 6);
  CHECK(contains(lines[0], R"("case":"j1")"));
  CHECK(contains(lines[1], R"(,"line":2,"error":"invalid JSON)"));
  CHECK(contains(lines[2], R"(,"line":3,"error":)"));
  CHECK(contains(lines[3], R"(,"line":6,"error":)"));
  CHECK(contains(lines[4], R"("case":"j1")"));
  CHECK(contains(lines[5], R"(,"line":8,"error":"invalid JSON)"));

  // A byte-order mark before the first record is not part of it.
  auto bom = client.Post("/v1/batch", "\xEF\xBB\xBF" + good_json + "\n" + good_json + "\n", "application/x-ndjson");
  REQUIRE(bom);
  CHECK(bom->status == 200);
  std::vector<std::string> both = lines_of(bom->body);
  REQUIRE(both.size() == 2);
  CHECK(contains(both[0], R"("case":"j1")"));
  CHECK(contains(both[1], R"("case":"j1")"));
}

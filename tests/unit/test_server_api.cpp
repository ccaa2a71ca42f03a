// API tests of `covcheck serve`: every endpoint and error path over real HTTP, against a
// server on an ephemeral loopback port.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/answer/render.hpp"
#include "engine/compile/pipeline.hpp"
#include "engine/session/session.hpp"
#include "test_server_fixture.hpp"

using covcheck::testing::case_text;
using covcheck::testing::connect_loopback;
using covcheck::testing::read_text;
using covcheck::testing::TestServer;
namespace server = covcheck::server;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace

TEST_CASE("POST /v1/check answers the same object as check --format json", "[server]") {
  TestServer ts({});
  auto client = ts.client();
  std::string text = case_text("esk-covered");
  auto res = client.Post("/v1/check", text, "application/yaml");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  CHECK_FALSE(res->get_header_value("X-Request-Id").empty());

  // The same case through a session of its own, under the same name.
  covcheck::dsl::SourceRegistry sources;
  covcheck::dsl::Diagnostics diagnostics;
  auto built = covcheck::engine::build_rule_set(ts.service().options().rules, sources, diagnostics);
  REQUIRE(built.program);
  covcheck::engine::DecisionSession session(*built.program, sources);
  covcheck::engine::CaseInput input;
  input.text = text;
  input.name = "request";
  auto& result = session.decide(input, {});
  REQUIRE(result.determination);
  // With the server's one member more, first: the bundle serving (none with --rules).
  std::string answer = covcheck::engine::render_json_line(*result.determination, session.sources(), false);
  CHECK(res->body == "{\"bundle\":null," + answer.substr(1));
  CHECK(contains(res->body, R"("decision":"covered")"));
  CHECK_FALSE(contains(res->body, R"("trace")"));
}

TEST_CASE("a JSON case gets the same answer as the same case in YAML", "[server]") {
  TestServer ts({});
  auto client = ts.client();
  std::string json =
      R"({"id":"esk-json","date_of_service":"2026-03-02","patient":{"birth_date":"1987-05-14","sex":"female"},)"
      R"("request":{"service":"esketamine_nasal","hcpcs":["J0013","G2082"],"site":"office","sessions":8,)"
      R"("period_days":28,"prescriber_specialty":"psychiatry","rems_certified_site":true},)"
      R"("diagnoses":[{"code":"F33.2","primary":true}],"documents":["letter_of_medical_necessity"]})";
  std::string yaml =
      "id: esk-json\ndate_of_service: 2026-03-02\npatient: {birth_date: 1987-05-14, sex: female}\n"
      "request: {service: esketamine_nasal, hcpcs: [J0013, G2082], site: office, sessions: 8, period_days: 28,\n"
      "  prescriber_specialty: psychiatry, rems_certified_site: true}\n"
      "diagnoses: [{code: F33.2, primary: true}]\ndocuments: [letter_of_medical_necessity]\n";
  for (const char* query : {"", "?trace=true"}) {
    auto as_json = client.Post(std::string("/v1/check") + query, json, "application/json");
    auto as_yaml = client.Post(std::string("/v1/check") + query, yaml, "application/yaml");
    REQUIRE(as_json);
    REQUIRE(as_yaml);
    CHECK(as_json->status == 200);
    CHECK(as_json->body == as_yaml->body);
  }
  // A JSON case with errors gets the diagnostics body of the ordinary path.
  auto bad = client.Post("/v1/check", R"({"id":"x","patient":{"sex":"femal"}})", "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(contains(bad->body, R"("field":"patient.sex")"));
  std::string log = ts.stop_and_read_log();
  CHECK(contains(log, R"("case":"hmac:)"));  // the case id as a keyed hash (test_server_auth.cpp)
  CHECK_FALSE(contains(log, "esk-json"));
}

TEST_CASE("POST /v1/check takes JSON, trace=true and as_of", "[server]") {
  TestServer ts({});
  auto client = ts.client();
  std::string json = R"({"id":"j1","date_of_service":"2026-03-02","patient":{"birth_date":"2009-01-01"},)"
                     R"("request":{"service":"esketamine_nasal"},"diagnoses":[{"code":"F33.2","primary":true}]})";
  auto res = client.Post("/v1/check?trace=true", json, "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(contains(res->body, R"("case":"j1")"));
  CHECK(contains(res->body, R"("trace":[)"));

  auto dated = client.Post("/v1/check?as_of=2025-09-01", json, "application/json");
  REQUIRE(dated);
  CHECK(dated->status == 200);
  CHECK(contains(dated->body, R"("version":"2025.2")"));

  auto bad_date = client.Post("/v1/check?as_of=2025-02-30", json, "application/json");
  REQUIRE(bad_date);
  CHECK(bad_date->status == 400);
  CHECK(contains(bad_date->body, R"("error":"bad_request")"));
  CHECK(contains(bad_date->body, "as_of"));

  auto unknown = client.Post("/v1/check?verbose=1", json, "application/json");
  REQUIRE(unknown);
  CHECK(unknown->status == 400);
  CHECK(contains(unknown->body, "verbose"));

  auto bad_trace = client.Post("/v1/check?trace=maybe", json, "application/json");
  REQUIRE(bad_trace);
  CHECK(bad_trace->status == 400);

  auto not_object = client.Post("/v1/check", "[1, 2]", "application/json");
  REQUIRE(not_object);
  CHECK(not_object->status == 400);
  CHECK(contains(not_object->body, R"("error":"invalid_case")"));
}

TEST_CASE("a malformed case is 400 with diagnostics naming field, line and column", "[server]") {
  TestServer ts({});
  auto client = ts.client();
  auto res =
      client.Post("/v1/check", "id: bad\ndate_of_service: 2026-03-02\npatient:\n  sex: femal\n", "application/yaml");
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  CHECK(contains(res->body, R"("error":"invalid_case")"));
  CHECK(contains(res->body, R"("field":"patient.sex")"));
  CHECK(contains(res->body, R"("line":4,"column":8)"));
  CHECK(contains(res->body, R"("help":"did you mean `female`?")"));

  auto syntax = client.Post("/v1/check", "id: [unclosed\n", "application/yaml");
  REQUIRE(syntax);
  CHECK(syntax->status == 400);
  CHECK(contains(syntax->body, R"("severity":"error")"));

  auto empty = client.Post("/v1/check", "", "application/yaml");
  REQUIRE(empty);
  CHECK(empty->status == 400);
}

TEST_CASE("a case no policy is in force for is 422", "[server]") {
  TestServer ts({});
  auto client = ts.client();
  auto res = client.Post("/v1/check", "id: old\ndate_of_service: 2019-01-01\n", "application/yaml");
  REQUIRE(res);
  CHECK(res->status == 422);
  CHECK(contains(res->body, R"("error":"undecidable")"));
  CHECK(contains(res->body, "eval.no_policy_in_force"));
}

TEST_CASE("bodies over the limit are 413 and the connection stays usable", "[server]") {
  server::ServiceOptions options;
  options.max_body = 4096;
  options.max_batch_body = 8192;
  TestServer ts(options);
  auto client = ts.client();
  client.set_keep_alive(true);
  std::string big(5000, '#');
  auto res = client.Post("/v1/check", big, "application/yaml");
  REQUIRE(res);
  CHECK(res->status == 413);
  CHECK(contains(res->body, R"("error":"payload_too_large")"));
  CHECK(contains(res->body, "4096"));
  // The same keep-alive connection carries the next request.
  auto next = client.Post("/v1/check", case_text("esk-covered"), "application/yaml");
  REQUIRE(next);
  CHECK(next->status == 200);

  auto batch = client.Post("/v1/batch", std::string(9000, '\n'), "application/x-ndjson");
  REQUIRE(batch);
  CHECK(batch->status == 413);
  // Over httplib's own cap (the larger limit): still a JSON body.
  auto huge = client.Post("/v1/check", std::string(9000, '#'), "application/yaml");
  REQUIRE(huge);
  CHECK(huge->status == 413);
  CHECK(contains(huge->body, R"("error":"payload_too_large")"));
}

TEST_CASE("unsupported media types are 415", "[server]") {
  TestServer ts({});
  auto client = ts.client();
  auto res = client.Post("/v1/check", "a=b", "application/x-www-form-urlencoded");
  REQUIRE(res);
  CHECK(res->status == 415);
  CHECK(contains(res->body, R"("error":"unsupported_media_type")"));
  auto batch = client.Post("/v1/batch", "id: x\n", "application/yaml");
  REQUIRE(batch);
  CHECK(batch->status == 415);
}

TEST_CASE("unknown routes are 404 and wrong methods 405, with JSON bodies", "[server]") {
  TestServer ts({});
  auto client = ts.client();
  auto missing = client.Get("/v2/nothing");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(contains(missing->body, R"("error":"not_found")"));

  auto get_check = client.Get("/v1/check");
  REQUIRE(get_check);
  CHECK(get_check->status == 405);
  CHECK(get_check->get_header_value("Allow") == "POST");
  CHECK(contains(get_check->body, R"("error":"method_not_allowed")"));

  auto post_policies = client.Post("/v1/policies", "{}", "application/json");
  REQUIRE(post_policies);
  CHECK(post_policies->status == 405);
  CHECK(post_policies->get_header_value("Allow") == "GET, HEAD");

  auto delete_health = client.Delete("/healthz");
  REQUIRE(delete_health);
  CHECK(delete_health->status == 405);
  auto put_batch = client.Put("/v1/batch", "x", "text/plain");
  REQUIRE(put_batch);
  CHECK(put_batch->status == 405);

  // Without an admin token the reload endpoint does not exist.
  auto reload = client.Post("/v1/admin/reload", "", "text/plain");
  REQUIRE(reload);
  CHECK(reload->status == 404);

  // Without any body (no Content-Length) httplib fails the read before routing; the
  // answer is still what the route table says.
  int fd = connect_loopback(ts.port(), 5);
  std::string bare = "POST /v2/nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  REQUIRE(::send(fd, bare.data(), bare.size(), 0) == static_cast<ssize_t>(bare.size()));
  std::string answer = read_all(fd);
  ::close(fd);
  CHECK(contains(answer, "HTTP/1.1 404"));
  CHECK(contains(answer, R"("error":"not_found")"));
}

TEST_CASE("POST /v1/batch answers JSON Lines in order, errors in place", "[server]") {
  TestServer ts({});
  auto client = ts.client();
  std::string input =
      R"({"id":"b1","date_of_service":"2026-03-02","request":{"service":"esketamine_nasal"}})"
      "\n\n"
      R"({"id":"b2","patient":{"sex":"nope"}})"
      "\n"
      R"({"id":"b3","date_of_service":"2026-03-02","request":{"service":"ketamine_iv"},"plan":{"riders":[]}})"
      "\n";
  auto res = client.Post("/v1/batch", input, "application/x-ndjson");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/x-ndjson");
  std::vector<std::string> lines;
  std::istringstream in(res->body);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() == 3);
  CHECK(contains(lines[0], R"("case":"b1")"));
  // Error records are those of `covcheck batch`, located in the request's lines.
  CHECK(contains(lines[1], R"(,"line":3,"error":)"));
  CHECK(contains(lines[1], R"("at":"request:3:)"));
  CHECK(contains(lines[1], "patient.sex"));
  CHECK(contains(lines[2], R"("case":"b3")"));

  auto traced = client.Post("/v1/batch?trace=true", lines.empty() ? "" : input, "application/x-ndjson");
  REQUIRE(traced);
  CHECK(contains(traced->body, R"("trace":[)"));
}

TEST_CASE("GET /v1/policies lists what is loaded; rule text comes from the loaded sources", "[server]") {
  TestServer ts({});
  auto client = ts.client();
  auto res = client.Get("/v1/policies");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(contains(res->body, R"("name":"acme","id":"acme","version":"2026.1")"));
  CHECK(contains(res->body, R"("name":"acme","id":"acme","version":"2025.2")"));
  CHECK(contains(res->body, R"("kind":"module","name":"ca_ptsd")"));
  CHECK(contains(res->body, R"("digest":"sha256:)"));

  std::string path = (ts.rules_dir() / "acme/acme-2026.1.cpl").string();
  std::string on_disk = read_text(path);
  auto file = client.Get("/v1/policies/acme/2026.1/files/" + path);
  REQUIRE(file);
  CHECK(file->status == 200);
  CHECK(file->body == on_disk);
  CHECK(contains(file->get_header_value("Content-Type"), "text/plain"));

  // Changing the file on disk does not change what is served until a reload.
  { std::ofstream(path, std::ios::app) << "\n# edited\n"; }
  auto again = client.Get("/v1/policies/acme/2026.1/files/" + path);
  REQUIRE(again);
  CHECK(again->body == on_disk);

  // Only the files of the named unit; never anything else on disk.
  auto other_version = client.Get("/v1/policies/acme/2025.2/files/" + path);
  REQUIRE(other_version);
  CHECK(other_version->status == 404);
  auto passwd = client.Get("/v1/policies/acme/2026.1/files//etc/passwd");
  REQUIRE(passwd);
  CHECK(passwd->status == 404);
  CHECK(contains(passwd->body, R"("error":"not_found")"));
  auto traversal = client.Get("/v1/policies/acme/2026.1/files/" + path + "/../../../../etc/passwd");
  REQUIRE(traversal);
  CHECK(traversal->status == 404);
  auto unknown = client.Get("/v1/policies/nobody/1/files/x.cpl");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
}

TEST_CASE("GET /v1/schema describes the enums and records of the loaded schema", "[server]") {
  TestServer ts({});
  auto client = ts.client();
  auto res = client.Get("/v1/schema");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(contains(res->body, R"("root":"case")"));
  CHECK(contains(res->body, R"("name":"sex","members":["female","male","other"])"));
  CHECK(contains(res->body, R"("name":"diagnoses","type":"record","list":true)"));
  CHECK(contains(res->body, R"("type":"icd10")"));
}

TEST_CASE("GET /v1/schema carries the field and member documentation the form labels with", "[server]") {
  TestServer ts({});
  auto client = ts.client();
  auto res = client.Get("/v1/schema");
  REQUIRE(res);
  CHECK(contains(res->body, R"("name":"prescriber_specialty")"));
  CHECK(contains(res->body, R"("doc":"specialty of the prescriber / ordering clinician")"));
  // A member alone on its line is documented by its comment; members sharing a line are not.
  CHECK(contains(res->body, R"x("esketamine nasal spray (Spravato)")x"));
  CHECK(contains(res->body, R"x("treatment-resistant depression (MDD that has not responded to prior trials)")x"));
  CHECK_FALSE(
      contains(res->body, R"("American Samoa, Guam, Northern Mariana Islands, Puerto Rico, US Virgin Islands")"));
}

TEST_CASE("POST /v1/summary answers the printable summary of check --format html", "[server]") {
  TestServer ts({});
  auto client = ts.client();
  std::string text = case_text("esk-covered");
  auto res = client.Post("/v1/summary", text, "application/yaml");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(contains(res->get_header_value("Content-Security-Policy"), "default-src 'none'"));

  covcheck::dsl::SourceRegistry sources;
  covcheck::dsl::Diagnostics diagnostics;
  auto built = covcheck::engine::build_rule_set(ts.service().options().rules, sources, diagnostics);
  REQUIRE(built.program);
  covcheck::engine::DecisionSession session(*built.program, sources);
  covcheck::engine::CaseInput input;
  input.text = text;
  input.name = "request";
  covcheck::engine::SessionOptions options;
  options.case_facts = true;
  auto& result = session.decide(input, options);
  REQUIRE(result.determination);
  CHECK(res->body == covcheck::engine::render_html(*result.determination, session.sources()));
  CHECK(contains(res->body, R"(data-decision="covered")"));

  // The page's form post: the case in the `case` field, URL-encoded.
  httplib::Params form{{"case", text}, {"as_of", ""}};
  auto posted = client.Post("/v1/summary", form);
  REQUIRE(posted);
  CHECK(posted->status == 200);
  CHECK(posted->body == res->body);
  httplib::Params bad_date{{"case", text}, {"as_of", "2026-02-30"}};
  auto bad = client.Post("/v1/summary", bad_date);
  REQUIRE(bad);
  CHECK(bad->status == 400);
  auto no_case = client.Post("/v1/summary", httplib::Params{{"as_of", "2026-03-02"}});
  REQUIRE(no_case);
  CHECK(no_case->status == 400);
  CHECK(contains(no_case->body, "no `case` field"));

  // A bad case is the JSON error of /v1/check, never half a summary.
  auto invalid = client.Post("/v1/summary", "id: x\ndate_of_service: 2026-13-01\n", "application/yaml");
  REQUIRE(invalid);
  CHECK(invalid->status == 400);
  CHECK(contains(invalid->body, R"("error":"invalid_case")"));
  auto get = client.Get("/v1/summary");
  REQUIRE(get);
  CHECK(get->status == 405);
}

TEST_CASE("GET /v1/payers is empty without a payer registry", "[server]") {
  TestServer ts({});
  auto client = ts.client();
  auto res = client.Get("/v1/payers");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "{\"payers\":[]}\n");
}

TEST_CASE("health, readiness, metrics and the page", "[server]") {
  TestServer ts({});
  auto client = ts.client();
  auto health = client.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == "{\"status\":\"ok\"}\n");
  auto ready = client.Get("/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 200);
  CHECK(contains(ready->body, R"("generation":1)"));

  REQUIRE(client.Post("/v1/check", case_text("esk-covered"), "application/yaml"));
  REQUIRE(client.Post("/v1/check", case_text("esk-age-17"), "application/yaml"));
  REQUIRE(client.Get("/nowhere"));
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(contains(metrics->get_header_value("Content-Type"), "text/plain"));
  CHECK(contains(metrics->body, R"(covcheck_http_requests_total{endpoint="/v1/check",status="200"} 2)"));
  CHECK(contains(metrics->body, R"(covcheck_http_requests_total{endpoint="other",status="404"} 1)"));
  CHECK(contains(metrics->body, R"(covcheck_decisions_total{decision="covered"} 1)"));
  CHECK(contains(metrics->body, R"(covcheck_decisions_total{decision="denied"} 1)"));
  CHECK(contains(metrics->body, R"(covcheck_http_request_duration_seconds_count{endpoint="/v1/check"} 2)"));
  CHECK(contains(metrics->body, R"(covcheck_policy_info{kind="policy",name="acme",version="2026.1",digest="sha256:)"));

  auto page = client.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(contains(page->get_header_value("Content-Type"), "text/html"));
  CHECK(contains(page->body, "<form"));
  CHECK(contains(page->get_header_value("Content-Security-Policy"), "default-src 'self'"));
  auto script = client.Get("/app.js");
  REQUIRE(script);
  CHECK(script->status == 200);
  CHECK(contains(script->get_header_value("Content-Type"), "javascript"));
  auto no_asset = client.Get("/secret.js");
  REQUIRE(no_asset);
  CHECK(no_asset->status == 404);
}

TEST_CASE("the access log has one JSON line per request, with the case id and no patient data", "[server]") {
  server::ServiceOptions options;
  options.log_case_ids = true;  // the id as given; its keyed hash is tested in test_server_auth.cpp
  TestServer ts(options);
  {
    auto client = ts.client();
    httplib::Headers headers{{"X-Request-Id", "req-42"}};
    auto res = client.Post("/v1/check", headers, case_text("esk-covered"), "application/yaml");
    REQUIRE(res);
    CHECK(res->get_header_value("X-Request-Id") == "req-42");
  }
  std::string log = ts.stop_and_read_log();
  CHECK(contains(log, R"("id":"req-42","method":"POST","endpoint":"/v1/check","status":200,"decision":"covered",)"
                      R"("case":"esk-covered","policy":"acme@2026.1 sha256:)"));
  CHECK(contains(log, R"("latency_us":)"));
  CHECK_FALSE(contains(log, "1987-05-14"));  // the patient's birth date
  CHECK_FALSE(contains(log, "F33.2"));
}

TEST_CASE("reload needs the bearer token; failures keep the old rules serving", "[server]") {
  server::ServiceOptions options;
  options.admin_token = "0123456789abcdef-token";
  TestServer ts(options, "reload");
  auto client = ts.client();

  auto anonymous = client.Post("/v1/admin/reload", "", "text/plain");
  REQUIRE(anonymous);
  CHECK(anonymous->status == 401);
  CHECK(contains(anonymous->body, R"("error":"unauthorized")"));
  CHECK(anonymous->get_header_value("WWW-Authenticate").rfind("Bearer", 0) == 0);
  httplib::Headers wrong{{"Authorization", "Bearer 0123456789abcdef-tokem"}};
  auto wrong_token = client.Post("/v1/admin/reload", wrong, "", "text/plain");
  REQUIRE(wrong_token);
  CHECK(wrong_token->status == 401);

  httplib::Headers admin{{"Authorization", "Bearer 0123456789abcdef-token"}};
  auto ok = client.Post("/v1/admin/reload", admin, "", "text/plain");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(contains(ok->body, R"("status":"reloaded","generation":2)"));

  // A rule file that does not compile: 422 with diagnostics, generation 2 keeps serving.
  std::filesystem::path broken = ts.rules_dir() / "mandates/broken.cpl";
  { std::ofstream(broken) << "module broken \"Broken\"\nrule x {\n  when patient.agee > 3\n}\n"; }
  auto failed = client.Post("/v1/admin/reload", admin, "", "text/plain");
  REQUIRE(failed);
  CHECK(failed->status == 422);
  CHECK(contains(failed->body, R"("error":"reload_failed")"));
  CHECK(contains(failed->body, R"("generation":2)"));
  CHECK(contains(failed->body, "broken.cpl"));
  CHECK(contains(failed->body, R"("severity":"error")"));
  auto still = client.Post("/v1/check", case_text("esk-covered"), "application/yaml");
  REQUIRE(still);
  CHECK(still->status == 200);
  CHECK(contains(still->body, R"("decision":"covered")"));
  auto ready = client.Get("/readyz");
  REQUIRE(ready);
  CHECK(contains(ready->body, R"("generation":2)"));

  // Fixed: the next reload succeeds and the new policy text is what is served.
  std::filesystem::remove(broken);
  std::filesystem::path policy = ts.rules_dir() / "acme/acme-2026.1.cpl";
  { std::ofstream(policy, std::ios::app) << "\n# reloaded\n"; }
  auto fixed = client.Post("/v1/admin/reload", admin, "", "text/plain");
  REQUIRE(fixed);
  CHECK(fixed->status == 200);
  CHECK(contains(fixed->body, R"("generation":3)"));
  auto text = client.Get("/v1/policies/acme/2026.1/files/" + policy.string());
  REQUIRE(text);
  CHECK(contains(text->body, "# reloaded"));
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(contains(metrics->body, R"(covcheck_reloads_total{result="ok"} 2)"));
  CHECK(contains(metrics->body, R"(covcheck_reloads_total{result="failed"} 1)"));
}

TEST_CASE("requests in flight during reloads all succeed", "[server]") {
  TestServer ts({}, "concurrent");
  std::atomic<int> failures{0};
  std::string text = case_text("esk-covered");
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&] {
      auto client = ts.client();
      client.set_keep_alive(true);
      for (int i = 0; i < 40; ++i) {
        auto res = client.Post("/v1/check", text, "application/yaml");
        if (!res || res->status != 200 || !contains(res->body, R"("decision":"covered")")) ++failures;
      }
    });
  }
  for (int r = 0; r < 5; ++r) CHECK(ts.service().load().ok);
  for (auto& c : clients) c.join();
  CHECK(failures == 0);
  CHECK(ts.service().state()->generation == 6);
}

TEST_CASE("malformed requests and stalled clients get JSON errors or are dropped", "[server]") {
  server::ServiceOptions options;
  options.read_timeout = std::chrono::milliseconds(300);
  options.keep_alive_timeout = std::chrono::seconds(1);
  TestServer ts(options);

  int fd = connect_loopback(ts.port(), 5);
  std::string garbage = "THIS IS NOT HTTP\r\n\r\n";
  REQUIRE(::send(fd, garbage.data(), garbage.size(), 0) == static_cast<ssize_t>(garbage.size()));
  std::string answer = read_all(fd);
  ::close(fd);
  CHECK(contains(answer, "400"));
  CHECK(contains(answer, R"("error":"bad_request")"));

  // A client that sends half a request and stalls is dropped after the read timeout.
  int slow = connect_loopback(ts.port(), 5);
  std::string partial = "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nid: ";
  REQUIRE(::send(slow, partial.data(), partial.size(), 0) > 0);
  auto start = std::chrono::steady_clock::now();
  std::string reply = read_all(slow);
  auto waited = std::chrono::steady_clock::now() - start;
  ::close(slow);
  CHECK(waited < std::chrono::seconds(4));
  CHECK(contains(reply, "400 Bad Request"));
  CHECK_FALSE(contains(reply, "200 OK"));

  // The server is still fine.
  auto client = ts.client();
  auto res = client.Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);
}

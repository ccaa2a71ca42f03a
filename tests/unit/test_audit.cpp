// The audit trail's engine parts: the case digest (same case in YAML, JSON and another key
// order agrees; any value changes it), audit lines (round trip, differences named), the
// audit log's whole-line appends under concurrent writers, and the keyed hash of case ids.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "engine/audit/audit_log.hpp"
#include "engine/audit/audit_record.hpp"
#include "engine/audit/case_digest.hpp"
#include "engine/audit/keyed_hash.hpp"
#include "engine/session/session.hpp"
#include "pipeline_fixture.hpp"

using namespace covcheck;

namespace {

testing::Pipeline& acme() {
  static testing::Pipeline p({COVCHECK_SOURCE_DIR "/rules/acme", COVCHECK_SOURCE_DIR "/rules/mandates"});
  REQUIRE(p.ok());
  return p;
}

const std::string yaml_case =
    "id: y1\ndate_of_service: 2026-03-02\npatient: {birth_date: 1987-05-14, sex: female}\n"
    "request: {service: esketamine_nasal, hcpcs: [J0013, G2082], site: office, sessions: 8, period_days: 28,\n"
    "  prescriber_specialty: psychiatry, rems_certified_site: true}\n"
    "diagnoses: [{code: F33.2, primary: true}]\ndocuments: [letter_of_medical_necessity]\n";
// The same case as JSON, keys in another order.
const std::string json_case =
    R"({"patient":{"sex":"female","birth_date":"1987-05-14"},"id":"y1","date_of_service":"2026-03-02",)"
    R"("request":{"hcpcs":["J0013","G2082"],"service":"esketamine_nasal","site":"office","sessions":8,)"
    R"("period_days":28,"prescriber_specialty":"psychiatry","rems_certified_site":true},)"
    R"("diagnoses":[{"primary":true,"code":"F33.2"}],"documents":["letter_of_medical_necessity"]})";

struct Decided {
  std::string digest;
  engine::AuditRecord record;
};

Decided decide(engine::DecisionSession& session, std::string_view text, std::string_view name) {
  engine::CaseInput in;
  in.text = text;
  in.name = name;
  engine::CaseOutcome& o = session.decide(in, {});
  REQUIRE(o.determination);
  engine::AuditContext context{"/v1/check", "req-1", std::string("portal"), std::nullopt, "test"};
  Decided d;
  d.digest = engine::case_digest(session.last_case(), session.program().schema());
  d.record = engine::make_audit_record(context, *o.determination, session.last_case(), session.program());
  return d;
}

}  // namespace

TEST_CASE("the case digest is over the validated case, not its text", "[audit]") {
  testing::Pipeline& p = acme();
  engine::DecisionSession session(p.program(), p.sources());
  Decided yaml = decide(session, yaml_case, "c.yaml");
  Decided json = decide(session, json_case, "c.json");
  CHECK(yaml.digest.rfind("sha256:", 0) == 0);
  CHECK(yaml.digest.size() == 7 + 64);
  CHECK(yaml.digest == json.digest);
  CHECK(yaml.record.case_digest == yaml.digest);

  // Comments and layout do not count; any value does, and so does the case id.
  Decided commented = decide(session, "# a comment\n" + yaml_case, "c.yaml");
  CHECK(commented.digest == yaml.digest);
  std::string other_session = yaml_case;
  other_session.replace(other_session.find("sessions: 8"), 11, "sessions: 9");
  CHECK(decide(session, other_session, "c.yaml").digest != yaml.digest);
  std::string other_id = yaml_case;
  other_id.replace(0, 6, "id: y2");
  CHECK(decide(session, other_id, "c.yaml").digest != yaml.digest);
  std::string other_code = yaml_case;
  other_code.replace(other_code.find("J0013"), 5, "J0014");
  CHECK(decide(session, other_code, "c.yaml").digest != yaml.digest);
}

TEST_CASE("an audit line holds no patient data and reads back as written", "[audit]") {
  testing::Pipeline& p = acme();
  engine::DecisionSession session(p.program(), p.sources());
  Decided d = decide(session, yaml_case, "c.yaml");
  std::string line = engine::render_audit_line(d.record);
  CHECK(line.find('\n') == std::string::npos);
  for (const char* phi : {"y1", "1987-05-14", "F33.2", "J0013", "female"}) CHECK(line.find(phi) == std::string::npos);
  CHECK(line.find(R"("client":"portal","route":"/v1/check","answer_id":"req-1")") != std::string::npos);
  CHECK(line.find(fmt::format(R"("decision":"{}")", d.record.decision)) != std::string::npos);

  std::string error;
  auto back = engine::parse_audit_line(line, error);
  REQUIRE(back);
  CHECK(error.empty());
  CHECK(back->case_digest == d.record.case_digest);
  CHECK(back->client == d.record.client);
  CHECK(back->as_of == std::nullopt);
  CHECK(back->policies.size() == d.record.policies.size());
  CHECK(engine::audit_differences(*back, d.record).empty());
  CHECK(render_audit_line(*back) == line);

  CHECK_FALSE(engine::parse_audit_line("{\"time\": 1", error));
  CHECK_FALSE(engine::parse_audit_line(R"({"time":"t","route":"r","answer_id":"a","covcheck":"v"})", error));
  CHECK(error == "`case_digest` is missing");
}

TEST_CASE("audit differences name the field or the policy digest that changed", "[audit]") {
  testing::Pipeline& p = acme();
  engine::DecisionSession session(p.program(), p.sources());
  engine::AuditRecord a = decide(session, yaml_case, "c.yaml").record;
  REQUIRE_FALSE(a.policies.empty());
  engine::AuditRecord b = a;
  b.policies[0].digest = "sha256:00";
  auto d = engine::audit_differences(a, b);
  REQUIRE(d.size() == 1);
  CHECK(d[0] == fmt::format("policy `{}` {} digest: recorded {}, now sha256:00", a.policies[0].name,
                            a.policies[0].version, a.policies[0].digest));
  b = a;
  b.decision = "excluded";
  REQUIRE(a.prior_auth);
  b.prior_auth = std::nullopt;
  d = engine::audit_differences(a, b);
  REQUIRE(d.size() == 2);
  CHECK(d[0] == fmt::format("decision: recorded {}, now excluded", a.decision));
  CHECK(d[1] == fmt::format("prior_auth: recorded {}, now null", *a.prior_auth ? "true" : "false"));
  b = a;
  b.case_digest = "sha256:11";
  CHECK(engine::audit_differences(a, b).at(0).rfind("case digest: recorded", 0) == 0);
}

TEST_CASE("the audit log appends whole lines from concurrent writers", "[audit]") {
  namespace fs = std::filesystem;
  fs::path path = fs::temp_directory_path() / ("covcheck-audit-" + std::to_string(::getpid()) + ".jsonl");
  fs::remove(path);
  {
    engine::AuditLog log(path.string());
    REQUIRE(log.ok());
    std::vector<std::thread> writers;
    for (int t = 0; t < 8; ++t)
      writers.emplace_back([&log, t] {
        // Long lines, so that a torn write would show.
        std::string line =
            fmt::format("{{\"writer\":{},\"pad\":\"{}\"}}", t, std::string(5000, static_cast<char>('a' + t)));
        for (int i = 0; i < 200; ++i) log.append(line);
      });
    for (std::thread& w : writers) w.join();
  }
  std::ifstream in(path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    REQUIRE(line.size() == 5000 + 21);
    char c = line[19];
    CHECK(line.find_first_not_of(c, 19) == line.size() - 2);
  }
  CHECK(lines == 8 * 200);
  CHECK((fs::status(path).permissions() & fs::perms::others_read) == fs::perms::none);
  fs::remove(path);
  CHECK_FALSE(engine::AuditLog("/nonexistent-dir/audit.jsonl").ok());
}

TEST_CASE("case ids are logged as an HMAC-SHA256 under the log key", "[audit]") {
  // RFC 4231, test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?").
  CHECK(engine::KeyedHash("Jefe")("what do ya want for nothing?") == "hmac:5bdcc146bf60754e6a042426089575c7");
  engine::KeyedHash a("0123456789abcdef0123"), b("another key of twenty");
  CHECK(a("MRN-0042") == a("MRN-0042"));
  CHECK(a("MRN-0042") != a("MRN-0043"));
  CHECK(a("MRN-0042") != b("MRN-0042"));
  auto k1 = engine::random_log_key(), k2 = engine::random_log_key();
  REQUIRE(k1);
  REQUIRE(k2);
  CHECK(k1->size() == 32);
  CHECK(*k1 != *k2);
}

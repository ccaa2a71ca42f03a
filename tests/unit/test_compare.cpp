// `covcheck compare`: the --set syntax, the pipeline's rows and exit statuses over the shipped
// payer rule sets, the renderers, and the appeal advice that compare shows per payer.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tools/covcheck/check_command.hpp"
#include "tools/covcheck/compare_command.hpp"

namespace fs = std::filesystem;
using namespace covcheck;
using cli::CompareOptions;
using cli::CompareSet;

namespace {

std::string repo(const std::string& relative) { return (fs::path(COVCHECK_SOURCE_DIR) / relative).string(); }

struct Run {
  int status = -1;
  std::string out;
  std::string err;
};

Run compare(CompareOptions options) {
  std::ostringstream out, err;
  Run r;
  r.status = cli::run_compare(options, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

CompareOptions three_payers(const std::string& case_path) {
  CompareOptions o;
  o.sets = {{"bcbs-nd", {repo("rules/bcbs-nd")}},
            {"medicare", {repo("rules/medicare-j09-a59250"), repo("rules/appeals")}},
            {"tricare", {repo("rules/tricare")}}};
  o.case_path = case_path;
  return o;
}

}  // namespace

TEST_CASE("compare: --set NAME=PATH[,PATH...]", "[compare]") {
  std::string error;
  auto one = cli::parse_compare_set("cigna=rules/cigna-spravato,rules/common", error);
  REQUIRE(one);
  CHECK(one->name == "cigna");
  CHECK(one->paths == std::vector<std::string>{"rules/cigna-spravato", "rules/common"});
  CHECK_FALSE(cli::parse_compare_set("rules/tricare", error));
  CHECK(error.find("NAME=PATH") != std::string::npos);
  CHECK_FALSE(cli::parse_compare_set("=rules/tricare", error));
  CHECK_FALSE(cli::parse_compare_set("a b=rules/tricare", error));
  CHECK_FALSE(cli::parse_compare_set("t=", error));
  CHECK_FALSE(cli::parse_compare_set("t=a,,b", error));
  auto paths_with_equals = cli::parse_compare_set("t=dir=x", error);
  REQUIRE(paths_with_equals);
  CHECK(paths_with_equals->paths == std::vector<std::string>{"dir=x"});
}

TEST_CASE("compare: one case, three payers, one row each", "[compare]") {
  Run r = compare(three_payers(repo("rules/medicare-j09-a59250/cases/mcr-trd-covered.yaml")));
  REQUIRE(r.status == cli::exit_ok);
  // Medicare covers without prior auth; TRICARE pends on REMS enrollment; BCBSND on the treatments.
  CHECK(r.out.find("medicare  covered   not required  medical") != std::string::npos);
  CHECK(r.out.find("tricare   pend      required      medical") != std::string::npos);
  CHECK(r.out.find("bcbs-nd   pend      required      mental_health") != std::string::npos);
  CHECK(r.out.find("reason: mcr_esketamine (cover)") != std::string::npos);
  CHECK(r.out.find("missing: treatments") != std::string::npos);
}

TEST_CASE("compare: JSON rows carry decision, prior auth, benefit, reason and missing", "[compare]") {
  CompareOptions o = three_payers(repo("rules/tricare/cases/tri-rems-enrollment-unknown.yaml"));
  o.json = true;
  Run r = compare(o);
  REQUIRE(r.status == cli::exit_ok);
  CHECK(r.out.find("\"case\": \"tri-rems-enrollment-unknown\"") != std::string::npos);
  CHECK(r.out.find("\"name\": \"tricare\"") != std::string::npos);
  CHECK(r.out.find("\"request.rems_patient_enrolled\"") != std::string::npos);
  CHECK(r.out.find("\"cite\": \"TRI-1 (REMS)\"") != std::string::npos);
}

TEST_CASE("compare: a set with no policy in force is an error row, not a failure", "[compare]") {
  Run r = compare(three_payers(repo("rules/tricare/cases/tri-before-notice.yaml")));
  REQUIRE(r.status == cli::exit_ok);
  CHECK(r.out.find("tricare   ERROR") != std::string::npos);
  CHECK(r.out.find("error: no policy in force on 2020-12-10") != std::string::npos);
  // BCBSND has no effective range: it still decides the case (pend: no treatments given).
  CHECK(r.out.find("bcbs-nd   pend") != std::string::npos);
}

TEST_CASE("compare: exit statuses 2, 3, 4 as for check", "[compare]") {
  SECTION("case file missing: 2") {
    Run r = compare(three_payers(repo("rules/tricare/cases/does-not-exist.yaml")));
    CHECK(r.status == cli::exit_usage);
    CHECK(r.err.find("does not exist") != std::string::npos);
  }
  SECTION("a set that does not compile: 3, naming the file") {
    fs::path dir = fs::temp_directory_path() / "covcheck-test-compare";
    fs::create_directories(dir);
    std::ofstream(dir / "broken.cpl")
        << "policy broken \"b\" version \"1\" default denied\nrule r when request.nope cover\n";
    CompareOptions o = three_payers(repo("rules/tricare/cases/tri-trd-covered.yaml"));
    o.sets.push_back({"broken", {(dir / "broken.cpl").string()}});
    Run r = compare(o);
    CHECK(r.status == cli::exit_rules);
    CHECK(r.err.find("broken.cpl:2:") != std::string::npos);
    CHECK(r.out.empty());
    fs::remove_all(dir);
  }
  SECTION("an invalid case: 4") {
    Run r = compare(three_payers(repo("tests/golden/cases/malformed-code.yaml")));
    CHECK(r.status == cli::exit_case);
    CHECK(r.out.empty());
  }
}

TEST_CASE("compare: text renderer shows authorization, not addressed, errors and the shortest path", "[compare]") {
  cli::CompareRow granted;
  granted.name = "acme";
  granted.determination.emplace();
  granted.determination->decision = engine::Decision::covered;
  granted.determination->basis = "rules";
  granted.determination->prior_auth = true;
  granted.determination->benefit = "mental_health";
  granted.determination->authorization = engine::Authorization{28, std::nullopt, 8};
  granted.determination->reasons.push_back({"s3", "cover", "Esketamine", true, std::string("§3"), {}});
  cli::CompareRow by_default;
  by_default.name = "aetna";
  by_default.determination.emplace();
  by_default.determination->decision = engine::Decision::denied;
  by_default.determination->basis = "default";
  by_default.determination->prior_auth = false;
  by_default.default_message = "Not addressed";
  cli::CompareRow error;
  error.name = "old";
  error.error = "no policy in force on 2019-01-01";
  std::string text = cli::render_compare_text({granted, by_default, error});
  CHECK(text.find("acme   covered        required    mental_health  28 days, 8 units") != std::string::npos);
  CHECK(text.find("reason: s3 (cover): Esketamine (§3)") != std::string::npos);
  // A policy default with no rule applying is "not addressed", never a denial with "not required".
  CHECK(text.find("aetna  not addressed  -") != std::string::npos);
  CHECK(text.find("not required") == std::string::npos);
  CHECK(text.find("reason: not addressed by this policy (its default: denied, Not addressed)") != std::string::npos);
  CHECK(text.find("covered by: acme") != std::string::npos);
  CHECK(text.find("old    ERROR          -") != std::string::npos);
  CHECK(text.find("error: no policy in force on 2019-01-01") != std::string::npos);
  std::string json = cli::render_compare_json({granted, by_default, error});
  CHECK(json.find("\"authorization\": {\n        \"days\": 28,\n        \"units\": 8\n      }") != std::string::npos);
  CHECK(json.find("\"effect\": \"default\"") != std::string::npos);
  CHECK(json.find("\"error\": \"no policy in force on 2019-01-01\"") != std::string::npos);
  CHECK(json.find("\"addressed\": false,\n      \"basis\": \"default\",\n      \"prior_auth\": null") !=
        std::string::npos);
}

TEST_CASE("compare: the shortest path is who covers, else the addressed payer with the fewest gaps", "[compare]") {
  auto row = [](std::string name, engine::Decision d, std::string basis, std::size_t missing) {
    cli::CompareRow r;
    r.name = std::move(name);
    r.determination.emplace();
    r.determination->decision = d;
    r.determination->basis = basis;
    if (basis == "rules")
      r.determination->reasons.push_back({"x", d == engine::Decision::denied ? "deny" : "pend", "m", true, {}, {}});
    for (std::size_t i = 0; i < missing; ++i) r.determination->missing.push_back({"f" + std::to_string(i), {}});
    return r;
  };
  SECTION("a payer covers") {
    auto p = engine::shortest_path(
        {row("a", engine::Decision::pend, "rules", 1), row("b", engine::Decision::covered, "rules", 0)});
    CHECK(p.covered_by == std::vector<std::string>{"b"});
    CHECK_FALSE(p.closest);
  }
  SECTION("none covers: fewest gaps; not addressed and excluded are never closest") {
    auto p = engine::shortest_path(
        {row("far", engine::Decision::pend, "rules", 3), row("near", engine::Decision::pend, "rules", 1),
         row("silent", engine::Decision::denied, "default", 0), row("out", engine::Decision::excluded, "rules", 0)});
    CHECK(p.covered_by.empty());
    REQUIRE(p.closest);
    CHECK(*p.closest == "near");
    CHECK(p.gaps == 1);
  }
}

TEST_CASE("appeals: advice only after denied or excluded, only for its plan types", "[compare][appeals]") {
  auto steps_of = [](const std::vector<std::string>& sets_paths, const std::string& case_path) {
    CompareOptions o;
    o.sets = {{"x", sets_paths}};
    o.case_path = repo(case_path);
    o.json = true;
    return compare(o);
  };
  std::vector<std::string> bnd{repo("rules/bcbs-nd"), repo("rules/appeals")};
  Run covered = steps_of(bnd, "rules/bcbs-nd/cases/bnd-trd-covered.yaml");
  REQUIRE(covered.status == cli::exit_ok);
  CHECK(covered.out.find("Appeal") == std::string::npos);
  Run pend = steps_of(bnd, "rules/bcbs-nd/cases/bnd-renewal-response-unknown.yaml");
  CHECK(pend.out.find("Appeal") == std::string::npos);
  Run denied = steps_of(bnd, "rules/bcbs-nd/cases/bnd-no-oral-antidepressant.yaml");
  CHECK(denied.out.find("internal appeal with the plan within 180 days") != std::string::npos);
  CHECK(denied.out.find("redetermination") == std::string::npos);
  // TRICARE has no encoded appeal path: a denial adds no appeal step.
  Run tricare = steps_of({repo("rules/tricare"), repo("rules/appeals")}, "rules/tricare/cases/tri-site-not-rems.yaml");
  CHECK(tricare.out.find("\"decision\": \"denied\"") != std::string::npos);
  CHECK(tricare.out.find("Appeal") == std::string::npos);
}

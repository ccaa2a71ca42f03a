// Data-driven: every payer rule test suite rules/*/tests/*.yaml (all but Acme's, which
// test_acme_examples.cpp runs) through the library pipeline, one Catch2 section per test.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/unit/suite_expectations.hpp"

namespace fs = std::filesystem;

namespace {

// rules/<set>/tests/*.yaml and *.yml, sorted, skipping rules/acme.
std::vector<fs::path> payer_suites() {
  std::vector<fs::path> out;
  fs::path rules = fs::path(COVCHECK_SOURCE_DIR) / "rules";
  for (const auto& set : fs::directory_iterator(rules)) {
    if (!set.is_directory() || set.path().filename() == "acme") continue;
    fs::path tests = set.path() / "tests";
    if (!fs::is_directory(tests)) continue;
    for (const auto& f : fs::directory_iterator(tests)) {
      std::string ext = f.path().extension().string();
      if (f.is_regular_file() && (ext == ".yaml" || ext == ".yml")) out.push_back(f.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("payer rule sets ship their suites", "[payers]") {
  std::vector<fs::path> suites = payer_suites();
  // Payer sets known to ship a suite; others join the run below as they land.
  for (const char* set : {"aetna-cpb-0938", "bcbs-al-mp-446", "cigna-spravato", "highmark-i-212-007"}) {
    INFO("suite of rules/" << set);
    CHECK(std::any_of(suites.begin(), suites.end(),
                      [&](const fs::path& p) { return p.parent_path().parent_path().filename() == set; }));
  }
}

TEST_CASE("payer rule suites", "[examples][payers]") {
  std::vector<fs::path> suites = payer_suites();
  REQUIRE_FALSE(suites.empty());
  for (const fs::path& suite : suites) {
    std::string label = fs::relative(suite, COVCHECK_SOURCE_DIR).string();
    DYNAMIC_SECTION(label) { covcheck::testing::run_suite(suite); }
  }
}

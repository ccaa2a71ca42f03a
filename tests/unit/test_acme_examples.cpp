// The shipped Acme example cases against their expected determinations
// (rules/acme/tests/examples.yaml), run through the library pipeline as `covcheck test` does.
#include <filesystem>

#include <catch2/catch.hpp>

#include "tests/unit/suite_expectations.hpp"

TEST_CASE("acme examples", "[examples][acme]") {
  std::filesystem::path suite = std::filesystem::path(COVCHECK_SOURCE_DIR) / "rules/acme/tests/examples.yaml";
  REQUIRE(std::filesystem::exists(suite));
  covcheck::testing::run_suite(suite);
}

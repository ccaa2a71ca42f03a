// The payer registry: reading payers.yaml (mistakes at file:line:col) and matching a case's
// payer (identifier, then name or alias case-insensitively, then plan type and state).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "engine/session/payer_registry.hpp"

using namespace covcheck;
namespace fs = std::filesystem;

namespace {

// A scratch rules folder with two rule folders (`a`, `b`) and the given payers.yaml.
struct Folder {
  fs::path dir;
  explicit Folder(const std::string& yaml) {
    dir = fs::temp_directory_path() /
          fs::path("covcheck-registry-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::create_directories(dir / "a");
    fs::create_directories(dir / "b");
    std::ofstream(dir / "payers.yaml") << yaml;
  }
  ~Folder() { fs::remove_all(dir); }
  std::string file() const { return (dir / "payers.yaml").string(); }
};

struct Read {
  std::optional<engine::PayerRegistry> registry;
  dsl::Diagnostics diagnostics;
  dsl::SourceRegistry sources;
  std::string rendered() { return dsl::render_all(diagnostics, sources); }
  bool has(const std::string& code) const {
    for (const auto& d : diagnostics.items())
      if (d.code == code) return true;
    return false;
  }
};

Read read(const Folder& f) {
  Read r;
  r.registry = engine::read_payer_registry(f.file(), r.sources, r.diagnostics);
  return r;
}

const char* two_payers = R"(payers:
  - id: acme
    name: Acme Health
    aliases: [Acme]
    identifiers: [ACME1]
    plans:
      - id: acme-ppo-kmh
        riders: [ketamine_mental_health]
    rules: [a]
  - id: acme-ca
    name: Acme Health
    aliases: [Acme]
    identifiers: [ACME1]
    state: CA
    rules: [a, b]
  - id: mcr
    name: Medicare
    aliases: [ACME]
    identifiers: [MCR9]
    plan_type: medicare
    rules: [b]
)";

}  // namespace

TEST_CASE("payer registry: matching order", "[registry]") {
  Folder f(two_payers);
  Read r = read(f);
  INFO(r.rendered());
  REQUIRE(r.registry);
  const engine::PayerRegistry& reg = *r.registry;
  auto id_of = [&](engine::PayerKey key) {
    engine::PayerMatch m = engine::match_payer(reg, key);
    return m.entry ? m.entry->id : "error: " + m.error;
  };
  CHECK(id_of({"Acme Health", "commercial", "NY"}) == "acme");
  CHECK(id_of({"  acme health ", std::nullopt, std::nullopt}) == "acme");  // case and spaces
  CHECK(id_of({"Acme Health", "commercial", "CA"}) == "acme-ca");          // the more specific set
  CHECK(id_of({"ACME1", std::nullopt, "CA"}) == "acme-ca");
  // An identifier wins over another payer's alias: `ACME` is Medicare's alias, not Acme's id.
  CHECK(id_of({"mcr9", "medicare", std::nullopt}) == "mcr");
  CHECK(id_of({"ACME", std::nullopt, std::nullopt}) ==
        "acme");  // alias `Acme` and `ACME`: both entries named; the general one
  CHECK(id_of({"Medicare", "commercial", std::nullopt})
            .rfind("error: payer `Medicare` has no rule set for plan type `commercial`", 0) == 0);
  engine::PayerMatch unknown = engine::match_payer(reg, {"Nobody", std::nullopt, std::nullopt});
  CHECK(unknown.entry == nullptr);
  CHECK(unknown.error == "unknown payer `Nobody`");
  CHECK(unknown.help.find("`acme` (Acme Health), `acme-ca` (Acme Health), `mcr` (Medicare)") != std::string::npos);
  CHECK(engine::match_payer(reg, {std::nullopt, std::nullopt, std::nullopt}).error.find("names no payer") !=
        std::string::npos);
  REQUIRE(reg.find_id("acme"));
  CHECK(reg.find_id("acme")->plans.at(0).riders == std::vector<std::string>{"ketamine_mental_health"});
  CHECK(reg.find_id("acme-ca")->rules.size() == 2);
}

TEST_CASE("payer registry: every mistake at file:line:col", "[registry]") {
  SECTION("an unknown key, with a did-you-mean") {
    Folder f("payers:\n  - id: x\n    name: X\n    rules: [a]\n    alias: [Y]\n");
    Read r = read(f);
    CHECK_FALSE(r.registry);
    CHECK(r.has("registry.unknown_key"));
    CHECK(r.rendered().find("payers.yaml:5:5: error: unknown key `alias` in a payer") != std::string::npos);
    CHECK(r.rendered().find("did you mean `aliases`?") != std::string::npos);
  }
  SECTION("a rule path that does not exist") {
    Folder f("payers:\n  - id: x\n    name: X\n    rules: [a, nowhere]\n");
    Read r = read(f);
    CHECK_FALSE(r.registry);
    CHECK(r.rendered().find("payers.yaml:4:16: error: rule path `nowhere` does not exist") != std::string::npos);
  }
  SECTION("a duplicate alias for the same plan type and state") {
    Folder f(
        "payers:\n  - id: x\n    name: X\n    rules: [a]\n  - id: y\n    name: Y\n    aliases: [x]\n    rules: [b]\n");
    Read r = read(f);
    CHECK_FALSE(r.registry);
    CHECK(r.has("registry.duplicate_alias"));
    CHECK(r.rendered().find("payers.yaml:5:5: error: alias `x` of payer `y` already names payer `x`") !=
          std::string::npos);
  }
  SECTION("a duplicate id, missing keys, bad YAML") {
    Folder dup("payers:\n  - id: x\n    name: X\n    rules: [a]\n  - id: x\n    name: Z\n    rules: [b]\n");
    CHECK(read(dup).has("registry.duplicate_id"));
    Folder missing("payers:\n  - id: x\n    name: X\n");
    CHECK(read(missing).has("registry.missing_key"));
    Folder bad("payers: [\n");
    CHECK(read(bad).has("registry.syntax"));
    Folder empty("payers: []\n");
    CHECK(read(empty).has("registry.empty"));
  }
}

TEST_CASE("payer registry: found only as DIR/payers.yaml of a single --rules directory", "[registry]") {
  Folder f(two_payers);
  CHECK(engine::registry_file_in({f.dir.string()}) == (f.dir / "payers.yaml").string());
  CHECK_FALSE(engine::registry_file_in({(f.dir / "a").string()}));
  CHECK_FALSE(engine::registry_file_in({f.dir.string(), (f.dir / "a").string()}));
}

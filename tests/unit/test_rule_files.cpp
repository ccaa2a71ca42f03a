// load_rule_files: directory walks, imports, de-duplication, cycles and I/O errors, on
// small library files written to a temporary directory.
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>
#include <catch2/catch.hpp>

#include "dsl/syntax/rule_files.hpp"

namespace fs = std::filesystem;
using namespace covcheck;

namespace {

// A fresh directory per test, removed afterwards.
class TempTree {
 public:
  TempTree() {
    static int counter = 0;  // unique per test within this process
    root_ = fs::temp_directory_path() /
            ("covcheck-rule-files-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::create_directories(root_);
  }
  ~TempTree() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  std::string write(const std::string& rel, const std::string& text) const {
    fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  std::string path(const std::string& rel = "") const { return (root_ / rel).string(); }

 private:
  fs::path root_;
};

struct Loaded {
  dsl::SourceRegistry sources;
  dsl::RuleFiles files;
  dsl::Diagnostics diagnostics;
  bool ok = false;

  explicit Loaded(const std::vector<std::string>& paths) {
    ok = dsl::load_rule_files(paths, sources, files, diagnostics);
  }
  std::string name(std::size_t i) const {
    return fs::path(sources.file(files.files[i].file).name()).filename().string();
  }
  bool has(const std::string& code) const {
    for (const auto& d : diagnostics.items()) {
      if (d.code == code) return true;
    }
    return false;
  }
};

}  // namespace

TEST_CASE("a directory is walked for *.cpl in sorted order, hidden directories skipped", "[rule_files]") {
  TempTree t;
  t.write("b.cpl", "# b\n");
  t.write("a/z.cpl", "# z\n");
  t.write("a.cpl", "# a\n");
  t.write("notes.txt", "not a rule file\n");
  t.write(".hidden/h.cpl", "# hidden\n");
  Loaded l({t.path()});
  INFO(dsl::render_all(l.diagnostics, l.sources));
  REQUIRE(l.ok);
  REQUIRE(l.files.files.size() == 3);
  // Sorted as strings: "a.cpl" < "a/z.cpl" ('.' < '/') < "b.cpl".
  CHECK(l.name(0) == "a.cpl");
  CHECK(l.name(1) == "z.cpl");
  CHECK(l.name(2) == "b.cpl");
  CHECK(l.files.canonical_paths.size() == 3);
  CHECK(l.files.imports.size() == 3);
}

TEST_CASE("imports are followed relative to the importing file and loaded once", "[rule_files]") {
  TempTree t;
  t.write("policy/p.cpl", "import \"../lib/shared.cpl\"\nimport \"../lib/other.cpl\"\n");
  t.write("lib/other.cpl", "import \"shared.cpl\"\n");
  t.write("lib/shared.cpl", "# shared\n");
  Loaded l({t.path("policy/p.cpl"), t.path("lib/shared.cpl")});
  INFO(dsl::render_all(l.diagnostics, l.sources));
  REQUIRE(l.ok);
  REQUIRE_FALSE(l.diagnostics.has_errors());
  REQUIRE(l.files.files.size() == 3);
  CHECK(l.name(0) == "p.cpl");
  CHECK(l.name(1) == "shared.cpl");
  CHECK(l.name(2) == "other.cpl");
  CHECK(l.files.imports[0] == std::vector<std::size_t>{1, 2});
  CHECK(l.files.imports[2] == std::vector<std::size_t>{1});
}

TEST_CASE("an import cycle loads each file once and is an error", "[rule_files]") {
  TempTree t;
  t.write("a.cpl", "import \"b.cpl\"\n");
  t.write("b.cpl", "import \"a.cpl\"\n");
  Loaded l({t.path("a.cpl")});
  REQUIRE(l.ok);
  CHECK(l.files.files.size() == 2);
  REQUIRE(l.has("load.import_cycle"));
  std::string text = dsl::render_all(l.diagnostics, l.sources);
  CHECK(text.find("a.cpl` imports `") != std::string::npos);
  CHECK(text.find("b.cpl` imports `") != std::string::npos);
}

TEST_CASE("a missing import is an error at its path", "[rule_files]") {
  TempTree t;
  t.write("a.cpl", "import \"nope.cpl\"\n");
  Loaded l({t.path("a.cpl")});
  REQUIRE(l.ok);
  REQUIRE(l.has("load.import_not_found"));
  const dsl::Diagnostic& d = l.diagnostics.items().front();
  CHECK(d.span.begin == 7);  // the quoted path
}

TEST_CASE("a --rules path that does not exist fails the load", "[rule_files]") {
  TempTree t;
  Loaded l({t.path("missing")});
  CHECK_FALSE(l.ok);
  CHECK(l.has("io.not_found"));
}

TEST_CASE("a rule file over 16 MiB is refused", "[rule_files]") {
  TempTree t;
  t.write("big.cpl", std::string(16u * 1024u * 1024u + 1u, '#'));
  Loaded l({t.path("big.cpl")});
  CHECK(l.has("load.file_too_large"));
  CHECK(l.files.files.empty());
}

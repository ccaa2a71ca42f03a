// Rule bundles (engine/bundle/): the tar reader against hostile archives, the manifest and its
// digest, building a bundle reproducibly, refusing a tampered one by name, compiling one from
// memory only, and a server of a bundle reporting it (readyz, metrics, every answer) and
// swapping only when the digest changed.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "engine/bundle/bundle.hpp"
#include "engine/compile/pipeline.hpp"
#include "test_server_fixture.hpp"

using namespace covcheck;
namespace fs = std::filesystem;

namespace {

bool has_code(const dsl::Diagnostics& diagnostics, const std::string& code) {
  for (const dsl::Diagnostic& d : diagnostics.items())
    if (d.code == code) return true;
  return false;
}

std::string messages(const dsl::Diagnostics& diagnostics) {
  std::string out;
  for (const dsl::Diagnostic& d : diagnostics.items()) out += d.code + ": " + d.message + "\n";
  return out;
}

// Edits one header field of the entry whose header starts at `at`, then sets its checksum
// right again, as a crafted (not a damaged) archive would have it.
void set_field(std::string& archive, std::size_t at, std::size_t offset, std::size_t length, std::string_view value) {
  std::memset(archive.data() + at + offset, 0, length);
  std::memcpy(archive.data() + at + offset, value.data(), std::min(length, value.size()));
  std::memset(archive.data() + at + 148, ' ', 8);
  unsigned sum = 0;
  for (std::size_t i = 0; i < 512; ++i) sum += static_cast<unsigned char>(archive[at + i]);
  std::string text = fmt::format("{:06o}", sum);
  std::memcpy(archive.data() + at + 148, text.data(), 6);
  archive[at + 154] = '\0';
}

std::string two_files() {
  engine::TarWrite w = engine::write_tar({{"a/one.cpl", "policy one"}, {"b/two.cpl", "two"}}, 0);
  REQUIRE(w.error.empty());
  return w.archive;
}

std::string read_error(const std::string& archive) { return engine::read_tar(archive).error; }

// `rules/` as a bundle: the payer registry and every rule set it names.
engine::BundleBuild registry_bundle(dsl::Diagnostics& diagnostics, const std::string& version = "2026.1") {
  engine::BundleInputs in;
  in.rules = {"rules"};
  in.version = version;
  in.built_at = "2026-03-01T00:00:00Z";
  dsl::SourceRegistry sources;
  return engine::make_bundle(in, sources, diagnostics);
}

fs::path scratch(const std::string& tag) {
  fs::path dir = fs::temp_directory_path() / ("covcheck-bundle-" + tag + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

}  // namespace

TEST_CASE("a tar round trip keeps every file, and the same entries give the same bytes", "[bundle]") {
  std::string long_path = std::string(120, 'd') + "/" + std::string(90, 'f') + ".cpl";
  std::vector<engine::TarEntry> entries{{"a/one.cpl", "policy one\n"}, {long_path, std::string(1500, 'x')}, {"e", ""}};
  engine::TarWrite first = engine::write_tar(entries, 1772323200);
  REQUIRE(first.error.empty());
  CHECK(first.archive.size() % 512 == 0);
  CHECK(engine::write_tar(entries, 1772323200).archive == first.archive);
  engine::TarRead read = engine::read_tar(first.archive);
  REQUIRE(read.error.empty());
  REQUIRE(read.entries.size() == 3);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    CHECK(read.entries[i].path == entries[i].path);
    CHECK(read.entries[i].data == entries[i].data);
  }
  CHECK_FALSE(engine::write_tar({{std::string(300, 'p'), "x"}}, 0).error.empty());
}

TEST_CASE("hostile tars are refused with an error naming the entry", "[bundle]") {
  // One header field of a well-formed archive rewritten (checksum kept right), and the error.
  struct Edit {
    const char* what;
    std::size_t header, offset, length;
    std::string value;
    const char* error;
  };
  std::string base256(12, '\xff');
  base256[0] = '\x80';
  const std::vector<Edit> edits{
      {"a path climbing out", 0, 0, 100, "../../etc/cron.d/x",
       "`../../etc/cron.d/x` is a path that climbs out with `..`"},
      {"a .. in the middle", 0, 0, 100, "a/../../x.cpl", "climbs out"},
      {"an absolute path", 0, 0, 100, "/etc/passwd", "`/etc/passwd` is an absolute path"},
      {"a symbolic link", 0, 156, 1, "2", "`a/one.cpl` is a symbolic link"},
      {"a hard link", 0, 156, 1, "1", "hard link"},
      {"a device", 0, 156, 1, "3", "special file"},
      {"a pax header", 0, 156, 1, "x", "pax extended header"},
      {"a size over the per-file limit", 0, 124, 12, "77777777777", "`a/one.cpl` is 8589934591 bytes"},
      {"a base-256 size", 0, 124, 12, base256, "over 8 GiB"},
      {"a size the archive does not hold", 0, 124, 12, "00000100000", "declares 32768 bytes but the archive ends"},
      {"a size that is not octal", 0, 124, 12, "12x", "malformed size"},
      {"the same path twice", 1024, 0, 100, "a/one.cpl", "`a/one.cpl` is in the archive twice"},
  };
  for (const Edit& e : edits) {
    DYNAMIC_SECTION(e.what) {
      std::string archive = two_files();
      set_field(archive, e.header, e.offset, e.length, e.value);
      CHECK_THAT(read_error(archive), Catch::Contains(e.error));
    }
  }
  std::string good = two_files();
  REQUIRE(read_error(good).empty());
  std::string damaged = good;
  damaged[5] ^= 0x20;
  CHECK_THAT(read_error(damaged), Catch::Contains("bad checksum"));
  CHECK_THAT(read_error(good.substr(0, 600)), Catch::Contains("truncated"));
  CHECK_THAT(read_error(good.substr(0, 1024 + 100)), Catch::Contains("inside a header"));
  CHECK_THAT(read_error(good.substr(0, good.size() - 1024)), Catch::Contains("without its end-of-archive block"));
  CHECK_THAT(read_error(std::string(2048, 'A')), Catch::Contains("bad checksum"));
  CHECK_THAT(read_error(""), Catch::Contains("end-of-archive"));
}

TEST_CASE("too many bytes in all is refused", "[bundle]") {
  engine::TarLimits small;
  small.max_total = 3000;
  std::string archive = engine::write_tar({{"a", std::string(2000, 'a')}, {"b", std::string(2000, 'b')}}, 0).archive;
  CHECK_THAT(engine::read_tar(archive, small).error, Catch::Contains("pass 3000 bytes at `b`"));
}

TEST_CASE("bundle paths are relative, without . or .. parts", "[bundle]") {
  CHECK(engine::bad_bundle_path("rules/acme/acme-2026.1.cpl").empty());
  CHECK_FALSE(engine::bad_bundle_path("").empty());
  CHECK_FALSE(engine::bad_bundle_path("/abs").empty());
  CHECK_FALSE(engine::bad_bundle_path("a/../b").empty());
  CHECK_FALSE(engine::bad_bundle_path("./a").empty());
  CHECK_FALSE(engine::bad_bundle_path("a//b").empty());
  CHECK_FALSE(engine::bad_bundle_path("a\\..\\b").empty());
  CHECK_FALSE(engine::bad_bundle_path("a/\nb").empty());
}

TEST_CASE("the manifest renders and reads back; its digest covers the files and what is loaded", "[bundle]") {
  engine::Manifest m;
  m.version = "2026.1";
  m.built_at = "2026-03-01T00:00:00Z";
  m.rules = {"rules/acme"};
  m.files = {{"rules/acme/a.cpl", engine::sha256_hex("a"), 1}, {"rules/acme/b.cpl", engine::sha256_hex("b"), 1}};
  m.digest = engine::bundle_digest(m);
  // sha256sum's lines, then the load line: reproducible with standard tools.
  CHECK(m.digest == "sha256:" + engine::sha256_hex(engine::sha256_hex("a") + "  rules/acme/a.cpl\n" +
                                                   engine::sha256_hex("b") + "  rules/acme/b.cpl\nrules rules/acme\n"));
  std::string error;
  std::optional<engine::Manifest> back = engine::parse_manifest(engine::render_manifest(m), error);
  REQUIRE(back);
  CHECK(engine::render_manifest(*back) == engine::render_manifest(m));

  engine::Manifest relabelled = m;
  relabelled.version = "other";
  relabelled.built_at = "2027-01-01T00:00:00Z";
  CHECK(engine::bundle_digest(relabelled) == m.digest);
  engine::Manifest fewer = m;
  fewer.rules = {"rules/acme/a.cpl"};
  CHECK(engine::bundle_digest(fewer) != m.digest);
  engine::Manifest changed = m;
  changed.files[1].sha256 = engine::sha256_hex("c");
  CHECK(engine::bundle_digest(changed) != m.digest);
}

TEST_CASE("a manifest with a mistake is refused saying which", "[bundle]") {
  std::string error;
  auto refused = [&](const std::string& text) { return !engine::parse_manifest(text, error).has_value(); };
  std::string sha(64, 'a');
  std::string head = R"({"format":"covcheck-bundle/1","version":"v","built_at":"2026-03-01T00:00:00Z",)";
  CHECK(refused("not json"));
  CHECK_THAT(error, Catch::Contains("not valid JSON"));
  CHECK(refused(R"({"format":"covcheck-bundle/9","version":"v","rules":["a"],"files":[],"digest":"x"})"));
  CHECK_THAT(error, Catch::Contains("covcheck-bundle/9"));
  CHECK(refused(head + R"("rules":["../a"],"files":[],"digest":"x"})"));
  CHECK_THAT(error, Catch::Contains("`../a` is a path that climbs out"));
  CHECK(refused(head + R"("rules":["a"],"files":[{"path":"b","sha256":")" + sha +
                R"(","size":1},{"path":"a","sha256":")" + sha + R"(","size":1}],"digest":"x"})"));
  CHECK_THAT(error, Catch::Contains("sorted by path"));
  CHECK(refused(head + R"("rules":["a"],"files":[{"path":"a","sha256":"ABC","size":1}],"digest":"x"})"));
  CHECK_THAT(error, Catch::Contains("64 lowercase hex"));
  CHECK(refused(head + R"("rules":["a"],"files":[],"digest":"x","extra":1})"));
  CHECK_THAT(error, Catch::Contains("unknown key `extra`"));
  CHECK(refused(head + R"("registry":"p.yaml","rules":["a"],"files":[],"digest":"x"})"));
  CHECK_THAT(error, Catch::Contains("either a `registry` or `rules`"));
}

TEST_CASE("build times are exact UTC seconds", "[bundle]") {
  CHECK(engine::utc_seconds("2026-03-01T00:00:00Z") == 1772323200);
  CHECK(engine::utc_text(1772323200) == "2026-03-01T00:00:00Z");
  CHECK(engine::utc_text(*engine::utc_seconds("1999-12-31T23:59:59Z")) == "1999-12-31T23:59:59Z");
  CHECK_FALSE(engine::utc_seconds("2026-02-30T00:00:00Z"));
  CHECK_FALSE(engine::utc_seconds("2026-03-01 00:00:00"));
  CHECK_FALSE(engine::utc_seconds("2026-03-01T24:00:00Z"));
}

TEST_CASE("an overlay-only rule tree never reads the disk", "[bundle]") {
  dsl::SourceOverlay tree{{"rules/acme/only.cpl", "module only \"Only\"\n"}};
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  // rules/mandates exists on disk, but not in the tree.
  auto built = engine::build_rule_set({"rules/mandates"}, sources, diagnostics, &tree, dsl::RuleTree::overlay_only);
  CHECK(built.status == engine::RuleSetStatus::unreadable);
  CHECK(has_code(diagnostics, "io.not_found"));
  // rules/acme holds more on disk; the walk sees the tree's one file.
  dsl::RuleFiles files;
  dsl::Diagnostics walk;
  REQUIRE(dsl::load_rule_files({"rules/acme"}, sources, files, walk, &tree, dsl::RuleTree::overlay_only));
  REQUIRE(files.files.size() == 1);
  CHECK(sources.file(files.files[0].file).name() == "rules/acme/only.cpl");
}

TEST_CASE("a bundle of the payer registry is reproducible and compiles from memory as from disk", "[bundle]") {
  dsl::Diagnostics diagnostics;
  engine::BundleBuild first = registry_bundle(diagnostics);
  INFO(messages(diagnostics));
  REQUIRE(first.status == engine::BundleStatus::ok);
  const engine::Manifest& m = first.bundle->manifest;
  CHECK(m.registry == "rules/payers.yaml");
  CHECK(m.rules.empty());
  auto listed = [&](const std::string& path) {
    return std::any_of(m.files.begin(), m.files.end(), [&](const engine::BundleFile& f) { return f.path == path; });
  };
  CHECK(listed("rules/payers.yaml"));
  CHECK(listed("rules/acme/acme-2026.1.cpl"));
  CHECK(listed("rules/common/codesets.cpl"));  // reached by an import only
  CHECK_FALSE(listed("rules/acme/cases/esk-covered.yaml"));

  dsl::Diagnostics again;
  std::string archive = engine::bundle_archive(*first.bundle);
  CHECK(engine::bundle_archive(*registry_bundle(again).bundle) == archive);

  engine::BundleStatus status;
  dsl::Diagnostics read;
  std::optional<engine::Bundle> back = engine::read_bundle_archive(archive, "rules.tar", read, status);
  INFO(messages(read));
  REQUIRE(back);
  CHECK(back->manifest.digest == m.digest);
  dsl::SourceRegistry from_memory, from_disk;
  dsl::Diagnostics d1, d2;
  engine::RuleSource served = engine::load_bundle_rules(*back, from_memory, d1);
  engine::RuleSource direct = engine::load_rule_source({"rules"}, from_disk, d2);
  REQUIRE(served.registry);
  REQUIRE(direct.registry);
  REQUIRE(served.registry->programs.size() == direct.registry->programs.size());
  for (std::size_t i = 0; i < served.registry->programs.size(); ++i) {
    const auto& a = served.registry->programs[i]->checked->units;
    const auto& b = direct.registry->programs[i]->checked->units;
    REQUIRE(a.size() == b.size());
    for (std::size_t u = 0; u < a.size(); ++u) CHECK(a[u].digest == b[u].digest);
  }
}

TEST_CASE("a tampered bundle is refused naming the file", "[bundle]") {
  dsl::Diagnostics diagnostics;
  engine::BundleBuild built = registry_bundle(diagnostics);
  REQUIRE(built.bundle);
  engine::BundleStatus status;

  SECTION("a rule file changed in the archive") {
    engine::Bundle changed = *built.bundle;
    changed.files["rules/acme/acme-2026.1.cpl"] += "\n# edited on the server\n";
    dsl::Diagnostics read;
    CHECK_FALSE(engine::read_bundle_archive(engine::bundle_archive(changed), "x.tar", read, status));
    CHECK(status == engine::BundleStatus::does_not_verify);
    CHECK(has_code(read, "bundle.digest_mismatch"));
    CHECK_THAT(messages(read), Catch::Contains("`rules/acme/acme-2026.1.cpl` does not match its SHA-256"));
  }
  SECTION("a file added to the archive") {
    engine::Bundle added = *built.bundle;
    added.files["rules/acme/extra.cpl"] = "module extra\n";
    std::vector<engine::TarEntry> entries{{"manifest.json", engine::render_manifest(added.manifest)}};
    for (const auto& [path, text] : added.files) entries.push_back({path, text});
    dsl::Diagnostics read;
    CHECK_FALSE(engine::read_bundle_archive(engine::write_tar(entries, 0).archive, "x.tar", read, status));
    CHECK_THAT(messages(read), Catch::Contains("`rules/acme/extra.cpl` is in the archive but not in the manifest"));
  }
  SECTION("the manifest's digest edited") {
    engine::Bundle relabelled = *built.bundle;
    relabelled.manifest.digest = "sha256:" + std::string(64, '0');
    dsl::Diagnostics read;
    CHECK_FALSE(engine::read_bundle_archive(engine::bundle_archive(relabelled), "x.tar", read, status));
    CHECK_THAT(messages(read), Catch::Contains("its entries give"));
  }
  SECTION("a directory bundle with a file changed, or gone") {
    fs::path dir = scratch("dir");
    fs::remove_all(dir);
    dsl::Diagnostics wrote;
    REQUIRE(engine::write_bundle(*built.bundle, dir.string(), wrote));
    dsl::Diagnostics ok;
    CHECK(engine::read_bundle(dir.string(), ok, status));
    write_file(dir / "rules/mandates/ca-ptsd.cpl", "module tampered\n");
    dsl::Diagnostics changed;
    CHECK_FALSE(engine::read_bundle(dir.string(), changed, status));
    CHECK_THAT(messages(changed), Catch::Contains("`rules/mandates/ca-ptsd.cpl` does not match"));
    fs::remove(dir / "rules/mandates/ca-ptsd.cpl");
    dsl::Diagnostics gone;
    CHECK_FALSE(engine::read_bundle(dir.string(), gone, status));
    CHECK(has_code(gone, "bundle.missing_file"));
    // A directory bundle is written once: a second build goes elsewhere.
    dsl::Diagnostics twice;
    CHECK_FALSE(engine::write_bundle(*built.bundle, dir.string(), twice));
    CHECK(has_code(twice, "bundle.write"));
    fs::remove_all(dir);
  }
}

TEST_CASE("rules that do not compile make no bundle", "[bundle]") {
  fs::path dir = scratch("broken");
  write_file(dir / "broken.cpl", "policy broken {\n");
  engine::BundleInputs in;
  in.rules = {(dir / "broken.cpl").string()};
  in.version = "v";
  in.built_at = "2026-03-01T00:00:00Z";
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  engine::BundleBuild built = engine::make_bundle(in, sources, diagnostics);
  CHECK_FALSE(built.bundle);
  CHECK(built.status == engine::BundleStatus::does_not_compile);
  CHECK(diagnostics.has_errors());
  fs::remove_all(dir);
}

TEST_CASE("a server of a bundle reports it and swaps only when its digest changes", "[bundle][server]") {
  fs::path dir = scratch("serve");
  auto build = [&](std::vector<std::string> rules, const std::string& version) {
    engine::BundleInputs in;
    in.rules = std::move(rules);
    in.version = version;
    in.built_at = "2026-03-01T00:00:00Z";
    dsl::SourceRegistry sources;
    dsl::Diagnostics diagnostics;
    engine::BundleBuild built = engine::make_bundle(in, sources, diagnostics);
    REQUIRE(built.bundle);
    write_file(dir / "rules.tar", engine::bundle_archive(*built.bundle));
    return built.bundle->manifest.digest;
  };
  std::string first = build({"rules/acme", "rules/mandates"}, "v1");
  server::ServiceOptions options;
  options.bundle = (dir / "rules.tar").string();
  testing::TestServer ts(options, "bundle");
  auto client = ts.client();

  auto ready = client.Get("/readyz");
  REQUIRE(ready);
  CHECK_THAT(ready->body, Catch::Contains(R"("bundle":{"digest":")" + first + R"(","version":"v1"})"));
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK_THAT(metrics->body, Catch::Contains(R"(covcheck_bundle_info{digest=")" + first + R"(",version="v1"} 1)"));
  auto answer = client.Post("/v1/check", testing::case_text("esk-covered"), "application/yaml");
  REQUIRE(answer);
  CHECK(answer->status == 200);
  CHECK(answer->body.rfind(R"({"bundle":{"digest":")" + first + R"(","version":"v1"},"case":)", 0) == 0);
  // Locations name the rule files as they were named when bundled, not a temporary folder.
  CHECK_THAT(answer->body, Catch::Contains(R"("at":"rules/acme/)"));
  auto batch = client.Post("/v1/batch", "{\"id\":\"a\"}\nnot json\n", "application/x-ndjson");
  REQUIRE(batch);
  CHECK(batch->body.rfind(R"({"bundle":{"digest":")", 0) == 0);
  CHECK(batch->body.find("\n{\"bundle\":{\"digest\":\"") != std::string::npos);

  CHECK_FALSE(ts.service().load_if_bundle_changed());  // the same digest: nothing to do
  CHECK(ts.service().state()->generation == 1);
  std::string second = build({"rules/acme"}, "v2");
  REQUIRE(second != first);
  auto swapped = ts.service().load_if_bundle_changed();
  REQUIRE(swapped);
  CHECK(swapped->ok);
  CHECK(ts.service().state()->generation == 2);
  CHECK(ts.service().state()->bundle_digest == second);

  // A tampered bundle is refused; the one serving stays.
  std::string tar = testing::read_text(dir / "rules.tar");
  std::size_t at = tar.find("policy ");
  REQUIRE(at != std::string::npos);
  tar[at] = 'P';
  write_file(dir / "rules.tar", tar);
  server::ReloadResult refused = ts.service().load();
  CHECK_FALSE(refused.ok);
  CHECK_THAT(refused.diagnostics, Catch::Contains("does not match its SHA-256"));
  CHECK(ts.service().state()->bundle_digest == second);
  fs::remove_all(dir);
}

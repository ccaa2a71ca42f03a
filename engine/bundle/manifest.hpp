// A rule bundle's manifest (`manifest.json`): every file with its SHA-256 and size, what to
// load (the payer registry, or rule paths), a version label, the build time the builder gave,
// and the bundle digest over the sorted entries. docs/deploy.md describes the format.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/audit/hex.hpp"  // sha256_hex, which file digests use

namespace covcheck::engine {

inline constexpr std::string_view bundle_format = "covcheck-bundle/1";
inline constexpr std::string_view manifest_name = "manifest.json";

struct BundleFile {
  std::string path;    // inside the bundle, as the rules were named when it was built
  std::string sha256;  // 64 lowercase hex digits
  std::uint64_t size = 0;
};

struct Manifest {
  std::string version;                  // the builder's label: `2026.1`, a git describe
  std::string built_at;                 // UTC, `YYYY-MM-DDTHH:MM:SSZ`, as given (never the clock)
  std::optional<std::string> registry;  // the payer registry's path, or
  std::vector<std::string> rules;       // the rule paths of one rule set
  std::vector<BundleFile> files;        // sorted by path
  std::string digest;                   // "sha256:<hex>": bundle_digest()
};

// The bundle digest: SHA-256 over one line per file, sorted by path, as `sha256sum` prints
// them (`<hex>  <path>`), then `registry <path>` or one `rules <path>` line per rule path.
// The label and build time are not part of it: the same rules have the same digest.
std::string bundle_digest(const Manifest& m);

// Pretty JSON with a fixed key order, ending with a newline: the same manifest, the same bytes.
std::string render_manifest(const Manifest& m);

// Reads manifest.json: every key checked (`format`, types, paths as bad_bundle_path wants
// them, files sorted and unique). On failure nullopt and `error` says what is wrong.
std::optional<Manifest> parse_manifest(std::string_view text, std::string& error);

}  // namespace covcheck::engine

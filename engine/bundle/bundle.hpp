// Rule bundles: the rule files of a rule set or a payer registry, with the registry and a
// manifest of digests, as one versioned artifact that `covcheck bundle` builds and
// `covcheck serve --bundle` loads on every replica. A bundle is a directory or a tar
// (tar.hpp); it is read whole into memory, verified, and compiled from memory only
// (dsl::RuleTree::overlay_only), so what is verified is exactly what is served.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/source/diagnostics.hpp"
#include "dsl/source/source.hpp"
#include "dsl/syntax/rule_files.hpp"
#include "engine/bundle/manifest.hpp"
#include "engine/bundle/tar.hpp"
#include "engine/session/rule_source.hpp"

namespace covcheck::engine {

// A bundle in memory, verified: its manifest and every file it lists, by path.
struct Bundle {
  Manifest manifest;
  dsl::SourceOverlay files;  // keys: the manifest's paths (dsl::rule_tree_key form)
};

struct BundleInputs {
  std::vector<std::string> rules;       // rule paths; one directory holding payers.yaml is a registry
  std::optional<std::string> registry;  // or the registry file itself
  std::string version;
  std::string built_at;  // `YYYY-MM-DDTHH:MM:SSZ`
};

enum class BundleStatus { ok, unreadable, does_not_compile, does_not_verify };

struct BundleBuild {
  std::optional<Bundle> bundle;
  BundleStatus status = BundleStatus::ok;
};

// Compiles the rules from disk (a rule set that does not compile is refused with its
// diagnostics), takes every file the compiler read, names each inside the bundle (as it was
// named when under the working directory, else relative to the files' common folder), and
// compiles the result again from memory, as a server will. Diagnostics: the compiler's, and
// `bundle.*` ones.
BundleBuild make_bundle(const BundleInputs& inputs, dsl::SourceRegistry& sources, dsl::Diagnostics& diagnostics);

// The tar of a bundle: manifest.json first, then the files in path order; entries carry the
// build time as their mtime, so the same bundle gives the same bytes.
std::string bundle_archive(const Bundle& bundle);

// Writes the bundle to `out`: a tar when `out` ends in `.tar` (written beside it, then
// renamed, so a reader never sees half an archive), else a new (or empty) directory.
bool write_bundle(const Bundle& bundle, const std::string& out, dsl::Diagnostics& diagnostics);

// Reads a bundle directory or tar file and verifies it: the manifest, every listed file's size
// and SHA-256 (no file missing; in a tar, none extra), and the bundle digest. `bundle.*`
// diagnostics name the file at fault; `status` tells unreadable from tampered.
std::optional<Bundle> read_bundle(const std::string& path, dsl::Diagnostics& diagnostics, BundleStatus& status);
// The same for a tar held in memory (fetched over HTTP); `name` stands for it in messages.
std::optional<Bundle> read_bundle_archive(std::string_view archive, const std::string& name,
                                          dsl::Diagnostics& diagnostics, BundleStatus& status);

// Compiles the bundle's rule set or registry from its files in memory.
RuleSource load_bundle_rules(const Bundle& bundle, dsl::SourceRegistry& sources, dsl::Diagnostics& diagnostics);

// `YYYY-MM-DDTHH:MM:SSZ` <-> seconds since 1970 (UTC); nullopt for any other text or a
// date that does not exist.
std::optional<std::int64_t> utc_seconds(std::string_view text);
std::string utc_text(std::int64_t seconds);

}  // namespace covcheck::engine

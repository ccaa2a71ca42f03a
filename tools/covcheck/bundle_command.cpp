// `covcheck bundle --rules PATH... [--registry FILE] --version LABEL [--built-at TIME] --out FILE_OR_DIR`
// and `covcheck bundle --verify PATH`. Exit: 0 done, 2 usage or unreadable paths, 3 the rules do
// not compile or the bundle does not verify.
#include "tools/covcheck/bundle_command.hpp"

#include <cstdlib>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "engine/bundle/bundle.hpp"
#include "tools/covcheck/check_command.hpp"

namespace covcheck::cli {

namespace {

struct BundleFlags {
  std::vector<std::string> rules;
  std::string registry;
  std::string version;
  std::string built_at;
  std::string out;
  std::string verify;
};

int exit_for(engine::BundleStatus status) {
  return status == engine::BundleStatus::ok           ? exit_ok
         : status == engine::BundleStatus::unreadable ? exit_usage
                                                      : exit_rules;
}

void report(const engine::Bundle& bundle, const std::string& where, const char* what) {
  const engine::Manifest& m = bundle.manifest;
  std::cout << fmt::format("{} `{}`: version {}, built {}, {} files, {}\n", what, where, m.version, m.built_at,
                           m.files.size(), m.digest);
}

int run_verify(const std::string& path) {
  dsl::Diagnostics diagnostics;
  engine::BundleStatus status = engine::BundleStatus::ok;
  std::optional<engine::Bundle> bundle = engine::read_bundle(path, diagnostics, status);
  dsl::SourceRegistry sources;
  // A bundle that verifies is compiled too: what a replica would do with it.
  if (bundle && engine::load_bundle_rules(*bundle, sources, diagnostics).status != engine::RuleSetStatus::ok)
    status = engine::BundleStatus::does_not_compile;
  diagnostics.sort();
  std::cerr << dsl::render_all(diagnostics, sources);
  if (status != engine::BundleStatus::ok) return exit_for(status);
  report(*bundle, path, "verified");
  return exit_ok;
}

int run_bundle(const BundleFlags& flags) {
  if (!flags.verify.empty()) {
    if (!flags.rules.empty() || !flags.registry.empty() || !flags.out.empty())
      return usage_error("--verify takes a bundle and nothing else");
    return run_verify(flags.verify);
  }
  if (flags.rules.empty() == flags.registry.empty())
    return usage_error("give the rules: --rules PATH... or --registry FILE (a payers.yaml), one of them");
  if (flags.version.empty() || flags.out.empty()) return usage_error("--version and --out are required");
  // The build time is the builder's, never the clock, so that the same inputs give the same bytes.
  std::string built_at = flags.built_at;
  if (built_at.empty()) {
    const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
    char* end = nullptr;
    long long seconds = epoch && *epoch ? std::strtoll(epoch, &end, 10) : -1;
    if (seconds < 0 || (end && *end))
      return usage_error("give the build time: --built-at YYYY-MM-DDTHH:MM:SSZ, or SOURCE_DATE_EPOCH");
    built_at = engine::utc_text(seconds);
  } else if (!engine::utc_seconds(built_at)) {
    return usage_error(fmt::format("--built-at `{}` is not a UTC time `YYYY-MM-DDTHH:MM:SSZ`", built_at));
  }

  engine::BundleInputs inputs;
  inputs.rules = flags.rules;
  if (!flags.registry.empty()) inputs.registry = flags.registry;
  inputs.version = flags.version;
  inputs.built_at = built_at;
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  engine::BundleBuild built = engine::make_bundle(inputs, sources, diagnostics);
  if (built.bundle && !engine::write_bundle(*built.bundle, flags.out, diagnostics))
    built.status = engine::BundleStatus::unreadable;
  diagnostics.sort();
  std::cerr << dsl::render_all(diagnostics, sources);
  if (built.status != engine::BundleStatus::ok) return exit_for(built.status);
  report(*built.bundle, flags.out, "bundle");
  return exit_ok;
}

}  // namespace

Command add_bundle_command(CLI::App& app) {
  auto flags = std::make_shared<BundleFlags>();
  CLI::App* bundle = app.add_subcommand(
      "bundle", "Build a versioned rule bundle (rules, payer registry, manifest of digests) for `serve --bundle`");
  bundle
      ->add_option("--rules", flags->rules,
                   "Rule files, or directories of *.cpl files (one with payers.yaml: the registry)")
      ->type_name("PATH");
  bundle->add_option("--registry", flags->registry, "A payer registry (payers.yaml) and every rule set it names")
      ->type_name("FILE");
  bundle->add_option("--version", flags->version, "The bundle's version label")->type_name("LABEL");
  bundle
      ->add_option("--built-at", flags->built_at,
                   "The build time recorded, YYYY-MM-DDTHH:MM:SSZ (default: SOURCE_DATE_EPOCH)")
      ->type_name("TIME");
  bundle->add_option("--out", flags->out, "Write the bundle here: FILE.tar, or a new directory")
      ->type_name("FILE_OR_DIR");
  bundle->add_option("--verify", flags->verify, "Verify a bundle's digests and compile it; build nothing")
      ->type_name("PATH");
  return {bundle, [flags]() { return run_bundle(*flags); }};
}

}  // namespace covcheck::cli

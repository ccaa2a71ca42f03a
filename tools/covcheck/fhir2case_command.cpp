// `fhir2case`: bundle -> mapped case tree (engine/cases/fhir) -> the schema walk (for its
// diagnostics) -> the case printed as YAML with FHIR sources, or as JSON.
#include "tools/covcheck/fhir2case_command.hpp"

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "engine/cases/case_loader.hpp"
#include "engine/cases/fhir/bundle_reader.hpp"
#include "engine/cases/fhir/case_printer.hpp"
#include "engine/compile/pipeline.hpp"
#include "tools/covcheck/check_command.hpp"

namespace covcheck::cli {

int run_fhir2case(const Fhir2CaseOptions& options, std::ostream& out, std::ostream& err) {
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  auto finish = [&](int status) {
    diagnostics.sort();
    err << dsl::render_all(diagnostics, sources);
    return status;
  };
  std::string text;
  if (options.bundle == "-") {
    std::ostringstream buffer;
    buffer << std::cin.rdbuf();
    text = std::move(buffer).str();
  } else {
    std::ifstream in(options.bundle, std::ios::binary);
    if (!in) {
      diagnostics.error("io.not_found", dsl::SourceSpan{}, fmt::format("cannot read bundle `{}`", options.bundle));
      return finish(exit_usage);
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text = std::move(buffer).str();
  }
  std::vector<engine::fhir::TableText> tables = engine::fhir::shipped_tables();
  if (!options.fhir_map.empty() && !engine::fhir::add_table_dir(options.fhir_map, tables, diagnostics))
    return finish(exit_usage);
  std::optional<engine::fhir::Terminology> terms = engine::fhir::build_terminology(tables, sources, diagnostics);
  if (!terms) return finish(exit_rules);
  engine::RuleSetBuild built = engine::build_rule_set(options.rules, sources, diagnostics);
  if (built.status == engine::RuleSetStatus::unreadable) return finish(exit_usage);
  if (built.status == engine::RuleSetStatus::does_not_compile) return finish(exit_rules);

  dsl::FileId file = sources.add(options.bundle == "-" ? "<stdin>" : options.bundle, std::move(text));
  engine::fhir::FhirCase mapped;
  std::optional<engine::Case> c =
      engine::fhir::load_fhir_case(built.program->schema(), sources, file, *terms, diagnostics, &mapped);
  if (mapped.tree.root != engine::yaml_none)
    out << (options.json ? engine::fhir::print_case_json(mapped) : engine::fhir::print_case_yaml(mapped));
  return finish(c ? exit_ok : exit_case);
}

Command add_fhir2case_command(CLI::App& app) {
  auto options = std::make_shared<Fhir2CaseOptions>();
  auto format = std::make_shared<std::string>("yaml");
  CLI::App* cmd = app.add_subcommand(
      "fhir2case", "Print the case the FHIR mapping builds from a bundle, with each value's FHIR source");
  cmd->add_option("bundle", options->bundle, "A FHIR R4 Bundle (JSON); - reads stdin")->required()->type_name("BUNDLE");
  cmd->add_option("--format", *format, "yaml (with FHIR sources as comments) or json (a case file)")
      ->check(CLI::IsMember({"yaml", "json"}))
      ->capture_default_str();
  cmd->add_option("--rules", options->rules,
                  "Check the case against this rule set's schema (default: the built-in one)")
      ->type_name("PATH");
  cmd->add_option("--fhir-map", options->fhir_map,
                  "A directory of mapping tables (*.yaml) replacing or adding to the shipped ones")
      ->type_name("DIR");
  return {cmd, [options, format]() {
            Fhir2CaseOptions o = *options;
            o.json = *format == "json";
            return run_fhir2case(o, std::cout, std::cerr);
          }};
}

}  // namespace covcheck::cli

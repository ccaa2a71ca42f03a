// `covcheck fhir2case BUNDLE`: prints the case the FHIR mapping builds from a bundle, each
// value with its FHIR source, so that analysts can debug a mapping.
#pragma once

#include <string>
#include <vector>

#include "tools/covcheck/command.hpp"

namespace covcheck::cli {

struct Fhir2CaseOptions {
  std::string bundle;              // `-` reads stdin
  std::vector<std::string> rules;  // for the schema the case is checked against (none: the built-in one)
  std::string fhir_map;            // a directory of mapping tables overriding the shipped ones
  bool json = false;
};

int run_fhir2case(const Fhir2CaseOptions& options, std::ostream& out, std::ostream& err);

Command add_fhir2case_command(CLI::App& app);

}  // namespace covcheck::cli

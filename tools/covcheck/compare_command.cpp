// `covcheck compare`: its command line (`--set NAME=PATH[,PATH...]` repeated, `--case`,
// `--format`, `--as-of`); the pipeline is in compare_run.cpp, the output in compare_render.cpp.
#include "tools/covcheck/compare_command.hpp"

#include <iostream>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"

namespace covcheck::cli {

Command add_compare_command(CLI::App& app) {
  struct Raw {
    std::vector<std::string> sets;
    std::string rules;
    std::string payers;
    std::string case_path;
    std::string format = "text";
    std::string as_of;
  };
  auto raw = std::make_shared<Raw>();
  CLI::App* compare = app.add_subcommand("compare", "Decide one case against several payers' rule sets, side by side");
  compare->add_option("--set", raw->sets, "A named rule set: NAME=PATH[,PATH...] (repeatable, one per payer)")
      ->type_name("NAME=PATHS");
  compare->add_option("--rules", raw->rules, "A rules directory with a payer registry (DIR/payers.yaml): every payer")
      ->type_name("DIR");
  compare->add_option("--payers", raw->payers, "With --rules: only these registry payers (ids, comma-separated)")
      ->type_name("ID,ID");
  compare->add_option("--case", raw->case_path, "The case file (YAML or JSON); - reads stdin")
      ->required()
      ->type_name("FILE");
  compare->add_option("--format", raw->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  compare->add_option("--as-of", raw->as_of, "Judge effective ranges on this date instead of date_of_service")
      ->type_name("DATE");
  return {compare, [compare, raw]() {
            CompareOptions options;
            options.case_path = raw->case_path;
            options.json = raw->format == "json";
            std::set<std::string> names;
            for (const std::string& spec : raw->sets) {
              std::string error;
              std::optional<CompareSet> set = parse_compare_set(spec, error);
              if (!set) return usage_error(error);
              if (!names.insert(set->name).second)
                return usage_error(fmt::format("--set: the name `{}` is used twice", set->name));
              options.sets.push_back(std::move(*set));
            }
            if (raw->sets.empty() == raw->rules.empty())
              return usage_error("compare: give either --rules DIR (a payer registry) or --set NAME=PATH (repeatable)");
            if (!raw->payers.empty() && raw->rules.empty()) return usage_error("--payers needs --rules DIR");
            options.registry_dir = raw->rules;
            for (std::size_t start = 0; !raw->payers.empty() && start <= raw->payers.size();) {
              std::size_t comma = std::min(raw->payers.find(',', start), raw->payers.size());
              if (comma > start) options.payers.push_back(raw->payers.substr(start, comma - start));
              start = comma + 1;
            }
            if (compare->count("--as-of") > 0) {
              options.as_of = dsl::parse_iso_date(raw->as_of);
              if (!options.as_of) return usage_error("--as-of: `" + raw->as_of + "` is not a date (YYYY-MM-DD)");
            }
            return run_compare(options, std::cout, std::cerr);
          }};
}

}  // namespace covcheck::cli

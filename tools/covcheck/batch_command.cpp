// The `batch` command: options -> rule set -> engine::run_batch -> summary. Exit 0 whatever
// the cases decide (bad records become error records), 3 when the rules do not compile, 2
// when the input cannot be read or the output written.
#include "tools/covcheck/batch_command.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "engine/cases/fhir/terminology.hpp"
#include "engine/compile/pipeline.hpp"
#include "engine/eval/evaluate.hpp"
#include "tools/covcheck/check_command.hpp"

namespace covcheck::cli {

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string with_commas(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Closes the descriptors it opened (never stdin or stdout).
struct Fd {
  int fd = -1;
  bool owned = false;
  ~Fd() {
    if (owned && fd >= 0) ::close(fd);
  }
};

}  // namespace

int run_batch_command(const BatchCommandOptions& options, std::ostream& err) {
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  auto report = [&](int status) {
    diagnostics.sort();
    err << dsl::render_all(diagnostics, sources);
    err.flush();
    return status;
  };

  // Open the input first: an input that cannot be opened (2) wins over rules that do not compile (3).
  Fd in;
  std::uint64_t input_size = 0;
  if (options.cases == "-") {
    in.fd = STDIN_FILENO;
  } else {
    in.fd = ::open(options.cases.c_str(), O_RDONLY | O_CLOEXEC);
    in.owned = true;
    struct stat st {};
    if (in.fd < 0 || ::fstat(in.fd, &st) != 0 || S_ISDIR(st.st_mode)) {
      const char* why = in.fd >= 0 ? "is a directory" : errno == ENOENT ? "does not exist" : std::strerror(errno);
      diagnostics.error("io.not_found", dsl::SourceSpan{}, fmt::format("cases file `{}` {}", options.cases, why));
      return report(exit_usage);
    }
    if (S_ISREG(st.st_mode)) input_size = static_cast<std::uint64_t>(st.st_size);
  }

  engine::RuleSource built = engine::load_rule_source(options.rules, sources, diagnostics);
  if (built.status == engine::RuleSetStatus::unreadable) return report(exit_usage);
  if (built.status == engine::RuleSetStatus::does_not_compile) return report(exit_rules);
  // Bundle records are read through these tables (null: the sessions build the shipped ones).
  std::optional<engine::fhir::Terminology> fhir_map;
  if (!options.fhir_map.empty()) {
    std::vector<engine::fhir::TableText> tables = engine::fhir::shipped_tables();
    if (!engine::fhir::add_table_dir(options.fhir_map, tables, diagnostics)) return report(exit_usage);
    fhir_map = engine::fhir::build_terminology(tables, sources, diagnostics);
    if (!fhir_map) return report(exit_rules);
  }
  report(exit_ok);  // rule-set warnings
  diagnostics = dsl::Diagnostics{};

  Fd out;
  if (options.out == "-") {
    out.fd = STDOUT_FILENO;
  } else {
    out.fd = ::open(options.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    out.owned = true;
    if (out.fd < 0) {
      diagnostics.error("io.write", dsl::SourceSpan{},
                        fmt::format("cannot write `{}`: {}", options.out, std::strerror(errno)));
      return report(exit_usage);
    }
  }

  engine::BatchOptions batch;
  batch.format = options.format.value_or(ends_with(options.cases, ".yaml") || ends_with(options.cases, ".yml")
                                             ? engine::InputFormat::yaml
                                             : engine::InputFormat::jsonl);
  batch.mode = options.mode;
  batch.trace_elements = options.trace_elements;
  batch.threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  batch.as_of = options.as_of;
  batch.fhir_map = fhir_map ? &*fhir_map : nullptr;
  batch.input_name = options.cases == "-" ? "<stdin>" : options.cases;

  std::function<void(const engine::BatchProgress&)> progress;
  if (options.progress) {
    progress = [&](const engine::BatchProgress& p) {
      double rate = p.seconds > 0 ? static_cast<double>(p.records) / p.seconds : 0;
      std::string line =
          fmt::format("\r{} records, {}/s", with_commas(p.records), with_commas(static_cast<std::uint64_t>(rate)));
      if (input_size > 0 && p.bytes > 0) {
        double fraction = static_cast<double>(p.bytes) / static_cast<double>(input_size);
        double eta = fraction > 0 ? p.seconds * (1 - fraction) / fraction : 0;
        line += fmt::format(", {:.0f}%, ETA {:.0f} s", 100 * fraction, eta);
      }
      err << line << "\x1b[K" << std::flush;
    };
  }
  engine::BatchSummary s = engine::run_batch(built, sources, in.fd, out.fd, batch, progress);
  if (options.progress) err << "\r\x1b[K";

  double rate = s.seconds > 0 ? static_cast<double>(s.records) / s.seconds : 0;
  err << fmt::format(
      "covcheck batch: {} records: {} covered, {} pend, {} denied, {} excluded, {} errors; {:.2f} s, {} cases/s\n",
      with_commas(s.records), with_commas(s.by_decision[0]), with_commas(s.by_decision[1]),
      with_commas(s.by_decision[2]), with_commas(s.by_decision[3]), with_commas(s.errors), s.seconds,
      with_commas(static_cast<std::uint64_t>(rate)));
  if (!s.input_error.empty())
    diagnostics.error("io.read", dsl::SourceSpan{},
                      fmt::format("reading `{}` failed: {}", batch.input_name, s.input_error));
  if (!s.output_error.empty())
    diagnostics.error(
        "io.write", dsl::SourceSpan{},
        fmt::format("writing `{}` failed: {}", options.out == "-" ? "<stdout>" : options.out, s.output_error));
  if (out.owned && out.fd >= 0 && ::close(out.fd) != 0 && s.output_error.empty())
    diagnostics.error("io.write", dsl::SourceSpan{},
                      fmt::format("writing `{}` failed: {}", options.out, std::strerror(errno)));
  out.owned = false;
  return report(diagnostics.has_errors() ? exit_usage : exit_ok);
}

Command add_batch_command(CLI::App& app) {
  struct Raw {
    BatchCommandOptions options;
    std::string input_format;
    std::string as_of;
    bool trace = false;
    bool compact = false;
    std::string trace_elements;
  };
  auto raw = std::make_shared<Raw>();
  CLI::App* batch = app.add_subcommand("batch", "Decide many cases (JSON Lines or a YAML stream); one JSON line each");
  batch->add_option("--rules", raw->options.rules, "Rule files, or directories of *.cpl files (repeatable)")
      ->required()
      ->type_name("PATH");
  batch
      ->add_option("--cases", raw->options.cases,
                   "JSON Lines (a case or a FHIR R4 Bundle per line) or YAML stream of cases; - reads stdin")
      ->required()
      ->type_name("FILE");
  batch
      ->add_option("--fhir-map", raw->options.fhir_map,
                   "FHIR mapping tables (*.yaml) replacing or adding to the shipped rules/fhir ones")
      ->type_name("DIR");
  batch->add_option("--out", raw->options.out, "Where to write the JSON Lines results; - is stdout")->type_name("FILE");
  batch->add_option("--threads", raw->options.threads, "Worker threads (default: the machine's hardware concurrency)")
      ->check(CLI::Range(1u, 256u))
      ->type_name("N");
  batch->add_option("--input-format", raw->input_format, "Input format (default: by extension; .yaml/.yml is YAML)")
      ->check(CLI::IsMember({"jsonl", "yaml"}));
  batch->add_option("--as-of", raw->as_of, "Judge effective ranges on this date instead of date_of_service")
      ->type_name("DATE");
  batch->add_flag("--trace", raw->trace, "Include the explanation trace in each result");
  batch
      ->add_option("--trace-elements", raw->trace_elements,
                   "With --trace: list elements shown per quantifier, the rest counted (default 5; all: every one)")
      ->type_name("N|all");
  batch->add_flag("--compact", raw->compact, "Write only case, decision, basis, prior_auth, benefit and reason ids");
  return {batch, [batch, raw]() {
            BatchCommandOptions options = raw->options;
            if (raw->trace && raw->compact) return usage_error("--trace and --compact cannot be combined");
            options.mode = raw->compact ? engine::OutputMode::compact
                           : raw->trace ? engine::OutputMode::trace
                                        : engine::OutputMode::full;
            if (batch->count("--trace-elements") > 0) {
              auto n = engine::parse_trace_elements(raw->trace_elements);
              if (!n) return usage_error("--trace-elements: `" + raw->trace_elements + "` is not a count or `all`");
              options.trace_elements = *n;
            }
            if (!raw->input_format.empty())
              options.format = raw->input_format == "yaml" ? engine::InputFormat::yaml : engine::InputFormat::jsonl;
            if (batch->count("--as-of") > 0) {
              options.as_of = dsl::parse_iso_date(raw->as_of);
              if (!options.as_of) return usage_error("--as-of: `" + raw->as_of + "` is not a date (YYYY-MM-DD)");
            }
            options.progress = ::isatty(STDERR_FILENO) != 0;
            return run_batch_command(options, std::cerr);
          }};
}

}  // namespace covcheck::cli

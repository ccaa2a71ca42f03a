// `covcheck dump`: the parse tree (dsl::dump_parse_tree), the AST and the checked rule set
// (dsl/syntax/ast_dump.hpp), and the compiled program (engine/compile/program_dump.hpp).
#include "tools/covcheck/dump_command.hpp"

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "dsl/syntax/ast_dump.hpp"
#include "dsl/syntax/parser.hpp"
#include "engine/compile/pipeline.hpp"
#include "engine/compile/program_dump.hpp"
#include "tools/covcheck/check_command.hpp"
#include "tools/covcheck/fmt_command.hpp"

namespace covcheck::cli {

namespace {

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return std::move(buffer).str();
}

}  // namespace

int run_dump(const DumpOptions& options, std::ostream& out, std::ostream& err) {
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  auto finish = [&](int status) {
    diagnostics.sort();
    err << dsl::render_all(diagnostics, sources);
    return status;
  };
  if (options.stage == DumpStage::checked || options.stage == DumpStage::program) {
    engine::RuleSetBuild built = engine::build_rule_set(options.paths, sources, diagnostics);
    if (built.status == engine::RuleSetStatus::unreadable) return finish(exit_usage);
    if (built.status == engine::RuleSetStatus::does_not_compile) return finish(exit_rules);
    out << (options.stage == DumpStage::checked ? dsl::dump_checked(*built.program->checked, sources)
                                                : engine::dump_program(*built.program, sources));
    return finish(exit_ok);
  }
  std::vector<std::string> files;
  if (!collect_cpl_files(options.paths, files, err)) return exit_usage;
  bool ok = true;
  for (const std::string& path : files) {
    std::optional<std::string> text = read_text(path);
    if (!text) {
      err << fmt::format("covcheck: error: cannot read `{}`\n", path);
      return finish(exit_usage);
    }
    dsl::FileId id = sources.add(path, std::move(*text));
    if (options.stage == DumpStage::parse) {
      std::string tree = dsl::dump_parse_tree(sources, id, diagnostics);
      if (diagnostics.has_errors()) ok = false;
      else out << "== " << path << "\n" << tree;
      continue;
    }
    dsl::ast::NodeId next_id = 0;
    dsl::Diagnostics local;
    std::optional<dsl::ast::File> parsed = dsl::parse_file(sources, id, next_id, local);
    diagnostics.append(local);
    if (!parsed || local.has_errors()) ok = false;
    else out << dsl::dump_ast(*parsed, sources);
  }
  out.flush();
  return finish(ok ? exit_ok : exit_rules);
}

Command add_dump_command(CLI::App& app) {
  struct Raw {
    DumpOptions options;
    std::string stage = "ast";
  };
  auto raw = std::make_shared<Raw>();
  CLI::App* dump = app.add_subcommand("dump", "Print one pipeline stage of CPL files (for debugging and teaching)");
  dump->add_option("--stage", raw->stage, "parse (parse tree), ast, checked (types and names), program (ops)")
      ->check(CLI::IsMember({"parse", "ast", "checked", "program"}))
      ->capture_default_str();
  dump->add_option("paths", raw->options.paths,
                   "CPL files or directories; for checked and program, the rule set (like check --rules)")
      ->required()
      ->type_name("PATH");
  return {dump, [raw]() {
            DumpOptions options = raw->options;
            options.stage = raw->stage == "parse"     ? DumpStage::parse
                            : raw->stage == "checked" ? DumpStage::checked
                            : raw->stage == "program" ? DumpStage::program
                                                      : DumpStage::ast;
            return run_dump(options, std::cout, std::cerr);
          }};
}

}  // namespace covcheck::cli

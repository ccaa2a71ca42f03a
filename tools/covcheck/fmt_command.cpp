// `covcheck fmt`: collects the files, formats each, and either lists (--check) or rewrites
// the ones whose text changes. A rewrite goes through a temporary file in the same directory
// and a rename, so an interrupted run never leaves a half-written rule file.
#include "tools/covcheck/fmt_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "dsl/format/format.hpp"
#include "tools/covcheck/check_command.hpp"

namespace covcheck::cli {

namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(buffer).str();
}

bool write_in_place(const std::string& path, const std::string& text, std::ostream& err) {
  fs::path target(path);
  fs::path temp = target.parent_path() / fmt::format(".{}.fmt-{}", target.filename().string(), ::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      err << fmt::format("covcheck: error: cannot write `{}`\n", temp.string());
      std::error_code ignored;
      fs::remove(temp, ignored);
      return false;
    }
  }
  std::error_code ec;
  fs::permissions(temp, fs::status(target, ec).permissions(), ec);
  fs::rename(temp, target, ec);
  if (ec) {
    err << fmt::format("covcheck: error: cannot replace `{}`: {}\n", path, ec.message());
    fs::remove(temp, ec);
    return false;
  }
  return true;
}

}  // namespace

bool collect_cpl_files(const std::vector<std::string>& paths, std::vector<std::string>& files, std::ostream& err) {
  bool ok = true;
  for (const std::string& path : paths) {
    std::error_code ec;
    fs::file_status status = fs::status(path, ec);
    if (!fs::exists(status)) {
      err << fmt::format("covcheck: error: `{}` does not exist\n", path);
      ok = false;
    } else if (fs::is_directory(status)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (it->is_regular_file() && it->path().extension() == ".cpl") found.push_back(it->path().string());
      }
      if (ec) {
        err << fmt::format("covcheck: error: cannot read directory `{}`: {}\n", path, ec.message());
        ok = false;
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(path);
    }
  }
  return ok;
}

int run_fmt(const FmtOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<std::string> files;
  bool io_ok = collect_cpl_files(options.paths, files, err);
  bool syntax_ok = true;
  bool all_formatted = true;
  for (const std::string& path : files) {
    std::optional<std::string> text = read_file(path);
    if (!text) {
      err << fmt::format("covcheck: error: cannot read `{}`\n", path);
      io_ok = false;
      continue;
    }
    dsl::SourceRegistry sources;
    dsl::Diagnostics diagnostics;
    dsl::FileId id = sources.add(path, *text);
    std::optional<std::string> formatted = dsl::format_source(sources, id, diagnostics);
    if (!formatted) {
      diagnostics.sort();
      err << dsl::render_all(diagnostics, sources);
      syntax_ok = false;
      continue;
    }
    if (*formatted == *text) continue;
    all_formatted = false;
    if (options.check) {
      out << path << '\n';
    } else if (write_in_place(path, *formatted, err)) {
      out << "formatted " << path << '\n';
    } else {
      io_ok = false;
    }
  }
  out.flush();
  if (!io_ok) return exit_usage;
  if (!syntax_ok) return exit_rules;
  if (options.check && !all_formatted) return exit_fail_on;
  return exit_ok;
}

Command add_fmt_command(CLI::App& app) {
  auto options = std::make_shared<FmtOptions>();
  CLI::App* fmt = app.add_subcommand("fmt", "Rewrite CPL files in the canonical layout");
  fmt->add_option("paths", options->paths, "CPL files, or directories of *.cpl files")->required()->type_name("PATH");
  fmt->add_flag("--check", options->check, "Change nothing; list the files that are not formatted and exit 1");
  return {fmt, [options]() { return run_fmt(*options, std::cout, std::cerr); }};
}

}  // namespace covcheck::cli

// libFuzzer target: the CPL front end. The input is one to four rule files separated by a
// line `%%`; they are parsed, checked (against the built-in schema unless a file declares
// one) and compiled, the diagnostics rendered, and every file that parses is formatted.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/check/checker.hpp"
#include "dsl/format/format.hpp"
#include "dsl/source/diagnostics.hpp"
#include "dsl/syntax/parser.hpp"
#include "dsl/syntax/rule_files.hpp"
#include "engine/compile/compile.hpp"

using namespace covcheck;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return -1;  // big inputs only slow the search; limits have unit tests
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> texts;
  for (std::size_t start = 0;;) {
    std::size_t cut = input.find("\n%%\n", start);
    if (cut == std::string_view::npos || texts.size() == 3) {
      texts.emplace_back(input.substr(start));
      break;
    }
    texts.emplace_back(input.substr(start, cut + 1 - start));
    start = cut + 4;
  }

  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  dsl::RuleFiles files;
  bool parsed_all = true;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::string name = "fuzz" + std::to_string(i) + ".cpl";
    dsl::FileId id = sources.add(name, texts[i]);
    std::optional<dsl::ast::File> file = dsl::parse_file(sources, id, files.node_count, diagnostics);
    if (!file) {
      parsed_all = false;
      continue;
    }
    dsl::Diagnostics format_diagnostics;
    (void)dsl::format_source(sources, id, format_diagnostics);
    files.files.push_back(std::move(*file));
    files.imports.emplace_back();
    files.canonical_paths.push_back("/fuzz/" + name);
  }
  if (parsed_all) {
    std::unique_ptr<dsl::CheckedRuleSet> checked = dsl::check_rule_set(std::move(files), sources, diagnostics);
    if (checked && !diagnostics.has_errors()) (void)engine::compile(std::move(checked));
  }
  diagnostics.sort();
  (void)dsl::render_all(diagnostics, sources);
  return 0;
}

// libFuzzer target: the YAML case loader (engine/cases/case_loader.cpp over engine/cases/yaml_tree.cpp),
// validation, evaluation against the Acme reference rules, and the renderers.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_support.hpp"

using namespace covcheck;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 256 * 1024) return -1;
  const fuzz::ReferenceRuleSet& ref = fuzz::reference_rule_set();
  dsl::SourceRegistry sources = ref.sources;
  dsl::FileId file = sources.add("fuzz.yaml", std::string(reinterpret_cast<const char*>(data), size));
  fuzz::decide_and_render(*ref.program, sources, file);
  return 0;
}

// libFuzzer target: the CDS Hooks endpoint's work (engine/crd: the request reader, one bundle
// per order through the FHIR reader, the decision, system actions, cards, questionnaires,
// OperationOutcome errors) against the Acme reference rules. Byte 0 chooses the hook; the
// rest is the request body. Aborts on a status outside 200/400/412/422, an answer that is not
// JSON, or a 200 that is not a CDS Hooks response.
#include <cstdint>
#include <cstdio>
#include <string>

#include "engine/cases/fhir/json_tree.hpp"
#include "engine/crd/hook_service.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace covcheck;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 256 * 1024) return -1;
  const fuzz::ReferenceRuleSet& ref = fuzz::reference_rule_set();
  engine::DecisionSession session(*ref.program, ref.sources);
  engine::crd::Hook hook = engine::crd::every_hook[data[0] % 4];
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  engine::crd::HookSettings settings;
  settings.today = "2026-03-02";
  settings.public_url = "https://covcheck.example";
  engine::crd::HookAnswer answer = engine::crd::answer_hook(session, hook, body, settings);
  if (answer.status != 200 && answer.status != 400 && answer.status != 412 && answer.status != 422) {
    fprintf(stderr, "status %d\n", answer.status);
    abort();
  }
  engine::YamlTree tree;
  if (auto problem = engine::fhir::parse_json_tree(answer.body, tree)) {
    fprintf(stderr, "the answer is not JSON (%s): %s\n", problem->message.c_str(), answer.body.c_str());
    abort();
  }
  const engine::YamlNode& root = tree.nodes[tree.root];
  bool cds = engine::fhir::member(tree, root, "cards") && engine::fhir::member(tree, root, "systemActions");
  bool outcome = engine::fhir::string_of(tree, engine::fhir::member(tree, root, "resourceType")) ==
                 std::optional<std::string_view>("OperationOutcome");
  if (answer.status == 200 ? !cds : !outcome) {
    fprintf(stderr, "a %d answer of the wrong shape: %s\n", answer.status, answer.body.c_str());
    abort();
  }
  for (const engine::crd::StoredQuestionnaire& q : answer.questionnaires)
    if (engine::fhir::parse_json_tree(q.json, tree)) abort();
  return 0;
}

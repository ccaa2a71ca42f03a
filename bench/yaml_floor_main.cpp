// covcheck_yaml_floor: what yaml-cpp alone costs on a YAML stream of cases, the floor for
// `covcheck batch` on YAML input: one parser over the whole stream, every event delivered
// to a handler that does nothing. For bench/run.sh's YAML row.
//   covcheck_yaml_floor CASES.yaml        (prints documents and scalars seen)
#include <fstream>
#include <iostream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace {

struct Counter : YAML::EventHandler {
  std::size_t documents = 0, scalars = 0;
  void OnDocumentStart(const YAML::Mark&) override { ++documents; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override { ++scalars; }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: covcheck_yaml_floor CASES.yaml\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << argv[1] << "\n";
    return 2;
  }
  Counter counter;
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(counter)) {
    }
  } catch (const YAML::Exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  std::cout << counter.documents << " documents, " << counter.scalars << " scalars\n";
  return 0;
}

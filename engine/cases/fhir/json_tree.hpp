// A FHIR bundle's JSON as a tree with byte spans (the YamlTree shape the case loader already
// walks), built with simdjson On-Demand: the mapping needs random access (references between
// resources) and every element's line:col for its diagnostics.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/cases/yaml_tree.hpp"

namespace covcheck::engine::fhir {

struct JsonTreeProblem {
  std::string code;  // fhir.syntax, fhir.too_deep, fhir.too_large
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::string message;
};

// Nesting a FHIR resource needs (a contained Medication's ingredient coding inside a
// searchset inside the bundle is about 16 levels); deeper is an attack or an export gone wrong.
inline constexpr std::size_t max_json_depth = 100;
// Nodes in one bundle: a few hundred thousand codings; more is refused before it costs memory.
inline constexpr std::size_t max_json_nodes = 4'000'000;

// Parses `text` (one JSON value) into `tree`. JSON strings are quoted scalars; numbers,
// booleans are plain; null is a null node. nullopt on success.
std::optional<JsonTreeProblem> parse_json_tree(std::string_view text, YamlTree& tree);

// The same, keeping simdjson's parser and the padded copy from call to call (a parser's
// buffers cost more to allocate than a 30-resource bundle costs to parse).
class JsonTreeParser {
 public:
  JsonTreeParser();
  ~JsonTreeParser();
  JsonTreeParser(const JsonTreeParser&) = delete;
  JsonTreeParser& operator=(const JsonTreeParser&) = delete;
  std::optional<JsonTreeProblem> parse(std::string_view text, YamlTree& tree);
  // A tree whose storage is kept from call to call, for parse() to fill.
  YamlTree& scratch() { return scratch_; }

 private:
  YamlTree scratch_;
  struct State;
  std::unique_ptr<State> state_;
};

// Cheap detection: the text is a JSON object with a top-level `resourceType` member (a FHIR
// resource). Reads only until the member is found; malformed text answers false.
std::optional<std::string> top_level_resource_type(std::string_view text);
// The cheapest check: `resourceType` is the object's first member (as FHIR writes it), its
// value a plain string; a few bytes read, no parser. nullopt otherwise.
std::optional<std::string_view> leading_resource_type(std::string_view text);

// Helpers over the tree, in FHIR's terms.
const YamlNode* member(const YamlTree& tree, const YamlNode& object, std::string_view key);
inline std::uint32_t index_of(const YamlTree& tree, const YamlNode& n) {
  return static_cast<std::uint32_t>(&n - tree.nodes.data());
}
inline const YamlNode& element(const YamlTree& tree, const YamlNode& array, std::uint32_t i) {
  return tree.nodes[tree.children[array.first + i]];
}
// A string scalar's text; nullopt for anything else.
std::optional<std::string_view> string_of(const YamlTree& tree, const YamlNode* n);

}  // namespace covcheck::engine::fhir

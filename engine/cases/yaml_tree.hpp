// A compact, immutable YAML tree built from yaml-cpp parse events, with byte spans, the
// quoted/plain distinction, shared (never expanded) aliases, merge keys (`<<: *base`) resolved
// into the mapping, and a nesting-depth limit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace covcheck::engine {

inline constexpr std::uint32_t yaml_none = 0xFFFFFFFFu;

struct YamlNode {
  enum class Kind : std::uint8_t { null, scalar, sequence, mapping };
  Kind kind = Kind::null;
  bool quoted = false;    // quoted, block or `!!str` scalar: text, never a number or bool
  std::uint32_t pos = 0;  // byte span [pos, end) in the file
  std::uint32_t end = 0;
  std::uint32_t first = 0;  // scalar: offset in YamlTree::text; collection: index in YamlTree::children
  std::uint32_t count = 0;  // scalar: byte length; sequence: elements; mapping: 2 per pair (key, value)
};

// An alias is the index of its anchored node, so a node may have several parents.
struct YamlTree {
  std::vector<YamlNode> nodes;
  std::vector<std::uint32_t> children;
  std::string text;
  std::uint32_t root = yaml_none;
  std::string_view scalar(const YamlNode& n) const { return std::string_view(text).substr(n.first, n.count); }
};

struct YamlProblem {
  std::string code;  // case.syntax, case.too_deep, case.alias, case.merge, case.multiple_documents, case.too_large
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::string message;
};

struct YamlParse {
  std::size_t documents = 0;          // in the whole text; only the first is built into the tree
  std::uint32_t second_document = 0;  // offset of the second document's start, when there is one
  std::vector<YamlProblem> problems;
};

// Builds the first document of `text` into `tree`; the later ones are only counted. A
// leading UTF-8 byte-order mark is skipped but still counted in the offsets.
YamlParse parse_first_yaml_document(std::string_view text, YamlTree& tree, std::size_t max_depth);

}  // namespace covcheck::engine

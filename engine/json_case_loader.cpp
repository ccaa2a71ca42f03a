// simdjson On-Demand -> YamlTree (the loader's shared input shape) -> Case. JSON strings
// become quoted scalars and numbers, booleans and null plain ones, exactly as yaml-cpp
// would see the same text, so `check` (which reads JSON as YAML) and `batch` agree.
#include "engine/json_case_loader.hpp"

#include <simdjson.h>

#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine/case_loader.hpp"
#include "engine/yaml_tree.hpp"

namespace covcheck::engine {

namespace od = simdjson::ondemand;

namespace {

constexpr std::size_t max_depth = 64;  // as for YAML cases

struct JsonProblem {
  const char* code = "case.syntax";
  const char* at = nullptr;  // where, in the parsed text (nullptr: unknown)
  std::string message;
};

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool json_number(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > from;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') ++i;
  else if (!digits()) return false;
  if (i < s.size() && s[i] == '.' && !(++i, digits())) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// Length of a raw JSON string's body (between the quotes), honouring backslash escapes.
std::size_t raw_string_length(const char* p, const char* limit) {
  const char* q = p;
  while (q < limit && *q != '"') q += *q == '\\' ? 2 : 1;
  return static_cast<std::size_t>(std::min(q, limit) - p);
}

class TreeBuilder {
 public:
  TreeBuilder(YamlTree& tree, const char* base, std::size_t size) : tree_(tree), base_(base), size_(size) {}

  // Builds the whole document; false with `problem` set when the JSON is invalid.
  bool build(od::document& doc, JsonProblem& problem) {
    od::json_type type;
    if (auto e = doc.type().get(type)) return fail(problem, e, location(doc));
    std::uint32_t root = yaml_none;
    if (type == od::json_type::object || type == od::json_type::array) {
      od::value v;
      if (auto e = doc.get_value().get(v)) return fail(problem, e, location(doc));
      if (!value(v, 1, root, problem)) return false;
    } else {
      std::string_view raw;
      if (auto e = doc.raw_json_token().get(raw)) return fail(problem, e, location(doc));
      if (!scalar_of(doc, type, raw, root, problem)) return false;
    }
    tree_.root = root;
    // Anything after the root value is not part of one JSON document.
    const char* after = nullptr;
    if (!doc.current_location().get(after) && after && after < base_ + size_) {
      problem = {"case.syntax", after, "invalid JSON: unexpected content after the case object"};
      return false;
    }
    return true;
  }

 private:
  template <typename Doc>
  const char* location(Doc& d) {
    const char* p = nullptr;
    if (d.current_location().get(p)) return nullptr;
    return p;
  }
  bool fail(JsonProblem& problem, simdjson::error_code e, const char* at) {
    std::string msg = simdjson::error_message(e);
    if (!msg.empty() && msg.back() == '.') msg.pop_back();
    if (msg.size() > 1 && msg[0] >= 'A' && msg[0] <= 'Z' && !(msg[1] >= 'A' && msg[1] <= 'Z')) msg[0] = static_cast<char>(msg[0] - 'A' + 'a');
    problem = {"case.syntax", at ? at : last_, "invalid JSON: " + msg};
    return false;
  }
  std::uint32_t offset(const char* p) const {
    if (!p || p < base_) return 0;
    return static_cast<std::uint32_t>(std::min<std::size_t>(static_cast<std::size_t>(p - base_), size_));
  }
  std::uint32_t add_node(YamlNode n) {
    tree_.nodes.push_back(n);
    return static_cast<std::uint32_t>(tree_.nodes.size() - 1);
  }
  std::uint32_t add_scalar(const char* at, std::size_t raw_length, std::string_view text, bool quoted) {
    YamlNode n;
    n.kind = YamlNode::Kind::scalar;
    n.quoted = quoted;
    n.pos = offset(at);
    n.end = offset(at + raw_length);
    n.first = static_cast<std::uint32_t>(tree_.text.size());
    n.count = static_cast<std::uint32_t>(text.size());
    tree_.text.append(text);
    last_ = at + raw_length;
    return add_node(n);
  }

  template <typename V>
  bool scalar_of(V& v, od::json_type type, std::string_view raw, std::uint32_t& out, JsonProblem& problem) {
    const char* at = raw.data();
    raw = trim_right(raw);
    switch (type) {
      case od::json_type::string: {
        std::string_view s;
        if (auto e = v.get_string().get(s)) return fail(problem, e, at);
        out = add_scalar(at, raw.size(), s, true);
        return true;
      }
      case od::json_type::number: {
        // Only its syntax is checked here (a huge integer is valid JSON, and out of range
        // for the schema walk to report); the walk converts the text by the field's type.
        if (!json_number(raw)) return fail(problem, simdjson::NUMBER_ERROR, at);
        out = add_scalar(at, raw.size(), raw, false);
        return true;
      }
      case od::json_type::boolean: {
        bool b;
        if (auto e = v.get_bool().get(b)) return fail(problem, e, at);
        out = add_scalar(at, raw.size(), raw, false);
        return true;
      }
      case od::json_type::null: {
        bool is_null = false;
        if (auto e = v.is_null().get(is_null)) return fail(problem, e, at);
        if (!is_null) return fail(problem, simdjson::N_ATOM_ERROR, at);
        YamlNode n;
        n.kind = YamlNode::Kind::null;
        n.pos = offset(at);
        n.end = offset(at + raw.size());
        last_ = at + raw.size();
        out = add_node(n);
        return true;
      }
      default: return fail(problem, simdjson::INCORRECT_TYPE, at);
    }
  }

  bool value(od::value& v, std::size_t depth, std::uint32_t& out, JsonProblem& problem) {
    if (depth > max_depth) {
      problem = {"case.too_deep", location(v), fmt::format("the case nests deeper than {} levels", max_depth)};
      return false;
    }
    od::json_type type;
    if (auto e = v.type().get(type)) return fail(problem, e, location(v));
    const char* at = location(v);
    if (type == od::json_type::object) {
      od::object obj;
      if (auto e = v.get_object().get(obj)) return fail(problem, e, at);
      const std::size_t base = scratch_.size();
      for (auto item : obj) {
        if (auto e = item.error()) return fail(problem, e, last_);
        od::field f = std::move(item).value_unsafe();
        const char* key_raw = f.key().raw();
        std::string_view key;
        if (auto e = f.unescaped_key().get(key)) return fail(problem, e, key_raw - 1);
        std::size_t key_length = raw_string_length(key_raw, base_ + size_) + 2;
        scratch_.push_back(add_scalar(key_raw - 1, key_length, key, true));
        std::uint32_t child = yaml_none;
        if (!value(f.value(), depth + 1, child, problem)) return false;
        scratch_.push_back(child);
      }
      out = close_collection(YamlNode::Kind::mapping, at, base);
      return true;
    }
    if (type == od::json_type::array) {
      od::array arr;
      if (auto e = v.get_array().get(arr)) return fail(problem, e, at);
      const std::size_t base = scratch_.size();
      for (auto item : arr) {
        if (auto e = item.error()) return fail(problem, e, last_);
        od::value element = std::move(item).value_unsafe();
        std::uint32_t child = yaml_none;
        if (!value(element, depth + 1, child, problem)) return false;
        scratch_.push_back(child);
      }
      out = close_collection(YamlNode::Kind::sequence, at, base);
      return true;
    }
    std::string_view raw = v.raw_json_token();
    return scalar_of(v, type, raw, out, problem);
  }

  std::uint32_t close_collection(YamlNode::Kind kind, const char* at, std::size_t base) {
    YamlNode n;
    n.kind = kind;
    // As in the YAML tree, a collection's span is its opening bracket.
    n.pos = offset(at);
    n.end = offset(at + 1);
    n.first = static_cast<std::uint32_t>(tree_.children.size());
    n.count = static_cast<std::uint32_t>(scratch_.size() - base);
    tree_.children.insert(tree_.children.end(), scratch_.begin() + static_cast<std::ptrdiff_t>(base), scratch_.end());
    scratch_.resize(base);
    return add_node(n);
  }

  YamlTree& tree_;
  const char* base_;
  std::size_t size_;
  const char* last_ = nullptr;          // just past the last token read, for error positions
  std::vector<std::uint32_t> scratch_;  // children of the open collections, innermost last
};

}  // namespace

struct JsonCaseLoader::State {
  od::parser parser;
  simdjson::padded_string padded;  // only for texts without readable padding
  YamlTree tree;
};

JsonCaseLoader::JsonCaseLoader() : state_(std::make_unique<State>()) {}
JsonCaseLoader::~JsonCaseLoader() = default;

bool JsonCaseLoader::load(const dsl::Schema& schema, std::string_view text, std::size_t readable, dsl::FileId file,
                          dsl::Diagnostics& diagnostics, Case& out) {
  State& s = *state_;
  const char* data = text.data();
  if (readable < text.size() + simdjson::SIMDJSON_PADDING) {
    if (s.padded.size() < text.size() || s.padded.size() > 4 * text.size() + 4096) {
      s.padded = simdjson::padded_string(text.size());
    }
    if (!text.empty()) std::memcpy(s.padded.data(), text.data(), text.size());  // an empty padded_string has no buffer
    data = s.padded.data();
    readable = s.padded.size() + simdjson::SIMDJSON_PADDING;
  }
  s.tree.nodes.clear();
  s.tree.children.clear();
  s.tree.text.clear();
  s.tree.root = yaml_none;

  auto report = [&](const JsonProblem& p) {
    std::uint32_t at = p.at && p.at >= data ? static_cast<std::uint32_t>(std::min<std::size_t>(p.at - data, text.size())) : 0;
    std::uint32_t end = std::min<std::uint32_t>(at + 1, static_cast<std::uint32_t>(text.size()));
    diagnostics.error(p.code, dsl::SourceSpan{file, at, end}, p.message);
    return false;
  };
  if (trim_right(text).empty()) {
    diagnostics.error("case.empty", dsl::SourceSpan{file, 0, 0}, "empty case file");
    return false;
  }
  od::document doc;
  simdjson::padded_string_view view(data, text.size(), readable);
  if (auto e = s.parser.iterate(view).get(doc)) {
    JsonProblem p;
    std::string msg = simdjson::error_message(e);
    if (!msg.empty() && msg.back() == '.') msg.pop_back();
    p.message = "invalid JSON: " + msg;
    return report(p);
  }
  TreeBuilder builder(s.tree, data, text.size());
  JsonProblem problem;
  if (!builder.build(doc, problem)) return report(problem);
  return load_case_tree(schema, s.tree, file, diagnostics, out);
}

}  // namespace covcheck::engine

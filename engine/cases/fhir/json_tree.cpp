// simdjson On-Demand -> YamlTree with spans: one pass in document order. A syntax error is
// located by the project's strict scanner (engine/json_syntax.hpp), which names the mistake.
#include "engine/cases/fhir/json_tree.hpp"

#include <simdjson.h>

#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "engine/cases/json_syntax.hpp"

namespace covcheck::engine::fhir {

namespace od = simdjson::ondemand;

namespace {

using Kind = YamlNode::Kind;

class Builder {
 public:
  Builder(YamlTree& tree, const char* base, std::size_t size, std::vector<std::uint32_t>& kids)
      : tree_(tree), base_(base), size_(size), kids_(kids) {}

  // The node's index; false when the walk failed (`problem` set, or a simdjson error).
  // `v` by reference: copying the iterator into each recursive call stalled on the store it
  // had just made (a store-to-load forwarding failure, measured at a fifth of the parse).
  bool value(od::value& v, std::size_t depth, std::uint32_t& out) {
    if (depth > max_json_depth)
      return fail("fhir.too_deep", at(v), fmt::format("the JSON nests deeper than {} levels", max_json_depth));
    if (tree_.nodes.size() >= max_json_nodes)
      return fail("fhir.too_large", at(v), fmt::format("the bundle has more than {} JSON values", max_json_nodes));
    od::json_type type;
    if (v.type().get(type)) return syntax(at(v));
    const char* where = at(v);
    out = static_cast<std::uint32_t>(tree_.nodes.size());
    tree_.nodes.emplace_back();
    tree_.nodes[out].pos = offset(where);
    switch (type) {
      case od::json_type::object: return object(v, depth, out, where);
      case od::json_type::array: return array(v, depth, out, where);
      case od::json_type::string: {
        std::string_view raw = v.raw_json_token();
        std::string_view s;
        if (v.get_string().get(s)) return syntax(where);
        scalar(out, s, true, raw_end(raw, where));
        return true;
      }
      case od::json_type::number:
      case od::json_type::boolean: {
        std::string_view raw = v.raw_json_token();
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
          raw.remove_suffix(1);
        if (type == od::json_type::boolean) {
          bool b;
          if (v.get_bool().get(b)) return syntax(where);
        } else {
          double d;
          if (v.get_double().get(d)) {
            // A big integer is still a number: keep its spelling, the mapping reads the text.
            std::int64_t i;
            std::uint64_t u;
            if (v.get_int64().get(i) && v.get_uint64().get(u)) return syntax(where);
          }
        }
        scalar(out, raw, false, where + raw.size());
        return true;
      }
      case od::json_type::null: {
        bool is_null = false;
        if (v.is_null().get(is_null) || !is_null) return syntax(where);
        tree_.nodes[out].kind = Kind::null;
        tree_.nodes[out].end = offset(where + 4);
        return true;
      }
      default: return syntax(where);
    }
  }

  bool fail(const char* code, const char* where, std::string message) {
    if (!problem_) {
      std::uint32_t b = offset(where);
      problem_ = JsonTreeProblem{code, b, std::min<std::uint32_t>(b + 1, static_cast<std::uint32_t>(size_)),
                                 std::move(message)};
    }
    return false;
  }
  bool syntax(const char* where) { return fail("fhir.syntax", where, "invalid JSON"); }
  std::optional<JsonTreeProblem>& problem() { return problem_; }
  std::uint32_t offset(const char* p) const {
    if (!p || p < base_) return 0;
    return static_cast<std::uint32_t>(std::min<std::size_t>(static_cast<std::size_t>(p - base_), size_));
  }

 private:
  template <typename V>
  const char* at(V& v) {
    const char* p = nullptr;
    if (v.current_location().get(p)) return nullptr;
    return p;
  }
  const char* raw_end(std::string_view raw, const char* where) {
    // The raw token of a string runs from its opening quote to the closing one (and may
    // carry trailing whitespace).
    std::size_t n = raw.size();
    while (n > 0 && raw[n - 1] != '"') --n;
    return where + (n ? n : raw.size());
  }
  void scalar(std::uint32_t node, std::string_view text, bool quoted, const char* end) {
    YamlNode& n = tree_.nodes[node];
    n.kind = Kind::scalar;
    n.quoted = quoted;
    n.first = static_cast<std::uint32_t>(tree_.text.size());
    n.count = static_cast<std::uint32_t>(text.size());
    n.end = std::max(n.pos, offset(end));
    tree_.text.append(text);
  }
  bool object(od::value& v, std::size_t depth, std::uint32_t node, const char* where) {
    od::object obj;
    if (v.get_object().get(obj)) return syntax(where);
    const std::size_t base = kids_.size();
    for (auto item : obj) {
      // The field is read in place, not moved out of `item` (see value()).
      if (item.error()) return syntax(last_or(where));
      od::field& f = item.value_unsafe();
      const char* key_raw = f.key().raw();
      std::string_view key;
      if (f.unescaped_key().get(key)) return syntax(key_raw);
      auto k = static_cast<std::uint32_t>(tree_.nodes.size());
      tree_.nodes.emplace_back();
      tree_.nodes[k].pos = offset(key_raw - 1);
      scalar(k, key, true, key_raw + raw_key_length(key_raw) + 1);
      std::uint32_t child = 0;
      if (!value(f.value(), depth + 1, child)) return false;
      kids_.push_back(k);
      kids_.push_back(child);
      last_ = base_ + tree_.nodes[child].end;
    }
    finish(node, Kind::mapping, base, where);
    return true;
  }
  bool array(od::value& v, std::size_t depth, std::uint32_t node, const char* where) {
    od::array arr;
    if (v.get_array().get(arr)) return syntax(where);
    const std::size_t base = kids_.size();
    for (auto item : arr) {
      if (item.error()) return syntax(last_or(where));
      od::value& e = item.value_unsafe();
      std::uint32_t child = 0;
      if (!value(e, depth + 1, child)) return false;
      kids_.push_back(child);
      last_ = base_ + tree_.nodes[child].end;
    }
    finish(node, Kind::sequence, base, where);
    return true;
  }
  // Length of a raw key's body (between the quotes), honouring backslash escapes.
  std::size_t raw_key_length(const char* p) const {
    const char* q = p;
    const char* limit = base_ + size_;
    while (q < limit && *q != '"') q += *q == '\\' ? 2 : 1;
    return static_cast<std::size_t>(std::min(q, limit) - p);
  }
  // The children gathered on the shared stack from `base` become the node's, contiguous.
  void finish(std::uint32_t node, Kind kind, std::size_t base, const char* where) {
    YamlNode& n = tree_.nodes[node];
    n.kind = kind;
    n.first = static_cast<std::uint32_t>(tree_.children.size());
    n.count = static_cast<std::uint32_t>(kids_.size() - base);
    // As in the YAML tree, a collection's span is its opening bracket.
    n.end = offset(where + 1);
    tree_.children.insert(tree_.children.end(), kids_.begin() + static_cast<std::ptrdiff_t>(base), kids_.end());
    kids_.resize(base);
  }
  const char* last_or(const char* where) const { return last_ ? last_ : where; }

  YamlTree& tree_;
  const char* base_;
  std::size_t size_;
  std::vector<std::uint32_t>& kids_;  // children of the open collections, innermost last
  const char* last_ = nullptr;
  std::optional<JsonTreeProblem> problem_;
};

}  // namespace

struct JsonTreeParser::State {
  od::parser parser;
  std::string padded;  // the text, then SIMDJSON_PADDING zero bytes
  std::vector<std::uint32_t> kids;
};

JsonTreeParser::JsonTreeParser() : state_(std::make_unique<State>()) {}
JsonTreeParser::~JsonTreeParser() = default;

std::optional<JsonTreeProblem> parse_json_tree(std::string_view text, YamlTree& tree) {
  JsonTreeParser parser;
  return parser.parse(text, tree);
}

std::optional<JsonTreeProblem> JsonTreeParser::parse(std::string_view text, YamlTree& tree) {
  tree.nodes.clear();
  tree.children.clear();
  tree.text.clear();
  tree.root = yaml_none;
  std::string& buffer = state_->padded;
  buffer.assign(text);
  buffer.append(simdjson::SIMDJSON_PADDING, '\0');
  if (text.size() >= 3 && std::memcmp(buffer.data(), "\xEF\xBB\xBF", 3) == 0) std::memset(buffer.data(), ' ', 3);
  simdjson::padded_string_view padded(buffer.data(), text.size(), buffer.size());
  od::parser& parser = state_->parser;
  od::document doc;
  auto located = [&]() -> std::optional<JsonTreeProblem> {
    if (auto e = find_json_syntax_error(text, max_json_depth)) {
      auto b = static_cast<std::uint32_t>(e->offset);
      return JsonTreeProblem{"fhir.syntax", b, b + static_cast<std::uint32_t>(e->length), e->message};
    }
    return std::nullopt;
  };
  if (parser.iterate(padded).get(doc)) {
    if (auto p = located()) return p;
    return JsonTreeProblem{"fhir.syntax", 0, 0, "invalid JSON"};
  }
  state_->kids.clear();
  Builder b(tree, buffer.data(), text.size(), state_->kids);
  od::value root;
  std::uint32_t node = 0;
  bool ok = false;
  if (doc.get_value().get(root)) {
    b.syntax(buffer.data());
  } else {
    ok = b.value(root, 1, node);
  }
  if (ok) {
    const char* after = nullptr;
    if (!doc.current_location().get(after) && after && after < buffer.data() + text.size())
      b.fail("fhir.syntax", after, "invalid JSON: unexpected content after the bundle");
  }
  if (b.problem()) {
    // A syntax error is named by the strict scanner where it can; limits stand as they are.
    if (b.problem()->code == "fhir.syntax")
      if (auto p = located()) return p;
    return b.problem();
  }
  tree.root = node;
  return std::nullopt;
}

namespace {

std::size_t skip_space(std::string_view text, std::size_t j) {
  while (j < text.size() && (text[j] == ' ' || text[j] == '\n' || text[j] == '\r' || text[j] == '\t')) ++j;
  return j;
}

// Where the top-level object opens; npos when the text is no object.
std::size_t object_start(std::string_view text) {
  std::size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  i = skip_space(text, i);
  return i < text.size() && text[i] == '{' ? i : std::string_view::npos;
}

}  // namespace

std::optional<std::string_view> leading_resource_type(std::string_view text) {
  std::size_t j = object_start(text);
  if (j == std::string_view::npos) return std::nullopt;
  j = skip_space(text, j + 1);
  if (text.compare(j, 14, "\"resourceType\"") != 0) return std::nullopt;
  j = skip_space(text, j + 14);
  if (j >= text.size() || text[j] != ':') return std::nullopt;
  j = skip_space(text, j + 1);
  if (j >= text.size() || text[j] != '"') return std::nullopt;
  std::size_t close = text.find_first_of("\"\\", j + 1);
  if (close == std::string_view::npos || text[close] != '"') return std::nullopt;
  return text.substr(j + 1, close - j - 1);
}

std::optional<std::string> top_level_resource_type(std::string_view text) {
  if (object_start(text) == std::string_view::npos) return std::nullopt;
  // FHIR writes `resourceType` first: then no parser is needed.
  if (std::optional<std::string_view> type = leading_resource_type(text)) return std::string(*type);
  // memmem, not string_view::find: the latter stops at every `"` of the text.
  if (!memmem(text.data(), text.size(), "\"resourceType\"", 14)) return std::nullopt;
  simdjson::padded_string padded(text);
  od::parser parser;
  od::document doc;
  if (parser.iterate(padded).get(doc)) return std::nullopt;
  od::object obj;
  if (doc.get_object().get(obj)) return std::nullopt;
  for (auto item : obj) {
    od::field f;
    if (std::move(item).get(f)) return std::nullopt;
    std::string_view key;
    if (f.unescaped_key().get(key)) return std::nullopt;
    if (key != "resourceType") continue;
    std::string_view type;
    if (f.value().get_string().get(type)) return std::string();  // present, but not a string
    return std::string(type);
  }
  return std::nullopt;
}

const YamlNode* member(const YamlTree& tree, const YamlNode& object, std::string_view key) {
  if (object.kind != YamlNode::Kind::mapping) return nullptr;
  for (std::uint32_t i = 0; i + 1 < object.count; i += 2) {
    const YamlNode& k = tree.nodes[tree.children[object.first + i]];
    if (tree.scalar(k) == key) return &tree.nodes[tree.children[object.first + i + 1]];
  }
  return nullptr;
}

std::optional<std::string_view> string_of(const YamlTree& tree, const YamlNode* n) {
  if (!n || n->kind != YamlNode::Kind::scalar || !n->quoted) return std::nullopt;
  return tree.scalar(*n);
}

}  // namespace covcheck::engine::fhir

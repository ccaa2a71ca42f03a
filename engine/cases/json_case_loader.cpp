// simdjson On-Demand -> Case, in one pass: the schema walk (CaseBuilder) is driven by the
// JSON document itself. JSON strings are quoted scalars and numbers, booleans and null plain
// ones, exactly as yaml-cpp would see the same text, so `check` (which reads JSON as YAML)
// and `batch` agree. Every value is read and checked even where the schema ignores it (an
// unknown field, a wrong type), and a syntax error anywhere replaces the walk's diagnostics,
// so that a malformed record reports only what makes it malformed.
#include "engine/cases/json_case_loader.hpp"

#include <simdjson.h>

#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine/cases/case_builder.hpp"
#include "engine/cases/json_clean_walk.hpp"

namespace covcheck::engine {

namespace od = simdjson::ondemand;

namespace {

using dsl::SourceSpan;
using Kinds = YamlNode::Kind;

constexpr std::size_t max_depth = 64;  // as for YAML cases

struct JsonProblem {
  const char* code = "case.syntax";
  const char* at = nullptr;  // where, in the parsed text (nullptr: unknown)
  std::string message;
};

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
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

// Scratch storage reused from record to record.
struct WalkPools {
  struct Seen {
    bool set = false;
    SourceSpan span;  // the key's first occurrence
  };
  std::vector<Seen> seen;                                        // per open record, one per field
  std::vector<std::pair<std::string_view, SourceSpan>> unknown;  // keys naming no field, per open record
  std::vector<Value> items;                                      // elements of the open lists
  std::vector<SourceSpan> item_spans;
};

class Walker {
 public:
  Walker(CaseBuilder& b, WalkPools& pools, const char* base, std::size_t size, dsl::FileId file)
      : b_(b), pools_(pools), base_(base), size_(size), file_(file) {}

  // Walks the whole document; false with `problem` set when the JSON is invalid.
  bool walk(od::document& doc, JsonProblem& problem) {
    od::json_type type;
    if (auto e = doc.type().get(type)) return fail(problem, e, location(doc));
    if (type == od::json_type::object || type == od::json_type::array) {
      od::value v;
      if (auto e = doc.get_value().get(v)) return fail(problem, e, location(doc));
      NodeView n;
      const char* at = nullptr;
      if (!read(v, 1, n, at, problem)) return false;
      if (n.kind == Kinds::mapping) {
        std::uint32_t r = b_.open_record(b_.schema().root, CaseRecord{});
        if (!fill_record(v, r, 1, at, problem)) return false;
        b_.close_record(r);
        b_.finish_root();
      } else {
        b_.bad_root(n);
        if (!skip_children(v, n.kind, 1, at, problem)) return false;
      }
    } else {
      std::string_view raw;
      if (auto e = doc.raw_json_token().get(raw)) return fail(problem, e, location(doc));
      NodeView n;
      if (!scalar_of(doc, type, raw, n, problem)) return false;
      b_.bad_root(n);
    }
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
    if (msg.size() > 1 && msg[0] >= 'A' && msg[0] <= 'Z' && !(msg[1] >= 'A' && msg[1] <= 'Z'))
      msg[0] = static_cast<char>(msg[0] - 'A' + 'a');
    problem = {"case.syntax", at ? at : last_, "invalid JSON: " + msg};
    return false;
  }
  std::uint32_t offset(const char* p) const {
    if (!p || p < base_) return 0;
    return static_cast<std::uint32_t>(std::min<std::size_t>(static_cast<std::size_t>(p - base_), size_));
  }
  SourceSpan span(const char* at, std::size_t length) const {
    std::uint32_t pos = offset(at);
    return SourceSpan{file_, pos, std::max(pos, offset(at + length))};
  }
  // A scalar's text (a string's unescaped value, else its spelling) and span.
  NodeView scalar(const char* at, std::size_t raw_length, std::string_view text, bool quoted) {
    last_ = at + raw_length;
    NodeView n;
    n.kind = Kinds::scalar;
    n.quoted = quoted;
    n.text = text;
    n.span = span(at, raw_length);
    return n;
  }

  template <typename V>
  bool scalar_of(V& v, od::json_type type, std::string_view raw, NodeView& out, JsonProblem& problem) {
    const char* at = raw.data();
    raw = trim_right(raw);
    switch (type) {
      case od::json_type::string: {
        // Without a backslash the text between the quotes is the value (stage 1 has checked
        // the document's UTF-8 and control characters): it is consumed raw, not unescaped
        // into the parser's buffer. (Consumed all the same: the parser's error positions
        // depend on it.)
        std::string_view s;
        od::raw_json_string unescaped_not_needed;
        if (raw.size() >= 2 && raw.back() == '"' && !std::memchr(raw.data() + 1, '\\', raw.size() - 2)) {
          if (auto e = v.get_raw_json_string().get(unescaped_not_needed)) return fail(problem, e, at);
          s = raw.substr(1, raw.size() - 2);
        } else if (auto e = v.get_string().get(s)) {
          return fail(problem, e, at);
        }
        out = scalar(at, raw.size(), s, true);
        return true;
      }
      case od::json_type::number: {
        // Only its syntax is checked here (a huge integer is valid JSON, and out of range
        // for the schema to report); the schema converts the text by the field's type.
        if (!json_number(raw)) return fail(problem, simdjson::NUMBER_ERROR, at);
        out = scalar(at, raw.size(), raw, false);
        return true;
      }
      case od::json_type::boolean: {
        bool b;
        if (auto e = v.get_bool().get(b)) return fail(problem, e, at);
        out = scalar(at, raw.size(), raw, false);
        return true;
      }
      case od::json_type::null: {
        bool is_null = false;
        if (auto e = v.is_null().get(is_null)) return fail(problem, e, at);
        if (!is_null) return fail(problem, simdjson::N_ATOM_ERROR, at);
        last_ = at + raw.size();
        out = NodeView{};
        out.span = span(at, raw.size());
        return true;
      }
      default: return fail(problem, simdjson::INCORRECT_TYPE, at);
    }
  }

  // A value's kind and span; a scalar is read whole, a collection is left to the caller
  // (`at`: its opening bracket).
  bool read(od::value& v, std::size_t depth, NodeView& n, const char*& at, JsonProblem& problem) {
    if (depth > max_depth) {
      problem = {"case.too_deep", location(v), fmt::format("the case nests deeper than {} levels", max_depth)};
      return false;
    }
    od::json_type type;
    if (auto e = v.type().get(type)) return fail(problem, e, location(v));
    at = location(v);
    if (type == od::json_type::object || type == od::json_type::array) {
      // As in the YAML tree, a collection's span is its opening bracket.
      n = NodeView{};
      n.kind = type == od::json_type::object ? Kinds::mapping : Kinds::sequence;
      n.span = span(at, 1);
      return true;
    }
    std::string_view raw = v.raw_json_token();
    return scalar_of(v, type, raw, n, problem);
  }

  // A key: its unescaped text and span.
  bool key_of(od::field& f, std::string_view& key, SourceSpan& key_span, JsonProblem& problem) {
    const char* key_raw = f.key().raw();
    const std::size_t body = raw_string_length(key_raw, base_ + size_);
    if (!std::memchr(key_raw, '\\', body)) {
      key = std::string_view(key_raw, body);  // no escapes: the raw text is the key
    } else if (auto e = f.unescaped_key().get(key)) {
      return fail(problem, e, key_raw - 1);
    }
    std::size_t key_length = body + 2;
    key_span = span(key_raw - 1, key_length);
    last_ = key_raw - 1 + key_length;
    return true;
  }

  // Reads a value the schema does not take, for its syntax and depth.
  bool skip_value(od::value v, std::size_t depth, JsonProblem& problem) {
    NodeView n;
    const char* at = nullptr;
    return read(v, depth, n, at, problem) && skip_children(v, n.kind, depth, at, problem);
  }
  bool skip_children(od::value& v, Kinds kind, std::size_t depth, const char* at, JsonProblem& problem) {
    if (kind == Kinds::mapping) {
      od::object obj;
      if (auto e = v.get_object().get(obj)) return fail(problem, e, at);
      for (auto item : obj) {
        if (auto e = item.error()) return fail(problem, e, last_);
        od::field f = std::move(item).value_unsafe();
        std::string_view key;
        SourceSpan key_span;
        if (!key_of(f, key, key_span, problem) || !skip_value(f.value(), depth + 1, problem)) return false;
      }
    } else if (kind == Kinds::sequence) {
      od::array arr;
      if (auto e = v.get_array().get(arr)) return fail(problem, e, at);
      for (auto item : arr) {
        if (auto e = item.error()) return fail(problem, e, last_);
        if (!skip_value(std::move(item).value_unsafe(), depth + 1, problem)) return false;
      }
    }
    return true;
  }

  // The members of record `r`, in order. A repeated key is an error naming the first; the
  // value of an unknown, derived or repeated key is only read.
  bool fill_record(od::value& v, std::uint32_t r, std::size_t depth, const char* at, JsonProblem& problem) {
    od::object obj;
    if (auto e = v.get_object().get(obj)) return fail(problem, e, at);
    const std::uint32_t type = b_.built_case().records[r].type;
    const std::size_t seen_base = pools_.seen.size(), unknown_base = pools_.unknown.size();
    pools_.seen.resize(seen_base + b_.schema().records[type].fields.size());
    for (auto item : obj) {
      if (auto e = item.error()) return fail(problem, e, last_);
      od::field f = std::move(item).value_unsafe();
      std::string_view key;
      SourceSpan key_span;
      if (!key_of(f, key, key_span, problem)) return false;
      std::optional<std::uint32_t> load;
      if (!b_.aborted()) {
        std::optional<std::uint32_t> field = b_.index().field(type, key);
        std::optional<SourceSpan> first;
        if (field) {
          WalkPools::Seen& s = pools_.seen[seen_base + *field];
          if (s.set) first = s.span;
          else s = {true, key_span};
        } else {
          for (std::size_t i = unknown_base; i < pools_.unknown.size() && !first; ++i)
            if (pools_.unknown[i].first == key) first = pools_.unknown[i].second;
          if (!first) pools_.unknown.emplace_back(key, key_span);
        }
        if (first) b_.duplicate_key(r, key, key_span, *first);
        else if (field && !b_.index().derived(type, *field)) load = field;  // the common case, inline
        else load = b_.accept_field(r, field, key, key_span);
      }
      if (load ? !load_field(f.value(), r, *load, depth + 1, problem) : !skip_value(f.value(), depth + 1, problem))
        return false;
    }
    pools_.seen.resize(seen_base);
    pools_.unknown.resize(unknown_base);
    return true;
  }

  bool load_field(od::value v, std::uint32_t r, std::uint32_t f, std::size_t depth, JsonProblem& problem) {
    NodeView n;
    const char* at = nullptr;
    if (!read(v, depth, n, at, problem)) return false;
    if (n.kind == Kinds::null) return true;  // absent: unknown
    const dsl::Type& type = b_.field_type(r, f);
    std::optional<Value> value;
    if (type.list) {
      if (n.kind != Kinds::sequence) {
        b_.type_error(Where{r, f}, type, n);
        return skip_children(v, n.kind, depth, at, problem);
      }
      value = Value::make_indexed(Kind::list, b_.open_list(r, f));
      if (!load_list(v, value->index, type.element_type(), depth, at, problem)) return false;
    } else if (!load_value(v, n, type, Where{r, f}, depth, at, value, problem)) {
      return false;
    }
    if (value) b_.set_slot(r, f, *value, n.span);
    return true;
  }

  // The elements are gathered in the pool and placed together at the end, contiguous.
  bool load_list(od::value& v, std::uint32_t l, dsl::Type element, std::size_t depth, const char* at,
                 JsonProblem& problem) {
    od::array arr;
    if (auto e = v.get_array().get(arr)) return fail(problem, e, at);
    const std::size_t base = pools_.items.size();
    std::uint32_t i = 0;
    for (auto item : arr) {
      if (auto e = item.error()) return fail(problem, e, last_);
      od::value ev = std::move(item).value_unsafe();
      std::optional<Value> value;
      SourceSpan where;
      if (b_.aborted()) {
        if (!skip_value(ev, depth + 1, problem)) return false;
      } else {
        NodeView n;
        const char* eat = nullptr;
        if (!read(ev, depth + 1, n, eat, problem)) return false;
        Where w{no_parent, 0, l, i};
        if (n.kind == Kinds::null) {
          if (element.base == dsl::BaseType::record) value = b_.empty_element(w, n.span, element.ref);
        } else if (!load_value(ev, n, element, w, depth + 1, eat, value, problem)) {
          return false;
        }
        if (value) where = n.span;
      }
      pools_.items.push_back(value.value_or(Value{}));
      pools_.item_spans.push_back(where);
      ++i;
    }
    b_.set_list_items(l, pools_.items.data() + base, pools_.item_spans.data() + base, i);
    pools_.items.resize(base);
    pools_.item_spans.resize(base);
    if (element.base == dsl::BaseType::record) b_.check_exclusive(l, element.ref);
    return true;
  }

  bool load_value(od::value& v, const NodeView& n, const dsl::Type& type, const Where& w, std::size_t depth,
                  const char* at, std::optional<Value>& out, JsonProblem& problem) {
    if (type.base == dsl::BaseType::record) {
      if (n.kind != Kinds::mapping) {
        b_.type_error(w, type, n);
        return skip_children(v, n.kind, depth, at, problem);
      }
      std::uint32_t r = b_.open_record(type.ref, CaseBuilder::placement(w));
      if (!fill_record(v, r, depth, at, problem)) return false;
      b_.close_record(r);
      out = Value::make_indexed(Kind::record, r);
      return true;
    }
    if (n.kind != Kinds::scalar) {
      b_.type_error(w, type, n);
      return skip_children(v, n.kind, depth, at, problem);
    }
    out = b_.convert_scalar(type, n, w);
    return true;
  }

  CaseBuilder& b_;
  WalkPools& pools_;
  const char* base_;
  std::size_t size_;
  dsl::FileId file_;
  const char* last_ = nullptr;  // just past the last token read, for error positions
};

}  // namespace

struct JsonCaseLoader::State {
  od::parser parser;
  simdjson::padded_string padded;  // only for texts without readable padding
  WalkPools pools;
  CleanWalkPools clean;
};

JsonCaseLoader::JsonCaseLoader() : state_(std::make_unique<State>()) {}
JsonCaseLoader::~JsonCaseLoader() = default;

bool JsonCaseLoader::load(const dsl::Schema& schema, std::string_view text, std::size_t readable, dsl::FileId file,
                          dsl::Diagnostics& diagnostics, Case& out) {
  SchemaIndex index(schema);
  return load(index, text, readable, file, diagnostics, out);
}

bool JsonCaseLoader::load(const SchemaIndex& index, std::string_view text, std::size_t readable, dsl::FileId file,
                          dsl::Diagnostics& diagnostics, Case& out) {
  State& s = *state_;
  if (fast_path_ && load_clean_json(index, text, file, s.clean, out)) return true;
  // The text is always copied, and the padding after it zeroed: simdjson's error positions
  // in a truncated document depend on the bytes past its end, which in a batch chunk are
  // the next records and in a reused buffer an earlier, longer text. (Only documents the
  // fast path leaves come here, so the copy is rare.)
  (void)readable;
  if (s.padded.size() < text.size() || s.padded.size() > 4 * text.size() + 4096) {
    s.padded = simdjson::padded_string(text.size());
  }
  if (!text.empty()) {  // an empty padded_string has no buffer
    std::memcpy(s.padded.data(), text.data(), text.size());
    std::memset(s.padded.data() + text.size(), 0, simdjson::SIMDJSON_PADDING);
  }
  const char* data = s.padded.data();
  std::size_t readable_here = s.padded.size() + simdjson::SIMDJSON_PADDING;
  reset_case(out, file);
  s.pools.seen.clear();
  s.pools.unknown.clear();
  s.pools.items.clear();
  s.pools.item_spans.clear();

  auto report = [&](const JsonProblem& p) {
    std::uint32_t at =
        p.at && p.at >= data ? static_cast<std::uint32_t>(std::min<std::size_t>(p.at - data, text.size())) : 0;
    std::uint32_t end = std::min<std::uint32_t>(at + 1, static_cast<std::uint32_t>(text.size()));
    diagnostics.error(p.code, dsl::SourceSpan{file, at, end}, p.message);
    return false;
  };
  if (trim_right(text).empty()) {
    diagnostics.error("case.empty", dsl::SourceSpan{file, 0, 0}, "empty case file");
    return false;
  }
  od::document doc;
  simdjson::padded_string_view view(data, text.size(), readable_here);
  if (auto e = s.parser.iterate(view).get(doc)) {
    JsonProblem p;
    std::string msg = simdjson::error_message(e);
    if (!msg.empty() && msg.back() == '.') msg.pop_back();
    p.message = "invalid JSON: " + msg;
    return report(p);
  }
  // The walk's diagnostics stand only when the whole document is valid JSON.
  dsl::Diagnostics walked;
  CaseBuilder builder(index, file, walked, out);
  Walker walker(builder, s.pools, data, text.size(), file);
  JsonProblem problem;
  if (!walker.walk(doc, problem)) return report(problem);
  if (!walked.empty()) diagnostics.append(walked);
  out.read_through = !out.records.empty() && !builder.aborted();
  return !builder.failed();
}

}  // namespace covcheck::engine

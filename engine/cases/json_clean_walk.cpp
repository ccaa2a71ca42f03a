// The clean-document fast path of JSON case loading (see the header). It makes the same
// CaseBuilder calls in the same order as the full walk (json_case_loader.cpp), with the same
// texts and spans, so the Case it builds is the same; it never words a diagnostic itself: a
// document that would get one is handed back. tests/unit/test_json_differential.cpp checks
// the two walks against each other on many mutated records.
#include "engine/cases/json_clean_walk.hpp"

#include <cstring>
#include <optional>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "engine/cases/case_builder.hpp"

namespace covcheck::engine {

namespace {

using dsl::SourceSpan;

// Far below the full walk's limit (64): deeper documents are rare and go the full way, which
// reports nesting past its limit.
constexpr std::size_t max_clean_depth = 24;

class CleanWalk {
 public:
  CleanWalk(CaseBuilder& b, const SchemaIndex& index, std::string_view text, dsl::FileId file, CleanWalkPools& pools)
      : b_(b),
        index_(index),
        base_(text.data()),
        p_(text.data()),
        end_(text.data() + text.size()),
        file_(file),
        pools_(pools) {}

  bool document() {
    skip_ws();
    if (!at('{')) return false;  // an empty case or one that is no mapping: an error
    std::uint32_t r = b_.open_record(b_.schema().root, CaseRecord{});
    if (!record(r, 1)) return false;
    b_.close_record(r);
    b_.finish_root();
    skip_ws();
    return p_ == end_;
  }

 private:
  bool at(char c) const { return p_ < end_ && *p_ == c; }
  // (The scanning loops walk a local pointer: with the member, every step would be a store.)
  void skip_ws() {
    const char* q = p_;
    while (q < end_ && (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t')) ++q;
    p_ = q;
  }
  // Where a scalar token may end: whitespace, punctuation, a quote or the end of the text.
  bool token_ends() const {
    if (p_ == end_) return true;
    switch (*p_) {
      case ' ':
      case '\n':
      case '\r':
      case '\t':
      case ',':
      case ']':
      case '}':
      case ':':
      case '[':
      case '{':
      case '"': return true;
      default: return false;
    }
  }
  SourceSpan span(const char* from, const char* to) const {
    return SourceSpan{file_, static_cast<std::uint32_t>(from - base_), static_cast<std::uint32_t>(to - base_)};
  }
  // After a member or element: true at the closing `close`, false after a `,` (more follow).
  // `ok` false: neither, a syntax error.
  bool next_or_close(char close, bool& ok) {
    skip_ws();
    ok = true;
    if (at(',')) {
      ++p_;
      skip_ws();
      return false;
    }
    if (at(close)) {
      ++p_;
      return true;
    }
    ok = false;
    return true;
  }

  // A string's body, p_ at its opening quote. Only ASCII without control bytes or escapes:
  // the body is then the value, as the full walk takes it.
  bool string(std::string_view& body) {
    const char* from = p_ + 1;
    const char* q = from;
#ifdef __SSE2__
    // Sixteen bytes at a time while they lie within the text: the first quote, backslash,
    // control byte or byte outside ASCII ends the run (signed: 0x80-0xFF are below 0x20).
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    while (end_ - q >= 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
      const __m128i stop =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), _mm_cmplt_epi8(v, space));
      if (const int mask = _mm_movemask_epi8(stop)) {
        q += __builtin_ctz(static_cast<unsigned>(mask));
        break;
      }
      q += 16;
    }
#endif
    for (; q < end_; ++q) {
      const auto c = static_cast<unsigned char>(*q);
      if (c == '"') {
        body = std::string_view(from, static_cast<std::size_t>(q - from));
        p_ = q + 1;
        return true;
      }
      if (c < 0x20 || c >= 0x80 || c == '\\') return false;
    }
    return false;
  }
  bool literal(const char* word, std::size_t length) {
    if (static_cast<std::size_t>(end_ - p_) < length || std::memcmp(p_, word, length) != 0) return false;
    p_ += length;
    return token_ends();
  }
  // JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, then a token end.
  bool number() {
    const char* q = p_;
    auto digits = [&] {
      const char* from = q;
      while (q < end_ && *q >= '0' && *q <= '9') ++q;
      return q > from;
    };
    auto at_q = [&](char c) { return q < end_ && *q == c; };
    if (at_q('-')) ++q;
    if (at_q('0')) ++q;
    else if (!digits()) return false;
    if (at_q('.') && !(++q, digits())) return false;
    if (at_q('e') || at_q('E')) {
      ++q;
      if (at_q('+') || at_q('-')) ++q;
      if (!digits()) return false;
    }
    p_ = q;
    return token_ends();
  }

  // A scalar (not null) as the full walk sees it: text, quotedness and span.
  bool scalar(NodeView& n) {
    const char* from = p_;
    n.kind = YamlNode::Kind::scalar;
    n.quoted = false;
    switch (*p_) {
      case '"':
        n.quoted = true;
        if (!string(n.text)) return false;
        n.span = span(from, p_);
        return true;
      case 't':
        if (!literal("true", 4)) return false;
        break;
      case 'f':
        if (!literal("false", 5)) return false;
        break;
      default:
        if (!number()) return false;
    }
    n.text = std::string_view(from, static_cast<std::size_t>(p_ - from));
    n.span = span(from, p_);
    return true;
  }

  // The members of record `r`, p_ at its `{`.
  bool record(std::uint32_t r, std::size_t depth) {
    const std::uint32_t type = b_.built_case().records[r].type;
    const std::vector<dsl::FieldInfo>& fields = b_.schema().records[type].fields;
    if (fields.size() > 64) return false;  // no room in `seen`
    if (pools_.order.size() <= type) pools_.order.resize(type + 1);
    std::vector<std::uint32_t>& order = pools_.order[type];
    std::uint64_t seen = 0;
    ++p_;
    skip_ws();
    if (at('}')) {
      ++p_;
      return true;
    }
    for (std::size_t position = 0;; ++position) {
      if (!at('"')) return false;
      std::uint32_t f;
      const std::uint32_t predicted = position < order.size() ? order[position] : 0;
      // (Bounded: one loader may serve several schemas, one after another.)
      const std::string* name = predicted != 0 && predicted <= fields.size() ? &fields[predicted - 1].name : nullptr;
      const char* k = p_ + 1;
      if (name && static_cast<std::size_t>(end_ - k) > name->size() && k[name->size()] == '"' &&
          SchemaIndex::same(name->data(), k, name->size())) {
        // The predicted name, then a quote: a field name is a plain word (no quote, no
        // backslash), so this is the whole key, unescaped, without scanning it.
        f = predicted - 1;
        p_ = k + name->size() + 1;
      } else {
        std::string_view key;
        if (!string(key)) return false;
        std::optional<std::uint32_t> found = index_.field(type, key);
        if (!found) return false;  // an unknown field: warned about
        f = *found;
        if (position < order.size()) order[position] = f + 1;
        else order.push_back(f + 1);  // positions come in order: this is the next one
      }
      skip_ws();
      if (!at(':')) return false;
      ++p_;
      skip_ws();
      if (index_.derived(type, f)) return false;  // warned about
      const std::uint64_t bit = std::uint64_t{1} << f;
      if (seen & bit) return false;  // a repeated key: an error
      seen |= bit;
      if (p_ == end_ || !field(r, f, fields[f].type, depth + 1)) return false;
      bool ok;
      if (next_or_close('}', ok)) return ok;
    }
  }

  bool field(std::uint32_t r, std::uint32_t f, const dsl::Type& type, std::size_t depth) {
    if (depth > max_clean_depth) return false;
    if (*p_ == 'n') return literal("null", 4);  // absent: unknown
    const char* from = p_;
    Case& c = b_.built_case();
    const std::uint32_t slot = c.records[r].first_slot + f;
    if (type.list) {
      if (*p_ != '[') return false;
      std::uint32_t l = b_.open_list(r, f);
      if (!list(l, type.element_type(), depth)) return false;
      c.slots[slot] = Value::make_indexed(Kind::list, l);
      c.slot_spans[slot] = span(from, from + 1);  // as in the YAML tree: the opening bracket
    } else if (type.base == dsl::BaseType::record) {
      std::uint32_t nested;
      if (!record_value(type, Where{r, f}, depth, nested)) return false;
      c.slots[slot] = Value::make_indexed(Kind::record, nested);
      c.slot_spans[slot] = span(from, from + 1);
    } else {
      // Converted in place: the slot does not move while a scalar is converted.
      if (!scalar_value(type, Where{r, f}, c.slots[slot])) return false;
      c.slot_spans[slot] = span(from, p_);
    }
    return true;
  }

  // A list's elements, p_ at its `[`; placed together at the end, contiguous.
  bool list(std::uint32_t l, dsl::Type element_type, std::size_t depth) {
    if (element_type.list) return false;
    const bool records = element_type.base == dsl::BaseType::record;
    const std::size_t base = pools_.items.size();
    std::uint32_t i = 0;
    ++p_;
    skip_ws();
    if (at(']')) {
      ++p_;
    } else {
      for (;;) {
        if (p_ == end_ || depth + 1 > max_clean_depth) return false;
        const char* from = p_;
        if (*p_ == 'n') {
          // A null element of a list of records is warned about; of other lists, unknown.
          if (records || !literal("null", 4)) return false;
          pools_.items.emplace_back();
          pools_.item_spans.emplace_back();
        } else if (records) {
          std::uint32_t r;
          if (!record_value(element_type, Where{no_parent, 0, l, i}, depth + 1, r)) return false;
          pools_.items.push_back(Value::make_indexed(Kind::record, r));
          pools_.item_spans.push_back(span(from, from + 1));
        } else {
          if (!scalar_value(element_type, Where{no_parent, 0, l, i}, pools_.items.emplace_back())) return false;
          pools_.item_spans.push_back(span(from, p_));
        }
        ++i;
        bool ok;
        if (next_or_close(']', ok)) {
          if (!ok) return false;
          break;
        }
      }
    }
    b_.set_list_items(l, pools_.items.data() + base, pools_.item_spans.data() + base, i);
    pools_.items.resize(base);
    pools_.item_spans.resize(base);
    if (records) b_.check_exclusive(l, element_type.ref);
    return true;
  }

  // A record-typed value, p_ at its `{` (else the schema refuses it).
  bool record_value(const dsl::Type& type, const Where& w, std::size_t depth, std::uint32_t& r) {
    if (*p_ != '{') return false;
    r = b_.open_record(type.ref, CaseBuilder::placement(w));
    if (!record(r, depth)) return false;
    b_.close_record(r);
    return true;
  }

  // A scalar the schema accepts for `type` (no record, no list), converted into `out`.
  bool scalar_value(const dsl::Type& type, const Where& w, Value& out) {
    NodeView n;
    if (!scalar(n)) return false;
    // The commonest conversions inline, each exactly as CaseBuilder::convert_scalar makes it
    // (the differential test holds them to it); everything else, errors included, there.
    switch (type.base) {
      case dsl::BaseType::boolean:
        if (!n.quoted && (n.text == "true" || n.text == "false")) {
          out = Value::make_bool(n.text.size() == 4);
          return true;
        }
        break;
      case dsl::BaseType::integer: {
        // Up to 18 digits cannot overflow; longer ones are left to from_chars.
        std::string_view digits = n.text.substr(!n.text.empty() && n.text[0] == '-');
        if (n.quoted || digits.empty() || digits.size() > 18) break;
        std::int64_t v = 0;
        bool all = true;
        for (char c : digits) {
          all &= c >= '0' && c <= '9';
          v = v * 10 + (c - '0');
        }
        if (!all) break;
        out = Value::make_int(digits.size() < n.text.size() ? -v : v);
        return true;
      }
      case dsl::BaseType::string: out = Value::make_indexed(Kind::string, b_.intern(n.text)); return true;
      case dsl::BaseType::enumeration:
        if (auto m = index_.member(type.ref, n.text)) {
          out = Value::make_indexed(Kind::enumeration, *m);
          return true;
        }
        break;
      default: break;
    }
    return b_.convert_scalar(type, n, w, out);  // false: an error was reported
  }

  CaseBuilder& b_;
  const SchemaIndex& index_;
  const char* base_;
  const char* p_;
  const char* end_;
  dsl::FileId file_;
  CleanWalkPools& pools_;
};

}  // namespace

bool load_clean_json(const SchemaIndex& index, std::string_view text, dsl::FileId file, CleanWalkPools& pools,
                     Case& out) {
  reset_case(out, file);
  pools.items.clear();
  pools.item_spans.clear();
  dsl::Diagnostics diagnostics;
  CaseBuilder builder(index, file, diagnostics, out);
  CleanWalk walk(builder, index, text, file, pools);
  out.read_through = walk.document() && diagnostics.empty();
  return out.read_through;
}

}  // namespace covcheck::engine

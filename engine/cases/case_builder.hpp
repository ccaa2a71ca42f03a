// The schema side of case loading, shared by the YAML-tree walk (case_loader.cpp) and the
// JSON walk straight from simdjson (json_case_loader.cpp): writing records, lists and slots
// into a Case, converting scalars by the field's type, and every diagnostic's wording, so
// that both input formats report bad cases identically.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/check/schema.hpp"
#include "dsl/source/diagnostics.hpp"
#include "engine/cases/case.hpp"
#include "engine/cases/yaml_tree.hpp"

namespace covcheck::engine {

// Name -> index lookups over a schema's record fields and enumeration members, by hashing
// (the schema's own find() compares names one by one). Built once per loader.
class SchemaIndex {
 public:
  explicit SchemaIndex(const dsl::Schema& schema);
  const dsl::Schema& schema() const { return *schema_; }
  std::optional<std::uint32_t> field(std::uint32_t record, std::string_view name) const {
    return find(records_[record], name);
  }
  std::optional<std::uint32_t> member(std::uint32_t enumeration, std::string_view name) const {
    return find(enums_[enumeration], name);
  }
  // The member a text names ignoring ASCII case, directly or by a declared synonym
  // (`Spravato`, `PHQ-9`). Asked only once member() found nothing, so canonical members
  // cost nothing more.
  std::optional<std::uint32_t> synonym(std::uint32_t enumeration, std::string_view text) const;
  // A field whose value is derived from others (a given value is ignored, with a warning).
  bool derived(std::uint32_t record, std::uint32_t field) const { return derived_[record][field]; }
  // The root record's `id` field, which names the case.
  std::optional<std::uint32_t> root_id() const { return root_id_; }
  // The fields of a record type that have a default, for filling in a closed record.
  const std::vector<std::uint32_t>& defaulted(std::uint32_t record) const { return defaulted_[record]; }

  // Names are short: a few word comparisons (never reading outside either name) beat a
  // call to memcmp or a byte loop, whose exit the branch predictor keeps missing.
  static bool same(const char* a, const char* b, std::size_t n) {
    auto word = [](const char* p) {
      std::uint64_t w;
      std::memcpy(&w, p, sizeof w);
      return w;
    };
    auto half = [](const char* p) {
      std::uint32_t w;
      std::memcpy(&w, p, sizeof w);
      return w;
    };
    if (n >= 8) {
      for (std::size_t i = 0; i + 8 < n; i += 8)
        if (word(a + i) != word(b + i)) return false;
      return word(a + n - 8) == word(b + n - 8);
    }
    if (n >= 4) return half(a) == half(b) && half(a + n - 4) == half(b + n - 4);
    for (std::size_t i = 0; i < n; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }

 private:
  // A slot holds the name's length and characters beside its index, so that a probe reads
  // one place rather than the index, then the name's string, then its characters.
  struct Slot {
    std::uint32_t index = 0;  // index + 1; 0 is empty
    std::uint32_t length = 0;
    const char* chars = nullptr;
  };
  struct Table {
    std::uint32_t mask = 0;
    std::vector<Slot> slots;
  };
  // Names in a schema differ in length or at their ends often enough that three bytes and
  // the length spread them well; a collision only costs a probe and a comparison.
  static std::uint32_t hash(std::string_view s) {
    if (s.empty()) return 0;
    auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[i])); };
    std::uint32_t h = static_cast<std::uint32_t>(s.size()) * 0x9E3779B1u;
    h ^= byte(0) * 0x85EBCA6Bu ^ byte(s.size() - 1) * 0xC2B2AE35u ^ byte(s.size() / 2) * 0x27D4EB2Fu;
    return h ^ (h >> 15);
  }
  static Table build(const std::vector<std::string>& names);
  static std::optional<std::uint32_t> find(const Table& t, std::string_view name) {
    for (std::uint32_t at = hash(name) & t.mask;; at = (at + 1) & t.mask) {
      const Slot& s = t.slots[at];
      if (s.index == 0) return std::nullopt;
      if (s.length == name.size() && same(s.chars, name.data(), name.size())) return s.index - 1;
    }
  }
  const dsl::Schema* schema_;
  std::vector<std::vector<std::string>> field_names_;  // per record, for the tables to point at
  std::vector<Table> records_;
  std::vector<Table> enums_;
  std::vector<std::vector<std::string>> folded_names_;      // per enum: members and synonyms, lowercase
  std::vector<std::vector<std::uint32_t>> folded_members_;  // per enum: the member each folded name means
  std::vector<Table> folded_;
  std::vector<std::vector<bool>> derived_;             // per record, per field
  std::vector<std::vector<std::uint32_t>> defaulted_;  // per record
  std::optional<std::uint32_t> root_id_;
};

// What the schema side needs to know of an input value.
struct NodeView {
  YamlNode::Kind kind = YamlNode::Kind::null;
  bool quoted = false;    // a quoted scalar: text, never a number or boolean
  std::string_view text;  // a scalar's value
  dsl::SourceSpan span;
};

// One place a value is written: a record's field, or a list's element.
struct Where {
  std::uint32_t record = no_parent;
  std::uint32_t field = 0;
  std::uint32_t list = no_parent;
  std::uint32_t index = 0;
};

class CaseBuilder {
 public:
  CaseBuilder(const SchemaIndex& index, dsl::FileId file, dsl::Diagnostics& diags, Case& c);

  const dsl::Schema& schema() const { return schema_; }
  const SchemaIndex& index() const { return index_; }
  Case& built_case() { return c_; }  // the case being written
  bool failed() const { return failed_; }
  // The error limit was reached: the walk stops.
  bool aborted() const { return aborted_; }
  void abort() { aborted_ = true; }

  dsl::Diagnostic& error(const char* code, dsl::SourceSpan where, std::string message);
  dsl::Diagnostic& warning(const char* code, dsl::SourceSpan where, std::string message);

  // A root that is not a mapping: `empty case file` or `a case must be a mapping`.
  void bad_root(const NodeView& n);
  // The root record is loaded: picks up the case's id.
  void finish_root();

  // Appends a record (its slots unknown); fill it, then close_record() applies defaults.
  // (Inline, as placement() below: they run for every record of every case.)
  std::uint32_t open_record(std::uint32_t type, CaseRecord placement) {
    auto r = static_cast<std::uint32_t>(c_.records.size());
    placement.type = type;
    placement.first_slot = static_cast<std::uint32_t>(c_.slots.size());
    c_.records.push_back(placement);
    std::size_t fields = schema_.records[type].fields.size();
    c_.slots.resize(c_.slots.size() + fields);
    c_.slot_spans.resize(c_.slot_spans.size() + fields);
    return r;
  }
  void close_record(std::uint32_t r);
  // A record as a list element or a field's value.
  static CaseRecord placement(const Where& w) {
    CaseRecord placement;
    if (w.list != no_parent) {
      placement.parent_list = w.list;
      placement.index_in_list = w.index;
    } else {
      placement.parent_record = w.record;
      placement.parent_field = w.field;
    }
    return placement;
  }

  // A mapping key of record `r` that is not a duplicate: the field to load, or nullopt after
  // warning about an unknown or derived field.
  std::optional<std::uint32_t> field_for_key(std::uint32_t r, std::string_view name, dsl::SourceSpan key_span);
  // As above, with the field already looked up.
  std::optional<std::uint32_t> accept_field(std::uint32_t r, std::optional<std::uint32_t> field, std::string_view name,
                                            dsl::SourceSpan key_span);
  // Errors about a key of record `r`.
  void duplicate_key(std::uint32_t r, std::string_view name, dsl::SourceSpan key_span, dsl::SourceSpan first_span);
  void bad_key(std::uint32_t r, const NodeView& key);

  void set_slot(std::uint32_t r, std::uint32_t f, Value v, dsl::SourceSpan span) {
    std::uint32_t slot = c_.records[r].first_slot + f;
    c_.slots[slot] = v;
    c_.slot_spans[slot] = span;
  }
  const dsl::Type& field_type(std::uint32_t r, std::uint32_t f) const {
    return schema_.records[c_.records[r].type].fields[f].type;
  }

  // Lists: open_list() records the list (its elements not yet placed); set_list_items()
  // places its elements, contiguous, once they are all known.
  std::uint32_t open_list(std::uint32_t r, std::uint32_t f);
  void set_list_items(std::uint32_t l, const Value* values, const dsl::SourceSpan* spans, std::uint32_t count);
  // A null element of a list of records: warned about, loaded as an empty record.
  Value empty_element(const Where& w, dsl::SourceSpan span, std::uint32_t record_type);
  // Exclusive fields: at most one element of a list of records may set each.
  void check_exclusive(std::uint32_t l, std::uint32_t type);

  void type_error(const Where& w, const dsl::Type& t, const NodeView& n, std::optional<std::string> help = {});
  // A string or code value: its index in the case's strings.
  std::uint32_t intern(std::string_view s) {
    c_.strings.emplace_back(s);
    return static_cast<std::uint32_t>(c_.strings.size() - 1);
  }
  // A scalar converted by `type` (never a record or list type); nullopt after an error.
  std::optional<Value> convert_scalar(const dsl::Type& type, const NodeView& n, const Where& w);
  // The same, written straight into `out` (a slot or list item): no optional to copy back
  // from the stack, which costs a stalled load per value on the JSON fast path.
  bool convert_scalar(const dsl::Type& type, const NodeView& n, const Where& w, Value& out);

 private:
  std::string path(const Where& w) const;
  std::string found(const NodeView& n) const;
  std::string expected(const dsl::Type& t) const;
  void apply_defaults(std::uint32_t r);
  std::optional<Value> convert_code(dsl::BaseType system, const NodeView& n, const Where& w);
  std::optional<Value> range_error(const NodeView& n, const Where& w);
  std::string key_record(std::uint32_t type, std::string_view value) const;
  std::string field_of_system(const Where& w, dsl::BaseType system) const;
  // `none` given for a field declared `or none`: the fact is known to be absent.
  bool none_value(const NodeView& n, const Where& w, Value& out) const;

  const dsl::Schema& schema_;
  const SchemaIndex& index_;
  dsl::FileId file_;
  dsl::Diagnostics& diags_;
  Case& c_;
  bool aborted_ = false;
  bool failed_ = false;
  std::size_t errors_ = 0;
  std::size_t warnings_ = 0;
  dsl::Diagnostic discarded_;  // what a diagnostic past the limits is written to
};

// Empties a Case for reuse; its vectors keep their capacity.
void reset_case(Case& c, dsl::FileId file);

}  // namespace covcheck::engine

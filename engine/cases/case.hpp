// A loaded patient case: a typed value tree laid out in flat arrays (records' fields as
// slots, list elements as items), so that evaluation reads by index and never by name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsl/check/schema.hpp"
#include "dsl/source/diagnostics.hpp"

namespace covcheck::engine {

// `range` exists only during evaluation: a count known to lie within [lo, hi]. `none` is a
// fact the case says is absent (a field declared `or none`): known, equal only to none.
enum class Kind : std::uint8_t {
  unknown,
  boolean,
  integer,
  decimal,
  string,
  date,
  duration,
  code,
  enumeration,
  record,
  list,
  range,
  none
};

// One fact. `unknown` is an absent fact: never false, never zero.
struct Value {
  Kind kind = Kind::unknown;
  union {
    bool boolean;
    std::int64_t integer;
    double decimal;
    std::int32_t date;  // days since 1970-01-01
    std::int64_t days;  // duration
    std::uint32_t
        index;  // string/code: Case::strings; enumeration: member ordinal; record: Case::records; list: Case::lists
    struct {
      std::int32_t lo;
      std::int32_t hi;
    } range;
  };
  constexpr Value() : integer(0) {}
  static Value make_bool(bool b) {
    Value v;
    v.kind = Kind::boolean;
    v.boolean = b;
    return v;
  }
  static Value make_int(std::int64_t i) {
    Value v;
    v.kind = Kind::integer;
    v.integer = i;
    return v;
  }
  static Value make_decimal(double d) {
    Value v;
    v.kind = Kind::decimal;
    v.decimal = d;
    return v;
  }
  static Value make_date(std::int32_t d) {
    Value v;
    v.kind = Kind::date;
    v.date = d;
    return v;
  }
  static Value make_duration(std::int64_t d) {
    Value v;
    v.kind = Kind::duration;
    v.days = d;
    return v;
  }
  static Value make_indexed(Kind k, std::uint32_t i) {
    Value v;
    v.kind = k;
    v.index = i;
    return v;
  }
  static Value make_none() {
    Value v;
    v.kind = Kind::none;
    return v;
  }
  bool known() const { return kind != Kind::unknown; }
};

inline constexpr std::uint32_t no_parent = 0xFFFFFFFFu;

struct CaseRecord {
  std::uint32_t type = 0;        // schema record index
  std::uint32_t first_slot = 0;  // fields are slots[first_slot .. first_slot + field count)
  // Where this record sits, for input paths like `treatments[1].adequate_dose`:
  std::uint32_t parent_record = no_parent;  // set when the record is a field's value
  std::uint32_t parent_field = 0;
  std::uint32_t parent_list = no_parent;  // set when the record is a list element
  std::uint32_t index_in_list = 0;
};

struct CaseList {
  std::uint32_t first = 0;  // elements are items[first .. first + count)
  std::uint32_t count = 0;
  std::uint32_t parent_record = no_parent;
  std::uint32_t parent_field = 0;
};

struct Case {
  std::vector<Value> slots;
  std::vector<dsl::SourceSpan> slot_spans;  // where each slot's value was written (file == no_file if absent)
  std::vector<CaseRecord> records;          // records[0] is the root
  std::vector<Value> items;
  std::vector<dsl::SourceSpan> item_spans;
  std::vector<CaseList> lists;
  std::vector<std::string> strings;   // string and code values
  std::optional<std::string> id;      // the case's `id`, when given
  dsl::FileId source = dsl::no_file;  // the case file in the SourceRegistry
  // The loader read the whole document, even if it refused some values (they stay unknown):
  // the schema's checks can then run on the rest, so that one submission gets every error.
  bool read_through = false;

  // Reallocates the arrays evaluation reads (records, lists, slots, items, strings) at their
  // exact sizes, one after another: a case kept in memory among many then spans few cache
  // lines and pages. Loaders grow the arrays as they go; batch reuses one case per worker.
  void compact();

  const Value& field(std::uint32_t record, std::uint32_t field_index) const {
    return slots[records[record].first_slot + field_index];
  }
  // Input path of a record's field, 0-based list indexes: `treatments[1].adequate_dose`.
  std::string field_path(const dsl::Schema& schema, std::uint32_t record, std::uint32_t field_index) const;
  std::string record_path(const dsl::Schema& schema, std::uint32_t record) const;
  std::string list_path(const dsl::Schema& schema, std::uint32_t list) const;
  // The same, appended to `out`: a path is built in one string, not one per level.
  void append_field_path(std::string& out, const dsl::Schema& schema, std::uint32_t record,
                         std::uint32_t field_index) const;
  void append_record_path(std::string& out, const dsl::Schema& schema, std::uint32_t record) const;
  void append_list_path(std::string& out, const dsl::Schema& schema, std::uint32_t list) const;
};

// Compacts a corpus kept in memory: every case's new arrays are allocated before any old
// one is released, so cases lie one after another in the order they are evaluated.
void compact_cases(std::vector<Case>& cases);

}  // namespace covcheck::engine

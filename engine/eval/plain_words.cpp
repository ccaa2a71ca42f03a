// Naming case facts and values in plain words (see plain_words.hpp).
#include "engine/eval/plain_words.hpp"

#include <charconv>
#include <optional>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"

namespace covcheck::engine {

namespace {

struct Segment {
  std::string_view name;
  std::optional<std::uint32_t> index;
};

// `treatments[1]` -> {treatments, 1}; false when the segment is malformed.
bool parse_segment(std::string_view text, Segment& out) {
  std::size_t open = text.find('[');
  out.name = text.substr(0, open);
  out.index.reset();
  if (open == std::string_view::npos) return !out.name.empty();
  if (text.back() != ']') return false;
  std::uint32_t i = 0;
  auto [end, ec] = std::from_chars(text.data() + open + 1, text.data() + text.size() - 1, i);
  if (ec != std::errc() || end != text.data() + text.size() - 1) return false;
  out.index = i;
  return !out.name.empty();
}

std::string capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

// What names a list item for people: the first of these fields the item gives.
constexpr std::string_view naming_fields[] = {"name", "instrument", "code"};

std::string item_name(const dsl::Schema& schema, const Case& c, std::uint32_t record) {
  const dsl::RecordType& type = schema.records[c.records[record].type];
  for (std::string_view n : naming_fields) {
    auto f = type.find(n);
    if (!f) continue;
    const Value& v = c.field(record, *f);
    if (!v.known()) continue;
    return value_words(schema, c, v, type.fields[*f].type.ref);
  }
  return {};
}

}  // namespace

std::string words_of(std::string_view name) {
  std::string out(name);
  for (char& ch : out)
    if (ch == '_') ch = ' ';
  return out;
}

std::string fact_words(const dsl::Schema& schema, const Case& c, std::string_view path) {
  std::uint32_t type = schema.root;
  std::uint32_t record = c.records.empty() ? no_parent : 0;
  std::string prefix, out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t dot = path.find('.', start);
    std::string_view text = path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    const bool last = dot == std::string_view::npos;
    Segment seg;
    if (!parse_segment(text, seg)) return std::string(path);
    const dsl::RecordType& rec = schema.records[type];
    auto f = rec.find(seg.name);
    if (!f) return std::string(path);
    const dsl::FieldInfo& field = rec.fields[*f];
    const Value v = record != no_parent ? c.field(record, *f) : Value{};
    if (seg.index) {
      // A list item: its record type's name, counted from 1, and its name when given.
      const bool of_records = field.type.base == dsl::BaseType::record;
      std::string item = capitalized(of_records ? words_of(schema.records[field.type.ref].name) : words_of(field.name));
      item += fmt::format(" {}", *seg.index + 1);
      record = no_parent;
      if (v.kind == Kind::list && *seg.index < c.lists[v.index].count) {
        const Value& element = c.items[c.lists[v.index].first + *seg.index];
        if (element.kind == Kind::record) {
          record = element.index;
          std::string name = item_name(schema, c, record);
          if (!name.empty()) item += fmt::format(" ({})", name);
        } else if (element.known() && last) {
          item += fmt::format(" ({})", value_words(schema, c, element, field.type.ref));
        }
      }
      if (last) return prefix + item;
      prefix = item + ": ";
      if (!of_records) return std::string(path);
      type = field.type.ref;
    } else if (last) {
      out = prefix + words_of(field.name);
      return out;
    } else {
      if (field.type.base != dsl::BaseType::record) return std::string(path);
      // A record's fields read as "Request: prescriber specialty"; deeper records add their
      // names: "Request: prior authorization end".
      prefix += prefix.empty() ? capitalized(words_of(field.name)) + ": " : words_of(field.name) + " ";
      record = v.kind == Kind::record ? v.index : no_parent;
      type = field.type.ref;
    }
    start = dot + 1;
  }
  return std::string(path);
}

std::string fact_doc(const dsl::Schema& schema, std::string_view path) {
  std::uint32_t type = schema.root;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = path.find('.', start);
    std::string_view text = path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    Segment seg;
    if (!parse_segment(text, seg)) return {};
    auto f = schema.records[type].find(seg.name);
    if (!f) return {};
    const dsl::FieldInfo& field = schema.records[type].fields[*f];
    if (dot == std::string_view::npos) {
      if (seg.index) return {};
      const std::string& doc = field.doc;
      // Documentation that lists members or explains absence reads badly inside a sentence.
      if (doc.empty() || doc.size() > 80 || doc.find_first_of("|`;:") != std::string::npos) return {};
      if (doc.find(words_of(field.name)) != std::string::npos) return {};  // says nothing more
      return doc;
    }
    if (field.type.base != dsl::BaseType::record) return {};
    type = field.type.ref;
    start = dot + 1;
  }
}

std::string value_words(const dsl::Schema& schema, const Case& c, const Value& v, std::uint32_t enum_ref) {
  switch (v.kind) {
    case Kind::unknown: return "not stated";
    case Kind::boolean: return v.boolean ? "yes" : "no";
    case Kind::integer: return std::to_string(v.integer);
    case Kind::decimal: return fmt::format("{}", v.decimal);
    case Kind::date: return dsl::format_iso_date(v.date);
    case Kind::duration: return fmt::format("{} day{}", v.days, v.days == 1 ? "" : "s");
    case Kind::string:
    case Kind::code: return v.index < c.strings.size() ? c.strings[v.index] : std::string();
    case Kind::enumeration:
      if (v.index == no_member) return "none";
      if (enum_ref < schema.enums.size() && v.index < schema.enums[enum_ref].members.size())
        return words_of(schema.enums[enum_ref].members[v.index]);
      return "?";
    case Kind::list: {
      const CaseList& l = c.lists[v.index];
      if (l.count == 0) return "none";
      std::string out;
      for (std::uint32_t i = 0; i < l.count && i < 8; ++i) {
        const Value& item = c.items[l.first + i];
        out += (out.empty() ? "" : ", ") +
               (item.kind == Kind::record ? fmt::format("item {}", i + 1) : value_words(schema, c, item, enum_ref));
      }
      if (l.count > 8) out += fmt::format(" and {} more", l.count - 8);
      return out;
    }
    case Kind::record: return "given";
    case Kind::range: return fmt::format("{} to {}", v.range.lo, v.range.hi);
    case Kind::none: return "none";
  }
  return "?";
}

}  // namespace covcheck::engine

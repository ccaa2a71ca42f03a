// Writing a Case by the schema, and the wording of every case diagnostic (see the header).
#include "engine/cases/case_builder.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"

namespace covcheck::engine {

namespace {

using dsl::BaseType;
using dsl::SourceSpan;

// A million bad list elements should not make a million diagnostics.
constexpr std::size_t max_errors = 1000;
constexpr std::size_t max_warnings = 200;

enum class IntParse { ok, malformed, overflow };

IntParse parse_int(std::string_view s, std::int64_t& out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  std::size_t digits_from = !s.empty() && s[0] == '-' ? 1 : 0;
  if (s.size() == digits_from) return IntParse::malformed;
  for (std::size_t i = digits_from; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return IntParse::malformed;
  }
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec == std::errc::result_out_of_range) return IntParse::overflow;
  return ec == std::errc() && ptr == s.data() + s.size() ? IntParse::ok : IntParse::malformed;
}

IntParse parse_decimal(std::string_view s, double& out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  // from_chars also takes `inf` and `nan`, which are not case data.
  bool digit = std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  bool letters = std::any_of(
      s.begin(), s.end(), [](char c) { return c != 'e' && c != 'E' && std::isalpha(static_cast<unsigned char>(c)); });
  if (!digit || letters) return IntParse::malformed;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && !std::isfinite(out))) return IntParse::overflow;
  return ec == std::errc() && ptr == s.data() + s.size() ? IntParse::ok : IntParse::malformed;
}

// Values are quoted back in messages; keep them short and on one line.
std::string shown(std::string_view s) {
  std::size_t cut = std::min<std::size_t>(s.size(), 40);
  while (cut < s.size() && cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 chars
  std::string out;
  for (char c : s.substr(0, cut)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (cut < s.size()) out += "…";
  return out;
}

// `none` given for a field the schema does not declare `or none`.
constexpr const char* none_help =
    "this field cannot be `none` (the schema does not declare it `or none`); leave it out when it is not known";

const char* system_name(BaseType b) {
  return b == BaseType::icd10 ? "ICD-10-CM" : b == BaseType::cpt ? "CPT" : "HCPCS";
}

const char* article(BaseType b) { return b == BaseType::cpt ? "a" : "an"; }

const char* code_format(BaseType b) {
  switch (b) {
    case BaseType::icd10:
      return "an ICD-10-CM code is a letter, a digit, a digit or letter, then optionally `.` and 1 to 4 more "
             "(`F33.2`)";
    case BaseType::cpt: return "a CPT code is five digits, or four digits and `F` or `T` (`96365`, `0001F`)";
    default: return "an HCPCS code is a letter from A to V and four digits (`J0013`)";
  }
}

}  // namespace

// ---- SchemaIndex ---------------------------------------------------------------------------

SchemaIndex::Table SchemaIndex::build(const std::vector<std::string>& names) {
  Table t;
  std::size_t size = 4;
  while (size < 4 * names.size()) size *= 2;
  t.mask = static_cast<std::uint32_t>(size - 1);
  t.slots.assign(size, Slot{});
  for (std::uint32_t i = 0; i < names.size(); ++i) {
    std::uint32_t at = hash(names[i]) & t.mask;
    while (t.slots[at].index != 0) {
      if (names[t.slots[at].index - 1] == names[i]) break;  // a repeated name: the first wins, as in find()
      at = (at + 1) & t.mask;
    }
    if (t.slots[at].index == 0) t.slots[at] = Slot{i + 1, static_cast<std::uint32_t>(names[i].size()), names[i].data()};
  }
  return t;
}

SchemaIndex::SchemaIndex(const dsl::Schema& schema) : schema_(&schema) {
  field_names_.reserve(schema.records.size());
  for (const dsl::RecordType& r : schema.records) field_names_.push_back(r.field_names());
  for (const std::vector<std::string>& names : field_names_) records_.push_back(build(names));
  for (const dsl::RecordType& r : schema.records) {
    std::vector<bool>& flags = derived_.emplace_back();
    for (const dsl::FieldInfo& f : r.fields) flags.push_back(f.derived);
    std::vector<std::uint32_t>& with_default = defaulted_.emplace_back();
    for (std::uint32_t f = 0; f < r.fields.size(); ++f)
      if (r.fields[f].default_value) with_default.push_back(f);
  }
  for (const dsl::EnumType& e : schema.enums) enums_.push_back(build(e.members));
  for (const dsl::EnumType& e : schema.enums) {
    std::vector<std::string>& names = folded_names_.emplace_back();
    std::vector<std::uint32_t>& members = folded_members_.emplace_back();
    for (std::uint32_t m = 0; m < e.members.size(); ++m) {
      names.push_back(dsl::fold_case(e.members[m]));
      members.push_back(m);
    }
    for (const dsl::Synonym& s : e.synonyms) {
      names.push_back(s.folded);
      members.push_back(s.member);
    }
  }
  // (Built once every name is in place: the tables point at the names' characters.)
  for (const std::vector<std::string>& names : folded_names_) folded_.push_back(build(names));
  if (schema.root < records_.size()) root_id_ = field(schema.root, "id");
}

std::optional<std::uint32_t> SchemaIndex::synonym(std::uint32_t enumeration, std::string_view text) const {
  char buffer[96];
  std::string long_text;
  std::string_view folded;
  if (text.size() <= sizeof buffer) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      buffer[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }
    folded = std::string_view(buffer, text.size());
  } else {
    long_text = dsl::fold_case(text);
    folded = long_text;
  }
  auto at = find(folded_[enumeration], folded);
  if (!at) return std::nullopt;
  return folded_members_[enumeration][*at];
}

// ---- CaseBuilder ---------------------------------------------------------------------------

void reset_case(Case& c, dsl::FileId file) {
  // clear() keeps the capacity, so a reused Case loads without allocating.
  c.slots.clear();
  c.slot_spans.clear();
  c.records.clear();
  c.items.clear();
  c.item_spans.clear();
  c.lists.clear();
  c.strings.clear();
  c.id.reset();
  c.source = file;
  c.read_through = false;
}

CaseBuilder::CaseBuilder(const SchemaIndex& index, dsl::FileId file, dsl::Diagnostics& diags, Case& c)
    : schema_(index.schema()), index_(index), file_(file), diags_(diags), c_(c) {}

dsl::Diagnostic& CaseBuilder::error(const char* code, SourceSpan where, std::string message) {
  failed_ = true;
  if (++errors_ < max_errors) return diags_.error(code, where, std::move(message));
  if (errors_ == max_errors) {
    aborted_ = true;
    diags_.error("case.too_many_errors", where, fmt::format("stopped after {} errors in this case", max_errors));
  }
  return discarded_;
}

dsl::Diagnostic& CaseBuilder::warning(const char* code, SourceSpan where, std::string message) {
  if (++warnings_ <= max_warnings) return diags_.warning(code, where, std::move(message));
  if (warnings_ == max_warnings + 1) {
    diags_.warning("case.too_many_warnings", where,
                   fmt::format("more than {} warnings in this case; the rest are not shown", max_warnings));
  }
  return discarded_;
}

void CaseBuilder::bad_root(const NodeView& n) {
  if (n.kind == YamlNode::Kind::null) {
    error("case.empty", n.span, "empty case file");
  } else {
    error("case.type", n.span, fmt::format("a case must be a mapping of fields, found {}", found(n)));
  }
}

void CaseBuilder::finish_root() {
  if (auto id = index_.root_id(); id && c_.field(0, *id).kind == Kind::string) {
    c_.id = c_.strings[c_.field(0, *id).index];
  }
}

std::string CaseBuilder::path(const Where& w) const {
  if (w.list != no_parent) return fmt::format("{}[{}]", c_.list_path(schema_, w.list), w.index);
  return c_.field_path(schema_, w.record, w.field);
}

std::string CaseBuilder::found(const NodeView& n) const {
  switch (n.kind) {
    case YamlNode::Kind::null: return "nothing";
    case YamlNode::Kind::sequence: return "a list";
    case YamlNode::Kind::mapping: return "a mapping";
    case YamlNode::Kind::scalar: break;
  }
  std::string_view s = n.text;
  if (n.quoted) return fmt::format("string `\"{}\"`", shown(s));
  std::int64_t i;
  double d;
  if (s == "true" || s == "false") return fmt::format("boolean `{}`", s);
  if (parse_int(s, i) != IntParse::malformed) return fmt::format("integer `{}`", shown(s));
  if (parse_decimal(s, d) != IntParse::malformed) return fmt::format("number `{}`", shown(s));
  return fmt::format("string `{}`", shown(s));
}

std::string CaseBuilder::expected(const dsl::Type& t) const {
  if (t.list) return "a list";
  switch (t.base) {
    case BaseType::boolean: return "`true` or `false`";
    case BaseType::integer: return "an integer";
    case BaseType::decimal: return "a number";
    case BaseType::date: return "a date (YYYY-MM-DD)";
    case BaseType::duration: return "a whole number of days";
    case BaseType::icd10: return "an ICD-10-CM code";
    case BaseType::cpt: return "a CPT code";
    case BaseType::hcpcs: return "an HCPCS code";
    case BaseType::enumeration: return fmt::format("a `{}` value", schema_.enums[t.ref].name);
    case BaseType::record: return fmt::format("a mapping (a `{}` record)", schema_.records[t.ref].name);
    default: return "a string";
  }
}

void CaseBuilder::type_error(const Where& w, const dsl::Type& t, const NodeView& n, std::optional<std::string> help) {
  if (!help && n.kind == YamlNode::Kind::scalar && n.quoted) {
    std::string_view s = n.text;
    std::int64_t i;
    double d;
    bool fits = t.base == BaseType::boolean   ? (s == "true" || s == "false")
                : t.base == BaseType::decimal ? parse_decimal(s, d) == IntParse::ok
                                              : parse_int(s, i) == IntParse::ok;
    if (fits && !t.list) help = "remove the quotes";
  }
  if (!help && n.kind == YamlNode::Kind::scalar && n.text == "none")
    help = t.list ? std::string("write `[]` to say there are none") : std::string(none_help);
  if (!help && n.kind == YamlNode::Kind::scalar && t.base == BaseType::record) {
    // A list of records, or a record, given as one bare value: show the record it belongs in.
    std::string record = key_record(t.ref, n.text);
    if (t.list) help = fmt::format("write a list of `{}` records: `[{}]`", schema_.records[t.ref].name, record);
    else help = fmt::format("write a `{}` record: `{}`", schema_.records[t.ref].name, record);
  }
  if (!help && t.list && t.base == BaseType::record && n.kind == YamlNode::Kind::mapping) {
    help = fmt::format("a list of `{}` records: wrap the record in `[ ]` or start it with `- `",
                       schema_.records[t.ref].name);
  }
  if (!help && t.list && n.kind == YamlNode::Kind::scalar) {
    help = fmt::format("write a one-element list: `[{}]`", shown(n.text));
  }
  dsl::Diagnostic& d =
      error("case.type", n.span, fmt::format("`{}` must be {}, found {}", path(w), expected(t), found(n)));
  d.help = std::move(help);
  d.field = path(w);
}

// `{code: F33.2}`: the value under the record's key field, the first field a case gives
// (not derived, not a record or list).
std::string CaseBuilder::key_record(std::uint32_t type, std::string_view value) const {
  for (const dsl::FieldInfo& f : schema_.records[type].fields) {
    if (f.derived || f.type.list || f.type.base == BaseType::record) continue;
    return fmt::format("{{{}: {}}}", f.name, shown(value));
  }
  return "{…}";
}

void CaseBuilder::close_record(std::uint32_t r) { apply_defaults(r); }

std::optional<std::uint32_t> CaseBuilder::field_for_key(std::uint32_t r, std::string_view name, SourceSpan key_span) {
  return accept_field(r, index_.field(c_.records[r].type, name), name, key_span);
}

std::optional<std::uint32_t> CaseBuilder::accept_field(std::uint32_t r, std::optional<std::uint32_t> field,
                                                       std::string_view name, SourceSpan key_span) {
  const dsl::RecordType& type = schema_.records[c_.records[r].type];
  if (!field) {
    std::string where = c_.record_path(schema_, r);
    dsl::Diagnostic& d = warning("case.unknown_field", key_span,
                                 where.empty() ? fmt::format("unknown field `{}`", shown(name))
                                               : fmt::format("unknown field `{}` in `{}`", shown(name), where));
    if (auto m = dsl::closest_match(name, type.field_names())) d.help = fmt::format("did you mean `{}`?", *m);
    d.field = where.empty() ? std::string(name) : fmt::format("{}.{}", where, name);
    return std::nullopt;
  }
  if (type.fields[*field].derived) {
    std::string path = c_.field_path(schema_, r, *field);
    warning("case.derived_field", key_span,
            fmt::format("`{}` is derived from other facts; the given value is ignored", path))
        .field = std::move(path);
    return std::nullopt;
  }
  return field;
}

void CaseBuilder::duplicate_key(std::uint32_t r, std::string_view name, SourceSpan key_span, SourceSpan first_span) {
  dsl::Diagnostic& d = error("case.duplicate_key", key_span, fmt::format("duplicate key `{}`", shown(name)));
  d.notes.push_back({first_span, "first given here"});
  std::string where = c_.record_path(schema_, r);
  d.field = where.empty() ? std::string(name) : fmt::format("{}.{}", where, name);
}

void CaseBuilder::bad_key(std::uint32_t r, const NodeView& key) {
  dsl::Diagnostic& d =
      error("case.type", key.span, fmt::format("a field name must be a plain word, found {}", found(key)));
  // The key names no field: the diagnostic is about the record that holds it.
  if (std::string where = c_.record_path(schema_, r); !where.empty()) d.field = std::move(where);
}

void CaseBuilder::apply_defaults(std::uint32_t r) {
  const dsl::RecordType& type = schema_.records[c_.records[r].type];
  for (std::uint32_t f : index_.defaulted(c_.records[r].type)) {
    const dsl::FieldInfo& info = type.fields[f];
    Value& slot = c_.slots[c_.records[r].first_slot + f];
    if (slot.known()) continue;
    const dsl::DefaultLiteral& d = *info.default_value;
    if (const bool* b = std::get_if<bool>(&d)) {
      slot = Value::make_bool(*b);
    } else if (const std::int64_t* i = std::get_if<std::int64_t>(&d)) {
      slot = info.type.base == BaseType::decimal ? Value::make_decimal(static_cast<double>(*i)) : Value::make_int(*i);
    } else if (const double* x = std::get_if<double>(&d)) {
      slot = Value::make_decimal(*x);
    } else if (const std::string* s = std::get_if<std::string>(&d)) {
      if (info.type.base == BaseType::enumeration) {
        if (auto m = index_.member(info.type.ref, *s)) slot = Value::make_indexed(Kind::enumeration, *m);
      } else {
        c_.strings.push_back(*s);
        auto index = static_cast<std::uint32_t>(c_.strings.size() - 1);
        slot = Value::make_indexed(info.type.is_code() ? Kind::code : Kind::string, index);
      }
    }
  }
}

std::uint32_t CaseBuilder::open_list(std::uint32_t r, std::uint32_t f) {
  auto l = static_cast<std::uint32_t>(c_.lists.size());
  c_.lists.push_back(CaseList{static_cast<std::uint32_t>(c_.items.size()), 0, r, f});
  return l;
}

void CaseBuilder::set_list_items(std::uint32_t l, const Value* values, const SourceSpan* spans, std::uint32_t count) {
  auto first = static_cast<std::uint32_t>(c_.items.size());
  c_.items.insert(c_.items.end(), values, values + count);
  c_.item_spans.insert(c_.item_spans.end(), spans, spans + count);
  c_.lists[l].first = first;
  c_.lists[l].count = count;
}

Value CaseBuilder::empty_element(const Where& w, SourceSpan span, std::uint32_t record_type) {
  warning("case.empty_element", span, fmt::format("`{}` is empty", path(w))).field = path(w);
  std::uint32_t r = open_record(record_type, placement(w));
  close_record(r);
  return Value::make_indexed(Kind::record, r);
}

void CaseBuilder::check_exclusive(std::uint32_t l, std::uint32_t type) {
  const dsl::RecordType& rec = schema_.records[type];
  const CaseList list = c_.lists[l];
  for (std::uint32_t f = 0; f < rec.fields.size(); ++f) {
    if (!rec.fields[f].exclusive) continue;
    std::uint32_t first = yaml_none;
    for (std::uint32_t i = 0; i < list.count; ++i) {
      const Value& item = c_.items[list.first + i];
      if (item.kind != Kind::record) continue;
      const Value& v = c_.field(item.index, f);
      if (v.kind != Kind::boolean || !v.boolean) continue;
      if (first == yaml_none) {
        first = item.index;
        continue;
      }
      std::string a = c_.field_path(schema_, first, f), b = c_.field_path(schema_, item.index, f);
      dsl::Diagnostic& d = error("case.exclusive", c_.slot_spans[c_.records[item.index].first_slot + f],
                                 fmt::format("at most one element of `{}` may set `{}`: `{}` and `{}` are both true",
                                             c_.list_path(schema_, l), rec.fields[f].name, a, b));
      d.notes.push_back({c_.slot_spans[c_.records[first].first_slot + f], "the first is here"});
      d.field = std::move(b);
      break;
    }
  }
}

std::optional<Value> CaseBuilder::convert_scalar(const dsl::Type& type, const NodeView& n, const Where& w) {
  Value v;
  if (convert_scalar(type, n, w, v)) return v;
  return std::nullopt;
}

bool CaseBuilder::convert_scalar(const dsl::Type& type, const NodeView& n, const Where& w, Value& out) {
  std::string_view s = n.text;
  switch (type.base) {
    case BaseType::boolean:
      if (!n.quoted && (s == "true" || s == "false")) return out = Value::make_bool(s == "true"), true;
      break;
    case BaseType::integer:
    case BaseType::duration: {
      std::int64_t i = 0;
      IntParse p = n.quoted ? IntParse::malformed : parse_int(s, i);
      if (p == IntParse::ok)
        return out = type.base == BaseType::integer ? Value::make_int(i) : Value::make_duration(i), true;
      if (p == IntParse::overflow) return range_error(n, w), false;
      break;
    }
    case BaseType::decimal: {
      double d = 0;
      IntParse p = n.quoted ? IntParse::malformed : parse_decimal(s, d);
      if (p == IntParse::ok) return out = Value::make_decimal(d), true;
      if (p == IntParse::overflow) return range_error(n, w), false;
      break;
    }
    case BaseType::string: return out = Value::make_indexed(Kind::string, intern(s)), true;
    case BaseType::date: {
      if (auto d = dsl::parse_iso_date(s)) return out = Value::make_date(*d), true;
      if (none_value(n, w, out)) return true;
      bool shaped = s.size() == 10 && s[4] == '-' && s[7] == '-';
      dsl::Diagnostic& d = error("case.date", n.span, fmt::format("invalid date `{}` in `{}`", shown(s), path(w)));
      d.help = shaped        ? fmt::format("`{}` is not a day of the calendar", shown(s))
               : s == "none" ? none_help
                             : "write dates as YYYY-MM-DD";
      d.field = path(w);
      return false;
    }
    case BaseType::icd10:
    case BaseType::cpt:
    case BaseType::hcpcs:
      if (dsl::is_valid_code(type.base, s)) return out = Value::make_indexed(Kind::code, intern(s)), true;
      if (none_value(n, w, out)) return true;
      if (auto v = convert_code(type.base, n, w)) return out = *v, true;
      return false;
    case BaseType::enumeration: {
      if (auto m = index_.member(type.ref, s)) return out = Value::make_indexed(Kind::enumeration, *m), true;
      if (auto m = index_.synonym(type.ref, s)) return out = Value::make_indexed(Kind::enumeration, *m), true;
      if (none_value(n, w, out)) return true;
      const dsl::EnumType& e = schema_.enums[type.ref];
      std::string members;
      for (std::size_t i = 0; i < e.members.size() && i < 12; ++i) members += (i ? ", " : "") + e.members[i];
      if (e.members.size() > 12) members += ", ...";
      dsl::Diagnostic& d = error(
          "case.enum", n.span,
          fmt::format("`{}` is not a valid `{}` in `{}`; expected one of {}", shown(s), e.name, path(w), members));
      if (s == "none") d.help = none_help;
      else if (auto m = dsl::closest_match(s, e.members)) d.help = fmt::format("did you mean `{}`?", *m);
      d.field = path(w);
      return false;
    }
    default: break;
  }
  if (none_value(n, w, out)) return true;
  std::optional<std::string> help;
  if (type.base == BaseType::boolean && !n.quoted) help = "write `true` or `false`";
  type_error(w, type, n, std::move(help));
  return false;
}

std::optional<Value> CaseBuilder::convert_code(BaseType system, const NodeView& n, const Where& w) {
  std::string_view s = n.text;
  if (dsl::is_valid_code(system, s)) return Value::make_indexed(Kind::code, intern(s));
  // Suggest the likely intended spelling: uppercase, or an ICD-10-CM code missing its dot.
  std::string fixed(s);
  std::transform(fixed.begin(), fixed.end(), fixed.begin(), [](unsigned char c) { return std::toupper(c); });
  if (system == BaseType::icd10 && fixed.size() >= 4 && fixed.size() <= 7 && fixed.find('.') == std::string::npos) {
    fixed.insert(3, ".");
  }
  if (!dsl::is_valid_code(system, fixed)) {
    // A code of another system in the wrong field (`G2082` under `cpt`): name the field it belongs in.
    for (BaseType other : {BaseType::hcpcs, BaseType::cpt, BaseType::icd10}) {
      std::string upper(s);
      std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
      if (other == system || !dsl::is_valid_code(other, upper)) continue;
      // A three-character ICD-10-CM category (`J13`) is as likely a shortened code of the
      // field's own system: only a code with its dot is surely ICD-10-CM.
      if (other == BaseType::icd10 && upper.find('.') == std::string::npos) continue;
      dsl::Diagnostic& d = error("case.code", n.span,
                                 fmt::format("`{}` in `{}` is {} {} code, not {} {} code", shown(s), path(w),
                                             article(other), system_name(other), article(system), system_name(system)));
      std::string home = field_of_system(w, other);
      d.help = home.empty()
                   ? fmt::format("this is {} {} code", article(other), system_name(other))
                   : fmt::format("this is {} {} code: move it to `{}`", article(other), system_name(other), home);
      d.field = path(w);
      return std::nullopt;
    }
  }
  dsl::Diagnostic& d =
      error("case.code", n.span, fmt::format("malformed {} code `{}` in `{}`", system_name(system), shown(s), path(w)));
  d.help = dsl::is_valid_code(system, fixed) ? fmt::format("did you mean `{}`?", fixed) : code_format(system);
  d.field = path(w);
  return std::nullopt;
}

// The path of a field beside `w` (in the same record) that holds codes of `system`, or "".
std::string CaseBuilder::field_of_system(const Where& w, BaseType system) const {
  std::uint32_t r = w.list != no_parent ? c_.lists[w.list].parent_record : w.record;
  if (r == no_parent || r >= c_.records.size()) return {};
  const dsl::RecordType& type = schema_.records[c_.records[r].type];
  for (std::uint32_t f = 0; f < type.fields.size(); ++f)
    if (type.fields[f].type.base == system && !type.fields[f].derived) return c_.field_path(schema_, r, f);
  return {};
}

bool CaseBuilder::none_value(const NodeView& n, const Where& w, Value& out) const {
  if (n.kind != YamlNode::Kind::scalar || n.text != "none" || w.list != no_parent) return false;
  if (!schema_.records[c_.records[w.record].type].fields[w.field].or_none) return false;
  out = Value::make_none();
  return true;
}

std::optional<Value> CaseBuilder::range_error(const NodeView& n, const Where& w) {
  error("case.range", n.span, fmt::format("`{}` is out of range: `{}`", path(w), shown(n.text))).field = path(w);
  return std::nullopt;
}

}  // namespace covcheck::engine

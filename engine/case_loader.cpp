// Case loading: yaml-cpp parse events -> a compact, immutable YAML tree -> a typed Case laid
// out by the schema. Every bad value is reported (not just the first) with its field path.
#include "engine/case_loader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

#include "dsl/dates.hpp"
#include "engine/yaml_tree.hpp"

namespace covcheck::engine {

namespace {

using dsl::BaseType;
using dsl::SourceSpan;

constexpr std::size_t max_depth = 64;
// Room for a million-element list of records; a bigger file is an export gone wrong.
constexpr std::size_t max_case_bytes = std::size_t{64} << 20;
// Aliases share nodes, so a small file can name billions of values ("billion laughs"). We
// allow this many visits beyond the tree's own size before giving up.
constexpr std::uint64_t alias_budget = 1'000'000;
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
  bool letters = std::any_of(s.begin(), s.end(), [](char c) {
    return c != 'e' && c != 'E' && std::isalpha(static_cast<unsigned char>(c));
  });
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

const char* system_name(BaseType b) {
  return b == BaseType::icd10 ? "ICD-10-CM" : b == BaseType::cpt ? "CPT" : "HCPCS";
}

const char* code_format(BaseType b) {
  switch (b) {
    case BaseType::icd10:
      return "an ICD-10-CM code is a letter, a digit, a digit or letter, then optionally `.` and 1 to 4 more "
             "(`F33.2`)";
    case BaseType::cpt: return "a CPT code is five digits, or four digits and `F` or `T` (`96365`, `0001F`)";
    default: return "an HCPCS code is a letter from A to V and four digits (`J0013`)";
  }
}

// One place a value is written: a record's field, or a list's element.
struct Where {
  std::uint32_t record = no_parent;
  std::uint32_t field = 0;
  std::uint32_t list = no_parent;
  std::uint32_t index = 0;
};

class Loader {
 public:
  Loader(const dsl::Schema& schema, const YamlTree& tree, dsl::FileId file, dsl::Diagnostics& diags, Case& c)
      : schema_(schema), tree_(tree), file_(file), diags_(diags), c_(c),
        budget_(tree.nodes.size() + alias_budget) {}

  bool failed() const { return failed_; }

  void load_root(std::uint32_t node) {
    const YamlNode& n = tree_.nodes[node];
    if (n.kind == YamlNode::Kind::null) {
      error("case.empty", span(node), "empty case file");
      return;
    }
    if (n.kind != YamlNode::Kind::mapping) {
      error("case.type", span(node), fmt::format("a case must be a mapping of fields, found {}", found(node)));
      return;
    }
    load_record(node, schema_.root, CaseRecord{});
    const dsl::RecordType& root = schema_.root_record();
    if (auto id = root.find("id"); id && c_.field(0, *id).kind == Kind::string) {
      c_.id = c_.strings[c_.field(0, *id).index];
    }
  }

 private:
  SourceSpan span(std::uint32_t node) const {
    const YamlNode& n = tree_.nodes[node];
    return SourceSpan{file_, n.pos, std::max(n.end, n.pos)};
  }
  dsl::Diagnostic& error(const char* code, SourceSpan where, std::string message) {
    failed_ = true;
    if (++errors_ < max_errors) return diags_.error(code, where, std::move(message));
    if (errors_ == max_errors) {
      aborted_ = true;
      diags_.error("case.too_many_errors", where, fmt::format("stopped after {} errors in this case", max_errors));
    }
    return discarded_;
  }
  dsl::Diagnostic& warning(const char* code, SourceSpan where, std::string message) {
    if (++warnings_ <= max_warnings) return diags_.warning(code, where, std::move(message));
    if (warnings_ == max_warnings + 1) {
      diags_.warning("case.too_many_warnings", where,
                     fmt::format("more than {} warnings in this case; the rest are not shown", max_warnings));
    }
    return discarded_;
  }
  std::string path(const Where& w) const {
    if (w.list != no_parent) return fmt::format("{}[{}]", c_.list_path(schema_, w.list), w.index);
    return c_.field_path(schema_, w.record, w.field);
  }
  // Counts work per node, so that aliased subtrees cannot multiply it without bound.
  bool visit(std::uint32_t node) {
    if (aborted_) return false;
    if (++visits_ <= budget_) return true;
    aborted_ = true;
    error("case.too_large", span(node),
          fmt::format("the case expands to more than {} values through YAML aliases", budget_));
    return false;
  }

  std::string found(std::uint32_t node) const {
    const YamlNode& n = tree_.nodes[node];
    switch (n.kind) {
      case YamlNode::Kind::null: return "nothing";
      case YamlNode::Kind::sequence: return "a list";
      case YamlNode::Kind::mapping: return "a mapping";
      case YamlNode::Kind::scalar: break;
    }
    std::string_view s = tree_.scalar(n);
    if (n.quoted) return fmt::format("string `\"{}\"`", shown(s));
    std::int64_t i;
    double d;
    if (s == "true" || s == "false") return fmt::format("boolean `{}`", s);
    if (parse_int(s, i) != IntParse::malformed) return fmt::format("integer `{}`", shown(s));
    if (parse_decimal(s, d) != IntParse::malformed) return fmt::format("number `{}`", shown(s));
    return fmt::format("string `{}`", shown(s));
  }
  std::string expected(const dsl::Type& t) const {
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
  void type_error(const Where& w, const dsl::Type& t, std::uint32_t node, std::optional<std::string> help = {}) {
    const YamlNode& n = tree_.nodes[node];
    if (!help && n.kind == YamlNode::Kind::scalar && n.quoted) {
      std::string_view s = tree_.scalar(n);
      std::int64_t i;
      double d;
      bool fits = t.base == BaseType::boolean ? (s == "true" || s == "false")
                : t.base == BaseType::decimal ? parse_decimal(s, d) == IntParse::ok
                                              : parse_int(s, i) == IntParse::ok;
      if (fits && !t.list) help = "remove the quotes";
    }
    if (!help && t.list && n.kind == YamlNode::Kind::scalar) {
      help = fmt::format("write a one-element list: `[{}]`", shown(tree_.scalar(n)));
    }
    error("case.type", span(node), fmt::format("`{}` must be {}, found {}", path(w), expected(t), found(node))).help =
        std::move(help);
  }

  std::uint32_t load_record(std::uint32_t node, std::uint32_t type, CaseRecord placement) {
    auto r = static_cast<std::uint32_t>(c_.records.size());
    placement.type = type;
    placement.first_slot = static_cast<std::uint32_t>(c_.slots.size());
    c_.records.push_back(placement);
    std::size_t fields = schema_.records[type].fields.size();
    c_.slots.resize(c_.slots.size() + fields);
    c_.slot_spans.resize(c_.slot_spans.size() + fields);
    if (node != yaml_none) fill_record(r, node);
    apply_defaults(r);
    return r;
  }

  // For each pair, the index of an earlier pair with the same key, or `yaml_none`.
  // Results go to dup_pool_[base ..), a stack shared by nested records to avoid allocations.
  void find_duplicates(const YamlNode& map, std::size_t base) {
    std::uint32_t pairs = map.count / 2;
    dup_pool_.resize(base + pairs, yaml_none);
    std::uint32_t* first_of = dup_pool_.data() + base;
    auto key = [&](std::uint32_t i) -> std::optional<std::string_view> {
      const YamlNode& k = tree_.nodes[tree_.children[map.first + 2 * i]];
      if (k.kind != YamlNode::Kind::scalar) return std::nullopt;
      return tree_.scalar(k);
    };
    if (pairs <= 32) {
      for (std::uint32_t i = 1; i < pairs; ++i) {
        for (std::uint32_t j = 0; j < i && key(i); ++j) {
          if (key(j) == key(i)) {
            first_of[i] = j;
            break;
          }
        }
      }
      return;
    }
    std::unordered_map<std::string_view, std::uint32_t> seen;
    for (std::uint32_t i = 0; i < pairs; ++i) {
      if (auto k = key(i)) {
        auto [it, inserted] = seen.emplace(*k, i);
        if (!inserted) first_of[i] = it->second;
      }
    }
  }

  void fill_record(std::uint32_t r, std::uint32_t node) {
    const YamlNode& map = tree_.nodes[node];
    const dsl::RecordType& type = schema_.records[c_.records[r].type];
    const std::size_t base = dup_pool_.size();
    find_duplicates(map, base);
    for (std::uint32_t i = 0; i < map.count / 2 && !aborted_; ++i) {
      const std::uint32_t first_of = dup_pool_[base + i];
      std::uint32_t key = tree_.children[map.first + 2 * i];
      std::uint32_t value = tree_.children[map.first + 2 * i + 1];
      if (!visit(key)) break;
      const YamlNode& k = tree_.nodes[key];
      if (k.kind != YamlNode::Kind::scalar) {
        error("case.type", span(key), fmt::format("a field name must be a plain word, found {}", found(key)));
        continue;
      }
      std::string_view name = tree_.scalar(k);
      if (first_of != yaml_none) {
        error("case.duplicate_key", span(key), fmt::format("duplicate key `{}`", shown(name)))
            .notes.push_back({span(tree_.children[map.first + 2 * first_of]), "first given here"});
        continue;
      }
      auto field = type.find(name);
      if (!field) {
        std::string where = c_.record_path(schema_, r);
        dsl::Diagnostic& d = warning(
            "case.unknown_field", span(key),
            where.empty() ? fmt::format("unknown field `{}`", shown(name))
                          : fmt::format("unknown field `{}` in `{}`", shown(name), where));
        if (auto m = dsl::closest_match(name, type.field_names())) d.help = fmt::format("did you mean `{}`?", *m);
        continue;
      }
      if (type.fields[*field].derived) {
        warning("case.derived_field", span(key),
                       fmt::format("`{}` is derived from other facts; the given value is ignored",
                                   c_.field_path(schema_, r, *field)));
        continue;
      }
      load_field(r, *field, value);
    }
    dup_pool_.resize(base);
  }

  void apply_defaults(std::uint32_t r) {
    const dsl::RecordType& type = schema_.records[c_.records[r].type];
    for (std::uint32_t f = 0; f < type.fields.size(); ++f) {
      const dsl::FieldInfo& info = type.fields[f];
      Value& slot = c_.slots[c_.records[r].first_slot + f];
      if (!info.default_value || slot.known()) continue;
      const dsl::DefaultLiteral& d = *info.default_value;
      if (const bool* b = std::get_if<bool>(&d)) {
        slot = Value::make_bool(*b);
      } else if (const std::int64_t* i = std::get_if<std::int64_t>(&d)) {
        slot = info.type.base == BaseType::decimal ? Value::make_decimal(static_cast<double>(*i)) : Value::make_int(*i);
      } else if (const double* x = std::get_if<double>(&d)) {
        slot = Value::make_decimal(*x);
      } else if (const std::string* s = std::get_if<std::string>(&d)) {
        if (info.type.base == BaseType::enumeration) {
          if (auto m = schema_.enums[info.type.ref].find(*s)) slot = Value::make_indexed(Kind::enumeration, *m);
        } else {
          c_.strings.push_back(*s);
          auto index = static_cast<std::uint32_t>(c_.strings.size() - 1);
          slot = Value::make_indexed(info.type.is_code() ? Kind::code : Kind::string, index);
        }
      }
    }
  }

  void load_field(std::uint32_t r, std::uint32_t f, std::uint32_t node) {
    if (!visit(node)) return;
    if (tree_.nodes[node].kind == YamlNode::Kind::null) return;  // absent: unknown
    const dsl::Type& type = schema_.records[c_.records[r].type].fields[f].type;
    std::optional<Value> value;
    if (type.list) {
      if (tree_.nodes[node].kind != YamlNode::Kind::sequence) {
        type_error(Where{r, f}, type, node);
        return;
      }
      value = load_list(r, f, node, type.element_type());
    } else {
      value = load_value(type, node, Where{r, f});
    }
    if (!value) return;
    // Indexes, not references: loading nested values grows the slot arrays.
    std::uint32_t slot = c_.records[r].first_slot + f;
    c_.slots[slot] = *value;
    c_.slot_spans[slot] = span(node);
  }

  Value load_list(std::uint32_t r, std::uint32_t f, std::uint32_t node, dsl::Type element) {
    const YamlNode& seq = tree_.nodes[node];
    auto l = static_cast<std::uint32_t>(c_.lists.size());
    auto first = static_cast<std::uint32_t>(c_.items.size());
    c_.lists.push_back(CaseList{first, seq.count, r, f});
    // The list's items are contiguous: reserve them before elements add nested lists.
    c_.items.resize(first + seq.count);
    c_.item_spans.resize(first + seq.count);
    for (std::uint32_t i = 0; i < seq.count; ++i) {
      std::uint32_t e = tree_.children[seq.first + i];
      if (!visit(e)) break;
      Where w{no_parent, 0, l, i};
      std::optional<Value> v;
      if (tree_.nodes[e].kind == YamlNode::Kind::null) {
        if (element.base != BaseType::record) continue;  // an unknown element
        warning("case.empty_element", span(e), fmt::format("`{}` is empty", path(w)));
        CaseRecord placement;
        placement.parent_list = l;
        placement.index_in_list = i;
        v = Value::make_indexed(Kind::record, load_record(yaml_none, element.ref, placement));
      } else {
        v = load_value(element, e, w);
      }
      if (v) {
        c_.items[first + i] = *v;
        c_.item_spans[first + i] = span(e);
      }
    }
    if (element.base == BaseType::record) check_exclusive(l, element.ref);
    return Value::make_indexed(Kind::list, l);
  }

  void check_exclusive(std::uint32_t l, std::uint32_t type) {
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
        error("case.exclusive", c_.slot_spans[c_.records[item.index].first_slot + f],
              fmt::format("at most one element of `{}` may set `{}`: `{}` and `{}` are both true",
                          c_.list_path(schema_, l), rec.fields[f].name, a, b))
            .notes.push_back({c_.slot_spans[c_.records[first].first_slot + f], "the first is here"});
        break;
      }
    }
  }

  std::optional<Value> load_value(const dsl::Type& type, std::uint32_t node, const Where& w) {
    const YamlNode& n = tree_.nodes[node];
    if (type.base == BaseType::record) {
      if (n.kind != YamlNode::Kind::mapping) {
        type_error(w, type, node);
        return std::nullopt;
      }
      CaseRecord placement;
      if (w.list != no_parent) {
        placement.parent_list = w.list;
        placement.index_in_list = w.index;
      } else {
        placement.parent_record = w.record;
        placement.parent_field = w.field;
      }
      return Value::make_indexed(Kind::record, load_record(node, type.ref, placement));
    }
    if (n.kind != YamlNode::Kind::scalar) {
      type_error(w, type, node);
      return std::nullopt;
    }
    return convert_scalar(type, node, w);
  }

  std::optional<Value> convert_scalar(const dsl::Type& type, std::uint32_t node, const Where& w) {
    const YamlNode& n = tree_.nodes[node];
    std::string_view s = tree_.scalar(n);
    switch (type.base) {
      case BaseType::boolean:
        if (!n.quoted && (s == "true" || s == "false")) return Value::make_bool(s == "true");
        break;
      case BaseType::integer:
      case BaseType::duration: {
        std::int64_t i = 0;
        IntParse p = n.quoted ? IntParse::malformed : parse_int(s, i);
        if (p == IntParse::ok) return type.base == BaseType::integer ? Value::make_int(i) : Value::make_duration(i);
        if (p == IntParse::overflow) return range_error(node, w);
        break;
      }
      case BaseType::decimal: {
        double d = 0;
        IntParse p = n.quoted ? IntParse::malformed : parse_decimal(s, d);
        if (p == IntParse::ok) return Value::make_decimal(d);
        if (p == IntParse::overflow) return range_error(node, w);
        break;
      }
      case BaseType::string: return Value::make_indexed(Kind::string, intern(s));
      case BaseType::date: {
        if (auto d = dsl::parse_iso_date(s)) return Value::make_date(*d);
        bool shaped = s.size() == 10 && s[4] == '-' && s[7] == '-';
        error("case.date", span(node), fmt::format("invalid date `{}` in `{}`", shown(s), path(w))).help =
            shaped ? fmt::format("`{}` is not a day of the calendar", shown(s)) : "write dates as YYYY-MM-DD";
        return std::nullopt;
      }
      case BaseType::icd10:
      case BaseType::cpt:
      case BaseType::hcpcs: return convert_code(type.base, node, w);
      case BaseType::enumeration: {
        const dsl::EnumType& e = schema_.enums[type.ref];
        if (auto m = e.find(s)) return Value::make_indexed(Kind::enumeration, *m);
        std::string members;
        for (std::size_t i = 0; i < e.members.size() && i < 12; ++i) members += (i ? ", " : "") + e.members[i];
        if (e.members.size() > 12) members += ", ...";
        dsl::Diagnostic& d = error("case.enum", span(node),
                                   fmt::format("`{}` is not a valid `{}` in `{}`; expected one of {}", shown(s),
                                               e.name, path(w), members));
        if (auto m = dsl::closest_match(s, e.members)) d.help = fmt::format("did you mean `{}`?", *m);
        return std::nullopt;
      }
      default: break;
    }
    std::optional<std::string> help;
    if (type.base == BaseType::boolean && !n.quoted) help = "write `true` or `false`";
    type_error(w, type, node, std::move(help));
    return std::nullopt;
  }

  std::optional<Value> convert_code(BaseType system, std::uint32_t node, const Where& w) {
    std::string_view s = tree_.scalar(tree_.nodes[node]);
    if (dsl::is_valid_code(system, s)) return Value::make_indexed(Kind::code, intern(s));
    // Suggest the likely intended spelling: uppercase, or an ICD-10-CM code missing its dot.
    std::string fixed(s);
    std::transform(fixed.begin(), fixed.end(), fixed.begin(), [](unsigned char c) { return std::toupper(c); });
    if (system == BaseType::icd10 && fixed.size() >= 4 && fixed.size() <= 7 && fixed.find('.') == std::string::npos) {
      fixed.insert(3, ".");
    }
    dsl::Diagnostic& d = error("case.code", span(node),
                               fmt::format("malformed {} code `{}` in `{}`", system_name(system), shown(s), path(w)));
    d.help = dsl::is_valid_code(system, fixed) ? fmt::format("did you mean `{}`?", fixed) : code_format(system);
    return std::nullopt;
  }

  std::optional<Value> range_error(std::uint32_t node, const Where& w) {
    error("case.range", span(node),
          fmt::format("`{}` is out of range: `{}`", path(w), shown(tree_.scalar(tree_.nodes[node]))));
    return std::nullopt;
  }

  std::uint32_t intern(std::string_view s) {
    c_.strings.emplace_back(s);
    return static_cast<std::uint32_t>(c_.strings.size() - 1);
  }

  const dsl::Schema& schema_;
  const YamlTree& tree_;
  dsl::FileId file_;
  dsl::Diagnostics& diags_;
  Case& c_;
  std::uint64_t visits_ = 0;
  std::uint64_t budget_;
  bool aborted_ = false;  // stop walking: the alias budget or the error limit was reached
  bool failed_ = false;
  std::size_t errors_ = 0;
  std::size_t warnings_ = 0;
  dsl::Diagnostic discarded_;  // what a diagnostic past the limits is written to
  std::vector<std::uint32_t> dup_pool_;
};

}  // namespace

std::optional<Case> load_case(const dsl::Schema& schema, const dsl::SourceRegistry& sources, dsl::FileId file,
                              dsl::Diagnostics& diagnostics) {
  std::string_view text = sources.file(file).text();
  if (text.size() > max_case_bytes) {
    diagnostics.error("case.too_large", SourceSpan{file, 0, 0},
                      fmt::format("the case file is {} bytes; case files are limited to 64 MiB", text.size()));
    return std::nullopt;
  }
  YamlTree tree;
  YamlParse parsed = parse_first_yaml_document(text, tree, max_depth);
  for (const YamlProblem& p : parsed.problems) diagnostics.error(p.code, SourceSpan{file, p.begin, p.end}, p.message);
  if (parsed.documents == 0 && parsed.problems.empty()) {
    diagnostics.error("case.empty", SourceSpan{file, 0, 0}, "empty case file");
    return std::nullopt;
  }
  if (parsed.documents > 1) {
    diagnostics.error("case.multiple_documents", SourceSpan{file, parsed.second_document, parsed.second_document + 3},
                      fmt::format("{} documents in one case file; `check` takes one case (use `batch` for streams)",
                                  parsed.documents));
    return std::nullopt;
  }
  if (!parsed.problems.empty() || tree.root == yaml_none) return std::nullopt;

  Case c;
  if (!load_case_tree(schema, tree, file, diagnostics, c)) return std::nullopt;
  return c;
}

bool load_case_tree(const dsl::Schema& schema, const YamlTree& tree, dsl::FileId file, dsl::Diagnostics& diagnostics,
                    Case& out) {
  // clear() keeps the capacity, so a reused Case loads without allocating.
  out.slots.clear();
  out.slot_spans.clear();
  out.records.clear();
  out.items.clear();
  out.item_spans.clear();
  out.lists.clear();
  out.strings.clear();
  out.id.reset();
  out.source = file;
  if (tree.root == yaml_none) {
    diagnostics.error("case.empty", SourceSpan{file, 0, 0}, "empty case file");
    return false;
  }
  Loader loader(schema, tree, file, diagnostics, out);
  loader.load_root(tree.root);
  return !loader.failed();
}

}  // namespace covcheck::engine

// Builds the case schema from the `enum`/`record` items of the one `schema` file, and
// validates code formats per coding system (ICD-10-CM, CPT, HCPCS).
#include "dsl/check/schema.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "dsl/syntax/ast_equal.hpp"

namespace covcheck::dsl {

std::optional<std::uint32_t> EnumType::find(std::string_view member) const {
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (members[i] == member) return static_cast<std::uint32_t>(i);
  }
  return std::nullopt;
}

std::string fold_case(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::optional<std::uint32_t> EnumType::match(std::string_view text) const {
  if (auto m = find(text)) return m;
  std::string folded = fold_case(text);
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (fold_case(members[i]) == folded) return static_cast<std::uint32_t>(i);
  }
  for (const Synonym& s : synonyms) {
    if (s.folded == folded) return s.member;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> RecordType::find(std::string_view field) const {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field) return static_cast<std::uint32_t>(i);
  }
  return std::nullopt;
}

std::vector<std::string> RecordType::field_names() const {
  std::vector<std::string> names;
  names.reserve(fields.size());
  for (const FieldInfo& f : fields) names.push_back(f.name);
  return names;
}

std::optional<std::uint32_t> Schema::find_enum(std::string_view n) const {
  for (std::size_t i = 0; i < enums.size(); ++i) {
    if (enums[i].name == n) return static_cast<std::uint32_t>(i);
  }
  return std::nullopt;
}

std::optional<std::uint32_t> Schema::find_record(std::string_view n) const {
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i].name == n) return static_cast<std::uint32_t>(i);
  }
  return std::nullopt;
}

namespace {

struct Builtin {
  std::string_view name;
  BaseType base;
};
constexpr std::array<Builtin, 9> builtins{{{"bool", BaseType::boolean},
                                           {"int", BaseType::integer},
                                           {"decimal", BaseType::decimal},
                                           {"string", BaseType::string},
                                           {"date", BaseType::date},
                                           {"duration", BaseType::duration},
                                           {"icd10", BaseType::icd10},
                                           {"cpt", BaseType::cpt},
                                           {"hcpcs", BaseType::hcpcs}}};

std::optional<BaseType> builtin_type(std::string_view name) {
  for (const Builtin& b : builtins) {
    if (b.name == name) return b.base;
  }
  return std::nullopt;
}

std::string base_name(const Schema& s, BaseType base, std::uint32_t ref) {
  switch (base) {
    case BaseType::error: return "<error>";
    case BaseType::period: return "months";
    case BaseType::enumeration: return ref < s.enums.size() ? "enum " + s.enums[ref].name : "enum";
    case BaseType::record: return ref < s.records.size() ? s.records[ref].name : "record";
    case BaseType::set: return "set";
    case BaseType::empty_set: return "empty set";
    default: break;
  }
  for (const Builtin& b : builtins) {
    if (b.base == base) return std::string(b.name);
  }
  return "<error>";
}

}  // namespace

std::string Schema::type_name(const Type& t) const {
  if (t.list) return "list of " + base_name(*this, t.base, t.ref);
  if (t.base == BaseType::set) return "set of " + base_name(*this, t.element, t.ref);
  return base_name(*this, t.base, t.ref);
}

// ---- Code formats ------------------------------------------------------------------------

namespace {

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_upper(c) || is_digit(c); }

// Each system is a fixed sequence of character classes; a prefix is valid when every
// character it has fits its position, so one walker serves both full codes and prefixes.
bool icd10_char_ok(std::size_t i, char c) {
  if (i == 0) return is_upper(c);
  if (i == 1) return is_digit(c);
  if (i == 2) return is_alnum(c);
  if (i == 3) return c == '.';
  return i <= 7 && is_alnum(c);
}
bool cpt_char_ok(std::size_t i, char c) {
  if (i < 4) return is_digit(c);
  return i == 4 && (is_digit(c) || c == 'F' || c == 'T');
}
bool hcpcs_char_ok(std::size_t i, char c) {
  if (i == 0) return c >= 'A' && c <= 'V';
  return i <= 4 && is_digit(c);
}

bool chars_ok(BaseType system, std::string_view code) {
  for (std::size_t i = 0; i < code.size(); ++i) {
    char c = code[i];
    bool ok = false;
    switch (system) {
      case BaseType::icd10: ok = icd10_char_ok(i, c); break;
      case BaseType::cpt: ok = cpt_char_ok(i, c); break;
      case BaseType::hcpcs: ok = hcpcs_char_ok(i, c); break;
      default: return false;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool is_valid_code(BaseType system, std::string_view code) {
  if (!chars_ok(system, code)) return false;
  switch (system) {
    case BaseType::icd10: return code.size() == 3 || (code.size() >= 5 && code.size() <= 8);
    case BaseType::cpt: return code.size() == 5;
    case BaseType::hcpcs: return code.size() == 5;
    default: return false;
  }
}

bool is_valid_code_prefix(BaseType system, std::string_view prefix) {
  // An empty prefix would match every code of the system: almost surely a mistake.
  return !prefix.empty() && chars_ok(system, prefix);
}

// ---- Building ----------------------------------------------------------------------------

namespace {

struct Builder {
  Diagnostics& diags;
  Schema schema;
  // Parallel to schema.records: the record's declaration, then the `extend record`s of it in
  // merge order (fields take slots in that order).
  std::vector<std::vector<const ast::RecordDecl*>> record_decls;
  // Parallel to schema.enums and their members / synonyms: where each was declared, for the
  // notes of conflicts between a schema file and its extensions.
  std::vector<std::vector<SourceSpan>> member_spans;
  std::vector<std::vector<SourceSpan>> synonym_spans;
  FileId schema_file = no_file;  // declarations there are the schema's own; others extend it
  bool failed = false;

  void error(std::string code, SourceSpan span, std::string message, std::optional<std::string> help = {}) {
    Diagnostic& d = diags.error(std::move(code), span, std::move(message));
    d.help = std::move(help);
    failed = true;
  }

  std::vector<std::string> type_candidates() const {
    std::vector<std::string> out;
    for (const Builtin& b : builtins) out.emplace_back(b.name);
    for (const EnumType& e : schema.enums) out.push_back(e.name);
    for (const RecordType& r : schema.records) out.push_back(r.name);
    return out;
  }

  // Enum and record names share one namespace with the built-in types.
  void declare_names(const ast::File& file) {
    std::map<std::string, SourceSpan, std::less<>> seen;
    auto claim = [&](const ast::Ident& name, const char* what) {
      if (builtin_type(name.text)) {
        error("schema.reserved_type", name.span,
              fmt::format("`{}` is a built-in type; a {} cannot take its name", name.text, what));
        return false;
      }
      auto [it, inserted] = seen.emplace(name.text, name.span);
      if (!inserted) {
        Diagnostic& d =
            diags.error("schema.duplicate_type", name.span, fmt::format("type `{}` is declared twice", name.text));
        d.notes.push_back({it->second, "first declared here"});
        failed = true;
        return false;
      }
      return true;
    };
    for (const ast::Item& item : file.items) {
      if (const auto* e = std::get_if<ast::EnumDecl>(&item); e && !e->extended) {
        if (!claim(e->name, "enum")) continue;
        schema.enums.push_back(EnumType{e->name.text, {}, e->span, {}, {}});
        member_spans.emplace_back();
        synonym_spans.emplace_back();
        add_members(static_cast<std::uint32_t>(schema.enums.size() - 1), *e);
      } else if (const auto* r = std::get_if<ast::RecordDecl>(&item); r && !r->extended) {
        if (!claim(r->name, "record")) continue;
        schema.records.push_back(RecordType{r->name.text, {}, {}, r->span});
        record_decls.push_back({r});
      }
    }
  }

  // A member the schema already has is harmless in an extension (two modules may each need
  // it); it is worth a warning only when the schema itself declares it: the extension is then
  // left over and can go.
  void add_members(std::uint32_t index, const ast::EnumDecl& decl) {
    EnumType& type = schema.enums[index];
    const std::size_t before = type.members.size();
    for (const ast::Ident& m : decl.members) {
      auto prev = type.find(m.text);
      if (prev && *prev >= before) {
        error("schema.duplicate_member", m.span, fmt::format("`{}` is listed twice in enum `{}`", m.text, type.name));
      } else if (prev) {
        const SourceSpan at = member_spans[index][*prev];
        if (at.file == schema_file) {
          Diagnostic& d = diags.warning(
              "schema.extend_redundant", m.span,
              fmt::format("`{}` is already a member of enum `{}`: this extension adds nothing", m.text, type.name));
          d.notes.push_back({at, "declared here by the schema"});
          d.help = "remove it from the `extend enum`";
        }
      } else {
        type.members.push_back(m.text);
        member_spans[index].push_back(m.span);
      }
    }
  }

  // A policy's or module's own enums and records (new types), and its `extend`s of existing
  // ones, in merge order.
  void declare_extensions(const ast::File& file) {
    auto clash = [&](const ast::Ident& name, const char* what) {
      std::optional<SourceSpan> at;
      if (auto e = schema.find_enum(name.text)) at = schema.enums[*e].span;
      if (auto r = schema.find_record(name.text)) at = schema.records[*r].span;
      if (builtin_type(name.text)) {
        error("schema.reserved_type", name.span,
              fmt::format("`{}` is a built-in type; a {} cannot take its name", name.text, what));
        return true;
      }
      if (!at) return false;
      Diagnostic& d =
          diags.error("schema.extend_conflict", name.span,
                      fmt::format("type `{}` is already declared; a {} cannot declare it again", name.text, what));
      d.notes.push_back({*at, "declared here"});
      d.help = fmt::format("to add to it, write `extend {} {} {{ … }}`",
                           schema.find_enum(name.text) ? "enum" : "record", name.text);
      failed = true;
      return true;
    };
    for (const ast::Item& item : file.items) {
      if (const auto* e = std::get_if<ast::EnumDecl>(&item)) {
        if (!e->extended) {
          if (clash(e->name, "policy or module")) continue;
          schema.enums.push_back(EnumType{e->name.text, {}, e->span, {}, {}});
          member_spans.emplace_back();
          synonym_spans.emplace_back();
          add_members(static_cast<std::uint32_t>(schema.enums.size() - 1), *e);
        } else if (auto index = extended_type(e->name, true)) {
          add_members(*index, *e);
        }
      } else if (const auto* r = std::get_if<ast::RecordDecl>(&item)) {
        if (!r->extended) {
          if (clash(r->name, "policy or module")) continue;
          schema.records.push_back(RecordType{r->name.text, {}, {}, r->span});
          record_decls.push_back({r});
        } else if (auto index = extended_type(r->name, false)) {
          record_decls[*index].push_back(r);
        }
      }
    }
  }

  // The enum (or record) an `extend` names; `schema.extend_unknown` when there is none.
  std::optional<std::uint32_t> extended_type(const ast::Ident& name, bool enumeration) {
    auto found = enumeration ? schema.find_enum(name.text) : schema.find_record(name.text);
    if (found) return found;
    const char* kind = enumeration ? "enum" : "record";
    std::vector<std::string> names;
    if (enumeration)
      for (const EnumType& e : schema.enums) names.push_back(e.name);
    else
      for (const RecordType& r : schema.records) names.push_back(r.name);
    std::optional<std::string> help;
    if (enumeration ? schema.find_record(name.text) : schema.find_enum(name.text))
      help = fmt::format("`{}` is {}: write `extend {} {}`", name.text, enumeration ? "a record" : "an enumeration",
                         enumeration ? "record" : "enum", name.text);
    else if (auto m = closest_match(name.text, names)) help = fmt::format("did you mean `{}`?", *m);
    else help = fmt::format("to declare a new {0}, write `{0} {1} {{ … }}` without `extend`", kind, name.text);
    error("schema.extend_unknown", name.span, fmt::format("the schema has no {} `{}` to extend", kind, name.text),
          std::move(help));
    return std::nullopt;
  }

  std::optional<Type> resolve(const ast::TypeRef& ref) {
    Type t;
    if (auto b = builtin_type(ref.name)) {
      t = Type::of(*b);
    } else if (auto e = schema.find_enum(ref.name)) {
      t = Type::of(BaseType::enumeration, *e);
    } else if (auto r = schema.find_record(ref.name)) {
      t = Type::of(BaseType::record, *r);
    } else {
      std::optional<std::string> help;
      if (auto m = closest_match(ref.name, type_candidates())) help = fmt::format("did you mean `{}`?", *m);
      error("schema.unknown_type", ref.span, fmt::format("unknown type `{}`", ref.name), std::move(help));
      return std::nullopt;
    }
    t.list = ref.list;
    return t;
  }

  // The default is a literal of the field's type; enum members are kept by name.
  std::optional<DefaultLiteral> default_literal(const FieldInfo& f, const ast::Expr& e) {
    const std::string expected = schema.type_name(f.type);
    auto mismatch = [&](std::string_view found) {
      error("schema.default_type", e.span,
            fmt::format("the default of `{}` must be of type `{}`, found {}", f.name, expected, found));
      return std::nullopt;
    };
    if (f.type.list || f.type.base == BaseType::record || f.type.base == BaseType::date ||
        f.type.base == BaseType::duration) {
      error("schema.default_type", e.span, fmt::format("a `{}` field cannot have a default", expected));
      return std::nullopt;
    }
    const ast::Expr* lit = &e;
    bool negate = false;
    if (const auto* u = std::get_if<ast::Unary>(&e.kind); u && u->op == ast::UnaryOp::negate && u->operand) {
      lit = u->operand.get();
      negate = true;
    }
    const BaseType base = f.type.base;
    if (const auto* b = std::get_if<ast::BoolLiteral>(&lit->kind); b && !negate) {
      if (base == BaseType::boolean) return DefaultLiteral{b->value};
      return mismatch("a bool");
    }
    if (const auto* i = std::get_if<ast::IntLiteral>(&lit->kind)) {
      std::int64_t v = negate ? -i->value : i->value;
      if (base == BaseType::integer) return DefaultLiteral{v};
      if (base == BaseType::decimal) return DefaultLiteral{static_cast<double>(v)};
      return mismatch("an int");
    }
    if (const auto* d = std::get_if<ast::DecimalLiteral>(&lit->kind)) {
      if (base == BaseType::decimal) return DefaultLiteral{negate ? -d->value : d->value};
      return mismatch("a decimal");
    }
    if (const auto* s = std::get_if<ast::StringLiteral>(&lit->kind); s && !negate) {
      if (base == BaseType::string) return DefaultLiteral{s->value};
      if (f.type.is_code()) {
        if (is_valid_code(base, s->value)) return DefaultLiteral{s->value};
        error("schema.default_type", e.span, fmt::format("`{}` is not a valid `{}` code", s->value, expected));
        return std::nullopt;
      }
      return mismatch("a string");
    }
    if (const auto* n = std::get_if<ast::NameRef>(&lit->kind); n && !negate) {
      if (base != BaseType::enumeration) return mismatch(fmt::format("`{}`", n->name));
      const EnumType& en = schema.enums[f.type.ref];
      if (en.find(n->name)) return DefaultLiteral{n->name};
      std::optional<std::string> help;
      if (auto m = closest_match(n->name, en.members)) help = fmt::format("did you mean `{}`?", *m);
      error("schema.default_type", e.span, fmt::format("`{}` is not a member of enum `{}`", n->name, en.name),
            std::move(help));
      return std::nullopt;
    }
    return mismatch("an expression");
  }

  void build_fields(std::uint32_t index) {
    for (const ast::RecordDecl* decl : record_decls[index]) build_fields(index, *decl);
  }

  void build_fields(std::uint32_t index, const ast::RecordDecl& decl) {
    RecordType& rec = schema.records[index];
    const std::size_t before = rec.fields.size();
    for (const ast::FieldDecl& fd : decl.fields) {
      auto prev = rec.find(fd.name.text);
      if (prev && *prev >= before) {
        Diagnostic& d = diags.error("schema.duplicate_field", fd.name.span,
                                    fmt::format("field `{}` is declared twice in record `{}`", fd.name.text, rec.name));
        d.notes.push_back({rec.fields[*prev].span, "first declared here"});
        failed = true;
        continue;
      }
      FieldInfo info = field(fd);
      if (prev) {
        if (info.type.base != BaseType::error) compare_extension(rec, rec.fields[*prev], info);
        continue;
      }
      rec.fields.push_back(std::move(info));
    }
    add_checks(rec, decl);
  }

  // An extension may repeat a field exactly (two modules may each need it); any other
  // difference would give one fact two meanings.
  void compare_extension(const RecordType& rec, const FieldInfo& prev, const FieldInfo& ext) {
    auto same_expr = [](const ast::Expr* a, const ast::Expr* b) { return a == b || (a && b && ast_equal(*a, *b)); };
    const bool same = prev.type == ext.type && prev.or_none == ext.or_none && prev.exclusive == ext.exclusive &&
                      prev.default_value == ext.default_value && same_expr(prev.derived, ext.derived);
    if (!same) {
      Diagnostic& d =
          diags.error("schema.extend_conflict", ext.span,
                      fmt::format("field `{}.{}` is already declared as `{}`; this extension declares it as `{}`",
                                  rec.name, ext.name, describe(prev), describe(ext)));
      d.notes.push_back({prev.span, "declared here"});
      d.help = "give the new field another name, or declare it exactly as it is";
      failed = true;
    } else if (prev.span.file == schema_file) {
      Diagnostic& d =
          diags.warning("schema.extend_redundant", ext.span,
                        fmt::format("field `{}.{}` is already declared by the schema: this extension adds nothing",
                                    rec.name, ext.name));
      d.notes.push_back({prev.span, "declared here by the schema"});
      d.help = "remove it from the `extend record`";
    }
  }

  // How a field reads in its declaration, for conflict messages: `date`, `int or none`, `bool default false`.
  std::string describe(const FieldInfo& f) const {
    std::string out = schema.type_name(f.type);
    if (f.or_none) out += " or none";
    if (f.default_value) out += " with a default";
    if (f.exclusive) out += " exclusive";
    if (f.derived) out += " = …";
    return out;
  }

  FieldInfo field(const ast::FieldDecl& fd) {
    FieldInfo info;
    info.name = fd.name.text;
    info.span = fd.span;
    info.derived = fd.derived.get();
    info.exclusive = fd.exclusive;
    info.or_none = fd.or_none;
    auto type = resolve(fd.type);
    info.type = type.value_or(Type::of(BaseType::error));
    if (type && fd.or_none) check_or_none(info, fd);
    if (type) {
      if (fd.exclusive && !(info.type.base == BaseType::boolean && !info.type.list)) {
        error("schema.exclusive", fd.span,
              fmt::format("`exclusive` applies to `bool` fields only; `{}` is of type `{}`", info.name,
                          schema.type_name(info.type)));
      }
      if (fd.default_value) {
        if (fd.derived) {
          error("schema.default_type", fd.default_value->span,
                fmt::format("derived field `{}` cannot also have a default", info.name));
        } else {
          info.default_value = default_literal(info, *fd.default_value);
        }
      }
    }
    return info;
  }

  void add_checks(RecordType& rec, const ast::RecordDecl& decl) {
    for (const ast::CheckDecl& c : decl.checks) {
      // `{value}` stands for the checked value; any other brace is a typo the case would show.
      for (std::size_t at = c.message.find('{'); at != std::string::npos; at = c.message.find('{', at + 1)) {
        if (c.message.compare(at, 7, "{value}") != 0) {
          error("schema.check_message", c.span,
                "a check message may only hold `{value}` (the value checked) between braces");
          break;
        }
      }
      rec.checks.push_back(&c);
    }
  }

  // `or none` is for a scalar whose absence a case can state: not a list (an empty list says
  // it), a record, a bool (`false` says it) or a string (the text `none` is a string); and
  // neither a default nor a derivation, which would never let the case say it.
  void check_or_none(const FieldInfo& info, const ast::FieldDecl& fd) {
    const Type& t = info.type;
    const char* why = t.list                        ? "a list says it has nothing with `[]`"
                      : t.base == BaseType::record  ? "a record cannot be none"
                      : t.base == BaseType::boolean ? "a bool says it with `false`"
                      : t.base == BaseType::string  ? "the text `none` is a valid string"
                      : fd.default_value != nullptr ? "a field with a default is never absent"
                      : fd.derived != nullptr       ? "a derived field is never read from the case"
                                                    : nullptr;
    if (!why) return;
    error("schema.or_none", fd.span, fmt::format("`{}` cannot be declared `or none`: {}", info.name, why),
          "`or none` applies to enumeration, code, date, number and duration fields");
  }

  // `synonyms E { member: "text", ... }`: other spellings case data may use for E's members.
  // A schema file's own `synonyms`, or a policy's `extend synonyms` (`extensions`).
  void build_synonyms(const ast::File& file, bool extensions) {
    for (const ast::Item& item : file.items) {
      const auto* decl = std::get_if<ast::SynonymsDecl>(&item);
      if (!decl || decl->extended != extensions) continue;
      auto en = schema.find_enum(decl->enumeration.text);
      if (!en) {
        std::vector<std::string> names;
        for (const EnumType& e : schema.enums) names.push_back(e.name);
        std::optional<std::string> help;
        if (auto m = closest_match(decl->enumeration.text, names)) help = fmt::format("did you mean `{}`?", *m);
        error("schema.unknown_enum", decl->enumeration.span,
              fmt::format("synonyms for `{}`, which is not an enumeration of the schema", decl->enumeration.text),
              std::move(help));
        continue;
      }
      EnumType& type = schema.enums[*en];
      std::vector<SourceSpan>& spans = synonym_spans[*en];  // where each synonym was declared
      const std::size_t before = type.synonyms.size();
      for (const ast::SynonymEntry& entry : decl->entries) {
        auto member = type.find(entry.member.text);
        if (!member) {
          std::optional<std::string> help;
          if (auto m = closest_match(entry.member.text, type.members)) help = fmt::format("did you mean `{}`?", *m);
          error("schema.unknown_member", entry.member.span,
                fmt::format("`{}` is not a member of enum `{}`", entry.member.text, type.name), std::move(help));
          continue;
        }
        for (const ast::SynonymText& text : entry.texts) {
          std::string folded = fold_case(text.text);
          if (folded.find_first_not_of(" \t") == std::string::npos) {
            error("schema.synonym", text.span, "a synonym cannot be empty");
            continue;
          }
          bool clash = false;
          for (std::uint32_t m = 0; m < type.members.size() && !clash; ++m) {
            if (fold_case(type.members[m]) != folded) continue;
            clash = true;
            if (m != *member)
              error("schema.synonym", text.span,
                    fmt::format("`{}` is already the member `{}` of `{}`", text.text, type.members[m], type.name));
          }
          for (std::size_t s = 0; s < type.synonyms.size() && !clash; ++s) {
            if (type.synonyms[s].folded != folded) continue;
            clash = true;
            // Repeating another declaration's synonym for the same member is harmless.
            if (s < before && type.synonyms[s].member == *member) continue;
            Diagnostic& d =
                diags.error("schema.synonym", text.span,
                            type.synonyms[s].member == *member
                                ? fmt::format("`{}` is listed twice for `{}`", text.text, type.members[*member])
                                : fmt::format("`{}` is already a synonym of `{}`", text.text,
                                              type.members[type.synonyms[s].member]));
            d.notes.push_back({spans[s], "first declared here"});
            failed = true;
          }
          if (clash) continue;
          type.synonyms.push_back({std::move(folded), *member});
          spans.push_back(text.span);
        }
      }
    }
  }

  // A record that contains itself (directly, or through lists) would describe infinite data.
  void check_cycles() {
    enum class Color : std::uint8_t { white, gray, black };
    std::vector<Color> color(schema.records.size(), Color::white);
    struct Edge {
      std::uint32_t record;
      std::uint32_t field;
    };
    std::vector<Edge> path;
    auto visit = [&](auto&& self, std::uint32_t r) -> void {
      color[r] = Color::gray;
      const RecordType& rec = schema.records[r];
      for (std::uint32_t f = 0; f < rec.fields.size(); ++f) {
        const Type& t = rec.fields[f].type;
        if (t.base != BaseType::record) continue;
        path.push_back({r, f});
        if (color[t.ref] == Color::gray) {
          auto start = std::find_if(path.begin(), path.end(), [&](const Edge& e) { return e.record == t.ref; });
          std::string chain;
          for (auto it = start; it != path.end(); ++it) {
            chain += fmt::format("`{}.{}` → ", schema.records[it->record].name,
                                 schema.records[it->record].fields[it->field].name);
          }
          chain += fmt::format("`{}`", schema.records[t.ref].name);
          error("schema.cycle", rec.fields[f].span,
                fmt::format("record `{}` contains itself: {}", schema.records[t.ref].name, chain));
        } else if (color[t.ref] == Color::white) {
          self(self, t.ref);
        }
        path.pop_back();
      }
      color[r] = Color::black;
    };
    for (std::uint32_t r = 0; r < schema.records.size(); ++r) {
      if (color[r] == Color::white) visit(visit, r);
    }
  }
};

}  // namespace

namespace {

// A comment's words without its `#` and the space after it.
std::string comment_words(std::string_view text) {
  std::size_t s = text.find_first_not_of('#');
  if (s == std::string_view::npos) return {};
  text.remove_prefix(s);
  std::size_t b = text.find_first_not_of(" \t");
  std::size_t e = text.find_last_not_of(" \t\r");
  return b == std::string_view::npos ? std::string() : std::string(text.substr(b, e - b + 1));
}

// The comment after a field on its line, else the block of comment lines right above it.
std::string field_doc(const ast::File& file, const SourceFile& src, SourceSpan field) {
  const std::uint32_t line = src.location(field.begin).line;
  for (const ast::Comment& c : file.comments)
    if (c.span.begin >= field.end && src.location(c.span.begin).line == line) return comment_words(c.text);
  std::string out;
  std::uint32_t want = line - 1;
  for (auto it = file.comments.rbegin(); it != file.comments.rend() && want > 0; ++it) {
    LineColumn lc = src.location(it->span.begin);
    if (lc.line > want) continue;
    if (lc.line < want) break;
    std::string_view text = src.line_text(lc.line);
    if (text.find_first_not_of(" \t") != lc.column - 1) break;  // a trailing comment of the line above
    std::string words = comment_words(it->text);
    out = out.empty() ? words : words + " " + out;
    --want;
  }
  return out;
}

// The members' trailing comments (`esketamine_nasal,  # esketamine nasal spray (Spravato)`); a
// comment after several members on one line (`AS, GU, MP, PR, VI  # …`) names none of them alone.
void member_docs(const ast::File& file, const SourceFile& src, Schema& schema) {
  for (const ast::Item& item : file.items) {
    const auto* e = std::get_if<ast::EnumDecl>(&item);
    if (!e) continue;
    auto index = schema.find_enum(e->name.text);
    if (!index) continue;
    EnumType& type = schema.enums[*index];
    type.member_docs.resize(type.members.size());
    for (std::size_t i = 0; i < e->members.size(); ++i) {
      const ast::Ident& m = e->members[i];
      const std::uint32_t line = src.location(m.span.begin).line;
      auto same_line = [&](std::size_t j) {
        return j < e->members.size() && src.location(e->members[j].span.begin).line == line;
      };
      if ((i > 0 && same_line(i - 1)) || same_line(i + 1)) continue;
      auto member = type.find(m.text);
      if (!member || !type.member_docs[*member].empty()) continue;
      for (const ast::Comment& c : file.comments)
        if (c.span.begin >= m.span.end && src.location(c.span.begin).line == line) {
          type.member_docs[*member] = comment_words(c.text);
          break;
        }
    }
  }
}

}  // namespace

std::optional<Schema> build_schema(const std::vector<const ast::File*>& schema_files, Diagnostics& diagnostics,
                                   const SourceRegistry* sources, const std::vector<const ast::File*>& extensions) {
  std::vector<const ast::File*> files;
  for (const ast::File* f : schema_files) {
    if (f && f->header && f->header->kind == ast::FileKind::schema) files.push_back(f);
  }
  if (files.empty()) {
    diagnostics.error("schema.missing", SourceSpan{}, "no `schema` file was loaded");
    return std::nullopt;
  }
  if (files.size() > 1) {
    for (std::size_t i = 1; i < files.size(); ++i) {
      Diagnostic& d = diagnostics.error("schema.multiple", files[i]->header->span,
                                        std::string("a second `schema` file; a rule set has exactly one schema"));
      d.notes.push_back({files[0]->header->span, "the first schema is declared here"});
    }
    return std::nullopt;
  }
  const ast::File& file = *files[0];
  Builder b{diagnostics, {}, {}, {}, {}, file.file, false};
  b.schema.name = file.header->id.text;
  b.schema.version = file.header->version.value_or("");
  b.declare_names(file);
  for (const ast::File* ext : extensions) b.declare_extensions(*ext);
  for (std::uint32_t r = 0; r < b.schema.records.size(); ++r) b.build_fields(r);
  if (sources) {
    // Each declaration's comments are in its own file.
    std::map<FileId, const ast::File*> by_id{{file.file, &file}};
    for (const ast::File* ext : extensions) by_id.emplace(ext->file, ext);
    for (RecordType& rec : b.schema.records)
      for (FieldInfo& f : rec.fields)
        if (auto it = by_id.find(f.span.file); it != by_id.end() && f.span.file != no_file)
          f.doc = field_doc(*it->second, sources->file(f.span.file), f.span);
    for (const auto& [id, decls] : by_id)
      if (id != no_file) member_docs(*decls, sources->file(id), b.schema);
  }
  b.build_synonyms(file, false);
  for (const ast::File* ext : extensions) b.build_synonyms(*ext, true);
  b.check_cycles();
  if (auto root = b.schema.find_record("case")) {
    b.schema.root = *root;
  } else {
    b.error("schema.missing_root", file.header->span, "the schema declares no record `case` (the case's root)",
            "a schema file declares the whole case; to add fields, members or synonyms to the built-in "
            "schema, write `extend record NAME { … }` (or `extend enum`, `extend synonyms`) in a policy or "
            "module instead (docs/language.md, \"Extending the schema\")");
  }
  if (b.failed) return std::nullopt;
  return std::move(b.schema);
}

}  // namespace covcheck::dsl

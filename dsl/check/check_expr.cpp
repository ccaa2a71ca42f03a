// Expression typing: resolves every name (variables, fields, defines, code sets, params,
// enumeration members by expected type) and computes each expression's type, recording
// both in the rule set's NodeId side tables.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "dsl/check/check_context.hpp"
#include "dsl/source/dates.hpp"
#include "dsl/syntax/operators.hpp"

namespace covcheck::dsl::detail {

namespace {

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

const Type error_type = Type::of(BaseType::error);

Type record(CheckContext& cx, const ast::Expr& e, Type t, Resolution r = std::monostate{}) {
  cx.rules.types[e.id] = t;
  if (!std::holds_alternative<std::monostate>(r)) cx.rules.resolutions[e.id] = r;
  return t;
}

bool is_error(const Type& t) { return t.base == BaseType::error && !t.list; }

bool same_kind(const Type& a, const Type& b) {
  if (is_error(a) || is_error(b)) return true;
  if (a.list != b.list) return false;
  if (a.is_numeric() && b.is_numeric()) return true;
  if (a.base != b.base) return false;
  if (a.base == BaseType::enumeration || a.base == BaseType::record) return a.ref == b.ref;
  return true;
}

std::optional<BaseType> code_system(std::string_view name) {
  if (name == "icd10") return BaseType::icd10;
  if (name == "cpt") return BaseType::cpt;
  if (name == "hcpcs") return BaseType::hcpcs;
  return std::nullopt;
}

const char* system_title(BaseType b) {
  switch (b) {
    case BaseType::icd10: return "ICD-10-CM";
    case BaseType::cpt: return "CPT";
    case BaseType::hcpcs: return "HCPCS";
    default: return "code";
  }
}

// A name lookup without side effects, so that contextual names (enumeration members) can
// be told apart from real names before anything is reported.
struct Found {
  Resolution resolution;
  Type type;
};

std::optional<Found> lookup(CheckContext& cx, const Scope& scope, const std::string& name) {
  for (auto it = scope.variables.rbegin(); it != scope.variables.rend(); ++it) {
    if (it->name == name) return Found{RefVariable{it->binder}, it->type};
  }
  const CheckedRuleSet& rs = cx.rules;
  if (scope.define) {
    const CheckedDefine& d = rs.defines[*scope.define];
    for (std::uint32_t i = 0; i < d.decl->params.size(); ++i) {
      if (d.decl->params[i].text == name) return Found{RefDefineParam{*scope.define, i}, d.param_types.at(i)};
    }
  }
  if (scope.self_record) {
    const RecordType& r = rs.schema.records[*scope.self_record];
    if (auto f = r.find(name)) return Found{RefSelfField{*scope.self_record, *f}, r.fields[*f].type};
  }
  const VisibleNames& v = cx.visible[scope.file];
  if (auto it = v.defines.find(name); it != v.defines.end()) return Found{RefDefine{it->second}, error_type};
  if (auto it = v.codesets.find(name); it != v.codesets.end())
    return Found{RefCodeSet{it->second}, rs.codesets[it->second].type};
  if (auto it = v.params.find(name); it != v.params.end())
    return Found{RefParam{it->second}, rs.params[it->second].type};
  const RecordType& root = rs.schema.root_record();
  if (auto f = root.find(name)) return Found{RefField{rs.schema.root, *f}, root.fields[*f].type};
  if (name == "benefit" && rs.benefit_enum)
    return Found{RefBenefit{}, Type::of(BaseType::enumeration, *rs.benefit_enum)};
  if (name == "decision") {
    if (auto d = rs.schema.find_enum("decision")) return Found{RefDecision{}, Type::of(BaseType::enumeration, *d)};
  }
  return std::nullopt;
}

std::vector<std::string> candidate_names(CheckContext& cx, const Scope& scope) {
  std::vector<std::string> out;
  for (const auto& v : scope.variables) out.push_back(v.name);
  if (scope.define)
    for (const auto& p : cx.rules.defines[*scope.define].decl->params) out.push_back(p.text);
  if (scope.self_record)
    for (const auto& f : cx.rules.schema.records[*scope.self_record].fields) out.push_back(f.name);
  const VisibleNames& v = cx.visible[scope.file];
  for (const auto& [k, _] : v.defines) out.push_back(k);
  for (const auto& [k, _] : v.codesets) out.push_back(k);
  for (const auto& [k, _] : v.params) out.push_back(k);
  for (const auto& f : cx.rules.schema.root_record().fields) out.push_back(f.name);
  out.push_back("benefit");
  return out;
}

// A string literal or bare unknown name takes its type from the other side of a comparison.
bool is_contextual(CheckContext& cx, const Scope& scope, const ast::Expr& e) {
  if (std::holds_alternative<ast::StringLiteral>(e.kind)) return true;
  if (auto* n = std::get_if<ast::NameRef>(&e.kind)) return !lookup(cx, scope, n->name).has_value();
  return false;
}

Type check_enum_member(CheckContext& cx, const ast::Expr& e, const std::string& text, std::uint32_t enumeration) {
  const EnumType& en = cx.rules.schema.enums[enumeration];
  if (auto m = en.find(text)) {
    return record(cx, e, Type::of(BaseType::enumeration, enumeration), RefEnumMember{enumeration, *m});
  }
  std::string members;
  for (std::size_t i = 0; i < en.members.size() && i < 12; ++i) members += (i ? ", " : "") + en.members[i];
  if (en.members.size() > 12) members += ", …";
  Diagnostic& d =
      cx.diagnostics.error("check.unknown_member", e.span,
                           fmt::format("`{}` is not a value of `{}`; expected one of {}", text, en.name, members));
  if (auto best = closest_match(text, en.members)) d.help = fmt::format("did you mean `{}`?", *best);
  return record(cx, e, error_type);
}

// The schema field a checked path reads (`request.type`, `t.end`, a sibling in a derivation),
// or null when the expression is not a path to a field.
const FieldInfo* field_of(CheckContext& cx, const ast::Expr& e) {
  const Resolution& r = cx.rules.resolutions[e.id];
  if (const auto* f = std::get_if<RefField>(&r)) return &cx.rules.schema.records[f->record].fields[f->field];
  if (const auto* f = std::get_if<RefSelfField>(&r)) return &cx.rules.schema.records[f->record].fields[f->field];
  return nullptr;
}

// `unknown(f, ...)`: each argument must be a fact of the case. Its type is the one the
// context expects (the other branch of an `if`), so it fits wherever a value does.
Type check_unknown_value(CheckContext& cx, const ast::UnknownValue& u, Scope& scope, const Type* expected) {
  for (const ast::ExprPtr& f : u.facts) {
    Type t = check_expr(cx, *f, scope);
    if (is_error(t) || field_of(cx, *f)) continue;
    Diagnostic& d = cx.diagnostics.error(
        "check.unknown_fact", f->span, "`unknown(...)` names the facts it waits for: this is not a field of the case");
    d.help = "name a field path, as in `unknown(request.type)` or `unknown(t.end)`";
  }
  return expected ? *expected : error_type;
}

// `x is none`: only a field the schema declares `or none` can be none.
void check_none_test(CheckContext& cx, const ast::Presence& p) {
  const FieldInfo* f = field_of(cx, *p.operand);
  if (f && f->or_none) return;
  if (is_error(cx.rules.types[p.operand->id])) return;
  Diagnostic& d =
      cx.diagnostics.error("check.not_or_none", p.operand->span,
                           f ? fmt::format("`{}` is never none: the schema does not declare it `or none`", f->name)
                             : std::string("`is none` tests a field of the case"));
  d.help = f ? fmt::format("add `or none` to the declaration of `{}` in the schema, or test `is unknown`", f->name)
             : "test a field path, as in `request.consultant_specialty is none`";
}

Type check_contextual(CheckContext& cx, const ast::Expr& e, Scope& scope, const Type& expected) {
  Type want = expected.element_type();
  if (auto* s = std::get_if<ast::StringLiteral>(&e.kind)) {
    if (want.base == BaseType::enumeration) return check_enum_member(cx, e, s->value, want.ref);
    if (want.is_code()) {
      if (!is_valid_code(want.base, s->value)) {
        cx.diagnostics.error("check.malformed_code", e.span,
                             fmt::format("malformed {} code `{}`", system_title(want.base), s->value));
        return record(cx, e, error_type);
      }
      return record(cx, e, want);
    }
    return record(cx, e, Type::of(BaseType::string));
  }
  auto& n = std::get<ast::NameRef>(e.kind);
  if (want.base == BaseType::enumeration) return check_enum_member(cx, e, n.name, want.ref);
  return check_expr(cx, e, scope, nullptr);
}

// A define, code set or param named like a member of the enumeration expected here hides the
// member: said so (rather than an arity or type error about the declaration) when it does not
// stand for a value of that enumeration.
bool hides_member(CheckContext& cx, const ast::Expr& e, Scope& scope, const Type& expected) {
  const auto* n = std::get_if<ast::NameRef>(&e.kind);
  Type want = expected.element_type();
  if (!n || want.base != BaseType::enumeration) return false;
  const EnumType& en = cx.rules.schema.enums[want.ref];
  if (!en.find(n->name)) return false;
  auto found = lookup(cx, scope, n->name);
  if (!found) return false;
  const char* kind = nullptr;
  SourceSpan declared{};
  if (const auto* d = std::get_if<RefDefine>(&found->resolution)) {
    const CheckedDefine& def = cx.rules.defines[d->define];
    if (def.decl->params.empty()) {
      Type t = check_define(cx, d->define, {}, e.span);
      if (is_error(t) || (t.base == BaseType::enumeration && t.ref == want.ref)) return false;
    }
    kind = "define";
    declared = def.decl->name.span;
  } else if (const auto* c = std::get_if<RefCodeSet>(&found->resolution)) {
    kind = "code set";
    declared = cx.rules.codesets[c->codeset].decl->name.span;
  } else if (const auto* p = std::get_if<RefParam>(&found->resolution)) {
    if (found->type.base == BaseType::enumeration && found->type.ref == want.ref) return false;
    kind = "param";
    declared = cx.rules.params[p->param].decl->name.span;
  } else {
    return false;
  }
  Diagnostic& d =
      cx.diagnostics.error("check.hidden_member", e.span,
                           fmt::format("{} `{}` hides the member `{}` of `{}`", kind, n->name, n->name, en.name));
  d.notes.push_back({declared, fmt::format("the {} is declared here", kind)});
  d.help = fmt::format("rename the {}, or write the member as a string: `\"{}\"`", kind, n->name);
  record(cx, e, error_type);
  return true;
}

Type check_operand(CheckContext& cx, const ast::Expr& e, Scope& scope, const Type* expected) {
  // The other side failed (a field typo): a member name here cannot be judged, and was not the mistake.
  if (expected && is_error(*expected) && is_contextual(cx, scope, e)) return record(cx, e, error_type);
  if (expected && !is_error(*expected) && is_contextual(cx, scope, e)) return check_contextual(cx, e, scope, *expected);
  if (expected && !is_error(*expected) && hides_member(cx, e, scope, *expected)) return error_type;
  return check_expr(cx, e, scope, expected);
}

Type expect(CheckContext& cx, const ast::Expr& e, Scope& scope, BaseType base, const char* what) {
  Type t = check_expr(cx, e, scope, nullptr);
  if (is_error(t)) return t;
  if (t.list || t.base != base) {
    cx.diagnostics.error(
        "check.type_mismatch", e.span,
        fmt::format("{} must be {}, found {}", what, describe_type(cx, Type::of(base)), describe_type(cx, t)));
    return error_type;
  }
  return t;
}

// A fix for `lhs op rhs` when one side is a literal written in the other side's type's words:
// `42` against a duration (`42 days`), `"42"` against a number (drop the quotes).
std::optional<std::string> mismatch_fix(const ast::Expr* lhs, const ast::Expr* rhs, const Type& a, const Type& b) {
  auto is = [](const Type& t, BaseType base) { return !t.list && t.base == base; };
  for (int side = 0; side < 2; ++side) {
    const ast::Expr* e = side == 0 ? lhs : rhs;
    const Type& mine = side == 0 ? a : b;
    const Type& other = side == 0 ? b : a;
    if (!e) continue;
    if (auto* i = std::get_if<ast::IntLiteral>(&e->kind);
        i && is(mine, BaseType::integer) && is(other, BaseType::duration))
      return fmt::format("a duration needs its unit: write `{} days` (or `weeks`)", i->value);
    if (auto* s = std::get_if<ast::StringLiteral>(&e->kind); s && is(mine, BaseType::string) && other.is_numeric()) {
      const std::string& t = s->value;
      std::size_t digits = 0, dots = 0;
      for (std::size_t k = 0; k < t.size(); ++k) {
        if (t[k] >= '0' && t[k] <= '9') ++digits;
        else if (t[k] == '.') ++dots;
        else if (!(k == 0 && t[k] == '-')) digits = 0, dots = 2;
      }
      if (digits > 0 && dots <= 1) return fmt::format("drop the quotes: `{}` is a number, `\"{}\"` is text", t, t);
    }
  }
  return std::nullopt;
}

void mismatch(CheckContext& cx, SourceSpan span, std::string_view op, const Type& a, const Type& b,
              const ast::Expr* lhs = nullptr, const ast::Expr* rhs = nullptr) {
  Diagnostic& d = cx.diagnostics.error(
      "check.type_mismatch", span,
      fmt::format("cannot apply `{}` to {} and {}", op, describe_type(cx, a), describe_type(cx, b)));
  d.help = mismatch_fix(lhs, rhs, a, b);
}

Type arithmetic(CheckContext& cx, const ast::Expr& e, ast::BinaryOp op, const Type& a, const Type& b,
                const ast::Binary& operands) {
  if (is_error(a) || is_error(b)) return error_type;
  auto is = [](const Type& t, BaseType base) { return !t.list && t.base == base; };
  if (a.is_numeric() && b.is_numeric() && op != ast::BinaryOp::and_) {
    return Type::of(a.base == BaseType::decimal || b.base == BaseType::decimal ? BaseType::decimal : BaseType::integer);
  }
  if (op == ast::BinaryOp::add) {
    if (is(a, BaseType::date) && (is(b, BaseType::duration) || is(b, BaseType::period))) return a;
    if ((is(a, BaseType::duration) || is(a, BaseType::period)) && is(b, BaseType::date)) return b;
    if (is(a, BaseType::duration) && is(b, BaseType::duration)) return a;
  }
  if (op == ast::BinaryOp::sub) {
    if (is(a, BaseType::date) && is(b, BaseType::date)) return Type::of(BaseType::duration);
    if (is(a, BaseType::date) && (is(b, BaseType::duration) || is(b, BaseType::period))) return a;
    if (is(a, BaseType::duration) && is(b, BaseType::duration)) return a;
  }
  if (op == ast::BinaryOp::mul) {
    if (is(a, BaseType::integer) && is(b, BaseType::duration)) return b;
    if (is(a, BaseType::duration) && is(b, BaseType::integer)) return a;
  }
  mismatch(cx, e.span, spelling(op), a, b, operands.lhs.get(), operands.rhs.get());
  return error_type;
}

Type check_binary(CheckContext& cx, const ast::Expr& e, const ast::Binary& b, Scope& scope) {
  using Op = ast::BinaryOp;
  if (b.op == Op::and_ || b.op == Op::or_) {
    expect(cx, *b.lhs, scope, BaseType::boolean, fmt::format("the left side of `{}`", spelling(b.op)).c_str());
    expect(cx, *b.rhs, scope, BaseType::boolean, fmt::format("the right side of `{}`", spelling(b.op)).c_str());
    return Type::of(BaseType::boolean);
  }
  Type lt, rt;
  if (is_contextual(cx, scope, *b.lhs) && !is_contextual(cx, scope, *b.rhs)) {
    rt = check_expr(cx, *b.rhs, scope);
    lt = check_operand(cx, *b.lhs, scope, &rt);
  } else {
    lt = check_expr(cx, *b.lhs, scope);
    rt = check_operand(cx, *b.rhs, scope, &lt);
  }
  switch (b.op) {
    case Op::eq:
    case Op::ne:
      if (!same_kind(lt, rt) || lt.list || rt.list) {
        mismatch(cx, e.span, spelling(b.op), lt, rt, b.lhs.get(), b.rhs.get());
      }
      return Type::of(BaseType::boolean);
    case Op::lt:
    case Op::le:
    case Op::gt:
    case Op::ge: {
      bool ordered = (lt.is_numeric() && rt.is_numeric()) ||
                     (same_kind(lt, rt) && !lt.list &&
                      (lt.base == BaseType::date || lt.base == BaseType::duration || lt.base == BaseType::integer ||
                       lt.base == BaseType::decimal || lt.base == BaseType::string));
      if (is_error(lt) || is_error(rt)) return Type::of(BaseType::boolean);
      if (!ordered) {
        if ((lt.base == BaseType::duration && rt.base == BaseType::period) ||
            (lt.base == BaseType::period && rt.base == BaseType::duration)) {
          Diagnostic& d = cx.diagnostics.error("check.type_mismatch", e.span,
                                               "cannot compare a duration in days with calendar months");
          d.help = "months have no fixed length: compare dates instead, e.g. `t.start + 6 months <= t.end`";
        } else {
          mismatch(cx, e.span, spelling(b.op), lt, rt, b.lhs.get(), b.rhs.get());
        }
      }
      return Type::of(BaseType::boolean);
    }
    default: return arithmetic(cx, e, b.op, lt, rt, b);
  }
}

Type check_quantifier(CheckContext& cx, const ast::Expr& e, const ast::Quantifier& q, Scope& scope) {
  Type lt = check_expr(cx, *q.list, scope);
  Type elem = error_type;
  if (!is_error(lt)) {
    if (!lt.list) {
      cx.diagnostics.error("check.not_a_list", q.list->span,
                           fmt::format("`{}` is {}, not a list", cx.sources.file(q.list->span.file).slice(q.list->span),
                                       describe_type(cx, lt)));
    } else {
      elem = lt.element_type();
    }
  }
  std::size_t depth = scope.variables.size();
  if (q.variable) {
    if (lookup(cx, scope, q.variable->text)) {
      if (std::any_of(scope.variables.begin(), scope.variables.end(),
                      [&](const BoundVariable& v) { return v.name == q.variable->text; }))
        cx.diagnostics.warning("check.shadowed_variable", q.variable->span,
                               fmt::format("`{}` shadows an outer variable of the same name", q.variable->text));
    }
    scope.variables.push_back({q.variable->text, e.id, elem});
  }
  if (q.filter) expect(cx, *q.filter, scope, BaseType::boolean, "a quantifier's condition");
  if (q.key) {
    Type kt = check_expr(cx, *q.key, scope);
    if (kt.list || kt.base == BaseType::record)
      cx.diagnostics.error("check.type_mismatch", q.key->span,
                           fmt::format("`count distinct` needs a scalar key, found {}", describe_type(cx, kt)));
  }
  scope.variables.resize(depth);
  if (q.kind == ast::QuantifierKind::any || q.kind == ast::QuantifierKind::all) {
    if (!q.variable || !q.filter)
      cx.diagnostics.error("check.quantifier", e.span, "`any` and `all` need a variable and a condition");
    return Type::of(BaseType::boolean);
  }
  return Type::of(BaseType::integer);
}

Type check_call(CheckContext& cx, const ast::Expr& e, const ast::Call& c, Scope& scope) {
  std::vector<Type> args;
  for (const auto& a : c.args) args.push_back(check_expr(cx, *a, scope));
  if (c.function.text == "years_between") {
    cx.rules.resolutions[e.id] = RefBuiltin{Builtin::years_between};
    if (args.size() != 2) {
      cx.diagnostics.error("check.arity", e.span, "`years_between` takes two dates");
      return error_type;
    }
    for (std::size_t i = 0; i < 2; ++i) {
      if (!is_error(args[i]) && (args[i].list || args[i].base != BaseType::date))
        cx.diagnostics.error("check.type_mismatch", c.args[i]->span,
                             fmt::format("`years_between` takes dates, found {}", describe_type(cx, args[i])));
    }
    return Type::of(BaseType::integer);
  }
  if (c.function.text == "min" || c.function.text == "max") {
    // `min(request.sessions, 8)`: the smallest (largest) of numbers; integer when all are.
    cx.rules.resolutions[e.id] = RefBuiltin{c.function.text == "min" ? Builtin::min : Builtin::max};
    if (args.size() < 2) {
      cx.diagnostics.error("check.arity", e.span, fmt::format("`{}` takes two or more numbers", c.function.text));
      return error_type;
    }
    bool decimal = false, bad = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (is_error(args[i])) {
        bad = true;
      } else if (!args[i].is_numeric()) {
        cx.diagnostics.error("check.type_mismatch", c.args[i]->span,
                             fmt::format("`{}` takes numbers, found {}", c.function.text, describe_type(cx, args[i])));
        bad = true;
      } else {
        decimal |= args[i].base == BaseType::decimal;
      }
    }
    if (bad) return error_type;
    return Type::of(decimal ? BaseType::decimal : BaseType::integer);
  }
  auto it = cx.visible[scope.file].defines.find(c.function.text);
  if (it == cx.visible[scope.file].defines.end()) {
    std::vector<std::string> names{"years_between", "min", "max"};
    for (const auto& [k, _] : cx.visible[scope.file].defines) names.push_back(k);
    Diagnostic& d = cx.diagnostics.error("check.unknown_function", c.function.span,
                                         fmt::format("unknown function or define `{}`", c.function.text));
    if (auto best = closest_match(c.function.text, names)) d.help = fmt::format("did you mean `{}`?", *best);
    return error_type;
  }
  cx.rules.resolutions[e.id] = RefDefine{it->second};
  const CheckedDefine& d = cx.rules.defines[it->second];
  if (d.decl->params.size() != args.size()) {
    cx.diagnostics.error("check.arity", e.span,
                         fmt::format("`{}` takes {} argument{}, given {}", c.function.text, d.decl->params.size(),
                                     d.decl->params.size() == 1 ? "" : "s", args.size()));
    return error_type;
  }
  if (cx.define_reads_benefit[it->second]) scope.reads_benefit = true;
  Type t = check_define(cx, it->second, args, e.span);
  if (cx.define_reads_benefit[it->second]) scope.reads_benefit = true;
  return t;
}

// A declaration of `name` in a loaded file that `scope`'s file does not see: the import it lacks.
std::optional<std::pair<std::size_t, SourceSpan>> declared_elsewhere(const CheckContext& cx, const std::string& name) {
  for (const CheckedDefine& d : cx.rules.defines)
    if (d.decl->name.text == name) return std::pair{d.file, d.decl->name.span};
  for (const CheckedCodeSet& c : cx.rules.codesets)
    if (c.decl->name.text == name) return std::pair{c.file, c.decl->name.span};
  for (const CheckedParam& p : cx.rules.params)
    if (p.decl->name.text == name) return std::pair{p.file, p.decl->name.span};
  return std::nullopt;
}

// A file beside `here` (not loaded) that declares `name` at the start of a line, as the import
// path to add. Only read on this error path: the rule set itself never depends on it.
std::optional<std::string> declared_beside(const std::string& here, const std::string& name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> candidates;
  fs::path dir = fs::path(here).parent_path();
  for (fs::directory_iterator it(dir.empty() ? fs::path(".") : dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".cpl" && it->path().filename() != fs::path(here).filename())
      candidates.push_back(it->path());
  std::sort(candidates.begin(), candidates.end());
  for (const fs::path& p : candidates) {
    std::ifstream in(p);
    for (std::string line; std::getline(in, line);) {
      std::size_t i = line.find_first_not_of(" \t");
      if (i == std::string::npos) continue;
      for (std::string_view kw : {"define ", "codeset ", "param "}) {
        if (line.compare(i, kw.size(), kw) != 0) continue;
        std::size_t n = line.find_first_not_of(' ', i + kw.size());
        if (n == std::string::npos || line.compare(n, name.size(), name) != 0) continue;
        std::size_t after = n + name.size();
        if (after == line.size() || !(std::isalnum(static_cast<unsigned char>(line[after])) || line[after] == '_'))
          return p.filename().generic_string();
      }
    }
  }
  return std::nullopt;
}

void unknown_name(CheckContext& cx, SourceSpan at, const std::string& name, const Scope& scope) {
  auto [it, first] = cx.unknown_names.try_emplace({scope.file, name});
  if (!first) {
    it->second.more.push_back(at);
    return;
  }
  Diagnostic& d = it->second.first;
  d.code = "check.unknown_name";
  d.span = at;
  d.message = fmt::format("unknown name `{}`", name);
  if (auto elsewhere = declared_elsewhere(cx, name); elsewhere && elsewhere->first != scope.file) {
    namespace fs = std::filesystem;
    const std::string& target = cx.sources.file(elsewhere->second.file).name();
    const std::string& here = cx.sources.file(cx.rules.files.files[scope.file].file).name();
    std::string path = fs::path(target).lexically_relative(fs::path(here).parent_path()).generic_string();
    if (path.empty()) path = target;
    d.notes.push_back(
        {elsewhere->second, fmt::format("`{}` is declared in `{}`, which this file does not import", name, target)});
    d.help = fmt::format("add `import \"{}\"`", path);
  } else if (auto beside = declared_beside(cx.sources.file(cx.rules.files.files[scope.file].file).name(), name)) {
    d.notes.push_back({std::nullopt, fmt::format("`{}` is declared in `{}` beside this file, which it does not import",
                                                 name, *beside)});
    d.help = fmt::format("add `import \"{}\"`", *beside);
  } else if (auto best = closest_match(name, candidate_names(cx, scope))) {
    d.help = fmt::format("did you mean `{}`?", *best);
  }
}

Type check_name(CheckContext& cx, const ast::Expr& e, const ast::NameRef& n, Scope& scope) {
  auto found = lookup(cx, scope, n.name);
  if (!found) {
    unknown_name(cx, e.span, n.name, scope);
    return record(cx, e, error_type);
  }
  if (auto* def = std::get_if<RefDefine>(&found->resolution)) {
    cx.rules.resolutions[e.id] = found->resolution;
    if (!cx.rules.defines[def->define].decl->params.empty()) {
      cx.diagnostics.error("check.arity", e.span,
                           fmt::format("`{}` takes arguments: call it as `{}(...)`", n.name, n.name));
      return record(cx, e, error_type);
    }
    Type t = check_define(cx, def->define, {}, e.span);
    if (cx.define_reads_benefit[def->define]) scope.reads_benefit = true;
    return record(cx, e, t);
  }
  if (std::holds_alternative<RefBenefit>(found->resolution)) {
    scope.reads_benefit = true;
    if (!scope.allow_benefit) {
      cx.diagnostics.error("check.route_reads_benefit", e.span,
                           "a routing rule's condition may not read `benefit`: routing is decided first");
    }
  }
  if (std::holds_alternative<RefDecision>(found->resolution) && !scope.allow_decision) {
    cx.diagnostics.error("check.decision_outside_advice", e.span,
                         "only advice rules may read `decision`: it is known only after the decision");
  }
  if (auto* cs = std::get_if<RefCodeSet>(&found->resolution)) cx.codeset_used[cs->codeset] = true;
  return record(cx, e, found->type, found->resolution);
}

// `module_id.name`: a declaration of another unit, reached through its file.
std::optional<Type> check_qualified(CheckContext& cx, const ast::Expr& e, const ast::MemberAccess& m, Scope& scope) {
  auto* obj = std::get_if<ast::NameRef>(&m.object->kind);
  if (!obj || lookup(cx, scope, obj->name)) return std::nullopt;
  auto units = cx.units_by_id.find(obj->name);
  if (units == cx.units_by_id.end()) return std::nullopt;
  for (std::uint32_t u : units->second) {
    const VisibleNames& v = cx.visible[cx.rules.units[u].file];
    if (auto it = v.params.find(m.field.text); it != v.params.end()) {
      return record(cx, e, cx.rules.params[it->second].type, RefParam{it->second});
    }
    if (auto it = v.codesets.find(m.field.text); it != v.codesets.end()) {
      cx.codeset_used[it->second] = true;
      return record(cx, e, cx.rules.codesets[it->second].type, RefCodeSet{it->second});
    }
  }
  cx.diagnostics.error("check.unknown_name", m.field.span,
                       fmt::format("`{}` declares no param or code set named `{}`", obj->name, m.field.text));
  return record(cx, e, error_type);
}

Type check_member(CheckContext& cx, const ast::Expr& e, const ast::MemberAccess& m, Scope& scope) {
  if (auto q = check_qualified(cx, e, m, scope)) return *q;
  Type ot = check_expr(cx, *m.object, scope);
  if (is_error(ot)) return record(cx, e, error_type);
  if (ot.list) {
    Diagnostic& d = cx.diagnostics.error("check.member_of_list", e.span,
                                         fmt::format("`{}` is a list; a field of its elements needs a quantifier",
                                                     cx.sources.file(m.object->span.file).slice(m.object->span)));
    d.help = fmt::format("e.g. `any {} x: x.{} ...`", cx.sources.file(m.object->span.file).slice(m.object->span),
                         m.field.text);
    return record(cx, e, error_type);
  }
  if (ot.base != BaseType::record) {
    cx.diagnostics.error("check.member_of_scalar", m.field.span,
                         fmt::format("{} has no fields (looking for `{}`)", describe_type(cx, ot), m.field.text));
    return record(cx, e, error_type);
  }
  const RecordType& r = cx.rules.schema.records[ot.ref];
  auto f = r.find(m.field.text);
  if (!f) {
    Diagnostic& d = cx.diagnostics.error("check.unknown_field", m.field.span,
                                         fmt::format("record `{}` has no field `{}`", r.name, m.field.text));
    if (auto best = closest_match(m.field.text, r.field_names())) d.help = fmt::format("did you mean `{}`?", *best);
    return record(cx, e, error_type);
  }
  return record(cx, e, r.fields[*f].type, RefField{ot.ref, *f});
}

Type check_membership(CheckContext& cx, const ast::Membership& m, Scope& scope) {
  Type item;
  if (is_contextual(cx, scope, *m.item)) {
    // `"96365" in request.cpt`: the set says what the item is.
    Type st = check_expr(cx, *m.set, scope);
    if (is_error(st)) return Type::of(BaseType::boolean);
    Type elem = st.base == BaseType::set ? Type::of(st.element, st.ref) : st.element_type();
    item = check_contextual(cx, *m.item, scope, elem);
    if (!st.list && st.base != BaseType::set)
      cx.diagnostics.error("check.not_a_set", m.set->span,
                           fmt::format("the right side of `{}` must be a set or a list, found {}",
                                       spelling(PredicateOp::in), describe_type(cx, st)));
    return Type::of(BaseType::boolean);
  }
  item = check_expr(cx, *m.item, scope);
  if (!is_error(item) && item.list) {
    Diagnostic& d = cx.diagnostics.error(
        "check.type_mismatch", m.item->span,
        fmt::format("the left side of `{}` is a list ({})", spelling(PredicateOp::in), describe_type(cx, item)));
    d.help = "test its elements with a quantifier: `any LIST x: x in SET`";
    return Type::of(BaseType::boolean);
  }
  check_set(cx, *m.set, scope, item);
  return Type::of(BaseType::boolean);
}

}  // namespace

std::string describe_type(const CheckContext& cx, const Type& t) {
  if (t.base == BaseType::period && !t.list) return "calendar months";
  if (t.base == BaseType::empty_set) return "an empty set";
  if (t.base == BaseType::set && !t.list) return "a set of " + cx.rules.schema.type_name(Type::of(t.element, t.ref));
  if (t.base == BaseType::error) return "an erroneous expression";
  return cx.rules.schema.type_name(t);
}

Type check_set(CheckContext& cx, const ast::Expr& e, Scope& scope, const Type& element) {
  auto fits = [&](const Type& elem, SourceSpan span) {
    if (!is_error(element) && !is_error(elem) && !same_kind(elem, element)) {
      cx.diagnostics.error(
          "check.type_mismatch", span,
          fmt::format("a set of {} cannot hold {}", describe_type(cx, elem), describe_type(cx, element)));
    }
  };
  if (auto* lit = std::get_if<ast::SetLiteral>(&e.kind)) {
    for (const auto& item : lit->items) {
      Type it = check_operand(cx, *item, scope, &element);
      fits(it, item->span);
    }
    return record(cx, e, Type::set_of(element.base, element.ref));
  }
  if (auto* op = std::get_if<ast::SetOperation>(&e.kind)) {
    check_set(cx, *op->lhs, scope, element);
    check_set(cx, *op->rhs, scope, element);
    return record(cx, e, Type::set_of(element.base, element.ref));
  }
  if (std::holds_alternative<ast::CodeSetLiteral>(e.kind)) {
    Type t = check_expr(cx, e, scope);
    if (t.base == BaseType::set) fits(Type::of(t.element, t.ref), e.span);
    return t;
  }
  Type t = check_expr(cx, e, scope);
  if (is_error(t)) return t;
  if (t.base == BaseType::set) {
    fits(Type::of(t.element, t.ref), e.span);
  } else if (t.list) {
    fits(t.element_type(), e.span);
  } else {
    cx.diagnostics.error("check.not_a_set", e.span,
                         fmt::format("expected a set, a code set or a list, found {}", describe_type(cx, t)));
  }
  return t;
}

Type check_expr(CheckContext& cx, const ast::Expr& e, Scope& scope, const Type* expected) {
  Type t = std::visit(
      overloaded{
          [&](const ast::BoolLiteral&) { return Type::of(BaseType::boolean); },
          [&](const ast::IntLiteral&) { return Type::of(BaseType::integer); },
          [&](const ast::DecimalLiteral&) { return Type::of(BaseType::decimal); },
          [&](const ast::StringLiteral&) {
            if (expected) return check_contextual(cx, e, scope, *expected);
            return Type::of(BaseType::string);
          },
          [&](const ast::DateLiteral&) { return Type::of(BaseType::date); },
          [&](const ast::DurationLiteral& d) {
            return Type::of(d.unit == ast::DurationUnit::months ? BaseType::period : BaseType::duration);
          },
          [&](const ast::NameRef& n) {
            if (expected && is_contextual(cx, scope, e)) return check_contextual(cx, e, scope, *expected);
            return check_name(cx, e, n, scope);
          },
          [&](const ast::MemberAccess& m) { return check_member(cx, e, m, scope); },
          [&](const ast::Unary& u) {
            if (u.op == ast::UnaryOp::not_)
              return expect(cx, *u.operand, scope, BaseType::boolean,
                            fmt::format("the operand of `{}`", spelling(u.op)).c_str());
            Type ot = check_expr(cx, *u.operand, scope);
            if (!is_error(ot) && !ot.is_numeric() && !(ot.base == BaseType::duration && !ot.list)) {
              cx.diagnostics.error("check.type_mismatch", e.span,
                                   fmt::format("cannot negate {}", describe_type(cx, ot)));
              return error_type;
            }
            return ot;
          },
          [&](const ast::Binary& b) { return check_binary(cx, e, b, scope); },
          [&](const ast::Membership& m) { return check_membership(cx, m, scope); },
          [&](const ast::SetLiteral&) {
            cx.diagnostics.error("check.set_position", e.span,
                                 "a set literal can only stand right of `in` or in a code set");
            return error_type;
          },
          [&](const ast::CodeSetLiteral& c) -> Type {
            std::optional<BaseType> system = code_system(c.system.text);
            std::optional<std::uint32_t> en;
            if (!system) en = cx.rules.schema.find_enum(c.system.text);
            if (!system && !en) {
              std::vector<std::string> names{"icd10", "cpt", "hcpcs"};
              for (const auto& x : cx.rules.schema.enums) names.push_back(x.name);
              Diagnostic& d =
                  cx.diagnostics.error("check.unknown_system", c.system.span,
                                       fmt::format("unknown code system or enumeration `{}`", c.system.text));
              if (auto best = closest_match(c.system.text, names)) d.help = fmt::format("did you mean `{}`?", *best);
              return error_type;
            }
            for (const ast::CodeEntry& entry : c.entries) {
              if (entry.effective) {
                check_date_range(cx, *entry.effective,
                                 fmt::format("`{}{}`", entry.low,
                                             entry.wildcard ? "*" : (entry.high.empty() ? "" : " .. " + entry.high)));
              }
              if (en) {
                if (entry.wildcard || !entry.high.empty()) {
                  cx.diagnostics.error(
                      "check.enum_pattern", entry.span,
                      fmt::format("`{}` values are names: wildcards and ranges do not apply", c.system.text));
                } else if (!cx.rules.schema.enums[*en].find(entry.low)) {
                  const EnumType& et = cx.rules.schema.enums[*en];
                  Diagnostic& d = cx.diagnostics.error("check.unknown_member", entry.span,
                                                       fmt::format("`{}` is not a value of `{}`", entry.low, et.name));
                  if (auto best = closest_match(entry.low, et.members))
                    d.help = fmt::format("did you mean `{}`?", *best);
                }
                continue;
              }
              bool ok = entry.wildcard ? is_valid_code_prefix(*system, entry.low) : is_valid_code(*system, entry.low);
              if (ok && !entry.high.empty()) ok = is_valid_code(*system, entry.high);
              if (!ok) {
                Diagnostic& d = cx.diagnostics.error(
                    "check.malformed_code", entry.span,
                    fmt::format("malformed {} code `{}{}`", system_title(*system), entry.low,
                                entry.wildcard ? "*" : (entry.high.empty() ? "" : " .. " + entry.high)));
                if (*system == BaseType::icd10)
                  d.help = "ICD-10-CM codes look like `F33.2`, `G90.512`; a wildcard like `F33.*`";
                if (*system == BaseType::cpt) d.help = "CPT codes are five characters: `96365`, `0001F`";
                if (*system == BaseType::hcpcs) d.help = "HCPCS codes are a letter and four digits: `J0013`";
              } else if (!entry.high.empty() && entry.high < entry.low) {
                cx.diagnostics.error(
                    "check.empty_range", entry.span,
                    fmt::format("the range `{} .. {}` is empty: its start is after its end", entry.low, entry.high));
              }
            }
            return system ? Type::set_of(*system) : Type::set_of(BaseType::enumeration, *en);
          },
          [&](const ast::SetOperation&) {
            cx.diagnostics.error("check.set_position", e.span,
                                 "set operations can only stand right of `in` or in a code set");
            return error_type;
          },
          [&](const ast::Presence& p) {
            check_expr(cx, *p.operand, scope);
            if (p.none) check_none_test(cx, p);
            return Type::of(BaseType::boolean);
          },
          [&](const ast::UnknownValue& u) { return check_unknown_value(cx, u, scope, expected); },
          [&](const ast::Within& w) {
            const std::string_view within = spelling(PredicateOp::within);
            expect(cx, *w.subject, scope, BaseType::date, fmt::format("the subject of `{}`", within).c_str());
            Type at = check_expr(cx, *w.amount, scope);
            if (!is_error(at) && (at.list || (at.base != BaseType::duration && at.base != BaseType::period)))
              cx.diagnostics.error(
                  "check.type_mismatch", w.amount->span,
                  fmt::format("`{}` needs a duration (`30 days`), found {}", within, describe_type(cx, at)));
            expect(cx, *w.anchor, scope, BaseType::date, fmt::format("the anchor of `{}`", within).c_str());
            return Type::of(BaseType::boolean);
          },
          [&](const ast::Call& c) { return check_call(cx, e, c, scope); },
          [&](const ast::Quantifier& q) { return check_quantifier(cx, e, q, scope); },
          [&](const ast::Conditional& c) {
            expect(cx, *c.condition, scope, BaseType::boolean, "the condition of `if`");
            // `if c then unknown(x) else v`: the explicit unknown takes the other branch's type.
            if (c.else_value && std::holds_alternative<ast::UnknownValue>(c.then_value->kind)) {
              Type b = check_operand(cx, *c.else_value, scope, expected);
              return check_operand(cx, *c.then_value, scope, &b);
            }
            Type a = check_operand(cx, *c.then_value, scope, expected);
            if (c.else_value) {
              Type b = check_operand(cx, *c.else_value, scope, &a);
              if (!same_kind(a, b)) {
                mismatch(cx, e.span, "if/else", a, b);
                return error_type;
              }
              if (a.is_numeric() && b.is_numeric() && a.base != b.base) return Type::of(BaseType::decimal);
            }
            return a;
          },
      },
      e.kind);
  // Keep a more specific type already recorded (enumeration members, resolutions).
  if (cx.rules.types[e.id].base == BaseType::error || !is_error(t)) cx.rules.types[e.id] = t;
  return t;
}

Type check_define(CheckContext& cx, std::uint32_t index, const std::vector<Type>& args, SourceSpan call_span) {
  CheckedDefine& d = cx.rules.defines[index];
  cx.define_used[index] = true;
  if (cx.define_state[index] == 1) {
    Diagnostic& diag =
        cx.diagnostics.error("check.recursive_define", call_span,
                             fmt::format("`{}` refers to itself: defines cannot be recursive", d.decl->name.text));
    diag.notes.push_back({d.decl->name.span, "defined here"});
    return error_type;
  }
  if (cx.define_state[index] == 2) {
    for (std::size_t i = 0; i < args.size() && i < d.param_types.size(); ++i) {
      if (!same_kind(args[i], d.param_types[i])) {
        Diagnostic& diag = cx.diagnostics.error(
            "check.type_mismatch", call_span,
            fmt::format("argument {} of `{}` is {}, but an earlier use passed {}", i + 1, d.decl->name.text,
                        describe_type(cx, args[i]), describe_type(cx, d.param_types[i])));
        diag.notes.push_back({d.decl->name.span, "a define's parameters take one type, fixed by its first use"});
      }
    }
    return d.result;
  }
  cx.define_state[index] = 1;
  d.param_types = args;
  Scope scope;
  scope.file = d.file;
  scope.define = index;
  d.result = check_expr(cx, *d.decl->body, scope);
  cx.define_reads_benefit[index] = scope.reads_benefit;
  d.checked = true;
  cx.define_state[index] = 2;
  return d.result;
}

void report_unknown_names(CheckContext& cx) {
  constexpr std::size_t shown = 3;  // later uses pointed at; beyond these, a count
  for (auto& [key, u] : cx.unknown_names) {
    Diagnostic d = std::move(u.first);
    for (std::size_t i = 0; i < u.more.size() && i < shown; ++i) d.notes.push_back({u.more[i], "also used here"});
    if (u.more.size() > shown)
      d.notes.push_back({std::nullopt, fmt::format("and {} more use{} in this file, reported once",
                                                   u.more.size() - shown, u.more.size() - shown == 1 ? "" : "s")});
    cx.diagnostics.add(std::move(d));
  }
  cx.unknown_names.clear();
}

}  // namespace covcheck::dsl::detail

// Declaration checking: the schema, units (policy versions and modules), visible names,
// code sets, params, rules and their effects, overrides. Expressions are typed by
// check_expr.cpp; both record into the CheckedRuleSet's side tables.
#include "dsl/check/checker.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "dsl/check/check_context.hpp"
#include "dsl/source/dates.hpp"
#include "dsl/source/ignore_comments.hpp"
#include "dsl/syntax/parser.hpp"

namespace covcheck::embedded {
extern const std::string_view default_schema_text;
}

namespace covcheck::dsl {

using namespace detail;

namespace {

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

std::string sha256_hex(const std::vector<std::string_view>& parts) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (std::string_view p : parts) EVP_DigestUpdate(ctx, p.data(), p.size());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, out, &len);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", out[i]);
  return hex;
}

const char* kind_name(ast::FileKind k) {
  switch (k) {
    case ast::FileKind::policy: return "policy";
    case ast::FileKind::module: return "module";
    case ast::FileKind::schema: return "schema";
    case ast::FileKind::library: return "library";
  }
  return "file";
}

std::string range_text(const std::optional<ast::DateRange>& r) {
  if (!r) return "always";
  return fmt::format("{} .. {}", r->from ? format_iso_date(*r->from) : "", r->to ? format_iso_date(*r->to) : "");
}

bool ranges_overlap(const std::optional<ast::DateRange>& a, const std::optional<ast::DateRange>& b) {
  std::int32_t a_from = a && a->from ? *a->from : INT32_MIN, a_to = a && a->to ? *a->to : INT32_MAX;
  std::int32_t b_from = b && b->from ? *b->from : INT32_MIN, b_to = b && b->to ? *b->to : INT32_MAX;
  return a_from <= b_to && b_from <= a_to;
}

std::optional<Type> resolve_type(CheckContext& cx, const ast::TypeRef& t) {
  static const std::pair<const char*, BaseType> builtins[] = {
      {"bool", BaseType::boolean},  {"int", BaseType::integer}, {"decimal", BaseType::decimal},
      {"string", BaseType::string}, {"date", BaseType::date},   {"duration", BaseType::duration},
      {"icd10", BaseType::icd10},   {"cpt", BaseType::cpt},     {"hcpcs", BaseType::hcpcs}};
  for (const auto& [name, base] : builtins) {
    if (t.name == name) return Type{base, t.list, 0, BaseType::error};
  }
  if (auto e = cx.rules.schema.find_enum(t.name)) return Type{BaseType::enumeration, t.list, *e, BaseType::error};
  cx.diagnostics.error("check.unknown_type", t.span, fmt::format("unknown type `{}`", t.name));
  return std::nullopt;
}

}  // namespace

void detail::check_date_range(CheckContext& cx, const ast::DateRange& range, std::string_view what) {
  if (!range.from || !range.to || *range.from <= *range.to) return;
  std::string from = format_iso_date(*range.from), to = format_iso_date(*range.to);
  Diagnostic& d = cx.diagnostics.error(
      "check.reversed_range", range.span,
      fmt::format("the effective range of {} ends before it starts ({} is after {}): it is never in force", what, from,
                  to));
  d.help = fmt::format("write the earlier date first: `effective {} .. {}`", to, from);
}

namespace {

class DeclarationChecker {
 public:
  DeclarationChecker(CheckContext& cx) : cx_(cx), rs_(cx.rules) {}

  void collect_declarations();
  void build_units();
  void check_versions();
  void infer_codesets();
  void check_params();
  void check_rules();
  void check_schema_expressions();
  void check_schema_item(const ast::File& file, const ast::Item& item);
  void check_unused();
  void check_override_cycles();

 private:
  void declare(std::size_t file, const std::string& name, SourceSpan span, std::map<std::string, SourceSpan>& seen);
  Type infer_codeset(std::uint32_t index);
  Type infer_set_expr(const ast::Expr& e, std::size_t file);
  void check_rule(std::uint32_t index);
  void resolve_overrides(CheckedRule& cr);

  CheckContext& cx_;
  CheckedRuleSet& rs_;
  std::vector<int> codeset_state_;
};

void DeclarationChecker::declare(std::size_t, const std::string& name, SourceSpan span,
                                 std::map<std::string, SourceSpan>& seen) {
  auto [it, inserted] = seen.emplace(name, span);
  if (!inserted) {
    Diagnostic& d = cx_.diagnostics.error("check.duplicate_name", span, fmt::format("`{}` is declared twice", name));
    d.notes.push_back({it->second, "first declared here"});
  }
}

void DeclarationChecker::collect_declarations() {
  const auto& files = rs_.files.files;
  std::vector<std::map<std::string, SourceSpan>> own(files.size());
  for (std::size_t f = 0; f < files.size(); ++f) {
    for (const ast::Item& item : files[f].items) {
      if (auto* c = std::get_if<ast::CodeSetDecl>(&item)) {
        declare(f, c->name.text, c->name.span, own[f]);
        rs_.codesets.push_back({c, f, Type::of(BaseType::error)});
      } else if (auto* d = std::get_if<ast::Define>(&item)) {
        declare(f, d->name.text, d->name.span, own[f]);
        rs_.defines.push_back({d, f, {}, Type::of(BaseType::error), false});
      } else if (auto* p = std::get_if<ast::ParamDecl>(&item)) {
        declare(f, p->name.text, p->name.span, own[f]);
        std::string unit = files[f].header ? files[f].header->id.text : "";
        rs_.params.push_back(
            {p, f, unit.empty() ? p->name.text : unit + "." + p->name.text, Type::of(BaseType::error)});
      }
    }
  }
  cx_.visible.assign(files.size(), {});
  auto add_own = [&](std::size_t into, std::size_t from, bool imported) {
    VisibleNames& v = cx_.visible[into];
    auto put = [&](std::unordered_map<std::string, std::uint32_t>& map, const std::string& name, std::uint32_t index,
                   SourceSpan span) {
      auto [it, inserted] = map.emplace(name, index);
      if (!inserted && imported && it->second != index) {
        cx_.diagnostics.error(
            "check.ambiguous_import", span,
            fmt::format("`{}` is declared in `{}` and in another file visible from `{}`", name,
                        cx_.sources.file(files[from].file).name(), cx_.sources.file(files[into].file).name()));
      }
    };
    for (std::uint32_t i = 0; i < rs_.codesets.size(); ++i)
      if (rs_.codesets[i].file == from)
        put(v.codesets, rs_.codesets[i].decl->name.text, i, rs_.codesets[i].decl->name.span);
    for (std::uint32_t i = 0; i < rs_.defines.size(); ++i)
      if (rs_.defines[i].file == from)
        put(v.defines, rs_.defines[i].decl->name.text, i, rs_.defines[i].decl->name.span);
    for (std::uint32_t i = 0; i < rs_.params.size(); ++i)
      if (rs_.params[i].file == from) put(v.params, rs_.params[i].decl->name.text, i, rs_.params[i].decl->name.span);
  };
  for (std::size_t f = 0; f < files.size(); ++f) {
    add_own(f, f, false);
    if (f < rs_.files.imports.size())
      for (std::size_t imp : rs_.files.imports[f]) add_own(f, imp, true);
  }
  cx_.codeset_used.assign(rs_.codesets.size(), false);
  cx_.define_used.assign(rs_.defines.size(), false);
  cx_.define_state.assign(rs_.defines.size(), 0);
  cx_.define_reads_benefit.assign(rs_.defines.size(), false);
}

void DeclarationChecker::build_units() {
  const auto& files = rs_.files.files;
  for (std::size_t f = 0; f < files.size(); ++f) {
    const ast::File& file = files[f];
    bool is_unit =
        file.header && (file.header->kind == ast::FileKind::policy || file.header->kind == ast::FileKind::module);
    std::optional<std::uint32_t> unit;
    if (is_unit) {
      const ast::Header& h = *file.header;
      Unit u;
      u.kind = h.kind;
      u.id = h.id.text;
      u.title = h.title;
      u.version = h.version.value_or("");
      u.effective = h.effective;
      if (h.effective) check_date_range(cx_, *h.effective, fmt::format("{} `{}`", kind_name(h.kind), h.id.text));
      u.default_decision = h.default_decision;
      u.default_message = h.default_message.value_or("");
      u.file = f;
      u.span = h.span;
      if (h.kind == ast::FileKind::policy && !h.default_decision) {
        Diagnostic& d = cx_.diagnostics.error("check.missing_default", h.span,
                                              fmt::format("policy `{}` has no default decision", h.id.text));
        d.help = "add e.g. `default denied \"Service not addressed by this policy\"` to the header";
      }
      if (h.kind == ast::FileKind::policy && !h.version)
        cx_.diagnostics.error("check.missing_version", h.span, fmt::format("policy `{}` has no version", h.id.text));
      if (h.kind == ast::FileKind::module && h.default_decision)
        cx_.diagnostics.error("check.module_default", h.span, "a module has no default decision; only a policy does");
      // Digest: the unit's file and everything it imports, transitively, in path order.
      std::set<std::size_t> closure{f};
      std::vector<std::size_t> stack{f};
      while (!stack.empty()) {
        std::size_t at = stack.back();
        stack.pop_back();
        if (at < rs_.files.imports.size())
          for (std::size_t imp : rs_.files.imports[at])
            if (closure.insert(imp).second) stack.push_back(imp);
      }
      std::vector<std::pair<std::string, std::string_view>> texts;
      for (std::size_t i : closure) {
        std::string key = i < rs_.files.canonical_paths.size() ? rs_.files.canonical_paths[i] : "";
        texts.emplace_back(key, cx_.sources.file(files[i].file).text());
      }
      std::sort(texts.begin(), texts.end());
      std::vector<std::string_view> parts;
      for (const auto& t : texts) parts.push_back(t.second);
      u.digest = "sha256:" + sha256_hex(parts);
      unit = static_cast<std::uint32_t>(rs_.units.size());
      cx_.units_by_id[u.id].push_back(*unit);
      rs_.units.push_back(std::move(u));
    }
    std::map<std::string, SourceSpan> ids;
    for (const ast::Item& item : file.items) {
      if (auto* r = std::get_if<ast::Rule>(&item)) {
        if (!unit) {
          cx_.diagnostics.error("check.rule_outside_unit", r->name.span,
                                fmt::format("rule `{}` is in a {} file; rules belong to a `policy` or a `module`",
                                            r->name.text, file.header ? kind_name(file.header->kind) : "library"));
          continue;
        }
        auto [it, inserted] = ids.emplace(r->name.text, r->name.span);
        if (!inserted) {
          Diagnostic& d = cx_.diagnostics.error("check.duplicate_rule", r->name.span,
                                                fmt::format("rule id `{}` is used twice in {} `{}`", r->name.text,
                                                            kind_name(file.header->kind), file.header->id.text));
          d.notes.push_back({it->second, "first used here"});
        }
        CheckedRule cr;
        cr.rule = r;
        cr.unit = *unit;
        cr.qualified_id = rs_.units[*unit].id + "." + r->name.text;
        cr.display_id = rs_.units[*unit].kind == ast::FileKind::policy ? r->name.text : cr.qualified_id;
        rs_.units[*unit].rules.push_back(static_cast<std::uint32_t>(rs_.rules.size()));
        rs_.rules.push_back(std::move(cr));
      } else if (auto* s = std::get_if<ast::ParamSet>(&item)) {
        if (!unit || rs_.units[*unit].kind != ast::FileKind::policy) {
          cx_.diagnostics.error("check.set_outside_policy", s->span,
                                "`set` belongs in a policy file: a policy sets the params of the modules it uses");
        }
      } else {
        check_schema_item(file, item);
      }
    }
  }
}

// Where schema declarations may stand: whole in the `schema` file; in a policy or module, new
// types and `extend`s of the schema's (merged by build_schema); nowhere else.
void DeclarationChecker::check_schema_item(const ast::File& file, const ast::Item& item) {
  const auto* e = std::get_if<ast::EnumDecl>(&item);
  const auto* rec = std::get_if<ast::RecordDecl>(&item);
  const auto* syn = std::get_if<ast::SynonymsDecl>(&item);
  if (!e && !rec && !syn) return;
  const SourceSpan span = e ? e->span : rec ? rec->span : syn->span;
  const bool extended = e ? e->extended : rec ? rec->extended : syn->extended;
  const ast::FileKind kind = file.header ? file.header->kind : ast::FileKind::library;
  if (kind == ast::FileKind::schema) {
    if (extended)
      cx_.diagnostics.error("check.extend_in_schema", span,
                            "a `schema` file declares its types whole; `extend` belongs in a policy or module");
  } else if (kind == ast::FileKind::library) {
    Diagnostic& d = cx_.diagnostics.error(
        "check.schema_outside_schema", span,
        extended ? "`extend` belongs in a policy or module file" : "schema declarations belong in a `schema` file");
    d.help = "a policy or module may declare new types and `extend` the schema's; a library file may not";
  } else if (syn && !extended) {
    Diagnostic& d = cx_.diagnostics.error("check.schema_outside_schema", syn->span,
                                          "in a policy or module, synonyms add to the schema's enumeration");
    d.help = fmt::format("write `extend synonyms {} {{ … }}`", syn->enumeration.text);
  }
}

void DeclarationChecker::check_versions() {
  for (const auto& [id, units] : cx_.units_by_id) {
    for (std::size_t i = 0; i < units.size(); ++i) {
      for (std::size_t j = i + 1; j < units.size(); ++j) {
        const Unit& a = rs_.units[units[i]];
        const Unit& b = rs_.units[units[j]];
        if (a.kind != b.kind) {
          cx_.diagnostics.error("check.unit_kind_clash", b.span,
                                fmt::format("`{}` names both a policy and a module", id));
          continue;
        }
        if (a.version == b.version) {
          Diagnostic& d = cx_.diagnostics.error("check.duplicate_version", b.span,
                                                fmt::format("version \"{}\" of `{}` is loaded twice", a.version, id));
          d.notes.push_back({a.span, "also declared here"});
        } else if (ranges_overlap(a.effective, b.effective)) {
          Diagnostic& d = cx_.diagnostics.error(
              "check.overlapping_versions", b.span,
              fmt::format("versions \"{}\" ({}) and \"{}\" ({}) of `{}` are both in force on some dates", a.version,
                          range_text(a.effective), b.version, range_text(b.effective), id));
          d.notes.push_back({a.span, fmt::format("version \"{}\" is declared here", a.version)});
          d.help = "give each version an `effective` range that does not overlap the others";
        }
      }
    }
  }
}

Type DeclarationChecker::infer_set_expr(const ast::Expr& e, std::size_t file) {
  if (auto* n = std::get_if<ast::NameRef>(&e.kind)) {
    auto it = cx_.visible[file].codesets.find(n->name);
    if (it != cx_.visible[file].codesets.end()) {
      cx_.codeset_used[it->second] = true;
      Type t = infer_codeset(it->second);
      rs_.types[e.id] = t;
      rs_.resolutions[e.id] = RefCodeSet{it->second};
      return t;
    }
  }
  if (auto* op = std::get_if<ast::SetOperation>(&e.kind)) {
    Type lhs = infer_set_expr(*op->lhs, file);
    Type rhs = infer_set_expr(*op->rhs, file);
    if (lhs.base == BaseType::set && rhs.base == BaseType::set && (lhs.element != rhs.element || lhs.ref != rhs.ref)) {
      cx_.diagnostics.error("check.type_mismatch", e.span,
                            fmt::format("cannot combine {} with {}", describe_type(cx_, lhs), describe_type(cx_, rhs)));
    }
    rs_.types[e.id] = lhs;
    return lhs;
  }
  Scope scope;
  scope.file = file;
  Type t = check_expr(cx_, e, scope);
  if (t.base != BaseType::set && t.base != BaseType::error) {
    cx_.diagnostics.error("check.not_a_set", e.span,
                          fmt::format("a code set must be a code-set literal (`icd10 {{ F33.* }}`), a code set or "
                                      "their union/difference; found {}",
                                      describe_type(cx_, t)));
    return Type::of(BaseType::error);
  }
  return t;
}

Type DeclarationChecker::infer_codeset(std::uint32_t index) {
  if (codeset_state_[index] == 2) return rs_.codesets[index].type;
  if (codeset_state_[index] == 1) {
    cx_.diagnostics.error(
        "check.recursive_codeset", rs_.codesets[index].decl->name.span,
        fmt::format("code set `{}` is defined in terms of itself", rs_.codesets[index].decl->name.text));
    return Type::of(BaseType::error);
  }
  codeset_state_[index] = 1;
  Type t = infer_set_expr(*rs_.codesets[index].decl->value, rs_.codesets[index].file);
  rs_.codesets[index].type = t;
  codeset_state_[index] = 2;
  return t;
}

void DeclarationChecker::infer_codesets() {
  codeset_state_.assign(rs_.codesets.size(), 0);
  for (std::uint32_t i = 0; i < rs_.codesets.size(); ++i) infer_codeset(i);
  // Reading a code set while declaring others is not a use.
  std::fill(cx_.codeset_used.begin(), cx_.codeset_used.end(), false);
}

void DeclarationChecker::check_params() {
  for (CheckedParam& p : rs_.params) {
    auto t = resolve_type(cx_, p.decl->type);
    if (!t) continue;
    p.type = *t;
    // The grammar lets the default out, but a param's value must always be defined.
    if (!p.decl->default_value) {
      cx_.diagnostics.error("check.param_without_default", p.decl->name.span,
                            fmt::format("param `{}` needs a default value (`param {}: ... = VALUE`)", p.decl->name.text,
                                        p.decl->name.text));
      continue;
    }
    Scope scope;
    scope.file = p.file;
    Type dt = check_expr(cx_, *p.decl->default_value, scope, &p.type);
    if (dt.base != BaseType::error && !(dt == p.type || (dt.is_numeric() && p.type.is_numeric())))
      cx_.diagnostics.error("check.type_mismatch", p.decl->default_value->span,
                            fmt::format("param `{}` is {}, but its default is {}", p.decl->name.text,
                                        describe_type(cx_, p.type), describe_type(cx_, dt)));
  }
  for (Unit& u : rs_.units) {
    for (const ast::Item& item : rs_.files.files[u.file].items) {
      auto* s = std::get_if<ast::ParamSet>(&item);
      if (!s) continue;
      std::optional<std::uint32_t> found;
      std::string name = s->name.text;
      for (std::uint32_t i = 0; i < rs_.params.size(); ++i)
        if (rs_.params[i].qualified == name || rs_.params[i].decl->name.text == name) found = i;
      if (!found) {
        std::vector<std::string> names;
        for (const auto& p : rs_.params) names.push_back(p.qualified);
        Diagnostic& d = cx_.diagnostics.error("check.unknown_param", s->name.span,
                                              fmt::format("no loaded module declares a param `{}`", name));
        if (auto best = closest_match(name, names)) d.help = fmt::format("did you mean `{}`?", *best);
        continue;
      }
      Scope scope;
      scope.file = u.file;
      Type t = check_expr(cx_, *s->value, scope, &rs_.params[*found].type);
      if (t.base != BaseType::error && rs_.params[*found].type.base != BaseType::error &&
          !(t == rs_.params[*found].type || (t.is_numeric() && rs_.params[*found].type.is_numeric())))
        cx_.diagnostics.error("check.type_mismatch", s->value->span,
                              fmt::format("param `{}` is {}, not {}", name, describe_type(cx_, rs_.params[*found].type),
                                          describe_type(cx_, t)));
      u.param_sets.emplace_back(*found, s->value.get());
    }
  }
}

void DeclarationChecker::resolve_overrides(CheckedRule& cr) {
  const ast::Rule& r = *cr.rule;
  for (const ast::OverrideTarget& target : r.overrides) {
    std::vector<std::uint32_t> hits;
    if (target.by_tag) {
      for (std::uint32_t i = 0; i < rs_.rules.size(); ++i) {
        if (rs_.rules[i].rule == &r) continue;
        for (const ast::Ident& tag : rs_.rules[i].rule->tags)
          if (tag.text == target.name) hits.push_back(i);
      }
      if (hits.empty())
        cx_.diagnostics.warning(
            "check.unmatched_tag", target.span,
            fmt::format("no loaded rule is tagged `{}`: this override has nothing to override", target.name));
    } else {
      std::string qualified =
          target.name.find('.') == std::string::npos ? rs_.units[cr.unit].id + "." + target.name : target.name;
      for (std::uint32_t i = 0; i < rs_.rules.size(); ++i)
        if (rs_.rules[i].qualified_id == qualified && rs_.rules[i].rule != &r) hits.push_back(i);
      if (hits.empty()) {
        std::vector<std::string> names;
        for (const auto& other : rs_.rules) {
          names.push_back(other.qualified_id);
          if (other.unit == cr.unit) names.push_back(other.rule->name.text);
        }
        Diagnostic& d = cx_.diagnostics.error("check.unknown_override", target.span,
                                              fmt::format("`overrides {}`: no such rule", target.name));
        if (auto best = closest_match(target.name, names)) d.help = fmt::format("did you mean `{}`?", *best);
      }
    }
    for (std::uint32_t h : hits)
      if (std::find(cr.overrides.begin(), cr.overrides.end(), h) == cr.overrides.end()) cr.overrides.push_back(h);
  }
}

void DeclarationChecker::check_rule(std::uint32_t index) {
  CheckedRule& cr = rs_.rules[index];
  const ast::Rule& r = *cr.rule;
  std::size_t file = rs_.units[cr.unit].file;
  bool has_criteria = std::any_of(r.requirements.begin(), r.requirements.end(), [](const ast::Requirement& q) {
    return q.kind != ast::Requirement::Kind::prior_auth;
  });
  if (r.advice) {
    cr.kind = RuleKind::advice;
    if (r.cover || r.direct || r.route || !r.requirements.empty() || !r.grants.empty() || !r.overrides.empty())
      cx_.diagnostics.error(
          "check.advice_effect", r.name.span,
          fmt::format("advice `{}` may only have `when`, `next` and `warning`: advice never changes the decision",
                      r.name.text));
    if (r.next_steps.empty() && r.warnings.empty())
      cx_.diagnostics.warning("check.empty_advice", r.name.span,
                              fmt::format("advice `{}` gives no `next` step and no `warning`", r.name.text));
  } else if (r.cover) {
    cr.kind = RuleKind::coverage;
    if (r.direct)
      cx_.diagnostics.error(
          "check.mixed_effects", r.direct->span,
          fmt::format("rule `{}` both covers and has a direct effect; split it into two rules", r.name.text));
  } else if (r.direct || has_criteria) {
    cr.kind = RuleKind::restriction;
    if (r.direct && has_criteria)
      cx_.diagnostics.error(
          "check.mixed_effects", r.direct->span,
          fmt::format("rule `{}` has a direct effect and criteria; a restriction has one or the other", r.name.text));
    if (!r.grants.empty())
      cx_.diagnostics.error("check.grant_outside_coverage", r.grants.front().span,
                            "`authorize` belongs to a coverage rule");
  } else {
    cr.kind = RuleKind::effect;
    if (!r.route && r.requirements.empty() && r.next_steps.empty() && r.grants.empty())
      cx_.diagnostics.warning("check.no_effect", r.name.span, fmt::format("rule `{}` has no effect", r.name.text));
  }

  if (!r.advice && !r.warnings.empty()) {
    dsl::Diagnostic& d = cx_.diagnostics.error("check.warning_outside_advice", r.warnings.front().span,
                                               "`warning` belongs to an advice rule");
    d.help = "move it into an `advice` whose `when` says when the case deserves the warning";
  }
  if (r.effective) check_date_range(cx_, *r.effective, fmt::format("rule `{}`", r.name.text));

  Scope scope;
  scope.file = file;
  scope.allow_decision = r.advice;
  scope.allow_benefit = !r.route;
  if (r.when) {
    Type t = check_expr(cx_, *r.when, scope);
    if (t.base != BaseType::error && (t.list || t.base != BaseType::boolean))
      cx_.diagnostics.error("check.type_mismatch", r.when->span,
                            fmt::format("`when` needs a condition (bool), found {}", describe_type(cx_, t)));
  }
  scope.allow_benefit = true;
  for (const ast::Requirement& q : r.requirements) {
    if (q.effective) check_date_range(cx_, *q.effective, fmt::format("a criterion of rule `{}`", r.name.text));
    if (q.kind == ast::Requirement::Kind::criterion && q.condition) {
      Type t = check_expr(cx_, *q.condition, scope);
      if (t.base != BaseType::error && (t.list || t.base != BaseType::boolean))
        cx_.diagnostics.error("check.type_mismatch", q.condition->span,
                              fmt::format("`require` needs a condition (bool), found {}", describe_type(cx_, t)));
    } else if (q.kind == ast::Requirement::Kind::document && q.document) {
      if (!rs_.document_enum) {
        cx_.diagnostics.error("check.no_documents", q.span, "the schema has no `documents` list of an enumeration");
      } else if (!rs_.schema.enums[*rs_.document_enum].find(q.document->text)) {
        const EnumType& en = rs_.schema.enums[*rs_.document_enum];
        Diagnostic& d = cx_.diagnostics.error("check.unknown_document", q.document->span,
                                              fmt::format("`{}` is not a document of `{}`", q.document->text, en.name));
        if (auto best = closest_match(q.document->text, en.members)) d.help = fmt::format("did you mean `{}`?", *best);
      }
      if (q.else_decision && *q.else_decision == ast::Decision::covered)
        cx_.diagnostics.error("check.else_effect", q.span, "`else` takes deny, pend or exclude");
    }
  }
  if (r.route) {
    if (!rs_.benefit_enum) {
      cx_.diagnostics.error("check.no_benefit_enum", r.route->span,
                            "the schema declares no `benefit` enumeration to route to");
    } else if (!rs_.schema.enums[*rs_.benefit_enum].find(r.route->text)) {
      const EnumType& en = rs_.schema.enums[*rs_.benefit_enum];
      Diagnostic& d = cx_.diagnostics.error("check.unknown_benefit", r.route->span,
                                            fmt::format("`{}` is not a benefit of `{}`", r.route->text, en.name));
      if (auto best = closest_match(r.route->text, en.members)) d.help = fmt::format("did you mean `{}`?", *best);
    }
  }
  for (const ast::Grant& g : r.grants) {
    if (g.amount_expr) {
      // Computed from the case: an integer (a decimal count of sessions has no meaning).
      Type t = check_expr(cx_, *g.amount_expr, scope);
      if (t.base != BaseType::error && (t.list || t.base != BaseType::integer))
        cx_.diagnostics.error("check.type_mismatch", g.amount_expr->span,
                              fmt::format("`authorize` needs an integer amount, found {}", describe_type(cx_, t)));
    } else if (g.amount <= 0) {
      cx_.diagnostics.error("check.grant", g.span, "an authorization must grant a positive amount");
    }
  }
  resolve_overrides(cr);
}

void DeclarationChecker::check_rules() {
  for (std::uint32_t i = 0; i < rs_.rules.size(); ++i) check_rule(i);
}

void DeclarationChecker::check_schema_expressions() {
  for (std::uint32_t r = 0; r < rs_.schema.records.size(); ++r) {
    const RecordType& rec = rs_.schema.records[r];
    for (const FieldInfo& f : rec.fields) {
      if (!f.derived) continue;
      Scope scope;
      scope.file = f.span.file == no_file ? 0 : 0;
      scope.self_record = r;
      scope.in_schema = true;
      scope.allow_benefit = false;
      for (std::size_t i = 0; i < rs_.files.files.size(); ++i)
        if (rs_.files.files[i].file == f.span.file) scope.file = i;
      Type t = check_expr(cx_, *f.derived, scope, &f.type);
      if (t.base != BaseType::error && !(t == f.type || (t.is_numeric() && f.type.is_numeric())))
        cx_.diagnostics.error("check.type_mismatch", f.derived->span,
                              fmt::format("derived field `{}` is {}, but its expression is {}", f.name,
                                          describe_type(cx_, f.type), describe_type(cx_, t)));
    }
    for (const ast::CheckDecl* c : rec.checks) {
      Scope scope;
      scope.self_record = r;
      scope.in_schema = true;
      scope.allow_benefit = false;
      for (std::size_t i = 0; i < rs_.files.files.size(); ++i)
        if (rs_.files.files[i].file == c->span.file) scope.file = i;
      Type t = check_expr(cx_, *c->condition, scope);
      if (t.base != BaseType::error && (t.list || t.base != BaseType::boolean))
        cx_.diagnostics.error("check.type_mismatch", c->condition->span, "a `check` needs a condition (bool)");
      if (c->guard) {
        Type g = check_expr(cx_, *c->guard, scope);
        if (g.base != BaseType::error && (g.list || g.base != BaseType::boolean))
          cx_.diagnostics.error("check.type_mismatch", c->guard->span,
                                "the `when` of a `check` needs a condition (bool)");
      }
    }
  }
}

void DeclarationChecker::check_unused() {
  for (std::uint32_t i = 0; i < rs_.defines.size(); ++i) {
    if (cx_.define_state[i] == 0) {
      if (rs_.defines[i].decl->params.empty()) check_define(cx_, i, {}, rs_.defines[i].decl->name.span);
      cx_.diagnostics.warning("check.unused_define", rs_.defines[i].decl->name.span,
                              fmt::format("define `{}` is never used", rs_.defines[i].decl->name.text));
    }
  }
  // A code set that only feeds used code sets (`pain = crps | chronic_pain`) is used
  // through them: propagate use along set operations until nothing changes.
  std::function<void(const ast::Expr&, std::vector<std::uint32_t>&)> members = [&](const ast::Expr& e,
                                                                                   std::vector<std::uint32_t>& out) {
    if (auto* r = std::get_if<RefCodeSet>(&rs_.resolutions[e.id])) out.push_back(r->codeset);
    if (auto* op = std::get_if<ast::SetOperation>(&e.kind)) {
      members(*op->lhs, out);
      members(*op->rhs, out);
    }
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (std::uint32_t j = 0; j < rs_.codesets.size(); ++j) {
      if (!cx_.codeset_used[j]) continue;
      std::vector<std::uint32_t> fed;
      members(*rs_.codesets[j].decl->value, fed);
      for (std::uint32_t i : fed) {
        if (!cx_.codeset_used[i]) cx_.codeset_used[i] = changed = true;
      }
    }
  }
  for (std::uint32_t i = 0; i < rs_.codesets.size(); ++i) {
    if (!cx_.codeset_used[i])
      cx_.diagnostics.warning("check.unused_codeset", rs_.codesets[i].decl->name.span,
                              fmt::format("code set `{}` is never used", rs_.codesets[i].decl->name.text));
  }
  const auto& files = rs_.files.files;
  for (std::size_t f = 0; f < files.size() && f < rs_.files.imports.size(); ++f) {
    std::size_t k = 0;
    for (const ast::Item& item : files[f].items) {
      auto* imp = std::get_if<ast::Import>(&item);
      if (!imp) continue;
      if (k >= rs_.files.imports[f].size()) break;
      std::size_t target = rs_.files.imports[f][k++];
      bool used = false;
      for (std::uint32_t i = 0; i < rs_.codesets.size(); ++i)
        used |= rs_.codesets[i].file == target && cx_.codeset_used[i];
      for (std::uint32_t i = 0; i < rs_.defines.size(); ++i)
        used |= rs_.defines[i].file == target && cx_.define_used[i];
      for (const CheckedParam& p : rs_.params) used |= p.file == target;
      if (files[target].header) used = true;  // importing a policy or module loads its rules
      if (!used)
        cx_.diagnostics.warning("check.unused_import", imp->span, fmt::format("nothing from `{}` is used", imp->path));
    }
  }
}

void DeclarationChecker::check_override_cycles() {
  std::vector<int> state(rs_.rules.size(), 0);
  std::vector<std::uint32_t> path;
  std::function<void(std::uint32_t)> visit = [&](std::uint32_t i) {
    state[i] = 1;
    path.push_back(i);
    for (std::uint32_t next : rs_.rules[i].overrides) {
      if (state[next] == 1) {
        std::string chain;
        auto start = std::find(path.begin(), path.end(), next);
        for (auto it = start; it != path.end(); ++it) chain += rs_.rules[*it].qualified_id + " overrides ";
        chain += rs_.rules[next].qualified_id;
        cx_.diagnostics.error("check.override_cycle", rs_.rules[i].rule->name.span,
                              fmt::format("override cycle: {}", chain));
      } else if (state[next] == 0) {
        visit(next);
      }
    }
    path.pop_back();
    state[i] = 2;
  };
  for (std::uint32_t i = 0; i < rs_.rules.size(); ++i)
    if (state[i] == 0) visit(i);
}

// The policies and modules that add to the schema, each after the files it imports (then in
// load order), so that an extension can build on what an imported file declares.
std::vector<const ast::File*> extension_order(const RuleFiles& files) {
  std::vector<const ast::File*> order;
  std::vector<bool> seen(files.files.size(), false);
  auto adds = [](const ast::File& f) {
    if (!f.header || (f.header->kind != ast::FileKind::policy && f.header->kind != ast::FileKind::module)) return false;
    return std::any_of(f.items.begin(), f.items.end(), [](const ast::Item& i) {
      return std::holds_alternative<ast::EnumDecl>(i) || std::holds_alternative<ast::RecordDecl>(i) ||
             std::holds_alternative<ast::SynonymsDecl>(i);
    });
  };
  std::function<void(std::size_t)> visit = [&](std::size_t i) {
    if (seen[i]) return;
    seen[i] = true;
    if (i < files.imports.size())
      for (std::size_t imp : files.imports[i]) visit(imp);
    if (adds(files.files[i])) order.push_back(&files.files[i]);
  };
  for (std::size_t i = 0; i < files.files.size(); ++i) visit(i);
  return order;
}

std::unique_ptr<CheckedRuleSet> check_all(RuleFiles files, SourceRegistry& sources, Diagnostics& diagnostics) {
  auto rs = std::make_unique<CheckedRuleSet>();
  rs->files = std::move(files);
  std::vector<const ast::File*> schema_files;
  for (const ast::File& f : rs->files.files)
    if (f.header && f.header->kind == ast::FileKind::schema) schema_files.push_back(&f);
  if (schema_files.empty()) {
    FileId id = sources.add("<built-in>/rules/schema/case.cpl", std::string(embedded::default_schema_text));
    Diagnostics parse_errors;
    auto parsed = parse_file(sources, id, rs->files.node_count, parse_errors);
    diagnostics.append(parse_errors);
    if (!parsed) return nullptr;
    rs->files.files.push_back(std::move(*parsed));
    rs->files.imports.emplace_back();
    rs->files.canonical_paths.push_back("<built-in>/rules/schema/case.cpl");
    schema_files.push_back(&rs->files.files.back());
  }
  auto schema = build_schema(schema_files, diagnostics, &sources, extension_order(rs->files));
  if (!schema) return nullptr;
  rs->schema = std::move(*schema);
  if (!rs->schema.find_enum("decision")) {
    rs->schema.enums.push_back(EnumType{"decision", {"covered", "pend", "denied", "excluded"}, {}, {}, {}});
  }
  rs->benefit_enum = rs->schema.find_enum("benefit");
  if (auto docs = rs->schema.root_record().find("documents")) {
    const Type& t = rs->schema.root_record().fields[*docs].type;
    if (t.list && t.base == BaseType::enumeration) {
      rs->document_enum = t.ref;
      rs->documents_field = *docs;
    }
  }
  rs->types.assign(rs->files.node_count, Type::of(BaseType::error));
  rs->resolutions.assign(rs->files.node_count, std::monostate{});

  CheckContext cx{*rs, sources, diagnostics, {}, {}, {}, {}, {}, {}, {}, {}};
  DeclarationChecker checker(cx);
  checker.collect_declarations();
  checker.build_units();
  checker.check_versions();
  checker.infer_codesets();
  checker.check_params();
  checker.check_schema_expressions();
  checker.check_rules();
  checker.check_unused();
  checker.check_override_cycles();
  report_unknown_names(cx);
  diagnostics.sort();
  drop_ignored(rs->files.files, sources, diagnostics);  // `# covcheck:ignore CODE` silences a warning
  return rs;
}

}  // namespace

std::unique_ptr<CheckedRuleSet> check_rule_set(RuleFiles files, SourceRegistry& sources, Diagnostics& diagnostics) {
  std::unique_ptr<CheckedRuleSet> rs = check_all(std::move(files), sources, diagnostics);
  if (diagnostics.has_errors()) return nullptr;
  return rs;
}

std::unique_ptr<CheckedRuleSet> check_rule_set_for_editor(RuleFiles files, SourceRegistry& sources,
                                                          Diagnostics& diagnostics) {
  return check_all(std::move(files), sources, diagnostics);
}

}  // namespace covcheck::dsl

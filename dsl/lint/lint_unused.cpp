// Unused declarations, judged by reachability from what decides cases (rules, the schema's
// derivations and checks, param values): a code set or define that only an unused define
// mentions is unused too, and an import whose names no reachable expression of the
// importing file reads is unused. These findings replace the checker's warnings in lint output
// and carry the same codes (`check.unused_codeset`, ...): one finding, one code, one ignore comment.
#include <fmt/format.h>

#include "dsl/lint/lint_context.hpp"

namespace covcheck::dsl::lint {

namespace {

struct Reach {
  const Context& cx;
  std::vector<bool> codesets, defines, params;
  std::vector<std::vector<bool>> file_uses;  // [from file][to file]: a reachable name of `to` read in `from`

  void note_use(SourceSpan at, std::size_t target_file) {
    std::size_t from = cx.file_index(at);
    file_uses[from][target_file] = true;
  }

  void walk(const ast::Expr& root) {
    visit_exprs(root, [&](const ast::Expr& e) {
      const Resolution& r = cx.rs.resolutions[e.id];
      if (auto* d = std::get_if<RefDefine>(&r)) {
        note_use(e.span, cx.rs.defines[d->define].file);
        if (!defines[d->define]) {
          defines[d->define] = true;
          walk(*cx.rs.defines[d->define].decl->body);
        }
      } else if (auto* c = std::get_if<RefCodeSet>(&r)) {
        note_use(e.span, cx.rs.codesets[c->codeset].file);
        if (!codesets[c->codeset]) {
          codesets[c->codeset] = true;
          walk(*cx.rs.codesets[c->codeset].decl->value);
        }
      } else if (auto* p = std::get_if<RefParam>(&r)) {
        note_use(e.span, cx.rs.params[p->param].file);
        if (!params[p->param]) {
          params[p->param] = true;
          if (cx.rs.params[p->param].decl->default_value) walk(*cx.rs.params[p->param].decl->default_value);
        }
      }
    });
  }
};

// Where a declaration is mentioned at all (by reachable or unreachable expressions), for
// the explanation: "only `x` uses it, and `x` is itself unused".
std::vector<std::string> mentioned_by(const Context& cx, std::size_t kind, std::uint32_t index) {
  std::vector<std::string> out;
  auto mentions = [&](const ast::Expr& root) {
    bool found = false;
    visit_exprs(root, [&](const ast::Expr& e) {
      const Resolution& r = cx.rs.resolutions[e.id];
      if (kind == 0)
        if (auto* c = std::get_if<RefCodeSet>(&r); c && c->codeset == index) found = true;
      if (kind == 1)
        if (auto* d = std::get_if<RefDefine>(&r); d && d->define == index) found = true;
    });
    return found;
  };
  for (std::uint32_t i = 0; i < cx.rs.defines.size(); ++i)
    if (!(kind == 1 && i == index) && mentions(*cx.rs.defines[i].decl->body))
      out.push_back(cx.rs.defines[i].decl->name.text);
  for (std::uint32_t i = 0; i < cx.rs.codesets.size(); ++i)
    if (!(kind == 0 && i == index) && mentions(*cx.rs.codesets[i].decl->value))
      out.push_back(cx.rs.codesets[i].decl->name.text);
  return out;
}

std::string names(const std::vector<std::string>& list) {
  std::string out;
  for (std::size_t i = 0; i < list.size(); ++i) out += (i ? ", `" : "`") + list[i] + "`";
  return out;
}

// Reports unless an ignore comment names the lint code or the checker's twin code.
void report_unused(Context& cx, const std::string& what, SourceSpan span, std::string message, std::string explanation,
                   std::string hint) {
  cx.report(Severity::warning, "check.unused_" + what, span, std::move(message), std::move(explanation),
            std::move(hint));
}

}  // namespace

void lint_unused(Context& cx) {
  const auto& files = cx.rs.files.files;
  Reach reach{cx, std::vector<bool>(cx.rs.codesets.size(), false), std::vector<bool>(cx.rs.defines.size(), false),
              std::vector<bool>(cx.rs.params.size(), false),
              std::vector<std::vector<bool>>(files.size(), std::vector<bool>(files.size(), false))};
  for (const CheckedRule& r : cx.rs.rules) {
    if (r.rule->when) reach.walk(*r.rule->when);
    for (const ast::Requirement& q : r.rule->requirements)
      if (q.condition) reach.walk(*q.condition);
  }
  for (const RecordType& rec : cx.rs.schema.records) {
    for (const FieldInfo& f : rec.fields)
      if (f.derived) reach.walk(*f.derived);
    for (const ast::CheckDecl* c : rec.checks) {
      reach.walk(*c->condition);
      if (c->guard) reach.walk(*c->guard);
    }
  }
  for (const Unit& u : cx.rs.units)
    for (const auto& [param, value] : u.param_sets) reach.walk(*value);

  for (std::uint32_t i = 0; i < cx.rs.codesets.size(); ++i) {
    if (reach.codesets[i]) continue;
    const ast::CodeSetDecl& d = *cx.rs.codesets[i].decl;
    auto by = mentioned_by(cx, 0, i);
    report_unused(cx, "codeset", d.name.span, fmt::format("code set `{}` is never used", d.name.text),
                  by.empty() ? "no rule reads it, directly or through a define or another code set"
                             : fmt::format("only {} mention{} it, and no rule uses {}", names(by),
                                           by.size() == 1 ? "s" : "", by.size() == 1 ? "that" : "those"),
                  "remove it, or add `# covcheck:ignore check.unused_codeset` with the reason it stays");
  }
  for (std::uint32_t i = 0; i < cx.rs.defines.size(); ++i) {
    if (reach.defines[i]) continue;
    const ast::Define& d = *cx.rs.defines[i].decl;
    auto by = mentioned_by(cx, 1, i);
    report_unused(cx, "define", d.name.span, fmt::format("define `{}` is never used", d.name.text),
                  by.empty() ? "no rule reads it, directly or through another define"
                             : fmt::format("only {} use{} it, and no rule uses {}", names(by),
                                           by.size() == 1 ? "s" : "", by.size() == 1 ? "that" : "those"),
                  "remove it, or add `# covcheck:ignore check.unused_define` with the reason it stays");
  }
  for (std::size_t f = 0; f < files.size() && f < cx.rs.files.imports.size(); ++f) {
    std::size_t k = 0;
    for (const ast::Item& item : files[f].items) {
      auto* imp = std::get_if<ast::Import>(&item);
      if (!imp) continue;
      if (k >= cx.rs.files.imports[f].size()) break;
      std::size_t target = cx.rs.files.imports[f][k++];
      if (files[target].header) continue;  // importing a policy or module loads its rules
      bool has_params = false;
      for (const CheckedParam& p : cx.rs.params) has_params |= p.file == target;
      if (has_params || reach.file_uses[f][target]) continue;
      report_unused(cx, "import", imp->span, fmt::format("nothing from `{}` is used", imp->path),
                    "no rule of this file reads a code set or define of the imported file, directly or through "
                    "this file's defines",
                    "remove the import");
    }
  }
}

}  // namespace covcheck::dsl::lint

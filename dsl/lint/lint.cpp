// The linter's driver: runs every pass over the checked rule set, then applies ignore
// comments and sorts the findings by position.
#include "dsl/lint/lint.hpp"

#include "dsl/lint/lint_context.hpp"
#include "dsl/source/ignore_comments.hpp"

namespace covcheck::dsl {

namespace lint {

Diagnostic& Context::report(Severity severity, std::string code, SourceSpan span, std::string message,
                            std::string explanation, std::string hint) {
  Diagnostic& d = severity == Severity::error ? out.error(std::move(code), span, std::move(message))
                                              : out.warning(std::move(code), span, std::move(message));
  if (!explanation.empty()) d.notes.push_back({std::nullopt, std::move(explanation)});
  if (!hint.empty()) d.help = std::move(hint);
  return d;
}

std::string Context::text(SourceSpan span) const {
  if (span.file == no_file || span.file >= sources.size()) return {};
  std::string_view raw = sources.file(span.file).slice(span);
  std::string out;
  bool space = false;
  bool in_comment = false;
  for (char c : raw) {
    if (in_comment) {
      if (c == '\n') in_comment = false;
      else continue;
    }
    if (c == '#') {  // a comment inside a multi-line condition is not part of its meaning
      in_comment = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::size_t Context::file_index(SourceSpan span) const {
  for (std::size_t i = 0; i < rs.files.files.size(); ++i)
    if (rs.files.files[i].file == span.file) return i;
  return 0;
}

}  // namespace lint

const std::vector<std::string>& lint_codes() {
  static const std::vector<std::string> codes{
      "lint.unreachable_rule",
      "lint.always_true",
      "lint.never_true",
      "lint.shadowed_rule",
      "lint.route_overlap",
      "check.unused_codeset",
      "check.unused_define",
      "check.unused_import",
      "lint.codeset_overlap",
      "lint.missing_cite",
      "lint.version_gap",
      "lint.unguarded_unknown",
      "lint.criterion_without_message",
      "lint.if_without_else",
  };
  return codes;
}

Diagnostics lint_rule_set(const CheckedRuleSet& rules, const SourceRegistry& sources) {
  Diagnostics findings;
  lint::Context cx{rules, sources, findings};
  lint::lint_conditions(cx);
  lint::lint_rule_relations(cx);
  lint::lint_codesets(cx);
  lint::lint_unused(cx);
  lint::lint_versions(cx);
  lint::lint_unknowns(cx);
  findings.sort();
  drop_ignored(rules.files.files, sources, findings, /*errors_too=*/true);
  return findings;
}

}  // namespace covcheck::dsl

// Completion from the text before the cursor (which rarely parses while being typed) and
// the names of the document's last checked rule set: fields after `.`, enumeration members
// where one is expected, code sets after `in`, else names, keywords and snippets.
#include <algorithm>
#include <cctype>
#include <map>

#include "lsp/features.hpp"

namespace covcheck::lsp {

namespace {

// LSP CompletionItemKind values.
enum ItemKind {
  method_item = 2,
  function_item = 3,
  field_item = 5,
  variable_item = 6,
  module_item = 9,
  keyword_item = 14,
  snippet_item = 15,
  file_item = 17,
  enum_member_item = 20,
  constant_item = 21
};

// How far back the text is read for variable binders: a rule is far shorter.
constexpr std::size_t lookback = 32 * 1024;

bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The words and punctuation of a text, without comments and string literals.
std::vector<std::string> tokens(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '"') {
      for (++i; i < text.size() && text[i] != '"' && text[i] != '\n'; ++i)
        if (text[i] == '\\') ++i;
      ++i;
      out.emplace_back("\"\"");
    } else if (is_word(c)) {
      std::size_t b = i;
      while (i < text.size() && is_word(text[i])) ++i;
      out.emplace_back(text.substr(b, i - b));
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else {
      std::size_t len = (i + 1 < text.size() && (text.substr(i, 2) == "==" || text.substr(i, 2) == "!=" ||
                                                 text.substr(i, 2) == ">=" || text.substr(i, 2) == "<="))
                            ? 2
                            : 1;
      out.emplace_back(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

// A dotted name ending at token `end` (exclusive): its parts, first to last.
std::vector<std::string> path_before(const std::vector<std::string>& t, std::size_t end) {
  std::vector<std::string> parts;
  std::size_t i = end;
  while (i > 0 && is_word(t[i - 1][0])) {
    parts.insert(parts.begin(), t[i - 1]);
    if (i >= 2 && t[i - 2] == ".") i -= 2;
    else break;
  }
  return parts;
}

class Context {
 public:
  Context(const dsl::CheckedRuleSet* rs, std::vector<std::string> toks) : rs_(rs), t_(std::move(toks)) {
    // Quantifier binders, last wins: `any|all PATH v :`, `count [distinct] ( PATH v :`.
    for (std::size_t i = 0; i + 2 < t_.size(); ++i) {
      if (t_[i + 2] != ":" || !is_word(t_[i + 1][0]) || !is_word(t_[i][0])) continue;
      std::vector<std::string> path = path_before(t_, i + 1);
      if (path.empty()) continue;
      std::size_t start = i + 1;
      for (std::size_t k = 0; k < path.size(); ++k) start -= (k == 0 ? 1 : 2);
      if (start == 0) continue;
      const std::string& before = t_[start - 1];
      if (before == "any" || before == "all" || before == "(") binders_[t_[i + 1]] = path;
    }
  }

  const std::map<std::string, std::vector<std::string>>& binders() const { return binders_; }

  // The type of a dotted name, when the schema says.
  std::optional<dsl::Type> type_of(const std::vector<std::string>& path, int depth = 0) const {
    if (!rs_ || path.empty() || depth > 8) return std::nullopt;
    const dsl::Schema& s = rs_->schema;
    std::optional<dsl::Type> t;
    if (auto b = binders_.find(path[0]); b != binders_.end() && b->second != path) {
      if (auto list = type_of(b->second, depth + 1)) t = list->element_type();
    } else if (auto f = s.root_record().find(path[0])) {
      t = s.root_record().fields[*f].type;
    } else if (path[0] == "benefit" && rs_->benefit_enum) {
      t = dsl::Type::of(dsl::BaseType::enumeration, *rs_->benefit_enum);
    } else if (path[0] == "decision") {
      if (auto e = s.find_enum("decision")) t = dsl::Type::of(dsl::BaseType::enumeration, *e);
    }
    for (std::size_t i = 1; t && i < path.size(); ++i) {
      if (t->base != dsl::BaseType::record || t->list) return std::nullopt;
      const dsl::RecordType& r = s.records[t->ref];
      auto f = r.find(path[i]);
      if (!f) return std::nullopt;
      t = r.fields[*f].type;
    }
    return t;
  }

 private:
  const dsl::CheckedRuleSet* rs_;
  std::vector<std::string> t_;
  std::map<std::string, std::vector<std::string>> binders_;
};

Json item(const std::string& label, int kind, const std::string& detail, const std::string& doc = {}) {
  Json j{{"label", label}, {"kind", kind}, {"detail", detail}};
  if (!doc.empty()) j["documentation"] = Json{{"kind", "markdown"}, {"value", doc}};
  return j;
}

Json snippet(const std::string& label, const std::string& body, const std::string& detail) {
  return Json{
      {"label", label}, {"kind", snippet_item}, {"detail", detail}, {"insertText", body}, {"insertTextFormat", 2}};
}

void enum_members(const Analysis* a, std::uint32_t e, Json& out) {
  const dsl::EnumType& en = a->checked->schema.enums[e];
  for (std::uint32_t m = 0; m < en.members.size(); ++m) {
    std::string doc;
    for (const Occurrence& o : a->occurrences)
      if (o.declaration && o.symbol == Symbol{Symbol::Kind::enum_member, e, m}) doc = doc_comment(*a, o.span);
    out.push_back(item(en.members[m], enum_member_item, "enum " + en.name, doc));
  }
}

void record_fields(const Analysis* a, std::uint32_t r, Json& out) {
  const dsl::Schema& s = a->checked->schema;
  for (const dsl::FieldInfo& f : s.records[r].fields)
    out.push_back(item(f.name, field_item, s.type_name(f.type), doc_comment(*a, f.span)));
}

const char* const keywords[] = {
    "policy",     "module",  "import", "codeset", "define",    "param",    "set",       "rule",    "advice",
    "extend",     "when",    "cover",  "require", "else",      "deny",     "pend",      "exclude", "document",
    "prior_auth", "cite",    "tag",    "tagged",  "overrides", "route",    "authorize", "next",    "warning",
    "effective",  "default", "any",    "all",     "count",     "distinct", "in",        "not",     "and",
    "or",         "is",      "known",  "unknown", "within",    "before",   "after",     "of",      "if",
    "then",       "days",    "weeks",  "months",  "units",     "true",     "false"};

}  // namespace

Json completion(const Document& document, std::uint32_t offset, const Analysis* current, const Analysis* last_checked) {
  const Analysis* a = current && current->checked ? current : last_checked;
  if (a && !a->checked) a = nullptr;
  offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(document.text.size()));
  std::size_t from = offset > lookback ? offset - lookback : 0;
  std::string_view before(document.text.data() + from, offset - from);
  // Only the declaration being written binds variables: it starts at the last line that
  // begins with a declaration word.
  std::size_t declaration = 0;
  for (const char* word : {"\nrule ", "\nadvice ", "\ndefine ", "\ncodeset ", "\nparam ", "\nset ", "\nrecord "}) {
    std::size_t at = before.rfind(word);
    if (at != std::string_view::npos) declaration = std::max(declaration, at + 1);
  }
  before.remove_prefix(declaration);
  std::size_t word = before.size();
  while (word > 0 && is_word(before[word - 1])) --word;
  std::vector<std::string> t = tokens(before.substr(0, word));
  Context cx(a ? a->checked.get() : nullptr, t);
  Json out = Json::array();
  const std::size_t n = t.size();

  // `path.` : the fields of the record it names.
  if (n > 0 && t[n - 1] == ".") {
    std::vector<std::string> path = path_before(t, n - 1);
    if (a) {
      if (auto type = cx.type_of(path); type && type->base == dsl::BaseType::record) {
        record_fields(a, type->ref, out);
      } else if (path.size() == 1) {
        // A module's or policy's qualified params: `claims.filing_days`.
        for (const dsl::CheckedParam& p : a->checked->params)
          if (p.qualified.rfind(path[0] + ".", 0) == 0)
            out.push_back(
                item(p.qualified.substr(path[0].size() + 1), variable_item, a->checked->schema.type_name(p.type)));
      }
    }
    return Json{{"isIncomplete", false}, {"items", out}};
  }
  if (a) {
    // An enumeration member where one is expected: after `==`/`!=`, inside `in { … }`,
    // after `route` (a benefit) and `document`.
    std::optional<std::uint32_t> expected_enum;
    std::size_t brace = n;
    while (brace > 0 && t[brace - 1] != "{" && t[brace - 1] != "}" && (is_word(t[brace - 1][0]) || t[brace - 1] == ","))
      --brace;
    if (n > 0 && (t[n - 1] == "==" || t[n - 1] == "!=")) {
      if (auto type = cx.type_of(path_before(t, n - 1)); type && type->base == dsl::BaseType::enumeration)
        expected_enum = type->ref;
    } else if (brace > 0 && t[brace - 1] == "{" && brace >= 2 && t[brace - 2] == "in") {
      if (auto type = cx.type_of(path_before(t, brace >= 3 && t[brace - 3] == "not" ? brace - 3 : brace - 2));
          type && type->base == dsl::BaseType::enumeration)
        expected_enum = type->ref;
    } else if (n > 0 && t[n - 1] == "route") {
      expected_enum = a->checked->benefit_enum;
    } else if (n > 0 && t[n - 1] == "document") {
      expected_enum = a->checked->document_enum;
    }
    if (expected_enum) {
      enum_members(a, *expected_enum, out);
      return Json{{"isIncomplete", false}, {"items", out}};
    }
    // After `in`: code sets first.
    if (n > 0 && t[n - 1] == "in") {
      for (const dsl::CheckedCodeSet& c : a->checked->codesets)
        out.push_back(item(c.decl->name.text, constant_item, a->checked->schema.type_name(c.type),
                           doc_comment(*a, c.decl->span)));
      out.push_back(snippet("icd10 { … }", "icd10 { ${1:F33.*} }", "ICD-10-CM code set"));
      out.push_back(snippet("cpt { … }", "cpt { ${1:96365} }", "CPT code set"));
      out.push_back(snippet("hcpcs { … }", "hcpcs { ${1:J0013} }", "HCPCS code set"));
      return Json{{"isIncomplete", false}, {"items", out}};
    }
  }
  // Anywhere else: names in scope, keywords and snippets.
  if (a) {
    const dsl::CheckedRuleSet& rs = *a->checked;
    for (const dsl::CheckedDefine& d : rs.defines) {
      std::string detail = d.checked ? rs.schema.type_name(d.result) : "define";
      Json i = item(d.decl->name.text, d.decl->params.empty() ? constant_item : function_item, detail,
                    doc_comment(*a, d.decl->span));
      if (!d.decl->params.empty()) {
        std::string body = d.decl->name.text + "(";
        for (std::size_t p = 0; p < d.decl->params.size(); ++p)
          body += (p ? ", " : "") + std::string("${") + std::to_string(p + 1) + ":" + d.decl->params[p].text + "}";
        i["insertText"] = body + ")";
        i["insertTextFormat"] = 2;
      }
      out.push_back(std::move(i));
    }
    for (const dsl::CheckedCodeSet& c : rs.codesets)
      out.push_back(item(c.decl->name.text, constant_item, rs.schema.type_name(c.type), doc_comment(*a, c.decl->span)));
    for (const dsl::CheckedParam& p : rs.params)
      out.push_back(item(p.qualified, variable_item, rs.schema.type_name(p.type)));
    record_fields(a, rs.schema.root, out);
    for (const auto& [name, path] : cx.binders()) {
      auto type = cx.type_of(path);
      out.push_back(item(name, variable_item, type ? rs.schema.type_name(type->element_type()) : "variable"));
    }
  }
  for (const char* k : keywords) out.push_back(item(k, keyword_item, "keyword"));
  out.push_back(snippet("rule",
                        "rule ${1:id} \"${2:title}\" cite \"${3:§}\"\n  when ${4:condition}\n  cover\n  require "
                        "${5:criterion} cite \"${6:§}\"\n    else deny \"${7:message}\"",
                        "a coverage rule"));
  out.push_back(snippet("require … else",
                        "require ${1:criterion} cite \"${2:§}\"\n    else ${3|deny,pend,exclude|} \"${4:message}\"",
                        "a requirement with its message"));
  out.push_back(snippet("require … effective",
                        "require ${1:criterion} cite \"${2:§}\" effective ${3:2026-01-01} ..\n    else "
                        "${4|deny,pend,exclude|} \"${5:message}\"",
                        "a criterion in force from a date"));
  out.push_back(snippet("authorize min", "authorize min(${1:request.sessions}, ${2:8}) units",
                        "an amount from the case, at most a limit"));
  for (const char* f : {"min", "max"})
    out.push_back(snippet(f, std::string(f) + "(${1:a}, ${2:b})", "the smaller / larger of numbers (built-in)"));
  out.push_back(snippet("define", "define ${1:name} =\n  ${2:condition}", "a named condition"));
  out.push_back(snippet("codeset", "codeset ${1:name} = icd10 { ${2:F33.*} }", "a named code set"));
  out.push_back(snippet("any", "any ${1:diagnoses} ${2:d}: ${3:condition}", "some element matches"));
  return Json{{"isIncomplete", false}, {"items", out}};
}

}  // namespace covcheck::lsp

// The checked rule set: the loaded files plus what the checker learned about them, in
// side tables indexed by expression NodeId (types, name resolutions), and the resolved
// declarations (policy versions and modules, rules, code sets, defines, params).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dsl/check/schema.hpp"
#include "dsl/check/types.hpp"
#include "dsl/syntax/ast.hpp"
#include "dsl/syntax/rule_files.hpp"

namespace covcheck::dsl {

enum class Builtin { years_between, min, max };

// What a name (NameRef, MemberAccess or Call) refers to.
struct RefVariable {
  ast::NodeId binder;
};  // bound by the quantifier node `binder`
struct RefDefineParam {
  std::uint32_t define;
  std::uint32_t index;
};
struct RefField {
  std::uint32_t record;
  std::uint32_t field;
};  // of the root (NameRef) or of the object (MemberAccess)
struct RefSelfField {
  std::uint32_t record;
  std::uint32_t field;
};  // a sibling field, in schema derivations and checks
struct RefDefine {
  std::uint32_t define;
};
struct RefCodeSet {
  std::uint32_t codeset;
};
struct RefParam {
  std::uint32_t param;
};
struct RefBenefit {};
struct RefDecision {};
struct RefEnumMember {
  std::uint32_t enumeration;
  std::uint32_t member;
};
struct RefBuiltin {
  Builtin function;
};
using Resolution = std::variant<std::monostate, RefVariable, RefDefineParam, RefField, RefSelfField, RefDefine,
                                RefCodeSet, RefParam, RefBenefit, RefDecision, RefEnumMember, RefBuiltin>;

enum class RuleKind { coverage, restriction, effect, advice };

// A policy version or a module: one file with a header.
struct Unit {
  ast::FileKind kind = ast::FileKind::policy;
  std::string id;
  std::string title;
  std::string version;
  std::optional<ast::DateRange> effective;
  std::optional<ast::Decision> default_decision;
  std::string default_message;
  std::size_t file = 0;              // index into RuleFiles::files
  std::string digest;                // "sha256:<hex>" of its file and the files it imports
  std::vector<std::uint32_t> rules;  // indexes into CheckedRuleSet::rules
  std::vector<std::pair<std::uint32_t, const ast::Expr*>> param_sets;  // `set p = v`
  SourceSpan span;
};

struct CheckedRule {
  const ast::Rule* rule = nullptr;
  std::uint32_t unit = 0;
  std::string qualified_id;  // `acme.s3_esketamine` (module rules are shown qualified)
  std::string display_id;    // policy rules: the bare id; module rules: qualified
  RuleKind kind = RuleKind::effect;
  std::vector<std::uint32_t> overrides;  // rules this rule overrides (resolved, by id or tag)
};

struct CheckedDefine {
  const ast::Define* decl = nullptr;
  std::size_t file = 0;
  std::vector<Type> param_types;  // fixed by the first call
  Type result;
  bool checked = false;
};

struct CheckedCodeSet {
  const ast::CodeSetDecl* decl = nullptr;
  std::size_t file = 0;
  Type type;  // a set type: element base/ref
};

struct CheckedParam {
  const ast::ParamDecl* decl = nullptr;
  std::size_t file = 0;
  std::string qualified;  // `claims.filing_days`
  Type type;
};

struct CheckedRuleSet {
  RuleFiles files;
  Schema schema;
  std::vector<Type> types;              // by NodeId
  std::vector<Resolution> resolutions;  // by NodeId
  std::vector<Unit> units;
  std::vector<CheckedRule> rules;
  std::vector<CheckedDefine> defines;
  std::vector<CheckedCodeSet> codesets;
  std::vector<CheckedParam> params;
  std::optional<std::uint32_t> benefit_enum;   // the schema's `benefit` enumeration
  std::optional<std::uint32_t> document_enum;  // element enum of the root field `documents`
  std::optional<std::uint32_t> documents_field;
};

}  // namespace covcheck::dsl

// Internal to the checker: the state shared by declaration checking (checker.cpp) and
// expression typing (check_expr.cpp).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dsl/check/checked.hpp"
#include "dsl/source/diagnostics.hpp"

namespace covcheck::dsl::detail {

// Names a file can see: its own declarations and those of the files it imports.
struct VisibleNames {
  std::unordered_map<std::string, std::uint32_t> defines;
  std::unordered_map<std::string, std::uint32_t> codesets;
  std::unordered_map<std::string, std::uint32_t> params;
};

// An unknown name of one file: reported once, at its first use, with the later uses as notes.
struct UnknownName {
  Diagnostic first;
  std::vector<SourceSpan> more;
};

struct CheckContext {
  CheckedRuleSet& rules;
  const SourceRegistry& sources;
  Diagnostics& diagnostics;
  std::vector<VisibleNames> visible;           // by file index
  std::vector<std::vector<bool>> used_import;  // by file index, parallel to RuleFiles::imports
  std::vector<bool> codeset_used;
  std::vector<bool> define_used;
  std::vector<int> define_state;  // 0 unchecked, 1 being checked (cycle guard), 2 checked
  std::vector<bool> define_reads_benefit;
  std::unordered_map<std::string, std::vector<std::uint32_t>> units_by_id;
  std::map<std::pair<std::size_t, std::string>, UnknownName> unknown_names;  // by (file index, name)
};

struct BoundVariable {
  std::string name;
  ast::NodeId binder;
  Type type;
};

// Where an expression is being checked.
struct Scope {
  std::size_t file = 0;
  std::vector<BoundVariable> variables;
  std::optional<std::uint32_t> define;       // checking this define's body: its params are visible
  std::optional<std::uint32_t> self_record;  // schema derivation or check: sibling fields are visible
  bool allow_decision = false;               // advice rules may read `decision`
  bool allow_benefit = true;                 // route conditions may not read `benefit`
  bool reads_benefit = false;                // out: the expression read `benefit`
  bool in_schema = false;
};

Type check_expr(CheckContext& cx, const ast::Expr& e, Scope& scope, const Type* expected = nullptr);
Type check_set(CheckContext& cx, const ast::Expr& e, Scope& scope, const Type& element);
Type check_define(CheckContext& cx, std::uint32_t define, const std::vector<Type>& args, SourceSpan call_span);
std::string describe_type(const CheckContext& cx, const Type& t);
// Adds the unknown names collected while checking expressions to the diagnostics, one per name and file.
void report_unknown_names(CheckContext& cx);
// An `effective` range whose end is before its start is never in force: reported as
// `check.reversed_range` at the range (`what` names its owner: "policy `acme`", "rule `r1`").
void check_date_range(CheckContext& cx, const ast::DateRange& range, std::string_view what);

}  // namespace covcheck::dsl::detail

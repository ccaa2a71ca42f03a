// Internal to the parser: which grammar rules become parse-tree nodes, and the hand-over from
// parser.cpp (PEGTL run, errors) to ast_from_parse_tree.cpp (owned AST). Not for other code.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>

#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/parse_tree.hpp>

#include "dsl/source/diagnostics.hpp"
#include "dsl/syntax/ast.hpp"
#include "dsl/syntax/grammar.hpp"

namespace covcheck::dsl::parse_tree {

using Node = tao::pegtl::parse_tree::node;

// Nested parentheses, quantifiers, sets, ... beyond this depth are a diagnostic, not a crash.
inline constexpr std::size_t max_nesting = 200;
// Deepest expression tree the converter builds (long `a and b and ...` chains nest too).
inline constexpr std::size_t max_expression_depth = 1000;

// An operator level with a single operand is replaced by that operand, so a plain `x` does
// not become ten nested nodes. Unlike PEGTL's fold_one the span is kept when not folding.
struct fold_single : tao::pegtl::parse_tree::apply<fold_single> {
  template <typename N, typename... States>
  static void transform(std::unique_ptr<N>& n, States&&... /*unused*/) {
    if (n->children.size() == 1) n = std::move(n->children.front());
  }
};

namespace g = covcheck::dsl::grammar;

// clang-format off
template<typename Rule>
using selector = tao::pegtl::parse_tree::selector<
    Rule,
    tao::pegtl::parse_tree::store_content::on<
        // tokens
        g::identifier, g::word_name, g::string_literal, g::integer_literal, g::decimal_literal, g::date_literal,
        g::duration_literal, g::duration_amount, g::duration_unit, g::bool_literal, g::code_token,
        g::op_neg, g::op_not, g::op_plus, g::op_minus, g::op_eq, g::op_ne, g::op_le, g::op_ge, g::op_lt, g::op_gt,
        g::set_op, g::presence_word, g::window_direction, g::quant_any, g::quant_all, g::count_distinct,
        g::decision_word, g::effect_kind, g::else_effect, g::list_marker, g::grant_amount, g::grant_unit,
        g::range_start, g::range_end, g::range_end_required, g::qualified_name,
        // expressions
        g::paren_expr, g::set_literal, g::call_args, g::conditional, g::quantifier, g::count_expr, g::count_binding,
        g::count_key, g::unknown_value, g::in_tail, g::not_in_tail, g::presence_tail, g::within_tail, g::neg_literal,
        g::code_set_literal, g::code_entry, g::paren_set, g::date_range,
        // declarations
        g::policy_header, g::module_header, g::schema_header, g::version_option, g::effective_option,
        g::default_option, g::source_option, g::import_item, g::codeset_item, g::define_item, g::define_params,
        g::type_ref, g::param_item, g::set_decl, g::enum_item, g::record_item, g::field_decl, g::field_default,
        g::field_exclusive, g::field_derived, g::check_decl, g::check_when, g::check_severity, g::field_or_none, g::synonyms_item, g::synonym_entry,
        g::extend_item,
        // rules
        g::rule_item, g::advice_item, g::tag_clause, g::cite_clause, g::effective_clause, g::when_clause,
        g::overrides_clause, g::tagged_target, g::cover_clause, g::effect_clause, g::route_clause, g::require_clause,
        g::prior_auth_requirement, g::document_requirement, g::criterion_requirement, g::require_cite,
        g::require_else, g::require_effective, g::authorize_clause, g::grant, g::grant_expr, g::next_clause,
        g::warning_clause>,
    fold_single::on<g::or_expr, g::and_expr, g::not_expr, g::cmp_expr, g::add_expr, g::mul_expr, g::neg_expr,
                    g::postfix_expr, g::name_or_call, g::set_expr>>;
// clang-format on

// Rules whose nesting is limited (every recursion of the grammar passes through one of them).
template <typename Rule>
inline constexpr bool counts_nesting = std::is_same_v<Rule, g::primary> || std::is_same_v<Rule, g::set_term>;

// Builds the AST of one successfully parsed file. `text` is the file's whole text (node
// offsets are measured from it). Reports value errors (bad dates, overflow, duplicate
// clauses, header options) to `diagnostics`; returns nullopt when it reported any error.
std::optional<ast::File> ast_from_parse_tree(const Node& root, std::string_view text, FileId file,
                                             ast::NodeId& next_node_id, Diagnostics& diagnostics);

}  // namespace covcheck::dsl::parse_tree

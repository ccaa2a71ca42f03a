// Runs the PEGTL grammar over one source file: the error-point message table, the control that
// turns a failed `must<>` (or the nesting limit) into a Diagnostic, and the parse-tree dump.
#include "dsl/syntax/parser.hpp"

#include <algorithm>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "dsl/syntax/operators.hpp"
#include "dsl/syntax/parse_tree.hpp"

namespace covcheck::dsl {

namespace {

namespace g = grammar;

// What an error point reports. `found` prefixes the message with "unexpected `X`: ", for
// points where naming the offending token is the whole explanation.
struct ErrorText {
  const char* code = nullptr;
  const char* message = nullptr;
  bool found = false;
};

// clang-format off
template<typename Rule> inline constexpr ErrorText error_message{};

#define COVCHECK_ERROR(rule, code, text) template<> inline constexpr ErrorText error_message<rule>{code, text}
#define COVCHECK_UNEXPECTED(rule, code, text) template<> inline constexpr ErrorText error_message<rule>{code, text, true}

// Lexical.
COVCHECK_ERROR(g::string_unterminated, "parse.unterminated_string", "unterminated string literal");
COVCHECK_ERROR(g::string_bad_character, "parse.invalid_string_character", "invalid character in string literal (control character or invalid UTF-8)");
COVCHECK_ERROR(g::escape_char, "parse.invalid_escape", "unknown escape sequence: expected `\\\"`, `\\\\`, `\\n` or `\\t` after `\\`");
// Expressions.
COVCHECK_ERROR(g::paren_inner, "parse.expected_expression", "expected an expression after `(`");
COVCHECK_ERROR(g::paren_close, "parse.expected_close_paren", "expected `)` to close the parenthesis");
COVCHECK_ERROR(g::next_set_item, "parse.expected_expression", "expected a value after `,` in the set");
COVCHECK_ERROR(g::set_close, "parse.expected_close_brace", "expected `}` to close the set");
COVCHECK_ERROR(g::next_call_arg, "parse.expected_expression", "expected an argument after `,`");
COVCHECK_ERROR(g::call_close, "parse.expected_close_paren", "expected `)` to close the argument list");
COVCHECK_ERROR(g::if_condition, "parse.expected_expression", "expected a condition after `if`");
COVCHECK_ERROR(g::expect_then, "parse.expected_then", "expected `then` after the condition of `if`");
COVCHECK_ERROR(g::then_value, "parse.expected_expression", "expected an expression after `then`");
COVCHECK_ERROR(g::else_value, "parse.expected_expression", "expected an expression after `else`");
COVCHECK_ERROR(g::quant_list<g::quant_any>, "parse.expected_list", "expected a list after `any`");
COVCHECK_ERROR(g::quant_list<g::quant_all>, "parse.expected_list", "expected a list after `all`");
COVCHECK_ERROR(g::quant_var, "parse.expected_variable", "expected a variable name after the list, as in `any diagnoses d: ...`");
COVCHECK_ERROR(g::quant_colon, "parse.expected_colon", "expected `:` after the variable name");
COVCHECK_ERROR(g::quant_body, "parse.expected_expression", "expected a condition after `:`");
COVCHECK_ERROR(g::count_open, "parse.expected_open_paren", "expected `(` after `count`");
COVCHECK_ERROR(g::count_list, "parse.expected_list", "expected a list after `count(`");
COVCHECK_ERROR(g::count_key_expr, "parse.expected_expression", "expected a key expression after `;`");
COVCHECK_ERROR(g::count_close, "parse.expected_close_paren", "expected `)` to close `count(...)`");
COVCHECK_ERROR(g::member_name, "parse.expected_field", "expected a field name after `.`");
COVCHECK_ERROR(g::neg_operand, "parse.expected_expression", "expected an expression after `-`");
COVCHECK_ERROR(g::mul_operand, "parse.expected_expression", "expected an expression after `*`");
COVCHECK_ERROR(g::plus_operand, "parse.expected_expression", "expected an expression after `+`");
COVCHECK_ERROR(g::minus_operand, "parse.expected_expression", "expected an expression after `-`");
COVCHECK_ERROR(g::cmp_operand<g::op_eq>, "parse.expected_expression", "expected an expression after `==`");
COVCHECK_ERROR(g::cmp_operand<g::op_ne>, "parse.expected_expression", "expected an expression after `!=`");
COVCHECK_ERROR(g::cmp_operand<g::op_le>, "parse.expected_expression", "expected an expression after `<=`");
COVCHECK_ERROR(g::cmp_operand<g::op_ge>, "parse.expected_expression", "expected an expression after `>=`");
COVCHECK_ERROR(g::cmp_operand<g::op_lt>, "parse.expected_expression", "expected an expression after `<`");
COVCHECK_ERROR(g::cmp_operand<g::op_gt>, "parse.expected_expression", "expected an expression after `>`");
COVCHECK_ERROR(g::in_after_not, "parse.expected_in", "expected `in` after `not` (as in `x not in s`)");
COVCHECK_ERROR(g::in_set, "parse.expected_set", "expected a set after `in`");
COVCHECK_ERROR(g::presence_word, "parse.expected_known", "expected `known`, `unknown` or `none` after `is`");
COVCHECK_ERROR(g::unknown_open, "parse.expected_open_paren", "expected `(` and the facts the value waits for after `unknown`, as in `unknown(request.type)`");
COVCHECK_ERROR(g::unknown_fact, "parse.expected_fact", "expected a fact (a path such as `request.type`) after `unknown(`");
COVCHECK_ERROR(g::next_unknown_fact, "parse.expected_fact", "expected a fact (a path such as `request.type`) after `,`");
COVCHECK_ERROR(g::unknown_close, "parse.expected_close_paren", "expected `)` to close `unknown(...)`");
COVCHECK_ERROR(g::window_amount, "parse.expected_expression", "expected a duration after `within`");
COVCHECK_ERROR(g::window_direction, "parse.expected_window_direction", "expected `before`, `after` or `of` after the duration of `within`");
COVCHECK_ERROR(g::window_anchor, "parse.expected_expression", "expected a date expression after `before`, `after` or `of`");
COVCHECK_ERROR(g::chained_comparison, "parse.chained_comparison", "comparisons do not chain: parenthesize one of them");
COVCHECK_ERROR(g::not_operand, "parse.expected_expression", "expected an expression after `not`");
COVCHECK_ERROR(g::and_operand, "parse.expected_expression", "expected an expression after `and`");
COVCHECK_ERROR(g::or_operand, "parse.expected_expression", "expected an expression after `or`");
// Sets and code sets.
COVCHECK_ERROR(g::code_range_high, "parse.expected_code", "expected a code after `..`");
COVCHECK_ERROR(g::next_code_entry, "parse.expected_code", "expected a code after `,`");
COVCHECK_ERROR(g::code_set_close, "parse.expected_close_brace", "expected `}` to close the code set");
COVCHECK_ERROR(g::paren_set_inner, "parse.expected_set", "expected a set after `(`");
COVCHECK_ERROR(g::paren_set_close, "parse.expected_close_paren", "expected `)` to close the parenthesized set");
COVCHECK_ERROR(g::set_operand, "parse.expected_set", "expected a set after `|` or `-`");
// Date ranges.
COVCHECK_ERROR(g::date_range, "parse.expected_date_range", "expected a date range after `effective` (`DATE .. DATE`, `DATE ..` or `.. DATE`)");
COVCHECK_ERROR(g::range_dots_after_start, "parse.expected_range", "expected `..` after the start date of the range");
COVCHECK_ERROR(g::range_end_required, "parse.expected_date", "expected a date after `..`");
// Header.
COVCHECK_ERROR(g::header_name<g::kw_policy>, "parse.expected_name", "expected a name after `policy`");
COVCHECK_ERROR(g::header_name<g::kw_module>, "parse.expected_name", "expected a name after `module`");
COVCHECK_ERROR(g::header_name<g::kw_schema>, "parse.expected_name", "expected a name after `schema`");
COVCHECK_ERROR(g::header_title<g::kw_policy>, "parse.expected_title", "expected a title string after the policy name");
COVCHECK_ERROR(g::header_title<g::kw_module>, "parse.expected_title", "expected a title string after the module name");
COVCHECK_ERROR(g::header_title<g::kw_schema>, "parse.expected_title", "expected a title string after the schema name");
COVCHECK_ERROR(g::version_string, "parse.expected_string", "expected a version string after `version`");
COVCHECK_ERROR(g::default_decision, "parse.expected_decision", "expected `covered`, `pend`, `denied` or `excluded` after `default`");
COVCHECK_ERROR(g::source_string, "parse.expected_string", "expected a URL string after `source`");
COVCHECK_UNEXPECTED(g::header_junk, "parse.unexpected_token", "expected a header option (`version`, `effective`, `default`, `source`) or an item");
// Items.
COVCHECK_ERROR(g::import_path, "parse.expected_string", "expected a path string after `import`");
COVCHECK_ERROR(g::codeset_name, "parse.expected_name", "expected a name after `codeset`");
COVCHECK_ERROR(g::codeset_equals, "parse.expected_equals", "expected `=` after the code set name");
COVCHECK_ERROR(g::codeset_value, "parse.expected_set", "expected a code set after `=`");
COVCHECK_ERROR(g::define_name, "parse.expected_name", "expected a name after `define`");
COVCHECK_ERROR(g::next_define_param, "parse.expected_name", "expected a parameter name after `,`");
COVCHECK_ERROR(g::define_params_close, "parse.expected_close_paren", "expected `)` to close the parameter list");
COVCHECK_ERROR(g::define_equals, "parse.expected_equals", "expected `=` after the define name");
COVCHECK_ERROR(g::define_body, "parse.expected_expression", "expected an expression after `=`");
COVCHECK_ERROR(g::list_of, "parse.expected_of", "expected `of` after `list`");
COVCHECK_ERROR(g::list_element_type, "parse.expected_type", "expected an element type after `list of`");
COVCHECK_ERROR(g::param_name, "parse.expected_name", "expected a name after `param`");
COVCHECK_ERROR(g::param_colon, "parse.expected_colon", "expected `:` and a type after the param name");
COVCHECK_ERROR(g::param_type, "parse.expected_type", "expected a type after `:`");
COVCHECK_ERROR(g::param_default, "parse.expected_expression", "expected a default value after `=`");
COVCHECK_ERROR(g::set_target, "parse.expected_name", "expected a param name after `set`");
COVCHECK_ERROR(g::set_equals, "parse.expected_equals", "expected `=` after the param name");
COVCHECK_ERROR(g::set_value, "parse.expected_expression", "expected a value after `=`");
COVCHECK_ERROR(g::enum_name, "parse.expected_name", "expected a name after `enum`");
COVCHECK_ERROR(g::enum_open, "parse.expected_open_brace", "expected `{` after the enum name");
COVCHECK_ERROR(g::next_enum_member, "parse.expected_name", "expected a member name after `,`");
COVCHECK_ERROR(g::enum_close, "parse.expected_close_brace", "expected `}` to close the enum");
COVCHECK_ERROR(g::record_name, "parse.expected_name", "expected a name after `record`");
COVCHECK_ERROR(g::record_open, "parse.expected_open_brace", "expected `{` after the record name");
COVCHECK_ERROR(g::record_close, "parse.expected_close_brace", "expected a field, `check` or `}` to close the record");
COVCHECK_ERROR(g::field_colon, "parse.expected_colon", "expected `:` and a type after the field name");
COVCHECK_ERROR(g::field_type, "parse.expected_type", "expected a type after `:`");
COVCHECK_ERROR(g::default_literal, "parse.expected_literal", "expected a literal after `default`");
COVCHECK_ERROR(g::derived_expr, "parse.expected_expression", "expected an expression after `=`");
COVCHECK_ERROR(g::none_after_or, "parse.expected_none", "expected `none` after `or` in a field declaration (`field: type or none`)");
COVCHECK_ERROR(g::synonyms_enum, "parse.expected_name", "expected an enumeration name after `synonyms`");
COVCHECK_ERROR(g::synonyms_open, "parse.expected_open_brace", "expected `{` after the enumeration name");
COVCHECK_ERROR(g::synonym_colon, "parse.expected_colon", "expected `:` and the member's other spellings after the member name");
COVCHECK_ERROR(g::synonym_text, "parse.expected_string", "expected a synonym string after `:`");
COVCHECK_ERROR(g::next_synonym_text, "parse.expected_string", "expected a synonym string after `,`");
COVCHECK_ERROR(g::synonyms_close, "parse.expected_close_brace", "expected a member name or `}` to close the synonyms");
COVCHECK_ERROR(g::extend_target, "parse.expected_extend_target",
               "expected `record`, `enum` or `synonyms` after `extend` (what the file adds to the schema)");
COVCHECK_ERROR(g::check_condition, "parse.expected_expression", "expected a condition after `check`");
COVCHECK_ERROR(g::check_message, "parse.expected_string", "expected a message string after the check condition");
COVCHECK_ERROR(g::check_guard, "parse.expected_expression", "expected a condition after `when`");
COVCHECK_ERROR(g::check_warning, "parse.expected_warning", "expected `warning` after `else` in a check (`check COND else warning \"message\"`)");
// Rules.
COVCHECK_ERROR(g::rule_name, "parse.expected_name", "expected a name after `rule`");
COVCHECK_ERROR(g::advice_name, "parse.expected_name", "expected a name after `advice`");
COVCHECK_UNEXPECTED(g::rule_junk, "parse.unexpected_token", "expected a clause (`when`, `cover`, `require`, `deny`, `route`, `authorize`, `next`, ...) or the next item");
COVCHECK_ERROR(g::tag_name, "parse.expected_name", "expected a tag name after `tag`");
COVCHECK_ERROR(g::next_tag_name, "parse.expected_name", "expected a tag name after `,`");
COVCHECK_ERROR(g::cite_text, "parse.expected_string", "expected a section string after `cite`");
COVCHECK_ERROR(g::when_condition, "parse.expected_expression", "expected an expression after `when`");
COVCHECK_ERROR(g::override_target, "parse.expected_name", "expected a rule name or `tagged NAME` after `overrides`");
COVCHECK_ERROR(g::next_override_target, "parse.expected_name", "expected a rule name or `tagged NAME` after `,`");
COVCHECK_ERROR(g::route_name, "parse.expected_name", "expected a benefit name after `route`");
COVCHECK_ERROR(g::requirement, "parse.expected_requirement", "expected `prior_auth`, `document NAME` or a condition after `require`");
COVCHECK_ERROR(g::document_name, "parse.expected_name", "expected a document name after `require document`");
COVCHECK_ERROR(g::else_effect, "parse.expected_effect", "expected `deny`, `pend` or `exclude` after `else`");
COVCHECK_ERROR(g::grant, "parse.expected_grant", "expected an amount such as `28 days` or `min(request.sessions, 8) units` after `authorize`");
COVCHECK_ERROR(g::next_grant, "parse.expected_grant", "expected an amount such as `8 units` after `,`");
COVCHECK_ERROR(g::grant_unit, "parse.expected_unit", "expected `days`, `weeks`, `months` or `units` after the amount");
COVCHECK_ERROR(g::next_text, "parse.expected_string", "expected a text string after `next`");
COVCHECK_ERROR(g::warning_text, "parse.expected_string", "expected a text string after `warning`");
// File.
COVCHECK_ERROR(g::misplaced_header, "parse.misplaced_header", "a `policy`, `module` or `schema` header must come first in the file");
COVCHECK_UNEXPECTED(g::end_of_file, "parse.unexpected_token", "expected a rule, advice, code set, define, param, set, enum, record or import");

#undef COVCHECK_ERROR
#undef COVCHECK_UNEXPECTED
// clang-format on

// Constructs that open a bracket (or, for `if`, a keyword) that a later point must close: a
// failure to close reports a note at the opener, which may be many lines above the error.
template <typename Rule>
inline constexpr char opener = 0;
template <>
inline constexpr char opener<g::paren_expr> = '(';
template <>
inline constexpr char opener<g::call_args> = '(';
template <>
inline constexpr char opener<g::count_expr> = '(';
template <>
inline constexpr char opener<g::unknown_value> = '(';
template <>
inline constexpr char opener<g::paren_set> = '(';
template <>
inline constexpr char opener<g::define_params> = '(';
template <>
inline constexpr char opener<g::set_literal> = '{';
template <>
inline constexpr char opener<g::code_set_literal> = '{';
template <>
inline constexpr char opener<g::enum_item> = '{';
template <>
inline constexpr char opener<g::record_item> = '{';
template <>
inline constexpr char opener<g::synonyms_item> = '{';
template <>
inline constexpr char opener<g::conditional> = 'i';  // the `if` keyword

// The error points that report the construct's opener (the innermost open construct).
template <typename Rule>
inline constexpr bool closes = false;
template <>
inline constexpr bool closes<g::paren_close> = true;
template <>
inline constexpr bool closes<g::call_close> = true;
template <>
inline constexpr bool closes<g::count_close> = true;
template <>
inline constexpr bool closes<g::unknown_close> = true;
template <>
inline constexpr bool closes<g::paren_set_close> = true;
template <>
inline constexpr bool closes<g::define_params_close> = true;
template <>
inline constexpr bool closes<g::set_close> = true;
template <>
inline constexpr bool closes<g::code_set_close> = true;
template <>
inline constexpr bool closes<g::enum_close> = true;
template <>
inline constexpr bool closes<g::record_close> = true;
template <>
inline constexpr bool closes<g::synonyms_close> = true;
template <>
inline constexpr bool closes<g::expect_then> = true;

struct Opened {
  std::size_t offset = 0;  // where the construct starts (`count`, `enum`, `(`, `if`)
  char opener = 0;
};

// Thrown by the control below; caught in run_parser and turned into a Diagnostic.
struct SyntaxError {
  ErrorText text;
  std::size_t offset;
  std::optional<Opened> opened;  // the construct left open, for the note
};

inline constexpr ErrorText too_deep{"parse.too_deep", "expression nested too deeply"};

struct ParseState {
  const char* text = nullptr;  // the whole file's text: offsets are measured from it, not from a piece
  std::size_t nesting = 0;
  std::vector<Opened> open;  // the constructs being parsed that must be closed, innermost last
};

// parse_tree::parse appends its own state after ours, so ours comes first.
template <typename... States>
ParseState& parse_state(States&... st) {
  return std::get<0>(std::tie(st...));
}

template <typename Rule>
struct control : tao::pegtl::normal<Rule> {
  template <typename ParseInput, typename... States>
  [[noreturn]] static void raise(const ParseInput& in, States&&... st) {
    static_assert(error_message<Rule>.message != nullptr, "every must<>/raise<> point needs an error_message entry");
    const ParseState& state = parse_state(st...);
    std::optional<Opened> opened;
    if constexpr (closes<Rule>) {
      if (!state.open.empty()) opened = state.open.back();
    }
    throw SyntaxError{error_message<Rule>, static_cast<std::size_t>(in.current() - state.text), opened};
  }

  template <tao::pegtl::apply_mode A, tao::pegtl::rewind_mode M, template <typename...> class Action,
            template <typename...> class Control, typename ParseInput, typename... States>
  [[nodiscard]] static bool match(ParseInput& in, States&&... st) {
    if constexpr (opener<Rule> != 0) {
      ParseState& state = parse_state(st...);
      state.open.push_back({static_cast<std::size_t>(in.current() - state.text), opener<Rule>});
      struct Close {
        ParseState& s;
        ~Close() { s.open.pop_back(); }
      } close{state};
      return tao::pegtl::normal<Rule>::template match<A, M, Action, Control>(in, st...);
    } else if constexpr (parse_tree::counts_nesting<Rule>) {
      ParseState& state = parse_state(st...);
      if (state.nesting >= parse_tree::max_nesting) {
        throw SyntaxError{too_deep, static_cast<std::size_t>(in.current() - state.text), std::nullopt};
      }
      ++state.nesting;
      struct Leave {
        ParseState& s;
        ~Leave() { --s.nesting; }
      } leave{state};
      return tao::pegtl::normal<Rule>::template match<A, M, Action, Control>(in, st...);
    } else {
      return tao::pegtl::normal<Rule>::template match<A, M, Action, Control>(in, st...);
    }
  }
};

// Every keyword, for "did you mean" hints on misspelled clauses and items.
constexpr std::string_view keyword_list[] = {
    "and",       "or",       "not",     "in",     "is",     "known",    "unknown",    "any",       "all",
    "count",     "distinct", "within",  "before", "after",  "of",       "if",         "then",      "else",
    "true",      "false",    "policy",  "module", "schema", "import",   "codeset",    "define",    "param",
    "set",       "enum",     "record",  "check",  "rule",   "advice",   "tag",        "cite",      "when",
    "overrides", "cover",    "exclude", "deny",   "pend",   "route",    "require",    "authorize", "next",
    "effective", "version",  "default", "source", "tagged", "document", "prior_auth", "exclusive", "extend"};

// Two-character tokens, named whole in messages.
constexpr std::string_view symbol_pairs[] = {"==", "!=", "<=", ">=", ".."};

// ---- The grammar and its messages against the operator table (dsl/syntax/operators.hpp) --------

// The text of a rule that matches one fixed string (a keyword, a string, one character).
template <char... Cs>
inline constexpr char rule_chars[] = {Cs..., '\0'};
template <char... Cs>
constexpr std::string_view text_of(const tao::pegtl::ascii::keyword<Cs...>*) {
  return {rule_chars<Cs...>, sizeof...(Cs)};
}
template <char... Cs>
constexpr std::string_view text_of(const tao::pegtl::ascii::string<Cs...>*) {
  return {rule_chars<Cs...>, sizeof...(Cs)};
}
template <char C>
constexpr std::string_view text_of(const tao::pegtl::ascii::one<C>*) {
  return {rule_chars<C>, 1};
}
template <typename Rule>
inline constexpr std::string_view rule_text = text_of(static_cast<const Rule*>(nullptr));

template <typename First, typename Second>
constexpr bool spelt(std::string_view s) {
  return s.size() == rule_text<First>.size() + 1 + rule_text<Second>.size() && s.starts_with(rule_text<First>) &&
         s[rule_text<First>.size()] == ' ' && s.ends_with(rule_text<Second>);
}

using ast::BinaryOp;
static_assert(rule_text<g::kw_or> == spelling(BinaryOp::or_) && rule_text<g::kw_and> == spelling(BinaryOp::and_));
static_assert(rule_text<g::op_eq> == spelling(BinaryOp::eq) && rule_text<g::op_ne> == spelling(BinaryOp::ne) &&
              rule_text<g::op_lt> == spelling(BinaryOp::lt) && rule_text<g::op_le> == spelling(BinaryOp::le) &&
              rule_text<g::op_gt> == spelling(BinaryOp::gt) && rule_text<g::op_ge> == spelling(BinaryOp::ge));
static_assert(rule_text<g::op_plus> == spelling(BinaryOp::add) && rule_text<g::op_minus> == spelling(BinaryOp::sub) &&
              rule_text<g::op_times> == spelling(BinaryOp::mul));
static_assert(rule_text<g::op_not> == spelling(ast::UnaryOp::not_) &&
              rule_text<g::op_neg> == spelling(ast::UnaryOp::negate));
static_assert(rule_text<g::kw_in> == spelling(PredicateOp::in) &&
              spelt<g::kw_not, g::kw_in>(spelling(PredicateOp::not_in)) &&
              spelt<g::kw_is, g::kw_known>(spelling(PredicateOp::is_known)) &&
              spelt<g::kw_is, g::kw_unknown>(spelling(PredicateOp::is_unknown)) &&
              rule_text<g::kw_within> == spelling(PredicateOp::within));
static_assert(rule_text<g::kw_before> == spelling(ast::WindowDirection::before) &&
              rule_text<g::kw_after> == spelling(ast::WindowDirection::after) &&
              rule_text<g::kw_of> == spelling(ast::WindowDirection::around));

// Whether a message names `word` in backticks.
constexpr bool names(const char* message, std::string_view word) {
  const std::string_view m(message);
  for (std::size_t i = 0; i + word.size() + 2 <= m.size(); ++i)
    if (m[i] == '`' && m.substr(i + 1, word.size()) == word && m[i + 1 + word.size()] == '`') return true;
  return false;
}
static_assert(names(error_message<g::or_operand>.message, spelling(BinaryOp::or_)) &&
              names(error_message<g::and_operand>.message, spelling(BinaryOp::and_)) &&
              names(error_message<g::not_operand>.message, spelling(ast::UnaryOp::not_)) &&
              names(error_message<g::neg_operand>.message, spelling(ast::UnaryOp::negate)) &&
              names(error_message<g::mul_operand>.message, spelling(BinaryOp::mul)) &&
              names(error_message<g::plus_operand>.message, spelling(BinaryOp::add)) &&
              names(error_message<g::minus_operand>.message, spelling(BinaryOp::sub)));
static_assert(names(error_message<g::cmp_operand<g::op_eq>>.message, spelling(BinaryOp::eq)) &&
              names(error_message<g::cmp_operand<g::op_ne>>.message, spelling(BinaryOp::ne)) &&
              names(error_message<g::cmp_operand<g::op_lt>>.message, spelling(BinaryOp::lt)) &&
              names(error_message<g::cmp_operand<g::op_le>>.message, spelling(BinaryOp::le)) &&
              names(error_message<g::cmp_operand<g::op_gt>>.message, spelling(BinaryOp::gt)) &&
              names(error_message<g::cmp_operand<g::op_ge>>.message, spelling(BinaryOp::ge)));
static_assert(names(error_message<g::in_set>.message, spelling(PredicateOp::in)) &&
              names(error_message<g::in_after_not>.message, spelling(PredicateOp::in)) &&
              names(error_message<g::window_amount>.message, spelling(PredicateOp::within)) &&
              names(error_message<g::window_direction>.message, spelling(ast::WindowDirection::before)) &&
              names(error_message<g::window_direction>.message, spelling(ast::WindowDirection::after)) &&
              names(error_message<g::window_direction>.message, spelling(ast::WindowDirection::around)));

// Every word of every operator is a keyword (for did-you-mean hints), and every
// two-character operator is named whole in messages.
template <std::size_t N>
constexpr bool listed(const std::string_view (&list)[N], std::string_view s) {
  for (std::string_view item : list)
    if (item == s) return true;
  return false;
}
constexpr bool words_listed(std::string_view spelling) {
  if (spelling.empty() || !(spelling[0] >= 'a' && spelling[0] <= 'z'))
    return spelling.size() != 2 || listed(symbol_pairs, spelling);
  for (std::size_t begin = 0; begin < spelling.size();) {
    std::size_t end = spelling.find(' ', begin);
    if (end == std::string_view::npos) end = spelling.size();
    if (!listed(keyword_list, spelling.substr(begin, end - begin))) return false;
    begin = end + 1;
  }
  return true;
}
constexpr bool operators_listed() {
  for (BinaryOp op : binary_ops)
    if (!words_listed(spelling(op))) return false;
  for (ast::UnaryOp op : unary_ops)
    if (!words_listed(spelling(op))) return false;
  for (PredicateOp op : predicate_ops)  // `none` is contextual (a field may be named so): not a keyword
    if (op != PredicateOp::is_none && !words_listed(spelling(op))) return false;
  for (ast::WindowDirection d : window_directions)
    if (!words_listed(spelling(d))) return false;
  return true;
}
static_assert(operators_listed(), "keyword_list and symbol_pairs must hold every operator's words and pairs");

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The token at `offset`, as the message names it, and its length in bytes.
struct FoundToken {
  std::string shown;  // "`requir`", "end of file", "byte 0x00"
  std::string word;   // the identifier when the token is one
  std::size_t length = 0;
};

FoundToken found_token(std::string_view text, std::size_t offset) {
  if (offset >= text.size()) return {"end of file", "", 0};
  auto byte = static_cast<unsigned char>(text[offset]);
  if (is_word_char(text[offset])) {
    std::size_t end = offset;
    while (end < text.size() && is_word_char(text[end])) ++end;
    std::string w(text.substr(offset, end - offset));
    return {fmt::format("`{}`", w), w, end - offset};
  }
  if (byte == '"') {
    std::size_t end = offset + 1;
    while (end < text.size() && text[end] != '"' && text[end] != '\n' && text[end] != '\r' && end - offset < 40) {
      end += text[end] == '\\' && end + 1 < text.size() ? 2 : 1;
    }
    if (end < text.size() && text[end] == '"') ++end;
    return {fmt::format("`{}`", text.substr(offset, end - offset)), "", end - offset};
  }
  if (byte < 0x20 || byte == 0x7f) return {fmt::format("byte 0x{:02x}", byte), "", 1};
  if (byte >= 0x80) {
    // Name a well-formed UTF-8 character; anything else is reported as a raw byte.
    std::size_t len = byte >= 0xF0 && byte < 0xF5 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC2 && byte < 0xE0 ? 2 : 0;
    bool ok = len > 0 && offset + len <= text.size();
    for (std::size_t i = 1; ok && i < len; ++i) ok = (static_cast<unsigned char>(text[offset + i]) & 0xC0) == 0x80;
    if (ok) return {fmt::format("`{}`", text.substr(offset, len)), "", len};
    return {fmt::format("byte 0x{:02x} (invalid UTF-8)", byte), "", 1};
  }
  for (std::string_view p : symbol_pairs) {
    if (text.substr(offset, 2) == p) return {fmt::format("`{}`", p), "", 2};
  }
  return {fmt::format("`{}`", text.substr(offset, 1)), "", 1};
}

// The bracket of an open construct: at its start, or after its keyword and name (`count distinct (`,
// `enum name {`); only words, blanks and comments come between.
std::optional<std::size_t> opener_offset(std::string_view text, const Opened& o) {
  for (std::size_t i = o.offset; i < text.size(); ++i) {
    if (text[i] == o.opener) return i;
    if (text[i] == '#') {
      i = text.find('\n', i);
      if (i == std::string_view::npos) return std::nullopt;
    } else if (!is_word_char(text[i]) && text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n') {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

Diagnostic make_diagnostic(const SyntaxError& e, std::string_view text, FileId file) {
  FoundToken found = found_token(text, e.offset);
  Diagnostic d;
  d.code = e.text.code;
  auto begin = static_cast<std::uint32_t>(e.offset);
  d.span = SourceSpan{file, begin, static_cast<std::uint32_t>(e.offset + found.length)};
  d.message = e.text.found ? fmt::format("unexpected {}: {}", found.shown, e.text.message) : e.text.message;
  if (e.text.found) {
    if (!found.word.empty()) {
      std::vector<std::string> words(std::begin(keyword_list), std::end(keyword_list));
      if (std::find(words.begin(), words.end(), found.word) == words.end()) {
        if (auto best = closest_match(found.word, words)) d.help = fmt::format("did you mean `{}`?", *best);
      }
    } else if (text.substr(e.offset, 1) == "=") {
      d.help = "use `==` to compare values";
    }
  }
  // A note at the opener, when the error is on a later line (else the caret's line shows it).
  auto earlier_line = [&](std::size_t at) {
    return e.offset > at && text.substr(at, e.offset - at).find('\n') != std::string_view::npos;
  };
  if (e.opened) {
    if (e.opened->opener == 'i') {
      auto at = static_cast<std::uint32_t>(e.opened->offset);
      if (earlier_line(at)) d.notes.push_back({SourceSpan{file, at, at + 2}, "the `if` starts here"});
    } else if (auto at = opener_offset(text, *e.opened); at && earlier_line(*at)) {
      auto b = static_cast<std::uint32_t>(*at);
      d.notes.push_back({SourceSpan{file, b, b + 1}, fmt::format("`{}` opened here", e.opened->opener)});
    }
  }
  if (e.text.code == too_deep.code) {
    d.message = fmt::format("expression nested too deeply (more than {} levels)", parse_tree::max_nesting);
  }
  return d;
}

// Words that start a top-level item or a header. None of them can appear inside an item at the
// start of a line (they are reserved, strings do not span lines, `check` is a record's), so a
// line starting with one is where parsing resumes after a syntax error.
constexpr std::string_view resync_words[] = {"import", "codeset", "define",   "param",  "set",    "enum",   "record",
                                             "rule",   "advice",  "synonyms", "extend", "policy", "module", "schema"};

// Offsets of the first word of every line that starts an item (after its indentation).
std::vector<std::size_t> item_starts(std::string_view text) {
  std::vector<std::size_t> out;
  for (std::size_t line = 0; line < text.size();) {
    std::size_t i = line;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::size_t end = i;
    while (end < text.size() && is_word_char(text[end])) ++end;
    if (end > i && listed(resync_words, text.substr(i, end - i))) out.push_back(i);
    std::size_t next = text.find('\n', end);
    if (next == std::string_view::npos) break;
    line = next + 1;
  }
  return out;
}

template <typename Grammar>
std::unique_ptr<parse_tree::Node> parse_piece(std::string_view text, std::size_t begin, std::size_t end,
                                              const std::string& name) {
  tao::pegtl::memory_input<tao::pegtl::tracking_mode::lazy, tao::pegtl::eol::lf_crlf> in(text.data() + begin,
                                                                                         text.data() + end, name);
  ParseState state;
  state.text = text.data();
  return tao::pegtl::parse_tree::parse<Grammar, parse_tree::Node, parse_tree::selector, tao::pegtl::nothing, control>(
      in, state);
}

// Parses `text` into a parse tree; nullptr (with diagnostics) on a syntax error. After an error
// the file is cut at the lines that start an item and every piece is parsed on its own, so each
// broken item is reported once and the items after it are still read.
std::unique_ptr<parse_tree::Node> run_parser(const SourceFile& source, FileId file, Diagnostics& diagnostics) {
  std::string_view text = source.text();
  try {
    auto root = parse_piece<g::file>(text, 0, text.size(), source.name());
    if (!root) {
      // Unreachable with `must<end_of_file>` at the top, kept as a safety net.
      diagnostics.error("parse.syntax", SourceSpan{file, 0, 0}, "could not parse the file");
    }
    return root;
  } catch (const SyntaxError& first) {
    std::vector<std::size_t> cuts = item_starts(text);
    // The header (after any leading comments) belongs to the first piece.
    auto header_at = [&](std::size_t at) {
      for (std::string_view w : {"policy", "module", "schema"})
        if (text.substr(at, w.size()) == w) return true;
      return false;
    };
    if (!cuts.empty() && header_at(cuts.front())) cuts.erase(cuts.begin());
    cuts.push_back(text.size());
    std::size_t reported = 0;
    for (std::size_t i = 0, begin = 0; i < cuts.size(); begin = cuts[i++]) {
      try {
        if (begin == 0) {
          (void)parse_piece<g::file>(text, 0, cuts[i], source.name());
        } else {
          (void)parse_piece<g::file_part>(text, begin, cuts[i], source.name());
        }
      } catch (const SyntaxError& e) {
        diagnostics.add(make_diagnostic(e, text, file));
        ++reported;
      }
    }
    // The pieces cannot all parse when the whole did not; should they, the first error stands.
    if (reported == 0) diagnostics.add(make_diagnostic(first, text, file));
  }
  return nullptr;
}

std::string rule_name(std::string_view type) {
  constexpr std::string_view prefix = "covcheck::dsl::grammar::";
  if (type.substr(0, prefix.size()) == prefix) type.remove_prefix(prefix.size());
  return std::string(type);
}

void dump_node(std::string& out, const parse_tree::Node& n, const SourceFile& source, std::string_view text,
               int depth) {
  if (!n.is_root()) {
    auto begin = static_cast<std::uint32_t>(n.m_begin.data - text.data());
    auto end = static_cast<std::uint32_t>(n.m_end.data - text.data());
    LineColumn b = source.location(begin), e = source.location(end);
    out += fmt::format("{:{}}{} {}:{}-{}:{}", "", depth * 2, rule_name(n.type), b.line, b.column, e.line, e.column);
    if (n.children.empty()) out += fmt::format(" `{}`", n.string_view());
    out += '\n';
    ++depth;
  }
  for (const auto& c : n.children) dump_node(out, *c, source, text, depth);
}

}  // namespace

std::optional<ast::File> parse_file(const SourceRegistry& sources, FileId file, ast::NodeId& next_node_id,
                                    Diagnostics& diagnostics) {
  const SourceFile& source = sources.file(file);
  auto root = run_parser(source, file, diagnostics);
  if (!root) return std::nullopt;
  return parse_tree::ast_from_parse_tree(*root, source.text(), file, next_node_id, diagnostics);
}

std::string dump_parse_tree(const SourceRegistry& sources, FileId file, Diagnostics& diagnostics) {
  const SourceFile& source = sources.file(file);
  auto root = run_parser(source, file, diagnostics);
  if (!root) return {};
  std::string out;
  dump_node(out, *root, source, source.text(), 0);
  return out;
}

}  // namespace covcheck::dsl

// The CPL grammar of docs/language.md as PEGTL 3.2 rules, and nothing else: error messages live
// in parser.cpp, the AST in ast_from_parse_tree.cpp. Included only by those two files.
//
// Conventions that the rest of the parser relies on:
// - Internal padding only: `sp` (whitespace, comments) sits between the parts of a rule, never
//   at its ends, so every parse-tree node's span is free of trailing blanks and comments.
// - Common heads are factored so that nothing re-parses an expression: an operator level is
//   `operand (op operand)*`, a comparison is `sum [tail]`, unary prefixes are loops, not
//   recursion. The only re-scans are single tokens (a number's digits, one identifier).
// - Rules used inside `at<>`/`not_at<>` are never parse-tree nodes (PEGTL would keep the nodes
//   a successful look-ahead built), hence the separate `*_start` and `kw_*` rules.
// - A rule wrapped in `must<>` or named by `raise<>` has a message in parser.cpp; contexts that
//   need their own message get their own rule type (`when_condition`, `and_operand`, ...).
// - Operator rules (`kw_and`, `op_eq`, `op_times`, ...) spell what the operator table
//   (dsl/syntax/operators.hpp) says; parser.cpp checks them against it at compile time.
#pragma once

#include <tao/pegtl.hpp>

namespace covcheck::dsl::grammar {

using namespace tao::pegtl;

// clang-format off

// ---- Lexical -----------------------------------------------------------------------------

struct bom : string<'\xEF', '\xBB', '\xBF'> {};
struct comment : seq<one<'#'>, star<not_one<'\n', '\r'>>> {};
struct sp : star<sor<plus<one<' ', '\t', '\r', '\n'>>, comment>> {};

struct ident_first : ranges<'a', 'z', 'A', 'Z', '_'> {};
struct ident_other : ranges<'a', 'z', 'A', 'Z', '0', '9', '_'> {};
struct word : seq<ident_first, star<ident_other>> {};

// Reserved words: expression words, then the words that start an item or a clause.
struct kw_and : TAO_PEGTL_KEYWORD("and") {};
struct kw_or : TAO_PEGTL_KEYWORD("or") {};
struct kw_not : TAO_PEGTL_KEYWORD("not") {};
struct kw_in : TAO_PEGTL_KEYWORD("in") {};
struct kw_is : TAO_PEGTL_KEYWORD("is") {};
struct kw_known : TAO_PEGTL_KEYWORD("known") {};
struct kw_unknown : TAO_PEGTL_KEYWORD("unknown") {};
struct kw_any : TAO_PEGTL_KEYWORD("any") {};
struct kw_all : TAO_PEGTL_KEYWORD("all") {};
struct kw_count : TAO_PEGTL_KEYWORD("count") {};
struct kw_distinct : TAO_PEGTL_KEYWORD("distinct") {};
struct kw_within : TAO_PEGTL_KEYWORD("within") {};
struct kw_before : TAO_PEGTL_KEYWORD("before") {};
struct kw_after : TAO_PEGTL_KEYWORD("after") {};
struct kw_of : TAO_PEGTL_KEYWORD("of") {};
struct kw_if : TAO_PEGTL_KEYWORD("if") {};
struct kw_then : TAO_PEGTL_KEYWORD("then") {};
struct kw_else : TAO_PEGTL_KEYWORD("else") {};
struct kw_true : TAO_PEGTL_KEYWORD("true") {};
struct kw_false : TAO_PEGTL_KEYWORD("false") {};
struct kw_policy : TAO_PEGTL_KEYWORD("policy") {};
struct kw_module : TAO_PEGTL_KEYWORD("module") {};
struct kw_schema : TAO_PEGTL_KEYWORD("schema") {};
struct kw_import : TAO_PEGTL_KEYWORD("import") {};
struct kw_codeset : TAO_PEGTL_KEYWORD("codeset") {};
struct kw_define : TAO_PEGTL_KEYWORD("define") {};
struct kw_param : TAO_PEGTL_KEYWORD("param") {};
struct kw_set : TAO_PEGTL_KEYWORD("set") {};
struct kw_enum : TAO_PEGTL_KEYWORD("enum") {};
struct kw_record : TAO_PEGTL_KEYWORD("record") {};
struct kw_check : TAO_PEGTL_KEYWORD("check") {};
struct kw_rule : TAO_PEGTL_KEYWORD("rule") {};
struct kw_advice : TAO_PEGTL_KEYWORD("advice") {};
struct kw_tag : TAO_PEGTL_KEYWORD("tag") {};
struct kw_cite : TAO_PEGTL_KEYWORD("cite") {};
struct kw_when : TAO_PEGTL_KEYWORD("when") {};
struct kw_overrides : TAO_PEGTL_KEYWORD("overrides") {};
struct kw_cover : TAO_PEGTL_KEYWORD("cover") {};
struct kw_exclude : TAO_PEGTL_KEYWORD("exclude") {};
struct kw_deny : TAO_PEGTL_KEYWORD("deny") {};
struct kw_pend : TAO_PEGTL_KEYWORD("pend") {};
struct kw_route : TAO_PEGTL_KEYWORD("route") {};
struct kw_require : TAO_PEGTL_KEYWORD("require") {};
struct kw_authorize : TAO_PEGTL_KEYWORD("authorize") {};
struct kw_next : TAO_PEGTL_KEYWORD("next") {};
struct kw_effective : TAO_PEGTL_KEYWORD("effective") {};
struct kw_synonyms : TAO_PEGTL_KEYWORD("synonyms") {};
struct kw_extend : TAO_PEGTL_KEYWORD("extend") {};

struct expression_word : sor<kw_and, kw_or, kw_not, kw_in, kw_is, kw_known, kw_unknown, kw_any, kw_all, kw_count,
                             kw_distinct, kw_within, kw_before, kw_after, kw_of, kw_if, kw_then, kw_else, kw_true,
                             kw_false> {};
struct header_word : sor<kw_policy, kw_module, kw_schema> {};
struct item_word : sor<kw_import, kw_codeset, kw_define, kw_param, kw_set, kw_enum, kw_record, kw_check, kw_rule,
                       kw_advice, kw_synonyms, kw_extend> {};
struct clause_word : sor<kw_tag, kw_cite, kw_when, kw_overrides, kw_cover, kw_exclude, kw_deny, kw_pend, kw_route,
                         kw_require, kw_authorize, kw_next, kw_effective> {};
struct reserved : sor<expression_word, header_word, item_word, clause_word> {};

// Contextual words: keywords only where the grammar asks for them, identifiers elsewhere.
struct kw_version : TAO_PEGTL_KEYWORD("version") {};
struct kw_default : TAO_PEGTL_KEYWORD("default") {};
struct kw_source : TAO_PEGTL_KEYWORD("source") {};
struct kw_tagged : TAO_PEGTL_KEYWORD("tagged") {};
struct kw_document : TAO_PEGTL_KEYWORD("document") {};
struct kw_prior_auth : TAO_PEGTL_KEYWORD("prior_auth") {};
struct kw_exclusive : TAO_PEGTL_KEYWORD("exclusive") {};
struct kw_list : TAO_PEGTL_KEYWORD("list") {};
struct kw_days : sor<TAO_PEGTL_KEYWORD("days"), TAO_PEGTL_KEYWORD("day")> {};
struct kw_weeks : sor<TAO_PEGTL_KEYWORD("weeks"), TAO_PEGTL_KEYWORD("week")> {};
struct kw_months : sor<TAO_PEGTL_KEYWORD("months"), TAO_PEGTL_KEYWORD("month")> {};
struct kw_units : sor<TAO_PEGTL_KEYWORD("units"), TAO_PEGTL_KEYWORD("unit")> {};
struct kw_covered : TAO_PEGTL_KEYWORD("covered") {};
struct kw_denied : TAO_PEGTL_KEYWORD("denied") {};
struct kw_excluded : TAO_PEGTL_KEYWORD("excluded") {};
// `x is none`, `field: type or none`: a fact known to be absent (contextual, not reserved).
struct kw_none : TAO_PEGTL_KEYWORD("none") {};

struct identifier : seq<not_at<reserved>, word> {};
// A clause word that an enumeration may still use as a member (`pend` for decisions,
// `effective` for treatment outcomes); accepted where a value is unambiguous.
struct word_name : sor<kw_pend, kw_effective> {};

struct comma : one<','> {};
struct range_dots : string<'.', '.'> {};

// ---- Literals ----------------------------------------------------------------------------

struct digits : plus<digit> {};
struct date_literal : seq<rep<4, digit>, one<'-'>, rep<2, digit>, one<'-'>, rep<2, digit>, not_at<ident_other>> {};
struct decimal_literal : seq<digits, one<'.'>, digits, not_at<ident_other>> {};
struct integer_literal : seq<digits, not_at<ident_other>> {};
struct duration_amount : digits {};
struct duration_unit : sor<kw_days, kw_weeks, kw_months> {};
struct duration_literal : seq<duration_amount, sp, duration_unit> {};
// Alternatives share only a digit run: a bounded re-scan, never an expression.
struct number_literal : sor<date_literal, decimal_literal, duration_literal, integer_literal> {};
struct bool_literal : sor<kw_true, kw_false> {};

struct escape_char : one<'"', '\\', 'n', 't'> {};
struct escape : seq<one<'\\'>, must<escape_char>> {};
struct control_char : sor<range<'\x00', '\x08'>, range<'\x0a', '\x1f'>, one<'\x7f'>> {};
struct string_plain : seq<not_at<control_char>, utf8::not_one<'"', '\\'>> {};
struct string_unterminated : failure {};   // raise tags
struct string_bad_character : failure {};
struct string_end : sor<one<'"'>,
                        seq<at<sor<one<'\n', '\r'>, eof>>, raise<string_unterminated>>,
                        raise<string_bad_character>> {};
struct string_literal : seq<one<'"'>, star<sor<escape, string_plain>>, string_end> {};

// ---- Expressions -------------------------------------------------------------------------
// Loosest first: or, and, not, comparisons (non-associative), + -, *, unary -, postfix.

struct expression;      // counted for the nesting limit (parser.cpp)
struct set_expr;        // likewise
struct postfix_expr;
struct add_expr;

struct paren_inner : seq<expression> {};
struct paren_close : one<')'> {};
struct paren_expr : seq<one<'('>, sp, must<paren_inner>, sp, must<paren_close>> {};

struct set_item : sor<word_name, expression> {};
struct next_set_item : seq<set_item> {};
struct set_close : one<'}'> {};
struct set_literal : seq<one<'{'>, sp, opt<set_item, star<sp, comma, sp, must<next_set_item>>>, sp, must<set_close>> {};

struct next_call_arg : seq<expression> {};
struct call_close : one<')'> {};
struct call_args : seq<one<'('>, sp, opt<expression, star<sp, comma, sp, must<next_call_arg>>>, sp, must<call_close>> {};
struct name_or_call : seq<identifier, opt<sp, call_args>> {};

struct if_condition : seq<expression> {};
struct expect_then : kw_then {};
struct then_value : seq<expression> {};
struct else_value : seq<expression> {};
struct conditional : seq<kw_if, sp, must<if_condition>, sp, must<expect_then>, sp, must<then_value>,
                         opt<sp, kw_else, sp, must<else_value>>> {};

struct quant_any : kw_any {};
struct quant_all : kw_all {};
template<typename Kind> struct quant_list : seq<postfix_expr> {};
struct quant_var : seq<identifier> {};
struct quant_colon : one<':'> {};
struct quant_body : seq<expression> {};
template<typename Kind> struct quantifier_of : seq<Kind, sp, must<quant_list<Kind>>, sp, must<quant_var>, sp,
                                                  must<quant_colon>, sp, must<quant_body>> {};
struct quantifier : sor<quantifier_of<quant_any>, quantifier_of<quant_all>> {};

struct count_distinct : kw_distinct {};
struct count_open : one<'('> {};
struct count_list : seq<postfix_expr> {};
struct count_binding : seq<identifier, sp, must<quant_colon>, sp, must<quant_body>> {};
struct count_key_expr : seq<expression> {};
struct count_key : seq<one<';'>, sp, must<count_key_expr>> {};
struct count_close : one<')'> {};
struct count_expr : seq<kw_count, sp, opt<count_distinct, sp>, must<count_open>, sp, must<count_list>,
                        opt<sp, count_binding>, opt<sp, count_key>, sp, must<count_close>> {};

// `unknown(request.type, ...)`: a value left unknown on purpose, naming the facts it waits for.
struct unknown_open : one<'('> {};
struct unknown_fact : seq<postfix_expr> {};
struct next_unknown_fact : seq<postfix_expr> {};
struct unknown_close : one<')'> {};
struct unknown_value : seq<kw_unknown, sp, must<unknown_open>, sp, must<unknown_fact>,
                           star<sp, comma, sp, must<next_unknown_fact>>, sp, must<unknown_close>> {};

struct primary : sor<paren_expr, set_literal, string_literal, number_literal, bool_literal, conditional, quantifier,
                     count_expr, unknown_value, name_or_call> {};

struct member_name : seq<identifier> {};
struct postfix_expr : seq<primary, star<one<'.'>, must<member_name>>> {};

struct op_neg : one<'-'> {};
struct neg_operand : seq<postfix_expr> {};
struct neg_expr : sor<seq<plus<op_neg, sp>, must<neg_operand>>, postfix_expr> {};

struct op_times : one<'*'> {};
struct mul_operand : seq<neg_expr> {};
struct mul_expr : seq<neg_expr, star<sp, op_times, sp, must<mul_operand>>> {};

struct op_plus : one<'+'> {};
struct op_minus : one<'-'> {};
struct plus_operand : seq<mul_expr> {};
struct minus_operand : seq<mul_expr> {};
struct add_expr : seq<mul_expr, star<sp, sor<seq<op_plus, sp, must<plus_operand>>,
                                             seq<op_minus, sp, must<minus_operand>>>>> {};

struct op_eq : string<'=', '='> {};
struct op_ne : string<'!', '='> {};
struct op_le : string<'<', '='> {};
struct op_ge : string<'>', '='> {};
struct op_lt : one<'<'> {};
struct op_gt : one<'>'> {};
// `decision == pend`: a clause word directly after `==`/`!=` is a value.
template<typename Op> struct cmp_operand : sor<word_name, add_expr> {};
template<typename Op> struct compare_with : seq<Op, sp, must<cmp_operand<Op>>> {};
struct in_set : seq<set_expr> {};
struct in_after_not : kw_in {};
struct in_tail : seq<kw_in, sp, must<in_set>> {};
struct not_in_tail : seq<kw_not, sp, must<in_after_not>, sp, must<in_set>> {};
struct presence_word : sor<kw_known, kw_unknown, kw_none> {};
struct presence_tail : seq<kw_is, sp, must<presence_word>> {};
struct window_amount : seq<add_expr> {};
struct window_direction : sor<kw_before, kw_after, kw_of> {};
struct window_anchor : seq<add_expr> {};
struct within_tail : seq<kw_within, sp, must<window_amount>, sp, must<window_direction>, sp, must<window_anchor>> {};
struct cmp_tail : sor<compare_with<op_eq>, compare_with<op_ne>, compare_with<op_le>, compare_with<op_ge>,
                      compare_with<op_lt>, compare_with<op_gt>, in_tail, not_in_tail, presence_tail, within_tail> {};
struct cmp_start : sor<string<'=', '='>, string<'!', '='>, one<'<', '>'>, kw_in, kw_is, kw_within,
                       seq<kw_not, sp, kw_in>> {};
struct chained_comparison : failure {};
struct cmp_expr : seq<add_expr, opt<sp, cmp_tail, opt<sp, at<cmp_start>, raise<chained_comparison>>>> {};

struct op_not : kw_not {};
struct not_operand : seq<cmp_expr> {};
struct not_expr : sor<seq<plus<op_not, sp>, must<not_operand>>, cmp_expr> {};

struct and_operand : seq<not_expr> {};
struct and_expr : seq<not_expr, star<sp, kw_and, sp, must<and_operand>>> {};
struct or_operand : seq<and_expr> {};
struct or_expr : seq<and_expr, star<sp, kw_or, sp, must<or_operand>>> {};
struct expression : seq<or_expr> {};

// ---- Sets and code sets (right of `in`, and `codeset X = ...`) ---------------------------

struct date_range;
struct code_token : seq<plus<ident_other>, star<one<'.'>, plus<ident_other>>, opt<opt<one<'.'>>, one<'*'>>> {};
struct code_range_high : seq<code_token> {};
struct entry_range : seq<kw_effective, sp, must<date_range>> {};
struct code_entry : seq<code_token, opt<sp, range_dots, sp, must<code_range_high>>, opt<sp, entry_range>> {};
struct next_code_entry : seq<code_entry> {};
struct code_set_close : one<'}'> {};
struct code_set_literal : seq<identifier, sp, one<'{'>, sp, opt<code_entry, star<sp, comma, sp, must<next_code_entry>>>,
                              sp, must<code_set_close>> {};

struct paren_set_inner : seq<set_expr> {};
struct paren_set_close : one<')'> {};
struct paren_set : seq<one<'('>, sp, must<paren_set_inner>, sp, must<paren_set_close>> {};
struct set_term : sor<set_literal, paren_set, code_set_literal, postfix_expr> {};
struct set_op : one<'|', '-'> {};
struct set_operand : seq<set_term> {};
struct set_expr : seq<set_term, star<sp, set_op, sp, must<set_operand>>> {};

// ---- Dates ranges ------------------------------------------------------------------------

struct range_start : date_literal {};
struct range_end : date_literal {};
struct range_dots_after_start : range_dots {};
struct range_end_required : range_end {};
struct date_range : sor<seq<range_start, sp, must<range_dots_after_start>, opt<sp, range_end>>,
                        seq<range_dots, sp, must<range_end_required>>> {};

// ---- Header ------------------------------------------------------------------------------

template<typename Kw> struct header_name : seq<identifier> {};
template<typename Kw> struct header_title : seq<string_literal> {};
struct version_string : seq<string_literal> {};
struct version_option : seq<kw_version, sp, must<version_string>> {};
struct effective_option : seq<kw_effective, sp, must<date_range>> {};
struct decision_word : sor<kw_covered, kw_pend, kw_denied, kw_excluded> {};
struct default_decision : seq<decision_word> {};
struct default_option : seq<kw_default, sp, must<default_decision>, opt<sp, string_literal>> {};
struct source_string : seq<string_literal> {};
struct source_option : seq<kw_source, sp, must<source_string>> {};
struct header_option : sor<version_option, effective_option, default_option, source_option> {};
struct header_junk : failure {};
struct header_end : opt<sp, not_at<sor<item_word, header_word, eof>>, raise<header_junk>> {};
template<typename Kw> struct header_of : seq<Kw, sp, must<header_name<Kw>>, sp, must<header_title<Kw>>,
                                             star<sp, header_option>, header_end> {};
struct policy_header : header_of<kw_policy> {};
struct module_header : header_of<kw_module> {};
struct schema_header : header_of<kw_schema> {};
struct header : sor<policy_header, module_header, schema_header> {};

// ---- Library items -----------------------------------------------------------------------

struct import_path : seq<string_literal> {};
struct import_item : seq<kw_import, sp, must<import_path>> {};

struct codeset_name : seq<identifier> {};
struct codeset_equals : one<'='> {};
struct codeset_value : seq<set_expr> {};
struct codeset_item : seq<kw_codeset, sp, must<codeset_name>, sp, must<codeset_equals>, sp, must<codeset_value>> {};

struct define_name : seq<identifier> {};
struct next_define_param : seq<identifier> {};
struct define_params_close : one<')'> {};
struct define_params : seq<one<'('>, sp, opt<identifier, star<sp, comma, sp, must<next_define_param>>>, sp,
                           must<define_params_close>> {};
struct define_equals : one<'='> {};
struct define_body : seq<expression> {};
struct define_item : seq<kw_define, sp, must<define_name>, opt<sp, define_params>, sp, must<define_equals>, sp,
                         must<define_body>> {};

struct list_of : kw_of {};
struct list_element_type : seq<identifier> {};
struct list_marker : kw_list {};
struct type_ref : sor<seq<list_marker, sp, must<list_of>, sp, must<list_element_type>>, identifier> {};

struct param_name : seq<identifier> {};
struct param_colon : one<':'> {};
struct param_type : seq<type_ref> {};
struct param_default : seq<expression> {};
struct param_item : seq<kw_param, sp, must<param_name>, sp, must<param_colon>, sp, must<param_type>,
                        opt<sp, one<'='>, sp, must<param_default>>> {};

struct qualified_name : seq<identifier, star<one<'.'>, identifier>> {};
struct set_target : seq<qualified_name> {};
struct set_equals : one<'='> {};
struct set_value : seq<expression> {};
struct set_decl : seq<kw_set, sp, must<set_target>, sp, must<set_equals>, sp, must<set_value>> {};

// Enumeration members may reuse clause words (`effective`, `pend`): inside `{}` they are unambiguous.
struct enum_member : sor<identifier, word_name> {};
struct enum_name : seq<identifier> {};
struct enum_open : one<'{'> {};
struct next_enum_member : seq<enum_member> {};
struct enum_close : one<'}'> {};
struct enum_item : seq<kw_enum, sp, must<enum_name>, sp, must<enum_open>, sp,
                       opt<enum_member, star<sp, comma, sp, must<next_enum_member>>>, sp, must<enum_close>> {};

struct neg_literal : seq<op_neg, sp, number_literal> {};
struct default_literal : sor<bool_literal, string_literal, number_literal, neg_literal, word_name, identifier> {};
struct field_default : seq<kw_default, sp, must<default_literal>> {};
struct field_exclusive : kw_exclusive {};
struct derived_expr : seq<expression> {};
struct field_derived : seq<one<'='>, sp, must<derived_expr>> {};
struct field_colon : one<':'> {};
struct field_type : seq<type_ref> {};
struct none_after_or : kw_none {};
struct field_or_none : seq<kw_or, sp, must<none_after_or>> {};
struct field_decl : seq<identifier, sp, must<field_colon>, sp, must<field_type>, opt<sp, field_or_none>, opt<sp, field_default>,
                        opt<sp, field_exclusive>, opt<sp, field_derived>> {};
struct check_condition : seq<expression> {};
struct check_message : seq<string_literal> {};
struct check_guard : seq<expression> {};
struct check_when : seq<kw_when, sp, must<check_guard>> {};
struct check_warning : TAO_PEGTL_KEYWORD("warning") {};
struct check_severity : seq<kw_else, sp, must<check_warning>> {};
struct check_decl : seq<kw_check, sp, must<check_condition>, opt<sp, check_when>, opt<sp, check_severity>, sp,
                        must<check_message>> {};
struct record_name : seq<identifier> {};
struct record_open : one<'{'> {};
struct record_close : one<'}'> {};
struct record_item : seq<kw_record, sp, must<record_name>, sp, must<record_open>, sp,
                         star<sor<check_decl, field_decl>, sp>, must<record_close>> {};

// `synonyms drug_class { ssri: "SSRI", "selective serotonin reuptake inhibitor" ... }`: other
// spellings a case may give for an enumeration's members (matched ignoring ASCII case).
struct synonyms_enum : seq<identifier> {};
struct synonyms_open : one<'{'> {};
struct synonym_colon : one<':'> {};
struct synonym_text : seq<string_literal> {};
struct next_synonym_text : seq<string_literal> {};
struct synonym_entry : seq<enum_member, sp, must<synonym_colon>, sp, must<synonym_text>,
                           star<sp, comma, sp, must<next_synonym_text>>> {};
struct synonyms_close : one<'}'> {};
struct synonyms_item : seq<kw_synonyms, sp, must<synonyms_enum>, sp, must<synonyms_open>, sp, star<synonym_entry, sp>,
                           must<synonyms_close>> {};

// `extend record treatment { start: date }`, `extend enum document { … }`, `extend synonyms E { … }`:
// a policy or module adds to the schema's declaration of that name (dsl/check/schema.hpp).
struct extend_target : sor<enum_item, record_item, synonyms_item> {};
struct extend_item : seq<kw_extend, sp, must<extend_target>> {};

// ---- Rules -------------------------------------------------------------------------------

struct tag_name : seq<identifier> {};
struct next_tag_name : seq<identifier> {};
struct tag_clause : seq<kw_tag, sp, must<tag_name>, star<sp, comma, sp, must<next_tag_name>>> {};

struct cite_text : seq<string_literal> {};
struct cite_clause : seq<kw_cite, sp, must<cite_text>> {};
struct effective_clause : seq<kw_effective, sp, must<date_range>> {};
struct when_condition : seq<expression> {};
struct when_clause : seq<kw_when, sp, must<when_condition>> {};

struct tagged_target : seq<kw_tagged, sp, identifier> {};
struct override_target : sor<tagged_target, qualified_name> {};
struct next_override_target : seq<override_target> {};
struct overrides_clause : seq<kw_overrides, sp, must<override_target>, star<sp, comma, sp, must<next_override_target>>> {};

struct cover_clause : kw_cover {};
struct effect_kind : sor<kw_exclude, kw_deny, kw_pend> {};
struct effect_clause : seq<effect_kind, opt<sp, string_literal>> {};
struct route_name : seq<identifier> {};
struct route_clause : seq<kw_route, sp, must<route_name>> {};

struct require_cite : seq<kw_cite, sp, must<cite_text>> {};
struct else_effect : sor<kw_deny, kw_pend, kw_exclude> {};
struct require_else : seq<kw_else, sp, must<else_effect>, opt<sp, string_literal>> {};
struct prior_auth_requirement : kw_prior_auth {};
struct document_name : seq<identifier> {};
// `require X cite "c" effective 2026-01-01 .. else deny "m"`: a dated criterion. Greedy: an
// `effective` right after a requirement's condition or citation is the criterion's own range.
struct require_effective : seq<kw_effective, sp, must<date_range>> {};
struct document_requirement : seq<kw_document, sp, must<document_name>, opt<sp, require_cite>,
                                  opt<sp, require_effective>, opt<sp, require_else>> {};
struct criterion_requirement : seq<expression, opt<sp, require_cite>, opt<sp, require_effective>,
                                   opt<sp, require_else>> {};
struct requirement : sor<prior_auth_requirement, document_requirement, criterion_requirement> {};
struct require_clause : seq<kw_require, sp, must<requirement>> {};

struct grant_amount : digits {};
struct grant_unit : sor<kw_days, kw_weeks, kw_months, kw_units> {};
// `authorize 28 days` (a constant), or `authorize min(request.sessions, 8) units` (an integer
// expression evaluated on the case); a constant with no unit falls through to the expression.
// A unit word is no amount (`authorize days` asks for the amount), nor is a negation
// (`authorize -8 units`, refused here as a constant below 1 is refused by the checker).
struct grant_expr : seq<not_at<sor<grant_unit, op_neg>>, add_expr> {};
struct grant : sor<seq<grant_amount, sp, grant_unit>, seq<grant_expr, sp, must<grant_unit>>> {};
struct next_grant : seq<grant> {};
struct authorize_clause : seq<kw_authorize, sp, must<grant>, star<sp, comma, sp, must<next_grant>>> {};

struct next_text : seq<string_literal> {};
struct next_clause : seq<kw_next, sp, must<next_text>> {};
// `warning "…"` (advice rules): a warning on the case when the advice applies. Contextual:
// `warning` stays a name elsewhere, as in a check's `else warning`.
struct kw_warning_clause : TAO_PEGTL_KEYWORD("warning") {};
struct warning_text : seq<string_literal> {};
struct warning_clause : seq<kw_warning_clause, sp, must<warning_text>> {};

struct clause : sor<tag_clause, cite_clause, effective_clause, when_clause, overrides_clause, cover_clause,
                    effect_clause, route_clause, require_clause, authorize_clause, next_clause,
                    warning_clause> {};
// After the clauses only an item, a (misplaced) header or the end may follow; anything else is
// reported here, inside the rule, rather than as a stray item.
struct rule_junk : failure {};
struct rule_end : opt<sp, not_at<sor<item_word, header_word, eof>>, raise<rule_junk>> {};
struct rule_name : seq<identifier> {};
struct rule_item : seq<kw_rule, sp, must<rule_name>, opt<sp, string_literal>, star<sp, clause>, rule_end> {};
struct advice_name : seq<identifier> {};
struct advice_item : seq<kw_advice, sp, must<advice_name>, opt<sp, string_literal>, star<sp, clause>, rule_end> {};

// ---- File --------------------------------------------------------------------------------

struct item : sor<rule_item, advice_item, codeset_item, define_item, import_item, param_item, set_decl, enum_item,
                  record_item, synonyms_item, extend_item> {};
struct misplaced_header : failure {};
struct end_of_file : eof {};
struct file : seq<opt<bom>, sp, opt<header, sp>, star<item, sp>, opt<at<header_word>, raise<misplaced_header>>,
                  must<end_of_file>> {};
// After a syntax error parser.cpp parses the rest of the file item by item: each piece after the
// first starts at an item keyword at the start of a line and ends before the next one.
struct file_part : seq<sp, star<item, sp>, opt<at<header_word>, raise<misplaced_header>>, must<end_of_file>> {};

// clang-format on

}  // namespace covcheck::dsl::grammar

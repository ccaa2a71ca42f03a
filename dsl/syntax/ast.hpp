// The owned CPL syntax tree. Every node carries its source span; expression nodes also
// carry a NodeId so that later stages attach side tables (types, resolutions) without
// mutating the tree.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dsl/source/source.hpp"

namespace covcheck::dsl::ast {

using NodeId = std::uint32_t;

// A name with the span of its spelling.
struct Ident {
  std::string text;
  SourceSpan span;
};

enum class Decision { covered, pend, denied, excluded };  // ordered by severity
enum class DurationUnit { days, weeks, months };
enum class BinaryOp { and_, or_, eq, ne, lt, le, gt, ge, add, sub, mul };
enum class UnaryOp { not_, negate };
enum class WindowDirection { before, after, around };  // `within D before|after|of X`
enum class QuantifierKind { any, all, count, count_distinct };

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct BoolLiteral {
  bool value;
};
struct IntLiteral {
  std::int64_t value;
};
struct DecimalLiteral {
  double value;
  std::string text;
};
struct StringLiteral {
  std::string value;
};
struct DateLiteral {
  std::int32_t days;
};  // days since 1970-01-01, validated by the parser
struct DurationLiteral {
  std::int64_t amount;
  DurationUnit unit;
};

// A bare identifier: an element variable, a case root field, a define, a code set, a
// param, `benefit`, `decision`, `date_of_service`, or an enumeration member (resolved by
// the checker from the expected type).
struct NameRef {
  std::string name;
};
// `object.field`; qualified names (`acme.filing_days`) are parsed the same way.
struct MemberAccess {
  ExprPtr object;
  Ident field;
};
struct Unary {
  UnaryOp op;
  ExprPtr operand;
};
struct Binary {
  BinaryOp op;
  ExprPtr lhs;
  ExprPtr rhs;
};
// `item in set` / `item not in set`; set is a SetLiteral, CodeSetLiteral, SetOperation,
// a code set name or a list-valued path.
struct Membership {
  ExprPtr item;
  ExprPtr set;
  bool negated;
};
// `{ failed, intolerant }`, `{ "CA", "NY" }`: items typed by the checker.
struct SetLiteral {
  std::vector<ExprPtr> items;
};

// One entry of a code-set literal: `F33.2`, `F33.*` / `G90.5*` (prefix), `F32.0 .. F32.5`,
// optionally dated: `F32.89 effective 2025-05-01 ..`.
struct DateRange {
  std::optional<std::int32_t> from;  // inclusive; nullopt = open
  std::optional<std::int32_t> to;    // inclusive; nullopt = open
  SourceSpan span;
};
struct CodeEntry {
  SourceSpan span;
  std::string low;        // the code, or the prefix for a wildcard (without `*`)
  std::string high;       // non-empty only for a range
  bool wildcard = false;  // `F33.*`: every code starting with `F33.`; `G90.5*`: starting with `G90.5`
  std::optional<DateRange> effective;
};
// `icd10 { F33.*, G90.5* }`, `cpt { 96365 }`, `hcpcs { J0013 }`, `drug_class { ssri, snri }`.
struct CodeSetLiteral {
  Ident system;
  std::vector<CodeEntry> entries;
};
// `a | b` (union), `a - b` (difference) in set position.
struct SetOperation {
  bool difference;
  ExprPtr lhs;
  ExprPtr rhs;
};

// `x is known` / `x is unknown`; with `none` set, `x is none` (three-valued: unknown while x
// is absent, true when the case says x is none; `known` is then false and unused).
struct Presence {
  ExprPtr operand;
  bool known;
  bool none = false;
};
// `subject within amount before|after|of anchor`, inclusive at both ends.
struct Within {
  ExprPtr subject;
  ExprPtr amount;
  WindowDirection direction;
  ExprPtr anchor;
};
// `f(a, b)`: a define with parameters or a built-in (`years_between`).
struct Call {
  Ident function;
  std::vector<ExprPtr> args;
};
// `any L v: P`, `all L v: P`, `count(L v: P)`, `count(L)`, `count distinct(L v: P ; K)`.
struct Quantifier {
  QuantifierKind kind;
  ExprPtr list;
  std::optional<Ident> variable;  // absent only for `count(L)`
  ExprPtr filter;                 // may be null for count
  ExprPtr key;                    // count distinct only
};
// `if c then a else b`; `else` may be omitted (then the value is unknown when c is false).
struct Conditional {
  ExprPtr condition;
  ExprPtr then_value;
  ExprPtr else_value;
};
// `unknown(request.type, patient.x)`: a value left unknown on purpose; `facts` are the paths
// it waits for, which `missing` names when it keeps a decision open.
struct UnknownValue {
  std::vector<ExprPtr> facts;
};

struct Expr {
  NodeId id = 0;
  SourceSpan span;
  std::variant<BoolLiteral, IntLiteral, DecimalLiteral, StringLiteral, DateLiteral, DurationLiteral, NameRef,
               MemberAccess, Unary, Binary, Membership, SetLiteral, CodeSetLiteral, SetOperation, Presence, Within,
               Call, Quantifier, Conditional, UnknownValue>
      kind;
};

// ---- Declarations ----------------------------------------------------------------------

enum class FileKind { library, policy, module, schema };

// `policy acme "Title" version "2026.1" effective 2026-01-01 .. 2026-12-31 default denied "msg"`
// `module ca_mandate "Title" [version "1"] [effective 2026-01-01 ..]`
// `schema case_v1 "Title" version "1"`
struct Header {
  SourceSpan span;
  FileKind kind = FileKind::library;
  Ident id;
  std::string title;
  std::optional<std::string> version;
  std::optional<DateRange> effective;
  std::optional<Decision> default_decision;  // policies only
  std::optional<std::string> default_message;
  std::optional<std::string> source;  // `source "https://..."`: where the policy text lives
};

struct Import {
  SourceSpan span;
  std::string path;
  SourceSpan path_span;
};
struct CodeSetDecl {
  SourceSpan span;
  Ident name;
  ExprPtr value;
};
struct Define {
  SourceSpan span;
  Ident name;
  std::vector<Ident> params;
  ExprPtr body;
};

// `bool`, `int`, `decimal`, `string`, `date`, `duration`, `icd10`, `cpt`, `hcpcs`,
// an enum or record name, or `list of T`.
struct TypeRef {
  SourceSpan span;
  std::string name;
  bool list = false;
};

// `param filing_days: duration = 90 days` (a module declares it with a default)
struct ParamDecl {
  SourceSpan span;
  Ident name;
  TypeRef type;
  ExprPtr default_value;
};
// `set claims.filing_days = 180 days` (a policy sets it)
struct ParamSet {
  SourceSpan span;
  Ident name;
  ExprPtr value;
};

// In a policy or module, `extended` marks `extend enum|record|synonyms NAME { ... }`: additions to
// the schema's declaration of NAME rather than a new one (the checker merges them).
struct EnumDecl {
  SourceSpan span;
  Ident name;
  std::vector<Ident> members;
  bool extended = false;
};
// `name: type [default LITERAL] [exclusive] [= derived expression]`
struct FieldDecl {
  SourceSpan span;
  Ident name;
  TypeRef type;
  ExprPtr default_value;   // schema default (rare)
  ExprPtr derived;         // derived fact, computed from sibling fields and the case root
  bool exclusive = false;  // bool field in list elements: at most one element may be true
  bool or_none = false;    // `type or none`: a case may say the fact is known to be absent
};
// `check EXPR [when GUARD] [else warning] "message"`: a validation of case data; false is a
// case error (or, with `else warning`, a warning) naming the field. With a guard the check
// applies only where the guard holds (`score <= 27 when instrument == phq9`).
struct CheckDecl {
  SourceSpan span;
  ExprPtr condition;
  std::string message;
  ExprPtr guard;         // `when GUARD`, or null
  bool warning = false;  // `else warning`: an implausible value, the case is still decided
};
// `record patient { ... }`; the record named `case` is the document root.
struct RecordDecl {
  SourceSpan span;
  Ident name;
  std::vector<FieldDecl> fields;
  std::vector<CheckDecl> checks;
  bool extended = false;
};

// `synonyms drug_class { ssri: "SSRI", "selective serotonin reuptake inhibitor" }`: other
// spellings of enumeration members that case data may use (matched ignoring ASCII case).
struct SynonymText {
  std::string text;
  SourceSpan span;
};
struct SynonymEntry {
  SourceSpan span;
  Ident member;
  std::vector<SynonymText> texts;
};
struct SynonymsDecl {
  SourceSpan span;
  Ident enumeration;
  std::vector<SynonymEntry> entries;
  bool extended = false;
};

// ---- Rules -----------------------------------------------------------------------------

struct Message {
  std::string text;
  SourceSpan span;
};

// One `require` clause.
struct Requirement {
  enum class Kind { criterion, document, prior_auth };
  SourceSpan span;
  Kind kind = Kind::criterion;
  ExprPtr condition;              // criterion
  std::optional<Ident> document;  // document
  std::optional<std::string> cite;
  // `effective A .. B`: the criterion's own range; outside it the criterion is not applied.
  std::optional<DateRange> effective;
  // `else deny|pend|exclude "message"`; default for a criterion: deny with no message.
  std::optional<Decision> else_decision;
  std::optional<Message> else_message;
};

// `overrides acme.rule_id` or `overrides tagged investigational`
struct OverrideTarget {
  SourceSpan span;
  bool by_tag = false;
  std::string name;
};

// `exclude "msg"`, `deny "msg"`, `pend "msg"`: the rule's direct effect when it applies.
struct DirectEffect {
  SourceSpan span;
  Decision decision;
  std::optional<Message> message;
};

// `authorize 6 months`, `authorize 28 days`, `authorize 8 units`: what coverage grants;
// `authorize min(request.sessions, 8) units`: an amount computed from the case.
struct Grant {
  SourceSpan span;
  std::int64_t amount = 0;  // the constant (when `amount_expr` is null)
  std::string unit;         // days|weeks|months|units
  ExprPtr amount_expr;      // an integer expression, or null for a constant
};

struct Rule {
  SourceSpan span;
  bool advice = false;  // `advice` instead of `rule`
  Ident name;
  std::optional<std::string> title;
  std::optional<std::string> cite;
  std::vector<Ident> tags;
  std::optional<DateRange> effective;
  ExprPtr when;  // null: always applies
  std::vector<OverrideTarget> overrides;
  std::optional<SourceSpan> cover;  // span of the `cover` keyword when a coverage rule
  std::optional<DirectEffect> direct;
  std::optional<Ident> route;
  std::vector<Requirement> requirements;
  std::vector<Grant> grants;
  std::vector<Message> next_steps;  // `next "..."` (advice rules, and any rule's guidance)
  std::vector<Message> warnings;    // `warning "..."` (advice rules): a case warning when it applies
};

struct Comment {
  SourceSpan span;
  std::string text;
};  // kept for the formatter

using Item = std::variant<Import, CodeSetDecl, Define, ParamDecl, ParamSet, EnumDecl, RecordDecl, Rule, SynonymsDecl>;

struct File {
  FileId file = no_file;
  std::optional<Header> header;  // absent: a library file (code sets, defines, params)
  std::vector<Item> items;       // in source order
  std::vector<Comment> comments;
  NodeId node_count = 0;  // expression NodeIds in this file are 0 .. node_count-1
};

}  // namespace covcheck::dsl::ast

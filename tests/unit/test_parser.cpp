// CPL parser tests: grammar rules in isolation (PEGTL-style match tables), AST shapes, spans,
// and the position and wording of every syntax error the parser defines.
#include <catch2/catch.hpp>

#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/analyze.hpp>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "dsl/syntax/grammar.hpp"
#include "dsl/syntax/parser.hpp"

namespace {

namespace g = covcheck::dsl::grammar;
namespace pegtl = tao::pegtl;
namespace ast = covcheck::dsl::ast;
using covcheck::dsl::Diagnostics;
using covcheck::dsl::FileId;
using covcheck::dsl::SourceRegistry;

// ---- Matching one grammar rule -----------------------------------------------------------

enum class Result { ok, partial, local, global };

template <typename Rule>
Result match(std::string_view input) {
  pegtl::memory_input in(input.data(), input.size(), "test");
  try {
    if (!pegtl::parse<Rule>(in)) return Result::local;
    return in.empty() ? Result::ok : Result::partial;
  } catch (const pegtl::parse_error&) {
    return Result::global;
  }
}

struct Case {
  const char* input;
  Result expected;
};

template <typename Rule>
void check_rule(std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    INFO("input: " << c.input);
    CHECK(match<Rule>(c.input) == c.expected);
  }
}

// ---- Whole files ---------------------------------------------------------------------------

struct Parsed {
  SourceRegistry sources;
  FileId id = 0;
  Diagnostics diagnostics;
  std::optional<ast::File> file;
  ast::NodeId next_id = 0;
};

std::unique_ptr<Parsed> parse(std::string text) {
  auto p = std::make_unique<Parsed>();
  p->id = p->sources.add("test.cpl", std::move(text));
  p->file = covcheck::dsl::parse_file(p->sources, p->id, p->next_id, p->diagnostics);
  return p;
}

// "line:col code: message" of the first diagnostic, or "ok".
std::string first_error(std::string text) {
  auto p = parse(std::move(text));
  if (p->diagnostics.empty()) return p->file ? "ok" : "failed without a diagnostic";
  const auto& d = p->diagnostics.items().front();
  auto lc = p->sources.file(p->id).location(d.span.begin);
  return fmt::format("{}:{} {}: {}", lc.line, lc.column, d.code, d.message);
}

template <typename T>
const T& item(const ast::File& f, std::size_t i) {
  REQUIRE(i < f.items.size());
  REQUIRE(std::holds_alternative<T>(f.items[i]));
  return std::get<T>(f.items[i]);
}

std::string slice(const Parsed& p, covcheck::dsl::SourceSpan s) { return std::string(p.sources.file(p.id).slice(s)); }

// A compact, fully parenthesized rendering for shape tests.
std::string sexpr(const ast::Expr* e);

std::string sexpr_list(const std::vector<ast::ExprPtr>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : " ") + sexpr(i.get());
  return out;
}

std::string sexpr(const ast::Expr* e) {
  if (!e) return "null";
  static constexpr const char* ops[] = {"and", "or", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*"};
  static constexpr const char* units[] = {"d", "w", "m"};
  static constexpr const char* dirs[] = {"before", "after", "of"};
  static constexpr const char* quants[] = {"any", "all", "count", "count-distinct"};
  return std::visit(
      [](const auto& k) -> std::string {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, ast::BoolLiteral>) return k.value ? "true" : "false";
        else if constexpr (std::is_same_v<K, ast::IntLiteral>) return std::to_string(k.value);
        else if constexpr (std::is_same_v<K, ast::DecimalLiteral>) return k.text;
        else if constexpr (std::is_same_v<K, ast::StringLiteral>) return "'" + k.value + "'";
        else if constexpr (std::is_same_v<K, ast::DateLiteral>) return covcheck::dsl::format_iso_date(k.days);
        else if constexpr (std::is_same_v<K, ast::DurationLiteral>)
          return std::to_string(k.amount) + units[static_cast<int>(k.unit)];
        else if constexpr (std::is_same_v<K, ast::NameRef>) return k.name;
        else if constexpr (std::is_same_v<K, ast::MemberAccess>)
          return "(. " + sexpr(k.object.get()) + " " + k.field.text + ")";
        else if constexpr (std::is_same_v<K, ast::Unary>)
          return std::string(k.op == ast::UnaryOp::not_ ? "(not " : "(neg ") + sexpr(k.operand.get()) + ")";
        else if constexpr (std::is_same_v<K, ast::Binary>)
          return fmt::format("({} {} {})", ops[static_cast<int>(k.op)], sexpr(k.lhs.get()), sexpr(k.rhs.get()));
        else if constexpr (std::is_same_v<K, ast::Membership>)
          return fmt::format("({} {} {})", k.negated ? "not-in" : "in", sexpr(k.item.get()), sexpr(k.set.get()));
        else if constexpr (std::is_same_v<K, ast::SetLiteral>) return "{" + sexpr_list(k.items) + "}";
        else if constexpr (std::is_same_v<K, ast::CodeSetLiteral>) {
          std::string out = k.system.text + "{";
          for (const auto& en : k.entries) {
            if (&en != &k.entries.front()) out += " ";
            out += en.low + (en.wildcard ? "*" : "") + (en.high.empty() ? "" : ".." + en.high);
            if (en.effective) {
              out += "@" + (en.effective->from ? covcheck::dsl::format_iso_date(*en.effective->from) : "") + "..";
              out += en.effective->to ? covcheck::dsl::format_iso_date(*en.effective->to) : "";
            }
          }
          return out + "}";
        } else if constexpr (std::is_same_v<K, ast::SetOperation>)
          return fmt::format("({} {} {})", k.difference ? "diff" : "union", sexpr(k.lhs.get()), sexpr(k.rhs.get()));
        else if constexpr (std::is_same_v<K, ast::Presence>)
          return fmt::format("({} {})", k.none ? "none" : k.known ? "known" : "unknown", sexpr(k.operand.get()));
        else if constexpr (std::is_same_v<K, ast::Within>)
          return fmt::format("(within {} {} {} {})", sexpr(k.subject.get()), sexpr(k.amount.get()),
                             dirs[static_cast<int>(k.direction)], sexpr(k.anchor.get()));
        else if constexpr (std::is_same_v<K, ast::Call>)
          return "(call " + k.function.text + (k.args.empty() ? "" : " " + sexpr_list(k.args)) + ")";
        else if constexpr (std::is_same_v<K, ast::Quantifier>) {
          std::string out = std::string("(") + quants[static_cast<int>(k.kind)] + " " + sexpr(k.list.get());
          if (k.variable) out += " " + k.variable->text + " " + sexpr(k.filter.get());
          if (k.key) out += " ; " + sexpr(k.key.get());
          return out + ")";
        } else if constexpr (std::is_same_v<K, ast::Conditional>) {
          return fmt::format("(if {} {}{})", sexpr(k.condition.get()), sexpr(k.then_value.get()),
                             k.else_value ? " " + sexpr(k.else_value.get()) : "");
        } else if constexpr (std::is_same_v<K, ast::UnknownValue>) {
          return "(unknown " + sexpr_list(k.facts) + ")";
        }
      },
      e->kind);
}

// The body of `define x = <text>` as an s-expression, or the first error.
std::string expr(const std::string& text) {
  auto p = parse("define x = " + text);
  if (!p->file) return "error: " + (p->diagnostics.empty() ? "?" : p->diagnostics.items().front().message);
  return sexpr(item<ast::Define>(*p->file, 0).body.get());
}

}  // namespace

// ---- Grammar -------------------------------------------------------------------------------

TEST_CASE("grammar: no left recursion or non-consuming loops", "[parser][grammar]") {
  CHECK(pegtl::analyze<g::file>() == 0);
}

TEST_CASE("grammar: identifiers and keywords", "[parser][grammar]") {
  check_rule<g::identifier>({{"abc", Result::ok},
                             {"insurer", Result::ok},
                             {"in", Result::local},
                             {"in_x", Result::ok},
                             {"_a1", Result::ok},
                             {"1a", Result::local},
                             {"pend", Result::local},
                             {"pending", Result::ok},
                             {"effective", Result::local},
                             {"version", Result::ok},
                             {"document", Result::ok},
                             {"documents", Result::ok},
                             {"days", Result::ok},
                             {"a.b", Result::partial}});
  check_rule<g::kw_in>({{"in", Result::ok}, {"insurer", Result::local}, {"in x", Result::partial}});
  check_rule<g::kw_document>({{"document", Result::ok}, {"documents", Result::local}});
  check_rule<g::word_name>({{"pend", Result::ok}, {"effective", Result::ok}, {"pending", Result::local}});
}

TEST_CASE("grammar: literals", "[parser][grammar]") {
  check_rule<g::string_literal>({{R"("abc")", Result::ok},
                                 {R"("a\"b\\c\n\t")", Result::ok},
                                 {"\"tab\there\"", Result::ok},
                                 {"\"§3.1 — ü\"", Result::ok},
                                 {"\"\"", Result::ok},
                                 {R"("abc)", Result::global},
                                 {"\"ab\ncd\"", Result::global},
                                 {R"("a\qb")", Result::global},
                                 {"\"a\x01\"", Result::global},
                                 {"\"a\xff\"", Result::global},
                                 {"abc", Result::local}});
  check_rule<g::number_literal>({{"42", Result::ok},
                                 {"1.5", Result::ok},
                                 {"2026-03-02", Result::ok},
                                 {"2026-02-30", Result::ok},  // well-formed; the converter rejects it
                                 {"90 days", Result::ok},
                                 {"1 day", Result::ok},
                                 {"6 weeks", Result::ok},
                                 {"3 months", Result::ok},
                                 {"1 month", Result::ok},
                                 {"90days", Result::ok},
                                 {"90 dayss", Result::partial},
                                 {"2026-3-02", Result::partial},
                                 {"12ab", Result::local},
                                 {"x", Result::local}});
  check_rule<g::date_literal>({{"2026-03-02", Result::ok}, {"2026-3-02", Result::local}, {"20260302", Result::local}});
  check_rule<g::code_token>({{"F33.2", Result::ok},
                             {"96365", Result::ok},
                             {"J0013", Result::ok},
                             {"F33.*", Result::ok},
                             {"G90.5*", Result::ok},
                             {"F32.A", Result::ok},
                             {"ssri", Result::ok},
                             {"F32.0..F32.5", Result::partial}});
  check_rule<g::code_entry>({{"F32.0 .. F32.5", Result::ok},
                             {"F32.0..F32.5", Result::ok},
                             {"F34.1 effective 2025-05-01 ..", Result::ok},
                             {"F32.0 .. F32.5 effective .. 2025-05-01", Result::ok},
                             {"F32.0 ..", Result::global},
                             {"F34.1 effective", Result::global}});
  check_rule<g::date_range>({{"2026-01-01 .. 2026-12-31", Result::ok},
                             {"2026-01-01 ..", Result::ok},
                             {"2026-01-01..2026-12-31", Result::ok},
                             {".. 2026-12-31", Result::ok},
                             {"2026-01-01", Result::global},
                             {"..", Result::global},
                             {"x", Result::local}});
}

TEST_CASE("grammar: expressions", "[parser][grammar]") {
  check_rule<g::expression>({{"a", Result::ok},
                             {"a.b.c", Result::ok},
                             {"f(a, b)", Result::ok},
                             {"f()", Result::ok},
                             {"f (a)", Result::ok},
                             {"a and b or not c", Result::ok},
                             {"a == b", Result::ok},
                             {"decision == pend", Result::ok},
                             {"decision in { pend, denied }", Result::ok},
                             {"x in a | b - icd10 { F33.* }", Result::ok},
                             {"x not in (a | b)", Result::ok},
                             {"x is known", Result::ok},
                             {"a within 30 days before b", Result::ok},
                             {"any ds d: d.x", Result::ok},
                             {"count(ds)", Result::ok},
                             {"count distinct(ts t: t.ok ; t.class)", Result::ok},
                             {"if a then b", Result::ok},
                             {"if a then b else c", Result::ok},
                             {"- - 5", Result::ok},
                             {"not not a", Result::ok},
                             {"a # comment\n and b", Result::ok},
                             {"a ==", Result::global},
                             {"a == b == c", Result::global},
                             {"a < b > c", Result::global},
                             {"(a", Result::global},
                             {"a and", Result::global},
                             {"a.", Result::global},
                             {"a not b", Result::global},
                             {"a is b", Result::global},
                             {"any ds: x", Result::global},
                             {"count x", Result::global},
                             {"pend", Result::local},
                             {")", Result::local},
                             {"a b", Result::partial},
                             {"a = b", Result::partial}});
}

TEST_CASE("grammar: items, clauses and headers", "[parser][grammar]") {
  check_rule<g::header>(
      {{R"(policy acme "T" version "1" default denied)", Result::ok},
       {R"(policy acme "T" version "1" effective 2026-01-01 .. default pend "m" source "u")", Result::ok},
       {R"(module m "T" effective 2026-01-01 ..)", Result::ok},
       {R"(schema s "T" version "1")", Result::ok},
       {R"(schema s)", Result::global},
       {R"(policy p "T" version "1" default maybe)", Result::global}});
  check_rule<g::clause>({{"tag a, b", Result::ok},
                         {"cite \"§1\"", Result::ok},
                         {"effective .. 2026-01-01", Result::ok},
                         {"when a", Result::ok},
                         {"overrides a, acme.b, tagged investigational", Result::ok},
                         {"cover", Result::ok},
                         {"exclude", Result::ok},
                         {"deny \"m\"", Result::ok},
                         {"pend", Result::ok},
                         {"route mental_health", Result::ok},
                         {"require prior_auth", Result::ok},
                         {"require document lmn cite \"§\" else pend \"m\"", Result::ok},
                         {"require a > 1 cite \"§\" else exclude", Result::ok},
                         {"authorize 28 days, 8 units, 1 unit", Result::ok},
                         {"next \"call\"", Result::ok},
                         {"covers", Result::local},
                         {"when", Result::global},
                         {"require", Result::global},
                         {"authorize 8 years", Result::global}});
  check_rule<g::item>({{"import \"x.cpl\"", Result::ok},
                       {"codeset c = icd10 { F33.* }", Result::ok},
                       {"codeset c = a | b", Result::ok},
                       {"define a = 1", Result::ok},
                       {"define f(t, u) = t", Result::ok},
                       {"param p: duration = 90 days", Result::ok},
                       {"param p: list of string", Result::ok},
                       {"set a.b = 1", Result::ok},
                       {"enum e { a, effective, pend }", Result::ok},
                       {"record r { a: int b: list of x check a > 1 \"m\" }", Result::ok},
                       {"rule r", Result::ok},
                       {"advice a when decision == pend next \"x\"", Result::ok},
                       {"rule r requir x", Result::global},
                       {"rules r", Result::local}});
}

// ---- AST shapes ----------------------------------------------------------------------------

TEST_CASE("ast: precedence and associativity", "[parser][ast]") {
  CHECK(expr("a or b and c") == "(or a (and b c))");
  CHECK(expr("a and b or c") == "(or (and a b) c)");
  CHECK(expr("a or b or c") == "(or (or a b) c)");
  CHECK(expr("a and b and c") == "(and (and a b) c)");
  CHECK(expr("not a and b") == "(and (not a) b)");
  CHECK(expr("not a == b") == "(not (== a b))");
  CHECK(expr("not not a") == "(not (not a))");
  CHECK(expr("a == b + c * d") == "(== a (+ b (* c d)))");
  CHECK(expr("a - b - c") == "(- (- a b) c)");
  CHECK(expr("a - b + c") == "(+ (- a b) c)");
  CHECK(expr("a * b * c") == "(* (* a b) c)");
  CHECK(expr("-a * b") == "(* (neg a) b)");
  CHECK(expr("- -5") == "(neg (neg 5))");
  CHECK(expr("a - -b") == "(- a (neg b))");
  CHECK(expr("-a.b") == "(neg (. a b))");
  CHECK(expr("(a or b) and c") == "(and (or a b) c)");
  CHECK(expr("a.b.c") == "(. (. a b) c)");
  CHECK(expr("years_between(p.birth, dos) >= 18") == "(>= (call years_between (. p birth) dos) 18)");
  CHECK(expr("f()") == "(call f)");
  CHECK(expr("a <= b") == "(<= a b)");
  CHECK(expr("a != b") == "(!= a b)");
  CHECK(expr("a < b") == "(< a b)");
  CHECK(expr("a > b") == "(> a b)");
  CHECK(expr("date_of_service + 90 days") == "(+ date_of_service 90d)");
  CHECK(expr("end - start") == "(- end start)");
}

TEST_CASE("ast: literals", "[parser][ast]") {
  CHECK(expr("true") == "true");
  CHECK(expr("false") == "false");
  CHECK(expr("18") == "18");
  CHECK(expr("2.5") == "2.5");
  CHECK(expr(R"("CA")") == "'CA'");
  CHECK(expr(R"("a\"b\\c\nd\te")") == "'a\"b\\c\nd\te'");
  CHECK(expr("2026-01-01") == "2026-01-01");
  CHECK(expr("6 weeks") == "6w");
  CHECK(expr("1 month") == "1m");
  CHECK(expr("90 day") == "90d");
  CHECK(expr("9223372036854775807") == "9223372036854775807");
}

TEST_CASE("ast: membership, sets, presence, windows", "[parser][ast]") {
  CHECK(expr("d.code in depression | ptsd") == "(in (. d code) (union depression ptsd))");
  CHECK(expr("x in a | b - c") == "(in x (diff (union a b) c))");
  CHECK(expr("x in a - (b | c)") == "(in x (diff a (union b c)))");
  CHECK(expr("x not in a") == "(not-in x a)");
  CHECK(expr("t.outcome in { failed, intolerant }") == "(in (. t outcome) {failed intolerant})");
  CHECK(expr("\"96365\" in request.cpt") == "(in '96365' (. request cpt))");
  CHECK(expr("x in icd10 { F33.*, G90.5*, F32.0 .. F32.5 }") == "(in x icd10{F33.* G90.5* F32.0..F32.5})");
  CHECK(expr("x in {}") == "(in x {})");
  CHECK(expr("decision == pend") == "(== decision pend)");
  CHECK(expr("decision != pend") == "(!= decision pend)");
  CHECK(expr("decision in { pend, denied }") == "(in decision {pend denied})");
  CHECK(expr("t.outcome == effective") == "(== (. t outcome) effective)");
  CHECK(expr("a in b and c") == "(and (in a b) c)");
  CHECK(expr("request.submitted is known") == "(known (. request submitted))");
  CHECK(expr("x is unknown or y") == "(or (unknown x) y)");
  CHECK(expr("a.date within 30 days before date_of_service") == "(within (. a date) 30d before date_of_service)");
  CHECK(expr("a within 1 week after b + 1 day") == "(within a 1w after (+ b 1d))");
  CHECK(expr("a within 2 months of b") == "(within a 2m of b)");
}

TEST_CASE("ast: quantifiers, aggregates, conditionals", "[parser][ast]") {
  // A quantifier's body extends as far right as possible.
  CHECK(expr("any diagnoses d: d.code in crps and x") == "(any diagnoses d (and (in (. d code) crps) x))");
  CHECK(expr("(any diagnoses d: d.code in crps) and x") == "(and (any diagnoses d (in (. d code) crps)) x)");
  CHECK(expr("all treatments t: t.adequate_dose") == "(all treatments t (. t adequate_dose))");
  CHECK(expr("any ms m: m.c in a and not (any ts t: t.n == m.n)") ==
        "(any ms m (and (in (. m c) a) (not (any ts t (== (. t n) (. m n))))))");
  CHECK(expr("count(documents)") == "(count documents)");
  CHECK(expr("count(treatments t: t.outcome == failed) >= 2") ==
        "(>= (count treatments t (== (. t outcome) failed)) 2)");
  CHECK(expr("count distinct(treatments t: ok(t) ; t.class)") ==
        "(count-distinct treatments t (call ok t) ; (. t class))");
  CHECK(expr("count(patient.treatments)") == "(count (. patient treatments))");
  CHECK(expr("if end is known then end else date_of_service") == "(if (known end) end date_of_service)");
  CHECK(expr("if a then b") == "(if a b)");
  CHECK(expr("if a then if b then c else d") == "(if a (if b c d))");
  CHECK(expr("(if a then b) - c") == "(- (if a b) c)");
  CHECK(expr("if a then b else c and d") == "(if a b (and c d))");
}

TEST_CASE("ast: every expression gets a fresh id and a span without trailing blanks", "[parser][ast][spans]") {
  auto p = parse("define x = (a  +  b) # trailing\n   and  c.d   # more\n");
  REQUIRE(p->file);
  const ast::Expr& body = *item<ast::Define>(*p->file, 0).body;
  CHECK(slice(*p, body.span) == "(a  +  b) # trailing\n   and  c.d");
  const auto& bin = std::get<ast::Binary>(body.kind);
  CHECK(slice(*p, bin.lhs->span) == "(a  +  b)");
  CHECK(slice(*p, bin.rhs->span) == "c.d");
  const auto& member = std::get<ast::MemberAccess>(bin.rhs->kind);
  CHECK(slice(*p, member.field.span) == "d");
  CHECK(p->file->node_count == p->next_id);
  CHECK(p->next_id == 6);  // a, b, a+b, c, c.d, and
  std::vector<ast::NodeId> ids{body.id, bin.lhs->id, bin.rhs->id, member.object->id};
  std::sort(ids.begin(), ids.end());
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());

  // Ids continue across files.
  auto second = parse("define y = 1");
  ast::NodeId next = 100;
  covcheck::dsl::Diagnostics d;
  auto f = covcheck::dsl::parse_file(second->sources, second->id, next, d);
  REQUIRE(f);
  CHECK(item<ast::Define>(*f, 0).body->id == 100);
  CHECK(next == 101);
}

TEST_CASE("ast: code sets", "[parser][ast]") {
  auto p = parse(R"(codeset depression     = icd10 { F32.0 .. F32.5, F32.9, F32.A, F33.* }   # not F32.81 (PMDD)
codeset ptsd           = icd10 { F43.1* }
codeset pain_dx        = crps | chronic_pain                  # union
codeset mdd_only       = depression - icd10 { F32.A }         # difference
codeset antidepressant = drug_class { ssri, snri, tca, maoi, atypical }
codeset tx_depression  = icd10 { F32.1, F33.*, F34.1 effective 2025-05-01 .. }  # grows on a date
)");
  REQUIRE(p->file);
  REQUIRE(p->file->items.size() == 6);
  CHECK(sexpr(item<ast::CodeSetDecl>(*p->file, 0).value.get()) == "icd10{F32.0..F32.5 F32.9 F32.A F33.*}");
  CHECK(sexpr(item<ast::CodeSetDecl>(*p->file, 1).value.get()) == "icd10{F43.1*}");
  CHECK(sexpr(item<ast::CodeSetDecl>(*p->file, 2).value.get()) == "(union crps chronic_pain)");
  CHECK(sexpr(item<ast::CodeSetDecl>(*p->file, 3).value.get()) == "(diff depression icd10{F32.A})");
  CHECK(sexpr(item<ast::CodeSetDecl>(*p->file, 4).value.get()) == "drug_class{ssri snri tca maoi atypical}");
  CHECK(sexpr(item<ast::CodeSetDecl>(*p->file, 5).value.get()) == "icd10{F32.1 F33.* F34.1@2025-05-01..}");
  const auto& decl = item<ast::CodeSetDecl>(*p->file, 0);
  CHECK(decl.name.text == "depression");
  const auto& lit = std::get<ast::CodeSetLiteral>(decl.value->kind);
  CHECK(lit.entries[0].low == "F32.0");
  CHECK(lit.entries[0].high == "F32.5");
  CHECK(lit.entries[3].low == "F33.");
  CHECK(lit.entries[3].wildcard);
  CHECK(slice(*p, lit.entries[0].span) == "F32.0 .. F32.5");
  CHECK(std::get<ast::CodeSetLiteral>(item<ast::CodeSetDecl>(*p->file, 1).value->kind).entries[0].low == "F43.1");
  CHECK(p->file->comments.size() == 4);
  CHECK(p->file->comments[0].text == "# not F32.81 (PMDD)");
  CHECK(slice(*p, p->file->comments[0].span) == "# not F32.81 (PMDD)");
}

TEST_CASE("ast: defines, params, sets and imports", "[parser][ast]") {
  auto p = parse(R"(import "../common/codesets.cpl"
define adequate_trial(t) =
  t.class in antidepressant and t.adequate_dose and t.duration >= 6 weeks
  and t.outcome in { failed, intolerant }

define adult = patient.age >= 18

param filing_days: duration = 90 days      # in a module: a default
param states: list of string
set claims.filing_days = 180 days          # in a policy: the value while it is in force
)");
  REQUIRE(p->file);
  CHECK(!p->file->header);
  const auto& imp = item<ast::Import>(*p->file, 0);
  CHECK(imp.path == "../common/codesets.cpl");
  CHECK(slice(*p, imp.path_span) == "\"../common/codesets.cpl\"");
  const auto& trial = item<ast::Define>(*p->file, 1);
  CHECK(trial.name.text == "adequate_trial");
  REQUIRE(trial.params.size() == 1);
  CHECK(trial.params[0].text == "t");
  CHECK(sexpr(trial.body.get()) ==
        "(and (and (and (in (. t class) antidepressant) (. t adequate_dose)) (>= (. t duration) 6w)) "
        "(in (. t outcome) {failed intolerant}))");
  CHECK(item<ast::Define>(*p->file, 2).params.empty());
  const auto& param = item<ast::ParamDecl>(*p->file, 3);
  CHECK(param.name.text == "filing_days");
  CHECK(param.type.name == "duration");
  CHECK(!param.type.list);
  CHECK(sexpr(param.default_value.get()) == "90d");
  const auto& list_param = item<ast::ParamDecl>(*p->file, 4);
  CHECK(list_param.type.list);
  CHECK(list_param.type.name == "string");
  CHECK(!list_param.default_value);
  const auto& set = item<ast::ParamSet>(*p->file, 5);
  CHECK(set.name.text == "claims.filing_days");
  CHECK(slice(*p, set.name.span) == "claims.filing_days");
  CHECK(sexpr(set.value.get()) == "180d");
}

TEST_CASE("ast: headers", "[parser][ast]") {
  auto p = parse(R"(policy acme "Acme Health Commercial PPO — ketamine and esketamine" version "2026.1"
  effective 2026-01-01 .. 2026-12-31
  default denied "Service not addressed by this policy"
  source "https://example.org/policy.pdf"
)");
  REQUIRE(p->file);
  REQUIRE(p->file->header);
  const ast::Header& h = *p->file->header;
  CHECK(h.kind == ast::FileKind::policy);
  CHECK(h.id.text == "acme");
  CHECK(h.title == "Acme Health Commercial PPO — ketamine and esketamine");
  CHECK(h.version == "2026.1");
  REQUIRE(h.effective);
  CHECK(h.effective->from == covcheck::dsl::parse_iso_date("2026-01-01"));
  CHECK(h.effective->to == covcheck::dsl::parse_iso_date("2026-12-31"));
  CHECK(h.default_decision == ast::Decision::denied);
  CHECK(h.default_message == "Service not addressed by this policy");
  CHECK(h.source == "https://example.org/policy.pdf");
  CHECK(slice(*p, h.span).substr(0, 11) == "policy acme");
  CHECK(slice(*p, h.span).back() == '"');

  auto m = parse(R"(module ca_ptsd "Illustrative CA mandate — ketamine for PTSD" effective 2026-01-01 ..)");
  REQUIRE(m->file);
  CHECK(m->file->header->kind == ast::FileKind::module);
  CHECK(!m->file->header->version);
  CHECK(m->file->header->effective->from);
  CHECK(!m->file->header->effective->to);

  auto s = parse(R"(schema case_v1 "covcheck case format" version "1")");
  REQUIRE(s->file);
  CHECK(s->file->header->kind == ast::FileKind::schema);
  CHECK(s->file->header->version == "1");

  auto pend = parse(R"(policy p "t" default pend version "1")");
  REQUIRE(pend->file);
  CHECK(pend->file->header->default_decision == ast::Decision::pend);
  CHECK(!pend->file->header->default_message);
}

TEST_CASE("ast: schema items", "[parser][ast]") {
  auto p = parse(R"(schema case_v1 "covcheck case format" version "1"

enum outcome { failed, intolerant, partial, effective, ongoing }

record treatment {
  name: string
  class: drug_class
  start: date
  end: date
  adequate_dose: bool
  outcome: outcome
  duration: duration = (if end is known then end else if outcome == ongoing then date_of_service) - start
}

record diagnosis {
  code: icd10
  primary: bool default false exclusive
  rank: int default -1
}

record case {
  id: string
  date_of_service: date
  treatments: list of treatment
  check patient.birth_date <= date_of_service "birth date is after the date of service"
}
)");
  REQUIRE(p->file);
  const auto& e = item<ast::EnumDecl>(*p->file, 0);
  CHECK(e.name.text == "outcome");
  REQUIRE(e.members.size() == 5);
  CHECK(e.members[3].text == "effective");
  const auto& treatment = item<ast::RecordDecl>(*p->file, 1);
  REQUIRE(treatment.fields.size() == 7);
  CHECK(treatment.fields[1].name.text == "class");
  CHECK(treatment.fields[1].type.name == "drug_class");
  CHECK(sexpr(treatment.fields[6].derived.get()) ==
        "(- (if (known end) end (if (== outcome ongoing) date_of_service)) start)");
  CHECK(slice(*p, treatment.fields[0].span) == "name: string");
  const auto& diagnosis = item<ast::RecordDecl>(*p->file, 2);
  CHECK(sexpr(diagnosis.fields[1].default_value.get()) == "false");
  CHECK(diagnosis.fields[1].exclusive);
  CHECK(!diagnosis.fields[0].exclusive);
  CHECK(sexpr(diagnosis.fields[2].default_value.get()) == "(neg 1)");
  const auto& c = item<ast::RecordDecl>(*p->file, 3);
  CHECK(c.name.text == "case");
  CHECK(c.fields[2].type.list);
  CHECK(c.fields[2].type.name == "treatment");
  CHECK(slice(*p, c.fields[2].type.span) == "list of treatment");
  REQUIRE(c.checks.size() == 1);
  CHECK(c.checks[0].message == "birth date is after the date of service");
  CHECK(sexpr(c.checks[0].condition.get()) == "(<= (. patient birth_date) date_of_service)");
}

TEST_CASE("ast: the esk_coverage rule of the language reference", "[parser][ast]") {
  auto p = parse(R"(rule esk_coverage "Esketamine for treatment-resistant depression" cite "§3"
  when request.service == esketamine_nasal
  cover
  route mental_health
  require prior_auth
  require patient.age >= 18 cite "§3.1" else deny "Adults only"
  require count(treatments t: adequate_trial(t)) >= 2
      and count distinct(treatments t: adequate_trial(t) ; t.class) >= 2
    cite "§3.3" else deny "Two adequate trials from two classes are required"
  require document letter_of_medical_necessity cite "§3.10"
  authorize 28 days, 8 units
)");
  REQUIRE(p->file);
  const auto& r = item<ast::Rule>(*p->file, 0);
  CHECK(!r.advice);
  CHECK(r.name.text == "esk_coverage");
  CHECK(r.title == "Esketamine for treatment-resistant depression");
  CHECK(r.cite == "§3");
  CHECK(sexpr(r.when.get()) == "(== (. request service) esketamine_nasal)");
  REQUIRE(r.cover);
  CHECK(slice(*p, *r.cover) == "cover");
  REQUIRE(r.route);
  CHECK(r.route->text == "mental_health");
  CHECK(!r.direct);
  REQUIRE(r.requirements.size() == 4);
  CHECK(r.requirements[0].kind == ast::Requirement::Kind::prior_auth);
  CHECK(slice(*p, r.requirements[0].span) == "require prior_auth");
  const auto& age = r.requirements[1];
  CHECK(age.kind == ast::Requirement::Kind::criterion);
  CHECK(sexpr(age.condition.get()) == "(>= (. patient age) 18)");
  CHECK(age.cite == "§3.1");
  CHECK(age.else_decision == ast::Decision::denied);
  REQUIRE(age.else_message);
  CHECK(age.else_message->text == "Adults only");
  CHECK(slice(*p, age.else_message->span) == "\"Adults only\"");
  CHECK(sexpr(r.requirements[2].condition.get()) ==
        "(and (>= (count treatments t (call adequate_trial t)) 2) "
        "(>= (count-distinct treatments t (call adequate_trial t) ; (. t class)) 2))");
  CHECK(r.requirements[2].cite == "§3.3");
  const auto& doc = r.requirements[3];
  CHECK(doc.kind == ast::Requirement::Kind::document);
  CHECK(doc.document->text == "letter_of_medical_necessity");
  CHECK(doc.cite == "§3.10");
  CHECK(!doc.else_decision);
  REQUIRE(r.grants.size() == 2);
  CHECK(r.grants[0].amount == 28);
  CHECK(r.grants[0].unit == "days");
  CHECK(r.grants[1].amount == 8);
  CHECK(r.grants[1].unit == "units");
  CHECK(slice(*p, r.span).back() == 's');  // ends at `units`, not at the trailing newline
}

TEST_CASE("ast: every rule clause, in any order", "[parser][ast]") {
  auto p = parse(R"(rule r2
  next "first step"
  authorize 6 months, 1 unit, 2 weeks
  require document lmn else pend "send the letter"
  require a > 1 else exclude
  require b else pend "msg"
  exclude "not covered"
  overrides acme.r1, tagged investigational, plain
  tag investigational, experimental
  effective 2026-01-01 .. 2026-06-30
  when x
  cite "§9"
  next "second step"

advice a1 "Title" cite "§1" when decision == pend next "call the plan"
advice a2 when decision in { pend, denied } next "x"
rule r3 when x pend "m"
rule r4 deny
)");
  REQUIRE(p->file);
  const auto& r = item<ast::Rule>(*p->file, 0);
  CHECK(!r.title);
  REQUIRE(r.next_steps.size() == 2);
  CHECK(r.next_steps[0].text == "first step");
  CHECK(r.next_steps[1].text == "second step");
  REQUIRE(r.grants.size() == 3);
  CHECK(r.grants[0].unit == "months");
  CHECK(r.grants[1].unit == "units");
  CHECK(r.grants[2].unit == "weeks");
  REQUIRE(r.requirements.size() == 3);
  CHECK(r.requirements[0].kind == ast::Requirement::Kind::document);
  CHECK(r.requirements[0].else_decision == ast::Decision::pend);
  CHECK(r.requirements[0].else_message->text == "send the letter");
  CHECK(r.requirements[1].else_decision == ast::Decision::excluded);
  CHECK(!r.requirements[1].else_message);
  CHECK(r.requirements[2].else_decision == ast::Decision::pend);
  REQUIRE(r.direct);
  CHECK(r.direct->decision == ast::Decision::excluded);
  CHECK(r.direct->message->text == "not covered");
  REQUIRE(r.overrides.size() == 3);
  CHECK(r.overrides[0].name == "acme.r1");
  CHECK(!r.overrides[0].by_tag);
  CHECK(r.overrides[1].name == "investigational");
  CHECK(r.overrides[1].by_tag);
  CHECK(slice(*p, r.overrides[1].span) == "tagged investigational");
  CHECK(r.overrides[2].name == "plain");
  REQUIRE(r.tags.size() == 2);
  CHECK(r.tags[1].text == "experimental");
  REQUIRE(r.effective);
  CHECK(r.effective->to == covcheck::dsl::parse_iso_date("2026-06-30"));
  CHECK(sexpr(r.when.get()) == "x");
  CHECK(r.cite == "§9");
  CHECK(!r.cover);

  const auto& a1 = item<ast::Rule>(*p->file, 1);
  CHECK(a1.advice);
  CHECK(a1.title == "Title");
  CHECK(a1.cite == "§1");
  CHECK(sexpr(a1.when.get()) == "(== decision pend)");
  CHECK(a1.next_steps[0].text == "call the plan");
  CHECK(sexpr(item<ast::Rule>(*p->file, 2).when.get()) == "(in decision {pend denied})");
  // `when x pend "m"`: the expression stops before the clause word.
  const auto& r3 = item<ast::Rule>(*p->file, 3);
  CHECK(sexpr(r3.when.get()) == "x");
  REQUIRE(r3.direct);
  CHECK(r3.direct->decision == ast::Decision::pend);
  CHECK(r3.direct->message->text == "m");
  const auto& r4 = item<ast::Rule>(*p->file, 4);
  CHECK(r4.direct->decision == ast::Decision::denied);
  CHECK(!r4.direct->message);
}

TEST_CASE("ast: keywords versus identifiers", "[parser][ast]") {
  CHECK(expr("insurer") == "insurer");
  CHECK(expr("index in inputs") == "(in index inputs)");
  CHECK(expr("documents") == "documents");
  CHECK(expr("version + source + default") == "(+ (+ version source) default)");
  CHECK(expr("tagged and exclusive") == "(and tagged exclusive)");
  CHECK(expr("notable or order") == "(or notable order)");
  CHECK(expr("any_x") == "any_x");
  CHECK(expr("days") == "days");
  CHECK(first_error("define x = in") == "1:12 parse.expected_expression: expected an expression after `=`");
  // `require document` is a keyword only right after `require`; `documents` never is.
  auto p = parse("rule r require count(documents) > 0 require document lmn");
  REQUIRE(p->file);
  const auto& r = item<ast::Rule>(*p->file, 0);
  CHECK(r.requirements[0].kind == ast::Requirement::Kind::criterion);
  CHECK(r.requirements[1].kind == ast::Requirement::Kind::document);
}

// ---- Positions -----------------------------------------------------------------------------

TEST_CASE("positions: BOM, CRLF and tabs", "[parser][spans]") {
  CHECK(first_error("\xEF\xBB\xBF"
                    "define x = )") == "1:12 parse.expected_expression: expected an expression after `=`");
  CHECK(first_error("define a = 1\r\ndefine x =\r\n\t)") ==
        "3:2 parse.expected_expression: expected an expression after `=`");
  CHECK(first_error("define\tx\t=\t)") == "1:12 parse.expected_expression: expected an expression after `=`");
  auto p = parse(
      "\xEF\xBB\xBF"
      "define a = 1\r\n# note\r\ndefine b = 2\r\n");
  REQUIRE(p->file);
  CHECK(p->file->items.size() == 2);
  REQUIRE(p->file->comments.size() == 1);
  CHECK(p->file->comments[0].text == "# note");  // without the CR
  CHECK(slice(*p, item<ast::Define>(*p->file, 1).span) == "define b = 2");
  CHECK(first_error("") == "ok");
  CHECK(first_error("# only a comment") == "ok");
  CHECK(first_error("\xEF\xBB\xBF") == "ok");
}

TEST_CASE("positions: bad bytes are errors, not crashes", "[parser][spans]") {
  CHECK(first_error(std::string("define x = a\0", 13)) ==
        "1:13 parse.unexpected_token: unexpected byte 0x00: expected a rule, advice, code set, define, param, set, "
        "enum, record or import");
  CHECK(first_error("define x = a \xff") ==
        "1:14 parse.unexpected_token: unexpected byte 0xff (invalid UTF-8): expected a rule, advice, code set, "
        "define, param, set, enum, record or import");
  CHECK(first_error("define x = é") == "1:12 parse.expected_expression: expected an expression after `=`");
  CHECK(first_error("define x = \"\xff\"") ==
        "1:13 parse.invalid_string_character: invalid character in string literal (control character or invalid "
        "UTF-8)");
  // Comments may hold anything.
  CHECK(first_error(std::string("# \xff \0 x\ndefine x = 1", 20)) == "ok");
  CHECK(first_error("define x = \"ü — §\"") == "ok");
}

TEST_CASE("positions: nesting limits", "[parser][limits]") {
  std::string ok = std::string(150, '(') + "1" + std::string(150, ')');
  CHECK(first_error("define x = " + ok) == "ok");
  std::string deep = std::string(100000, '(') + "1" + std::string(100000, ')');
  CHECK(first_error("define x = " + deep) ==
        "1:212 parse.too_deep: expression nested too deeply (more than 200 levels)");
  CHECK(first_error("codeset x = " + std::string(5000, '(') + "a").substr(0, 20) == "1:213 parse.too_deep");
  CHECK(first_error("define x = " + std::string(5000, '{')).substr(0, 20) == "1:212 parse.too_deep");
  std::string quantifiers;
  for (int i = 0; i < 5000; ++i) quantifiers += "any ";
  CHECK(first_error("define x = " + quantifiers + "x").find("parse.too_deep") != std::string::npos);
  // Long flat chains parse iteratively but would make a degenerate AST.
  std::string chain = "1";
  for (int i = 0; i < 5000; ++i) chain += " and 1";
  CHECK(first_error("define x = " + chain) ==
        "1:12 parse.too_deep: expression nested too deeply (more than 1000 levels)");
  std::string nots;
  for (int i = 0; i < 5000; ++i) nots += "not ";
  CHECK(first_error("define x = " + nots + "a").substr(0, 19) == "1:12 parse.too_deep");
  std::string fine = "1";
  for (int i = 0; i < 500; ++i) fine += " + 1";
  CHECK(first_error("define x = " + fine) == "ok");
}

// ---- Every error message -------------------------------------------------------------------

TEST_CASE("errors: every error point reports its position and message", "[parser][errors]") {
  struct Expected {
    const char* input;
    const char* error;
  };
  // clang-format off
  static const Expected cases[] = {
      {"import \"abc", "1:12 parse.unterminated_string: unterminated string literal"},
      {"import \"a\x01" "b\"", "1:10 parse.invalid_string_character: invalid character in string literal (control character or invalid UTF-8)"},
      {"import \"a\\qb\"", "1:11 parse.invalid_escape: unknown escape sequence: expected `\\\"`, `\\\\`, `\\n` or `\\t` after `\\`"},
      {"define x = ( )", "1:14 parse.expected_expression: expected an expression after `(`"},
      {"define x = (a b", "1:15 parse.expected_close_paren: expected `)` to close the parenthesis"},
      {"define x = {a, }", "1:16 parse.expected_expression: expected a value after `,` in the set"},
      {"define x = {a b}", "1:15 parse.expected_close_brace: expected `}` to close the set"},
      {"define x = f(a, )", "1:17 parse.expected_expression: expected an argument after `,`"},
      {"define x = f(a b)", "1:16 parse.expected_close_paren: expected `)` to close the argument list"},
      {"define x = if then 1", "1:15 parse.expected_expression: expected a condition after `if`"},
      {"define x = if a 1", "1:17 parse.expected_then: expected `then` after the condition of `if`"},
      {"define x = if a then )", "1:22 parse.expected_expression: expected an expression after `then`"},
      {"define x = if a then b else )", "1:29 parse.expected_expression: expected an expression after `else`"},
      {"define x = any : y", "1:16 parse.expected_list: expected a list after `any`"},
      {"define x = all : y", "1:16 parse.expected_list: expected a list after `all`"},
      {"define x = any ds: y", "1:18 parse.expected_variable: expected a variable name after the list, as in `any diagnoses d: ...`"},
      {"define x = any ds d y", "1:21 parse.expected_colon: expected `:` after the variable name"},
      {"define x = any ds d: )", "1:22 parse.expected_expression: expected a condition after `:`"},
      {"define x = count ds", "1:18 parse.expected_open_paren: expected `(` after `count`"},
      {"define x = count()", "1:18 parse.expected_list: expected a list after `count(`"},
      {"define x = count distinct(ds d: p ; )", "1:37 parse.expected_expression: expected a key expression after `;`"},
      {"define x = count(ds d: p", "1:25 parse.expected_close_paren: expected `)` to close `count(...)`"},
      {"define x = a.1", "1:14 parse.expected_field: expected a field name after `.`"},
      {"define x = - )", "1:14 parse.expected_expression: expected an expression after `-`"},
      {"define x = a * )", "1:16 parse.expected_expression: expected an expression after `*`"},
      {"define x = a + )", "1:16 parse.expected_expression: expected an expression after `+`"},
      {"define x = a - )", "1:16 parse.expected_expression: expected an expression after `-`"},
      {"define x = a == )", "1:17 parse.expected_expression: expected an expression after `==`"},
      {"define x = a != )", "1:17 parse.expected_expression: expected an expression after `!=`"},
      {"define x = a <= )", "1:17 parse.expected_expression: expected an expression after `<=`"},
      {"define x = a >= )", "1:17 parse.expected_expression: expected an expression after `>=`"},
      {"define x = a < )", "1:16 parse.expected_expression: expected an expression after `<`"},
      {"define x = a > )", "1:16 parse.expected_expression: expected an expression after `>`"},
      {"define x = a not b", "1:18 parse.expected_in: expected `in` after `not` (as in `x not in s`)"},
      {"define x = a in )", "1:17 parse.expected_set: expected a set after `in`"},
      {"define x = a is b", "1:17 parse.expected_known: expected `known`, `unknown` or `none` after `is`"},
      {"define x = unknown", "1:19 parse.expected_open_paren: expected `(` and the facts the value waits for after `unknown`, as in `unknown(request.type)`"},
      {"define x = unknown()", "1:20 parse.expected_fact: expected a fact (a path such as `request.type`) after `unknown(`"},
      {"define x = unknown(a, )", "1:23 parse.expected_fact: expected a fact (a path such as `request.type`) after `,`"},
      {"define x = unknown(a b)", "1:22 parse.expected_close_paren: expected `)` to close `unknown(...)`"},
      {"record r { f: int or }", "1:22 parse.expected_none: expected `none` after `or` in a field declaration (`field: type or none`)"},
      {"synonyms { a: \"b\" }", "1:10 parse.expected_name: expected an enumeration name after `synonyms`"},
      {"synonyms e a: \"b\" }", "1:12 parse.expected_open_brace: expected `{` after the enumeration name"},
      {"synonyms e { a \"b\" }", "1:16 parse.expected_colon: expected `:` and the member's other spellings after the member name"},
      {"synonyms e { a: b }", "1:17 parse.expected_string: expected a synonym string after `:`"},
      {"synonyms e { a: \"b\", }", "1:22 parse.expected_string: expected a synonym string after `,`"},
      {"synonyms e { a: \"b\" 1 }", "1:21 parse.expected_close_brace: expected a member name or `}` to close the synonyms"},
      {"define x = a within before b", "1:21 parse.expected_expression: expected a duration after `within`"},
      {"define x = a within 3 days b", "1:28 parse.expected_window_direction: expected `before`, `after` or `of` after the duration of `within`"},
      {"define x = a within 3 days before )", "1:35 parse.expected_expression: expected a date expression after `before`, `after` or `of`"},
      {"define x = a == b == c", "1:19 parse.chained_comparison: comparisons do not chain: parenthesize one of them"},
      {"define x = not )", "1:16 parse.expected_expression: expected an expression after `not`"},
      {"define x = a and )", "1:18 parse.expected_expression: expected an expression after `and`"},
      {"define x = a or )", "1:17 parse.expected_expression: expected an expression after `or`"},
      {"codeset c = icd10 { A00 .. }", "1:28 parse.expected_code: expected a code after `..`"},
      {"codeset c = icd10 { A00, }", "1:26 parse.expected_code: expected a code after `,`"},
      {"codeset c = icd10 { A00 A01 }", "1:25 parse.expected_close_brace: expected `}` to close the code set"},
      {"codeset c = ( )", "1:15 parse.expected_set: expected a set after `(`"},
      {"codeset c = (a b", "1:16 parse.expected_close_paren: expected `)` to close the parenthesized set"},
      {"codeset c = a | )", "1:17 parse.expected_set: expected a set after `|` or `-`"},
      {"rule r effective x", "1:18 parse.expected_date_range: expected a date range after `effective` (`DATE .. DATE`, `DATE ..` or `.. DATE`)"},
      {"rule r effective 2026-01-01 cover", "1:29 parse.expected_range: expected `..` after the start date of the range"},
      {"rule r effective .. cover", "1:21 parse.expected_date: expected a date after `..`"},
      {"policy \"t\"", "1:8 parse.expected_name: expected a name after `policy`"},
      {"module \"t\"", "1:8 parse.expected_name: expected a name after `module`"},
      {"schema \"t\"", "1:8 parse.expected_name: expected a name after `schema`"},
      {"policy p version", "1:10 parse.expected_title: expected a title string after the policy name"},
      {"module m version", "1:10 parse.expected_title: expected a title string after the module name"},
      {"schema s version", "1:10 parse.expected_title: expected a title string after the schema name"},
      {"schema s \"t\" version 1", "1:22 parse.expected_string: expected a version string after `version`"},
      {"policy p \"t\" version \"1\" default maybe", "1:34 parse.expected_decision: expected `covered`, `pend`, `denied` or `excluded` after `default`"},
      {"module m \"t\" source x", "1:21 parse.expected_string: expected a URL string after `source`"},
      {"module m \"t\" versoin \"1\"", "1:14 parse.unexpected_token: unexpected `versoin`: expected a header option (`version`, `effective`, `default`, `source`) or an item"},
      {"import x", "1:8 parse.expected_string: expected a path string after `import`"},
      {"codeset = a", "1:9 parse.expected_name: expected a name after `codeset`"},
      {"codeset c a", "1:11 parse.expected_equals: expected `=` after the code set name"},
      {"codeset c = )", "1:13 parse.expected_set: expected a code set after `=`"},
      {"define = 1", "1:8 parse.expected_name: expected a name after `define`"},
      {"define f(a, ) = 1", "1:13 parse.expected_name: expected a parameter name after `,`"},
      {"define f(a b) = 1", "1:12 parse.expected_close_paren: expected `)` to close the parameter list"},
      {"define f 1", "1:10 parse.expected_equals: expected `=` after the define name"},
      {"define f = )", "1:12 parse.expected_expression: expected an expression after `=`"},
      {"param p: list int", "1:15 parse.expected_of: expected `of` after `list`"},
      {"param p: list of 1", "1:18 parse.expected_type: expected an element type after `list of`"},
      {"param : int", "1:7 parse.expected_name: expected a name after `param`"},
      {"param p int", "1:9 parse.expected_colon: expected `:` and a type after the param name"},
      {"param p: 1", "1:10 parse.expected_type: expected a type after `:`"},
      {"param p: int = )", "1:16 parse.expected_expression: expected a default value after `=`"},
      {"set = 1", "1:5 parse.expected_name: expected a param name after `set`"},
      {"set a.b 1", "1:9 parse.expected_equals: expected `=` after the param name"},
      {"set a.b = )", "1:11 parse.expected_expression: expected a value after `=`"},
      {"enum { a }", "1:6 parse.expected_name: expected a name after `enum`"},
      {"enum e a", "1:8 parse.expected_open_brace: expected `{` after the enum name"},
      {"enum e { a, }", "1:13 parse.expected_name: expected a member name after `,`"},
      {"enum e { a b }", "1:12 parse.expected_close_brace: expected `}` to close the enum"},
      {"record { }", "1:8 parse.expected_name: expected a name after `record`"},
      {"record r a", "1:10 parse.expected_open_brace: expected `{` after the record name"},
      {"record r { a: int 1 }", "1:19 parse.expected_close_brace: expected a field, `check` or `}` to close the record"},
      {"record r { a int }", "1:14 parse.expected_colon: expected `:` and a type after the field name"},
      {"record r { a: 1 }", "1:15 parse.expected_type: expected a type after `:`"},
      {"record r { a: int default ) }", "1:27 parse.expected_literal: expected a literal after `default`"},
      {"record r { a: int = ) }", "1:21 parse.expected_expression: expected an expression after `=`"},
      {"record r { check ) }", "1:18 parse.expected_expression: expected a condition after `check`"},
      {"record r { check a }", "1:20 parse.expected_string: expected a message string after the check condition"},
      {"rule \"t\"", "1:6 parse.expected_name: expected a name after `rule`"},
      {"advice 1", "1:8 parse.expected_name: expected a name after `advice`"},
      {"rule r requir x", "1:8 parse.unexpected_token: unexpected `requir`: expected a clause (`when`, `cover`, `require`, `deny`, `route`, `authorize`, `next`, ...) or the next item"},
      {"rule r tag 1", "1:12 parse.expected_name: expected a tag name after `tag`"},
      {"rule r tag a, 1", "1:15 parse.expected_name: expected a tag name after `,`"},
      {"rule r cite x", "1:13 parse.expected_string: expected a section string after `cite`"},
      {"rule r when )", "1:13 parse.expected_expression: expected an expression after `when`"},
      {"rule r overrides 1", "1:18 parse.expected_name: expected a rule name or `tagged NAME` after `overrides`"},
      {"rule r overrides a, 1", "1:21 parse.expected_name: expected a rule name or `tagged NAME` after `,`"},
      {"rule r route 1", "1:14 parse.expected_name: expected a benefit name after `route`"},
      {"rule r require )", "1:16 parse.expected_requirement: expected `prior_auth`, `document NAME` or a condition after `require`"},
      {"rule r require document cite \"x\"", "1:25 parse.expected_name: expected a document name after `require document`"},
      {"rule r require a else cover", "1:23 parse.expected_effect: expected `deny`, `pend` or `exclude` after `else`"},
      {"rule r authorize days", "1:18 parse.expected_grant: expected an amount such as `28 days` or `min(request.sessions, 8) units` after `authorize`"},
      {"rule r authorize 1 day, days", "1:25 parse.expected_grant: expected an amount such as `8 units` after `,`"},
      {"rule r authorize 1 day, x", "1:26 parse.expected_unit: expected `days`, `weeks`, `months` or `units` after the amount"},
      {"rule r authorize 28 years", "1:21 parse.expected_unit: expected `days`, `weeks`, `months` or `units` after the amount"},
      {"rule r next x", "1:13 parse.expected_string: expected a text string after `next`"},
      {"define a = 1\npolicy p \"t\" version \"1\" default denied", "2:1 parse.misplaced_header: a `policy`, `module` or `schema` header must come first in the file"},
      {"rul x", "1:1 parse.unexpected_token: unexpected `rul`: expected a rule, advice, code set, define, param, set, enum, record or import"},
      {")", "1:1 parse.unexpected_token: unexpected `)`: expected a rule, advice, code set, define, param, set, enum, record or import"},
      {"define x = 1 == 2 2", "1:19 parse.unexpected_token: unexpected `2`: expected a rule, advice, code set, define, param, set, enum, record or import"},
      // Found by the converter.
      {"define d = 2026-02-30", "1:12 parse.invalid_date: invalid date `2026-02-30`"},
      {"rule r effective 2026-01-01 .. 2026-13-01", "1:32 parse.invalid_date: invalid date `2026-13-01`"},
      {"define n = 99999999999999999999", "1:12 parse.integer_overflow: integer literal `99999999999999999999` is too large (the maximum is 9223372036854775807)"},
      {"define n = 99999999999999999999 days", "1:12 parse.integer_overflow: integer literal `99999999999999999999` is too large (the maximum is 9223372036854775807)"},
      {"define x = count distinct(ds)", "1:12 parse.count_form: `count distinct` needs a variable, a condition and a key: `count distinct(treatments t: P ; t.class)`"},
      {"define x = count(ds d: p ; k)", "1:26 parse.count_form: a key after `;` is only allowed in `count distinct(...)`"},
      {"codeset c = icd10 { F33.* .. F34 }", "1:21 parse.wildcard_range: a wildcard code cannot be a bound of a range"},
      {"module m \"t\" version \"1\" version \"2\"", "1:26 parse.duplicate_header_option: duplicate `version` in the module header"},
      {"module m \"t\" default denied", "1:14 parse.header_option_not_allowed: `default` is not allowed in a module header"},
      {"schema s \"t\"", "1:8 parse.missing_header_option: the schema header of `s` needs a `version`"},
      {"policy p \"t\" version \"1\"", "1:8 parse.missing_header_option: the policy header of `p` needs a `default`"},
      {"rule r when a when b", "1:15 parse.duplicate_clause: duplicate `when` clause in rule `r`"},
      {"advice r cover cover", "1:16 parse.duplicate_clause: duplicate `cover` clause in advice `r`"},
      {"rule r deny pend", "1:13 parse.duplicate_clause: second direct effect `pend` in rule `r`: use one of `exclude`, `deny`, `pend`"},
  };
  // clang-format on
  for (const Expected& c : cases) {
    INFO("input: " << c.input);
    CHECK(first_error(c.input) == c.error);
  }
}

TEST_CASE("errors: hints and notes", "[parser][errors]") {
  auto help = [](std::string text) {
    auto p = parse(std::move(text));
    REQUIRE(!p->diagnostics.empty());
    return p->diagnostics.items().front().help.value_or("");
  };
  CHECK(help("rule r requir x") == "did you mean `require`?");
  CHECK(help("rul x") == "did you mean `rule`?");
  CHECK(help("module m \"t\" versoin \"1\"") == "did you mean `version`?");
  CHECK(help("rule r when a = b") == "use `==` to compare values");
  CHECK(help("rule r xyzzy") == "");

  auto p = parse("rule r when a\n  when b");
  REQUIRE(p->diagnostics.items().size() == 1);
  const auto& d = p->diagnostics.items().front();
  REQUIRE(d.notes.size() == 1);
  CHECK(slice(*p, *d.notes[0].span) == "when a");
  CHECK(slice(*p, d.span) == "when b");
  CHECK(!p->file);

  // Value errors do not stop the conversion: all of them are reported.
  auto many = parse("define a = 2026-02-30\ndefine b = 2026-02-31\nrule r when a when b when c");
  CHECK(many->diagnostics.error_count() == 4);

  // The span covers the offending token.
  auto q = parse("rule r requir x");
  CHECK(slice(*q, q->diagnostics.items().front().span) == "requir");
}

TEST_CASE("dump: one node per line with rule names and positions", "[parser][dump]") {
  SourceRegistry sources;
  FileId id = sources.add("t.cpl", "define a = b.c + 1");
  Diagnostics d;
  std::string dump = covcheck::dsl::dump_parse_tree(sources, id, d);
  CHECK(d.empty());
  CHECK(dump ==
        "define_item 1:1-1:19\n"
        "  identifier 1:8-1:9 `a`\n"
        "  add_expr 1:12-1:19\n"
        "    postfix_expr 1:12-1:15\n"
        "      identifier 1:12-1:13 `b`\n"
        "      identifier 1:14-1:15 `c`\n"
        "    op_plus 1:16-1:17 `+`\n"
        "    integer_literal 1:18-1:19 `1`\n");
  FileId bad = sources.add("bad.cpl", "define a = ");
  CHECK(covcheck::dsl::dump_parse_tree(sources, bad, d).empty());
  CHECK(d.error_count() == 1);
}

TEST_CASE("ast: explicit unknown, `is none`, `or none` and synonyms", "[parser][ast][unknown][none][synonyms]") {
  CHECK(expr("unknown(request.type)") == "(unknown (. request type))");
  CHECK(expr("if a is known then a else unknown(a, t.end)") == "(if (known a) a (unknown a (. t end)))");
  CHECK(expr("x is none") == "(none x)");
  CHECK(expr("not x is none and y") == "(and (not (none x)) y)");
  // `unknown` is still the presence word after `is`.
  CHECK(expr("x is unknown") == "(unknown x)");
  auto p = parse(R"(schema s "S" version "1"
enum e { a, b }
record case { f: e or none  g: date or none default 2026-01-01 }
synonyms e {
  a: "A one", "a-1"
  b: "Bee"
}
)");
  REQUIRE(p->file);
  const auto& r = item<ast::RecordDecl>(*p->file, 1);
  CHECK(r.fields[0].or_none);
  CHECK(r.fields[1].or_none);
  CHECK(slice(*p, r.fields[0].span) == "f: e or none");
  const auto& syn = item<ast::SynonymsDecl>(*p->file, 2);
  CHECK(syn.enumeration.text == "e");
  REQUIRE(syn.entries.size() == 2);
  CHECK(syn.entries[0].member.text == "a");
  REQUIRE(syn.entries[0].texts.size() == 2);
  CHECK(syn.entries[0].texts[1].text == "a-1");
  CHECK(slice(*p, syn.entries[0].texts[1].span) == "\"a-1\"");
  CHECK(syn.entries[1].texts[0].text == "Bee");
  // `synonyms` is an item word: it ends a rule like any other item.
  CHECK(first_error("rule r when x\nsynonyms e { a: \"b\" }") == "ok");
  // `none` stays an ordinary name outside `is none` / `or none`.
  CHECK(expr("none + 1") == "(+ none 1)");
}

TEST_CASE("every syntax error of a file is reported, resuming at the next item", "[parser][recovery]") {
  auto p = parse(
      "policy p \"P\" version \"1\" default denied\n"
      "codeset dep = icd10 { F32.* }\n"
      "rule first\n"
      "  when count(diagnoses d: d.code in dep\n"
      "  cover\n"
      "define adult = patient.age >=\n"
      "rule fine when adult cover\n"
      "  enum color { red, green\n"
      "rule third when adult and\n"
      "  cover\n");
  CHECK_FALSE(p->file);
  const auto& items = p->diagnostics.items();
  REQUIRE(items.size() == 4);
  auto where = [&](const covcheck::dsl::Diagnostic& d) {
    auto lc = p->sources.file(p->id).location(d.span.begin);
    return fmt::format("{}:{} {}", lc.line, lc.column, d.code);
  };
  CHECK(where(items[0]) == "5:3 parse.expected_close_paren");
  CHECK(where(items[1]) == "7:1 parse.expected_expression");
  CHECK(where(items[2]) == "9:1 parse.expected_close_brace");
  CHECK(where(items[3]) == "10:3 parse.expected_expression");
  // The unclosed `count(` carries a note at its bracket, on its own line.
  REQUIRE(items[0].notes.size() == 1);
  CHECK(items[0].notes[0].message == "`(` opened here");
  REQUIRE(items[0].notes[0].span);
  CHECK(slice(*p, *items[0].notes[0].span) == "(");
  CHECK(p->sources.file(p->id).location(items[0].notes[0].span->begin).line == 4);
  REQUIRE(items[2].notes.size() == 1);
  CHECK(items[2].notes[0].message == "`{` opened here");
}

TEST_CASE("recovery: notes at the opener of every bracketed construct and at `if`", "[parser][recovery]") {
  auto note = [](std::string text) -> std::string {
    auto p = parse(std::move(text));
    if (p->diagnostics.empty() || p->diagnostics.items()[0].notes.empty()) return "none";
    const auto& n = p->diagnostics.items()[0].notes[0];
    auto lc = p->sources.file(p->id).location(n.span->begin);
    return fmt::format("{}:{} {}", lc.line, lc.column, n.message);
  };
  CHECK(note("define d = (a and\n  b\nrule r cover\n") == "1:12 `(` opened here");
  CHECK(note("define d = f(a, b\nrule r cover\n") == "1:13 `(` opened here");
  CHECK(note("define d = count distinct (xs x: x.a ; x.b\nrule r cover\n") == "1:27 `(` opened here");
  CHECK(note("define d = x in { a, b\nrule r cover\n") == "1:17 `{` opened here");
  CHECK(note("codeset c = icd10 { F32.*\nrule r cover\n") == "1:19 `{` opened here");
  CHECK(note("record r {\n  a: int\nrule r cover\n") == "1:10 `{` opened here");
  CHECK(note("define d = if a\n  else b\n") == "1:12 the `if` starts here");
  CHECK(note("define d = if a else b\n") == "none");  // on the same line: no note
  CHECK(note("define d = a and\n") == "none");
  CHECK(note("codeset c = icd10 { F3*.2 }\n") == "none");  // the caret's line shows the `{`
}

TEST_CASE("recovery keeps the header with the first piece and reports misplaced headers", "[parser][recovery]") {
  auto p = parse(
      "# leading comment\npolicy p \"P\" version \"1\" default denied\nrule r when cover\n"
      "policy q \"Q\"\nrule s when (x cover\n");
  REQUIRE(p->diagnostics.items().size() == 3);
  CHECK(p->diagnostics.items()[0].code == "parse.expected_expression");
  CHECK(p->diagnostics.items()[1].code == "parse.misplaced_header");
  CHECK(p->diagnostics.items()[2].code == "parse.expected_close_paren");
  // A file that parses is not touched by recovery.
  CHECK(first_error("# c\npolicy p \"P\" version \"1\" default denied\nrule r when x cover\n") == "ok");
}

TEST_CASE("ast: a criterion's own effective range, and authorizations computed from the case",
          "[parser][ast][dated_criteria][grant_expr]") {
  auto p = parse(R"(rule r cover
  require x > 1 cite "§2" effective 2026-01-01 .. else deny "m"
  require document lmn effective .. 2025-12-31
  require y effective 2026-01-01 .. 2026-06-30
  authorize min(request.sessions, 8) units, 28 days, 2 * x weeks
)");
  REQUIRE(p->file);
  const auto& r = item<ast::Rule>(*p->file, 0);
  CHECK(!r.effective);  // every `effective` above belongs to a criterion
  REQUIRE(r.requirements.size() == 3);
  const auto& first = r.requirements[0];
  CHECK(first.cite == "§2");
  REQUIRE(first.effective);
  CHECK(covcheck::dsl::format_iso_date(*first.effective->from) == "2026-01-01");
  CHECK(!first.effective->to);
  CHECK(slice(*p, first.effective->span) == "2026-01-01 ..");
  CHECK(first.else_decision == ast::Decision::denied);
  REQUIRE(r.requirements[1].effective);
  CHECK(!r.requirements[1].effective->from);
  CHECK(covcheck::dsl::format_iso_date(*r.requirements[1].effective->to) == "2025-12-31");
  CHECK(slice(*p, r.requirements[2].span) == "require y effective 2026-01-01 .. 2026-06-30");
  REQUIRE(r.grants.size() == 3);
  CHECK(sexpr(r.grants[0].amount_expr.get()) == "(call min (. request sessions) 8)");
  CHECK(r.grants[0].unit == "units");
  CHECK(slice(*p, r.grants[0].span) == "min(request.sessions, 8) units");
  CHECK(!r.grants[1].amount_expr);
  CHECK(r.grants[1].amount == 28);
  CHECK(sexpr(r.grants[2].amount_expr.get()) == "(* 2 x)");
  CHECK(r.grants[2].unit == "weeks");
  // The parser's messages for the new forms.
  CHECK(first_error("rule r require x effective else deny") ==
        "1:28 parse.expected_date_range: expected a date range after `effective` (`DATE .. DATE`, `DATE ..` or "
        "`.. DATE`)");
  CHECK(first_error("rule r require x effective 2026-01-01 else deny") ==
        "1:39 parse.expected_range: expected `..` after the start date of the range");
  CHECK(first_error("rule r authorize min(x, 8)") ==
        "1:27 parse.expected_unit: expected `days`, `weeks`, `months` or `units` after the amount");
  // A number right before `days`, `weeks` or `months` is a duration: parenthesize such an amount.
  CHECK(first_error("rule r authorize x * 2 weeks") ==
        "1:29 parse.expected_unit: expected `days`, `weeks`, `months` or `units` after the amount");
  CHECK(first_error("rule r authorize (x * 2) weeks") == "ok");
  CHECK(first_error("rule r authorize -x units") ==
        "1:18 parse.expected_grant: expected an amount such as `28 days` or `min(request.sessions, 8) units` after "
        "`authorize`");
  CHECK(first_error("rule r authorize request.sessions") ==
        "1:34 parse.expected_unit: expected `days`, `weeks`, `months` or `units` after the amount");
}

// The operator table (dsl/syntax/operators.hpp) against the grammar, the formatter, the AST dump and
// docs/language.md: every operator has a spelling, a precedence and an arity; the parser
// groups every pairing of operators as the precedence says; the formatter's output of every
// pairing re-parses to the same AST; the documented precedence table is the code's.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dsl/format/format.hpp"
#include "dsl/syntax/ast_dump.hpp"
#include "dsl/syntax/ast_equal.hpp"
#include "dsl/syntax/operators.hpp"
#include "dsl/syntax/parser.hpp"

using namespace covcheck;
namespace ast = dsl::ast;

namespace {

// An operator as source text: `{0}`, `{1}`, `{2}` are its operands. `in` has one operand
// place here (its right side is a set, which takes no expression).
struct Form {
  std::string name;
  std::string text;
  int places;
  dsl::Operator op;
};

std::vector<Form> forms() {
  std::vector<Form> out;
  for (ast::BinaryOp b : dsl::binary_ops) {
    std::string s(dsl::spelling(b));
    out.push_back({s, "{0} " + s + " {1}", 2, dsl::operator_of(b)});
  }
  for (ast::UnaryOp u : dsl::unary_ops) {
    std::string s(dsl::spelling(u));
    out.push_back({"prefix " + s, s + (s == "not" ? " " : "") + "{0}", 1, dsl::operator_of(u)});
  }
  for (dsl::PredicateOp p : dsl::predicate_ops) {
    std::string s(dsl::spelling(p));
    dsl::Operator op = dsl::operator_of(p);
    std::string text = p == dsl::PredicateOp::within ? "{0} within {1} before {2}"
                       : op.arity == 2               ? "{0} " + s + " codes"
                                                     : "{0} " + s;
    out.push_back({s, text, p == dsl::PredicateOp::within ? 3 : 1, op});
  }
  return out;
}

std::string fill(std::string text, const std::vector<std::string>& operands) {
  for (std::size_t i = 0; i < operands.size(); ++i) {
    std::string place = "{" + std::to_string(i) + "}";
    if (std::size_t at = text.find(place); at != std::string::npos) text.replace(at, place.size(), operands[i]);
  }
  return text;
}

struct Parsed {
  dsl::SourceRegistry sources;
  std::optional<ast::File> file;
  std::string errors;
  const ast::Expr* body() const {
    if (!file || file->items.size() != 1) return nullptr;
    return std::get<ast::Define>(file->items[0]).body.get();
  }
};

std::unique_ptr<Parsed> parse_define(const std::string& expr) {
  auto p = std::make_unique<Parsed>();
  dsl::Diagnostics diags;
  ast::NodeId next = 0;
  dsl::FileId id = p->sources.add("ops.cpl", "define d = " + expr + "\n");
  p->file = dsl::parse_file(p->sources, id, next, diags);
  p->errors = dsl::render_all(diags, p->sources);
  return p;
}

int level(const dsl::Operator& op) { return static_cast<int>(op.precedence); }

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("every operator has a spelling, a precedence and an arity", "[operators]") {
  for (ast::BinaryOp b : dsl::binary_ops) {
    const dsl::Operator op = dsl::operator_of(b);
    CHECK(!op.spelling.empty());
    CHECK(op.spelling != "?");
    CHECK(op.arity == 2);
    CHECK(op.associativity != dsl::Associativity::prefix);
    CHECK(level(op) >= level(dsl::operator_of(ast::BinaryOp::or_)));
    CHECK(op.precedence < dsl::Precedence::postfix);
  }
  for (ast::UnaryOp u : dsl::unary_ops) {
    const dsl::Operator op = dsl::operator_of(u);
    CHECK(!op.spelling.empty());
    CHECK(op.arity == 1);
    CHECK(op.associativity == dsl::Associativity::prefix);
    CHECK(op.precedence < dsl::Precedence::postfix);
  }
  for (dsl::PredicateOp p : dsl::predicate_ops) {
    const dsl::Operator op = dsl::operator_of(p);
    CHECK(!op.spelling.empty());
    CHECK(op.arity >= 1);
    CHECK(op.arity <= 3);
    CHECK(op.precedence == dsl::Precedence::comparison);
  }
  for (ast::WindowDirection d : dsl::window_directions) CHECK(!dsl::spelling(d).empty());
  for (const char* text : {"==", "!=", "<", "<=", ">", ">="}) {
    REQUIRE(dsl::comparison_spelled(text));
    CHECK(dsl::spelling(*dsl::comparison_spelled(text)) == text);
  }
  CHECK(!dsl::comparison_spelled("and"));
  CHECK(!dsl::comparison_spelled("="));
}

TEST_CASE("each spelling parses to its operator and the AST dump names it", "[operators]") {
  for (const Form& f : forms()) {
    INFO(f.name);
    auto p = parse_define(fill(f.text, {"p", "q", "r"}));
    INFO(p->errors);
    REQUIRE(p->body());
    const ast::Expr& e = *p->body();
    bool found = false;
    if (auto* b = std::get_if<ast::Binary>(&e.kind))
      found = dsl::operator_of(b->op).spelling == f.op.spelling && f.op.arity == 2;
    if (auto* u = std::get_if<ast::Unary>(&e.kind)) found = dsl::spelling(u->op) == f.op.spelling;
    if (auto* m = std::get_if<ast::Membership>(&e.kind)) found = dsl::spelling(dsl::predicate_op(*m)) == f.op.spelling;
    if (auto* pr = std::get_if<ast::Presence>(&e.kind)) found = dsl::spelling(dsl::predicate_op(*pr)) == f.op.spelling;
    if (std::holds_alternative<ast::Within>(e.kind)) found = f.op.spelling == "within";
    CHECK(found);
    const std::string dump = dsl::dump_ast(*p->file, p->sources);
    const std::string shown = f.op.spelling == "within"
                                  ? "Within " + std::string(dsl::spelling(ast::WindowDirection::before))
                                  : " " + std::string(f.op.spelling) + " #";
    CHECK(dump.find(shown) != std::string::npos);
  }
}

// For every operator O, every operand place of O and every operator I put there: with
// parentheses, the formatter's output re-parses to the same AST and is its own formatting;
// without them, the parser groups as the table says: I binds first when it is tighter (or
// equal and left-associative on the left, or a prefix inside a prefix), and otherwise the
// text means something else or does not parse.
TEST_CASE("every pairing of operators parses by the table and formats to the same AST", "[operators][format]") {
  const std::vector<Form> all = forms();
  std::size_t grouped_first = 0, grouped_otherwise = 0;
  for (const Form& outer : all) {
    for (int place = 0; place < outer.places; ++place) {
      for (const Form& inner : all) {
        const std::string inner_text = fill(inner.text, {"p", "q", "r"});
        std::vector<std::string> with_parens{"a", "b", "c"}, bare{"a", "b", "c"};
        with_parens[place] = "(" + inner_text + ")";
        bare[place] = inner_text;
        const std::string paren_text = fill(outer.text, with_parens);
        const std::string bare_text = fill(outer.text, bare);
        INFO(paren_text << "  vs  " << bare_text);

        auto paren = parse_define(paren_text);
        INFO(paren->errors);
        REQUIRE(paren->body());
        dsl::Diagnostics diags;
        auto formatted = dsl::format_source(paren->sources, paren->file->file, diags);
        REQUIRE(formatted);
        INFO("formatted: " << *formatted);
        auto again = parse_define(formatted->substr(std::string("define d = ").size()));
        REQUIRE(again->body());
        CHECK(dsl::ast_difference(*paren->body(), *again->body()).value_or("") == "");
        auto twice = dsl::format_source(again->sources, again->file->file, diags);
        REQUIRE(twice);
        CHECK(*twice == *formatted);

        const bool tighter = level(inner.op) > level(outer.op);
        const bool equal = level(inner.op) == level(outer.op);
        const bool first = tighter || (equal && outer.op.associativity == dsl::Associativity::left && place == 0) ||
                           (equal && outer.op.associativity == dsl::Associativity::prefix);
        auto plain = parse_define(bare_text);
        const bool same = plain->body() && dsl::ast_equal(*plain->body(), *paren->body());
        CHECK(same == first);
        ++(first ? grouped_first : grouped_otherwise);
      }
    }
  }
  CHECK(grouped_first > 100);
  CHECK(grouped_otherwise > 100);
}

// docs/language.md's table, one row per level, loosest first: the operators of each level
// and how they associate must be the code's.
TEST_CASE("docs/language.md states the precedence of the operator table", "[operators][docs]") {
  std::map<int, std::set<std::string>> code;
  std::map<int, std::string> associativity;
  auto add = [&](const dsl::Operator& op) {
    code[level(op)].insert(std::string(op.spelling));
    associativity[level(op)] = op.associativity == dsl::Associativity::left   ? "left"
                               : op.associativity == dsl::Associativity::none ? "none"
                                                                              : "prefix";
  };
  for (ast::BinaryOp b : dsl::binary_ops) add(dsl::operator_of(b));
  for (ast::UnaryOp u : dsl::unary_ops) add(dsl::operator_of(u));
  for (dsl::PredicateOp p : dsl::predicate_ops) add(dsl::operator_of(p));

  const std::string doc = read(COVCHECK_SOURCE_DIR "/docs/language.md");
  const std::size_t table = doc.find("| level | operators | associativity |");
  REQUIRE(table != std::string::npos);
  std::map<int, std::set<std::string>> documented;
  std::map<int, std::string> documented_associativity;
  std::istringstream lines(doc.substr(table));
  std::string line;
  std::getline(lines, line);  // header
  std::getline(lines, line);  // | --- |
  const std::regex row(R"(^\| (\d+) \| (.*) \| (\w+)[^|]*\|$)");
  const std::regex spelled("`([^`]+)`");
  while (std::getline(lines, line) && line.rfind("|", 0) == 0) {
    std::smatch m;
    REQUIRE(std::regex_match(line, m, row));
    const int lv = std::stoi(m[1]);
    const std::string ops = m[2];
    if (lv == static_cast<int>(dsl::Precedence::postfix)) continue;  // member access and calls
    for (auto it = std::sregex_iterator(ops.begin(), ops.end(), spelled); it != std::sregex_iterator(); ++it)
      documented[lv].insert((*it)[1]);
    documented_associativity[lv] = m[3];
  }
  CHECK(documented == code);
  CHECK(documented_associativity == associativity);
}

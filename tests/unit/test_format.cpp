// Formatter tests: golden layouts (tests/golden/format), and the two promises checked as
// properties over every shipped rule file and over generated expressions: formatting keeps
// the AST (dsl/ast_equal) and a second formatting changes nothing.
// Regenerate the goldens: COVCHECK_UPDATE_GOLDEN=1 build/covcheck_tests '[format]'
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "dsl/format/format.hpp"
#include "dsl/syntax/ast_equal.hpp"
#include "dsl/syntax/parser.hpp"

namespace covcheck::embedded {
extern const std::string_view default_schema_text;
}

namespace {

namespace fs = std::filesystem;
namespace dsl = covcheck::dsl;
namespace ast = covcheck::dsl::ast;

const fs::path source_dir = COVCHECK_SOURCE_DIR;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool updating() { return std::getenv("COVCHECK_UPDATE_GOLDEN") != nullptr; }

// One parse, plus what the formatter makes of it.
struct Formatted {
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;
  std::optional<ast::File> before;
  std::optional<std::string> text;
};

std::unique_ptr<Formatted> format(const std::string& name, const std::string& text, int width = 100) {
  auto f = std::make_unique<Formatted>();
  dsl::FileId id = f->sources.add(name, text);
  ast::NodeId next = 0;
  f->before = dsl::parse_file(f->sources, id, next, f->diagnostics);
  f->text = dsl::format_source(f->sources, id, f->diagnostics, dsl::FormatOptions{width});
  return f;
}

std::optional<ast::File> parse(dsl::SourceRegistry& sources, const std::string& name, const std::string& text) {
  dsl::Diagnostics diagnostics;
  ast::NodeId next = 0;
  auto parsed = dsl::parse_file(sources, sources.add(name, text), next, diagnostics);
  INFO(dsl::render_all(diagnostics, sources));
  REQUIRE(parsed);
  return parsed;
}

// Both promises for one text: the output parses to the same AST (comments included) and is
// its own formatting.
void check_preserved_and_idempotent(const std::string& name, const std::string& text, int width = 100) {
  INFO("file: " << name);
  auto first = format(name, text, width);
  INFO(dsl::render_all(first->diagnostics, first->sources));
  REQUIRE(first->text);
  INFO("formatted:\n" << *first->text);
  auto after = parse(first->sources, name + " (formatted)", *first->text);
  auto difference = dsl::ast_difference(*first->before, *after);
  CHECK(difference.value_or("") == "");
  auto second = format(name + " (formatted)", *first->text, width);
  REQUIRE(second->text);
  CHECK(*second->text == *first->text);
}

std::vector<fs::path> cpl_files_under(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".cpl") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// One formatted line as the width promise sees it: the display width of its code (a trailing
// comment is the author's and cannot move), and whether that code holds a place where the
// formatter breaks: a word it breaks before (`and`, `or`, `then`, `else`) outside strings, at
// the top of the line or inside the parentheses of a quantifier, `count(` or `not (` (a call's
// arguments and other parenthesized operands stay on one line).
struct LineShape {
  int width = 0;
  bool breakable = false;
};

LineShape shape_of(const std::string& line) {
  std::string bare;        // the code with string contents blanked and unbreakable parentheses dropped
  std::vector<bool> call;  // open parentheses, innermost last: whether each stays on one line
  int width = 0, code_width = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '#') break;
    if (c == '"') {
      std::size_t j = i + 1;
      for (; j < line.size() && line[j] != '"'; ++j)
        if (line[j] == '\\') ++j;
      for (std::size_t k = i; k <= j && k < line.size(); ++k)
        width += (static_cast<unsigned char>(line[k]) & 0xC0) != 0x80;
      code_width = width;
      i = j;
      continue;
    }
    width += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (c != ' ') code_width = width;
    if (c == '(') {
      // Parentheses the formatter breaks inside: a quantifier's, `count(`'s and `not (`'s.
      std::size_t w = i;
      while (w > 0 && (std::isalnum(static_cast<unsigned char>(line[w - 1])) || line[w - 1] == '_')) --w;
      std::string word = line.substr(w, i - w);
      bool quantifier = line.compare(i + 1, 4, "any ") == 0 || line.compare(i + 1, 4, "all ") == 0;
      bool not_paren = i >= 4 && line.compare(i - 4, 4, "not ") == 0;
      call.push_back(!(quantifier || not_paren || word == "count" || word == "distinct"));
    } else if (c == ')' && !call.empty()) {
      call.pop_back();
    }
    if (std::find(call.begin(), call.end(), true) == call.end()) bare += c;
    else bare += ' ';
  }
  // A word at the start of the line is where it already broke.
  LineShape out{code_width, false};
  bare.erase(0, bare.find_first_not_of(' '));
  bare = " " + bare + " ";
  // A schema check's `else warning` is a clause, like `cite`, not a conditional's `else`.
  for (std::size_t at; (at = bare.find(" else warning ")) != std::string::npos;) bare.replace(at, 14, " ");
  for (const char* w : {" and ", " or ", " then ", " else "}) out.breakable |= bare.find(w, 1) != std::string::npos;
  return out;
}

// Every line of `formatted` fits in `width`, or has no place to break.
void check_lines_fit(const std::string& name, const std::string& formatted, int width) {
  std::istringstream in(formatted);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    LineShape s = shape_of(line);
    if (s.width <= width) continue;
    INFO(name << ":" << number << " (" << s.width << " columns): " << line);
    CHECK_FALSE(s.breakable);
  }
}

}  // namespace

TEST_CASE("formatter golden files", "[format]") {
  std::vector<fs::path> inputs = cpl_files_under(source_dir / "tests/golden/format");
  REQUIRE(inputs.size() >= 5);
  for (const fs::path& input : inputs) {
    INFO("golden: " << input.filename().string());
    auto f = format(input.filename().string(), read(input));
    INFO(dsl::render_all(f->diagnostics, f->sources));
    REQUIRE(f->text);
    fs::path expected = input.string() + ".expected";
    if (updating()) std::ofstream(expected, std::ios::binary) << *f->text;
    CHECK(*f->text == read(expected));
    check_preserved_and_idempotent(input.filename().string(), read(input));
  }
}

TEST_CASE("formatting keeps the AST and is idempotent for every shipped rule file", "[format]") {
  std::vector<fs::path> files = cpl_files_under(source_dir / "rules");
  std::vector<fs::path> bench = cpl_files_under(source_dir / "bench");
  files.insert(files.end(), bench.begin(), bench.end());
  REQUIRE(files.size() >= 5);
  for (const fs::path& file : files)
    check_preserved_and_idempotent(fs::relative(file, source_dir).string(), read(file));
  check_preserved_and_idempotent("<built-in schema>", std::string(covcheck::embedded::default_schema_text));
  // A narrow width breaks nearly everything that can break: still the same AST.
  for (const fs::path& file : files) {
    check_preserved_and_idempotent(fs::relative(file, source_dir).string() + " (width 40)", read(file), 40);
  }
}

TEST_CASE("a file that does not parse is not formatted", "[format]") {
  auto f = format("broken.cpl", "rule r\n  when (a and b\n  cover\n");
  CHECK_FALSE(f->text);
  REQUIRE(f->diagnostics.has_errors());
  CHECK(f->diagnostics.items().front().code == "parse.expected_close_paren");
}

TEST_CASE("long criteria break at top-level and/or, aligned under the expression", "[format]") {
  auto f = format("r.cpl",
                  "rule r when request.service == ketamine_iv and benefit == mental_health and "
                  "ketamine_mental_health in plan.riders and has_depression cover\n");
  REQUIRE(f->text);
  CHECK(*f->text ==
        "rule r\n"
        "  when request.service == ketamine_iv\n"
        "       and benefit == mental_health\n"
        "       and ketamine_mental_health in plan.riders\n"
        "       and has_depression\n"
        "  cover\n");
}

TEST_CASE("clauses come in the canonical order and an explained criterion puts else below", "[format]") {
  auto f = format("r.cpl",
                  "rule r \"T\" require adult cite \"§1\" else deny \"Adults only\" cover when x tag t cite \"§0\"\n");
  REQUIRE(f->text);
  CHECK(*f->text ==
        "rule r \"T\" cite \"§0\"\n"
        "  tag t\n"
        "  when x\n"
        "  cover\n"
        "  require adult cite \"§1\"\n"
        "    else deny \"Adults only\"\n");
}

TEST_CASE("parentheses are recomputed from precedence, plus and-in-or and not", "[format]") {
  auto f = format("d.cpl",
                  "define a = ((x)) and (y or z)\n"
                  "define b = x and y or z\n"
                  "define c = not (x in s) and not y\n"
                  "define d = (any l v: v.p) and (if c then 1 else 2) + 1 > 0\n");
  REQUIRE(f->text);
  CHECK(*f->text ==
        "define a = x and (y or z)\n"
        "define b = (x and y) or z\n"
        "define c = not (x in s) and not y\n"
        "define d = (any l v: v.p) and (if c then 1 else 2) + 1 > 0\n");
}

TEST_CASE("comments stay with their lines", "[format]") {
  auto f = format("c.cpl",
                  "# about r\n"
                  "rule r   # head\n"
                  "  # before when\n"
                  "  when x    # condition\n"
                  "  cover\n");
  REQUIRE(f->text);
  CHECK(*f->text ==
        "# about r\n"
        "rule r  # head\n"
        "  # before when\n"
        "  when x  # condition\n"
        "  cover\n");
}

TEST_CASE("ast_difference names the first difference and ignores positions", "[format]") {
  dsl::SourceRegistry sources;
  auto a = parse(sources, "a.cpl", "define d = a and b\n# note\n");
  auto b = parse(sources, "b.cpl", "\n\n  define   d =\n  a\n and b   # note\n");
  CHECK(dsl::ast_equal(*a, *b));
  auto c = parse(sources, "c.cpl", "define d = a or b\n# note\n");
  CHECK(dsl::ast_difference(*a, *c).value_or("") == "items[0] (d).body.op: 0 vs 1");
  auto d = parse(sources, "d.cpl", "define d = a and b\n# other note\n");
  CHECK_FALSE(dsl::ast_equal(*a, *d));
  CHECK(dsl::ast_equal(*a, *d, dsl::AstCompareOptions{false}));
  auto e = parse(sources, "e.cpl", "define d = a and (b and c)\n");
  auto f = parse(sources, "f.cpl", "define d = a and b and c\n");
  CHECK_FALSE(dsl::ast_equal(*e, *f, dsl::AstCompareOptions{false}));
}

namespace {

// Random well-formed expressions over every operator level, with random redundant
// parentheses and spacing: the formatter must print each so that it parses back the same.
class ExprGenerator {
 public:
  explicit ExprGenerator(unsigned seed) : rng_(seed) {}

  std::string expr(int depth) {
    if (depth <= 0) return atom();
    switch (pick(14)) {
      case 0: return binary(depth, " and ");
      case 1: return binary(depth, " or ");
      case 2: return "not " + wrap(expr(depth - 1));
      case 3:
        return wrap(sum(depth - 1)) + pick_of({" == ", " != ", " < ", " <= ", " > ", " >= "}) + wrap(sum(depth - 1));
      case 4: return wrap(sum(depth - 1)) + pick_of({" in ", " not in "}) + set(depth - 1);
      case 5: return wrap(sum(depth - 1)) + pick_of({" is known", " is unknown", " is none"});
      case 6: return "(" + std::string(pick_of({"any ", "all "})) + "items v: " + expr(depth - 1) + ")";
      case 7: return "count(items v: " + expr(depth - 1) + ")" + " >= " + atom();
      case 8: return "count distinct(items v: " + expr(depth - 1) + " ; v.k) < 3";
      case 9:
        return "(if " + expr(depth - 1) + " then " + expr(depth - 1) + (pick(2) ? " else " + expr(depth - 1) : "") +
               ")";
      case 10:
        return "d within " + wrap(sum(depth - 1)) + pick_of({" before ", " after ", " of "}) + wrap(sum(depth - 1));
      case 11: return "f(" + expr(depth - 1) + ", " + sum(depth - 1) + ")";
      case 12:
        return "(if " + expr(depth - 1) + " then " + wrap(sum(depth - 1)) + " else unknown(" +
               pick_of({"x", "y.z, a.b.c", "a.b, x"}) + "))";
      default: return "(" + expr(depth - 1) + ")";
    }
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  const char* pick_of(std::initializer_list<const char*> options) {
    return options.begin()[pick(static_cast<int>(options.size()))];
  }
  std::string wrap(const std::string& s) { return "(" + s + ")"; }
  std::string atom() {
    return pick_of({"x", "y.z", "18", "2.5", "\"CA\"", "2026-01-01", "6 weeks", "true", "-3", "a.b.c"});
  }
  std::string binary(int depth, const char* op) { return wrap(expr(depth - 1)) + op + wrap(expr(depth - 1)); }
  std::string sum(int depth) {
    if (depth <= 0) return atom();
    switch (pick(5)) {
      case 0: return wrap(sum(depth - 1)) + pick_of({" + ", " - ", " * "}) + wrap(sum(depth - 1));
      case 1: return "-" + wrap(sum(depth - 1));
      case 2: return wrap(expr(depth - 1)) + ".f";
      default: return atom();
    }
  }
  std::string set(int depth) {
    switch (pick(4)) {
      case 0: return "{ " + std::string(atom()) + ", " + atom() + " }";
      case 1: return "icd10 { F32.0 .. F32.5, F33.* }";
      case 2: return depth > 0 ? "(" + set(depth - 1) + pick_of({" | ", " - "}) + "(" + set(depth - 1) + "))" : "s";
      default: return "s";
    }
  }

  std::mt19937 rng_;
};

}  // namespace

TEST_CASE("generated expressions keep their AST through formatting", "[format]") {
  ExprGenerator generate(20260101);
  for (int i = 0; i < 300; ++i) {
    std::string text = "define d = " + generate.expr(1 + i % 5) + "\n";
    check_preserved_and_idempotent(fmt::format("generated {}", i), text, i % 2 ? 100 : 30);
  }
}

// Found by the bad-input corpus (tests/bad/rules/deep_not.cpl): `not (not (...))` for 300
// `not`s is 300 levels of parentheses, past the parser's limit of 200, so the formatted file
// did not parse. A `not` of a `not` now needs no parentheses.
TEST_CASE("a long run of `not`s formats to a file that parses", "[format]") {
  std::string nots;
  for (int i = 0; i < 300; ++i) nots += "not ";
  std::string text = "policy p \"P\" version \"1\" default denied\n\nrule r\n  when " + nots + "(x > 1)\n  cover\n";
  check_preserved_and_idempotent("nots.cpl", text);
  check_preserved_and_idempotent(
      "short.cpl", "policy p \"P\" version \"1\" default denied\n\nrule r\n  when not not (x > 1)\n  cover\n");
  auto f = format("paren.cpl", "policy p \"P\" version \"1\" default denied\nrule r when not (not (x > 1)) cover\n");
  REQUIRE(f->text);
  CHECK_THAT(*f->text, Catch::Contains("when not not (x > 1)"));
}

TEST_CASE("synonyms, `or none` and `unknown(...)` format to a fixed point", "[format][synonyms][none][unknown]") {
  const std::string text = R"(schema s "S" version "1"
enum e { a, b }
record case {
  f:   e   or   none   # trailing
  g: date or none
}
synonyms e { a: "A one","a-1"   # the first
  b:"Bee" }
synonyms e {}
define d = if f is none then unknown( g,f ) else g
)";
  auto f = format("vocabulary.cpl", text);
  REQUIRE(f->text);
  CHECK(*f->text == R"(schema s "S" version "1"

enum e { a, b }

record case {
  f: e or none  # trailing
  g: date or none
}

synonyms e {
  a: "A one", "a-1"  # the first
  b: "Bee"
}

synonyms e {}

define d = if f is none then unknown(g, f) else g
)");
  check_preserved_and_idempotent("vocabulary.cpl", text);
}

TEST_CASE("the width promise: every line fits where CPL allows a break", "[format]") {
  // The checker of the property: a line that can break, and ones that cannot.
  CHECK(shape_of("  when a and b").breakable);
  CHECK_FALSE(shape_of("       and b \"a long message\"").breakable);
  CHECK_FALSE(shape_of("  cite \"a and b\"").breakable);
  CHECK_FALSE(shape_of("  when f(a and b) == 3  # x and y").breakable);
  CHECK(shape_of("  when count(xs v: a or b) >= 2").breakable);
  CHECK(shape_of("  when not (a or b)").breakable);
  CHECK_FALSE(shape_of("  when (if a then b else c).f == 2").breakable);
  CHECK(shape_of("define x = é").width == 12);
  CHECK_FALSE(shape_of("  check start <= date_of_service else warning \"after the date of service\"").breakable);

  std::vector<fs::path> files = cpl_files_under(source_dir / "rules");
  std::vector<fs::path> bench = cpl_files_under(source_dir / "bench");
  files.insert(files.end(), bench.begin(), bench.end());
  REQUIRE(files.size() >= 5);
  for (const fs::path& file : files) {
    auto f = format(file.string(), read(file));
    REQUIRE(f->text);
    check_lines_fit(fs::relative(file, source_dir).string(), *f->text, 100);
  }
  // The define of issue 19 that gave 119 columns.
  auto f = format("if.cpl",
                  "define lookback_start = if request.type == renewal and request.previous_authorization_end is known "
                  "then request.previous_authorization_end - 90 days else date_of_service - 180 days\n");
  REQUIRE(f->text);
  check_lines_fit("if.cpl", *f->text, 100);
  CHECK(*f->text ==
        "define lookback_start =\n"
        "  if request.type == renewal and request.previous_authorization_end is known\n"
        "  then request.previous_authorization_end - 90 days\n"
        "  else date_of_service - 180 days\n");
  // Generated expressions, at a width that makes most of them break.
  ExprGenerator generate(20261206);
  for (int i = 0; i < 300; ++i) {
    std::string text = "define d = " + generate.expr(1 + i % 5) + "\n";
    auto g = format(fmt::format("generated {}", i), text, 40);
    REQUIRE(g->text);
    check_lines_fit(fmt::format("generated {}", i), *g->text, 40);
  }
}

TEST_CASE("dated criteria and computed authorizations format to a fixed point",
          "[format][dated_criteria][grant_expr]") {
  const std::string text = R"(rule r cover
  require x > 1 cite "§2" effective 2026-01-01 .. else deny "m"
  require   y   effective   ..   2025-12-31   # until the revision
  require document lmn cite "§3" effective 2026-01-01 .. 2026-12-31 else pend
  authorize min( request.sessions,8 ) units , 28 days,2*(a + b) weeks
)";
  auto f = format("dated.cpl", text);
  REQUIRE(f->text);
  CHECK(*f->text == R"(rule r
  cover
  require x > 1 cite "§2" effective 2026-01-01 ..
    else deny "m"
  require y effective .. 2025-12-31  # until the revision
  require document lmn cite "§3" effective 2026-01-01 .. 2026-12-31 else pend
  authorize min(request.sessions, 8) units, 28 days, 2 * (a + b) weeks
)");
  check_preserved_and_idempotent("dated.cpl", text);
  // Narrow: `effective` moves below its criterion when it does not fit after it.
  auto narrow = format("dated.cpl", text, 40);
  REQUIRE(narrow->text);
  CHECK_THAT(*narrow->text,
             Catch::Contains("  require x > 1 cite \"§2\"\n    effective 2026-01-01 ..\n    else deny \"m\"\n"));
  check_preserved_and_idempotent("dated.cpl", text, 40);
}

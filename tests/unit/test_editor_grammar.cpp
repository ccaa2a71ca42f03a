// The editor support of tools/editors/vscode-cpl: its JSON files are valid JSON, and its
// TextMate grammar, run by a small TextMate-style tokenizer over every shipped rule file,
// gives every reserved word of docs/language.md a keyword scope, and comments, strings,
// dates and codes their scopes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

namespace {

namespace fs = std::filesystem;
const fs::path source_dir = COVCHECK_SOURCE_DIR;
const fs::path extension_dir = source_dir / "tools/editors/vscode-cpl";

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---- A strict JSON reader (RFC 8259): the test must reject what VS Code would reject -------

struct Json {
  enum class Type { null, boolean, number, string, array, object } type = Type::null;
  std::string text;  // string value
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;

  const Json* get(const std::string& key) const {
    for (const auto& [k, v] : members) {
      if (k == key) return &v;
    }
    return nullptr;
  }
};

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : s_(text) {}

  Json document() {
    Json v = value();
    space();
    if (i_ != s_.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(what + " at byte " + std::to_string(i_));
  }
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  bool eat(char c) {
    space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected `") + c + "`");
  }
  void word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) fail("unexpected token");
    i_ += w.size();
  }

  Json value() {
    space();
    if (i_ >= s_.size()) fail("unexpected end");
    Json v;
    char c = s_[i_];
    if (c == '{') {
      v.type = Json::Type::object;
      ++i_;
      if (eat('}')) return v;
      do {
        space();
        std::string key = string();
        expect(':');
        v.members.emplace_back(std::move(key), value());
      } while (eat(','));
      expect('}');
    } else if (c == '[') {
      v.type = Json::Type::array;
      ++i_;
      if (eat(']')) return v;
      do v.items.push_back(value());
      while (eat(','));
      expect(']');
    } else if (c == '"') {
      v.type = Json::Type::string;
      v.text = string();
    } else if (c == 't' || c == 'f') {
      v.type = Json::Type::boolean;
      v.text = c == 't' ? "true" : "false";
      word(v.text);
    } else if (c == 'n') {
      word("null");
    } else {
      v.type = Json::Type::number;
      std::size_t start = i_;
      if (s_[i_] == '-') ++i_;
      while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' || s_[i_] == 'e' ||
                                s_[i_] == 'E' || s_[i_] == '+' || s_[i_] == '-')) {
        ++i_;
      }
      if (start == i_) fail("unexpected character");
      v.text = std::string(s_.substr(start, i_ - start));
    }
    return v;
  }

  std::string string() {
    if (i_ >= s_.size() || s_[i_] != '"') fail("expected a string");
    ++i_;
    std::string out;
    while (true) {
      if (i_ >= s_.size()) fail("unterminated string");
      char c = s_[i_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) fail("unterminated escape");
      char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u':
          if (i_ + 4 > s_.size()) fail("short \\u escape");
          out += '?';  // the grammar's regexes use none; the value is not needed
          i_ += 4;
          break;
        default: fail("invalid escape");
      }
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

Json load_json(const fs::path& p) {
  INFO("file: " << p.string());
  REQUIRE(fs::exists(p));
  try {
    return JsonReader(read(p)).document();
  } catch (const std::runtime_error& e) {
    FAIL("invalid JSON: " << e.what());
  }
  return {};
}

// ---- A TextMate-style tokenizer: match and begin/end rules, captures, includes ----------------

struct Rule {
  std::string name;
  std::optional<std::regex> match, begin, end;
  std::map<std::size_t, std::string> captures, begin_captures, end_captures;
  std::vector<const Rule*> patterns;  // after resolving includes
};

class Grammar {
 public:
  explicit Grammar(const Json& json) {
    if (const Json* repo = json.get("repository")) {
      for (const auto& [name, rule] : repo->members) repository_[name] = build(rule);
    }
    root_ = patterns_of(*json.get("patterns"));
    // Nested patterns last, by index: resolving one may build (and queue) more rules, and an
    // include may name a repository rule defined after it.
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      Rule* rule = pending_[i].first;
      const Json* list = pending_[i].second;
      rule->patterns = patterns_of(*list);
    }
  }

  // The innermost scope of every byte of `text` ("" where no rule applies).
  std::vector<std::string> tokenize(const std::string& text) const {
    std::vector<std::string> scopes(text.size());
    // Open begin/end rules, with where their scope starts (it fills what inner rules leave).
    std::vector<std::pair<const Rule*, std::size_t>> stack;
    auto fill_open = [&](std::size_t from, std::size_t to) {
      for (std::size_t i = from; i < to; ++i) {
        if (scopes[i].empty()) scopes[i] = stack.back().first->name;
      }
    };
    std::size_t line_start = 0;
    while (line_start < text.size()) {
      std::size_t line_end = std::min(text.find('\n', line_start), text.size());
      const std::string line = text.substr(line_start, line_end - line_start);
      std::size_t pos = 0;
      while (pos <= line.size()) {
        const std::vector<const Rule*>& candidates = stack.empty() ? root_ : stack.back().first->patterns;
        const Rule* best = nullptr;
        std::smatch best_match;
        for (const Rule* r : candidates) {
          std::smatch m;
          if (search(line, pos, r->match ? *r->match : *r->begin, m) &&
              (!best || at(line, m, 0) < at(line, best_match, 0))) {
            best = r;
            best_match = m;
          }
        }
        std::smatch end_match;
        bool ends = !stack.empty() && search(line, pos, *stack.back().first->end, end_match);
        if (ends && (!best || at(line, end_match, 0) <= at(line, best_match, 0))) {
          const Rule* open = stack.back().first;
          paint(scopes, line_start, line, end_match, open->name, open->end_captures);
          fill_open(stack.back().second,
                    line_start + at(line, end_match, 0) + static_cast<std::size_t>(end_match.length(0)));
          stack.pop_back();
          pos = advance(line, end_match, pos);
          continue;
        }
        if (!best) break;
        paint(scopes, line_start, line, best_match, best->name, best->match ? best->captures : best->begin_captures);
        if (best->begin) stack.emplace_back(best, line_start + at(line, best_match, 0));
        pos = advance(line, best_match, pos);
      }
      // A rule still open at the end of the line covers the rest of it, and goes on below.
      if (!stack.empty()) {
        fill_open(stack.back().second, line_end);
        stack.back().second = line_end + 1;
      }
      line_start = line_end + 1;
    }
    return scopes;
  }

  // Every `match` regex with a keyword-like scope.
  std::vector<std::regex> keyword_regexes() const {
    std::vector<std::regex> out;
    for (const auto& rule : owned_) {
      if (rule->match && is_keyword_scope(rule->name)) out.push_back(*rule->match);
    }
    return out;
  }

  static bool is_keyword_scope(const std::string& scope) {
    return scope.rfind("keyword.", 0) == 0 || scope.rfind("storage.", 0) == 0 ||
           scope.rfind("constant.language.", 0) == 0 || scope.rfind("support.", 0) == 0;
  }

 private:
  static bool search(const std::string& line, std::size_t pos, const std::regex& re, std::smatch& m) {
    auto flags = pos > 0 ? std::regex_constants::match_prev_avail : std::regex_constants::match_default;
    return std::regex_search(line.cbegin() + static_cast<std::ptrdiff_t>(pos), line.cend(), m, re, flags);
  }
  static std::size_t at(const std::string& line, const std::smatch& m, std::size_t group) {
    return static_cast<std::size_t>(m[group].first - line.cbegin());
  }
  static std::size_t advance(const std::string& line, const std::smatch& m, std::size_t pos) {
    std::size_t end = at(line, m, 0) + static_cast<std::size_t>(m.length(0));
    return end > pos ? end : pos + 1;  // an empty match (`$`) must not stall
  }
  static void paint(std::vector<std::string>& scopes, std::size_t line_start, const std::string& line,
                    const std::smatch& m, const std::string& name, const std::map<std::size_t, std::string>& captures) {
    auto fill = [&](std::size_t group, const std::string& scope) {
      if (scope.empty() || group >= m.size() || !m[group].matched) return;
      std::size_t start = line_start + at(line, m, group);
      for (std::size_t i = 0; i < static_cast<std::size_t>(m.length(group)); ++i) scopes[start + i] = scope;
    };
    fill(0, name);
    for (const auto& [group, scope] : captures) fill(group, scope);
  }

  Rule* build(const Json& j) {
    owned_.push_back(std::make_unique<Rule>());
    Rule* r = owned_.back().get();
    if (const Json* n = j.get("name")) r->name = n->text;
    auto regex = [](const Json* s) { return std::regex(s->text, std::regex::ECMAScript); };
    if (const Json* m = j.get("match")) r->match = regex(m);
    if (const Json* b = j.get("begin")) r->begin = regex(b);
    if (const Json* e = j.get("end")) r->end = regex(e);
    auto caps = [](const Json* c, std::map<std::size_t, std::string>& out) {
      if (!c) return;
      for (const auto& [k, v] : c->members) out[std::stoul(k)] = v.get("name") ? v.get("name")->text : "";
    };
    caps(j.get("captures"), r->captures);
    caps(j.get("beginCaptures"), r->begin_captures);
    caps(j.get("endCaptures"), r->end_captures);
    if (const Json* p = j.get("patterns")) pending_.emplace_back(r, p);
    return r;
  }

  std::vector<const Rule*> patterns_of(const Json& list) {
    std::vector<const Rule*> out;
    for (const Json& item : list.items) {
      const Json* include = item.get("include");
      if (!include) {
        out.push_back(build(item));
        continue;
      }
      const Rule* target = repository_.at(include->text.substr(1));
      // A container (only `patterns`) stands for its patterns.
      if (target->match || target->begin) {
        out.push_back(target);
      } else {
        std::vector<const Rule*> inner = patterns_of(
            *std::find_if(pending_.begin(), pending_.end(), [&](const auto& p) { return p.first == target; })->second);
        out.insert(out.end(), inner.begin(), inner.end());
      }
    }
    return out;
  }

  std::map<std::string, Rule*> repository_;
  std::vector<std::unique_ptr<Rule>> owned_;
  std::vector<std::pair<Rule*, const Json*>> pending_;
  std::vector<const Rule*> root_;
};

}  // namespace

namespace {

// The words of docs/language.md's lexical section: reserved (never identifiers) and contextual.
struct Words {
  std::set<std::string> reserved, contextual;
};

Words language_words() {
  std::string doc = read(source_dir / "docs/language.md");
  auto backticked = [](std::string_view text) {
    std::vector<std::string> out;
    for (std::size_t i = text.find('`'); i != std::string_view::npos; i = text.find('`', i + 1)) {
      std::size_t end = text.find('`', i + 1);
      if (end == std::string_view::npos) break;
      out.emplace_back(text.substr(i + 1, end - i - 1));
      i = end;
    }
    return out;
  };
  Words w;
  std::size_t reserved = doc.find("Reserved words");
  std::size_t contextual = doc.find("Contextual words");
  REQUIRE(reserved != std::string::npos);
  REQUIRE(contextual != std::string::npos);
  for (const std::string& list : backticked(std::string_view(doc).substr(reserved, contextual - reserved))) {
    std::istringstream words(list);
    for (std::string word; words >> word;) w.reserved.insert(word);
  }
  std::size_t close = doc.find(')', contextual);
  for (const std::string& word : backticked(std::string_view(doc).substr(contextual, close - contextual))) {
    w.contextual.insert(word);
  }
  return w;
}

std::vector<fs::path> shipped_rule_files() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(source_dir / "rules")) {
    if (e.is_regular_file() && e.path().extension() == ".cpl") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

TEST_CASE("the VS Code extension's files are valid JSON and refer to each other", "[editor]") {
  Json package = load_json(extension_dir / "package.json");
  Json config = load_json(extension_dir / "language-configuration.json");
  Json grammar = load_json(extension_dir / "syntaxes/cpl.tmLanguage.json");

  const Json* contributes = package.get("contributes");
  REQUIRE(contributes);
  const Json& language = contributes->get("languages")->items.at(0);
  CHECK(language.get("id")->text == "cpl");
  CHECK(language.get("extensions")->items.at(0).text == ".cpl");
  CHECK(fs::exists(extension_dir / language.get("configuration")->text));
  const Json& contributed = contributes->get("grammars")->items.at(0);
  CHECK(contributed.get("language")->text == "cpl");
  CHECK(contributed.get("scopeName")->text == grammar.get("scopeName")->text);
  CHECK(fs::exists(extension_dir / contributed.get("path")->text));

  CHECK(config.get("comments")->get("lineComment")->text == "#");
  CHECK(config.get("brackets")->items.size() >= 2);

  CHECK_THROWS(JsonReader("{\"a\": 1,}").document());  // the reader is strict
  CHECK_THROWS(JsonReader("{\"a\": \"\\q\"}").document());
}

TEST_CASE("the grammar's keyword patterns match every keyword the shipped rules use", "[editor]") {
  Grammar grammar(load_json(extension_dir / "syntaxes/cpl.tmLanguage.json"));
  Words words = language_words();
  REQUIRE(words.reserved.count("require"));
  REQUIRE(words.contextual.count("prior_auth"));
  std::vector<std::regex> keywords = grammar.keyword_regexes();
  REQUIRE(!keywords.empty());

  std::set<std::string> used;  // language words written in the shipped rules (outside comments and strings)
  std::size_t checked_keywords = 0, comments = 0, strings = 0, dates = 0, codes = 0;
  std::vector<fs::path> files = shipped_rule_files();
  REQUIRE(files.size() >= 4);
  for (const fs::path& file : files) {
    std::string text = read(file);
    std::vector<std::string> scopes = grammar.tokenize(text);
    std::smatch m;
    static const std::regex word("[A-Za-z_][A-Za-z0-9_]*");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), word); it != std::sregex_iterator(); ++it) {
      auto at = static_cast<std::size_t>(it->position(0));
      const std::string& scope = scopes[at];
      if (starts_with(scope, "comment.") || starts_with(scope, "string.")) continue;
      if (at > 0 && (std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '.')) continue;
      const std::string w = it->str();
      if (words.reserved.count(w)) {
        INFO(file.string() << " at byte " << at << ": `" << w << "` has scope `" << scope << "`");
        CHECK(Grammar::is_keyword_scope(scope));
        ++checked_keywords;
      }
      if (words.reserved.count(w) || words.contextual.count(w)) used.insert(w);
    }
    // Comments, strings, dates and codes get their scopes.
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '#' && !starts_with(scopes[i], "string.")) {
        INFO(file.string() << " at byte " << i);
        CHECK(scopes[i] == "punctuation.definition.comment.cpl");
        std::size_t end = std::min(text.find('\n', i), text.size());
        std::size_t last = end > i + 1 ? end - 1 : i;  // the comment's last byte
        CHECK((last == i || starts_with(scopes[last], "comment.line") ||
               starts_with(scopes[last], "keyword.other.directive")));
        ++comments;
        i = text.find('\n', i);
        if (i == std::string::npos) break;
      }
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
      strings += text[i] == '"' && scopes[i] == "punctuation.definition.string.begin.cpl";
      dates += starts_with(scopes[i], "constant.numeric.date") &&
               (i == 0 || !starts_with(scopes[i - 1], "constant.numeric.date"));
      codes += starts_with(scopes[i], "constant.other.code") &&
               (i == 0 || !starts_with(scopes[i - 1], "constant.other.code"));
    }
  }
  CHECK(checked_keywords > 100);
  CHECK(comments > 50);
  CHECK(strings > 50);
  CHECK(dates > 2);
  CHECK(codes > 10);

  // Each language word the shipped rules use is matched, as a whole word, by a keyword pattern.
  for (const std::string& w : used) {
    INFO("word: " << w);
    bool matched = std::any_of(keywords.begin(), keywords.end(), [&](const std::regex& re) {
      std::smatch m;
      return std::regex_search(w, m, re) && m.position(0) == 0 && static_cast<std::size_t>(m.length(0)) == w.size();
    });
    CHECK(matched);
  }
  CHECK(used.count("when"));
  CHECK(used.count("require"));
}

TEST_CASE("the grammar scopes a sample line by line", "[editor]") {
  Grammar grammar(load_json(extension_dir / "syntaxes/cpl.tmLanguage.json"));
  std::string text =
      "rule r1 \"Title \\\"quoted\\\"\" cite \"§1\"  # note\n"
      "  when request.submitted <= 2026-01-01 + 90 days and d.code in icd10 { F33.*, G90.5* }\n";
  std::vector<std::string> s = grammar.tokenize(text);
  auto scope_of = [&](std::string_view needle) { return s.at(text.find(needle)); };
  CHECK(scope_of("rule") == "storage.type.rule.cpl");
  CHECK(scope_of("r1") == "entity.name.function.rule.cpl");
  CHECK(scope_of("\\\"") == "constant.character.escape.cpl");
  CHECK(scope_of("cite") == "keyword.control.clause.cpl");
  CHECK(scope_of("# note") == "punctuation.definition.comment.cpl");
  CHECK(scope_of("note") == "comment.line.number-sign.cpl");
  CHECK(scope_of("when") == "keyword.control.clause.cpl");
  CHECK(scope_of("<=") == "keyword.operator.comparison.cpl");
  CHECK(scope_of("2026-01-01") == "constant.numeric.date.cpl");
  CHECK(scope_of("90") == "constant.numeric.integer.cpl");
  CHECK(scope_of("days") == "keyword.other.unit.cpl");
  CHECK(scope_of("and") == "keyword.operator.word.cpl");
  CHECK(scope_of("icd10") == "support.type.code-system.cpl");
  CHECK(scope_of("F33.*") == "constant.other.code.cpl");
  CHECK(scope_of("G90.5*") == "constant.other.code.cpl");
  CHECK(scope_of("request") == "variable.other.cpl");
}

TEST_CASE("the grammar scopes dated criteria and computed authorizations", "[editor]") {
  Grammar grammar(load_json(extension_dir / "syntaxes/cpl.tmLanguage.json"));
  std::string text =
      "  require request.min_dose cite \"§2\" effective 2026-01-01 .. else deny\n"
      "  authorize max(1, min(request.sessions, 8)) units\n";
  std::vector<std::string> s = grammar.tokenize(text);
  auto scope_of = [&](std::string_view needle) { return s.at(text.find(needle)); };
  CHECK(scope_of("effective") == "keyword.control.clause.cpl");
  CHECK(scope_of("2026-01-01") == "constant.numeric.date.cpl");
  CHECK(scope_of("authorize") == "keyword.control.clause.cpl");
  CHECK(scope_of("max(") == "support.function.builtin.cpl");
  CHECK(scope_of("min(") == "support.function.builtin.cpl");
  CHECK(scope_of("units") == "keyword.other.unit.cpl");
  // A field that happens to be called `min...` is not the built-in: only a call is.
  CHECK(s.at(text.find("min_dose")) != "support.function.builtin.cpl");
}

// Finding and validating rule test suites. Suites are read through the engine's YamlTree
// (byte spans), so every complaint points at file:line:col with a caret.
#include "tools/covcheck/suite.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "engine/cases/yaml_tree.hpp"

namespace covcheck::cli {

namespace fs = std::filesystem;
using engine::YamlNode;
using engine::YamlTree;
using Kind = YamlNode::Kind;

namespace {

constexpr std::size_t max_suite_depth = 64;

bool is_suite_file(const fs::path& p) {
  return (p.extension() == ".yaml" || p.extension() == ".yml") && p.parent_path().filename() == "tests";
}

class SuiteReader {
 public:
  SuiteReader(const dsl::SourceRegistry& sources, dsl::FileId file, dsl::Diagnostics& diagnostics)
      : sources_(sources),
        file_(file),
        diagnostics_(diagnostics),
        dir_(fs::path(sources.file(file).name()).parent_path()) {}

  std::optional<Suite> read() {
    std::string_view text = sources_.file(file_).text();
    engine::YamlParse parse = engine::parse_first_yaml_document(text, tree_, max_suite_depth);
    for (const engine::YamlProblem& p : parse.problems) {
      std::string message = p.message;
      if (p.code == "case.too_deep") message = fmt::format("the suite nests deeper than {} levels", max_suite_depth);
      diagnostics_.error("suite.syntax", {file_, p.begin, p.end}, message);
    }
    if (!parse.problems.empty()) return std::nullopt;
    if (parse.documents > 1) {
      diagnostics_.error("suite.multiple_documents", {file_, parse.second_document, parse.second_document + 3},
                         "a suite file holds one YAML document");
      return std::nullopt;
    }
    if (parse.documents == 0 || tree_.root == engine::yaml_none) {
      diagnostics_.error("suite.empty", {file_, 0, 0}, "the suite file is empty; it needs `rules` and `tests`");
      return std::nullopt;
    }
    Suite suite;
    suite.path = sources_.file(file_).name();
    suite.file = file_;
    const YamlNode& root = tree_.nodes[tree_.root];
    if (!is(root, Kind::mapping, "the suite", "a mapping with `rules` and `tests`")) return std::nullopt;
    auto keys = fields(root, {"rules", "tests"}, "suite");
    if (require(keys, "rules", root, "the suite")) read_rules(*keys["rules"], suite);
    if (require(keys, "tests", root, "the suite")) read_tests(*keys["tests"], suite);
    if (!ok_) return std::nullopt;
    return suite;
  }

 private:
  using Fields = std::map<std::string, const YamlNode*>;

  dsl::SourceSpan span(const YamlNode& n) const { return {file_, n.pos, std::max(n.end, n.pos + 1)}; }
  // A value's whole text: a collection's end is found in the text (the tree keeps its start).
  dsl::SourceSpan value_span(const YamlNode& n) const {
    if (n.kind == Kind::scalar) return span(n);
    if (n.kind == Kind::null) {
      // `null`, `~`, or nothing at all (the tree then points at the key's `:`).
      std::string_view text = sources_.file(file_).text().substr(n.pos);
      std::uint32_t length = text.starts_with("null") || text.starts_with("Null") || text.starts_with("NULL") ? 4
                             : text.starts_with("~")                                                          ? 1
                                                                                                              : 0;
      std::uint32_t at = length == 0 && text.starts_with(":") ? n.pos + 1 : n.pos;
      return {file_, at, at + length};
    }
    std::uint32_t end = n.pos + 1;
    for (std::uint32_t i = 0; i < n.count; ++i) end = std::max(end, value_span(child(n, i)).end);
    std::string_view text = sources_.file(file_).text();
    if (n.pos < text.size() && (text[n.pos] == '[' || text[n.pos] == '{')) {
      // A flow collection ends at its closing bracket, past the last item.
      char close = text[n.pos] == '[' ? ']' : '}';
      std::size_t at = text.find(close, end);
      if (at != std::string_view::npos) end = static_cast<std::uint32_t>(at + 1);
    }
    return {file_, n.pos, end};
  }
  dsl::Diagnostic& error(const YamlNode& n, std::string message) {
    ok_ = false;
    return diagnostics_.error("suite.invalid", span(n), std::move(message));
  }
  std::string_view scalar(const YamlNode& n) const { return tree_.scalar(n); }
  const YamlNode& child(const YamlNode& n, std::uint32_t i) const { return tree_.nodes[tree_.children[n.first + i]]; }

  static const char* kind_name(Kind k) {
    switch (k) {
      case Kind::null: return "null";
      case Kind::scalar: return "a scalar";
      case Kind::sequence: return "a list";
      case Kind::mapping: return "a mapping";
    }
    return "a value";
  }
  bool is(const YamlNode& n, Kind kind, std::string_view what, std::string_view wanted) {
    if (n.kind == kind) return true;
    error(n, fmt::format("{} must be {}, not {}", what, wanted, kind_name(n.kind)));
    return false;
  }

  // The pairs of a mapping, complaining about unknown (with a did-you-mean) and repeated keys.
  Fields fields(const YamlNode& map, const std::vector<std::string>& allowed, std::string_view where) {
    Fields out;
    for (std::uint32_t i = 0; i + 1 < map.count; i += 2) {
      const YamlNode& key = child(map, i);
      if (key.kind != Kind::scalar) {
        error(key, fmt::format("a {} key must be a plain name", where));
        continue;
      }
      std::string name(scalar(key));
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        dsl::Diagnostic& d = error(key, fmt::format("unknown {} key `{}`", where, name));
        if (auto near = dsl::closest_match(name, allowed)) {
          d.help = fmt::format("did you mean `{}`?", *near);
        } else {
          std::string list;
          for (const std::string& a : allowed) list += (list.empty() ? "`" : ", `") + a + "`";
          d.help = "expected one of " + list;
        }
        continue;
      }
      if (out.count(name)) {
        error(key, fmt::format("`{}` is given twice", name));
        continue;
      }
      out[name] = &child(map, i + 1);
    }
    return out;
  }
  bool require(const Fields& f, const std::string& key, const YamlNode& owner, std::string_view what) {
    if (f.count(key)) return true;
    error(owner, fmt::format("{} has no `{}`", what, key));
    return false;
  }

  std::optional<std::string> text(const YamlNode& n, std::string_view what) {
    if (n.kind == Kind::scalar) return std::string(scalar(n));
    error(n, fmt::format("{} must be text, not {}", what, kind_name(n.kind)));
    return std::nullopt;
  }
  std::optional<std::string> one_of(const YamlNode& n, std::string_view what, const std::vector<std::string>& values) {
    auto v = text(n, what);
    if (!v) return std::nullopt;
    if (std::find(values.begin(), values.end(), *v) != values.end()) return v;
    dsl::Diagnostic& d = error(n, fmt::format("{} `{}` is not one of {}", what, *v, fmt::join(values, ", ")));
    if (auto near = dsl::closest_match(*v, values)) d.help = fmt::format("did you mean `{}`?", *near);
    return std::nullopt;
  }
  // A list of text, or one text standing for a list of one.
  std::optional<std::vector<std::string>> texts(const YamlNode& n, std::string_view what, bool single_allowed) {
    std::vector<std::string> out;
    if (single_allowed && n.kind == Kind::scalar) return std::vector<std::string>{std::string(scalar(n))};
    if (!is(n, Kind::sequence, what, "a list")) return std::nullopt;
    for (std::uint32_t i = 0; i < n.count; ++i) {
      auto v = text(child(n, i), fmt::format("each entry of {}", what));
      if (!v) return std::nullopt;
      out.push_back(*v);
    }
    return out;
  }

  std::string resolve(std::string_view relative) const {
    fs::path p(relative);
    fs::path out = (p.is_absolute() ? p : dir_ / p).lexically_normal();
    // `..` normalises to `rules/acme/`; without the slash, equal rule sets compare equal.
    if (!out.has_filename() && out.has_parent_path()) out = out.parent_path();
    return out.generic_string();
  }

  void read_rules(const YamlNode& n, Suite& suite) {
    auto paths = texts(n, "`rules`", true);
    if (!paths) return;
    if (paths->empty()) error(n, "`rules` names no rule files or folders");
    for (std::uint32_t i = 0; i < paths->size(); ++i) {
      const YamlNode& at = n.kind == Kind::sequence ? child(n, i) : n;
      std::string path = resolve((*paths)[i]);
      std::error_code ec;
      if (!fs::exists(path, ec)) {
        error(at, fmt::format("rule path `{}` does not exist (resolved to `{}`)", (*paths)[i], path));
        continue;
      }
      suite.rules.push_back(path);
    }
  }

  void read_tests(const YamlNode& n, Suite& suite) {
    if (!is(n, Kind::sequence, "`tests`", "a list of tests")) return;
    if (n.count == 0) error(n, "`tests` is empty");
    std::set<std::string> names;
    for (std::uint32_t i = 0; i < n.count; ++i) {
      const YamlNode& t = child(n, i);
      if (!is(t, Kind::mapping, "a test", "a mapping with `name`, `case` and `expect`")) continue;
      auto f = fields(t, {"name", "case", "as_of", "expect"}, "test");
      SuiteTest test;
      test.at = span(t);
      if (require(f, "name", t, "this test")) {
        if (auto name = text(*f["name"], "`name`")) {
          test.name = *name;
          test.at = span(*f["name"]);
          if (!names.insert(*name).second)
            error(*f["name"], fmt::format("another test of this suite is named `{}`", *name));
        }
      }
      if (require(f, "case", t, "this test")) read_case(*f["case"], test);
      if (f.count("as_of")) {
        if (auto date = text(*f["as_of"], "`as_of`")) {
          test.as_of = dsl::parse_iso_date(*date);
          if (!test.as_of) error(*f["as_of"], fmt::format("`as_of` `{}` is not a date (YYYY-MM-DD)", *date));
        }
      }
      if (require(f, "expect", t, "this test")) {
        read_expect(*f["expect"], test.expect);
        test.expect_at = value_span(*f["expect"]);
        if (f["expect"]->kind == Kind::mapping)
          for (std::uint32_t k = 0; k + 1 < f["expect"]->count; k += 2) {
            const YamlNode& key = child(*f["expect"], k);
            if (key.kind == Kind::scalar)
              test.expect_values[std::string(scalar(key))] = value_span(child(*f["expect"], k + 1));
          }
      }
      suite.tests.push_back(std::move(test));
    }
  }

  void read_case(const YamlNode& n, SuiteTest& test) {
    test.case_at = span(n);
    if (n.kind == Kind::mapping) {
      auto tree = std::make_shared<YamlTree>(tree_);
      tree->root = static_cast<std::uint32_t>(&n - tree_.nodes.data());
      test.inline_case = std::move(tree);
      return;
    }
    auto path = text(n, "`case`");
    if (!path) return;
    test.case_path = resolve(*path);
    std::error_code ec;
    if (!fs::is_regular_file(test.case_path, ec)) {
      error(n, fmt::format("case file `{}` does not exist (resolved to `{}`)", *path, test.case_path));
    }
  }

  void read_expect(const YamlNode& n, Expectation& e) {
    if (!is(n, Kind::mapping, "`expect`", "a mapping of expected results")) return;
    auto f =
        fields(n,
               {"decision", "prior_auth", "benefit", "reasons", "reasons_include", "missing", "requirements", "error",
                "next_steps_contain", "next_steps_lack", "warnings_contain", "warnings_lack", "authorization"},
               "expectation");
    if (f.empty() && n.count == 0) error(n, "`expect` names nothing to check");
    if (f.count("error") && f.size() > 1) {
      error(*f["error"],
            "`error` cannot be combined with other expectations: a case with an error has no determination");
    }
    if (f.count("decision"))
      e.decision = one_of(*f["decision"], "`decision`", {"covered", "pend", "denied", "excluded"});
    if (f.count("prior_auth")) {
      const YamlNode& v = *f["prior_auth"];
      if (v.kind == Kind::null) {
        e.prior_auth = std::optional<bool>{};
      } else if (v.kind == Kind::scalar && !v.quoted && (scalar(v) == "true" || scalar(v) == "false")) {
        e.prior_auth = std::optional<bool>{scalar(v) == "true"};
      } else {
        error(v, "`prior_auth` must be true, false or null");
      }
    }
    if (f.count("benefit")) {
      const YamlNode& v = *f["benefit"];
      if (v.kind == Kind::null) e.benefit = std::optional<std::string>{};
      else if (auto b = text(v, "`benefit`")) e.benefit = std::optional<std::string>{*b};
    }
    if (f.count("reasons")) e.reasons = sorted(texts(*f["reasons"], "`reasons`", false));
    if (f.count("reasons_include"))
      e.reasons_include = sorted(texts(*f["reasons_include"], "`reasons_include`", false));
    if (f.count("missing")) e.missing = sorted(texts(*f["missing"], "`missing`", false));
    if (f.count("requirements")) read_requirements(*f["requirements"], e);
    if (f.count("error")) e.error = text(*f["error"], "`error`");
    if (f.count("next_steps_contain")) {
      if (auto steps = texts(*f["next_steps_contain"], "`next_steps_contain`", true)) e.next_steps_contain = *steps;
    }
    if (f.count("next_steps_lack")) {
      if (auto steps = texts(*f["next_steps_lack"], "`next_steps_lack`", true)) e.next_steps_lack = *steps;
    }
    if (f.count("warnings_contain")) {
      if (auto texts_ = texts(*f["warnings_contain"], "`warnings_contain`", true)) e.warnings_contain = *texts_;
    }
    if (f.count("warnings_lack")) {
      if (auto texts_ = texts(*f["warnings_lack"], "`warnings_lack`", true)) e.warnings_lack = *texts_;
    }
    if (f.count("authorization")) read_authorization(*f["authorization"], e);
  }

  static std::optional<std::vector<std::string>> sorted(std::optional<std::vector<std::string>> v) {
    if (v) std::sort(v->begin(), v->end());
    return v;
  }

  void read_requirements(const YamlNode& n, Expectation& e) {
    if (!is(n, Kind::mapping, "`requirements`", "a mapping of item: present|missing|unknown")) return;
    std::map<std::string, std::string> out;
    for (std::uint32_t i = 0; i + 1 < n.count; i += 2) {
      auto item = text(child(n, i), "a requirement item");
      auto status = one_of(child(n, i + 1), "a requirement status", {"present", "missing", "unknown"});
      if (item && status) out[*item] = *status;
    }
    e.requirements = std::move(out);
  }

  void read_authorization(const YamlNode& n, Expectation& e) {
    if (n.kind == Kind::null) {
      e.authorization = std::optional<ExpectedAuthorization>{};
      return;
    }
    if (!is(n, Kind::mapping, "`authorization`", "null or a mapping of days, months, units")) return;
    ExpectedAuthorization a;
    auto f = fields(n, {"days", "months", "units"}, "authorization");
    for (auto& [key, node] : f) {
      if (node->kind == Kind::null) {  // a computed amount the case leaves unknown
        (key == "days" ? a.days_unknown : key == "months" ? a.months_unknown : a.units_unknown) = true;
        continue;
      }
      auto v = text(*node, fmt::format("`{}`", key));
      if (!v) continue;
      std::int64_t amount = 0;
      std::istringstream in(*v);
      if (node->quoted || !(in >> amount) || !in.eof() || amount < 0) {
        error(*node, fmt::format("`{}` must be a whole number of {} (0 or more)", key, key));
        continue;
      }
      (key == "days" ? a.days : key == "months" ? a.months : a.units) = amount;
    }
    e.authorization = std::optional<ExpectedAuthorization>{a};
  }

  const dsl::SourceRegistry& sources_;
  dsl::FileId file_;
  dsl::Diagnostics& diagnostics_;
  fs::path dir_;
  YamlTree tree_;
  bool ok_ = true;
};

}  // namespace

std::vector<std::string> find_suites(const std::vector<std::string>& paths, dsl::Diagnostics& diagnostics) {
  std::vector<std::string> out;
  for (const std::string& path : paths) {
    std::error_code ec;
    fs::file_status status = fs::status(path, ec);
    if (!fs::exists(status)) {
      diagnostics.error("io.not_found", {}, fmt::format("`{}` does not exist", path));
      continue;
    }
    if (!fs::is_directory(status)) {
      out.push_back(fs::path(path).lexically_normal().generic_string());
      continue;
    }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->path().filename().string().starts_with(".")) {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file(ec) && is_suite_file(it->path()))
        found.push_back(it->path().lexically_normal().generic_string());
    }
    if (ec) diagnostics.error("io.read", {}, fmt::format("cannot list `{}`: {}", path, ec.message()));
    if (found.empty() && !ec)
      diagnostics.error("io.not_found", {}, fmt::format("no test suites (`tests/*.yaml`) under `{}`", path));
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  // A suite named twice (a file and its folder) runs once.
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (const std::string& s : out)
    if (seen.insert(s).second) unique.push_back(s);
  return unique;
}

std::optional<Suite> load_suite(const std::string& path, dsl::SourceRegistry& sources, dsl::Diagnostics& diagnostics) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  if (in) buffer << in.rdbuf();
  if (!in || in.bad()) {
    diagnostics.error("io.read", {}, fmt::format("cannot read test suite `{}`", path));
    return std::nullopt;
  }
  dsl::FileId file = sources.add(path, std::move(buffer).str());
  return parse_suite(sources, file, diagnostics);
}

std::optional<Suite> parse_suite(const dsl::SourceRegistry& sources, dsl::FileId file, dsl::Diagnostics& diagnostics) {
  return SuiteReader(sources, file, diagnostics).read();
}

}  // namespace covcheck::cli

// Reading the terminology tables (rules/fhir/*.yaml) into lookups. The file format is
// documented in docs/fhir.md; every mistake is an error naming the table's file:line:col.
#include "engine/cases/fhir/terminology.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "engine/cases/yaml_tree.hpp"

namespace covcheck::engine::fhir {

namespace {

using Kind = YamlNode::Kind;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class TableReader {
 public:
  TableReader(const YamlTree& tree, dsl::FileId file, dsl::Diagnostics& diags)
      : tree_(tree), file_(file), diags_(diags) {}

  dsl::SourceSpan span(const YamlNode& n) const { return dsl::SourceSpan{file_, n.pos, std::max(n.pos, n.end)}; }
  void error(const YamlNode& n, std::string message) {
    diags_.error("fhir_map.bad_table", span(n), std::move(message));
  }

  // Pairs of a mapping as (key text, key node, value node).
  template <typename F>
  void pairs(const YamlNode& map, F f) {
    for (std::uint32_t i = 0; i + 1 < map.count; i += 2) {
      const YamlNode& k = tree_.nodes[tree_.children[map.first + i]];
      const YamlNode& v = tree_.nodes[tree_.children[map.first + i + 1]];
      if (k.kind != Kind::scalar) {
        error(k, "a table key must be a plain word");
        continue;
      }
      f(tree_.scalar(k), k, v);
    }
  }
  std::optional<std::string> text(const YamlNode& n, std::string_view what) {
    if (n.kind == Kind::scalar) return std::string(tree_.scalar(n));
    error(n, fmt::format("{} must be a single value", what));
    return std::nullopt;
  }
  const YamlTree& tree() const { return tree_; }

 private:
  const YamlTree& tree_;
  dsl::FileId file_;
  dsl::Diagnostics& diags_;
};

}  // namespace

std::string Terminology::key(std::string_view table, std::string_view system, std::string_view code) {
  std::string k;
  k.reserve(table.size() + system.size() + code.size() + 2);
  k.append(table).push_back('\n');
  k.append(system).push_back('\n');
  k.append(code);
  return k;
}

std::optional<std::string_view> Terminology::system_name(std::string_view uri) const {
  auto it = system_of_uri_.find(uri);
  if (it == system_of_uri_.end()) return std::nullopt;
  return it->second;
}

const std::vector<std::string>* Terminology::uris(std::string_view name) const {
  auto it = uris_.find(std::string(name));
  return it == uris_.end() ? nullptr : &it->second;
}

const TermEntry* Terminology::lookup(std::string_view table, std::string_view system, std::string_view code,
                                     std::string_view route) const {
  // The key is spelt in a buffer on the stack: a bundle looks up every coding it reads, and
  // an allocation per lookup was a visible part of reading one.
  char buffer[256];
  std::size_t size = table.size() + system.size() + code.size() + 2;
  std::string spilled;
  char* k = buffer;
  if (size > sizeof buffer) {
    spilled.resize(size);
    k = spilled.data();
  }
  char* p = std::copy(table.begin(), table.end(), k);
  *p++ = '\n';
  p = std::copy(system.begin(), system.end(), p);
  *p++ = '\n';
  if (system == "text")
    for (char c : code) *p++ = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  else std::copy(code.begin(), code.end(), p);
  auto it = rows_.find(std::string_view(k, size));
  if (it == rows_.end()) return nullptr;
  const TermEntry* unrouted = nullptr;
  for (const TermEntry& e : it->second) {
    if (e.route.empty()) unrouted = &e;
    else if (!route.empty() && e.route == route) return &e;
  }
  return unrouted;
}

std::vector<Terminology::Row> Terminology::rows(std::string_view table) const {
  std::vector<Row> out;
  auto it = keys_of_table_.find(std::string(table));
  if (it == keys_of_table_.end()) return out;
  for (const std::string& k : it->second) {
    std::size_t a = k.find('\n'), b = k.find('\n', a + 1);
    for (const TermEntry& e : rows_.at(k)) out.push_back(Row{k.substr(a + 1, b - a - 1), k.substr(b + 1), &e});
  }
  return out;
}

bool Terminology::has_table(std::string_view table) const { return keys_of_table_.count(std::string(table)) > 0; }

std::optional<Terminology> build_terminology(const std::vector<TableText>& tables, dsl::SourceRegistry& sources,
                                             dsl::Diagnostics& diagnostics) {
  Terminology t;
  const std::size_t errors_before = diagnostics.error_count();
  struct Pending {  // rows are checked against the systems once every file is read
    std::string table, system, code;
    TermEntry entry;
  };
  std::vector<Pending> pending;
  for (const TableText& file : tables) {
    dsl::FileId id = sources.add(file.name, file.text);
    YamlTree tree;
    YamlParse parsed = parse_first_yaml_document(file.text, tree, 16);
    for (const YamlProblem& p : parsed.problems)
      diagnostics.error("fhir_map.syntax", dsl::SourceSpan{id, p.begin, p.end}, p.message);
    if (!parsed.problems.empty()) continue;
    if (tree.root == yaml_none || tree.nodes[tree.root].kind != Kind::mapping) {
      diagnostics.error("fhir_map.bad_table", dsl::SourceSpan{id, 0, 0},
                        "a FHIR mapping table must be a mapping with `table:`");
      continue;
    }
    TableReader r(tree, id, diagnostics);
    const YamlNode& root = tree.nodes[tree.root];
    std::string table, default_system;
    const YamlNode* groups = nullptr;
    const YamlNode* systems = nullptr;
    r.pairs(root, [&](std::string_view k, const YamlNode& kn, const YamlNode& v) {
      if (k == "table") table = r.text(v, "`table`").value_or("");
      else if (k == "system") default_system = r.text(v, "`system`").value_or("");
      else if (k == "groups" && v.kind == Kind::sequence) groups = &v;
      else if (k == "systems" && v.kind == Kind::mapping) systems = &v;
      else
        r.error(kn,
                fmt::format(
                    "unknown table key `{}` (a table has `table`, `system`, `groups`; the systems table has `systems`)",
                    k));
    });
    if (table.empty()) {
      r.error(root, "the table has no `table:` name");
      continue;
    }
    if (systems) {
      r.pairs(*systems, [&](std::string_view name, const YamlNode&, const YamlNode& v) {
        std::vector<std::string>& list = t.uris_[std::string(name)];
        auto add = [&](const YamlNode& u) {
          if (auto s = r.text(u, "a system URI")) {
            list.push_back(*s);
            t.system_of_uri_[*s] = std::string(name);
          }
        };
        if (v.kind == Kind::sequence)
          for (std::uint32_t i = 0; i < v.count; ++i) add(tree.nodes[tree.children[v.first + i]]);
        else add(v);
      });
      continue;
    }
    if (!groups) {
      r.error(root, fmt::format("table `{}` has no `groups:` list", table));
      continue;
    }
    for (std::uint32_t g = 0; g < groups->count; ++g) {
      const YamlNode& group = tree.nodes[tree.children[groups->first + g]];
      if (group.kind != Kind::mapping) {
        r.error(group, "a group must be a mapping with `to:` and `codes:`");
        continue;
      }
      std::string to, system = default_system, route;
      const YamlNode* codes = nullptr;
      r.pairs(group, [&](std::string_view k, const YamlNode& kn, const YamlNode& v) {
        if (k == "to") to = r.text(v, "`to`").value_or("");
        else if (k == "system") system = r.text(v, "`system`").value_or("");
        else if (k == "codes" && v.kind == Kind::mapping) codes = &v;
        else if (k == "route" && v.kind == Kind::mapping) {
          std::string rs, rc;
          r.pairs(v, [&](std::string_view rk, const YamlNode& rkn, const YamlNode& rv) {
            if (rk == "system") rs = r.text(rv, "`system`").value_or("");
            else if (rk == "code") rc = r.text(rv, "`code`").value_or("");
            else r.error(rkn, fmt::format("unknown route key `{}` (a route has `system` and `code`)", rk));
          });
          route = rs + "|" + rc;
        } else if (k == "source") {
          // the citation: kept in the file for people
        } else {
          r.error(kn,
                  fmt::format("unknown group key `{}` (a group has `to`, `system`, `route`, `codes`, `source`)", k));
        }
      });
      if (to.empty() || system.empty() || !codes) {
        r.error(group, "a group needs `to:`, a `system:` (here or at the table's top) and `codes:`");
        continue;
      }
      r.pairs(*codes, [&](std::string_view code, const YamlNode& kn, const YamlNode& v) {
        TermEntry e;
        e.to = to;
        e.display = v.kind == Kind::scalar ? std::string(tree.scalar(v)) : std::string();
        e.route = route;
        e.at = r.span(kn);
        pending.push_back(Pending{table, system, system == "text" ? lower(code) : std::string(code), std::move(e)});
      });
    }
  }
  for (Pending& p : pending) {
    if (p.system != "text" && !t.uris_.count(p.system)) {
      diagnostics.error("fhir_map.unknown_system", p.entry.at,
                        fmt::format("code system `{}` is not in the systems table (systems.yaml)", p.system));
      continue;
    }
    std::string k = Terminology::key(p.table, p.system, p.code);
    std::vector<TermEntry>& rows = t.rows_[k];
    bool duplicate =
        std::any_of(rows.begin(), rows.end(), [&](const TermEntry& e) { return e.route == p.entry.route; });
    if (duplicate) {
      diagnostics.error("fhir_map.duplicate", p.entry.at,
                        fmt::format("`{}|{}` is mapped twice in table `{}`", p.system, p.code, p.table));
      continue;
    }
    if (rows.empty()) t.keys_of_table_[p.table].push_back(k);
    rows.push_back(std::move(p.entry));
  }
  if (diagnostics.error_count() > errors_before) return std::nullopt;
  return t;
}

bool add_table_dir(const std::string& dir, std::vector<TableText>& tables, dsl::Diagnostics& diagnostics) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    diagnostics.error("io.not_found", dsl::SourceSpan{},
                      fmt::format("FHIR mapping directory `{}` does not exist", dir));
    return false;
  }
  std::vector<fs::path> files;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (!in) {
      diagnostics.error("io.read", dsl::SourceSpan{}, fmt::format("cannot read FHIR mapping table `{}`", p.string()));
      return false;
    }
    std::string name = p.filename().string();
    auto same = std::find_if(tables.begin(), tables.end(),
                             [&](const TableText& t) { return fs::path(t.name).filename().string() == name; });
    if (same != tables.end()) *same = TableText{p.string(), std::move(buffer).str()};
    else tables.push_back(TableText{p.string(), std::move(buffer).str()});
  }
  return true;
}

}  // namespace covcheck::engine::fhir

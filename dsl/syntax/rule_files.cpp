// Loading a rule set's files: the `--rules` paths first (directories walked in sorted
// order), then their imports breadth-first, each file parsed once however it is reached.
#include "dsl/syntax/rule_files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include "dsl/source/limits.hpp"
#include "dsl/syntax/parser.hpp"

namespace covcheck::dsl {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t max_file_size = 16u * 1024u * 1024u;
constexpr std::size_t max_import_depth = 64;

// Paths print as the user spelled them (relative stays relative), minus `./` and `a/../`.
std::string display_path(const fs::path& p) {
  fs::path normal = p.lexically_normal();
  std::string s = normal.generic_string();
  return s.empty() ? p.generic_string() : s;
}

}  // namespace

std::string canonical_rule_path(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  if (ec) c = fs::absolute(p, ec).lexically_normal();
  return c.generic_string();
}

std::string rule_tree_key(const fs::path& p) {
  std::string s = p.lexically_normal().generic_string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();  // `dir/` names the directory `dir`
  return s.empty() ? "." : s;
}

namespace {

// The keys below `dir` in an overlay-only tree start with this ("" for the tree's root).
std::string tree_prefix(const fs::path& dir) {
  std::string key = rule_tree_key(dir);
  return key == "." ? std::string() : key + "/";
}

}  // namespace

bool in_rule_tree(const SourceOverlay& tree, const fs::path& path) {
  if (tree.count(rule_tree_key(path))) return true;
  std::string prefix = tree_prefix(path);
  auto next = tree.lower_bound(prefix);
  return next != tree.end() && next->first.compare(0, prefix.size(), prefix) == 0;
}

namespace {

bool is_hidden(const fs::path& p) {
  std::string name = p.filename().string();
  return name.size() > 1 && name[0] == '.' && name != "..";
}

// `walk_directory` in an overlay-only tree: its `*.cpl` keys below `dir`, hidden ones
// skipped, named below `dir` as the user spelt it.
std::vector<fs::path> walk_tree(const SourceOverlay& tree, const fs::path& dir, Diagnostics& diagnostics) {
  std::vector<fs::path> found;
  std::string prefix = tree_prefix(dir);
  for (auto it = tree.lower_bound(prefix); it != tree.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    fs::path relative(it->first.substr(prefix.size()));
    bool hidden = std::any_of(relative.begin(), relative.end(), [](const fs::path& part) { return is_hidden(part); });
    if (!hidden && relative.extension() == ".cpl") found.push_back(dir / relative);
  }
  std::sort(found.begin(), found.end(),
            [](const fs::path& a, const fs::path& b) { return a.generic_string() < b.generic_string(); });
  if (found.empty())
    diagnostics.warning("load.empty_directory", SourceSpan{},
                        fmt::format("no `*.cpl` files under `{}`", display_path(dir)));
  return found;
}

// Every `*.cpl` below `dir`, sorted by path; hidden directories and files are skipped
// (editor swap files, `.git`).
std::vector<fs::path> walk_directory(const fs::path& dir, Diagnostics& diagnostics) {
  std::vector<fs::path> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    diagnostics.error("io.read", SourceSpan{},
                      fmt::format("cannot read directory `{}`: {}", display_path(dir), ec.message()));
    return found;
  }
  for (fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) {
      diagnostics.error("io.read", SourceSpan{},
                        fmt::format("cannot read directory `{}`: {}", display_path(dir), ec.message()));
      break;
    }
    const fs::directory_entry& entry = *it;
    if (is_hidden(entry.path())) {
      if (entry.is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (entry.path().extension() == ".cpl" && entry.is_regular_file(ec)) found.push_back(entry.path());
  }
  std::sort(found.begin(), found.end(),
            [](const fs::path& a, const fs::path& b) { return a.generic_string() < b.generic_string(); });
  if (found.empty() && !diagnostics.has_errors()) {
    diagnostics.warning("load.empty_directory", SourceSpan{},
                        fmt::format("no `*.cpl` files under `{}`", display_path(dir)));
  }
  return found;
}

// Loads files one by one; `files` grows while imports are followed.
class Loader {
 public:
  Loader(SourceRegistry& sources, RuleFiles& out, Diagnostics& diagnostics, const SourceOverlay* overlay, RuleTree tree)
      : sources_(sources), out_(out), diagnostics_(diagnostics), overlay_(overlay), tree_(tree) {}

  // Loads one file unless already loaded. Returns its index in `out_.files`, or nullopt
  // when it could not be read or parsed. `where` is the import that reached it, if any.
  std::optional<std::size_t> load(const fs::path& path, std::size_t depth, const ast::Import* where) {
    std::string key = canonical_key(path);
    if (auto seen = by_canonical_.find(key); seen != by_canonical_.end()) return seen->second;
    by_canonical_[key] = std::nullopt;  // a failed file is reported once

    std::string name = display_path(path);
    std::optional<std::string> text = read(path, key, name, where);
    if (!text) return std::nullopt;
    FileId id = sources_.add(name, std::move(*text));
    std::optional<ast::File> parsed = parse_file(sources_, id, out_.node_count, diagnostics_);
    if (!parsed) return std::nullopt;
    std::size_t index = out_.files.size();
    out_.files.push_back(std::move(*parsed));
    out_.imports.emplace_back();
    out_.canonical_paths.push_back(key);
    paths_.push_back(fs::path(name));
    depths_.push_back(depth);
    by_canonical_[key] = index;
    return index;
  }

  // Follows the imports of every loaded file, breadth-first, so each file's depth is its
  // shortest import distance from a `--rules` path.
  void follow_imports() {
    for (std::size_t i = 0; i < out_.files.size(); ++i) {
      // Copy first: loading appends to `out_.files`, which may move the AST items.
      std::vector<ast::Import> imports;
      for (const ast::Item& item : out_.files[i].items) {
        if (const auto* imp = std::get_if<ast::Import>(&item)) imports.push_back(*imp);
      }
      for (const ast::Import& imp : imports) follow(i, imp);
    }
  }

  // An import cycle loads each file once, but is reported: a library that reaches itself
  // is almost always a mistake, and the checker's name visibility assumes a DAG.
  // True when a file named on the command line could not be read (exit 2, not 3).
  bool root_unreadable() const { return root_unreadable_; }

  void report_cycles() {
    std::vector<int> color(out_.files.size(), 0);  // 0 unvisited, 1 on the stack, 2 done
    std::vector<std::size_t> stack;
    for (std::size_t i = 0; i < out_.files.size(); ++i) {
      if (color[i] == 0) visit(i, color, stack);
    }
  }

 private:
  void follow(std::size_t importer, const ast::Import& imp) {
    fs::path target = paths_[importer].parent_path() / fs::path(imp.path);
    std::string name = display_path(target);
    std::error_code ec;
    fs::file_status st = tree_ == RuleTree::disk ? fs::status(target, ec) : fs::file_status(fs::file_type::not_found);
    if ((!fs::exists(st) || fs::is_directory(st)) && !in_overlay(target)) {
      Diagnostic& d = diagnostics_.error(
          "load.import_not_found", imp.path_span,
          fmt::format("imported file `{}` {}", name, fs::is_directory(st) ? "is a directory" : "does not exist"));
      d.help = "import paths are relative to the importing file's directory";
      return;
    }
    if (depths_[importer] + 1 > max_import_depth) {
      diagnostics_.error("load.import_depth", imp.span,
                         fmt::format("imports nest deeper than {} files at `{}`", max_import_depth, name));
      return;
    }
    std::optional<std::size_t> index = load(target, depths_[importer] + 1, &imp);
    if (!index) return;
    auto& list = out_.imports[importer];
    if (std::find(list.begin(), list.end(), *index) == list.end()) list.push_back(*index);
    import_spans_[{importer, *index}] = imp.span;
  }

  void visit(std::size_t i, std::vector<int>& color, std::vector<std::size_t>& stack) {
    color[i] = 1;
    stack.push_back(i);
    for (std::size_t next : out_.imports[i]) {
      if (color[next] == 1) {
        std::string chain;
        auto from = std::find(stack.begin(), stack.end(), next);
        for (auto it = from; it != stack.end(); ++it) chain += fmt::format("`{}` imports ", name_of(*it));
        chain += fmt::format("`{}`", name_of(next));
        Diagnostic& d =
            diagnostics_.error("load.import_cycle", import_spans_[{i, next}], fmt::format("import cycle: {}", chain));
        d.help = "move the shared declarations into a library file that both import";
      } else if (color[next] == 0) {
        visit(next, color, stack);
      }
    }
    stack.pop_back();
    color[i] = 2;
  }

  std::string name_of(std::size_t index) const { return sources_.file(out_.files[index].file).name(); }

  bool in_overlay(const fs::path& path) const { return overlay_ && overlay_->count(canonical_key(path)) > 0; }

  std::string canonical_key(const fs::path& path) const {
    return tree_ == RuleTree::disk ? canonical_rule_path(path) : rule_tree_key(path);
  }

  std::optional<std::string> read(const fs::path& path, const std::string& key, const std::string& name,
                                  const ast::Import* where) {
    SourceSpan at = where ? where->path_span : SourceSpan{};
    if (overlay_) {
      if (auto open = overlay_->find(key); open != overlay_->end()) {
        if (open->second.size() > max_file_size) {
          diagnostics_.error(
              "load.file_too_large", at,
              fmt::format("`{}` is {} bytes; rule files are limited to 16 MiB", name, open->second.size()));
          return std::nullopt;
        }
        return open->second;
      }
    }
    bool is_root = where == nullptr;
    if (tree_ == RuleTree::overlay_only) {
      diagnostics_.error("io.read", at, fmt::format("cannot read `{}`: it is not in the rule tree", name));
      root_unreadable_ = root_unreadable_ || is_root;
      return std::nullopt;
    }
    std::error_code ec;
    std::uintmax_t size = fs::file_size(path, ec);
    if (!ec && size > max_file_size) {
      diagnostics_.error("load.file_too_large", at,
                         fmt::format("`{}` is {} bytes; rule files are limited to 16 MiB", name, size));
      return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    if (in) buffer << in.rdbuf();
    if (!in || in.bad()) {
      diagnostics_.error("io.read", at, fmt::format("cannot read `{}`", name));
      root_unreadable_ = root_unreadable_ || is_root;
      return std::nullopt;
    }
    return std::move(buffer).str();
  }

  SourceRegistry& sources_;
  RuleFiles& out_;
  Diagnostics& diagnostics_;
  const SourceOverlay* overlay_;
  RuleTree tree_;
  std::map<std::string, std::optional<std::size_t>> by_canonical_;
  std::vector<fs::path> paths_;      // display path of each loaded file, for relative imports
  std::vector<std::size_t> depths_;  // import depth of each loaded file
  std::map<std::pair<std::size_t, std::size_t>, SourceSpan> import_spans_;
  bool root_unreadable_ = false;
};

}  // namespace

bool load_rule_files(const std::vector<std::string>& paths, SourceRegistry& sources, RuleFiles& out,
                     Diagnostics& diagnostics, const SourceOverlay* overlay, RuleTree tree) {
  static const SourceOverlay no_files;
  const SourceOverlay& in_memory = overlay ? *overlay : no_files;
  bool on_disk = tree == RuleTree::disk;
  // Missing `--rules` paths are checked before anything is parsed: a usage error (exit 2)
  // should not be buried under syntax errors of the paths that do exist.
  bool all_found = true;
  for (const std::string& p : paths) {
    std::error_code ec;
    bool found =
        on_disk ? fs::exists(fs::status(p, ec)) || in_memory.count(canonical_rule_path(p)) : in_rule_tree(in_memory, p);
    if (!found) {
      diagnostics.error("io.not_found", SourceSpan{}, fmt::format("rules path `{}` does not exist", p));
      all_found = false;
    }
  }
  if (!all_found) return false;

  Loader loader(sources, out, diagnostics, overlay, tree);
  bool walk_failed = false;
  for (const std::string& p : paths) {
    std::error_code ec;
    bool directory = on_disk ? fs::is_directory(p, ec) && !in_memory.count(canonical_rule_path(p))
                             : !in_memory.count(rule_tree_key(p));
    if (directory) {
      Diagnostics walk_errors;
      std::vector<fs::path> files = on_disk ? walk_directory(p, walk_errors) : walk_tree(in_memory, p, walk_errors);
      for (const fs::path& file : files) loader.load(file, 0, nullptr);
      walk_failed = walk_failed || walk_errors.has_errors();
      diagnostics.append(walk_errors);
    } else {
      loader.load(p, 0, nullptr);
    }
  }
  if (walk_failed || loader.root_unreadable()) return false;
  loader.follow_imports();
  loader.report_cycles();
  check_rule_set_limits(out, diagnostics);
  return true;
}

}  // namespace covcheck::dsl

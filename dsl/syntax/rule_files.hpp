// Loading a rule set's files: `--rules` paths (files, or directories walked for `*.cpl`),
// then every import, each file parsed once however it is reached.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "dsl/source/diagnostics.hpp"
#include "dsl/syntax/ast.hpp"

namespace covcheck::dsl {

struct RuleFiles {
  std::vector<ast::File> files;                   // in load order (sorted walk, then imports)
  std::vector<std::vector<std::size_t>> imports;  // imports[i]: indexes into `files` that files[i] imports
  std::vector<std::string> canonical_paths;       // for de-duplication and digests
  ast::NodeId node_count = 0;                     // expression NodeIds are 0 .. node_count-1 across all files
};

// Texts read instead of the files on disk, by canonical path (`canonical_rule_path`): the
// language server's unsaved editor buffers. A path in the overlay need not exist on disk.
using SourceOverlay = std::map<std::string, std::string>;

// The key under which a file is loaded once (and looked up in a SourceOverlay).
std::string canonical_rule_path(const std::filesystem::path& path);

// Where a rule set's files are: on disk, with the overlay read first (editor buffers), or only
// in the overlay, a whole file tree held in memory (a rule bundle: `engine/bundle/`). Then the
// disk is never read, directories are walked in the overlay, and its keys are `rule_tree_key`s.
enum class RuleTree { disk, overlay_only };

// The key of a path in an overlay-only tree: the lexically normal path as given (`a/../b` is
// `b`), with nothing resolved against the disk.
std::string rule_tree_key(const std::filesystem::path& path);
// Whether an overlay-only tree holds `path` as a file or as a directory (a prefix of a file's key).
bool in_rule_tree(const SourceOverlay& tree, const std::filesystem::path& path);

// Errors (unreadable file or directory: code "io.*"; syntax errors; import cycles) go to
// `diagnostics`. Returns false when a path cannot be opened at all (CLI exit 2).
bool load_rule_files(const std::vector<std::string>& paths, SourceRegistry& sources, RuleFiles& out,
                     Diagnostics& diagnostics, const SourceOverlay* overlay = nullptr, RuleTree tree = RuleTree::disk);

}  // namespace covcheck::dsl

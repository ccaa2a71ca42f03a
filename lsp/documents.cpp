// Open documents by URI; a URI that is not a `file:` URI gets a stand-in path so that it
// can still be parsed and checked (its imports resolve against the working directory).
#include "lsp/documents.hpp"

#include <filesystem>
#include <functional>

#include "lsp/uri.hpp"

namespace covcheck::lsp {

Document& DocumentStore::open(const std::string& uri, std::string text, std::int64_t version) {
  Document& d = documents_[uri];
  d.uri = uri;
  if (auto path = uri_to_path(uri)) {
    d.path = *path;
  } else {
    std::error_code ec;
    d.path =
        (std::filesystem::current_path(ec) / ("untitled-" + std::to_string(std::hash<std::string>{}(uri)) + ".cpl"))
            .generic_string();
  }
  d.text = std::move(text);
  d.version = version;
  return d;
}

Document* DocumentStore::find(const std::string& uri) {
  auto it = documents_.find(uri);
  return it == documents_.end() ? nullptr : &it->second;
}

const Document* DocumentStore::find(const std::string& uri) const {
  auto it = documents_.find(uri);
  return it == documents_.end() ? nullptr : &it->second;
}

dsl::SourceOverlay DocumentStore::overlay() const {
  dsl::SourceOverlay overlay;
  for (const auto& [uri, d] : documents_) overlay[dsl::canonical_rule_path(d.path)] = d.text;
  return overlay;
}

}  // namespace covcheck::lsp

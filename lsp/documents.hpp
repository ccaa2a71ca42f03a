// The open documents of an editor session: their current text (unsaved edits included),
// version and path. The rule set of a document is read from here first, then from disk.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "dsl/syntax/rule_files.hpp"

namespace covcheck::lsp {

struct Document {
  std::string uri;
  std::string path;  // the file path (a `file:` URI), else a stand-in path in the working directory
  std::string text;
  std::int64_t version = 0;
};

class DocumentStore {
 public:
  Document& open(const std::string& uri, std::string text, std::int64_t version);
  void close(const std::string& uri) { documents_.erase(uri); }
  Document* find(const std::string& uri);
  const Document* find(const std::string& uri) const;
  const std::map<std::string, Document>& all() const { return documents_; }
  // Every open document's text by canonical path, for loading a rule set from the buffers.
  dsl::SourceOverlay overlay() const;

 private:
  std::map<std::string, Document> documents_;
};

}  // namespace covcheck::lsp
